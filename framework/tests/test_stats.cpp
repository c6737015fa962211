#include <catch2/catch.hpp>

#include "sonoflow/framework/stats.hpp"

using namespace sonoflow;

TEST_CASE("histogram percentiles are within the bucket resolution") {
  DurationHistogram h;
  CHECK(h.percentile_ns(50) == 0);
  for (int64_t v = 1; v <= 10000; ++v) h.record(v * 1000);  // 1 us .. 10 ms, uniform
  CHECK(h.count() == 10000);
  CHECK(h.max_ns() == 10'000'000);
  // 8 sub-buckets per octave: a value is off by at most 1/16 of itself.
  CHECK(h.percentile_ns(50) == Approx(5'000'000).epsilon(0.07));
  CHECK(h.percentile_ns(99) == Approx(9'900'000).epsilon(0.07));
  CHECK(h.percentile_ns(100) <= h.max_ns());
}

TEST_CASE("histogram keeps small values exact and clamps negative ones") {
  DurationHistogram h;
  h.record(3);
  h.record(-5);
  CHECK(h.percentile_ns(100) == Approx(3.5).margin(0.5));
  CHECK(h.percentile_ns(1) == Approx(0.5).margin(0.5));
}
