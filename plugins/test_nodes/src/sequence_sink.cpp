#include <chrono>
#include <thread>

#include "test_nodes.hpp"

namespace sonoflow::test_nodes {

template <EdgePolicy Policy>
NodeSpec SequenceSink<Policy>::spec() {
  const bool latest = Policy == EdgePolicy::latest;
  return NodeSpec::output(latest ? "test_latest_sink" : "test_sink",
                          latest ? "Takes the newest frame (a viewer's policy) and counts gaps"
                                 : "Checks that sequence numbers arrive contiguous and in order")
      .input("in", port_type::any, "Frames from any source", {.policy = Policy})
      .param(ParamSpec::real("delay_ms", 0)
                 .range(0, 10000)
                 .in("ms")
                 .doc("Time to spend on each frame, as a slow output would")
                 .live())
      .param(ParamSpec::boolean("stall", false)
                 .doc("Hold the first frame until the pipeline stops, as a hung output would"));
}

template <EdgePolicy Policy>
void SequenceSink<Policy>::configure(const ParamSet& params) {
  delay_ms_ = params.get_real("delay_ms");
  stall_ = params.get_bool("stall");
}

template <EdgePolicy Policy>
void SequenceSink<Policy>::update(const std::string& name, const ParamValue& value) {
  if (name == "delay_ms") delay_ms_ = std::get<double>(value);
}

template <EdgePolicy Policy>
void SequenceSink<Policy>::process(const Input& input, Context& ctx) {
  constexpr auto kStallPoll = std::chrono::milliseconds(1);
  if (stall_ && frames_ == 0)
    while (!ctx.stopping()) std::this_thread::sleep_for(kStallPoll);
  simulate_work(delay_ms_);
  const auto& h = input.frame->header;
  ++frames_;
  auto [it, first] = next_.try_emplace(h.source_id, h.sequence + 1);
  if (first) return;
  if (h.sequence < it->second) {
    ++out_of_order_;
    return;
  }
  if (h.sequence > it->second) {
    ++gaps_;
    missing_ += static_cast<int64_t>(h.sequence - it->second);
  }
  it->second = h.sequence + 1;
}

template <EdgePolicy Policy>
void SequenceSink<Policy>::results(Results& out) const {
  out["frames"] = frames_;
  out["gaps"] = gaps_;
  out["missing"] = missing_;
  out["out_of_order"] = out_of_order_;
  out["sources"] = static_cast<int64_t>(next_.size());
}

template class SequenceSink<EdgePolicy::lossless>;
template class SequenceSink<EdgePolicy::latest>;

}  // namespace sonoflow::test_nodes
