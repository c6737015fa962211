// Geometry of an rf frame and the default output grid: the parts of the beamformer that
// run once per frame (or once per probe) rather than per pixel (demodulate.cpp: the rf).
#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "das_core.hpp"

namespace sonoflow::das {

void Grid::pixel_mm(uint32_t column, uint32_t row, double& x_mm, double& z_mm) const {
  const double c = column_origin + column * column_step, rho = row_origin_mm + row * row_step_mm;
  if (polar) {
    x_mm = rho * std::sin(c);
    z_mm = apex_z_mm + rho * std::cos(c);
  } else {
    x_mm = c;
    z_mm = rho;
  }
}

Geometry Geometry::of(const RfFrame& rf, double sound_speed_m_per_s_override) {
  if (auto error = rf.check(); !error.empty()) throw std::invalid_argument(error);
  Geometry g;
  const auto& probe = *rf.probe;
  for (size_t e = 0; e < probe.element_positions_mm.size(); ++e) {
    g.element_x_mm.push_back(probe.element_positions_mm[e][0]);
    g.element_z_mm.push_back(probe.element_positions_mm[e][2]);
    g.element_normal_rad.push_back(
        e < probe.element_normal_angles_rad.size() ? probe.element_normal_angles_rad[e] : 0.f);
  }
  if (g.channels() != rf.channel_count)
    throw std::invalid_argument("rf frame has " + std::to_string(rf.channel_count) +
                                " channels but its probe " + std::to_string(g.channels()) +
                                " elements");
  g.transmits = rf.transmits;
  g.sampling_rate_hz = rf.sampling_rate_hz;
  g.start_time_s = rf.start_time_s;
  g.center_frequency_hz = probe.center_frequency_hz;
  const double c =
      sound_speed_m_per_s_override > 0 ? sound_speed_m_per_s_override : rf.sound_speed_m_per_s;
  g.sound_speed_mm_per_s = c * 1e3;
  g.sample_count = rf.sample_count;
  return g;
}

Grid default_grid(const Geometry& g, double max_depth_mm) {
  const double lambda_mm = g.sound_speed_mm_per_s / g.center_frequency_hz;
  // Deepest point whose echo straight below the array is recorded (two-way).
  const double recorded_mm =
      (g.start_time_s + g.sample_count / g.sampling_rate_hz) * g.sound_speed_mm_per_s / 2;
  const double depth_mm = std::max(1.0, std::min(max_depth_mm, recorded_mm));
  const auto [xmin, xmax] = std::minmax_element(g.element_x_mm.begin(), g.element_x_mm.end());
  Grid grid;
  const bool convex = std::any_of(g.element_normal_rad.begin(), g.element_normal_rad.end(),
                                  [](float a) { return a != 0; });
  grid.row_step_mm = lambda_mm / 4;
  if (!convex) {
    grid.column_step = lambda_mm / 2;
    grid.column_origin = *xmin;
    grid.columns = static_cast<uint32_t>(std::floor((*xmax - *xmin) / grid.column_step)) + 1;
    grid.row_origin_mm = 0;
    grid.rows = static_cast<uint32_t>(std::floor(depth_mm / grid.row_step_mm)) + 1;
    return grid;
  }
  // Convex: the centre of curvature from the middle element's position and normal.
  const size_t mid = g.channels() / 2;
  const double phi = g.element_normal_rad[mid];
  const double radius_mm = std::abs(g.element_x_mm[mid] / (std::sin(phi) != 0 ? std::sin(phi) : 1));
  const auto [amin, amax] =
      std::minmax_element(g.element_normal_rad.begin(), g.element_normal_rad.end());
  grid.polar = true;
  grid.apex_z_mm = -radius_mm;
  grid.column_step = lambda_mm / 2 / radius_mm;  // lambda/2 of arc at the skin
  grid.column_origin = *amin;
  grid.columns = static_cast<uint32_t>(std::floor((*amax - *amin) / grid.column_step)) + 1;
  grid.row_origin_mm = radius_mm;
  grid.rows = static_cast<uint32_t>(std::floor(depth_mm / grid.row_step_mm)) + 1;
  return grid;
}

}  // namespace sonoflow::das
