// A second plugin that also provides `test_counter`: the registry must reject the type,
// naming both files.
#include "sonoflow/sonoflow.hpp"

namespace {
struct Counter final : sonoflow::ThreadedDevice {
  static sonoflow::NodeSpec spec() {
    return sonoflow::NodeSpec::device("test_counter", "A clash with test_nodes")
        .output("out", sonoflow::port_type::any, "nothing");
  }
  bool produce(sonoflow::Context&) override { return false; }
  double frame_rate_hz() const override { return 1; }
};
}  // namespace

SONOFLOW_PLUGIN("duplicate_type", "1.0.0", "Apache-2.0", "Clashes with test_nodes",
                sonoflow::node_type<Counter>())
