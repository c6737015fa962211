#include "test_nodes.hpp"

namespace sonoflow::test_nodes {

NodeSpec Passthrough::spec() {
  return NodeSpec::processing("test_passthrough", "Forwards every frame unchanged")
      .input("in", port_type::any, "Any frame")
      .output("out", port_type::any, "The same frame")
      .param(ParamSpec::real("delay_ms", 0)
                 .range(0, 10000)
                 .in("ms")
                 .doc("Time to spend on each frame, as a slow node would")
                 .live());
}

void Passthrough::configure(const ParamSet& params) { delay_ms_ = params.get_real("delay_ms"); }

void Passthrough::update(const std::string& name, const ParamValue& value) {
  if (name == "delay_ms") delay_ms_ = std::get<double>(value);
}

void Passthrough::process(const Input& input, Context& ctx) {
  simulate_work(delay_ms_);
  ctx.emit(0, input.frame);
}

}  // namespace sonoflow::test_nodes
