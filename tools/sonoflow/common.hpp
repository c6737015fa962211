// What the `sonoflow` commands share: finding plugins, reading and validating a pipeline
// with every diagnostic printed, and the exit codes.
#pragma once

#include <boost/program_options.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sonoflow/framework/plugin_registry.hpp"
#include "sonoflow/framework/validate.hpp"

namespace sonoflow::cli {

enum ExitCode { kOk = 0, kFailed = 1, kUsage = 2 };

// Loads the plugins on the default search path (build tree, install prefix,
// SONOFLOW_PLUGIN_PATH) into `registry`.
void load_default_plugins(PluginRegistry& registry);

// Prints the registry's problems (skipped libraries, duplicate node types) to stderr.
void print_plugin_problems(const PluginRegistry& registry);

// Reads `path`, loads its plugin_paths, applies the --set overrides and validates.
// Prints every diagnostic to stderr; returns nullopt when there were errors. `verb_runs`:
// the command would have run the pipeline (the summary then says nothing was run).
std::optional<ValidatedPipeline> load_pipeline(const std::string& path,
                                               const std::vector<std::string>& overrides,
                                               PluginRegistry& registry, bool verb_runs = false);

// Parses a command's arguments: its `options` and one positional argument (the file or
// type) into `positional`. Returns an exit code when the command should end now (help
// was printed: kOk; bad usage, said on stderr: kUsage), or nullopt to go on. With
// `required`, a missing positional argument is bad usage naming `what`.
std::optional<int> parse_arguments(const std::string& command, const std::vector<std::string>& args,
                                   const boost::program_options::options_description& options,
                                   std::string& positional, const char* what, bool required,
                                   boost::program_options::variables_map& vm);

// Loading libraries in a child process first (plugin_scan.cpp): `isolate_plugin_loading`
// makes `registry` do so for every library it loads from then on; `scan_in_child` checks
// one and returns why it must not be loaded (empty: safe). The child runs this program
// as `sonoflow __scan-plugin LIB` (scan_plugin_command). SONOFLOW_PLUGIN_SCAN_TIMEOUT_S
// (default 10) bounds how long one library may take.
constexpr const char* kScanPluginCommand = "__scan-plugin";
void isolate_plugin_loading(PluginRegistry& registry);
std::string scan_in_child(const std::filesystem::path& library);
int scan_plugin_command(const std::vector<std::string>& args);

int run_command(const std::vector<std::string>& args);
int validate_command(const std::vector<std::string>& args);
int inspect_command(const std::vector<std::string>& args);
int graph_command(const std::vector<std::string>& args);
int check_command(const std::vector<std::string>& args);
int version_command(const std::vector<std::string>& args);
int recording_command(const std::vector<std::string>& args);

}  // namespace sonoflow::cli
