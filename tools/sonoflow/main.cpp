// sonoflow: run, validate, inspect, graph and check SonoFlow pipelines and plugins;
// summarise recordings.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "common.hpp"

namespace {

constexpr const char* kUsageText =
    "usage: sonoflow <command> [options]\n"
    "\n"
    "commands:\n"
    "  run FILE [--set node.param=value]... [--frames N] [--duration S] [--fast]\n"
    "           [--report R.json]       run a pipeline\n"
    "  validate FILE [--set ...]        check a pipeline file; exit 0 when valid\n"
    "  inspect [TYPE] [--json]          list plugins and node types, or one type\n"
    "  graph FILE [--set ...]           print the pipeline as Graphviz DOT\n"
    "  check LIB.so|TYPE                conformance checks for plugin authors\n"
    "  recording FILE [--json] [--frames]\n"
    "                                   summarise a recording; exit 0 when it is whole\n"
    "  version                          versions of SonoFlow, its ABI and libraries\n"
    "\n"
    "`sonoflow <command> --help` shows a command's options.\n"
    "SonoFlow is research and development software, not a certified medical device.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace sonoflow::cli;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::cout << kUsageText;
    return argc < 2 ? kUsage : kOk;
  }
  const std::map<std::string, int (*)(const std::vector<std::string>&)> commands = {
      {"run", run_command},           {"validate", validate_command},  {"inspect", inspect_command},
      {"graph", graph_command},       {"check", check_command},        {"version", version_command},
      {"--version", version_command}, {"recording", recording_command}};
  // Internal: inspect and check load untrusted libraries through it (plugin_scan.cpp).
  if (argv[1] == std::string_view(kScanPluginCommand))
    return scan_plugin_command(std::vector<std::string>(argv + 2, argv + argc));
  auto it = commands.find(argv[1]);
  if (it == commands.end()) {
    std::cerr << "sonoflow: unknown command '" << argv[1] << "'\n\n" << kUsageText;
    return kUsage;
  }
  try {
    return it->second(std::vector<std::string>(argv + 2, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "sonoflow " << argv[1] << ": error: " << e.what() << "\n";
    return kFailed;
  }
}
