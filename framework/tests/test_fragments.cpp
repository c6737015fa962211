// Splitting a pipeline into fragments: which nodes and edges each fragment keeps, the DDS
// nodes a cut edge becomes (topic, policy, domain), and the errors of a bad split.
#include <catch2/catch.hpp>
#include <map>

#include "helpers.hpp"
#include "sonoflow/framework/fragments.hpp"

using namespace sonoflow;

namespace {

const char* kSplit = R"(sonoflow: 1
name: split-test
nodes:
  src:    { fragment: front, type: test_rf_source }
  local:  { fragment: front, type: test_sink }
  sink:   { fragment: back, type: test_sink }
  viewer: { fragment: back, type: test_latest_sink }
edges:
  - src.rf -> local.in
  - src.rf -> sink.in
  - { from: src.rf, to: viewer.in, policy: latest }
)";

struct Split {
  PipelineFile part;
  Diagnostics diags;
};

Split split(const std::string& yaml, const std::string& fragment) {
  Split s;
  PipelineFile file = parse_pipeline(yaml, "p.yaml", s.diags);
  ValidatedPipeline whole = validate(file, testing::test_registry(), s.diags);
  INFO(s.diags.to_string());
  REQUIRE_FALSE(s.diags.has_errors());
  s.part = fragment_file(file, whole, fragment, s.diags);
  return s;
}

std::map<std::string, std::string> params_of(const NodeDecl& node) {
  std::map<std::string, std::string> out;
  for (const auto& p : node.params) out[p.name] = p.value.scalar;
  return out;
}

std::string edge_text(const EdgeDecl& e) {
  return e.from.node + "." + e.from.port + " -> " + e.to.node + "." + e.to.port + " " +
         std::string(to_string(e.policy));
}

}  // namespace

TEST_CASE("the sending fragment keeps its nodes and gets one publisher per cut port") {
  Split s = split(kSplit, "front");
  REQUIRE_FALSE(s.diags.has_errors());
  CHECK(s.part.name == "split-test/front");
  REQUIRE(s.part.nodes.size() == 3);
  CHECK(s.part.nodes[0].id == "src");
  CHECK(s.part.nodes[1].id == "local");
  const NodeDecl& pub = s.part.nodes[2];
  CHECK(pub.id == "dds_pub_src_rf");
  CHECK(pub.type == "dds_publish");
  // Lossless because one of the port's cut edges is.
  CHECK(params_of(pub) ==
        std::map<std::string, std::string>{
            {"topic", "sonoflow/split_test/src/rf"}, {"policy", "lossless"}, {"domain", "-1"}});
  REQUIRE(s.part.edges.size() == 2);
  CHECK(edge_text(s.part.edges[0]) == "src.rf -> local.in lossless");
  CHECK(edge_text(s.part.edges[1]) == "src.rf -> dds_pub_src_rf.in lossless");
}

TEST_CASE("a receiving fragment gets one subscriber per topic, feeding every edge's input") {
  Split s = split(kSplit, "back");
  REQUIRE_FALSE(s.diags.has_errors());
  REQUIRE(s.part.nodes.size() == 3);
  const NodeDecl& sub = s.part.nodes[2];
  CHECK(sub.id == "dds_sub_src_rf");
  CHECK(sub.type == "dds_subscribe");
  CHECK(params_of(sub)["topic"] == "sonoflow/split_test/src/rf");
  CHECK(params_of(sub)["policy"] == "lossless");
  REQUIRE(s.part.edges.size() == 2);
  CHECK(edge_text(s.part.edges[0]) == "dds_sub_src_rf.rf -> sink.in lossless");
  CHECK(edge_text(s.part.edges[1]) == "dds_sub_src_rf.rf -> viewer.in latest");
  // The fragment is a pipeline of its own: it validates with the dds plugin loaded.
  if (testing::test_registry().find("dds_subscribe")) {
    Diagnostics diags;
    validate(s.part, testing::test_registry(), diags);
    CHECK(diags.to_string().empty());
  }
}

TEST_CASE(
    "a cut port whose edges are all latest becomes a latest topic; settings give the domain") {
  std::string yaml = kSplit;
  const std::string lossless_edge = "  - src.rf -> sink.in\n";
  yaml.replace(yaml.find(lossless_edge), lossless_edge.size(),
               "  - { from: src.rf, to: sink.in, policy: latest }\n");
  yaml.replace(yaml.find("nodes:"), 6, "settings: { dds_domain: 17 }\nnodes:");
  Split s = split(yaml, "front");
  REQUIRE(s.part.nodes.size() == 3);
  CHECK(params_of(s.part.nodes[2])["policy"] == "latest");
  CHECK(params_of(s.part.nodes[2])["domain"] == "17");
  CHECK(edge_text(s.part.edges[1]) == "src.rf -> dds_pub_src_rf.in latest");
}

TEST_CASE("an unknown fragment, an unsplit file and a node without a fragment are named") {
  Split s = split(kSplit, "frnt");
  CHECK(s.diags.to_string() ==
        "p.yaml: error: no fragment 'frnt' in this pipeline; did you mean 'front'?; its "
        "fragments are: front, back\n");

  Split plain = split("sonoflow: 1\nnodes:\n  a: { type: test_rf_source }\n", "front");
  CHECK(plain.diags.to_string().find("this pipeline is not split") != std::string::npos);

  std::string partly = kSplit;
  const std::string with = "{ fragment: back, type: test_sink }";
  partly.replace(partly.find(with), with.size(), "{ type: test_sink }");
  Split p = split(partly, "front");
  CHECK(p.diags.to_string().find("p.yaml:6:3: error: node 'sink' has no 'fragment:'") !=
        std::string::npos);
  CHECK(fragment_names(PipelineFile{}).empty());
}
