// PipelineControl over a running Runtime: what the web viewer's page and JSON API use to
// see the graph and its statistics and to change live parameters.
//
// Everything here is assembled from what already describes a pipeline, so the viewer,
// `sonoflow inspect` and the run report never disagree: a node's descriptor is
// inspect_json() of its type, statistics are report_json(), and a value sent by a page
// goes through the same YAML reading (apply_override, as for `--set`) and conversion
// (convert_param) as a pipeline file, so a refused value reads exactly as it would there.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <functional>
#include <memory>
#include <mutex>
#include <sstream>

#include "runtime_internal.hpp"
#include "sonoflow/control.hpp"
#include "sonoflow/framework/describe.hpp"
#include "sonoflow/framework/runtime.hpp"

namespace sonoflow::detail {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// Key order kept: people read this JSON (and the page lists nodes in pipeline order).
Object::Ptr parse_object(const std::string& json) {
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
  return parser.parse(json).extract<Object::Ptr>();
}

std::string stringify(const Object::Ptr& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(o, out);
  return out.str();
}

// The value text as a pipeline file would hold it: read by the same code as
// `--set node.param=value`, so YAML mistakes get the same explanation.
std::optional<RawValue> read_value(const std::string& node_id, const std::string& name,
                                   const std::string& value_text, std::string& why) {
  PipelineFile file;
  file.path = "the pipeline";
  file.nodes.push_back(NodeDecl{});
  file.nodes.back().id = node_id;
  Diagnostics diags;
  apply_override(file, node_id + "." + name + "=" + value_text, 1, diags);
  if (diags.has_errors()) {
    why = diags.all().front().message;
    return std::nullopt;
  }
  return file.nodes.back().params.at(0).value;
}

class RuntimeControl final : public PipelineControl {
 public:
  explicit RuntimeControl(Runtime& runtime) : rt_(runtime) {
    for (const auto& n : rt_.pipeline().nodes) values_[n.id] = n.params.values();
  }

  std::string pipeline_json() const override {
    const ValidatedPipeline& p = rt_.pipeline();
    // The current values through report_json's results, which already turn every
    // parameter type into JSON: {"<id>": {"<param>": value}}.
    std::map<std::string, Results> current;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, params] : values_) current[id] = Results(params.begin(), params.end());
    }
    Object::Ptr values = parse_object(report_json(p, RunStats{}, current, {}))->getObject("results");

    auto root = new_object();
    root->set("name", p.name);
    Array::Ptr nodes = new Array;
    for (const auto& n : p.nodes) {
      Object::Ptr type = parse_object(inspect_json(*n.type));
      auto node = new_object();
      node->set("id", n.id);
      for (const auto& key : {"type", "kind", "description", "plugin", "concurrent", "inputs",
                              "outputs"})
        node->set(key, type->get(key));
      Array::Ptr params = type->getArray("params");
      Object::Ptr node_values = values ? values->getObject(n.id) : nullptr;
      for (size_t i = 0; i < params->size(); ++i) {
        Object::Ptr param = params->getObject(static_cast<unsigned>(i));
        const std::string name = param->getValue<std::string>("name");
        if (node_values && node_values->has(name)) param->set("value", node_values->get(name));
      }
      node->set("params", params);
      nodes->add(node);
    }
    root->set("nodes", nodes);
    Array::Ptr edges = new Array;
    for (const auto& e : p.edges) {
      const auto& from = p.nodes[e.from_node];
      const auto& to = p.nodes[e.to_node];
      auto edge = new_object();
      edge->set("from", from.id + "." + from.type->spec.outputs[e.from_port].name);
      edge->set("to", to.id + "." + to.type->spec.inputs[e.to_port].name);
      edge->set("policy", std::string(to_string(e.policy)));
      edges->add(edge);
    }
    root->set("edges", edges);
    return stringify(root);
  }

  std::string stats_json() const override {
    Object::Ptr report = parse_object(report_json(rt_.pipeline(), rt_.stats(), {}, rt_.fatal_errors()));
    report->remove("results");  // node results exist only after stop()
    return stringify(report);
  }

  std::string set_param(const std::string& node_id, const std::string& name,
                        const std::string& value_text) override {
    const ResolvedNode* node = find(node_id);
    if (!node) {
      std::vector<std::string> ids;
      for (const auto& n : rt_.pipeline().nodes) ids.push_back(n.id);
      return "no node '" + node_id + "' in pipeline '" + rt_.pipeline().name + "'" +
             did_you_mean(node_id, ids);
    }
    const NodeSpec& spec = node->type->spec;
    const ParamSpec* ps = spec.find_param(name);
    if (!ps) {
      std::vector<std::string> names;
      for (const auto& s : spec.params) names.push_back(s.name);
      return "node '" + node_id + "' (" + spec.type + ") has no parameter '" + name + "'" +
             did_you_mean(name, names);
    }
    // Before reading the value: a fixed parameter is refused whatever the value.
    if (!ps->runtime_mutable)
      return "parameter '" + node_id + "." + name + "' cannot change while the pipeline runs";
    std::string why;
    auto raw = read_value(node_id, name, value_text, why);
    if (!raw) return why;
    Mark where;
    auto value = convert_param(*raw, *ps, why, where);
    if (value) {
      why = ps->check(*value);
      // Worded as validation words it: "..., got 500".
      if (!why.empty())
        why += ", got " + (std::holds_alternative<std::string>(*value)
                               ? "'" + format_value(*value) + "'"
                               : format_value(*value));
    }
    if (!why.empty()) return "parameter '" + node_id + "." + name + "' " + why;
    const ParamValue accepted = ps->normalize(*value);
    if (auto refused = rt_.set_param(node_id, name, accepted); !refused.empty()) return refused;
    std::lock_guard lock(mutex_);
    values_[node_id][name] = accepted;
    return {};
  }

 private:
  static Object::Ptr new_object() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

  const ResolvedNode* find(const std::string& id) const {
    for (const auto& n : rt_.pipeline().nodes)
      if (n.id == id) return &n;
    return nullptr;
  }

  Runtime& rt_;
  mutable std::mutex mutex_;  // pages and API clients call from several server threads
  // The values in force: the pipeline's, then every change accepted here.
  std::map<std::string, std::map<std::string, ParamValue>> values_;
};

}  // namespace

std::unique_ptr<PipelineControl> make_pipeline_control(Runtime& runtime) {
  return std::make_unique<RuntimeControl>(runtime);
}

}  // namespace sonoflow::detail
