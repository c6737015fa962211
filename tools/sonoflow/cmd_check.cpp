// `sonoflow check LIB.so|TYPE`: the conformance checks a plugin author runs before shipping.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "common.hpp"
#include "sonoflow/framework/conformance.hpp"

namespace sonoflow::cli {

namespace {

void print(const CheckResult& r) {
  std::string line = std::string(r.passed ? "PASS  " : "FAIL  ") + r.subject + ": " + r.check;
  if (!r.detail.empty()) line += r.passed ? " (" + r.detail + ")" : ": " + r.detail;
  std::puts(line.c_str());
}

}  // namespace

int check_command(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0] == "--help" || args[0] == "-h") {
    std::cerr << "usage: sonoflow check LIB.so|TYPE\n"
                 "  Loads a plugin library (or finds a node type on the plugin path) and checks\n"
                 "  its declarations, configure/start/stop with defaults, the frames a device\n"
                 "  emits, and stopping while it emits.\n";
    return args.size() == 1 ? kOk : kUsage;
  }
  const std::string target = args[0];
  PluginRegistry registry;
  isolate_plugin_loading(registry);  // a library being checked may crash while loading
  std::vector<const NodeTypeInfo*> types;
  std::vector<CheckResult> results;
  const bool is_library = target.ends_with(".so") || target.find('/') != std::string::npos;
  if (is_library) {
    if (!std::filesystem::exists(target)) {
      std::cerr << "sonoflow check: no such file '" << target << "'\n";
      return kFailed;
    }
    const bool loaded = registry.load_library(target);
    std::string why;
    for (auto& d : registry.problems().all()) why += d.message;
    results.push_back({target, "loads as a SonoFlow plugin", loaded, loaded ? "" : why});
    if (loaded) {
      const auto& plugin = *registry.plugins().front();
      for (auto& r : check_plugin(plugin)) results.push_back(r);
      for (auto& name : plugin.node_types) types.push_back(registry.find(name));
    }
  } else {
    load_default_plugins(registry);
    const NodeTypeInfo* info = registry.find(target);
    if (!info) {
      std::cerr << "sonoflow check: no node type '" << target << "'"
                << did_you_mean(target, registry.type_names()) << "\n";
      return kFailed;
    }
    types.push_back(info);
  }
  for (auto& r : results) print(r);
  for (const NodeTypeInfo* type : types) {
    std::fflush(stdout);
    for (auto& r : check_node_type(*type, CheckOptions{})) {
      print(r);
      results.push_back(r);
    }
  }
  size_t failed = 0;
  for (auto& r : results) failed += !r.passed;
  std::printf("conformance: %zu check%s, %zu failed\n", results.size(),
              results.size() == 1 ? "" : "s", failed);
  return failed ? kFailed : kOk;
}

}  // namespace sonoflow::cli
