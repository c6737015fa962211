#include <catch2/catch.hpp>

#include <cmath>

#include "helpers.hpp"
#include "phantom_presets.hpp"

using namespace sonoflow::sim;

TEST_CASE("knee phantom: anechoic effusion, bright cortex with a shadow, fibrillar tendon") {
  auto s = testing::scenario_with({});
  REQUIRE(s.phantom.name == "knee_suprapatellar");
  auto scatterers = generate_scatterers(s.phantom, s.scatterers, s.probe.elevation_sigma_mm, 7);
  CHECK(scatterers.size() >= 100000);  // the benchmark configuration's minimum
  size_t in_effusion = 0, under_cortex = 0, in_tendon = 0;
  for (auto& p : scatterers) {
    const double u = (p.x_mm - 1.0) / 15.0, v = (p.z_mm - 17.5) / 3.2;
    if (u * u + v * v < 0.95) ++in_effusion;
    const double cortex = 25.0 + 0.02 * p.x_mm + 0.004 * p.x_mm * p.x_mm;
    if (p.z_mm > cortex + 0.4) ++under_cortex;
    if (p.z_mm > 5.5 && p.z_mm < 9.5) ++in_tendon;
  }
  CHECK(in_effusion == 0);
  CHECK(under_cortex == 0);
  CHECK(in_tendon > 10000);
}

TEST_CASE("hip phantom stays inside the convex probe's sector") {
  auto s = testing::scenario_with({{"preset", std::string("hip_anterior")}});
  REQUIRE(s.probe.convex());
  auto scatterers = generate_scatterers(s.phantom, 50000, s.probe.elevation_sigma_mm, 3);
  const double R = s.probe.radius_mm, half_angle = s.probe.elements * s.probe.pitch_mm / 2 / R;
  for (auto& p : scatterers) REQUIRE(std::abs(std::atan2(p.x_mm, p.z_mm + R)) <= half_angle + 1e-6);
}

TEST_CASE("the same seed draws the same phantom; another seed another") {
  auto s = testing::scenario_with({{"preset", std::string("cyst")}});
  auto a = generate_scatterers(s.phantom, 20000, 0.4, 11);
  auto b = generate_scatterers(s.phantom, 20000, 0.4, 11);
  auto c = generate_scatterers(s.phantom, 20000, 0.4, 12);
  REQUIRE(a.size() == b.size());
  CHECK(std::equal(a.begin(), a.end(), b.begin(), [](auto& p, auto& q) {
    return p.x_mm == q.x_mm && p.z_mm == q.z_mm && p.amplitude == q.amplitude;
  }));
  CHECK((a.size() != c.size() || a[0].x_mm != c[0].x_mm));
}

TEST_CASE("scenario parameters override the preset and refuse impossible values") {
  auto s = testing::scenario_with({{"depth_mm", 50.0}, {"needle_angle_deg", 45.0},
                                   {"target_mm", std::vector<double>{-3, 20}}});
  CHECK(s.phantom.depth_mm == 50);
  CHECK(s.needle.angle_deg == 45);
  CHECK(s.needle.target_mm[0] == -3);
  CHECK(s.angles_deg == std::vector<double>{-8, 0, 8});  // kept from the preset
  CHECK_THROWS_WITH(testing::scenario_with({{"needle_angle_deg", 10.0}}),
                    "needle_angle_deg must be between 20 and 60 deg (or 0 for the preset's)");
  CHECK_THROWS_WITH(testing::scenario_with({{"target_mm", std::vector<double>{0, 55}}}),
                    "target_mm depth must lie inside the image (0 < z < 40 mm)");
}
