#include "server.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/String.h>
#include <Poco/ThreadPool.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "api.hpp"
#include "messages.hpp"

namespace sonoflow::web_viewer {
namespace {

using namespace std::chrono_literals;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;
using Poco::Net::WebSocket;

constexpr auto kStatsPeriod = 500ms;
// How long a client thread sleeps at most before it looks at the socket and the stop
// flag again: bounds how long stop() waits.
constexpr auto kPollPeriod = 100ms;
// A client that has not taken a frame for this long is dropped instead of holding a
// server thread forever.
constexpr auto kSendTimeout = 5s;
constexpr int kMaxClients = 8;      // WebSockets at once; each holds a server thread
constexpr int kServerThreads = 16;  // WebSockets plus concurrent API requests

void send_reply(HTTPServerResponse& response, const Reply& reply, bool head) {
  response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(reply.status));
  response.setContentType(reply.content_type);
  response.set("Cache-Control", "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  if (!reply.allow.empty()) response.set("Allow", reply.allow);
  response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
  auto& out = response.send();
  if (!head) out << reply.body;
}

void send_text(WebSocket& ws, const std::string& text) {
  ws.sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
}

// Reads what the page sends (nothing but pings and the close) without waiting.
// Returns false once the client has gone.
bool drain_incoming(WebSocket& ws) {
  char buffer[1024];
  while (ws.poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ)) {
    int flags = 0;
    const int n = ws.receiveFrame(buffer, sizeof buffer, flags);
    const int op = flags & WebSocket::FRAME_OP_BITMASK;
    if (n <= 0 || op == WebSocket::FRAME_OP_CLOSE) return false;
    if (op == WebSocket::FRAME_OP_PING)
      ws.sendFrame(buffer, n, static_cast<int>(WebSocket::FRAME_FLAG_FIN) | WebSocket::FRAME_OP_PONG);
  }
  return true;
}

class PushHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit PushHandler(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    if (state_->clients.fetch_add(1) >= kMaxClients) {
      state_->clients.fetch_sub(1);
      send_reply(response, error_reply(503, "too many viewers connected (at most " +
                                                std::to_string(kMaxClients) + ")"), false);
      return;
    }
    try {
      WebSocket ws(request, response);
      ws.setSendTimeout(Poco::Timespan(std::chrono::microseconds(kSendTimeout).count()));
      push(ws);
      ws.shutdown();
    } catch (const Poco::Exception&) {
      // The client went away or refused to upgrade: nothing to tell anyone.
    } catch (const std::exception& e) {
      std::cerr << "web_viewer: a page's connection ended: " << e.what() << std::endl;
    }
    state_->clients.fetch_sub(1);
  }

 private:
  void push(WebSocket& ws) {
    ServerState& s = *state_;
    uint64_t sent_version = 0, sent_needle = 0;
    auto next_stats = std::chrono::steady_clock::now();
    auto next_frame = next_stats;
    while (!s.stopping && !s.latest.closed()) {
      if (!drain_incoming(ws)) return;
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_stats && s.control) {
        send_text(ws, stats_message(s.control->stats_json()));
        next_stats = now + kStatsPeriod;
      }
      if (s.latest.needle_version() != sent_needle) {
        sent_needle = s.latest.needle_version();
        if (auto needle = s.latest.needle()) send_text(ws, needle_json(*needle));
      }
      if (now >= next_frame && s.latest.version() != sent_version) {
        auto image = s.latest.encoded(s.push.format.load(), s.push.jpeg_quality.load());
        if (image) {
          send_text(ws, image->geometry_json);
          ws.sendFrame(image->bytes.data(), static_cast<int>(image->bytes.size()),
                       WebSocket::FRAME_BINARY);
          sent_version = image->version;
          const double max_fps = s.push.max_fps.load();
          next_frame = now + std::chrono::microseconds(static_cast<int64_t>(1e6 / max_fps));
        }
      }
      // Sleep until a new frame, the next frame slot or the next stats, whichever is first.
      auto wake = std::min(next_stats, now + kPollPeriod);
      if (next_frame > now) wake = std::min(wake, next_frame);
      if (next_frame > now)
        std::this_thread::sleep_until(wake);
      else
        s.latest.wait_newer(sent_version, std::chrono::duration_cast<std::chrono::milliseconds>(
                                              wake - std::chrono::steady_clock::now()));
    }
  }
  std::shared_ptr<ServerState> state_;
};

class RouteHandler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RouteHandler(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}
  void handleRequest(HTTPServerRequest& request, HTTPServerResponse& response) override {
    Request r{request.getMethod(), request.getURI(), {}};
    // A known length, so that a body is never read beyond the limit.
    if (request.getContentLength() > static_cast<std::streamsize>(kMaxBodyBytes) ||
        (request.getContentLength() == HTTPServerRequest::UNKNOWN_CONTENT_LENGTH &&
         request.getChunkedTransferEncoding())) {
      send_reply(response, error_reply(413, "request body too large or of unknown length; at "
                                            "most " + std::to_string(kMaxBodyBytes) + " bytes"),
                 false);
      return;
    }
    if (request.getContentLength() > 0) {
      r.body.resize(static_cast<size_t>(request.getContentLength()));
      request.stream().read(r.body.data(), static_cast<std::streamsize>(r.body.size()));
      r.body.resize(static_cast<size_t>(request.stream().gcount()));
    }
    send_reply(response, handle(r, state_->control), request.getMethod() == "HEAD");
  }

 private:
  std::shared_ptr<ServerState> state_;
};

class Refuse final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Refuse(Reply reply) : reply_(std::move(reply)) {}
  void handleRequest(HTTPServerRequest&, HTTPServerResponse& response) override {
    send_reply(response, reply_, false);
  }

 private:
  Reply reply_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(std::shared_ptr<ServerState> state) : state_(std::move(state)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const HTTPServerRequest& request) override {
    const std::string given = token_of(request.getURI(), request.get("Authorization", ""),
                                       request.get("X-SonoFlow-Token", ""));
    if (!token_matches(state_->token, given))
      return new Refuse(error_reply(401, given.empty()
                                             ? "this viewer needs its access token: add ?token=… "
                                               "(printed when the viewer started)"
                                             : "wrong access token"));
    if (!same_origin(request.get("Origin", ""), request.getHost()))
      return new Refuse(error_reply(403, "cross-origin request refused: only the viewer's own "
                                         "page may use this server"));
    const bool upgrade = Poco::icompare(request.get("Upgrade", ""), "websocket") == 0;
    std::string path = request.getURI().substr(0, request.getURI().find('?'));
    if (path == "/ws") {
      if (!upgrade) return new Refuse(error_reply(400, "/ws is a WebSocket; connect with one"));
      return new PushHandler(state_);
    }
    return new RouteHandler(state_);
  }

 private:
  std::shared_ptr<ServerState> state_;
};

}  // namespace

Server::Server(const ListenAddress& address, std::shared_ptr<ServerState> state)
    : state_(std::move(state)) {
  state_->stopping = false;  // a node may start again after a stop
  state_->latest.reopen();
  Poco::Net::ServerSocket socket;
  try {
    socket.bind(Poco::Net::SocketAddress(address.host, address.port), true);
    socket.listen();
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + address.host + ":" +
                             std::to_string(address.port) + ": " + e.displayText());
  }
  port_ = socket.address().port();
  pool_ = std::make_unique<Poco::ThreadPool>(2, kServerThreads);
  auto params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(kServerThreads);
  params->setMaxQueued(64);
  params->setKeepAlive(true);
  http_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(state_), *pool_, socket, params);
  http_->start();
}

Server::~Server() { stop(); }

void Server::stop() {
  if (!http_) return;
  state_->stopping = true;
  state_->latest.close();
  http_->stopAll(true);
  pool_->joinAll();  // every handler has returned: none touches the node or the pipeline
  http_.reset();
  pool_.reset();
}

}  // namespace sonoflow::web_viewer
