#include "api.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/URI.h>

#include <sstream>

#include "messages.hpp"
#include "page.hpp"

namespace sonoflow::web_viewer {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string stringify(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(v, out);
  return out.str();
}

Reply json_reply(std::string body) { return Reply{200, "application/json", std::move(body), {}}; }

Reply method_not_allowed(const std::string& path, const std::string& allow) {
  Reply r = error_reply(405, "'" + path + "' takes " + allow);
  r.allow = allow;
  return r;
}

// The node's object from pipeline_json(), or null.
Object::Ptr find_node(const std::string& pipeline_json, const std::string& id,
                      std::string& node_list) {
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));  // keep the key order
  auto root = parser.parse(pipeline_json).extract<Object::Ptr>();
  auto nodes = root->getArray("nodes");
  for (unsigned i = 0; i < nodes->size(); ++i) {
    auto n = nodes->getObject(i);
    const std::string nid = n->getValue<std::string>("id");
    if (nid == id) return n;
    node_list += (node_list.empty() ? "" : ", ") + nid;
  }
  return nullptr;
}

Reply get_params(const Poco::URI& uri, PipelineControl& control) {
  std::string id;
  for (const auto& [key, value] : uri.getQueryParameters())
    if (key == "node") id = value;
  if (id.empty()) return error_reply(400, "give the node: /api/params?node=ID");
  std::string nodes;
  auto node = find_node(control.pipeline_json(), id, nodes);
  if (!node) return error_reply(404, "no node '" + id + "'; the nodes are: " + nodes);
  return json_reply(stringify(node));
}

Reply set_param(const std::string& body, PipelineControl& control) {
  if (body.size() > kMaxBodyBytes)
    return error_reply(413, "request body of " + std::to_string(body.size()) +
                                " bytes; at most " + std::to_string(kMaxBodyBytes));
  Object::Ptr request;
  try {
    auto parsed = Poco::JSON::Parser().parse(body);
    if (parsed.type() != typeid(Object::Ptr))
      return error_reply(400, "request body must be a JSON object {\"node\", \"param\", \"value\"}");
    request = parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return error_reply(400, "request body is not JSON: " + e.displayText());
  }
  for (const char* key : {"node", "param", "value"})
    if (!request->has(key)) return error_reply(400, std::string("request body lacks \"") + key + "\"");
  if (!request->get("node").isString() || !request->get("param").isString())
    return error_reply(400, "\"node\" and \"param\" must be strings");
  const std::string node = request->getValue<std::string>("node");
  const std::string param = request->getValue<std::string>("param");
  std::string nodes;
  if (!find_node(control.pipeline_json(), node, nodes)) {
    // The control's own wording, with its "did you mean".
    return error_reply(404, control.set_param(node, param, "0"));
  }
  // The value goes on as its JSON text, which is YAML: numbers, booleans and lists read
  // back as themselves, and a string keeps its quotes, so it is never taken for a list.
  const std::string why = control.set_param(node, param, stringify(request->get("value")));
  if (!why.empty()) return error_reply(400, why);
  auto ok = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  ok->set("node", node);
  ok->set("param", param);
  ok->set("value", request->get("value"));
  return json_reply(stringify(Object::Ptr(ok)));
}

}  // namespace

Reply error_reply(int status, const std::string& why) {
  Object::Ptr o = new Object;
  o->set("error", why);
  return Reply{status, "application/json", stringify(o), {}};
}

Reply handle(const Request& request, PipelineControl* control) {
  Poco::URI uri;
  try {
    uri = Poco::URI(request.uri);
  } catch (const Poco::Exception& e) {
    return error_reply(400, "malformed request URI: " + e.displayText());
  }
  const std::string path = uri.getPath();
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (path == "/" || path == "/index.html") {
    if (!get) return method_not_allowed(path, "GET");
    return Reply{200, "text/html; charset=utf-8", std::string(page_html()), {}};
  }
  const bool api = path == "/api/pipeline" || path == "/api/stats" || path == "/api/params" ||
                   path == "/metrics";
  if (!api) return error_reply(404, "no such path '" + path + "'");
  if (!control) return error_reply(503, "no running pipeline to control");
  try {
    if (path == "/api/params") {
      if (request.method == "POST") return set_param(request.body, *control);
      if (!get) return method_not_allowed(path, "GET, POST");
      return get_params(uri, *control);
    }
    if (!get) return method_not_allowed(path, "GET");
    if (path == "/api/pipeline") return json_reply(control->pipeline_json());
    if (path == "/api/stats") return json_reply(control->stats_json());
    return Reply{200, "text/plain; version=0.0.4", prometheus_text(control->stats_json()), {}};
  } catch (const std::exception& e) {
    return error_reply(500, std::string("internal error: ") + e.what());
  }
}

}  // namespace sonoflow::web_viewer
