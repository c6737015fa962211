// Broadcaster: the OpenIGTLink server's network side. It accepts clients on its own thread
// and gives each client a sender thread and a mailbox holding at most one message per
// channel (image, overlay, points, ...): publish() replaces an unsent message of the same
// channel (counted as dropped) and never waits for a socket. So a slow client gets fewer,
// newer frames, a stalled client blocks only its own thread, and the pipeline never waits
// for the network.
//
// A client that accepts no bytes for `client_timeout_ms` is disconnected (a message cut
// mid-way cannot be resumed, and a stalled peer would otherwise hold a thread for ever);
// one that vanished is noticed on the next send and removed. SIGPIPE: libopenigtlink sends
// without MSG_NOSIGNAL, so writing to a closed connection raises SIGPIPE, whose default
// action ends the process. Sender threads block SIGPIPE in their own signal mask (the
// signal is directed at the thread that wrote) and consume it after a failed send; the
// process-wide disposition is left alone.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "igtl_messages.hpp"
#include "igtl_sockets.hpp"

namespace sonoflow::igtl_server {

class Broadcaster {
 public:
  struct Options {
    int port = 18944;            // 0: a free port (see port())
    int client_timeout_ms = 5000;
    int max_clients = 8;
    Packed greeting;             // sent first to each new client (a STATUS), may be null
    Packed refusal;              // sent to a client beyond max_clients before closing it
    std::function<void(const std::string&)> log;  // connection events, may be empty
  };
  struct Stats {
    uint64_t clients_served = 0;    // connections accepted and served
    uint64_t clients_refused = 0;   // beyond max_clients
    uint64_t clients_timed_out = 0; // disconnected for accepting nothing in time
    uint64_t clients_lost = 0;      // went away (reset, closed) while being served
    uint64_t messages_sent = 0;     // complete messages written, summed over clients
    uint64_t messages_dropped = 0;  // replaced by a newer one before a client took it
    uint64_t clients_connected = 0; // now
  };

  // Binds and starts accepting; throws std::runtime_error naming the port and the reason.
  explicit Broadcaster(Options options);
  ~Broadcaster();
  Broadcaster(const Broadcaster&) = delete;
  Broadcaster& operator=(const Broadcaster&) = delete;

  int port() const { return port_; }
  // Queues `message` for every connected client under `channel`.
  void publish(const std::string& channel, const Packed& message);
  // Sends `farewell` (may be null) to those that take it within a short grace period,
  // then disconnects everyone and joins every thread. Idempotent.
  void stop(const Packed& farewell = nullptr);
  Stats stats() const;

 private:
  struct Client;
  void accept_loop();
  void send_loop(Client& client);
  void reap(bool all);
  void log(const std::string& text) const;

  Options options_;
  Listener::Pointer listener_;
  int port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};

  mutable std::mutex clients_mutex_;
  std::condition_variable client_finished_;
  std::list<std::unique_ptr<Client>> clients_;

  std::atomic<uint64_t> served_{0}, refused_{0}, timed_out_{0}, lost_{0}, sent_{0},
      dropped_{0};
};

}  // namespace sonoflow::igtl_server
