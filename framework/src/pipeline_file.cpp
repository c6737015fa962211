#include "sonoflow/framework/pipeline_file.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>

namespace sonoflow {
namespace {

Mark mark_of(const YAML::Node& node) {
  auto m = node.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

RawValue to_raw(const YAML::Node& node) {
  RawValue v;
  v.mark = mark_of(node);
  if (node.IsScalar()) {
    v.kind = RawValue::Kind::scalar;
    v.scalar = node.Scalar();
  } else if (node.IsSequence()) {
    v.kind = RawValue::Kind::sequence;
    for (const auto& item : node) v.items.push_back(to_raw(item));
  } else if (node.IsMap()) {
    v.kind = RawValue::Kind::map;
  }
  return v;
}

const char* kind_name(const YAML::Node& node) {
  if (node.IsScalar()) return "a scalar";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "empty";
}

bool valid_id(const std::string& id) {
  static const std::regex pattern("[A-Za-z_][A-Za-z0-9_-]*");
  return std::regex_match(id, pattern);
}

// Reads the parts of one file into PipelineFile, reporting as it goes.
class Reader {
 public:
  Reader(PipelineFile& out, Diagnostics& diags) : out_(out), diags_(diags) {}

  void read(const YAML::Node& root) {
    if (!root.IsMap()) {
      error(mark_of(root), "a pipeline file must be a map with the keys 'sonoflow', 'nodes' "
                           "and 'edges'");
      return;
    }
    static const std::vector<std::string> keys = {"sonoflow", "name",     "description", "nodes",
                                                  "edges",    "settings", "plugin_paths"};
    bool have_version = false, have_nodes = false;
    for_each_key(root, keys, "top-level key", [&](const std::string& key, const YAML::Node& v) {
      if (key == "sonoflow") {
        have_version = true;
        read_version(v);
      } else if (key == "name") {
        out_.name = scalar(v, "'name' must be a string");
      } else if (key == "description") {
        out_.description = scalar(v, "'description' must be a string");
      } else if (key == "nodes") {
        have_nodes = true;
        read_nodes(v);
      } else if (key == "edges") {
        read_edges(v);
      } else if (key == "settings") {
        read_settings(v);
      } else if (key == "plugin_paths") {
        read_plugin_paths(v);
      }
    });
    if (!have_version)
      error({1, 1}, "missing 'sonoflow: 1' (the pipeline file format version)");
    if (!have_nodes) error({1, 1}, "missing 'nodes:' (the map of node ids to node types)");
  }

 private:
  void error(Mark mark, std::string message) { diags_.error(out_.path, mark, std::move(message)); }

  std::string scalar(const YAML::Node& v, const char* message) {
    if (!v.IsScalar()) {
      error(mark_of(v), message);
      return {};
    }
    return v.Scalar();
  }

  // Calls fn(key, value) for every known key of a map; reports unknown and repeated keys.
  template <class Fn>
  void for_each_key(const YAML::Node& map, const std::vector<std::string>& known,
                    const std::string& what, Fn&& fn) {
    std::map<std::string, Mark> seen;
    for (const auto& kv : map) {
      const Mark mark = mark_of(kv.first);
      if (!kv.first.IsScalar()) {
        error(mark, what + " must be a plain name");
        continue;
      }
      const std::string key = kv.first.Scalar();
      if (auto it = seen.find(key); it != seen.end()) {
        error(mark, "duplicate " + what + " '" + key + "' (first at line " +
                        std::to_string(it->second.line) + ")");
        continue;
      }
      seen[key] = mark;
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        error(mark, "unknown " + what + " '" + key + "'" + did_you_mean(key, known));
        continue;
      }
      fn(key, kv.second);
    }
  }

  void read_version(const YAML::Node& v) {
    if (!v.IsScalar() || v.Scalar() != "1") {
      error(mark_of(v), "unsupported pipeline file format version '" +
                            (v.IsScalar() ? v.Scalar() : std::string("?")) +
                            "'; this SonoFlow reads 'sonoflow: 1'");
    }
  }

  void read_plugin_paths(const YAML::Node& v) {
    if (!v.IsSequence()) {
      error(mark_of(v), "'plugin_paths' must be a list of folders");
      return;
    }
    const auto base = std::filesystem::path(out_.path).parent_path();
    for (const auto& item : v) {
      std::string folder = scalar(item, "each entry of 'plugin_paths' must be a folder name");
      if (!folder.empty()) out_.plugin_paths.push_back((base / folder).lexically_normal().string());
    }
  }

  void read_settings(const YAML::Node& v) {
    if (!v.IsMap()) {
      error(mark_of(v), "'settings' must be a map");
      return;
    }
    for_each_key(v, {"max_in_flight", "threads"}, "setting",
                 [&](const std::string& key, const YAML::Node& s) {
                   const bool in_flight = key == "max_in_flight";
                   const int lo = in_flight ? 1 : 0, hi = in_flight ? 1024 : 256;
                   int value = 0;
                   if (!s.IsScalar() || !YAML::convert<int>::decode(s, value) || value < lo ||
                       value > hi)
                     error(mark_of(s), "'" + key + "' must be an integer between " +
                                           std::to_string(lo) + " and " + std::to_string(hi));
                   else
                     (in_flight ? out_.settings.max_in_flight : out_.settings.threads) = value;
                 });
  }

  void read_nodes(const YAML::Node& v) {
    if (!v.IsMap()) {
      error(mark_of(v), std::string("'nodes' must be a map of node ids to nodes, not ") +
                            kind_name(v));
      return;
    }
    std::map<std::string, Mark> seen;
    for (const auto& kv : v) {
      NodeDecl node;
      node.id_mark = mark_of(kv.first);
      node.id = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (!valid_id(node.id)) {
        error(node.id_mark, "node id '" + node.id +
                                "' must start with a letter or '_' and hold only letters, "
                                "digits, '_' and '-'");
        continue;
      }
      if (auto it = seen.find(node.id); it != seen.end()) {
        error(node.id_mark, "duplicate node id '" + node.id + "' (first at line " +
                                std::to_string(it->second.line) + ")");
        continue;
      }
      seen[node.id] = node.id_mark;
      read_node(kv.second, node);
      out_.nodes.push_back(std::move(node));
    }
  }

  void read_node(const YAML::Node& v, NodeDecl& node) {
    if (!v.IsMap()) {
      error(mark_of(v).line ? mark_of(v) : node.id_mark,
            "node '" + node.id + "' must be a map with at least 'type:'");
      return;
    }
    for_each_key(v, {"type", "params", "on_error"}, "key in node '" + node.id + "'",
                 [&](const std::string& key, const YAML::Node& value) {
                   if (key == "type") {
                     node.type_mark = mark_of(value);
                     node.type = scalar(value, "'type' must be a node type name");
                   } else if (key == "params") {
                     read_params(value, node);
                   } else if (key == "on_error") {
                     std::string policy = value.IsScalar() ? value.Scalar() : "";
                     if (policy == "skip" || policy == "stop")
                       node.on_error = policy == "skip" ? ErrorPolicy::skip : ErrorPolicy::stop;
                     else
                       error(mark_of(value), "'on_error' must be 'skip' or 'stop'");
                   }
                 });
    if (node.type.empty() && !node.type_mark.line)
      error(node.id_mark, "node '" + node.id + "' has no 'type:'");
  }

  void read_params(const YAML::Node& v, NodeDecl& node) {
    if (v.IsNull()) return;
    if (!v.IsMap()) {
      error(mark_of(v), "'params' of node '" + node.id + "' must be a map of name: value");
      return;
    }
    std::map<std::string, Mark> seen;
    for (const auto& kv : v) {
      ParamDecl p{kv.first.IsScalar() ? kv.first.Scalar() : "", to_raw(kv.second), out_.path,
                  mark_of(kv.first)};
      if (auto it = seen.find(p.name); it != seen.end()) {
        error(p.name_mark, "duplicate parameter '" + p.name + "' (first at line " +
                               std::to_string(it->second.line) + ")");
        continue;
      }
      seen[p.name] = p.name_mark;
      if (p.value.mark.line == 0) p.value.mark = p.name_mark;
      node.params.push_back(std::move(p));
    }
  }

  // "node.port" at `mark`; `offset` is how far into the scalar the text starts.
  bool parse_ref(const std::string& text, Mark mark, int offset, PortRef& ref) {
    auto dot = text.find('.');
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t") + 1);
      return s;
    };
    const int lead = static_cast<int>(text.find_first_not_of(" \t"));
    ref.node_mark = {mark.line, mark.column + offset + std::max(lead, 0)};
    if (dot == std::string::npos) {
      error(ref.node_mark, "'" + trim(text) + "' must be written node.port");
      return false;
    }
    ref.node = trim(text.substr(0, dot));
    ref.port = trim(text.substr(dot + 1));
    ref.port_mark = {mark.line, mark.column + offset + static_cast<int>(dot) + 1};
    if (ref.node.empty() || ref.port.empty()) {
      error(ref.node_mark, "'" + trim(text) + "' must be written node.port");
      return false;
    }
    return true;
  }

  void read_edges(const YAML::Node& v) {
    if (v.IsNull()) return;
    if (!v.IsSequence()) {
      error(mark_of(v), "'edges' must be a list of 'node.port -> node.port' or {from, to}");
      return;
    }
    for (const auto& item : v) {
      EdgeDecl edge;
      edge.mark = mark_of(item);
      bool ok = true;
      if (item.IsScalar()) {
        const std::string text = item.Scalar();
        const auto arrow = text.find("->");
        // A quoted scalar's text starts one column after its mark.
        const int quote = item.Tag() == "!" ? 1 : 0;
        if (arrow == std::string::npos) {
          error(edge.mark, "edge '" + text + "' must be written 'node.port -> node.port'");
          continue;
        }
        ok = parse_ref(text.substr(0, arrow), edge.mark, quote, edge.from) &&
             parse_ref(text.substr(arrow + 2), edge.mark, quote + static_cast<int>(arrow) + 2,
                       edge.to);
      } else if (item.IsMap()) {
        bool have_from = false, have_to = false;
        for_each_key(item, {"from", "to", "policy"}, "edge key",
                     [&](const std::string& key, const YAML::Node& value) {
                       if (key == "policy") {
                         std::string p = value.IsScalar() ? value.Scalar() : "";
                         if (p != "lossless" && p != "latest") {
                           error(mark_of(value), "edge policy must be 'lossless' or 'latest'");
                           ok = false;
                         }
                         edge.policy = p == "latest" ? EdgePolicy::latest : EdgePolicy::lossless;
                         edge.policy_given = true;
                         return;
                       }
                       PortRef& ref = key == "from" ? edge.from : edge.to;
                       (key == "from" ? have_from : have_to) = true;
                       const int quote = value.Tag() == "!" ? 1 : 0;
                       ok = value.IsScalar() &&
                            parse_ref(value.Scalar(), mark_of(value), quote, ref) && ok;
                       if (!value.IsScalar()) error(mark_of(value), "'" + key + "' must be node.port");
                     });
        if (!have_from || !have_to) {
          error(edge.mark, std::string("edge needs both 'from' and 'to'"));
          ok = false;
        }
      } else {
        error(edge.mark, "edge must be 'node.port -> node.port' or {from: ..., to: ...}");
        ok = false;
      }
      if (ok) out_.edges.push_back(std::move(edge));
    }
  }

  PipelineFile& out_;
  Diagnostics& diags_;
};

}  // namespace

NodeDecl* PipelineFile::find_node(std::string_view id) {
  for (auto& n : nodes)
    if (n.id == id) return &n;
  return nullptr;
}

PipelineFile parse_pipeline(const std::string& yaml_text, const std::string& path,
                            Diagnostics& diags) {
  PipelineFile out;
  out.path = path;
  out.name = std::filesystem::path(path).stem().string();
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    diags.error(path, {e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg);
    return out;
  }
  Reader(out, diags).read(root);
  return out;
}

PipelineFile read_pipeline_file(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    PipelineFile out;
    out.path = path;
    diags.error(path, {}, std::filesystem::exists(path) ? "cannot read the pipeline file"
                                                         : "no such pipeline file");
    return out;
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_pipeline(text.str(), path, diags);
}

void apply_override(PipelineFile& file, const std::string& assignment, int index,
                    Diagnostics& diags) {
  const std::string where = "--set";
  const auto eq = assignment.find('=');
  const auto dot = assignment.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq || dot == 0 ||
      dot + 1 == eq) {
    diags.error(where, {index, 1},
                "'" + assignment + "' must be written node.param=value");
    return;
  }
  const std::string node_id = assignment.substr(0, dot);
  const std::string param = assignment.substr(dot + 1, eq - dot - 1);
  NodeDecl* node = file.find_node(node_id);
  if (!node) {
    std::vector<std::string> ids;
    for (auto& n : file.nodes) ids.push_back(n.id);
    diags.error(where, {index, 1},
                "no node '" + node_id + "' in " + file.path + did_you_mean(node_id, ids));
    return;
  }
  ParamDecl decl{param, {}, where, {index, static_cast<int>(dot) + 2}};
  try {
    decl.value = to_raw(YAML::Load(assignment.substr(eq + 1)));
  } catch (const YAML::ParserException& e) {
    diags.error(where, {index, static_cast<int>(eq) + 2 + e.mark.column},
                "value of '" + node_id + "." + param + "' is not valid YAML: " + e.msg);
    return;
  }
  // Items of a list given on the command line all point at the value's column.
  std::function<void(RawValue&)> place = [&](RawValue& v) {
    v.mark = {index, static_cast<int>(eq) + 2};
    for (auto& item : v.items) place(item);
  };
  place(decl.value);
  for (auto& p : node->params)
    if (p.name == param) {
      p = std::move(decl);
      return;
    }
  node->params.push_back(std::move(decl));
}

}  // namespace sonoflow
