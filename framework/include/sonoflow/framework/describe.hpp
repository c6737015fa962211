// Everything SonoFlow prints about plugins and pipelines, generated from the node types'
// own declarations: `inspect` (text and JSON), `graph` (Graphviz DOT) and the run report.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sonoflow/framework/plugin_registry.hpp"
#include "sonoflow/framework/runtime.hpp"
#include "sonoflow/framework/validate.hpp"

namespace sonoflow {

std::string inspect_text(const PluginRegistry& registry);
std::string inspect_text(const NodeTypeInfo& type);
// One JSON object: {"plugins": [...], "node_types": [...]}, or one node type's object.
std::string inspect_json(const PluginRegistry& registry);
std::string inspect_json(const NodeTypeInfo& type);

std::string pipeline_dot(const ValidatedPipeline& pipeline);

std::string report_json(const ValidatedPipeline& pipeline, const RunStats& stats,
                        const std::map<std::string, Results>& results,
                        const std::vector<std::string>& fatal_errors);

// One line for a terminal: fps, end-to-end latency, drops and errors.
std::string status_line(const RunStats& stats);
// A few lines for the end of a run: one per node.
std::string summary_text(const std::string& pipeline_name, const RunStats& stats);

}  // namespace sonoflow
