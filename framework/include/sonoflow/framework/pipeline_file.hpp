// The pipeline file as written: YAML read into plain structures that remember where each
// item stood (file, line, column), so that validation can point at the exact place.
// Reading never stops at the first mistake; every problem becomes a diagnostic.
//
// Format (version 1):
//   sonoflow: 1                      # required
//   name: knee-injection             # optional; default: the file name
//   description: ...                 # optional
//   plugin_paths: [../my_plugins]    # optional; relative to the file
//   settings: { max_in_flight: 8, threads: 0, dds_domain: -1 }   # optional, see Settings
//   nodes:  { <id>: { type: T, params: {...}, on_error: skip|stop, fragment: F } }
//   edges:  [ "a.out -> b.in", { from: a.out, to: b.in, policy: latest } ]
#pragma once

#include <string>
#include <vector>

#include "sonoflow/framework/diagnostics.hpp"
#include "sonoflow/node.hpp"

namespace sonoflow {

// A YAML value kept independent of the YAML library, with its position.
struct RawValue {
  enum class Kind { null, scalar, sequence, map } kind = Kind::null;
  std::string scalar;
  std::vector<RawValue> items;  // sequence items
  Mark mark;
};

struct ParamDecl {
  std::string name;
  RawValue value;
  std::string file;  // the pipeline file, or "--set" for a command-line override
  Mark name_mark;
};

struct NodeDecl {
  std::string id;
  std::string type;
  std::vector<ParamDecl> params;
  ErrorPolicy on_error = ErrorPolicy::skip;
  // The part of a split pipeline this node runs in (sonoflow/framework/fragments.hpp);
  // empty when the file is not split.
  std::string fragment;
  Mark id_mark, type_mark, fragment_mark;
  // Keys a node does not take, kept for the validator: knowing the node's type, it can
  // say "'rate_hz' is a parameter of test_counter; put it under 'params:'".
  std::vector<std::pair<std::string, Mark>> unknown_keys;
};

struct PortRef {
  std::string node, port;
  Mark node_mark, port_mark;
};

struct EdgeDecl {
  PortRef from, to;
  EdgePolicy policy = EdgePolicy::lossless;
  bool policy_given = false;  // else the input port's default policy applies
  Mark mark;
};

// Runtime settings of a pipeline (the `settings:` map).
struct Settings {
  // Frames one source may have inside the pipeline at once. A source that reaches it
  // waits (lossless backpressure); memory stays bounded whatever the outputs do.
  int max_in_flight = 8;
  // Worker threads that run the nodes; 0: one per core. Raise it when several nodes block
  // (on disk or network) for a noticeable part of each frame.
  int threads = 0;
  // DDS domain id of the topics a split pipeline's cut edges become; -1: the
  // SONOFLOW_DDS_DOMAIN environment variable, else 0.
  int dds_domain = -1;
};

struct PipelineFile {
  std::string path;  // as given, used in diagnostics
  std::string name, description;
  struct PluginPath {
    std::string written;  // as in the file
    std::string folder;   // resolved against the file's folder
    Mark mark;
  };
  std::vector<PluginPath> plugin_paths;
  Settings settings;
  std::vector<NodeDecl> nodes;
  std::vector<EdgeDecl> edges;
  // Every input an edge names (node, port), even edges that failed to read: such an input
  // is not reported as unconnected on top of the edge's own error.
  std::vector<std::pair<std::string, std::string>> named_inputs;
  // Some edge could not be read far enough to know what it connects: "not connected"
  // errors would then be guesses, so validation leaves them out.
  bool edges_incomplete = false;

  NodeDecl* find_node(std::string_view id);
};

// Reads a pipeline file. Problems go to `diags`; the result holds whatever was readable.
PipelineFile read_pipeline_file(const std::string& path, Diagnostics& diags);
PipelineFile parse_pipeline(const std::string& yaml_text, const std::string& path,
                            Diagnostics& diags);

// Applies `--set node.param=value` (value in YAML syntax: 3, hann, [-8, 0, 8]).
// `index` is the 1-based position of this --set among all of them, for diagnostics.
void apply_override(PipelineFile& file, const std::string& assignment, int index,
                    Diagnostics& diags);

}  // namespace sonoflow
