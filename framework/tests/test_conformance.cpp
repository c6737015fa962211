#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "sonoflow/framework/conformance.hpp"

using namespace sonoflow;

namespace {
std::vector<CheckResult> failures(const std::vector<CheckResult>& results) {
  std::vector<CheckResult> out;
  for (auto& r : results)
    if (!r.passed) out.push_back(r);
  return out;
}
CheckOptions quick() {
  CheckOptions o;
  o.timeout_s = 5;
  o.start_stop_cycles = 2;
  return o;
}
}  // namespace

TEST_CASE("every test node passes the conformance checks") {
  const auto& registry = testing::test_registry();
  for (auto& name : registry.type_names()) {
    if (registry.find(name)->plugin->name != "test_nodes") continue;
    auto results = check_node_type(*registry.find(name), quick());
    INFO(name);
    for (auto& f : failures(results)) INFO(f.check + ": " + f.detail);
    CHECK(failures(results).empty());
    CHECK(results.size() >= 5);
  }
  for (auto& p : registry.plugins()) CHECK(check_plugin(*p).front().passed);
}

TEST_CASE("devices emit checks see typed rf metadata") {
  auto results = check_node_type(*testing::test_registry().find("test_rf_source"), quick());
  bool emitted = false;
  for (auto& r : results)
    if (r.check == "emits valid frames") emitted = r.passed;
  CHECK(emitted);
}

TEST_CASE("conformance failures name what is wrong") {
  PluginRegistry r;
  REQUIRE(r.load_library(std::string(SONOFLOW_BAD_PLUGIN_DIR) + "/bad_device/bad_device.so"));
  auto repeating = failures(check_node_type(*r.find("bad_repeating"), quick()));
  REQUIRE(repeating.size() == 1);
  CHECK(repeating[0].check == "emits valid frames");
  CHECK(repeating[0].detail ==
        "port 'rf' is declared 'rf' but carried a 'any' frame; sequence numbers do not increase "
        "on port 'rf'");

  auto bad_default = failures(check_node_type(*r.find("bad_default"), quick()));
  REQUIRE(bad_default.size() == 1);
  CHECK(bad_default[0].detail == "parameter 'gain_db': default must be between 0 and 60 dB");
}
