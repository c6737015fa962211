#include <catch2/catch.hpp>

#include <cstdlib>

#include "sonoflow/framework/plugin_registry.hpp"

using namespace sonoflow;

namespace {
std::string bad(const std::string& folder) { return std::string(SONOFLOW_BAD_PLUGIN_DIR) + "/" + folder; }
const PluginInfo* plugin_named(const PluginRegistry& r, const std::string& name) {
  for (auto& p : r.plugins())
    if (p->name == name) return p.get();
  return nullptr;
}
std::string only_message(const PluginRegistry& r) {
  REQUIRE(r.problems().all().size() == 1);
  return r.problems().all()[0].message;
}
}  // namespace

TEST_CASE("the test plugin loads with its node types and descriptor") {
  PluginRegistry r;
  r.load_folder(SONOFLOW_TEST_PLUGIN_DIR);
  const PluginInfo* found = plugin_named(r, "test_nodes");
  REQUIRE(found);
  const auto& p = *found;
  CHECK(p.abi_version == SONOFLOW_ABI_VERSION);
  CHECK(p.sdk_version == SONOFLOW_SDK_VERSION);
  CHECK(r.find("test_counter"));
  CHECK(r.find("test_counter")->spec.kind == NodeKind::device);
  CHECK(r.problems().all().empty());
}

TEST_CASE("a plugin built for another ABI is refused, naming both versions") {
  PluginRegistry r;
  r.load_folder(bad("wrong_abi"));
  CHECK(r.plugins().empty());
  CHECK(only_message(r) ==
        "skipped: built for SonoFlow plugin ABI 99, but this SonoFlow has plugin ABI " +
            std::to_string(SONOFLOW_ABI_VERSION) + "; rebuild the plugin against SonoFlow SDK " +
            SONOFLOW_SDK_VERSION);
}

TEST_CASE("libraries that are not plugins are skipped and the rest still load") {
  PluginRegistry r;
  r.load_folder(bad("not_a_plugin"));
  r.load_folder(bad("garbage"));
  r.load_folder(SONOFLOW_TEST_PLUGIN_DIR);
  CHECK(plugin_named(r, "test_nodes"));
  REQUIRE(r.problems().all().size() == 2);
  CHECK(r.problems().all()[0].message ==
        "skipped: not a SonoFlow plugin (no 'sonoflow_plugin_entry' symbol)");
  CHECK(r.problems().all()[0].file == bad("not_a_plugin") + "/not_a_plugin.so");
  CHECK(r.problems().all()[1].message.rfind("skipped: cannot load library: ", 0) == 0);
  CHECK_FALSE(r.problems().has_errors());  // warnings: the others are usable
}

TEST_CASE("two plugins with the same node type is an error naming both files") {
  PluginRegistry r;
  r.load_folder(SONOFLOW_TEST_PLUGIN_DIR);
  r.load_folder(bad("duplicate_type"));
  CHECK(r.problems().has_errors());
  CHECK(only_message(r) == "node type 'test_counter' is provided by both " +
                               std::string(SONOFLOW_TEST_PLUGIN_DIR) + "/test_nodes.so and " +
                               bad("duplicate_type") + "/duplicate_type.so");
  CHECK(r.is_ambiguous("test_counter"));
  CHECK(r.find("test_counter")->plugin->name == "test_nodes");  // the first stays
}

TEST_CASE("the same plugin later in the search order is shadowed, like PATH") {
  PluginRegistry r;
  r.load_folder(SONOFLOW_TEST_PLUGIN_DIR);
  const size_t loaded = r.plugins().size();
  r.load_library(std::string(SONOFLOW_TEST_PLUGIN_DIR) + "/test_nodes.so");
  CHECK(r.plugins().size() == loaded);
  CHECK(only_message(r).find("plugin 'test_nodes' already loaded from") == 0);
  CHECK_FALSE(r.problems().has_errors());
}

TEST_CASE("search path: build tree first, then SONOFLOW_PLUGIN_PATH in order") {
  const std::string exe = std::string(SONOFLOW_TEST_PLUGIN_DIR) + "/../bin/sonoflow";
  ::setenv("SONOFLOW_PLUGIN_PATH", (bad("wrong_abi") + ":/nonexistent:" + bad("garbage")).c_str(), 1);
  auto path = PluginRegistry::default_search_path(exe);
  ::unsetenv("SONOFLOW_PLUGIN_PATH");
  REQUIRE(path.size() >= 3);
  CHECK(path[0] == std::filesystem::weakly_canonical(SONOFLOW_TEST_PLUGIN_DIR));
  CHECK(path[path.size() - 2] == std::filesystem::weakly_canonical(bad("wrong_abi")));
  CHECK(path.back() == std::filesystem::weakly_canonical(bad("garbage")));
}

TEST_CASE("an unreadable plugin folder is reported, not fatal") {
  PluginRegistry r;
  r.load_folder("/nonexistent/plugins");
  CHECK(only_message(r).rfind("cannot read plugin folder: ", 0) == 0);
}
