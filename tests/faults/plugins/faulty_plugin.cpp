// Plugin libraries that misbehave while being loaded, one per FAULT (set by the build):
// `sonoflow inspect` and `check` load libraries in a child process first and must report
// and skip each of these, never die with them.
//   segv        the entry point dereferences a null pointer
//   abort       the entry point aborts (as an assert or std::terminate would)
//   exit        a static initialiser calls exit(3) as the library loads
//   hang        the entry point never returns
//   spec_segv   the entry point is fine; a node type crashes while describing itself
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

#include "sonoflow/sonoflow.hpp"

namespace {

[[maybe_unused]] volatile int* null_pointer = nullptr;

struct Faulty final : sonoflow::Node {
  static sonoflow::NodeSpec spec() {
#if FAULT_spec_segv
    return sonoflow::NodeSpec::output(std::to_string(*null_pointer), "never described");
#else
    return sonoflow::NodeSpec::output("faulty_sink", "Never loaded")
        .input("in", sonoflow::port_type::any, "anything");
#endif
  }
};

#if FAULT_exit
const int exits_on_load = [] {
  std::exit(3);
  return 0;
}();
#endif

}  // namespace

extern "C" __attribute__((visibility("default"))) const sonoflow_plugin_descriptor*
sonoflow_plugin_entry() {
#if FAULT_segv
  return *null_pointer == 0 ? nullptr : nullptr;  // the read itself crashes
#elif FAULT_abort
  std::abort();
#elif FAULT_exit
  return nullptr;  // never reached: the library's initialiser exited
#elif FAULT_hang
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
#else
  static const sonoflow::NodeTypeEntry types[] = {sonoflow::node_type<Faulty>()};
  static const sonoflow_plugin_descriptor descriptor{SONOFLOW_ABI_VERSION,
                                                     SONOFLOW_SDK_VERSION,
                                                     "faulty",
                                                     "1.0.0",
                                                     "Apache-2.0",
                                                     "Crashes while describing a node type",
                                                     types,
                                                     1};
  return &descriptor;
#endif
}
