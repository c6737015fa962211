#include "common.hpp"

#include <filesystem>
#include <iostream>

namespace sonoflow::cli {

std::optional<int> parse_arguments(const std::string& command, const std::vector<std::string>& args,
                                   const boost::program_options::options_description& options,
                                   std::string& positional, const char* what, bool required,
                                   boost::program_options::variables_map& vm) {
  namespace po = boost::program_options;
  po::options_description all;
  all.add(options).add_options()("positional", po::value(&positional));
  po::positional_options_description order;
  order.add("positional", 1);
  try {
    po::store(po::command_line_parser(args).options(all).positional(order).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "sonoflow " << command << ": " << e.what() << "\n" << options;
    return kUsage;
  }
  if (vm.count("help")) {
    std::cout << options;
    return kOk;
  }
  if (required && positional.empty()) {
    std::cerr << "sonoflow " << command << ": give " << what << "\n" << options;
    return kUsage;
  }
  return std::nullopt;
}

void load_default_plugins(PluginRegistry& registry) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (const auto& folder : PluginRegistry::default_search_path(exe)) registry.load_folder(folder);
}

void print_plugin_problems(const PluginRegistry& registry) {
  for (const auto& d : registry.problems().all()) std::cerr << format(d) << "\n";
}

std::optional<ValidatedPipeline> load_pipeline(const std::string& path,
                                               const std::vector<std::string>& overrides,
                                               PluginRegistry& registry, bool verb_runs) {
  Diagnostics diags;
  PipelineFile file = read_pipeline_file(path, diags);
  for (const auto& entry : file.plugin_paths) {
    std::error_code ec;
    const auto status = std::filesystem::status(entry.folder, ec);
    if (std::filesystem::is_directory(status)) {
      std::filesystem::directory_iterator probe(entry.folder, ec);
      if (!ec) {
        registry.load_folder(entry.folder);
        continue;
      }
      diags.error(path, entry.mark, "plugin folder '" + entry.written + "' cannot be read: " +
                                        ec.message());
    } else if (std::filesystem::exists(status)) {
      diags.error(path, entry.mark, "plugin folder '" + entry.written + "' is a file, not a folder");
    } else {
      diags.error(path, entry.mark, "plugin folder '" + entry.written +
                                        "' does not exist (relative paths start at the "
                                        "pipeline file's folder)");
    }
  }
  print_plugin_problems(registry);
  for (size_t i = 0; i < overrides.size(); ++i)
    apply_override(file, overrides[i], static_cast<int>(i + 1), diags);
  ValidatedPipeline pipeline;
  if (!diags.has_errors() || !file.nodes.empty()) pipeline = validate(file, registry, diags);
  std::cerr << diags.to_string();
  if (diags.has_errors()) {
    size_t count = 0;
    for (auto& d : diags.all()) count += !d.is_warning;
    std::cerr << path << ": " << count << (count == 1 ? " error" : " errors")
              << (verb_runs ? "; nothing was run\n" : "\n");
    return std::nullopt;
  }
  return pipeline;
}

}  // namespace sonoflow::cli
