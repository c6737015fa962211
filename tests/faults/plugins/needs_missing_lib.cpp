// A plugin whose shared-library dependency cannot be found when it is loaded: dlopen fails
// naming the missing library, and the loader must say so and go on.
#include "sonoflow/sonoflow.hpp"

extern "C" int faulty_dependency_answer();

namespace {
struct NeedsLib final : sonoflow::Node {
  static sonoflow::NodeSpec spec() {
    return sonoflow::NodeSpec::output("needs_lib_sink", "Never loaded: its library is missing")
        .input("in", sonoflow::port_type::any, std::to_string(faulty_dependency_answer()));
  }
};
}  // namespace

SONOFLOW_PLUGIN("needs_missing_lib", "1.0.0", "Apache-2.0", "Depends on a missing library",
                sonoflow::node_type<NeedsLib>())
