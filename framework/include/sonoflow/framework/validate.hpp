// Validation: turns a PipelineFile into a ValidatedPipeline against the loaded node types,
// or reports every problem at once (unknown types, parameters and ports with suggestions,
// wrong types and ranges, incompatible ports, cycles, unconnected required inputs).
// Nothing runs before validation has passed.
#pragma once

#include <string>
#include <vector>

#include "sonoflow/framework/pipeline_file.hpp"
#include "sonoflow/framework/plugin_registry.hpp"

namespace sonoflow {

struct ResolvedNode {
  std::string id;
  const NodeTypeInfo* type = nullptr;
  ParamSet params;  // every declared parameter, defaults filled in
  ErrorPolicy on_error = ErrorPolicy::skip;
};

struct ResolvedEdge {
  size_t from_node = 0, from_port = 0, to_node = 0, to_port = 0;
  EdgePolicy policy = EdgePolicy::lossless;
};

struct ValidatedPipeline {
  std::string name, path;
  Settings settings;
  std::vector<ResolvedNode> nodes;
  std::vector<ResolvedEdge> edges;
  std::vector<size_t> topological_order;  // sources first
};

// Port types connect when equal or when the input takes `any`; `iq` and `beamformed`
// name the same data.
bool ports_compatible(std::string_view output_type, std::string_view input_type);

ValidatedPipeline validate(const PipelineFile& file, const PluginRegistry& registry,
                           Diagnostics& diags);

// Converts a value as written to a parameter's type; on failure returns nullopt and why.
std::optional<ParamValue> convert_param(const RawValue& raw, const ParamSpec& spec,
                                        std::string& why, Mark& where);

}  // namespace sonoflow
