// Splitting one pipeline into fragments that run in different processes or hosts.
//
// Each node of a split pipeline names its fragment (`fragment: acquisition`). Run whole,
// the file is one pipeline as if the key were not there. Run as one fragment
// (`sonoflow run FILE --fragment NAME`), only that fragment's nodes are built; every edge
// cut by the split becomes a DDS topic: a `dds_publish` node in the fragment that holds the
// edge's source, a `dds_subscribe` node in each fragment that holds one of its
// destinations. Both ends derive the same topic name from the file, so nothing is written
// twice. The QoS follows the cut edges' policy (see plugins/dds/README.md).
#pragma once

#include <string>
#include <vector>

#include "sonoflow/framework/validate.hpp"

namespace sonoflow {

// The fragment names a file uses, in the order they first appear; empty when it has none.
std::vector<std::string> fragment_names(const PipelineFile& file);

// The topic a cut edge from `node`.`port` travels on in pipeline `pipeline_name`.
std::string cut_edge_topic(const std::string& pipeline_name, const std::string& node,
                           const std::string& port);

// The pipeline file of fragment `fragment`: its nodes, the edges between them, and DDS
// publisher and subscriber nodes for the edges it shares with other fragments. `whole` is
// `file` validated as one pipeline (it gives the port types). Problems (an unknown
// fragment, a node without one) go to `diags`.
PipelineFile fragment_file(const PipelineFile& file, const ValidatedPipeline& whole,
                           const std::string& fragment, Diagnostics& diags);

}  // namespace sonoflow
