// The monitor on synthetic speckle: the state machine, and a dark disc growing around the
// tip in solid tissue, measured against pi r^2.
#include <catch2/catch.hpp>
#include <cmath>

#include "synthetic.hpp"

using namespace sonoflow::injectate;
using namespace sonoflow::injectate::test;

namespace {

constexpr PointMm kTarget{0, 20};
constexpr uint64_t kTissueSeed = 42;

cv::Mat tissue_with_pocket(double radius_mm, uint64_t frame) {
  if (radius_mm <= 0) return speckle_image(tissue_without({}), kTissueSeed, frame);
  return speckle_image(tissue_without({{kTarget[0], kTarget[1], radius_mm, radius_mm}}), kTissueSeed, frame);
}

// Frames before the first monitored one: the first frame at rest sets where the tip rests,
// then arming (the last arming frame already counts towards the baseline), averaging.
int frames_to_monitor(const Settings& s) {
  return s.arm_frames + s.baseline_frames - 1;
}

}  // namespace

TEST_CASE("no monitoring before the tip reaches the target, then after arming and the baseline") {
  Monitor monitor;
  const auto g = test_geometry();
  uint64_t frame = 0;
  // The needle on its way: fluid already there (a dark disc), but the tip is 10 mm off.
  for (int i = 0; i < 12; ++i) {
    const auto m = monitor.process(tissue_with_pocket(3, frame++), g, needle_at({8, 14}, kTarget));
    CHECK_FALSE(m.monitored);
    CHECK(monitor.state() == State::idle);
  }
  // Not detected at all: still idle.
  NeedleInput lost;
  lost.has_target = true;
  lost.target_mm = kTarget;
  CHECK_FALSE(monitor.process(tissue_with_pocket(0, frame++), g, lost).monitored);
  // At the target: armed after arm_frames, monitoring once the baseline is averaged.
  const int needed = frames_to_monitor(monitor.settings());
  for (int i = 0; i < needed; ++i) {
    const auto m = monitor.process(tissue_with_pocket(0, frame++), g, needle_at({0.5, 20.3}, kTarget));
    CHECK_FALSE(m.monitored);
  }
  CHECK(monitor.state() == State::armed);
  const auto m = monitor.process(tissue_with_pocket(0, frame++), g, needle_at({0.5, 20.3}, kTarget));
  CHECK(m.monitored);
  CHECK(monitor.state() == State::monitoring);
  CHECK_FALSE(m.present);  // nothing injected yet
  CHECK(m.area_mm2 < 1);
}

TEST_CASE("the tip moving during the baseline sends the monitor back to idle") {
  Monitor monitor;
  const auto g = test_geometry();
  for (int i = 0; i < monitor.settings().arm_frames + 1; ++i)
    monitor.process(tissue_with_pocket(0, i), g, needle_at(kTarget, kTarget));
  REQUIRE(monitor.state() == State::armed);
  const auto m = monitor.process(tissue_with_pocket(0, 9), g, needle_at({5, 15}, kTarget));
  CHECK_FALSE(m.monitored);
  CHECK(monitor.state() == State::idle);
  REQUIRE(m.warnings.size() == 1);
  CHECK(m.warnings[0].find("tip moved") != std::string::npos);
}

TEST_CASE("a dark disc growing around the tip in speckle: its area within 5 % of pi r^2") {
  Monitor monitor;
  const auto g = test_geometry();
  uint64_t frame = 0;
  for (int i = 0; i <= frames_to_monitor(monitor.settings()); ++i)
    monitor.process(tissue_with_pocket(0, frame++), g, needle_at(kTarget, kTarget));
  REQUIRE(monitor.state() == State::monitoring);
  CHECK(monitor.compartment_area_mm2() == 0);  // solid tissue: no compartment
  for (double r : {2.0, 3.0, 4.0, 5.5}) {
    const auto m = monitor.process(tissue_with_pocket(r, frame++), g, needle_at(kTarget, kTarget));
    const double truth_mm2 = M_PI * r * r;
    INFO("r " << r << " mm: measured " << m.area_mm2 << " mm2, pi r^2 " << truth_mm2);
    CHECK(m.present);
    CHECK(std::abs(m.area_mm2 - truth_mm2) < 0.05 * truth_mm2);
    CHECK(m.contained);  // a disc around the tip in tissue is where the fluid should be
    REQUIRE(m.warnings.size() == 1);
    CHECK(m.warnings[0].find("pooling in tissue") != std::string::npos);
    CHECK(m.min_mm[0] == Approx(kTarget[0] - r).margin(0.4));
    CHECK(m.max_mm[1] == Approx(kTarget[1] + r).margin(0.4));
    CHECK(m.outline_mm.size() >= 8);
  }
}

TEST_CASE("without a target a tip standing still arms the monitor") {
  Monitor monitor;
  const auto g = test_geometry();
  uint64_t frame = 0;
  // Moving 1 mm per frame: never armed.
  for (int i = 0; i < 10; ++i)
    CHECK_FALSE(monitor.process(tissue_with_pocket(0, frame++), g, needle_at({-10 + i * 1.0, 20})).monitored);
  // Resting at (0, 20): monitored after arming and the baseline, then the pocket is seen.
  for (int i = 0; i <= frames_to_monitor(monitor.settings()); ++i)
    monitor.process(tissue_with_pocket(0, frame++), g, needle_at({0, 20}));
  const auto m = monitor.process(tissue_with_pocket(4, frame++), g, needle_at({0, 20}));
  CHECK(m.monitored);
  CHECK(m.area_mm2 == Approx(M_PI * 16).epsilon(0.05));
  REQUIRE_FALSE(m.warnings.empty());
  CHECK(m.warnings.back().find("pooling in tissue") != std::string::npos);
}
