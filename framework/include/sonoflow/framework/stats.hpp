// Lock-free statistics the runtime keeps per node: counters and a log-bucketed histogram
// of durations (HDR-style: 8 sub-buckets per power of two, so any percentile is within
// about 6 % of the true value). Recording is a couple of relaxed atomic adds, cheap enough
// for every frame of every node.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

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

// When one node had one frame: steady-clock times around its process() call.
struct TraceEntry {
  uint32_t source_id = 0;
  uint64_t sequence = 0;
  int64_t entry_ns = 0, exit_ns = 0;
};

// The recent timed frames of one node, for a frame's trace through the pipeline. Frames
// stay immutable: their trace lives here, keyed by (source, sequence), not in the frame.
// Only timed frames are written (see the runtime's sampling), so the lock is taken at
// most once per frame of a node that is slow enough for it not to matter.
class TraceRing {
 public:
  static constexpr size_t kCapacity = 1024;
  void add(const TraceEntry& entry);
  std::optional<TraceEntry> find(uint32_t source_id, uint64_t sequence) const;

 private:
  mutable std::mutex mutex_;
  std::vector<TraceEntry> entries_ = std::vector<TraceEntry>(kCapacity);
  size_t written_ = 0;
};

}  // namespace sonoflow
