// The two clocks of SonoFlow: the steady clock (monotonic, ns) for acquisition and trace
// times and latency, and the wall clock (UTC, ns since the Unix epoch) for recordings and
// OpenIGTLink timestamps.
#pragma once

#include <chrono>
#include <cstdint>

namespace sonoflow {

inline int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline int64_t utc_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sonoflow
