// The viewer's HTTP and WebSocket server (Poco::Net). Requests are answered by handle()
// (api.hpp) after the token check; a WebSocket at /ws gets, on its own server thread,
// the newest frame as a binary message preceded by its geometry (JSON), the needle
// readouts when they change and the statistics every kStatsPeriod. A client that reads
// slowly only delays itself: it is sent whatever is newest when it is ready again.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "access.hpp"
#include "latest.hpp"
#include "sonoflow/control.hpp"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}
}  // namespace Poco

namespace sonoflow::web_viewer {

// What the client threads read; the node changes the live parts between frames.
struct PushSettings {
  std::atomic<int> jpeg_quality{80};
  std::atomic<double> max_fps{30};
  std::atomic<ImageFormat> format{ImageFormat::jpeg};
};

struct ServerState {
  Latest latest;
  PushSettings push;
  PipelineControl* control = nullptr;
  std::string token;  // empty: none required
  std::atomic<int> clients{0};
  std::atomic<bool> stopping{false};
};

class Server {
 public:
  // Binds and starts serving; throws std::runtime_error naming the address when it cannot.
  Server(const ListenAddress& address, std::shared_ptr<ServerState> state);
  ~Server();  // stop()
  void stop();
  uint16_t port() const { return port_; }

 private:
  std::shared_ptr<ServerState> state_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> http_;
  uint16_t port_ = 0;
};

}  // namespace sonoflow::web_viewer
