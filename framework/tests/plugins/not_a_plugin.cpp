// An ordinary shared library without the plugin entry point, as found in a plugin folder by
// mistake: it must be skipped with a clear reason.
extern "C" __attribute__((visibility("default"))) int not_a_plugin_answer() { return 42; }
