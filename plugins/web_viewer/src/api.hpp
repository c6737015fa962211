// The viewer's HTTP routes as a plain function of a request: the page, the JSON control
// API and the Prometheus endpoint. Nothing is ever read from disk: the only document is
// the page compiled into the plugin, and every other path is 404. Kept apart from the
// Poco server so that every route and every refusal is tested without a socket.
//
//   GET  /                     the page (also /index.html)
//   GET  /api/pipeline         nodes, ports, parameter descriptors with current values, edges
//   GET  /api/stats            live statistics, shaped like the run report
//   GET  /api/params?node=ID   one node's descriptor and parameter values
//   POST /api/params           {"node": ID, "param": NAME, "value": V} -> 200, or 4xx {"error"}
//   GET  /metrics              statistics as Prometheus text
#pragma once

#include <string>

#include "sonoflow/control.hpp"

namespace sonoflow::web_viewer {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string uri;     // path and query as received
  std::string body;
};

struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::string allow;  // for 405: the methods the path takes
};

// Request bodies beyond this are refused (413): a parameter change is a few bytes.
inline constexpr size_t kMaxBodyBytes = 64 * 1024;

// `control` may be null (no running pipeline): API routes then answer 503.
Reply handle(const Request& request, PipelineControl* control);

// {"error": why} with the status.
Reply error_reply(int status, const std::string& why);

}  // namespace sonoflow::web_viewer
