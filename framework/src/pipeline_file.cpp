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
    if (root.IsNull()) {
      error({1, 1}, "the file is empty; a pipeline needs at least 'sonoflow: 1' and 'nodes:'");
      return;
    }
    if (!root.IsMap()) {
      const Mark m = mark_of(root);
      error(m.line ? m : Mark{1, 1},
            "a pipeline file must be a map with the keys 'sonoflow', "
            "'nodes' and 'edges'");
      return;
    }
    static const std::vector<std::string> keys = {"sonoflow", "name",     "description", "nodes",
                                                  "edges",    "settings", "plugin_paths"};
    bool have_version = false, have_nodes = false;
    auto unknown_top = [&](const std::string& key, Mark mark) {
      const std::string hint = did_you_mean(key, keys);
      if (hint == did_you_mean(key, {"edges"}) && !hint.empty()) out_.edges_incomplete = true;
      error(mark, "unknown top-level key '" + key + "'" + hint);
    };
    for_each_key(
        root, keys, "top-level key",
        [&](const std::string& key, const YAML::Node& v, Mark key_mark) {
          if (key == "sonoflow") {
            have_version = true;
            read_version(v);
          } else if (key == "name") {
            out_.name = scalar(v, "'name' must be a string");
          } else if (key == "description") {
            out_.description = scalar(v, "'description' must be a string");
          } else if (key == "nodes") {
            have_nodes = true;
            read_nodes(v, key_mark);
          } else if (key == "edges") {
            read_edges(v);
          } else if (key == "settings") {
            read_settings(v);
          } else if (key == "plugin_paths") {
            read_plugin_paths(v, key_mark);
          }
        },
        unknown_top);
    if (!have_version) error({1, 1}, "missing 'sonoflow: 1' (the pipeline file format version)");
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

  // Calls fn(key, value, key's mark) for every known key of a map; reports repeated keys, and
  // unknown ones through `on_unknown` (by default: an error with a suggestion).
  using UnknownKey = std::function<void(const std::string& key, Mark mark)>;
  template <class Fn>
  void for_each_key(const YAML::Node& map, const std::vector<std::string>& known,
                    const std::string& what, Fn&& fn, const UnknownKey& on_unknown = nullptr) {
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
                        std::to_string(it->second.line) + "; this one is ignored)");
        continue;
      }
      seen[key] = mark;
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        if (on_unknown)
          on_unknown(key, mark);
        else
          error(mark, "unknown " + what + " '" + key + "'" + did_you_mean(key, known));
        continue;
      }
      fn(key, kv.second, mark);
    }
  }

  void read_version(const YAML::Node& v) {
    if (!v.IsScalar() || v.Scalar() != "1") {
      error(mark_of(v), "unsupported pipeline file format version '" +
                            (v.IsScalar() ? v.Scalar() : std::string("?")) +
                            "'; this SonoFlow reads 'sonoflow: 1'");
    }
  }

  void read_plugin_paths(const YAML::Node& v, Mark key_mark) {
    if (!v.IsSequence()) {
      error(v.IsNull() ? key_mark : mark_of(v), "'plugin_paths' must be a list of folders");
      return;
    }
    const auto base = std::filesystem::path(out_.path).parent_path();
    for (const auto& item : v) {
      std::string folder = scalar(item, "each entry of 'plugin_paths' must be a folder name");
      if (!folder.empty())
        out_.plugin_paths.push_back(
            {folder, (base / folder).lexically_normal().string(), mark_of(item)});
    }
  }

  void read_settings(const YAML::Node& v) {
    if (!v.IsMap()) {
      error(mark_of(v), "'settings' must be a map");
      return;
    }
    struct Limits {
      int lo, hi;
      int Settings::*field;
    };
    static const std::map<std::string, Limits> limits = {
        {"max_in_flight", {1, 1024, &Settings::max_in_flight}},
        {"threads", {0, 256, &Settings::threads}},
        {"dds_domain", {-1, 232, &Settings::dds_domain}}};
    for_each_key(v, {"max_in_flight", "threads", "dds_domain"}, "setting",
                 [&](const std::string& key, const YAML::Node& s, Mark) {
                   const Limits& l = limits.at(key);
                   int value = 0;
                   if (!s.IsScalar() || !YAML::convert<int>::decode(s, value) || value < l.lo ||
                       value > l.hi)
                     error(mark_of(s), "'" + key + "' must be an integer between " +
                                           std::to_string(l.lo) + " and " + std::to_string(l.hi));
                   else
                     out_.settings.*l.field = value;
                 });
  }

  void read_nodes(const YAML::Node& v, Mark key_mark) {
    if (v.IsNull() || (v.IsMap() && v.size() == 0)) {
      error(key_mark, "'nodes' is empty: a pipeline needs at least one node");
      return;
    }
    if (!v.IsMap()) {
      error(mark_of(v),
            std::string("'nodes' must be a map of node ids to nodes, not ") + kind_name(v));
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
      const Mark at = mark_of(v).line ? mark_of(v) : node.id_mark;
      if (v.IsScalar())
        error(at, "node '" + node.id + "' must be a map; write '" + node.id +
                      ": { type: " + v.Scalar() + " }'");
      else
        error(at, "node '" + node.id + "' must be a map with at least 'type:'");
      return;
    }
    for_each_key(
        v, {"type", "params", "on_error", "fragment"}, "key of node '" + node.id + "'",
        [&](const std::string& key, const YAML::Node& value, Mark) {
          if (key == "type") {
            node.type_mark = mark_of(value);
            if (value.IsScalar() && !value.Scalar().empty())
              node.type = value.Scalar();
            else if (value.IsScalar())  // "" or a bare tag (`!x`): no name to look up
              error(node.type_mark, "node '" + node.id +
                                        "': 'type' must be one node type name, not an empty "
                                        "string");
            else
              error(node.type_mark, "node '" + node.id +
                                        "': 'type' must be one node type name, "
                                        "not " +
                                        kind_name(value));
          } else if (key == "params") {
            read_params(value, node);
          } else if (key == "fragment") {
            node.fragment_mark = mark_of(value);
            node.fragment = value.IsScalar() ? value.Scalar() : "";
            if (!valid_id(node.fragment))
              error(node.fragment_mark, "node '" + node.id + "': fragment '" + node.fragment +
                                            "' must start with a letter or '_' and hold only "
                                            "letters, digits, '_' and '-'");
          } else if (key == "on_error") {
            std::string policy = value.IsScalar() ? value.Scalar() : "";
            if (policy == "skip" || policy == "stop")
              node.on_error = policy == "skip" ? ErrorPolicy::skip : ErrorPolicy::stop;
            else
              error(mark_of(value), "node '" + node.id + "': on_error '" + policy +
                                        "' is not valid; use 'skip' or 'stop'");
          }
        },
        [&](const std::string& key, Mark mark) { node.unknown_keys.emplace_back(key, mark); });
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
      error(ref.node_mark,
            "'" + trim(text) + "' must be written node.port, e.g. '" + trim(text) + ".out'");
      return false;
    }
    ref.node = trim(text.substr(0, dot));
    ref.port = trim(text.substr(dot + 1));
    ref.port_mark = {mark.line, mark.column + offset + static_cast<int>(dot) + 1};
    if (ref.node.empty() || ref.port.empty()) {
      error(ref.node_mark, "'" + trim(text) + "' must be written node.port");
      return false;
    }
    if (ref.port.find_first_of(" \t()[]{},") != std::string::npos) {
      const bool policy = ref.port.find("latest") != std::string::npos ||
                          ref.port.find("lossless") != std::string::npos;
      error(ref.port_mark, policy ? "a policy needs the map form: { from: a.out, to: b.in, "
                                    "policy: latest }"
                                  : "'" + ref.port + "' is not a port name");
      return false;
    }
    return true;
  }

  void read_edges(const YAML::Node& v) {
    if (v.IsNull()) return;
    if (!v.IsSequence()) {
      error(mark_of(v), "'edges' must be a list of 'node.port -> node.port' or {from, to}");
      out_.edges_incomplete = true;
      return;
    }
    for (const auto& item : v) read_edge(item);
  }

  void read_edge(const YAML::Node& item) {
    EdgeDecl edge;
    edge.mark = mark_of(item);
    // Remember the input named even if the edge fails, so it is not also "not connected".
    auto name_input = [&](const PortRef& to) {
      if (!to.node.empty() && !to.port.empty()) out_.named_inputs.emplace_back(to.node, to.port);
    };
    bool ok = true;
    if (item.IsScalar()) {
      const std::string text = item.Scalar();
      const auto arrow = text.find("->");
      // A quoted scalar's text starts one column after its mark.
      const int quote = item.Tag() == "!" ? 1 : 0;
      if (arrow == std::string::npos) {
        error(edge.mark, "edge '" + text + "' must be written 'node.port -> node.port'");
        out_.edges_incomplete = true;
        return;
      }
      if (text.find("->", arrow + 2) != std::string::npos) {
        error(edge.mark, "edge '" + text +
                             "' chains several arrows; an edge connects exactly "
                             "two ports: write one edge per connection");
        out_.edges_incomplete = true;
        return;
      }
      ok = parse_ref(text.substr(0, arrow), edge.mark, quote, edge.from);
      ok = parse_ref(text.substr(arrow + 2), edge.mark, quote + static_cast<int>(arrow) + 2,
                     edge.to) &&
           ok;
    } else if (item.IsMap()) {
      bool have_from = false, have_to = false, unknown_key = false;
      for_each_key(
          item, {"from", "to", "policy"}, "edge key",
          [&](const std::string& key, const YAML::Node& value, Mark) {
            if (key == "policy") {
              std::string p = value.IsScalar() ? value.Scalar() : "";
              if (p == "lossless" || p == "latest") {
                edge.policy = p == "latest" ? EdgePolicy::latest : EdgePolicy::lossless;
                edge.policy_given = true;
              } else {
                error(mark_of(value),
                      "edge policy '" + p + "' is not valid; use 'lossless' or 'latest'");
              }
              return;
            }
            PortRef& ref = key == "from" ? edge.from : edge.to;
            (key == "from" ? have_from : have_to) = true;
            if (!value.IsScalar()) {
              error(mark_of(value), "'" + key + "' must be node.port");
              ok = false;
              return;
            }
            const int quote = value.Tag() == "!" ? 1 : 0;
            ok = parse_ref(value.Scalar(), mark_of(value), quote, ref) && ok;
          },
          [&](const std::string& key, Mark mark) {
            error(mark,
                  "unknown edge key '" + key + "'" + did_you_mean(key, {"from", "to", "policy"}));
            unknown_key = true;
            out_.edges_incomplete = true;
            ok = false;
          });
      if (!have_from || !have_to) {
        // After an unknown key (say 'tto'), its suggestion already says what is missing.
        if (!unknown_key) error(edge.mark, "edge needs both 'from' and 'to'");
        ok = false;
      }
    } else {
      error(edge.mark, "edge must be 'node.port -> node.port' or {from: ..., to: ...}");
      out_.edges_incomplete = true;
      return;
    }
    // An end that did not parse leaves the edge's meaning unknown.
    if (edge.from.node.empty() || edge.to.node.empty() || edge.to.port.empty())
      out_.edges_incomplete = true;
    name_input(edge.to);
    if (ok) out_.edges.push_back(std::move(edge));
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

namespace {

// yaml-cpp's messages name its parser's states; say what the writer did instead.
std::string explain_yaml_error(const std::string& msg) {
  static const std::map<std::string, std::string> plain = {
      {"end of map flow not found", "a '{' is not closed with '}'"},
      {"end of sequence flow not found", "a '[' is not closed with ']'"},
      {"end of map not found",
       "this line is indented differently from the lines above it (or a ':' is missing)"},
      {"end of sequence not found", "this list item is indented differently from the others"},
      {"illegal map value", "a ':' where a value was expected (quote text that contains ': ')"},
  };
  auto it = plain.find(msg);
  return "YAML syntax: " + (it == plain.end() ? msg : it->second);
}

// YAML forbids tabs in indentation; yaml-cpp then reports a confusing error elsewhere.
bool find_tab_indent(const std::string& text, Mark& where) {
  int line = 1;
  for (size_t pos = 0; pos < text.size(); ++line) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    for (size_t i = pos; i < end && (text[i] == ' ' || text[i] == '\t'); ++i)
      if (text[i] == '\t') {
        where = {line, static_cast<int>(i - pos) + 1};
        return true;
      }
    pos = end + 1;
  }
  return false;
}

}  // namespace

PipelineFile parse_pipeline(const std::string& yaml_text, const std::string& path,
                            Diagnostics& diags) {
  PipelineFile out;
  out.path = path;
  out.name = std::filesystem::path(path).stem().string();
  if (Mark tab; find_tab_indent(yaml_text, tab)) {
    diags.error(path, tab, "tab in indentation; YAML allows only spaces");
    return out;
  }
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    diags.error(path, {e.mark.line + 1, e.mark.column + 1}, explain_yaml_error(e.msg));
    return out;
  }
  Reader(out, diags).read(root);
  return out;
}

PipelineFile read_pipeline_file(const std::string& path, Diagnostics& diags) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    PipelineFile out;
    out.path = path;
    diags.error(path, {}, "is a folder, not a pipeline file");
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    PipelineFile out;
    out.path = path;
    diags.error(path, {},
                std::filesystem::exists(path, ec) ? "cannot read the pipeline file"
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
    diags.error(where, {index, 1}, "'" + assignment + "' must be written node.param=value");
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
                "value of '" + node_id + "." + param + "': " + explain_yaml_error(e.msg));
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
