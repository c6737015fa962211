// PipelineControl over a Runtime (framework/src/control.cpp): what the web viewer's page
// and JSON API see and change. Values arrive as text and must be refused with the same
// words validation uses for a pipeline file or `--set`.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "sonoflow/control.hpp"
#include "runtime_internal.hpp"
#include "sonoflow/framework/runtime.hpp"

using namespace sonoflow;
using namespace std::chrono_literals;
using Poco::JSON::Object;

namespace {

const char* kPipeline = R"(sonoflow: 1
name: control-test
nodes:
  src: { type: test_counter, params: { rate_hz: 2000 } }
  mid: { type: test_passthrough }
  sink: { type: test_sink }
edges: [src.out -> mid.in, { from: mid.out, to: sink.in, policy: latest }]
)";

std::unique_ptr<Runtime> make_runtime() {
  auto c = testing::check_yaml(kPipeline);
  INFO(c.diags.to_string());
  REQUIRE_FALSE(c.diags.has_errors());
  return std::make_unique<Runtime>(std::move(c.pipeline), RunOptions{});
}

// What validation says about `--set node.param=value` on the same pipeline.
std::string validation_message(const std::string& assignment) {
  Diagnostics diags;
  PipelineFile file = parse_pipeline(kPipeline, "p.yaml", diags);
  apply_override(file, assignment, 1, diags);
  if (!diags.has_errors()) validate(file, testing::test_registry(), diags);
  REQUIRE(diags.all().size() == 1);
  return diags.all().front().message;
}

Object::Ptr parse(const std::string& json) {
  return Poco::JSON::Parser().parse(json).extract<Object::Ptr>();
}

Object::Ptr param_of(const Object::Ptr& pipeline, const std::string& node,
                     const std::string& name) {
  auto nodes = pipeline->getArray("nodes");
  for (unsigned i = 0; i < nodes->size(); ++i) {
    auto n = nodes->getObject(i);
    if (n->getValue<std::string>("id") != node) continue;
    auto params = n->getArray("params");
    for (unsigned j = 0; j < params->size(); ++j)
      if (params->getObject(j)->getValue<std::string>("name") == name) return params->getObject(j);
  }
  FAIL("no parameter " << node << "." << name);
  return nullptr;
}

}  // namespace

TEST_CASE("control: a live parameter set as text reaches the running node") {
  auto rt = make_runtime();
  auto control = detail::make_pipeline_control(*rt);
  rt->start();
  CHECK(control->set_param("mid", "delay_ms", "0.25") == "");
  CHECK(param_of(parse(control->pipeline_json()), "mid", "delay_ms")->getValue<double>("value") ==
        0.25);
  // Frames must pass after the change for the node to have applied it.
  auto frames_in = [&] {
    return parse(control->stats_json())->getObject("nodes")->getObject("mid")->getValue<uint64_t>(
        "frames_in");
  };
  const auto before = frames_in();
  while (frames_in() < before + 5) rt->wait_for(5ms);
  rt->stop();
  CHECK(std::get<double>(rt->results()["mid"]["delay_ms"]) == 0.25);
}

TEST_CASE("control: refusals read like validation errors") {
  auto rt = make_runtime();
  auto control = detail::make_pipeline_control(*rt);
  SECTION("a parameter fixed at start") {
    CHECK(control->set_param("src", "count", "5") ==
          "parameter 'src.count' cannot change while the pipeline runs");
  }
  SECTION("out of range, with the reason") {
    const std::string why = control->set_param("mid", "delay_ms", "-2");
    CHECK(why == "parameter 'mid.delay_ms' must be between 0 and 10000 ms, got -2");
    CHECK(why == validation_message("mid.delay_ms=-2"));
  }
  SECTION("the wrong type") {
    CHECK(control->set_param("mid", "delay_ms", "fast") == validation_message("mid.delay_ms=fast"));
    CHECK(control->set_param("mid", "delay_ms", "[1, 2]") ==
          "parameter 'mid.delay_ms' expects a number, got a list");
    CHECK(control->set_param("mid", "delay_ms", "") ==
          "parameter 'mid.delay_ms' expects a number, got nothing");
  }
  SECTION("text that is not YAML") {
    const std::string why = control->set_param("mid", "delay_ms", "[1, 2");
    CHECK_THAT(why, Catch::StartsWith("value of 'mid.delay_ms': "));
  }
  SECTION("unknown node or parameter, with a suggestion") {
    CHECK(control->set_param("midd", "delay_ms", "1") ==
          "no node 'midd' in pipeline 'control-test'; did you mean 'mid'?");
    CHECK(control->set_param("mid", "delai_ms", "1") ==
          "node 'mid' (test_passthrough) has no parameter 'delai_ms'; did you mean 'delay_ms'?");
  }
  // A refused change leaves the value in force as it was.
  CHECK(param_of(parse(control->pipeline_json()), "mid", "delay_ms")->getValue<double>("value") ==
        0);
}

TEST_CASE("control: the pipeline's descriptors, values and edges as JSON") {
  auto rt = make_runtime();
  auto control = detail::make_pipeline_control(*rt);
  auto p = parse(control->pipeline_json());
  CHECK(p->getValue<std::string>("name") == "control-test");
  REQUIRE(p->getArray("nodes")->size() == 3);
  auto src = p->getArray("nodes")->getObject(0);
  CHECK(src->getValue<std::string>("id") == "src");
  CHECK(src->getValue<std::string>("kind") == "device");
  auto rate = param_of(p, "src", "rate_hz");
  CHECK(rate->getValue<double>("value") == 2000);
  CHECK(rate->getValue<double>("default") == 100);
  CHECK(rate->getValue<bool>("runtime_mutable"));
  CHECK(rate->getValue<std::string>("unit") == "Hz");
  CHECK_FALSE(param_of(p, "src", "count")->getValue<bool>("runtime_mutable"));
  auto edges = p->getArray("edges");
  REQUIRE(edges->size() == 2);
  CHECK(edges->getObject(1)->getValue<std::string>("from") == "mid.out");
  CHECK(edges->getObject(1)->getValue<std::string>("to") == "sink.in");
  CHECK(edges->getObject(1)->getValue<std::string>("policy") == "latest");
}

TEST_CASE("control: statistics shaped like the run report") {
  auto rt = make_runtime();
  auto control = detail::make_pipeline_control(*rt);
  auto s = parse(control->stats_json());
  CHECK(s->getValue<std::string>("pipeline") == "control-test");
  CHECK(s->has("fps"));
  CHECK(s->getObject("latency_ms")->has("p99"));
  auto mid = s->getObject("nodes")->getObject("mid");
  REQUIRE(mid);
  for (const char* key : {"frames_in", "frames_out", "dropped", "errors"})
    CHECK(mid->getValue<uint64_t>(key) == 0);
  CHECK(mid->getObject("process_ms")->has("p50"));
}
