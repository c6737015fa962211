// A minimal Chrome DevTools Protocol client (Poco WebSocket): enough to evaluate
// JavaScript in a page and take a screenshot.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/WebSocket.h>

#include <memory>
#include <string>

namespace viewer_test {

class Cdp {
 public:
  // ws_url: a target's webSocketDebuggerUrl, ws://127.0.0.1:PORT/devtools/page/ID.
  explicit Cdp(const std::string& ws_url);
  // Sends one command and returns its "result"; throws with the protocol's error.
  Poco::JSON::Object::Ptr call(const std::string& method, Poco::JSON::Object::Ptr params = nullptr);
  // Evaluates `expression` in the page (promises awaited); throws on a JavaScript exception.
  Poco::Dynamic::Var evaluate(const std::string& expression);

 private:
  std::string receive_message();
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
  std::unique_ptr<Poco::Net::WebSocket> ws_;
  int next_id_ = 1;
};

// The webSocketDebuggerUrl of the page target whose URL starts with `url_prefix`, from
// http://127.0.0.1:devtools_port/json/list; empty while the page is not there yet.
std::string page_target(uint16_t devtools_port, const std::string& url_prefix);

}  // namespace viewer_test
