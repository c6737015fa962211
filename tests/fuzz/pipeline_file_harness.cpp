// Pipeline files are what integrators write by hand: the reader and validator must turn any
// text into diagnostics, never a crash, a hang or an escaping exception.
#include <string>

#include "harness.hpp"
#include "registry.hpp"
#include "sonoflow/framework/pipeline_file.hpp"
#include "sonoflow/framework/validate.hpp"

namespace sonoflow::fuzz {

int pipeline_file(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Diagnostics diags;
  PipelineFile file = parse_pipeline(text, "fuzz.yaml", diags);
  // The CLI validates only a file that read cleanly; validating the partial result as well
  // reaches more of the validator with the same input.
  ValidatedPipeline pipeline = validate(file, registry(), diags);
  // Formatting and sorting run on every failed validation in the CLI.
  const std::string report = diags.to_string();
  // Whatever validated must be a consistent graph: every index in range.
  if (!diags.has_errors()) {
    for (const auto& e : pipeline.edges)
      if (e.from_node >= pipeline.nodes.size() || e.to_node >= pipeline.nodes.size())
        __builtin_trap();
    if (pipeline.topological_order.size() != pipeline.nodes.size()) __builtin_trap();
  }
  (void)report;
  return 0;
}

}  // namespace sonoflow::fuzz
