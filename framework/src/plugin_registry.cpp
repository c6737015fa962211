#include "sonoflow/framework/plugin_registry.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <system_error>

namespace sonoflow {
namespace fs = std::filesystem;

PluginRegistry::PluginRegistry() = default;

// Libraries stay loaded: node instances and their code may outlive any one user of the
// registry, and unloading C++ libraries with static state is a source of crashes at exit.
PluginRegistry::~PluginRegistry() = default;

std::vector<fs::path> PluginRegistry::default_search_path(const fs::path& executable) {
  std::vector<fs::path> out;
  std::error_code ec;
  auto add = [&](const fs::path& p) {
    if (p.empty() || !fs::is_directory(p, ec)) return;
    auto canonical = fs::weakly_canonical(p, ec);
    if (std::find(out.begin(), out.end(), canonical) == out.end()) out.push_back(canonical);
  };
  const fs::path bin = executable.parent_path();
  add(bin / ".." / "plugins");                          // build tree: build/bin -> build/plugins
  add(bin / ".." / SONOFLOW_INSTALL_PLUGINDIR_RELATIVE);  // relocated install: prefix/bin
  add(SONOFLOW_INSTALL_PLUGINDIR_ABSOLUTE);               // the configured install prefix
  if (const char* env = std::getenv("SONOFLOW_PLUGIN_PATH")) {
    std::stringstream list(env);
    for (std::string item; std::getline(list, item, ':');) add(item);
  }
  return out;
}

void PluginRegistry::load_folder(const fs::path& folder) {
  std::error_code ec;
  std::vector<fs::path> libraries;
  fs::directory_iterator it(folder, ec);
  if (ec) {
    problems_.warning(folder.string(), {}, "cannot read plugin folder: " + ec.message());
    return;
  }
  for (const auto& entry : it)
    if (entry.path().extension() == ".so" && entry.is_regular_file(ec))
      libraries.push_back(entry.path());
  std::sort(libraries.begin(), libraries.end());
  for (const auto& library : libraries) load_library(library);
}

bool PluginRegistry::load_library(const fs::path& library) {
  const std::string path = library.string();
  auto skip = [&](const std::string& why) {
    problems_.warning(path, {}, "skipped: " + why);
    return false;
  };
  if (check_)
    if (auto why = check_(library); !why.empty()) return skip(why);
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) return skip(std::string("cannot load library: ") + dlerror());
  using Entry = const sonoflow_plugin_descriptor* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, SONOFLOW_PLUGIN_ENTRY_SYMBOL));
  if (!entry) {
    dlclose(handle);
    return skip("not a SonoFlow plugin (no '" SONOFLOW_PLUGIN_ENTRY_SYMBOL "' symbol)");
  }
  const sonoflow_plugin_descriptor* d = entry();
  if (!d) return skip("the plugin entry point returned no descriptor");
  if (d->abi_version != SONOFLOW_ABI_VERSION)
    return skip("built for SonoFlow plugin ABI " + std::to_string(d->abi_version) +
                ", but this SonoFlow has plugin ABI " + std::to_string(SONOFLOW_ABI_VERSION) +
                "; rebuild the plugin against SonoFlow SDK " SONOFLOW_SDK_VERSION);
  if (!d->name || !*d->name) return skip("the plugin descriptor has no name");
  for (auto& p : plugins_)
    if (p->name == d->name) {
      // Same plugin again later in the search order (e.g. installed and in the build
      // tree): the first one found wins, like PATH.
      problems_.warning(path, {}, "plugin '" + p->name + "' already loaded from " + p->path +
                                      "; this copy is shadowed");
      return false;
    }

  auto info = std::make_unique<PluginInfo>();
  info->path = path;
  info->name = d->name;
  info->version = d->version ? d->version : "";
  info->license = d->license ? d->license : "";
  info->description = d->description ? d->description : "";
  info->sdk_version = d->sdk_version ? d->sdk_version : "";
  info->abi_version = d->abi_version;

  std::vector<std::unique_ptr<NodeTypeInfo>> types;
  for (size_t i = 0; i < d->node_type_count; ++i) {
    auto type = std::make_unique<NodeTypeInfo>();
    type->entry = d->node_types[i];
    type->plugin = info.get();
    try {
      type->spec = type->entry.spec();
    } catch (const std::exception& e) {
      return skip("node type #" + std::to_string(i) + " threw while describing itself: " +
                  e.what());
    }
    types.push_back(std::move(type));
  }
  for (auto& type : types) {
    const std::string& name = type->spec.type;
    if (auto* existing = find(name)) {
      problems_.error(path, {}, "node type '" + name + "' is provided by both " +
                                    existing->plugin->path + " and " + path);
      ambiguous_.push_back(name);
      continue;
    }
    info->node_types.push_back(name);
    types_.push_back(std::move(type));
  }
  handles_.push_back(handle);
  plugins_.push_back(std::move(info));
  return true;
}

const NodeTypeInfo* PluginRegistry::find(std::string_view type) const {
  for (auto& t : types_)
    if (t->spec.type == type) return t.get();
  return nullptr;
}

bool PluginRegistry::is_ambiguous(std::string_view type) const {
  return std::find(ambiguous_.begin(), ambiguous_.end(), type) != ambiguous_.end();
}

std::vector<std::string> PluginRegistry::type_names() const {
  std::vector<std::string> names;
  for (auto& t : types_) names.push_back(t->spec.type);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace sonoflow
