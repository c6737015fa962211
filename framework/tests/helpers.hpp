// Helpers shared by the framework tests: a registry holding the real test_nodes plugin,
// and validating a pipeline given as YAML text.
#pragma once

#include <string>

#include "sonoflow/framework/pipeline_file.hpp"
#include "sonoflow/framework/plugin_registry.hpp"
#include "sonoflow/framework/validate.hpp"

namespace sonoflow::testing {

inline const PluginRegistry& test_registry() {
  static const PluginRegistry* registry = [] {
    auto* r = new PluginRegistry;  // lives for the whole test program, like plugins do
    r->load_folder(SONOFLOW_TEST_PLUGIN_DIR);
    return r;
  }();
  return *registry;
}

struct Checked {
  ValidatedPipeline pipeline;
  Diagnostics diags;
};

inline Checked check_yaml(const std::string& yaml) {
  Checked c;
  PipelineFile file = parse_pipeline(yaml, "p.yaml", c.diags);
  if (!c.diags.has_errors()) c.pipeline = validate(file, test_registry(), c.diags);
  return c;
}

}  // namespace sonoflow::testing
