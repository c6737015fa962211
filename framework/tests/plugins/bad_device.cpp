// Devices with the mistakes the conformance checker exists to catch: one whose sequence
// numbers repeat and whose frames do not match its port type, one whose parameter default
// lies outside its own range.
#include <thread>

#include "sonoflow/sonoflow.hpp"

namespace {
using namespace sonoflow;

struct RepeatingDevice final : ThreadedDevice {
  static NodeSpec spec() {
    return NodeSpec::device("bad_repeating", "Stamps every frame with sequence 0")
        .output("rf", port_type::rf, "claims rf, sends blobs");
  }
  bool produce(Context& ctx) override {
    auto frame = std::make_shared<BlobFrame>();
    frame->header = ctx.stamp();
    frame->header.sequence = 0;
    return ctx.emit(0, frame);
  }
  double frame_rate_hz() const override { return 0; }
};

struct BadDefault final : Node {
  static NodeSpec spec() {
    return NodeSpec::output("bad_default", "Default outside its own range")
        .input("in", port_type::any, "anything")
        .param(ParamSpec::real("gain_db", 90).range(0, 60).in("dB").doc("Gain"));
  }
};
}  // namespace

SONOFLOW_PLUGIN("bad_device", "1.0.0", "Apache-2.0", "Conformance failures on purpose",
                node_type<RepeatingDevice>(), node_type<BadDefault>())
