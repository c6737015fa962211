// Containment: fluid distending an anechoic compartment stays contained; fluid escaping
// from it as a lobe into the tissue is a leak, alerted after leak_frames frames.
#include <catch2/catch.hpp>
#include <cmath>

#include "synthetic.hpp"

using namespace sonoflow::injectate;
using namespace sonoflow::injectate::test;

namespace {

constexpr PointMm kTip{1, 20};
const Ellipse kRecess{1, 20, 15, 3.2};  // a suprapatellar recess, as in the knee phantom
constexpr uint64_t kTissueSeed = 7;

// The recess distended by d on every side, for an injected area of pi r^2 (as the
// simulator does): (a + d)(b + d) = ab + r^2.
Ellipse distended(double r_mm) {
  const double s = kRecess.ax + kRecess.az;
  const double d = (-s + std::sqrt(s * s + 4 * r_mm * r_mm)) / 2;
  return {kRecess.cx, kRecess.cz, kRecess.ax + d, kRecess.az + d};
}

Monitor monitoring_the_recess(uint64_t& frame) {
  Monitor monitor;
  const auto g = test_geometry();
  for (int i = 0; i < monitor.settings().arm_frames + monitor.settings().baseline_frames; ++i)
    monitor.process(speckle_image(tissue_without({kRecess}), kTissueSeed, frame++), g, needle_at(kTip, kTip));
  return monitor;
}

}  // namespace

TEST_CASE("fluid distending the recess: area pi r^2 within 10 %, contained, no alert") {
  uint64_t frame = 0;
  Monitor monitor = monitoring_the_recess(frame);
  REQUIRE(monitor.state() == State::monitoring);
  // The baseline compartment is the recess (pi 15 3.2 = 151 mm2).
  CHECK(monitor.compartment_area_mm2() == Approx(M_PI * 15 * 3.2).epsilon(0.06));
  for (double r : {3.0, 4.5, 6.2}) {
    const auto m = monitor.process(speckle_image(tissue_without({distended(r)}), kTissueSeed, frame++),
                                   test_geometry(), needle_at(kTip, kTip));
    const double truth_mm2 = M_PI * r * r;
    INFO("r " << r << " mm: measured " << m.area_mm2 << " mm2, pi r^2 " << truth_mm2 << ", beyond "
              << m.outside_mm2 << " mm2");
    CHECK(std::abs(m.area_mm2 - truth_mm2) < 0.10 * truth_mm2);
    CHECK(m.contained);
    CHECK_FALSE(m.leak_alert);
    CHECK(m.warnings.empty());  // not pooling in tissue: the new fluid is at the wall
  }
}

TEST_CASE("fluid escaping the recess as a lobe: not contained, alert after leak_frames") {
  uint64_t frame = 0;
  Monitor monitor = monitoring_the_recess(frame);
  REQUIRE(monitor.state() == State::monitoring);
  const int leak_frames = monitor.settings().leak_frames;
  // A lobe pushing up from the recess's roof along the needle track into the fat.
  const Ellipse lobe{4, 15.5, 3, 3};
  for (int i = 0; i < leak_frames; ++i) {
    const auto m = monitor.process(speckle_image(tissue_without({kRecess, lobe}), kTissueSeed, frame++),
                                   test_geometry(), needle_at(kTip, kTip));
    INFO("frame " << i << ": area " << m.area_mm2 << " mm2, beyond " << m.outside_mm2 << " mm2");
    CHECK(m.present);
    CHECK_FALSE(m.contained);
    CHECK(m.outside_mm2 > monitor.settings().leak_area_mm2);
    CHECK(m.leak_alert == (i == leak_frames - 1));  // only once it has lasted
    if (m.leak_alert) {
      REQUIRE_FALSE(m.warnings.empty());
      CHECK(m.warnings.front().find("leaking") != std::string::npos);
    }
  }
  // Back inside (the lobe gone): contained again, the alert drops.
  const auto m = monitor.process(speckle_image(tissue_without({distended(3)}), kTissueSeed, frame++),
                                 test_geometry(), needle_at(kTip, kTip));
  CHECK(m.contained);
  CHECK_FALSE(m.leak_alert);
}
