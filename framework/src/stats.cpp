#include "sonoflow/framework/stats.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace sonoflow {

int DurationHistogram::bucket_of(uint64_t ns) {
  if (ns < (1u << kSubBits)) return static_cast<int>(ns);
  const int exponent = std::bit_width(ns) - 1;  // ns in [2^exponent, 2^(exponent+1))
  const int sub = static_cast<int>((ns >> (exponent - kSubBits)) & ((1 << kSubBits) - 1));
  return ((exponent - kSubBits + 1) << kSubBits) + sub;
}

double DurationHistogram::bucket_middle_ns(int bucket) {
  if (bucket < (1 << kSubBits)) return bucket;
  const int exponent = (bucket >> kSubBits) + kSubBits - 1;
  const int sub = bucket & ((1 << kSubBits) - 1);
  const double width = std::ldexp(1.0, exponent - kSubBits);
  return std::ldexp(1.0, exponent) + (sub + 0.5) * width;
}

void DurationHistogram::record(int64_t ns) {
  if (ns < 0) ns = 0;
  buckets_[bucket_of(static_cast<uint64_t>(ns))].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  int64_t seen = max_.load(std::memory_order_relaxed);
  while (ns > seen && !max_.compare_exchange_weak(seen, ns, std::memory_order_relaxed)) {
  }
}

double DurationHistogram::percentile_ns(double p) const {
  uint64_t total = 0;
  for (auto& b : buckets_) total += b.load(std::memory_order_relaxed);
  if (!total) return 0;
  // Nearest-rank: the smallest value with at least p % of the samples at or below it.
  const auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * static_cast<double>(total)));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= std::max<uint64_t>(rank, 1))
      return std::min(bucket_middle_ns(i), static_cast<double>(max_ns()));
  }
  return static_cast<double>(max_ns());
}

void TraceRing::add(const TraceEntry& entry) {
  std::lock_guard lock(mutex_);
  entries_[written_++ % kCapacity] = entry;
}

std::optional<TraceEntry> TraceRing::find(uint32_t source_id, uint64_t sequence) const {
  std::lock_guard lock(mutex_);
  const size_t count = std::min(written_, kCapacity);
  for (size_t i = 0; i < count; ++i) {
    const auto& e = entries_[(written_ - 1 - i) % kCapacity];  // newest first
    if (e.sequence == sequence && e.source_id == source_id) return e;
  }
  return std::nullopt;
}

}  // namespace sonoflow
