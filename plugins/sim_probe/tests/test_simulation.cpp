#include <catch2/catch.hpp>

#include <cmath>

#include "helpers.hpp"

using namespace sonoflow::sim;

namespace {
Scenario small_knee(uint64_t seed) {
  return testing::scenario_with({{"scatterers", int64_t{20000}}, {"seed", static_cast<int64_t>(seed)}});
}
}  // namespace

TEST_CASE("a simulation is deterministic for a given seed") {
  Simulation a(small_knee(5)), b(small_knee(5)), c(small_knee(6));
  std::vector<int16_t> fa, fb, fc;
  NeedleState na, nb, nc;
  a.synthesize(2.5, 75, fa, na);
  b.synthesize(2.5, 75, fb, nb);
  c.synthesize(2.5, 75, fc, nc);
  CHECK(fa == fb);
  CHECK(na.tip_mm == nb.tip_mm);
  CHECK(fa != fc);
}

TEST_CASE("frames carry the scenario's geometry and sensible samples") {
  Simulation sim(small_knee(1));
  const auto& acq = sim.acquisition();
  CHECK(acq.transmits.size() == 3);
  CHECK(acq.channel_count() == 128);
  CHECK(acq.sampling_rate_hz == Approx(4 * 7.6e6));
  // At least 40 mm there and back (the lateral path to far elements adds more).
  CHECK(acq.sample_count > 2 * 40 / 1.54e6 * 30.4e6);
  std::vector<int16_t> samples;
  NeedleState needle;
  sim.synthesize(0.0, 0, samples, needle);
  REQUIRE(samples.size() == acq.values());
  double sum2 = 0;
  for (auto v : samples) sum2 += static_cast<double>(v) * v;
  const double rms = std::sqrt(sum2 / samples.size());
  CHECK(rms > 300);   // quantized with headroom: neither lost in the LSBs...
  CHECK(rms < 5000);  // ...nor saturated
}

TEST_CASE("the injectate displaces the tissue around the tip: its echoes vanish") {
  // In uniform speckle (the cyst phantom, away from its cysts), so that there is tissue to
  // displace; the needle rests at the target in both frames, only the pocket differs.
  auto scenario = testing::scenario_with({{"preset", std::string("cyst")},
                                          {"needle", std::string("on")},
                                          {"target_mm", std::vector<double>{-4, 30}},
                                          {"snr_db", 120.0},
                                          {"needle_speed_mm_s", 50.0},
                                          {"injection_rate_ul_s", 2000.0},
                                          {"dwell_s", 0.5},
                                          {"tremor_mm", 0.0}});
  Simulation sim(scenario);
  const auto& acq = sim.acquisition();
  const double reach_s = 30 / std::sin(30 * M_PI / 180) / 50;  // 60 mm at 50 mm/s
  const size_t channel = 51;  // above x = -4 mm
  auto window_energy = [&](const std::vector<int16_t>& s) {
    const auto sample_at = [&](double depth_mm) {
      return static_cast<size_t>(2 * depth_mm / 1.54e6 * acq.sampling_rate_hz);
    };
    const int16_t* row = s.data() + channel * acq.sample_count;  // the only transmit
    double e = 0;
    for (size_t i = sample_at(26.5); i < sample_at(29.5); ++i) e += static_cast<double>(row[i]) * row[i];
    return e;
  };
  std::vector<int16_t> before, after;
  NeedleState n0, n1;
  sim.synthesize(reach_s + 0.4, 0, before, n0);
  sim.synthesize(reach_s + 1.0, 1, after, n1);
  REQUIRE(n0.at_target);
  REQUIRE_FALSE(n0.injecting);
  REQUIRE(n1.injecting);
  CHECK(n1.volume_ul == Approx(1000));
  CHECK(n1.fluid_radius_mm == Approx(std::cbrt(3000 / (4 * M_PI))));
  // The tissue alone: the same seed without the needle (before the injection nothing
  // differs but the needle).
  auto no_needle = scenario;
  no_needle.needle.enabled = false;
  Simulation tissue_sim(no_needle);
  std::vector<int16_t> tissue;
  NeedleState none;
  tissue_sim.synthesize(reach_s + 0.4, 0, tissue, none);
  // What the pocket removed: the needle is the same in both frames, so it cancels.
  std::vector<int16_t> removed(before.size());
  for (size_t i = 0; i < before.size(); ++i) removed[i] = static_cast<int16_t>(before[i] - after[i]);
  INFO("tissue energy " << window_energy(tissue) << ", removed " << window_energy(removed));
  // Above the tip (26.5-29.5 mm, inside the 6.2 mm pocket) the speckle is gone; what
  // remains on this channel are echoes from off-axis tissue arriving at the same time
  // (channel data is not an image).
  CHECK(window_energy(removed) > 0.4 * window_energy(tissue));
}

TEST_CASE("transmit_directivity scales each steered plane wave by the element directivity") {
  // Noise 120 dB down, no TGC: the rf of each transmit is its echo; off and on differ only
  // by the factor of each angle (quantization aside; the scale is set by the unscaled echo).
  auto frame = [](bool on) {
    Simulation sim(testing::scenario_with({{"scatterers", int64_t{20000}},
                                           {"angles_deg", std::vector<double>{0, 30}},
                                           {"snr_db", 120.0},
                                           {"tgc", false},
                                           {"needle", std::string("off")},
                                           {"transmit_directivity", on}}));
    std::vector<int16_t> samples;
    NeedleState needle;
    sim.synthesize(0.0, 0, samples, needle);
    return samples;
  };
  const auto off = frame(false), on = frame(true);
  REQUIRE(off.size() == on.size());
  const size_t half = off.size() / 2;  // [transmit 0 | transmit 30 deg]
  // Least-squares gain of `on` against `off` over samples clear of int16 saturation (the
  // skin's and the cortex's echoes clip without TGC).
  auto gain = [&](size_t from, size_t to) {
    double on_off = 0, off_off = 0;
    for (size_t i = from; i < to; ++i)
      if (std::abs(off[i]) < 16000) on_off += double(on[i]) * off[i], off_off += double(off[i]) * off[i];
    return on_off / off_off;
  };
  // cos(30) sinc(0.27 mm sin(30) / lambda), lambda = 1540 / 7.6 MHz.
  const double lambda_mm = 1540.0 / 7.6e6 * 1e3, x = M_PI * 0.27 / lambda_mm * 0.5;
  const double expected = std::cos(M_PI / 6) * std::sin(x) / x;
  CHECK(gain(0, half) == Approx(1.0).epsilon(1e-3));
  CHECK(gain(half, off.size()) == Approx(expected).epsilon(0.01));
}
