#include "sonoflow/framework/fragments.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace sonoflow {
namespace {

// The subscriber's output for a port type: its own port where it has one, else `any`.
std::string subscriber_port(std::string_view type) {
  static const std::set<std::string_view> own = {"rf", "iq", "image", "needle", "overlay"};
  if (type == "beamformed") return "iq";
  return own.count(type) ? std::string(type) : "any";
}

std::string topic_part(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) c = '_';
  return out;
}

RawValue scalar(std::string text, Mark mark) {
  RawValue v;
  v.kind = RawValue::Kind::scalar;
  v.scalar = std::move(text);
  v.mark = mark;
  return v;
}

// A generated DDS node, placed at the cut edge's mark so that a problem with it (the dds
// plugin missing, say) points at the edge that asked for it.
NodeDecl dds_node(const std::string& id, const char* type, const std::string& topic,
                  EdgePolicy policy, const PipelineFile& file, Mark mark) {
  NodeDecl node;
  node.id = id;
  node.type = type;
  node.id_mark = node.type_mark = mark;
  auto param = [&](const char* name, std::string value) {
    node.params.push_back({name, scalar(std::move(value), mark), file.path, mark});
  };
  param("topic", topic);
  param("policy", std::string(to_string(policy)));
  param("domain", std::to_string(file.settings.dds_domain));
  return node;
}

std::string listing(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::vector<std::string> fragment_names(const PipelineFile& file) {
  std::vector<std::string> names;
  for (const auto& n : file.nodes)
    if (!n.fragment.empty() && std::find(names.begin(), names.end(), n.fragment) == names.end())
      names.push_back(n.fragment);
  return names;
}

std::string cut_edge_topic(const std::string& pipeline_name, const std::string& node,
                           const std::string& port) {
  return "sonoflow/" + topic_part(pipeline_name) + "/" + topic_part(node) + "/" + topic_part(port);
}

PipelineFile fragment_file(const PipelineFile& file, const ValidatedPipeline& whole,
                           const std::string& fragment, Diagnostics& diags) {
  PipelineFile out;
  out.path = file.path;
  out.name = file.name + "/" + fragment;
  out.description = file.description;
  out.plugin_paths = file.plugin_paths;
  out.settings = file.settings;
  const auto names = fragment_names(file);
  if (names.empty()) {
    diags.error(
        file.path, {},
        "--fragment " + fragment + ": this pipeline is not split (no node has a 'fragment:' key)");
    return out;
  }
  if (std::find(names.begin(), names.end(), fragment) == names.end()) {
    diags.error(file.path, {},
                "no fragment '" + fragment + "' in this pipeline" + did_you_mean(fragment, names) +
                    "; its fragments are: " + listing(names));
    return out;
  }
  bool complete = true;
  for (const auto& n : file.nodes)
    if (n.fragment.empty()) {
      diags.error(file.path, n.id_mark,
                  "node '" + n.id +
                      "' has no 'fragment:'; in a split pipeline every node names "
                      "the fragment it runs in (" +
                      listing(names) + ")");
      complete = false;
    }
  if (!complete) return out;

  std::map<std::string, const NodeDecl*> decl_of;
  for (const auto& n : file.nodes) {
    decl_of[n.id] = &n;
    if (n.fragment == fragment) out.nodes.push_back(n);
  }
  auto taken = [&](const std::string& id) {
    return std::any_of(out.nodes.begin(), out.nodes.end(), [&](auto& n) { return n.id == id; });
  };
  // A cut source port: one publisher on the sending side, one subscriber per receiving
  // fragment; a topic is lossless when any of its edges is.
  struct Cut {
    std::string topic, type;
    bool lossless = false;
    Mark mark;
    std::vector<size_t> edges;  // into this fragment
  };
  std::map<std::pair<std::string, std::string>, Cut> publishers, subscribers;
  // `whole` validated without errors, so its edges are the file's, one for one, in order.
  for (size_t i = 0; i < whole.edges.size(); ++i) {
    const ResolvedEdge& e = whole.edges[i];
    const ResolvedNode& from = whole.nodes[e.from_node];
    const ResolvedNode& to = whole.nodes[e.to_node];
    const std::string& from_fragment = decl_of.at(from.id)->fragment;
    const std::string& to_fragment = decl_of.at(to.id)->fragment;
    const std::string port = from.type->spec.outputs[e.from_port].name;
    const EdgeDecl& decl = file.edges[i];
    if (from_fragment == fragment && to_fragment == fragment) {
      EdgeDecl kept = decl;
      kept.policy = e.policy;
      kept.policy_given = true;
      out.edges.push_back(kept);
      continue;
    }
    if (from_fragment != fragment && to_fragment != fragment) continue;
    auto& cut = (from_fragment == fragment ? publishers : subscribers)[{from.id, port}];
    cut.topic = cut_edge_topic(file.name, from.id, port);
    cut.type = from.type->spec.outputs[e.from_port].type;
    cut.lossless = cut.lossless || e.policy == EdgePolicy::lossless;
    if (!cut.mark.line) cut.mark = decl.mark;
    if (to_fragment == fragment) cut.edges.push_back(i);
  }
  auto add_node = [&](NodeDecl node) {
    if (taken(node.id)) {
      diags.error(file.path, node.id_mark,
                  "the split needs a node '" + node.id +
                      "' for a cut edge, but the pipeline "
                      "has one already; rename that node");
      return false;
    }
    out.nodes.push_back(std::move(node));
    return true;
  };
  for (const auto& [key, cut] : publishers) {
    const EdgePolicy policy = cut.lossless ? EdgePolicy::lossless : EdgePolicy::latest;
    const std::string id = "dds_pub_" + topic_part(key.first) + "_" + topic_part(key.second);
    if (!add_node(dds_node(id, "dds_publish", cut.topic, policy, file, cut.mark))) continue;
    EdgeDecl edge;
    edge.from = {key.first, key.second, cut.mark, cut.mark};
    edge.to = {id, "in", cut.mark, cut.mark};
    edge.policy = policy;
    edge.policy_given = true;
    edge.mark = cut.mark;
    out.edges.push_back(edge);
  }
  for (const auto& [key, cut] : subscribers) {
    const EdgePolicy policy = cut.lossless ? EdgePolicy::lossless : EdgePolicy::latest;
    const std::string id = "dds_sub_" + topic_part(key.first) + "_" + topic_part(key.second);
    if (!add_node(dds_node(id, "dds_subscribe", cut.topic, policy, file, cut.mark))) continue;
    for (size_t i : cut.edges) {
      EdgeDecl edge = file.edges[i];
      edge.from.node = id;
      edge.from.port = subscriber_port(cut.type);
      edge.policy = whole.edges[i].policy;
      edge.policy_given = true;
      out.edges.push_back(edge);
    }
  }
  return out;
}

}  // namespace sonoflow
