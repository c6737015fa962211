#include "registry.hpp"

#include <cstdio>
#include <cstdlib>

namespace sonoflow::fuzz {

const PluginRegistry& registry() {
  static const PluginRegistry* loaded = [] {
    auto* r = new PluginRegistry;  // lives as long as the process, like plugins do
    for (const char* library : {SONOFLOW_FUZZ_TEST_NODES, SONOFLOW_FUZZ_FUZZ_NODES})
      if (!r->load_library(library)) {
        std::fprintf(stderr, "fuzz: cannot load %s:\n%s\n", library,
                     r->problems().to_string().c_str());
        std::abort();
      }
    return r;
  }();
  return *loaded;
}

}  // namespace sonoflow::fuzz
