#include <catch2/catch.hpp>

#include "sonoflow/framework/pipeline_file.hpp"

using namespace sonoflow;

TEST_CASE("a pipeline file is read with the position of every item") {
  Diagnostics d;
  auto f = parse_pipeline(R"(sonoflow: 1
name: demo
settings: { max_in_flight: 4, threads: 3 }
nodes:
  src: { type: test_counter, params: { rate_hz: 10 } }
  sink:
    type: test_sink
    on_error: stop
edges:
  - src.out -> sink.in
  - { from: src.out, to: sink.in, policy: latest }
)",
                          "demo.yaml", d);
  REQUIRE_FALSE(d.has_errors());
  CHECK(f.name == "demo");
  CHECK(f.settings.max_in_flight == 4);
  CHECK(f.settings.threads == 3);
  REQUIRE(f.nodes.size() == 2);
  CHECK(f.nodes[0].id == "src");
  CHECK(f.nodes[0].type_mark.line == 5);
  CHECK(f.nodes[1].on_error == ErrorPolicy::stop);
  REQUIRE(f.nodes[0].params.size() == 1);
  CHECK(f.nodes[0].params[0].value.scalar == "10");
  REQUIRE(f.edges.size() == 2);
  CHECK(f.edges[0].to.node == "sink");
  CHECK(f.edges[0].to.port_mark.line == 10);
  CHECK(f.edges[0].to.port_mark.column == 21);  // "  - src.out -> sink.in": the "in"
  CHECK_FALSE(f.edges[0].policy_given);
  CHECK(f.edges[1].policy == EdgePolicy::latest);
}

TEST_CASE("every structural mistake is reported, not just the first") {
  Diagnostics d;
  auto f = parse_pipeline(R"(sonoflow: 2
nodez: {}
nodes:
  9lives: { type: test_sink }
  ok: { type: test_sink, parms: {} }
edges: "src.out -> sink.in"
)",
                 "bad.yaml", d);
  REQUIRE(d.all().size() == 4);
  CHECK(format(d.all()[0]) ==
        "bad.yaml:1:11: error: unsupported pipeline file format version '2'; this SonoFlow reads "
        "'sonoflow: 1'");
  CHECK(format(d.all()[1]) == "bad.yaml:2:1: error: unknown top-level key 'nodez'; did you mean "
                              "'nodes'?");
  CHECK(d.all()[2].message.find("node id '9lives' must start with a letter") == 0);
  CHECK(d.all()[3].message.find("'edges' must be a list") == 0);
  // A node's unknown keys are left to validation, which knows the node's type.
  REQUIRE(f.nodes.size() == 1);
  REQUIRE(f.nodes[0].unknown_keys.size() == 1);
  CHECK(f.nodes[0].unknown_keys[0].first == "parms");
  CHECK(f.nodes[0].unknown_keys[0].second.column == 26);
}

TEST_CASE("YAML syntax errors carry the parser's position") {
  Diagnostics d;
  parse_pipeline("sonoflow: 1\nnodes: { a: [1, 2\n", "broken.yaml", d);
  REQUIRE(d.all().size() == 1);
  CHECK(d.all()[0].mark.line >= 2);
  CHECK(d.all()[0].message.rfind("YAML syntax: ", 0) == 0);
}

TEST_CASE("overrides (--set) replace or add a parameter and point at the command line") {
  Diagnostics d;
  auto f = parse_pipeline("sonoflow: 1\nnodes: { src: { type: test_counter, params: { rate_hz: 5 } } }\n",
                          "p.yaml", d);
  apply_override(f, "src.rate_hz=7.5", 1, d);
  apply_override(f, "src.count=[1, 2]", 2, d);
  apply_override(f, "srx.count=3", 3, d);
  apply_override(f, "nonsense", 4, d);
  REQUIRE(f.nodes[0].params.size() == 2);
  CHECK(f.nodes[0].params[0].value.scalar == "7.5");
  CHECK(f.nodes[0].params[0].file == "--set");
  CHECK(f.nodes[0].params[1].value.items.size() == 2);
  REQUIRE(d.all().size() == 2);
  CHECK(format(d.all()[0]) == "--set:3:1: error: no node 'srx' in p.yaml; did you mean 'src'?");
  CHECK(format(d.all()[1]) == "--set:4:1: error: 'nonsense' must be written node.param=value");
}

TEST_CASE("a missing pipeline file is one clear error") {
  Diagnostics d;
  read_pipeline_file("/nonexistent/pipeline.yaml", d);
  REQUIRE(d.all().size() == 1);
  CHECK(format(d.all()[0]) == "/nonexistent/pipeline.yaml: error: no such pipeline file");
}
