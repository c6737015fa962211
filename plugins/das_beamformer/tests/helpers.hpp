// Shared by the beamformer tests: rf frames simulated by sim_probe_core, beamforming of a
// grid, and the measurements the quality tests make on the result (peaks, -6 dB widths).
#pragma once

#include <cmath>
#include <complex>
#include <map>
#include <vector>

#include "das_core.hpp"
#include "scenario.hpp"

namespace sonoflow::das::testing {

// A frame of a sim_probe scenario: the node's defaults with `overrides`, no attenuation
// and no TGC (geometry only), thermal noise 120 dB down unless overridden.
inline RfFrame simulate(std::map<std::string, ParamValue> overrides) {
  NodeSpec spec;
  sim::declare_parameters(spec);
  ParamSet params;
  for (auto& p : spec.params) params.set(p.name, p.normalize(p.default_value));
  params.set("snr_db", 120.0);
  params.set("attenuation_db_cm_mhz", 0.0);
  params.set("tgc", false);
  for (auto& [k, v] : overrides) params.set(k, v);
  sim::Simulation sim(sim::make_scenario(params));
  const auto& acq = sim.acquisition();
  RfFrame rf;
  sim::NeedleState needle;
  sim.synthesize(0, 0, rf.samples_int16, needle);
  rf.probe = sim.geometry();
  rf.transmits = acq.transmits;
  rf.channel_count = static_cast<uint32_t>(acq.channel_count());
  rf.sample_count = acq.sample_count;
  rf.sampling_rate_hz = acq.sampling_rate_hz;
  rf.sound_speed_m_per_s = acq.physics.sound_speed_mm_per_s / 1e3;
  rf.start_time_s = acq.start_time_s;
  return rf;
}

inline std::vector<double> angles(int count, double span_deg) {
  std::vector<double> a;
  for (int i = 0; i < count; ++i)
    a.push_back(count == 1 ? 0 : -span_deg / 2 + span_deg * i / (count - 1));
  return a;
}

// A Cartesian grid centred on (x, z), half-widths and steps in mm.
inline Grid window(double x_mm, double z_mm, double half_x_mm, double half_z_mm, double dx_mm,
                   double dz_mm) {
  Grid g;
  g.columns = static_cast<uint32_t>(std::lround(2 * half_x_mm / dx_mm)) + 1;
  g.rows = static_cast<uint32_t>(std::lround(2 * half_z_mm / dz_mm)) + 1;
  g.column_origin = x_mm - half_x_mm, g.column_step = dx_mm;
  g.row_origin_mm = z_mm - half_z_mm, g.row_step_mm = dz_mm;
  return g;
}

inline std::vector<float> envelope(const RfFrame& rf, const Grid& grid, const Settings& s) {
  const Geometry g = Geometry::of(rf);
  Baseband bb;
  demodulate(rf.samples_int16.data(), g, bb);
  std::vector<std::complex<float>> iq(grid.pixels());
  Beamformer().beamform(bb, g, grid, s, iq.data());
  std::vector<float> env(iq.size());
  for (size_t i = 0; i < iq.size(); ++i) env[i] = std::abs(iq[i]);
  return env;
}

struct Peak {
  uint32_t column, row;
  double x_mm, z_mm;
};

inline Peak peak_of(const std::vector<float>& env, const Grid& grid) {
  const size_t at = std::max_element(env.begin(), env.end()) - env.begin();
  Peak p{static_cast<uint32_t>(at % grid.columns), static_cast<uint32_t>(at / grid.columns), 0, 0};
  grid.pixel_mm(p.column, p.row, p.x_mm, p.z_mm);
  return p;
}

// Full width at half amplitude (-6 dB) of a profile through its maximum at `peak`,
// crossings interpolated linearly; `step` is the spacing of the profile.
inline double width_6db(const std::vector<double>& profile, size_t peak, double step) {
  const double half = profile[peak] / 2;
  auto crossing = [&](int dir) {
    for (int i = static_cast<int>(peak); i + dir >= 0 && i + dir < static_cast<int>(profile.size());
         i += dir)
      if (profile[i + dir] < half)
        return (i + (profile[i] - half) / (profile[i] - profile[i + dir]) * dir) * step;
    return std::nan("");
  };
  return crossing(+1) - crossing(-1);
}

inline double lateral_width(const std::vector<float>& env, const Grid& grid, const Peak& p) {
  std::vector<double> row(env.begin() + size_t{p.row} * grid.columns,
                          env.begin() + size_t{p.row + 1} * grid.columns);
  return width_6db(row, p.column, grid.column_step);
}

inline double axial_width(const std::vector<float>& env, const Grid& grid, const Peak& p) {
  std::vector<double> column;
  for (uint32_t r = 0; r < grid.rows; ++r)
    column.push_back(env[size_t{r} * grid.columns + p.column]);
  return width_6db(column, p.row, grid.row_step_mm);
}

// The point_targets preset with `angle_count` plane waves over 20 deg, simulated once per
// test program and angle count (the simulation is the slow part of these tests).
inline const RfFrame& point_targets(int angle_count) {
  static std::map<int, RfFrame> cache;
  auto it = cache.find(angle_count);
  if (it == cache.end())
    it = cache
             .emplace(angle_count, simulate({{"preset", std::string("point_targets")},
                                             {"angles_deg", angles(angle_count, 20)}}))
             .first;
  return it->second;
}

}  // namespace sonoflow::das::testing
