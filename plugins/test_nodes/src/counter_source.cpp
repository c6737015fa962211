#include <chrono>
#include <thread>

#include "test_nodes.hpp"

namespace sonoflow::test_nodes {

NodeSpec CounterSource::spec() {
  return NodeSpec::device("test_counter", "Emits numbered frames at a set rate")
      .output("out", port_type::any, "Numbered frames (tag 'counter')")
      .param(ParamSpec::real("rate_hz", 100)
                 .range(0, 1e6)
                 .in("Hz")
                 .doc("Frames per second; 0 = as fast as the pipeline takes them")
                 .live())
      .param(ParamSpec::integer("count", 0).at_least(0).doc("Frames to emit; 0 = no limit"))
      .param(ParamSpec::integer("payload_bytes", 0)
                 .range(0, 64 << 20)
                 .in("B")
                 .doc("Size of each frame's payload"));
}

void CounterSource::configure(const ParamSet& params) {
  rate_hz_ = params.get_real("rate_hz");
  count_ = params.get_int("count");
  payload_bytes_ = params.get_int("payload_bytes");
  produced_ = 0;
}

void CounterSource::update(const std::string& name, const ParamValue& value) {
  if (name == "rate_hz") rate_hz_ = std::get<double>(value);
}

bool CounterSource::produce(Context& ctx) {
  if (count_ && produced_ >= count_) return false;
  auto frame = std::make_shared<BlobFrame>();
  frame->header = ctx.stamp();
  frame->tag = "counter";
  frame->bytes.assign(static_cast<size_t>(payload_bytes_), uint8_t{0});
  ++produced_;
  return ctx.emit(0, std::move(frame));
}

void simulate_work(double delay_ms) {
  if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(delay_ms));
}

}  // namespace sonoflow::test_nodes
