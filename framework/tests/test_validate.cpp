#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace sonoflow;
using sonoflow::testing::check_yaml;

TEST_CASE("a valid pipeline resolves types, defaults, ports and order") {
  auto c = check_yaml(R"(sonoflow: 1
nodes:
  sink: { type: test_sink }
  src: { type: test_counter, params: { rate_hz: 50 } }
  mid: { type: test_passthrough }
  view: { type: test_latest_sink }
edges:
  - src.out -> mid.in
  - mid.out -> sink.in
  - mid.out -> view.in
)");
  INFO(c.diags.to_string());
  REQUIRE_FALSE(c.diags.has_errors());
  const auto& p = c.pipeline;
  REQUIRE(p.nodes.size() == 4);
  CHECK(p.nodes[1].params.get_real("rate_hz") == 50);
  CHECK(p.nodes[1].params.get_int("count") == 0);  // default filled in
  // Sources come first in the topological order.
  CHECK(p.nodes[p.topological_order.front()].id == "src");
  // The viewer-like sink's input defaults to `latest`, the checker's to `lossless`.
  CHECK(p.edges[1].policy == EdgePolicy::lossless);
  CHECK(p.edges[2].policy == EdgePolicy::latest);
}

TEST_CASE("all validation errors are reported at once with suggestions") {
  auto c = check_yaml(R"(sonoflow: 1
nodes:
  src: { type: test_countr }
  mid: { type: test_passthrough, params: { dellay_ms: 3, delay_ms: -1 } }
  rf: { type: test_rf_source, params: { channels: many } }
  sink: { type: test_sink }
edges:
  - rf.rf -> mid.inn
  - mid.out -> sink.in
  - ghost.out -> sink.in
)");
  const auto& all = c.diags.all();
  std::vector<std::string> lines;
  for (auto& d : all) lines.push_back(format(d));
  INFO(c.diags.to_string());
  REQUIRE(lines.size() == 6);
  CHECK(lines[0] == "p.yaml:3:16: error: unknown node type 'test_countr' for node 'src'; did you "
                    "mean 'test_counter'?");
  CHECK(lines[1] == "p.yaml:4:44: error: node 'mid' (test_passthrough) has no parameter "
                    "'dellay_ms'; did you mean 'delay_ms'?");
  CHECK(lines[2] == "p.yaml:4:68: error: parameter 'mid.delay_ms' must be between 0 and 10000 "
                    "ms, got -1");
  CHECK(lines[3] == "p.yaml:5:51: error: parameter 'rf.channels' expects an integer, got 'many'");
  CHECK(lines[4] == "p.yaml:8:18: error: node 'mid' (test_passthrough) has no input port 'inn'; "
                    "did you mean 'in'?");
  CHECK(lines[5] == "p.yaml:10:5: error: edge refers to unknown node 'ghost'");
  // Not also "input 'mid.in' is not connected": the edge to 'mid.inn' already says why.
}

TEST_CASE("incompatible port types, duplicate edges and cycles are refused") {
  auto c = check_yaml(R"(sonoflow: 1
nodes:
  src: { type: test_counter }
  a: { type: test_passthrough }
  b: { type: test_passthrough }
  sink: { type: test_sink }
edges:
  - src.out -> a.in
  - a.out -> b.in
  - b.out -> a.in
  - b.out -> sink.in
  - b.out -> sink.in
)");
  INFO(c.diags.to_string());
  REQUIRE(c.diags.all().size() == 2);
  CHECK(format(c.diags.all()[0]) == "p.yaml:12:5: error: duplicate edge b.out -> sink.in");
  CHECK(format(c.diags.all()[1]) == "p.yaml:9:5: error: the pipeline has a cycle: b -> a -> b");
}

TEST_CASE("ports connect by type; `any` inputs take everything") {
  CHECK(ports_compatible("rf", "rf"));
  CHECK(ports_compatible("rf", "any"));
  CHECK(ports_compatible("beamformed", "iq"));
  CHECK_FALSE(ports_compatible("rf", "image"));
  CHECK_FALSE(ports_compatible("any", "rf"));
}

TEST_CASE("a node's misplaced keys are explained with its type in mind") {
  auto c = check_yaml(R"(sonoflow: 1
nodes:
  src: { type: test_counter, rate_hz: 5 }
  sink: { type: test_latest_sink, policy: latest, parms: {} }
edges: [src.out -> sink.in]
)");
  INFO(c.diags.to_string());
  REQUIRE(c.diags.all().size() == 3);
  CHECK(format(c.diags.all()[0]) ==
        "p.yaml:3:30: error: 'rate_hz' is a parameter of test_counter; put it under 'params:'");
  CHECK(format(c.diags.all()[1]) ==
        "p.yaml:4:35: error: 'policy' belongs to an edge: { from: <node>.<port>, to: sink.<port>, "
        "policy: latest }");
  CHECK(format(c.diags.all()[2]) ==
        "p.yaml:4:51: error: node 'sink' has no key 'parms'; did you mean 'params'? (a node takes "
        "type, params, on_error, fragment)");
}

TEST_CASE("an edge written backwards is named as such") {
  auto c = check_yaml(R"(sonoflow: 1
nodes:
  src: { type: test_counter }
  sink: { type: test_sink }
edges: [sink.in -> src.out]
)");
  REQUIRE(c.diags.all().size() == 1);
  CHECK(format(c.diags.all()[0]) ==
        "p.yaml:5:9: error: edge goes from an input to an output; write 'src.out -> sink.in'");
}

