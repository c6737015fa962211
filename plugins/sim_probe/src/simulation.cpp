#include "simulation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "injection.hpp"

namespace sonoflow::sim {

namespace {

// int16 headroom: the static echo's RMS (after TGC) lands here, leaving ~27 dB for
// specular bone and needle echoes before saturation.
constexpr double kTargetRms = 1500;

double rms(const std::vector<float>& v, const std::vector<float>& gain, size_t samples) {
  double sum = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    const double x = v[i] * gain[i % samples];
    sum += x * x;
  }
  return v.empty() ? 0 : std::sqrt(sum / v.size());
}

}  // namespace

Acquisition make_acquisition(const Scenario& s) {
  Acquisition acq;
  auto geometry = s.probe.geometry();
  acq.elements = elements_of(*geometry);
  for (double a : s.angles_deg)
    acq.transmits.push_back({static_cast<float>(a), static_cast<float>(s.probe.convex() ? -s.probe.radius_mm : 0)});
  acq.physics.sound_speed_mm_per_s = s.sound_speed_m_per_s * 1e3;
  acq.physics.center_frequency_hz = s.probe.center_frequency_hz;
  acq.physics.element_width_mm = s.probe.element_width_mm;
  acq.physics.attenuation_db_per_mm_mhz = s.attenuation_db_per_cm_mhz / 10;
  acq.physics.elevation_sigma_mm = s.probe.elevation_sigma_mm;
  acq.sampling_rate_hz = s.probe.sampling_rate_hz;
  acq.pulse_sigma_s = s.probe.pulse_sigma_s();
  acq.start_time_s = 0;
  // Long enough for the deepest point's echo to reach the farthest element on the most
  // steered transmit, plus the pulse's tail.
  double longest_mm = 0;
  const double x_reach = std::max(std::abs(s.phantom.x_min_mm), std::abs(s.phantom.x_max_mm));
  for (const auto& t : acq.transmits)
    for (double x : {-x_reach, x_reach}) {
      const double tx = transmit_time_s(t, x, s.phantom.depth_mm, 1.0);
      for (const auto& e : acq.elements)
        longest_mm = std::max(longest_mm, tx + std::hypot(x - e.x_mm, s.phantom.depth_mm - e.z_mm));
    }
  const double longest_s = longest_mm / acq.physics.sound_speed_mm_per_s + 4 * acq.pulse_sigma_s;
  acq.sample_count = static_cast<uint32_t>(std::ceil(longest_s * acq.sampling_rate_hz));
  return acq;
}

Simulation::Simulation(Scenario scenario)
    : scenario_(std::move(scenario)),
      geometry_(scenario_.probe.geometry()),
      synth_(make_acquisition(scenario_)),
      dynamic_(synth_.acquisition()),
      shaft_(synth_.acquisition()) {
  const auto& acq = synth_.acquisition();
  tissue_ = generate_scatterers(scenario_.phantom, scenario_.scatterers,
                                scenario_.probe.elevation_sigma_mm, scenario_.seed);
  // The static tissue echo, once per transmit: everything that does not move.
  ImpulseField field(acq);
  synth_.deposit(tissue_, 1.0f, field);
  static_rf_.assign(acq.values(), 0.0f);
  synth_.convolve_add(field, static_rf_);

  gain_ = scenario_.tgc ? tgc_gain(acq) : std::vector<float>(acq.sample_count, 1.0f);
  const double signal_rms = rms(static_rf_, std::vector<float>(acq.sample_count, 1.0f), acq.sample_count);
  const double shown_rms = rms(static_rf_, gain_, acq.sample_count);
  noise_sigma_ = signal_rms > 0 ? signal_rms * std::pow(10.0, -scenario_.snr_db / 20) : 0;
  scale_ = shown_rms > 0 ? kTargetRms / shown_rms : 1;

  if (scenario_.needle.enabled && scenario_.needle.injection_rate_ul_per_s > 0) {
    const auto pooled = needle_at(scenario_.needle, 1e9).fluid_center_mm;
    distance_mm_ = displacement_radius_mm(scenario_.phantom, tissue_, pooled);
    by_distance_.resize(tissue_.size());
    std::iota(by_distance_.begin(), by_distance_.end(), 0u);
    std::sort(by_distance_.begin(), by_distance_.end(),
              [&](uint32_t a, uint32_t b) { return distance_mm_[a] < distance_mm_[b]; });
  }
}

// The injectate replaces the tissue it fills (a pocket in solid tissue, or the distended
// wall of a compartment: injection.hpp): those scatterers stop echoing. The fluid only
// grows, so each scatterer is removed once, from the cached static echo.
void Simulation::displace_tissue(const NeedleState& needle) {
  if (!needle.injecting) return;
  std::vector<Scatterer> leaving;
  while (displaced_ < by_distance_.size() &&
         distance_mm_[by_distance_[displaced_]] < needle.fluid_radius_mm)
    leaving.push_back(tissue_[by_distance_[displaced_++]]);
  if (leaving.empty()) return;
  dynamic_.clear();
  synth_.deposit(leaving, -1.0f, dynamic_);
  synth_.convolve_add(dynamic_, static_rf_);
}

// Each plane-wave transmit's echoes scaled by the element directivity at its steering
// angle: the wave an array steers to a leaves each element in direction a. Before the
// noise, which is the receiver's. Diverging waves (convex) leave every element in a
// different direction around its normal: left at full amplitude.
void Simulation::apply_transmit_directivity() {
  const auto& acq = synth_.acquisition();
  const size_t per_transmit = acq.channel_count() * acq.sample_count;
  for (size_t t = 0; t < acq.transmits.size(); ++t) {
    if (acq.transmits[t].virtual_source_z_mm != 0) continue;
    const double a = acq.transmits[t].angle_deg * M_PI / 180;
    const float d = static_cast<float>(acq.physics.directivity(std::sin(a), std::cos(a)));
    if (d == 1.0f) continue;
    for (size_t i = t * per_transmit; i < (t + 1) * per_transmit; ++i) rf_[i] *= d;
  }
}

void Simulation::synthesize(double time_s, uint64_t frame_index, std::vector<int16_t>& samples,
                            NeedleState& needle) {
  const auto& acq = synth_.acquisition();
  needle = needle_at(scenario_.needle, time_s);
  displace_tissue(needle);
  rf_ = static_rf_;
  if (scenario_.needle.enabled) {
    const auto echo = needle_echo(scenario_.needle, needle,
                                  scenario_.probe.wavelength_mm(scenario_.sound_speed_m_per_s),
                                  acq.physics.sound_speed_mm_per_s);
    // The shaft once; its reverberations as delayed copies of its impulses, which is the
    // same sum as depositing every bounce, for a fraction of the work.
    shaft_.clear();
    synth_.deposit(echo.shaft, shaft_);
    dynamic_.clear();
    for (const auto& r : echo.reverberations) synth_.add_delayed(shaft_, r.delay_s, r.gain, dynamic_);
    synth_.deposit(echo.bevel, dynamic_);
    synth_.convolve_add(dynamic_, rf_);
  }
  if (scenario_.transmit_directivity) apply_transmit_directivity();
  add_noise(rf_, acq, noise_sigma_, scenario_.seed, frame_index);
  quantize(rf_, gain_, scale_, acq, samples);
}

}  // namespace sonoflow::sim
