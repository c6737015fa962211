#include "needle.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sonoflow::sim {

namespace {

constexpr double kPi = std::numbers::pi;
// Relative echo strengths: tissue speckle has reflectivity ~1, bone cortex 6.
constexpr double kShaftSpecular = 2.5;  // per quarter-wavelength point, summed coherently
constexpr double kShaftDiffuse = 0.12;  // what a rough shaft sends back in every direction
constexpr double kBevelDiffuse = 5.0;   // the bevel's edges scatter strongly everywhere
constexpr int kReverberations = 4;      // comet tail: echoes bouncing inside the shaft
constexpr double kReverbDecay = 0.45;   // amplitude kept per bounce

}  // namespace

double NeedleParams::outer_diameter_mm() const {
  // Outer diameters of hypodermic needles, 18 G to 27 G.
  static const double table[] = {1.270, 1.067, 0.908, 0.819, 0.718, 0.641, 0.565, 0.514, 0.462, 0.413};
  return table[std::clamp(gauge, 18, 27) - 18];
}

NeedleState needle_at(const NeedleParams& p, double time_s) {
  NeedleState s;
  const double a = p.angle_deg * kPi / 180;
  s.direction = {-p.side * std::cos(a), std::sin(a)};
  // The entry is where the straight line through the target meets the skin.
  const double entry_x = p.target_mm[0] + p.side * p.target_mm[1] / std::tan(a);
  const double path_mm = p.target_mm[1] / std::sin(a);
  const double reach_s = path_mm / p.speed_mm_per_s;
  s.inserted_mm = std::min(time_s * p.speed_mm_per_s, path_mm);
  s.at_target = time_s >= reach_s;

  // Hand tremor: a physiological 8-12 Hz component and a slower drift, perpendicular to
  // the shaft; phases from the seed so that runs differ by seed and repeat by seed.
  const double phase1 = std::fmod(p.seed * 0.6180339887, 1.0) * 2 * kPi;
  const double phase2 = std::fmod(p.seed * 0.4142135623, 1.0) * 2 * kPi;
  const double wobble = p.tremor_mm * (0.7 * std::sin(2 * kPi * 9.3 * time_s + phase1) +
                                       0.3 * std::sin(2 * kPi * 1.7 * time_s + phase2));
  const double nx = -s.direction[1], nz = s.direction[0];  // in-plane normal of the shaft
  s.entry_mm = {entry_x + wobble * nx, 0, 0};
  const double elevation = std::tan(p.out_of_plane_deg * kPi / 180);
  s.tip_mm = {entry_x + s.direction[0] * s.inserted_mm + wobble * nx,
              s.inserted_mm * elevation,
              s.direction[1] * s.inserted_mm + wobble * nz};

  const double injection_s = time_s - reach_s - p.dwell_s;
  if (s.at_target && injection_s > 0 && p.injection_rate_ul_per_s > 0) {
    s.injecting = true;
    s.volume_ul = std::min(p.injection_volume_ul, injection_s * p.injection_rate_ul_per_s);
    // A spherical pocket: 1 ul = 1 mm^3.
    s.fluid_radius_mm = std::cbrt(3 * s.volume_ul / (4 * kPi));
    s.fluid_center_mm = {entry_x + s.direction[0] * path_mm, s.direction[1] * path_mm};
  }
  return s;
}

NeedleEcho needle_echo(const NeedleParams& p, const NeedleState& s, double wavelength_mm,
                       double c_mm_per_s) {
  NeedleEcho echo;
  if (!p.enabled || s.inserted_mm <= 0) return echo;
  const float nx = static_cast<float>(-s.direction[1]), nz = static_cast<float>(s.direction[0]);
  const double step_mm = wavelength_mm / 4;
  const int points = static_cast<int>(s.inserted_mm / step_mm);
  for (int i = 0; i < points; ++i) {
    const double f = static_cast<double>(i) / std::max(points, 1);  // 0 at entry, 1 at tip
    SpecularScatterer sc;
    sc.x_mm = static_cast<float>(s.entry_mm[0] + f * (s.tip_mm[0] - s.entry_mm[0]));
    sc.y_mm = static_cast<float>(f * s.tip_mm[1]);
    sc.z_mm = static_cast<float>(s.entry_mm[2] + f * (s.tip_mm[2] - s.entry_mm[2]));
    sc.specular_amplitude = static_cast<float>(kShaftSpecular);
    sc.diffuse_amplitude = static_cast<float>(kShaftDiffuse);
    sc.normal_x = nx;
    sc.normal_z = nz;
    echo.shaft.push_back(sc);
  }
  // Each bounce across the lumen adds the outer diameter twice to the path.
  const double bounce_s = 2 * p.outer_diameter_mm() / c_mm_per_s;
  for (int k = 0; k <= kReverberations; ++k)
    echo.reverberations.push_back({k * bounce_s, static_cast<float>(std::pow(kReverbDecay, k))});
  SpecularScatterer bevel;
  bevel.x_mm = static_cast<float>(s.tip_mm[0]);
  bevel.y_mm = static_cast<float>(s.tip_mm[1]);
  bevel.z_mm = static_cast<float>(s.tip_mm[2]);
  bevel.diffuse_amplitude = static_cast<float>(kBevelDiffuse);
  bevel.normal_x = nx;
  bevel.normal_z = nz;
  echo.bevel.push_back(bevel);
  return echo;
}

std::vector<SpecularScatterer> explicit_sources(const NeedleEcho& echo) {
  std::vector<SpecularScatterer> out;
  for (const auto& r : echo.reverberations)
    for (auto sc : echo.shaft) {
      sc.specular_amplitude *= r.gain;
      sc.diffuse_amplitude *= r.gain;
      sc.extra_delay_s += static_cast<float>(r.delay_s);
      out.push_back(sc);
    }
  out.insert(out.end(), echo.bevel.begin(), echo.bevel.end());
  return out;
}

}  // namespace sonoflow::sim
