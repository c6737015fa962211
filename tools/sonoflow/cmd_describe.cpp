// `sonoflow validate`, `inspect`, `graph` and `version`: commands that describe and run
// nothing.
#include <Poco/Version.h>
#include <flatbuffers/base.h>
#include <oneapi/tbb/version.h>

#include <boost/program_options.hpp>
#include <boost/version.hpp>
#include <iostream>

#include "common.hpp"
#include "sonoflow/framework/describe.hpp"
#include "sonoflow/version.hpp"

namespace sonoflow::cli {
namespace po = boost::program_options;

namespace {

struct FileArgs {
  std::string file;
  std::vector<std::string> sets;
};

// Parses `FILE [--set k=v]...`; returns false (after printing why) on bad usage.
bool parse_file_args(const char* command, const std::vector<std::string>& args, FileArgs& out,
                     int& status) {
  po::options_description options(std::string("sonoflow ") + command + " FILE [options]");
  options.add_options()("help,h", "show this help")(
      "set", po::value(&out.sets)->composing(), "override a parameter: node.param=value");
  po::variables_map vm;
  if (auto code = parse_arguments(command, args, options, out.file, "a pipeline file", true, vm)) {
    status = *code;
    return false;
  }
  return true;
}

}  // namespace

int validate_command(const std::vector<std::string>& args) {
  FileArgs a;
  int status = kOk;
  if (!parse_file_args("validate", args, a, status)) return status;
  PluginRegistry registry;
  load_default_plugins(registry);
  auto pipeline = load_pipeline(a.file, a.sets, registry);
  if (!pipeline) return kFailed;
  std::cout << a.file << ": valid pipeline '" << pipeline->name << "' ("
            << pipeline->nodes.size() << " nodes, " << pipeline->edges.size() << " edges)\n";
  return kOk;
}

int graph_command(const std::vector<std::string>& args) {
  FileArgs a;
  int status = kOk;
  if (!parse_file_args("graph", args, a, status)) return status;
  PluginRegistry registry;
  load_default_plugins(registry);
  auto pipeline = load_pipeline(a.file, a.sets, registry);
  if (!pipeline) return kFailed;
  std::cout << pipeline_dot(*pipeline);
  return kOk;
}

int inspect_command(const std::vector<std::string>& args) {
  std::string type;
  po::options_description options("sonoflow inspect [TYPE] [options]");
  options.add_options()("help,h", "show this help")("json", "print JSON");
  po::variables_map vm;
  if (auto status = parse_arguments("inspect", args, options, type, "a node type", false, vm))
    return *status;
  PluginRegistry registry;
  isolate_plugin_loading(registry);  // inspect is how one first looks at an unknown library
  load_default_plugins(registry);
  print_plugin_problems(registry);
  const bool json = vm.count("json") > 0;
  if (type.empty()) {
    std::cout << (json ? inspect_json(registry) : inspect_text(registry));
    return kOk;
  }
  const NodeTypeInfo* info = registry.find(type);
  if (!info) {
    std::cerr << "sonoflow inspect: no node type '" << type << "'"
              << did_you_mean(type, registry.type_names())
              << "\n`sonoflow inspect` lists them all.\n";
    return kFailed;
  }
  std::cout << (json ? inspect_json(*info) : inspect_text(*info));
  return kOk;
}

int version_command(const std::vector<std::string>&) {
  std::cout << "sonoflow " << SONOFLOW_SDK_VERSION << "\n"
            << "plugin ABI " << SONOFLOW_ABI_VERSION << "\n"
            << "oneTBB " << TBB_VERSION_STRING << "\n"
            << "yaml-cpp " << SONOFLOW_YAML_CPP_VERSION << "\n"
            << "Poco " << (POCO_VERSION >> 24) << "." << ((POCO_VERSION >> 16) & 0xff) << "."
            << ((POCO_VERSION >> 8) & 0xff) << "\n"
            << "Boost " << BOOST_VERSION / 100000 << "." << BOOST_VERSION / 100 % 1000 << "."
            << BOOST_VERSION % 100 << "\n"
            << "FlatBuffers " << FLATBUFFERS_VERSION_MAJOR << "." << FLATBUFFERS_VERSION_MINOR
            << "." << FLATBUFFERS_VERSION_REVISION << "\n"
            << "Research and development software, not a certified medical device.\n";
  return kOk;
}

}  // namespace sonoflow::cli
