#include "probe_model.hpp"

#include <cmath>
#include <numbers>

namespace sonoflow::sim {

ProbeModel linear_msk() {
  ProbeModel p;
  p.name = "linear_msk";
  p.elements = 128;
  p.pitch_mm = 0.30;
  p.element_width_mm = 0.27;
  p.center_frequency_hz = 7.6e6;
  p.fractional_bandwidth = 0.75;
  p.sampling_rate_hz = 4 * p.center_frequency_hz;
  p.elevation_sigma_mm = 0.4;
  return p;
}

ProbeModel convex_hip() {
  ProbeModel p;
  p.name = "convex_hip";
  p.elements = 128;
  p.pitch_mm = 0.508;
  p.element_width_mm = 0.46;
  p.radius_mm = 49.6;
  p.center_frequency_hz = 3.6e6;
  p.fractional_bandwidth = 0.7;
  p.sampling_rate_hz = 4 * p.center_frequency_hz;
  p.elevation_sigma_mm = 0.9;
  return p;
}

std::shared_ptr<ProbeGeometry> ProbeModel::geometry() const {
  auto g = std::make_shared<ProbeGeometry>();
  g->model = name;
  g->element_width_mm = static_cast<float>(element_width_mm);
  g->center_frequency_hz = static_cast<float>(center_frequency_hz);
  g->fractional_bandwidth = static_cast<float>(fractional_bandwidth);
  g->radius_mm = static_cast<float>(radius_mm);
  for (int i = 0; i < elements; ++i) {
    const double offset_mm = (i - (elements - 1) / 2.0) * pitch_mm;
    if (!convex()) {
      g->element_positions_mm.push_back({static_cast<float>(offset_mm), 0, 0});
      g->element_normal_angles_rad.push_back(0);
      continue;
    }
    const double phi = offset_mm / radius_mm;  // arc length / radius
    g->element_positions_mm.push_back({static_cast<float>(radius_mm * std::sin(phi)), 0,
                                       static_cast<float>(-radius_mm * (1 - std::cos(phi)))});
    g->element_normal_angles_rad.push_back(static_cast<float>(phi));
  }
  return g;
}

double ProbeModel::pulse_sigma_s() const {
  // Gaussian spectrum exp(-(f-fc)^2 / (2 sf^2)) falls to half amplitude at
  // |f-fc| = sf * sqrt(2 ln 2); the -6 dB bandwidth is twice that.
  const double bandwidth_hz = fractional_bandwidth * center_frequency_hz;
  const double sigma_f = bandwidth_hz / (2 * std::sqrt(2 * std::numbers::ln2));
  return 1 / (2 * std::numbers::pi * sigma_f);
}

}  // namespace sonoflow::sim
