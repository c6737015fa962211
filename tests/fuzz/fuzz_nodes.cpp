// A plugin for the fuzz harnesses only (never installed, not in build/plugins): one node
// type with a parameter of every ParamType, with ranges, item counts and a required one,
// so that fuzzed pipeline files, `--set` values and control requests reach every branch of
// the validator. All but origin_mm and file may change while running.
#include "sonoflow/frames.hpp"
#include "sonoflow/plugin.hpp"

namespace {

using namespace sonoflow;

struct EveryParam : Node {
  static NodeSpec spec() {
    return NodeSpec::processing("fuzz_every_param", "Takes one parameter of every type")
        .input("in", port_type::any, "Any frame")
        .input("aux", port_type::image, "Optional image", {.required = false,
                                                           .policy = EdgePolicy::latest})
        .output("out", port_type::any, "The same frame")
        .output("image", port_type::image, "An image")
        .param(ParamSpec::boolean("enabled", true).doc("A switch").live())
        .param(ParamSpec::integer("count", 3).range(-5, 100).doc("An integer").live())
        .param(ParamSpec::real("gain_db", 0).range(-60, 60).in("dB").doc("A real").live())
        .param(ParamSpec::string("label", "x").doc("Free text").live())
        .param(ParamSpec::choice("window", "hann", {"hann", "tukey", "rect"}).doc("A choice").live())
        .param(ParamSpec::numbers("angles_deg", {-8, 0, 8})
                   .range(-30, 30)
                   .items(1, 16)
                   .in("deg")
                   .doc("A list of numbers")
                   .live())
        .param(ParamSpec::point2_mm("target_mm", {0, 20}).doc("A 2-D point").live())
        .param(ParamSpec::point3_mm("origin_mm", {0, 0, 0}).doc("A 3-D point"))
        .param(ParamSpec::string("file", "in.sfrec").needed().doc("A required parameter"));
  }
};

}  // namespace

SONOFLOW_PLUGIN("fuzz_nodes", "1.0.0", "Apache-2.0", "Node types for the fuzz harnesses",
                sonoflow::node_type<EveryParam>())
