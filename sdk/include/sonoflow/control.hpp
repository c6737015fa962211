// Remote control of a running pipeline, for output nodes that offer it to people or
// programs (the web viewer's page and JSON API). Implemented by the framework; a node
// gets it from Context::control(), which is null where no pipeline runs (`sonoflow check`).
#pragma once

#include <string>

namespace sonoflow {

class PipelineControl {
 public:
  virtual ~PipelineControl() = default;

  // The pipeline as one JSON object: name, nodes (id, type, kind, ports, and every
  // parameter's descriptor — type, default, range or choices, unit, doc, live — with its
  // current value) and edges (from, to, policy).
  virtual std::string pipeline_json() const = 0;
  // Live statistics as one JSON object, shaped like the run report: duration_s, frames,
  // fps, latency_ms, nodes {id: {frames_in, frames_out, dropped, errors, process_ms}}.
  virtual std::string stats_json() const = 0;
  // Changes a runtime-mutable parameter, given as YAML/JSON text ("0.5", "hann",
  // "[1, 17.5]"), validated like a pipeline file value. Returns an empty string when the
  // change was accepted (it applies between frames), otherwise why it was refused.
  virtual std::string set_param(const std::string& node_id, const std::string& name,
                                const std::string& value_text) = 0;
};

}  // namespace sonoflow
