#include "broadcaster.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <utility>

namespace sonoflow::igtl_server {
namespace {

// How often the accept thread looks at the stop flag (and reaps finished clients).
constexpr unsigned long kAcceptPollMs = 100;
// At stop, how long clients get to take what is still queued (the farewell STATUS)
// before they are disconnected.
constexpr std::chrono::milliseconds kFarewellGrace{500};

// SIGPIPE raised by a send() is directed at the sending thread: blocked there, it stays
// pending instead of ending the process (see broadcaster.hpp).
void block_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Takes a pending SIGPIPE off this thread, so none is left for an unblocking later.
void consume_sigpipe() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  const timespec no_wait{0, 0};
  while (sigtimedwait(&set, nullptr, &no_wait) == SIGPIPE) {
  }
}

}  // namespace

struct Broadcaster::Client {
  PeerSocket::Pointer socket;
  std::string name;
  std::mutex mutex;  // guards mailbox and closing
  std::condition_variable wake;
  std::deque<std::pair<std::string, Packed>> mailbox;  // at most one entry per channel
  bool closing = false;
  bool finished = false;  // guarded by Broadcaster::clients_mutex_
  std::thread thread;
};

Broadcaster::Broadcaster(Options options) : options_(std::move(options)) {
  listener_ = Listener::New();
  if (const int error = listener_->open(options_.port); error != 0) {
    std::string text = "cannot listen for OpenIGTLink clients on port " +
                       std::to_string(options_.port) + ": " + std::strerror(error);
    if (error == EADDRINUSE)
      text += " (another OpenIGTLink server, e.g. a 3D Slicer server connector or another "
              "igtl_server, holds it; choose another port, or port: 0 for a free one)";
    else if (error == EACCES)
      text += " (ports below 1024 need privileges; OpenIGTLink's usual port is 18944)";
    throw std::runtime_error(text);
  }
  port_ = listener_->GetServerPort();
  acceptor_ = std::thread(&Broadcaster::accept_loop, this);
}

Broadcaster::~Broadcaster() { stop(); }

void Broadcaster::log(const std::string& text) const {
  if (options_.log) options_.log(text);
}

void Broadcaster::accept_loop() {
  block_sigpipe();  // inherited by the sender threads started here
  while (!stopping_) {
    auto peer = listener_->accept_peer(kAcceptPollMs);
    reap(false);
    if (!peer) continue;
    peer->SetSendTimeout(options_.client_timeout_ms);
    const std::string name = peer->peer_name();
    std::unique_lock lock(clients_mutex_);
    if (stopping_) break;
    const auto active = std::count_if(clients_.begin(), clients_.end(),
                                      [](const auto& c) { return !c->finished; });
    if (active >= options_.max_clients) {
      lock.unlock();
      ++refused_;  // counted before the client can see the connection close
      if (options_.refusal && !peer->Send(options_.refusal->data(),
                                          static_cast<int>(options_.refusal->size())))
        consume_sigpipe();
      peer->CloseSocket();
      log("refused client " + name + ": already serving " +
          std::to_string(options_.max_clients) + " (max_clients)");
      continue;
    }
    auto client = std::make_unique<Client>();
    client->socket = peer;
    client->name = name;
    if (options_.greeting) client->mailbox.emplace_back("status", options_.greeting);
    Client& ref = *client;
    clients_.push_back(std::move(client));
    ref.thread = std::thread(&Broadcaster::send_loop, this, std::ref(ref));
    ++served_;
    log("client " + name + " connected (" + std::to_string(active + 1) + " now)");
  }
}

void Broadcaster::send_loop(Client& client) {
  block_sigpipe();
  enum class Ending { stopped, timed_out, lost } ending = Ending::stopped;
  for (;;) {
    Packed message;
    {
      std::unique_lock lock(client.mutex);
      client.wake.wait(lock, [&] { return !client.mailbox.empty() || client.closing; });
      if (client.mailbox.empty()) break;  // closing, everything sent
      message = std::move(client.mailbox.front().second);
      client.mailbox.pop_front();
    }
    errno = 0;
    if (client.socket->Send(message->data(), static_cast<int>(message->size()))) {
      ++sent_;
      continue;
    }
    const int error = errno;
    consume_sigpipe();
    if (error == EAGAIN || error == EWOULDBLOCK) {
      ending = Ending::timed_out;
      log("client " + client.name + " accepted nothing for " +
          std::to_string(options_.client_timeout_ms) + " ms (client_timeout_ms): disconnected");
    } else if (!stopping_) {
      ending = Ending::lost;
      log("client " + client.name + " went away (" +
          (error ? std::string(std::strerror(error)) : std::string("closed")) + ")");
    }
    client.socket->shutdown_both();
    break;
  }
  {
    // Counted together with `finished`, so stats() never sees a client both timed out
    // (or lost) and still connected.
    std::lock_guard lock(clients_mutex_);
    if (ending == Ending::timed_out) ++timed_out_;
    if (ending == Ending::lost) ++lost_;
    client.finished = true;
  }
  client_finished_.notify_all();
}

void Broadcaster::publish(const std::string& channel, const Packed& message) {
  if (!message) return;
  std::lock_guard lock(clients_mutex_);
  for (auto& client : clients_) {
    if (client->finished) continue;
    {
      std::lock_guard client_lock(client->mutex);
      if (client->closing) continue;
      auto& box = client->mailbox;
      auto it = std::find_if(box.begin(), box.end(),
                             [&](const auto& entry) { return entry.first == channel; });
      if (it != box.end()) {
        it->second = message;  // the client has not taken the older one yet
        ++dropped_;
      } else {
        box.emplace_back(channel, message);
      }
    }
    client->wake.notify_one();
  }
}

void Broadcaster::reap(bool all) {
  std::list<std::unique_ptr<Client>> done;
  {
    std::lock_guard lock(clients_mutex_);
    for (auto it = clients_.begin(); it != clients_.end();) {
      auto next = std::next(it);
      if (all || (*it)->finished) done.splice(done.end(), clients_, it);
      it = next;
    }
  }
  // Joined outside the lock: a finishing thread takes it to say so.
  for (auto& client : done) {
    client->thread.join();
    client->socket->CloseSocket();
  }
}

void Broadcaster::stop(const Packed& farewell) {
  if (stopping_.exchange(true)) return;
  if (acceptor_.joinable()) acceptor_.join();
  std::unique_lock lock(clients_mutex_);
  for (auto& client : clients_) {
    {
      std::lock_guard client_lock(client->mutex);
      if (farewell) client->mailbox.emplace_back("status", farewell);
      client->closing = true;
    }
    client->wake.notify_one();
  }
  const auto all_finished = [&] {
    return std::all_of(clients_.begin(), clients_.end(),
                       [](const auto& c) { return c->finished; });
  };
  client_finished_.wait_for(lock, kFarewellGrace, all_finished);
  for (auto& client : clients_)
    if (!client->finished) client->socket->shutdown_both();  // wakes a blocked send()
  lock.unlock();
  reap(true);
  listener_->CloseSocket();
}

Broadcaster::Stats Broadcaster::stats() const {
  Stats s;
  s.clients_served = served_;
  s.clients_refused = refused_;
  s.clients_timed_out = timed_out_;
  s.clients_lost = lost_;
  s.messages_sent = sent_;
  s.messages_dropped = dropped_;
  std::lock_guard lock(clients_mutex_);
  s.clients_connected = static_cast<uint64_t>(std::count_if(
      clients_.begin(), clients_.end(), [](const auto& c) { return !c->finished; }));
  return s;
}

}  // namespace sonoflow::igtl_server
