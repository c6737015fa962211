#include <stdexcept>

#include "test_nodes.hpp"

namespace sonoflow::test_nodes {

NodeSpec Thrower::spec() {
  return NodeSpec::processing("test_thrower", "Throws at a chosen stage; forwards frames otherwise")
      .input("in", port_type::any, "Any frame")
      .output("out", port_type::any, "The frames it did not throw on")
      .param(ParamSpec::choice("stage", "none", {"none", "configure", "start", "process", "stop"})
                 .doc("Where to throw"))
      .param(ParamSpec::integer("every_n", 1)
                 .at_least(1)
                 .doc("With stage=process: throw on every n-th frame"));
}

void Thrower::configure(const ParamSet& params) {
  stage_ = params.get_string("stage");
  every_n_ = params.get_int("every_n");
  if (stage_ == "configure") throw std::runtime_error("test_thrower: asked to throw in configure");
}

void Thrower::start(Context&) {
  seen_ = 0;
  if (stage_ == "start") throw std::runtime_error("test_thrower: asked to throw in start");
}

void Thrower::process(const Input& input, Context& ctx) {
  if (stage_ == "process" && ++seen_ % every_n_ == 0)
    throw std::runtime_error("test_thrower: asked to throw on frame " +
                             std::to_string(input.frame->header.sequence));
  ctx.emit(0, input.frame);
}

void Thrower::stop() {
  if (stage_ == "stop") throw std::runtime_error("test_thrower: asked to throw in stop");
}

}  // namespace sonoflow::test_nodes
