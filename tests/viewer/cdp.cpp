#include "cdp.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>

#include <sstream>
#include <stdexcept>

#include "http.hpp"

namespace viewer_test {

Cdp::Cdp(const std::string& ws_url) {
  Poco::URI uri(ws_url);
  session_ = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
  Poco::Net::HTTPRequest request("GET", uri.getPathEtc(), Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::HTTPResponse response;
  ws_ = std::make_unique<Poco::Net::WebSocket>(*session_, request, response);
  ws_->setReceiveTimeout(Poco::Timespan(60, 0));
  ws_->setMaxPayloadSize(256 << 20);  // screenshots arrive as one base64 message
}

std::string Cdp::receive_message() {
  std::string message;
  Poco::Buffer<char> buffer(0);
  for (;;) {
    int flags = 0;
    buffer.resize(0);
    const int n = ws_->receiveFrame(buffer, flags);
    if (n <= 0 && (flags & Poco::Net::WebSocket::FRAME_OP_BITMASK) == Poco::Net::WebSocket::FRAME_OP_CLOSE)
      throw std::runtime_error("the browser closed the DevTools connection");
    message.append(buffer.begin(), buffer.size());
    if (flags & Poco::Net::WebSocket::FRAME_FLAG_FIN) return message;
  }
}

Poco::JSON::Object::Ptr Cdp::call(const std::string& method, Poco::JSON::Object::Ptr params) {
  const int id = next_id_++;
  Poco::JSON::Object command;
  command.set("id", id);
  command.set("method", method);
  command.set("params", params ? params : Poco::JSON::Object::Ptr(new Poco::JSON::Object));
  std::ostringstream text;
  command.stringify(text);
  const std::string s = text.str();
  ws_->sendFrame(s.data(), static_cast<int>(s.size()), Poco::Net::WebSocket::FRAME_TEXT);
  for (;;) {  // events arrive in between; the reply carries our id
    auto reply = Poco::JSON::Parser().parse(receive_message()).extract<Poco::JSON::Object::Ptr>();
    if (!reply->has("id") || reply->getValue<int>("id") != id) continue;
    if (reply->has("error")) {
      std::ostringstream e;
      reply->getObject("error")->stringify(e);
      throw std::runtime_error(method + " failed: " + e.str());
    }
    return reply->getObject("result");
  }
}

Poco::Dynamic::Var Cdp::evaluate(const std::string& expression) {
  Poco::JSON::Object::Ptr params = new Poco::JSON::Object;
  params->set("expression", expression);
  params->set("returnByValue", true);
  params->set("awaitPromise", true);
  auto result = call("Runtime.evaluate", params);
  if (result->has("exceptionDetails")) {
    std::ostringstream e;
    result->getObject("exceptionDetails")->stringify(e);
    throw std::runtime_error("'" + expression + "' threw: " + e.str());
  }
  auto value = result->getObject("result");
  return value->has("value") ? value->get("value") : Poco::Dynamic::Var();
}

std::string page_target(uint16_t devtools_port, const std::string& url_prefix) {
  Response r = http(devtools_port, "GET", "/json/list");
  if (r.status != 200) return {};
  auto targets = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Array::Ptr>();
  for (unsigned i = 0; i < targets->size(); ++i) {
    auto t = targets->getObject(i);
    if (t->optValue<std::string>("type", "") == "page" &&
        t->optValue<std::string>("url", "").rfind(url_prefix, 0) == 0)
      return t->optValue<std::string>("webSocketDebuggerUrl", "");
  }
  return {};
}

}  // namespace viewer_test
