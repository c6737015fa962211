// ThreadedDevice: the base class for a device that produces frames in a loop on its own
// thread, paced in real time (or as fast as possible under `--fast`). It holds the tricky
// parts (pacing without drift, stop while blocked in emit, parameter changes between
// frames, end of stream) so a probe driver only writes produce().
//
// A device driven by a vendor SDK callback does not need it: derive from Node, call
// ctx.emit() from the callback and ctx.apply_pending_params() between frames.
#pragma once

#include <atomic>
#include <thread>

#include "sonoflow/node.hpp"

namespace sonoflow {

class ThreadedDevice : public Node {
 public:
  ~ThreadedDevice() override;
  void start(Context& ctx) final;
  void stop() final;

 protected:
  // Produces and emits one frame through ctx.emit(). Return false when there is nothing
  // more (end of stream) or when emit() returned false (the pipeline is stopping).
  virtual bool produce(Context& ctx) = 0;
  // The pace in frames per second, read before every frame (so it may be a live
  // parameter). Zero or less: as fast as possible.
  virtual double frame_rate_hz() const = 0;
  // Hooks around the loop, on the device thread.
  virtual void on_start() {}
  virtual void on_stop() {}

 private:
  void loop(Context& ctx);
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace sonoflow
