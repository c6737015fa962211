// Where the viewer listens and who may talk to it. A viewer on the loopback address is
// reachable only from this machine; anywhere else every request (and the WebSocket) must
// carry a token, so that a viewer started on a ward network does not hand the pipeline's
// controls to whoever finds the port.
#pragma once

#include <cstdint>
#include <string>

namespace sonoflow::web_viewer {

struct ListenAddress {
  std::string host;   // as given: an IP address or a host name
  uint16_t port = 0;  // 0: the system picks a free port
  bool loopback = false;
};

// Parses "HOST:PORT" ("127.0.0.1:8080", "[::1]:0", "0.0.0.0:8080", "localhost:8080").
// Throws std::invalid_argument naming what is wrong.
ListenAddress parse_listen(const std::string& text);

// 128 random bits as 32 hex digits, from the system's random source.
std::string random_token();

// The token a request carries: `?token=` in the URI, or an `Authorization: Bearer <t>`
// or `X-SonoFlow-Token` header (given here as the header values, empty when absent).
std::string token_of(const std::string& uri, const std::string& authorization,
                     const std::string& token_header);

// True when `given` equals `expected` (an empty `expected`: no token needed). Compared in
// time independent of where the strings first differ, so timing cannot reveal the token.
bool token_matches(const std::string& expected, const std::string& given);

// True when a request may come from `origin` (its Origin header; empty for programs,
// which send none) to the server the browser calls `host` (its Host header): only the
// viewer's own page. Another web site open in the same browser must not read the images
// over the WebSocket or change parameters, which loopback alone does not prevent.
bool same_origin(const std::string& origin, const std::string& host);

}  // namespace sonoflow::web_viewer
