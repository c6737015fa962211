#include "sonoflow/framework/describe.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cstdio>
#include <sstream>

namespace sonoflow {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr ordered() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

std::string stringify(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(v, out, 2);
  return out.str() + "\n";
}

Poco::Dynamic::Var to_json(const ParamValue& value) {
  struct Visitor {
    Poco::Dynamic::Var operator()(bool b) const { return b; }
    Poco::Dynamic::Var operator()(int64_t i) const { return static_cast<Poco::Int64>(i); }
    Poco::Dynamic::Var operator()(double d) const { return d; }
    Poco::Dynamic::Var operator()(const std::string& s) const { return s; }
    Poco::Dynamic::Var operator()(const std::vector<double>& list) const {
      Array::Ptr a = new Array;
      for (double d : list) a->add(d);
      return a;
    }
  };
  return std::visit(Visitor{}, value);
}

Object::Ptr port_json(const PortSpec& p, bool input) {
  auto o = ordered();
  o->set("name", p.name);
  o->set("type", p.type);
  o->set("description", p.description);
  if (input) {
    o->set("required", p.required);
    o->set("default_policy", std::string(to_string(p.default_policy)));
  }
  return o;
}

Object::Ptr param_json(const ParamSpec& p) {
  auto o = ordered();
  o->set("name", p.name);
  o->set("type", std::string(to_string(p.type)));
  o->set("default", to_json(p.default_value));
  if (p.min) o->set("min", *p.min);
  if (p.max) o->set("max", *p.max);
  if (!p.allowed.empty()) {
    Array::Ptr a = new Array;
    for (auto& v : p.allowed) a->add(v);
    o->set("allowed", a);
  }
  if (p.min_items) o->set("min_items", static_cast<Poco::UInt64>(*p.min_items));
  if (p.max_items) o->set("max_items", static_cast<Poco::UInt64>(*p.max_items));
  o->set("unit", p.unit);
  o->set("description", p.description);
  o->set("runtime_mutable", p.runtime_mutable);
  o->set("required", p.required);
  return o;
}

Object::Ptr type_json(const NodeTypeInfo& t) {
  auto o = ordered();
  o->set("type", t.spec.type);
  o->set("kind", std::string(to_string(t.spec.kind)));
  o->set("description", t.spec.description);
  o->set("plugin", t.plugin->name);
  o->set("concurrent", t.spec.concurrent);
  Array::Ptr inputs = new Array, outputs = new Array, params = new Array;
  for (auto& p : t.spec.inputs) inputs->add(port_json(p, true));
  for (auto& p : t.spec.outputs) outputs->add(port_json(p, false));
  for (auto& p : t.spec.params) params->add(param_json(p));
  o->set("inputs", inputs);
  o->set("outputs", outputs);
  o->set("params", params);
  return o;
}

std::string range_text(const ParamSpec& p) {
  std::string out;
  if (!p.allowed.empty()) {
    for (auto& a : p.allowed) out += (out.empty() ? "one of: " : ", ") + a;
    return out;
  }
  if (p.min && p.max) return format_value(*p.min) + " .. " + format_value(*p.max);
  if (p.min) return ">= " + format_value(*p.min);
  if (p.max) return "<= " + format_value(*p.max);
  return out;
}

}  // namespace

std::string inspect_text(const PluginRegistry& registry) {
  std::ostringstream out;
  out << "Plugins:\n";
  for (auto& p : registry.plugins()) {
    out << "  " << p->name << " " << p->version << " (" << p->license << ")  " << p->path << "\n"
        << "      " << p->description << "\n";
  }
  out << "\nNode types:\n";
  for (auto& name : registry.type_names()) {
    const auto* t = registry.find(name);
    char line[256];
    std::snprintf(line, sizeof line, "  %-22s %-11s %s\n", name.c_str(),
                  std::string(to_string(t->spec.kind)).c_str(), t->spec.description.c_str());
    out << line;
  }
  out << "\n`sonoflow inspect TYPE` shows one type's ports and parameters.\n";
  return out.str();
}

std::string inspect_text(const NodeTypeInfo& t) {
  std::ostringstream out;
  const auto& s = t.spec;
  out << s.type << " (" << to_string(s.kind) << ", plugin " << t.plugin->name << " "
      << t.plugin->version << ")\n  " << s.description << "\n"
      << "  runs " << (s.concurrent ? "concurrently on several frames" : "serially") << "\n";
  auto ports = [&](const char* title, const std::vector<PortSpec>& list, bool input) {
    out << "\n" << title << ":\n";
    if (list.empty()) out << "  (none)\n";
    for (auto& p : list) {
      out << "  " << p.name << " : " << p.type;
      if (input)
        out << " (" << (p.required ? "required" : "optional") << ", default policy "
            << to_string(p.default_policy) << ")";
      out << "\n      " << p.description << "\n";
    }
  };
  ports("Inputs", s.inputs, true);
  ports("Outputs", s.outputs, false);
  out << "\nParameters:\n";
  if (s.params.empty()) out << "  (none)\n";
  for (auto& p : s.params) {
    out << "  " << p.name << " : " << to_string(p.type) << " = " << format_value(p.default_value)
        << (p.unit.empty() ? "" : " " + p.unit);
    auto range = range_text(p);
    if (!range.empty()) out << "  [" << range << "]";
    if (p.runtime_mutable) out << "  (live)";
    if (p.required) out << "  (required)";
    out << "\n      " << p.description << "\n";
  }
  return out.str();
}

std::string inspect_json(const PluginRegistry& registry) {
  auto root = ordered();
  Array::Ptr plugins = new Array, types = new Array;
  for (auto& p : registry.plugins()) {
    auto o = ordered();
    o->set("name", p->name);
    o->set("version", p->version);
    o->set("license", p->license);
    o->set("description", p->description);
    o->set("path", p->path);
    o->set("sdk_version", p->sdk_version);
    o->set("abi_version", p->abi_version);
    Array::Ptr names = new Array;
    for (auto& n : p->node_types) names->add(n);
    o->set("node_types", names);
    plugins->add(o);
  }
  for (auto& name : registry.type_names()) types->add(type_json(*registry.find(name)));
  root->set("plugins", plugins);
  root->set("node_types", types);
  return stringify(root);
}

std::string inspect_json(const NodeTypeInfo& type) { return stringify(type_json(type)); }

std::string pipeline_dot(const ValidatedPipeline& p) {
  std::ostringstream out;
  out << "digraph \"" << p.name << "\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
  for (auto& n : p.nodes) {
    const char* color = n.type->spec.kind == NodeKind::device   ? "#d8ecff"
                        : n.type->spec.kind == NodeKind::output ? "#e2f5d8"
                                                                : "#ffffff";
    out << "  \"" << n.id << "\" [label=\"" << n.id << "\\n" << n.type->spec.type
        << "\", style=\"rounded,filled\", fillcolor=\"" << color << "\"];\n";
  }
  for (auto& e : p.edges) {
    const auto& from = p.nodes[e.from_node];
    const auto& to = p.nodes[e.to_node];
    out << "  \"" << from.id << "\" -> \"" << to.id << "\" [label=\""
        << from.type->spec.outputs[e.from_port].name << " -> "
        << to.type->spec.inputs[e.to_port].name << "\"";
    if (e.policy == EdgePolicy::latest) out << ", style=dashed";
    out << "];\n";
  }
  out << "}\n";
  return out.str();
}

std::string report_json(const ValidatedPipeline& pipeline, const RunStats& stats,
                        const std::map<std::string, Results>& results,
                        const std::vector<std::string>& fatal_errors) {
  auto latency = [](const LatencyMs& l) {
    auto o = ordered();
    o->set("p50", l.p50);
    o->set("p99", l.p99);
    o->set("max", l.max);
    return o;
  };
  auto root = ordered();
  root->set("pipeline", pipeline.name);
  root->set("frames", static_cast<Poco::UInt64>(stats.frames));
  root->set("duration_s", stats.duration_s);
  root->set("fps", stats.fps);
  root->set("latency_ms", latency(stats.latency));
  auto nodes = ordered();
  for (auto& n : stats.nodes) {
    auto o = ordered();
    o->set("type", n.type);
    o->set("frames_in", static_cast<Poco::UInt64>(n.frames_in));
    o->set("frames_out", static_cast<Poco::UInt64>(n.frames_out));
    o->set("dropped", static_cast<Poco::UInt64>(n.dropped));
    o->set("errors", static_cast<Poco::UInt64>(n.errors));
    auto process = ordered();
    process->set("p50", n.process_p50_ms);
    process->set("p99", n.process_p99_ms);
    o->set("process_ms", process);
    if (n.kind != NodeKind::device) o->set("latency_ms", latency(n.latency));
    nodes->set(n.id, o);
  }
  root->set("nodes", nodes);
  auto res = ordered();
  for (auto& [id, values] : results) {
    auto o = ordered();
    for (auto& [key, value] : values) {
      // "tip_error_mm.median" nests: {"tip_error_mm": {"median": ...}}.
      // A key clashing with a plain value of the same name stays flat.
      Object::Ptr parent = o;
      size_t begin = 0;
      for (size_t dot; parent && (dot = key.find('.', begin)) != std::string::npos;
           begin = dot + 1) {
        const std::string part = key.substr(begin, dot - begin);
        if (!parent->has(part)) parent->set(part, ordered());
        parent = parent->isObject(part) ? parent->getObject(part) : nullptr;
      }
      if (parent)
        parent->set(key.substr(begin), to_json(value));
      else
        o->set(key, to_json(value));
    }
    res->set(id, o);
  }
  root->set("results", res);
  Array::Ptr errors = new Array;
  for (auto& e : fatal_errors) errors->add(e);
  root->set("errors", errors);
  return stringify(root);
}

std::string status_line(const RunStats& s) {
  uint64_t dropped = 0, errors = 0;
  for (auto& n : s.nodes) dropped += n.dropped, errors += n.errors;
  char line[200];
  std::snprintf(line, sizeof line,
                "%6.1f s  %7llu frames  %6.1f fps  latency p50 %.2f ms p99 %.2f ms  drops %llu  "
                "errors %llu",
                s.duration_s, static_cast<unsigned long long>(s.frames), s.fps, s.latency.p50,
                s.latency.p99, static_cast<unsigned long long>(dropped),
                static_cast<unsigned long long>(errors));
  return line;
}

std::string summary_text(const std::string& name, const RunStats& s) {
  std::ostringstream out;
  out << name << ": " << status_line(s) << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "  %-16s %-18s %9s %9s %8s %7s %10s %10s\n", "node", "type",
                "in", "out", "dropped", "errors", "p50 ms", "p99 ms");
  out << line;
  for (auto& n : s.nodes) {
    std::snprintf(line, sizeof line, "  %-16s %-18s %9llu %9llu %8llu %7llu %10.3f %10.3f\n",
                  n.id.c_str(), n.type.c_str(), static_cast<unsigned long long>(n.frames_in),
                  static_cast<unsigned long long>(n.frames_out),
                  static_cast<unsigned long long>(n.dropped),
                  static_cast<unsigned long long>(n.errors), n.process_p50_ms, n.process_p99_ms);
    out << line;
  }
  return out.str();
}

}  // namespace sonoflow
