// A plugin built as if against another plugin ABI (the build sets SONOFLOW_ABI_VERSION=99):
// the loader must refuse it and name both versions.
#include "sonoflow/sonoflow.hpp"

namespace {
struct Dummy final : sonoflow::Node {
  static sonoflow::NodeSpec spec() {
    return sonoflow::NodeSpec::output("abi_dummy", "Never loaded")
        .input("in", sonoflow::port_type::any, "anything");
  }
};
}  // namespace

SONOFLOW_PLUGIN("wrong_abi", "1.0.0", "Apache-2.0", "Built for ABI 99",
                sonoflow::node_type<Dummy>())
