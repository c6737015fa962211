#include "sonoflow/framework/validate.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

namespace sonoflow {
namespace {

enum class Parsed { ok, not_a_number, out_of_range };

// Whole-string number parsing; a leading '+' is accepted as YAML writers expect.
template <class T>
Parsed parse_number(const std::string& s, T& out) {
  const char* begin = s.data() + (s.size() > 1 && s[0] == '+' ? 1 : 0);
  const char* end = s.data() + s.size();
  auto [stop, ec] = std::from_chars(begin, end, out);
  if (s.empty() || stop != end) return Parsed::not_a_number;
  return ec == std::errc::result_out_of_range ? Parsed::out_of_range
         : ec == std::errc()                  ? Parsed::ok
                                              : Parsed::not_a_number;
}

std::string shown(const RawValue& raw) {
  switch (raw.kind) {
    case RawValue::Kind::scalar: return "'" + raw.scalar + "'";
    case RawValue::Kind::sequence: return "a list";
    case RawValue::Kind::map: return "a map";
    case RawValue::Kind::null: return "nothing";
  }
  return "?";
}

}  // namespace

bool ports_compatible(std::string_view output_type, std::string_view input_type) {
  auto canonical = [](std::string_view t) { return t == "beamformed" ? std::string_view("iq") : t; };
  return input_type == "any" || canonical(output_type) == canonical(input_type);
}

std::optional<ParamValue> convert_param(const RawValue& raw, const ParamSpec& spec,
                                        std::string& why, Mark& where) {
  where = raw.mark;
  const bool scalar = raw.kind == RawValue::Kind::scalar;
  switch (spec.type) {
    case ParamType::boolean: {
      static const std::map<std::string, bool> words = {
          {"true", true}, {"True", true}, {"yes", true}, {"on", true},
          {"false", false}, {"False", false}, {"no", false}, {"off", false}};
      if (scalar)
        if (auto it = words.find(raw.scalar); it != words.end()) return it->second;
      why = "expects true or false, got " + shown(raw);
      return std::nullopt;
    }
    case ParamType::integer: {
      int64_t v;
      const Parsed p = scalar ? parse_number(raw.scalar, v) : Parsed::not_a_number;
      if (p == Parsed::ok) return v;
      why = p == Parsed::out_of_range ? shown(raw) + " is too large for an integer"
                                      : "expects an integer, got " + shown(raw);
      return std::nullopt;
    }
    case ParamType::real: {
      double v;
      const Parsed p = scalar ? parse_number(raw.scalar, v) : Parsed::not_a_number;
      if (p == Parsed::ok) return v;
      why = p == Parsed::out_of_range ? shown(raw) + " is out of the range of numbers"
                                      : "expects a number, got " + shown(raw);
      return std::nullopt;
    }
    case ParamType::string:
    case ParamType::choice:
      if (scalar) return raw.scalar;
      why = "expects a string, got " + shown(raw);
      return std::nullopt;
    case ParamType::numbers:
    case ParamType::point2:
    case ParamType::point3: {
      if (raw.kind != RawValue::Kind::sequence) {
        why = std::string(spec.type == ParamType::numbers ? "expects a list of numbers"
                          : spec.type == ParamType::point2 ? "expects a point [x, z] in mm"
                                                           : "expects a point [x, y, z] in mm") +
              ", got " + shown(raw);
        return std::nullopt;
      }
      std::vector<double> list;
      for (auto& item : raw.items) {
        double v;
        if (item.kind != RawValue::Kind::scalar || parse_number(item.scalar, v) != Parsed::ok) {
          where = item.mark.line ? item.mark : raw.mark;
          why = "list item " + shown(item) + " is not a number";
          return std::nullopt;
        }
        list.push_back(v);
      }
      return list;
    }
  }
  why = "unsupported parameter type";
  return std::nullopt;
}

namespace {

class Validator {
 public:
  Validator(const PipelineFile& file, const PluginRegistry& registry, Diagnostics& diags)
      : file_(file), registry_(registry), diags_(diags) {}

  ValidatedPipeline run() {
    out_.name = file_.name;
    out_.path = file_.path;
    out_.settings = file_.settings;
    for (auto& decl : file_.nodes) resolve_node(decl);
    for (auto& edge : file_.edges) resolve_edge(edge);
    check_connections();
    order_and_find_cycles();
    warn_unused_outputs();
    return std::move(out_);
  }

 private:
  void error(const std::string& file, Mark mark, std::string message) {
    diags_.error(file, mark, std::move(message));
  }
  void error(Mark mark, std::string message) { error(file_.path, mark, std::move(message)); }

  void resolve_node(const NodeDecl& decl) {
    ResolvedNode node;
    node.id = decl.id;
    node.on_error = decl.on_error;
    node.type = registry_.find(decl.type);
    index_[decl.id] = out_.nodes.size();
    decls_.push_back(&decl);
    if (!node.type) {
      report_unknown_keys(decl, nullptr);
      if (registry_.is_ambiguous(decl.type))
        error(decl.type_mark, "node type '" + decl.type + "' of node '" + decl.id +
                                  "' is provided by two plugins (see the plugin errors)");
      else if (!decl.type.empty())
        error(decl.type_mark, "unknown node type '" + decl.type + "' for node '" + decl.id + "'" +
                                  did_you_mean(decl.type, registry_.type_names()));
      out_.nodes.push_back(std::move(node));
      return;
    }
    const NodeSpec& spec = node.type->spec;
    report_unknown_keys(decl, &spec);
    std::map<std::string, ParamValue> values;
    for (auto& p : spec.params) values[p.name] = p.default_value;
    for (auto& p : decl.params) {
      const ParamSpec* ps = spec.find_param(p.name);
      if (!ps) {
        std::vector<std::string> names;
        for (auto& s : spec.params) names.push_back(s.name);
        std::string hint = did_you_mean(p.name, names);
        if (names.empty()) hint = "; it takes no parameters";
        if (hint.empty()) hint = "; its parameters are: " + join(names);
        error(p.file, p.name_mark,
              "node '" + decl.id + "' (" + spec.type + ") has no parameter '" + p.name + "'" + hint);
        continue;
      }
      std::string why;
      Mark where;
      auto value = convert_param(p.value, *ps, why, where);
      if (value) {
        why = ps->check(*value);
        if (!why.empty())
          why += ", got " + (std::holds_alternative<std::string>(*value)
                                 ? "'" + format_value(*value) + "'"
                                 : format_value(*value));
        if (!why.empty()) where = first_bad_item(p.value, *ps, where);
      }
      if (!why.empty()) {
        error(p.file, where, "parameter '" + decl.id + "." + p.name + "' " + why);
        continue;
      }
      values[p.name] = ps->normalize(std::move(*value));
    }
    for (auto& ps : spec.params) {
      const bool given = std::any_of(decl.params.begin(), decl.params.end(),
                                     [&](auto& p) { return p.name == ps.name; });
      if (ps.required && !given)
        error(decl.id_mark, "node '" + decl.id + "' (" + spec.type + ") needs parameter '" +
                                ps.name + "': " + ps.description);
    }
    node.params = ParamSet(std::move(values));
    out_.nodes.push_back(std::move(node));
  }

  // In a list that fails its range, the item that does: that is where the reader looks.
  static Mark first_bad_item(const RawValue& raw, const ParamSpec& spec, Mark fallback) {
    if (raw.kind != RawValue::Kind::sequence) return fallback;
    ParamSpec one = spec;
    one.type = ParamType::real;
    for (const auto& item : raw.items) {
      std::string why;
      Mark where;
      auto v = convert_param(item, one, why, where);
      if (v && !one.check(*v).empty() && item.mark.line) return item.mark;
    }
    return fallback;
  }

  static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  // Keys a node does not take: with the node's type known, say where they belong.
  void report_unknown_keys(const NodeDecl& decl, const NodeSpec* spec) {
    for (const auto& [key, mark] : decl.unknown_keys) {
      if (key == "policy")
        error(mark, "'policy' belongs to an edge: { from: <node>.<port>, to: " + decl.id +
                        ".<port>, policy: latest }");
      else if (spec && spec->find_param(key))
        error(mark, "'" + key + "' is a parameter of " + spec->type + "; put it under 'params:'");
      else
        error(mark, "node '" + decl.id + "' has no key '" + key + "'" +
                        did_you_mean(key, {"type", "params", "on_error", "fragment"}) +
                        " (a node takes type, params, on_error, fragment)");
    }
  }

  // Resolves one side of an edge to (node index, port index); reports what is wrong.
  std::optional<std::pair<size_t, size_t>> resolve_ref(const PortRef& ref, bool is_output) {
    auto it = index_.find(ref.node);
    if (it == index_.end()) {
      std::vector<std::string> ids;
      for (auto& n : out_.nodes) ids.push_back(n.id);
      error(ref.node_mark, "edge refers to unknown node '" + ref.node + "'" +
                               did_you_mean(ref.node, ids));
      return std::nullopt;
    }
    const auto& node = out_.nodes[it->second];
    if (!node.type) return std::nullopt;  // already reported
    const auto& ports = is_output ? node.type->spec.outputs : node.type->spec.inputs;
    for (size_t i = 0; i < ports.size(); ++i)
      if (ports[i].name == ref.port) return std::make_pair(it->second, i);
    std::vector<std::string> names;
    for (auto& p : ports) names.push_back(p.name);
    const std::string listing = join(names);
    error(ref.port_mark,
          "node '" + ref.node + "' (" + node.type->spec.type + ") has no " +
              (is_output ? "output" : "input") + " port '" + ref.port + "'" +
              (names.empty() ? std::string("; it has no ") + (is_output ? "outputs" : "inputs")
                             : did_you_mean(ref.port, names).empty()
                                 ? "; its " + std::string(is_output ? "outputs" : "inputs") +
                                       " are: " + listing
                                 : did_you_mean(ref.port, names)));
    return std::nullopt;
  }

  // True when `ref` names an existing port of the other direction (an input written where
  // an output belongs, or the reverse).
  bool names_port(const PortRef& ref, bool as_output) const {
    auto it = index_.find(ref.node);
    if (it == index_.end() || !out_.nodes[it->second].type) return false;
    const NodeSpec& spec = out_.nodes[it->second].type->spec;
    return as_output ? spec.find_output(ref.port) != nullptr : spec.find_input(ref.port) != nullptr;
  }

  void resolve_edge(const EdgeDecl& decl) {
    if (!names_port(decl.from, true) && names_port(decl.from, false) &&
        !names_port(decl.to, false) && names_port(decl.to, true)) {
      error(decl.mark, "edge goes from an input to an output; write '" + decl.to.node + "." +
                           decl.to.port + " -> " + decl.from.node + "." + decl.from.port + "'");
      excused_inputs_.emplace_back(decl.from.node, decl.from.port);
      return;
    }
    auto from = resolve_ref(decl.from, true);
    auto to = resolve_ref(decl.to, false);
    if (!from || !to) return;
    const PortSpec& out = out_.nodes[from->first].type->spec.outputs[from->second];
    const PortSpec& in = out_.nodes[to->first].type->spec.inputs[to->second];
    if (!ports_compatible(out.type, in.type)) {
      error(decl.mark, "cannot connect " + decl.from.node + "." + decl.from.port + " (" + out.type +
                           ") to " + decl.to.node + "." + decl.to.port + " (" + in.type +
                           "): port types differ");
      return;
    }
    for (auto& e : out_.edges)
      if (e.from_node == from->first && e.from_port == from->second && e.to_node == to->first &&
          e.to_port == to->second) {
        error(decl.mark, "duplicate edge " + decl.from.node + "." + decl.from.port + " -> " +
                             decl.to.node + "." + decl.to.port);
        return;
      }
    out_.edges.push_back({from->first, from->second, to->first, to->second,
                          decl.policy_given ? decl.policy : in.default_policy});
    edge_marks_.push_back(decl.mark);
  }

  void check_connections() {
    for (size_t n = 0; n < out_.nodes.size(); ++n) {
      const auto& node = out_.nodes[n];
      if (!node.type) continue;
      const auto& inputs = node.type->spec.inputs;
      for (size_t p = 0; p < inputs.size(); ++p) {
        if (!inputs[p].required) continue;
        bool connected = std::any_of(out_.edges.begin(), out_.edges.end(), [&](auto& e) {
          return e.to_node == n && e.to_port == p;
        });
        if (!connected && !file_.edges_incomplete && !named_by_failed_edge(node, inputs[p].name))
          error(decls_[n]->id_mark, "input '" + node.id + "." + inputs[p].name + "' (" +
                                        inputs[p].type + ") is not connected");
      }
    }
  }

  // A hint for a pipeline that is otherwise right; among errors it would be noise.
  void warn_unused_outputs() {
    if (diags_.has_errors()) return;
    for (size_t n = 0; n < out_.nodes.size(); ++n) {
      const auto& node = out_.nodes[n];
      const bool feeds = std::any_of(out_.edges.begin(), out_.edges.end(),
                                     [&](auto& e) { return e.from_node == n; });
      if (!node.type->spec.outputs.empty() && !feeds && node.type->spec.kind != NodeKind::output)
        diags_.warning(file_.path, decls_[n]->id_mark,
                       "no output of node '" + node.id + "' is connected: what it produces "
                       "goes nowhere");
    }
  }

  // An input an edge names, whose edge failed (already reported): the input itself, or a
  // port the node does not have (a typo of this one, most likely). Reporting it as
  // unconnected too would only repeat the edge's error.
  bool named_by_failed_edge(const ResolvedNode& node, const std::string& port) const {
    for (const auto& [id, named] : excused_inputs_)
      if (id == node.id && (named == port || !node.type->spec.find_input(named))) return true;
    return false;
  }

  // Kahn's algorithm; what is left over lies on or behind a cycle, which is then traced.
  void order_and_find_cycles() {
    const size_t n = out_.nodes.size();
    std::vector<size_t> indegree(n, 0);
    for (auto& e : out_.edges) ++indegree[e.to_node];
    std::vector<size_t> ready;
    for (size_t i = 0; i < n; ++i)
      if (!indegree[i]) ready.push_back(i);
    while (!ready.empty()) {
      size_t i = ready.front();
      ready.erase(ready.begin());
      out_.topological_order.push_back(i);
      for (auto& e : out_.edges)
        if (e.from_node == i && --indegree[e.to_node] == 0) ready.push_back(e.to_node);
    }
    if (out_.topological_order.size() == n) return;
    // Walk backwards along unresolved edges from a leftover node until a node repeats.
    size_t start = 0;
    while (!indegree[start]) ++start;
    std::vector<size_t> path{start};
    std::vector<size_t> via;
    for (;;) {
      size_t cur = path.back();
      size_t edge = 0;
      while (!(out_.edges[edge].to_node == cur && indegree[out_.edges[edge].from_node])) ++edge;
      via.push_back(edge);
      size_t prev = out_.edges[edge].from_node;
      auto seen = std::find(path.begin(), path.end(), prev);
      if (seen != path.end()) {
        std::vector<size_t> cycle(seen, path.end());
        std::reverse(cycle.begin(), cycle.end());
        std::string text;
        for (size_t c : cycle) text += out_.nodes[c].id + " -> ";
        text += out_.nodes[cycle.front()].id;
        error(edge_marks_[via.back()], "the pipeline has a cycle: " + text);
        return;
      }
      path.push_back(prev);
    }
  }

  const PipelineFile& file_;
  const PluginRegistry& registry_;
  Diagnostics& diags_;
  ValidatedPipeline out_;
  std::map<std::string, size_t> index_;
  std::vector<const NodeDecl*> decls_;
  std::vector<Mark> edge_marks_;
  // Ends of edges that failed, so connection checks do not repeat those edges' errors.
  std::vector<std::pair<std::string, std::string>> excused_inputs_ = file_.named_inputs;
};

}  // namespace

ValidatedPipeline validate(const PipelineFile& file, const PluginRegistry& registry,
                           Diagnostics& diags) {
  return Validator(file, registry, diags).run();
}

}  // namespace sonoflow
