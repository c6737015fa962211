// Lock-free statistics the runtime keeps per node: counters and a log-bucketed histogram
// of durations (HDR-style: 8 sub-buckets per power of two, so any percentile is within
// about 6 % of the true value). Recording is a couple of relaxed atomic adds, cheap enough
// for every frame of every node.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace sonoflow {

class DurationHistogram {
 public:
  void record(int64_t ns);
  // The p-th percentile (0..100) in ns; 0 when empty.
  double percentile_ns(double p) const;
  int64_t max_ns() const { return max_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  static constexpr int kSubBits = 3;
  static constexpr int kBuckets = 64 << kSubBits;
  static int bucket_of(uint64_t ns);
  static double bucket_middle_ns(int bucket);
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<int64_t> max_{0};
};

// A counter written by one thread at a time (a serial node) or by several (a concurrent
// node, a device emitting from callbacks); read at any time by the status display.
class Counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

}  // namespace sonoflow
