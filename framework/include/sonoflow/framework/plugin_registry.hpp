// Finds, loads and indexes plugin libraries. A library that cannot be used (not a plugin,
// missing symbols, another ABI, a node type that throws while describing itself) is
// reported and skipped; the others load regardless.
//
// Search order: the build tree's plugin folder, the install prefix, SONOFLOW_PLUGIN_PATH
// (colon-separated), then a pipeline file's `plugin_paths:`. The same plugin (by name)
// found again later in the order is shadowed by the first, as with PATH; two different
// plugins providing one node type is an error naming both files.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sonoflow/framework/diagnostics.hpp"
#include "sonoflow/plugin.hpp"

namespace sonoflow {

struct PluginInfo {
  std::string path;
  std::string name, version, license, description, sdk_version;
  uint32_t abi_version = 0;
  std::vector<std::string> node_types;
};

struct NodeTypeInfo {
  NodeSpec spec;
  NodeTypeEntry entry;
  const PluginInfo* plugin = nullptr;
};

class PluginRegistry {
 public:
  PluginRegistry();
  ~PluginRegistry();
  PluginRegistry(const PluginRegistry&) = delete;
  PluginRegistry& operator=(const PluginRegistry&) = delete;

  // The default search folders for a program at `executable` (build tree, install prefix,
  // SONOFLOW_PLUGIN_PATH), in order; missing folders are left out.
  static std::vector<std::filesystem::path> default_search_path(
      const std::filesystem::path& executable);

  // A check run on every library before it is loaded into this process: a non-empty
  // answer skips the library with that reason. `sonoflow inspect` and `check` set one that
  // loads the library in a child process first, so that a library crashing or hanging in
  // its initialisers or entry point cannot take the command down with it.
  using LibraryCheck = std::function<std::string(const std::filesystem::path&)>;
  void set_library_check(LibraryCheck check) { check_ = std::move(check); }

  // Loads every plugin library (*.so) in `folder`, in name order.
  void load_folder(const std::filesystem::path& folder);
  // Loads one library. Returns false when it was skipped (the reason is in problems()).
  bool load_library(const std::filesystem::path& library);

  const NodeTypeInfo* find(std::string_view type) const;
  std::vector<std::string> type_names() const;
  const std::vector<std::unique_ptr<PluginInfo>>& plugins() const { return plugins_; }
  const std::vector<std::unique_ptr<NodeTypeInfo>>& types() const { return types_; }
  // Skipped libraries (warnings) and duplicate node types (errors).
  const Diagnostics& problems() const { return problems_; }
  // True when `type` is provided by two plugins: unusable until one is removed.
  bool is_ambiguous(std::string_view type) const;

 private:
  std::vector<std::unique_ptr<PluginInfo>> plugins_;
  std::vector<std::unique_ptr<NodeTypeInfo>> types_;
  std::vector<std::string> ambiguous_;
  std::vector<void*> handles_;  // kept open for the life of the registry
  LibraryCheck check_;
  Diagnostics problems_;
};

}  // namespace sonoflow
