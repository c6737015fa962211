// libFuzzer's entry point for one harness, chosen at compile time (SONOFLOW_FUZZ_HARNESS),
// so that each fuzz target is its own program with its own corpus.
#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return sonoflow::fuzz::SONOFLOW_FUZZ_HARNESS(data, size);
}
