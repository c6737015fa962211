#include "test_nodes.hpp"

namespace sonoflow::test_nodes {

template <bool Concurrent>
NodeSpec Passthrough<Concurrent>::spec() {
  auto spec = NodeSpec::processing(Concurrent ? "test_parallel_passthrough" : "test_passthrough",
                                   Concurrent ? "Forwards frames, several at once"
                                              : "Forwards every frame unchanged")
                  .input("in", port_type::any, "Any frame")
                  .output("out", port_type::any, "The same frame")
                  .param(ParamSpec::real("delay_ms", 0)
                             .range(0, 10000)
                             .in("ms")
                             .doc("Time to spend on each frame, as a slow node would")
                             .live());
  if (Concurrent) spec.thread_safe();
  return spec;
}

template <bool Concurrent>
void Passthrough<Concurrent>::configure(const ParamSet& params) {
  delay_ms_ = params.get_real("delay_ms");
}

template <bool Concurrent>
void Passthrough<Concurrent>::update(const std::string& name, const ParamValue& value) {
  if (name == "delay_ms") delay_ms_ = std::get<double>(value);
}

template <bool Concurrent>
void Passthrough<Concurrent>::process(const Input& input, Context& ctx) {
  const int64_t now_running = running_.fetch_add(1) + 1;
  for (int64_t most = most_running_.load(); now_running > most;)
    most_running_.compare_exchange_weak(most, now_running);
  simulate_work(delay_ms_);
  running_.fetch_sub(1);
  ctx.emit(0, input.frame);
}

// The delay in force at the end (so tests see a live change arrive) and the overlap seen.
template <bool Concurrent>
void Passthrough<Concurrent>::results(Results& out) const {
  out["delay_ms"] = delay_ms_.load();
  out["most_concurrent_calls"] = most_running_.load();
}

template class Passthrough<false>;
template class Passthrough<true>;

}  // namespace sonoflow::test_nodes
