#include "needle.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sonoflow::sim {

namespace {

constexpr double kPi = std::numbers::pi;
// Echo strengths are relative to tissue: a speckle scatterer has reflectivity ~1 (skin 1.6,
// bone cortex 6 at 6x the density). Steel reflects far more than tissue scatters: the
// pressure reflection coefficient R = (Z2 - Z1) / (Z2 + Z1) is 0.93 for stainless steel
// (45.7 MRayl) against soft tissue (1.63 MRayl), 0.65 for cortical bone (7.8 MRayl).
// The mirror part, summed coherently over the quarter-wavelength points, is what a beam
// steered perpendicular to the shaft sees; with plane-wave imaging only the elements near
// the mirror direction receive it coherently, so it adds a little where it lands in the
// receive aperture, and it fades as the needle gets steeper (README: measured figures).
// NeedleParams::specular, 1.2 by default (`needle_specular`).
// A ground steel shaft is not a perfect mirror: its surface roughness scatters in every
// direction with random phase from point to point, so that part images like tissue with
// the full aperture and ends where the shaft ends. Its RMS makes a 30 deg needle, steered
// [0, 15, 30] deg, 6-16 dB brighter than the speckle around it (knee: bright tendon above,
// fat below; measured on the B-mode image, README), and ~9 dB below the bone cortex's echo.
// Simplification: taken independent of the angle (a real rough surface backscatters less
// at grazing incidence), so only the mirror part fades with steepness here.
// NeedleParams::roughness, 3.0 by default (`needle_roughness`).
constexpr double kBevelDiffuse = 5.0;   // the bevel's edges scatter strongly everywhere
constexpr int kReverberations = 4;      // comet tail: echoes bouncing inside the shaft
constexpr double kReverbDecay = 0.45;   // amplitude kept per bounce

// A standard normal draw that depends only on (seed, i): the roughness is a property of
// the needle's surface, so a point keeps its value from frame to frame.
double surface_draw(uint64_t seed, uint64_t i) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + i * 0xD1B54A32D192ED03ull + 0x632BE59BD9B4E019ull;
  auto next = [&z] {
    z += 0x9E3779B97F4A7C15ull;
    uint64_t x = z;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return (static_cast<double>((x ^ (x >> 31)) >> 11) + 0.5) * 0x1.0p-53;  // (0, 1)
  };
  const double u1 = next(), u2 = next();
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);  // Box-Muller
}

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
    // Counted from the tip backwards: the shaft slides through the tissue but a point of
    // its surface is fixed to the needle, so the pattern moves with the tip.
    sc.specular_amplitude = static_cast<float>(p.specular);
    sc.diffuse_amplitude = static_cast<float>(p.roughness * surface_draw(p.seed, points - i));
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
