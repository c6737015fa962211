#include <catch2/catch.hpp>

#include <cmath>

#include "helpers.hpp"
#include "reference_synth.hpp"

using namespace sonoflow::sim;

namespace {

// The sample where channel `ch` of transmit `t` peaks (largest magnitude).
size_t peak_sample(const std::vector<float>& rf, const Acquisition& acq, size_t t, size_t ch) {
  const float* row = rf.data() + (t * acq.channel_count() + ch) * acq.sample_count;
  size_t best = 0;
  for (size_t i = 1; i < acq.sample_count; ++i)
    if (std::abs(row[i]) > std::abs(row[best])) best = i;
  return best;
}

void check_point_delays(const std::string& probe, std::vector<double> angles, double x, double z) {
  auto scenario = testing::scenario_with({{"preset", std::string("point_targets")},
                                          {"probe", probe},
                                          {"angles_deg", angles}});
  const Synthesizer synth(make_acquisition(scenario));
  const auto& acq = synth.acquisition();
  const Scatterer point{static_cast<float>(x), 0, static_cast<float>(z), 1};
  ImpulseField field(acq);
  synth.deposit(std::span(&point, 1), 1.0f, field);
  std::vector<float> rf(acq.values(), 0.0f);
  synth.convolve_add(field, rf);
  const double c = acq.physics.sound_speed_mm_per_s;
  for (size_t t = 0; t < acq.transmits.size(); ++t)
    for (size_t ch = 0; ch < acq.channel_count(); ch += 7) {
      const auto& e = acq.elements[ch];
      const double delay_s = transmit_time_s(acq.transmits[t], x, z, c) + std::hypot(x - e.x_mm, z - e.z_mm) / c;
      const double expected = (delay_s - acq.start_time_s) * acq.sampling_rate_hz;
      INFO(probe << " transmit " << acq.transmits[t].angle_deg << " deg, channel " << ch);
      // The largest sample is the carrier crest nearest the envelope peak: within one
      // sample of the analytic delay at 4 samples per period.
      CHECK(std::abs(static_cast<double>(peak_sample(rf, acq, t, ch)) - expected) <= 1.0);
    }
}

}  // namespace

TEST_CASE("a point scatterer lands on each channel at the analytic two-way delay") {
  check_point_delays("linear_msk", {-8, 0, 8}, 3.0, 22.0);
  check_point_delays("convex_hip", {-10, 0, 10}, -6.0, 45.0);
}

TEST_CASE("the fast synthesizer matches the sample-by-sample reference") {
  auto scenario = testing::scenario_with({{"preset", std::string("cyst")}, {"angles_deg", std::vector<double>{-6, 5}}});
  Acquisition acq = make_acquisition(scenario);
  acq.elements.resize(24);  // a sub-aperture keeps the reference quick
  const Synthesizer synth(acq);
  std::vector<Scatterer> diffuse;
  for (int i = 0; i < 200; ++i)
    diffuse.push_back({static_cast<float>(-8 + 0.08 * i), static_cast<float>(0.002 * (i % 7)),
                       static_cast<float>(5 + 0.15 * i), static_cast<float>(i % 3 ? 1.0 : -0.7)});
  std::vector<SpecularScatterer> specular;
  for (int i = 0; i < 40; ++i) {
    SpecularScatterer s;
    s.x_mm = static_cast<float>(4 - 0.2 * i);
    s.z_mm = static_cast<float>(10 + 0.12 * i);
    s.specular_amplitude = 2;
    s.diffuse_amplitude = 0.1f;
    s.normal_x = -0.5f;
    s.normal_z = 0.866f;
    s.extra_delay_s = static_cast<float>((i % 3) * 1e-6);
    specular.push_back(s);
  }
  ImpulseField field(acq);
  synth.deposit(diffuse, 1.0f, field);
  synth.deposit(specular, field);
  std::vector<float> fast(acq.values(), 0.0f);
  synth.convolve_add(field, fast);
  std::vector<double> reference;
  reference_rf(acq, diffuse, specular, reference);
  double error = 0, power = 0;
  for (size_t i = 0; i < fast.size(); ++i) {
    error += (fast[i] - reference[i]) * (fast[i] - reference[i]);
    power += reference[i] * reference[i];
  }
  REQUIRE(power > 0);
  // Sub-sample envelope interpolation is the only approximation (the carrier phase is
  // exact): a few percent of RMS at 4 samples per period.
  CHECK(std::sqrt(error / power) < 0.03);
}

TEST_CASE("reverberations as delayed copies of the impulses match explicit sources") {
  auto scenario = testing::scenario_with({{"angles_deg", std::vector<double>{0, 10}}});
  const Synthesizer synth(make_acquisition(scenario));
  const auto& acq = synth.acquisition();
  auto state = needle_at(scenario.needle, 4.0);
  auto echo = needle_echo(scenario.needle, state, scenario.probe.wavelength_mm(1540),
                          acq.physics.sound_speed_mm_per_s);
  echo.bevel.clear();
  REQUIRE(echo.shaft.size() > 100);
  REQUIRE(echo.reverberations.size() > 1);

  ImpulseField shaft(acq), copies(acq), direct(acq);
  synth.deposit(echo.shaft, shaft);
  for (const auto& r : echo.reverberations) synth.add_delayed(shaft, r.delay_s, r.gain, copies);
  synth.deposit(explicit_sources(echo), direct);
  std::vector<float> a(acq.values(), 0.0f), b(acq.values(), 0.0f);
  synth.convolve_add(copies, a);
  synth.convolve_add(direct, b);
  double error = 0, power = 0;
  for (size_t i = 0; i < a.size(); ++i) error += (a[i] - b[i]) * (a[i] - b[i]), power += b[i] * b[i];
  REQUIRE(power > 0);
  // Copies place the envelope to the nearest sample (the phase stays exact).
  CHECK(std::sqrt(error / power) < 0.1);
}
