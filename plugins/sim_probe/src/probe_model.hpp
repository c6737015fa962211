// Probe models of the simulator: element layout, pulse and sampling of a linear MSK array
// and a convex array for the hip, as presets whose every field can be overridden.
#pragma once

#include <memory>
#include <string>

#include "sonoflow/frames.hpp"

namespace sonoflow::sim {

struct ProbeModel {
  std::string name;
  int elements = 128;
  double pitch_mm = 0.3;
  double element_width_mm = 0.27;
  double radius_mm = 0;  // 0: linear array; else the convex array's radius of curvature
  double center_frequency_hz = 7.6e6;
  double fractional_bandwidth = 0.75;  // -6 dB bandwidth / centre frequency
  double sampling_rate_hz = 4 * 7.6e6;
  double elevation_sigma_mm = 0.4;  // Gaussian elevation beam profile (slice thickness)

  bool convex() const { return radius_mm > 0; }
  // Element positions (mm) and normal angles in the probe frame: for a convex array the
  // elements lie on an arc through the origin, curving away from the body (z <= 0).
  std::shared_ptr<ProbeGeometry> geometry() const;
  // Pulse: Gaussian envelope whose -6 dB bandwidth matches fractional_bandwidth.
  double pulse_sigma_s() const;
  double wavelength_mm(double sound_speed_m_per_s) const {
    return sound_speed_m_per_s * 1e3 / center_frequency_hz;
  }
};

// 128 elements, 0.30 mm pitch, 7.6 MHz, 75 % bandwidth, sampled at 4x the centre frequency.
ProbeModel linear_msk();
// 128 elements, 0.508 mm pitch, 49.6 mm radius, 3.6 MHz, sampled at 4x the centre frequency.
ProbeModel convex_hip();

}  // namespace sonoflow::sim
