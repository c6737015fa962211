// Internals of the runtime, shared by runtime.cpp and its tests only.
#pragma once

#include <tbb/flow_graph.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "sonoflow/framework/runtime.hpp"
#include "sonoflow/framework/stats.hpp"

namespace sonoflow {
class PipelineControl;
}

namespace sonoflow::detail {

// control.cpp: the graph, statistics and live parameters for nodes that offer remote
// control (Context::control()).
std::unique_ptr<PipelineControl> make_pipeline_control(Runtime& runtime);

// Bounds the frames one source has inside the graph. A frame holds a slot from its emit
// until the last message derived from it is gone; a full gate blocks the source, which is
// lossless backpressure at the cost of one counter per source frame, not per hop. One
// atomic word (count + closed bit) with C++20 wait/notify: no lock on the hot path, and a
// futex wake only when a source may be waiting.
class SourceGate {
 public:
  explicit SourceGate(int limit) : limit_(static_cast<uint32_t>(limit)) {}
  bool acquire();  // false once closed
  void release();
  void close();

 private:
  static constexpr uint32_t kClosed = 1u << 31;
  std::atomic<uint32_t> state_{0};
  const uint32_t limit_;
};

// Held by every message derived from one source frame; the last one out frees the slot.
class Ticket {
 public:
  explicit Ticket(SourceGate* gate) : gate_(gate) {}
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;
  ~Ticket() { gate_->release(); }

 private:
  SourceGate* gate_;
};

class LatestSlot;

// What travels on the graph's edges. `producer`/`port` tell the consumer which of its
// inputs the frame is for; a message with `wake` set asks the consumer to take the newest
// frame from a latest-edge slot instead. `order` numbers a serial producer's messages
// 1, 2, 3...: oneTBB may hand two consecutive outputs of a serial node to its successor
// in swapped order (it schedules the next input before forwarding the current output),
// and consumers use the number to restore the order. 0: no order (concurrent producers).
struct Msg {
  FramePtr frame;
  std::shared_ptr<Ticket> ticket;
  LatestSlot* wake = nullptr;
  uint64_t order = 0;
  uint32_t producer = 0;
  uint32_t port = 0;
};

class RtNode;

// A one-slot, drop-oldest buffer in front of a consumer: the consumer is woken once and
// then takes whatever is newest. Every frame replaced before it was taken is a drop.
class LatestSlot {
 public:
  LatestSlot(RtNode* consumer, size_t in_port) : consumer_(consumer), in_port_(in_port) {}
  void push(const Msg& msg);
  std::optional<Msg> take();
  size_t in_port() const { return in_port_; }

 private:
  std::mutex mutex_;
  std::optional<Msg> msg_;
  bool wake_pending_ = false;
  RtNode* consumer_;
  size_t in_port_;
};

}  // namespace sonoflow::detail
