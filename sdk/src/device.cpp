#include "sonoflow/device.hpp"

#include <chrono>

namespace sonoflow {

namespace {
constexpr const char* kNotStdException = "an exception that is not a std::exception";
}

ThreadedDevice::~ThreadedDevice() { ThreadedDevice::stop(); }

void ThreadedDevice::start(Context& ctx) {
  stop_requested_ = false;
  thread_ = std::thread([this, &ctx] { loop(ctx); });
}

void ThreadedDevice::stop() {
  stop_requested_ = true;
  if (thread_.joinable()) thread_.join();
}

void ThreadedDevice::loop(Context& ctx) {
  using clock = std::chrono::steady_clock;
  // An exception must never escape this thread (it would terminate the process): it is
  // handed to the runtime, which applies the node's error policy.
  bool started = true;
  try {
    on_start();
  } catch (const std::exception& e) {
    ctx.error(std::string("start of device thread: ") + e.what());
    started = false;
  } catch (...) {
    ctx.error(std::string("start of device thread: ") + kNotStdException);
    started = false;
  }
  // A device that cannot start has nothing to send: its stream ends (under on_error: skip
  // the rest of the pipeline drains and the run ends instead of waiting for it forever).
  if (!started) {
    if (!ctx.stopping()) ctx.end_of_stream();
    return;
  }
  auto next = clock::now();
  while (!stop_requested_ && !ctx.stopping()) {
    ctx.apply_pending_params();
    bool more = true;
    try {
      more = produce(ctx);
    } catch (const std::exception& e) {
      ctx.error(e.what());
    } catch (...) {
      ctx.error(kNotStdException);
    }
    if (!more) {
      if (!ctx.stopping()) ctx.end_of_stream();
      break;
    }
    const double rate_hz = frame_rate_hz();
    if (ctx.fast() || rate_hz <= 0) continue;
    // Pace against an absolute schedule so that the rate does not drift with the time
    // produce() takes; after a stall, resynchronise instead of bursting to catch up.
    next += std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(1.0 / rate_hz));
    const auto now = clock::now();
    if (next < now) {
      next = now;
      continue;
    }
    // Sleep in short slices so stop() is honoured promptly even at low frame rates.
    while (!stop_requested_ && !ctx.stopping() && clock::now() < next)
      std::this_thread::sleep_for(std::min<clock::duration>(next - clock::now(),
                                                            std::chrono::milliseconds(20)));
  }
  try {
    on_stop();
  } catch (const std::exception& e) {
    ctx.error(std::string("stop of device thread: ") + e.what());
  } catch (...) {
    ctx.error(std::string("stop of device thread: ") + kNotStdException);
  }
}

}  // namespace sonoflow
