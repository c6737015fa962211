// A library a plugin depends on; the test runs that plugin where this library is not.
extern "C" __attribute__((visibility("default"))) int faulty_dependency_answer() {
  return 42;
}
