// Where the injectate goes: distension of a compartment, displacement of solid tissue.
#include <catch2/catch.hpp>
#include <cmath>

#include "injection.hpp"
#include "phantom_presets.hpp"

using namespace sonoflow::sim;

TEST_CASE("a distended compartment gains the fluid's central cross-section, pi r^2") {
  const EllipseShape recess{1, 17.5, 15, 3.2};
  for (double r : {0.5, 2.0, 6.2}) {
    const double d = distension_mm(recess, r);
    const double gained = M_PI * ((15 + d) * (3.2 + d) - 15 * 3.2);
    CHECK(gained == Approx(M_PI * r * r).epsilon(1e-9));
  }
  CHECK(distension_mm(recess, 0) == Approx(0).margin(1e-12));
}

TEST_CASE("injected into the knee's recess, the fluid displaces the tissue at its wall first") {
  const Phantom knee = knee_suprapatellar();
  REQUIRE(compartment_at(knee, {1, 17.5}));
  CHECK_FALSE(compartment_at(knee, {1, 8}));  // tendon: solid tissue
  // Just above the recess (its top at 14.3 mm), far out along it, deep in the fat, bone.
  const std::vector<Scatterer> points{{1, 0, 14.0f, 1}, {14, 0, 17.5f, 1}, {1, 0, 23.0f, 1},
                                      {1, 0, 26.0f, 1}};
  const auto r = displacement_radius_mm(knee, points, {1, 17.5});
  const EllipseShape recess{1, 17.5, 15, 3.2};
  CHECK(distension_mm(recess, r[0]) == Approx(0.3).margin(1e-6));  // 0.3 mm above the wall
  CHECK(r[1] == Approx(0).margin(1e-3));                            // inside: was never tissue
  CHECK(distension_mm(recess, r[2]) == Approx(2.3).margin(1e-6));
  CHECK(std::isinf(r[3]));  // femoral cortex: bone does not give way
}

TEST_CASE("injected into solid tissue, the fluid pools as a sphere around the tip") {
  const Phantom knee = knee_suprapatellar();
  const std::vector<Scatterer> points{{1, 0.5f, 8.0f, 1}, {4, 0, 8.0f, 1}};
  const auto r = displacement_radius_mm(knee, points, {1, 8});
  CHECK(r[0] == Approx(0.5));
  CHECK(r[1] == Approx(3.0));
}
