// Receive steering, acceptance angle and group compounding (the needle-enhancement mode):
// defaults change nothing, a specular needle shaft shows only when the receive looks along
// its mirror echo, bad values are refused by name. Agreement with the double-precision
// reference is in test_reference.cpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>

#include "coherence.hpp"
#include "helpers.hpp"
#include "simulation.hpp"

using namespace sonoflow;
using namespace sonoflow::das;

namespace {

constexpr double kLambdaMm = 1.54e6 / 7.6e6;

std::vector<std::complex<float>> beamform(const RfFrame& rf, const Grid& grid, const Settings& s,
                                          Beamformer& bf) {
  const Geometry g = Geometry::of(rf);
  Baseband bb;
  demodulate(rf.samples_int16.data(), g, bb);
  std::vector<std::complex<float>> iq(grid.pixels());
  bf.beamform(bb, g, grid, s, iq.data());
  return iq;
}

std::vector<std::complex<float>> beamform(const RfFrame& rf, const Grid& grid, const Settings& s) {
  Beamformer bf;
  return beamform(rf, grid, s, bf);
}

// A smooth needle in speckle: the cyst phantom (uniform speckle) with a 30 deg 21 G needle
// from the right, tip at (-5, 15) mm, no tremor; transmits -8/0/8 deg and the needle
// transmit at 30 deg (the last record). The shaft is mostly mirror (needle_specular 12,
// needle_roughness 0.5: sim_probe's default needle is mostly rough surface, which images
// from every direction). Geometry only (no attenuation or TGC; noise 60 dB down).
struct SimulatedNeedle {
  RfFrame rf;
  sim::NeedleState needle;
};

const SimulatedNeedle& needle_frame() {
  static const SimulatedNeedle frame = [] {
    NodeSpec spec;
    sim::declare_parameters(spec);
    ParamSet params;
    for (auto& p : spec.params) params.set(p.name, p.normalize(p.default_value));
    params.set("preset", std::string("cyst"));
    params.set("scatterers", int64_t{30000});
    params.set("angles_deg", std::vector<double>{-8, 0, 8, 30});
    params.set("needle", std::string("on"));
    params.set("needle_angle_deg", 30.0);
    params.set("needle_side", std::string("right"));
    params.set("target_mm", std::vector<double>{-5, 15});
    params.set("needle_speed_mm_s", 100.0);
    params.set("tremor_mm", 0.0);
    params.set("injection_volume_ul", 0.0);
    params.set("snr_db", 60.0);
    params.set("needle_specular", 12.0);
    params.set("needle_roughness", 0.5);
    params.set("attenuation_db_cm_mhz", 0.0);
    params.set("tgc", false);
    sim::Simulation sim(sim::make_scenario(params));
    SimulatedNeedle f;
    sim.synthesize(0.6, 0, f.rf.samples_int16, f.needle);  // tip at the target (0.37 s)
    const auto& acq = sim.acquisition();
    f.rf.probe = sim.geometry();
    f.rf.transmits = acq.transmits;
    f.rf.channel_count = static_cast<uint32_t>(acq.channel_count());
    f.rf.sample_count = acq.sample_count;
    f.rf.sampling_rate_hz = acq.sampling_rate_hz;
    f.rf.sound_speed_m_per_s = acq.physics.sound_speed_mm_per_s / 1e3;
    f.rf.start_time_s = acq.start_time_s;
    return f;
  }();
  return frame;
}

// Mean envelope along the true shaft from 2 to 12 mm behind the tip, over that along
// parallel lines 1.5-3 mm on its skin-ward side (speckle), in dB. grid: 0.1 mm pixels.
double shaft_contrast_db(const std::vector<std::complex<float>>& iq, const Grid& grid,
                         const sim::NeedleState& n) {
  const double dx = n.direction[0], dz = n.direction[1];  // along the shaft, into the body
  auto mean_on = [&](double offset_mm) {
    double sum = 0;
    int count = 0;
    for (double s = 2; s <= 12; s += 0.05) {
      const double x = n.tip_mm[0] - s * dx - offset_mm * dz;
      const double z = n.tip_mm[2] - s * dz + offset_mm * dx;
      const long c = std::lround((x - grid.column_origin) / grid.column_step);
      const long r = std::lround((z - grid.row_origin_mm) / grid.row_step_mm);
      if (c < 0 || r < 0 || c >= grid.columns || r >= grid.rows) continue;
      sum += std::abs(iq[size_t(r) * grid.columns + c]), ++count;
    }
    return sum / std::max(count, 1);
  };
  const double shaft = std::max({mean_on(-0.1), mean_on(0), mean_on(0.1)});
  // Skin-ward side only: the comet tail's repeats of the shaft echo lie deeper.
  double background = 0;
  int lines = 0;
  for (double o : {1.5, 2.0, 2.5, 3.0}) background += mean_on(o), ++lines;
  return 20 * std::log10(shaft / (background / lines));
}

}  // namespace

TEST_CASE("steering parameters at their defaults (or all 0 / one group) change nothing") {
  const RfFrame& rf = testing::point_targets(3);
  const Grid grid = testing::window(0, 20, 3, 3, 0.1, 0.05);
  const Settings defaults;
  const auto reference = beamform(rf, grid, defaults);
  Settings explicit_zero = defaults;
  explicit_zero.rx_steer_deg = {0, 0, 0};
  explicit_zero.rx_acceptance_deg = 90;
  explicit_zero.transmit_group = {0, 0, 0};
  CHECK(beamform(rf, grid, explicit_zero) == reference);
  // Envelope compounding of a single group is the coherent compound.
  explicit_zero.group_compounding = Settings::GroupCompounding::envelope_max;
  CHECK(beamform(rf, grid, explicit_zero) == reference);
  // Groups under `coherent` compounding are ignored.
  explicit_zero.transmit_group = {0, 1, 2};
  explicit_zero.group_compounding = Settings::GroupCompounding::coherent;
  CHECK(beamform(rf, grid, explicit_zero) == reference);
}

TEST_CASE("steered receive tables are cached per angle and follow a change of steering") {
  const RfFrame& rf = testing::point_targets(3);
  const Grid grid = testing::window(0, 20, 3, 3, 0.1, 0.05);
  Settings plain, steered;
  steered.rx_steer_deg = {0, 20, 20};
  Beamformer kept;
  const auto first = beamform(rf, grid, plain, kept);
  const size_t plain_bytes = kept.table_bytes();
  const auto again = beamform(rf, grid, steered, kept);  // a second table set (20 deg)
  CHECK(kept.table_bytes() > plain_bytes);
  CHECK(again == beamform(rf, grid, steered));
  CHECK(again != first);
  CHECK(beamform(rf, grid, steered, kept) == again);  // cached: the same again
  steered.rx_steer_deg = {0, 0, 20};
  CHECK(beamform(rf, grid, steered, kept) == beamform(rf, grid, steered));
  CHECK(beamform(rf, grid, plain, kept) == first);
}

TEST_CASE("the needle's mirror echo shows only when the receive is steered along it") {
  const SimulatedNeedle& f = needle_frame();
  INFO("tip (" << f.needle.tip_mm[0] << ", " << f.needle.tip_mm[2] << ") mm");
  REQUIRE(std::abs(f.needle.tip_mm[0] + 5) < 0.1);
  const Grid grid = testing::window(0, 12, 15, 9, 0.1, 0.1);
  // The needle transmit alone: perpendicular incidence on a 30 deg shaft, so its mirror
  // echo returns along 30 deg, outside the unsteered F1.5 aperture (+-18.4 deg).
  RfFrame needle_only = f.rf;
  const size_t per_transmit = size_t{f.rf.channel_count} * f.rf.sample_count;
  needle_only.transmits = std::vector<Transmit>{f.rf.transmits[3]};
  needle_only.samples_int16.assign(f.rf.samples_int16.begin() + 3 * per_transmit,
                                   f.rf.samples_int16.end());
  Settings one_unsteered, one_steered;
  one_steered.rx_steer_deg = {30};
  one_steered.rx_acceptance_deg = 45;
  const double c_unsteered =
      shaft_contrast_db(beamform(needle_only, grid, one_unsteered), grid, f.needle);
  const double c_steered =
      shaft_contrast_db(beamform(needle_only, grid, one_steered), grid, f.needle);
  // The classic compound (-8/0/8 deg, unsteered receive) and the needle mode.
  RfFrame classic = f.rf;
  classic.transmits.resize(3);
  classic.samples_int16.resize(3 * per_transmit);
  const double c_classic = shaft_contrast_db(beamform(classic, grid, Settings{}), grid, f.needle);
  Settings mode;
  mode.rx_steer_deg = {0, 0, 0, 30};
  mode.rx_acceptance_deg = 45;
  mode.transmit_group = {0, 0, 0, 1};
  mode.group_compounding = Settings::GroupCompounding::envelope_max;
  const double c_mode = shaft_contrast_db(beamform(f.rf, grid, mode), grid, f.needle);
  mode.group_compounding = Settings::GroupCompounding::envelope_mean;
  const double c_mean = shaft_contrast_db(beamform(f.rf, grid, mode), grid, f.needle);
  mode.group_compounding = Settings::GroupCompounding::coherent;
  const double c_coherent = shaft_contrast_db(beamform(f.rf, grid, mode), grid, f.needle);
  std::printf(
      "shaft over speckle: 30 deg transmit, rx 0 deg %.1f dB, rx 30 deg %.1f dB; -8/0/8 "
      "compound %.1f dB; needle mode envelope_max %.1f, envelope_mean %.1f, coherent %.1f dB\n",
      c_unsteered, c_steered, c_classic, c_mode, c_mean, c_coherent);
  CHECK(c_steered > c_unsteered + 10);
  CHECK(c_mode > c_classic + 10);
  CHECK(c_mean > c_classic + 6);
}

TEST_CASE("CF-DAS with a steered receive: exponent 0 is DAS, 0 <= CF <= 1") {
  const RfFrame& rf = testing::point_targets(3);
  const Grid grid = testing::window(0, 20, 3, 3, kLambdaMm / 2, kLambdaMm / 4);
  Settings s;
  s.rx_steer_deg = {0, 20, 20};  // two table sets, weights counted per steering
  s.rx_acceptance_deg = 40;
  const Geometry g = Geometry::of(rf);
  Baseband bb;
  demodulate(rf.samples_int16.data(), g, bb);
  std::vector<std::complex<float>> cf(grid.pixels());
  std::vector<float> coherence(grid.pixels());
  CoherenceBeamformer().beamform(bb, g, grid, s, 0, cf.data(), coherence);
  CHECK(cf == beamform(rf, grid, s));
  size_t summed = 0;
  for (float c : coherence) {
    CHECK(c >= 0);
    CHECK(c <= 1.0001f);
    summed += c > 0;
  }
  CHECK(summed > grid.pixels() / 2);
}

TEST_CASE("an acceptance angle narrows the aperture without moving a point target") {
  const RfFrame& rf = testing::point_targets(1);
  const Grid grid = testing::window(0, 20, 1, 1, kLambdaMm / 10, kLambdaMm / 20);
  Settings wide, narrow;
  narrow.rx_acceptance_deg = 10;  // inside F1.5's +-18.4 deg
  Beamformer a, b;
  const auto full = beamform(rf, grid, wide, a);
  const auto limited = beamform(rf, grid, narrow, b);
  CHECK(b.table_bytes() < a.table_bytes());
  std::vector<float> env(limited.size());
  for (size_t i = 0; i < env.size(); ++i) env[i] = std::abs(limited[i]);
  const auto p = testing::peak_of(env, grid);
  CHECK(std::hypot(p.x_mm, p.z_mm - 20) < kLambdaMm / 2);
  std::vector<float> env_full(full.size());
  for (size_t i = 0; i < env.size(); ++i) env_full[i] = std::abs(full[i]);
  // A smaller aperture: a wider lateral response.
  CHECK(testing::lateral_width(env, grid, p) >
        testing::lateral_width(env_full, grid, testing::peak_of(env_full, grid)));
}

TEST_CASE("bad steering values are refused, naming the parameter") {
  const RfFrame& rf = testing::point_targets(3);
  const Grid grid = testing::window(0, 20, 1, 1, 0.1, 0.1);
  auto refused = [&](const Settings& s, const std::string& name) {
    try {
      beamform(rf, grid, s);
    } catch (const std::invalid_argument& e) {
      INFO(e.what());
      return std::string(e.what()).find(name) != std::string::npos;
    }
    return false;
  };
  Settings s;
  s.rx_steer_deg = {0, 10};  // 2 values, 3 transmits
  CHECK(refused(s, "rx_steer_deg has 2 values but the frame has 3 transmits"));
  s.rx_steer_deg = {0, 60, 0};
  CHECK(refused(s, "rx_steer_deg"));
  s = Settings{};
  s.transmit_group = {0, 1, 1, 1};
  CHECK(refused(s, "transmit_group has 4 values"));
  s.transmit_group = {0, -1, 0};
  CHECK(refused(s, "transmit_group"));
  s = Settings{};
  s.rx_acceptance_deg = 0;
  CHECK(refused(s, "rx_acceptance_deg"));
  s = Settings{};
  s.transmit_group = {0, 0, 1};
  s.group_gain_db = {0, -10, 3};
  CHECK(refused(s, "group_gain_db has 3 values but transmit_group makes 2 groups"));
  s.group_gain_db = {};
  s.group_cf_exponent = {1};
  CHECK(refused(s, "group_cf_exponent has 1 values but transmit_group makes 2 groups"));
}

// Grating lobes of a receive steered across a 1.48-lambda pitch (0.30 mm at 7.6 MHz):
// for a receive beam at s the first grating lobe lies at asin(sin s - lambda / pitch), -10
// deg for s = 30 deg, where the elements receive better than along the beam: the point
// targets' strongest off-target echo rises by well over 10 dB from the unsteered receive.
// The figures are printed too (`das_beamformer_tests "grating lobes*" -s`).
TEST_CASE("grating lobes of a steered receive: clutter rises as theory says") {
  std::map<std::pair<double, int>, double> clutter_db;  // (steer, transmit) -> dB
  const RfFrame rf = testing::simulate(
      {{"preset", std::string("point_targets")}, {"angles_deg", std::vector<double>{0, 30}}});
  const Grid grid = testing::window(0, 20, 12, 6, 0.1, 0.05);
  const size_t per_transmit = size_t{rf.channel_count} * rf.sample_count;
  for (double steer : {0.0, 15.0, 20.0, 25.0, 30.0})
    for (int transmit : {0, 1}) {
      RfFrame one = rf;
      one.transmits = std::vector<Transmit>{rf.transmits[transmit]};
      one.samples_int16.assign(rf.samples_int16.begin() + transmit * per_transmit,
                               rf.samples_int16.begin() + (transmit + 1) * per_transmit);
      Settings s;
      s.rx_steer_deg = {steer};
      s.rx_acceptance_deg = 45;
      const auto iq = beamform(one, grid, s);
      // Peak near the (0, 20) target, and the largest envelope farther than 2.5 mm from
      // every target (x = -10, 0, 10; z = 15, 20, 25).
      double peak = 0, clutter = 0, cx = 0, cz = 0;
      for (uint32_t r = 0; r < grid.rows; ++r)
        for (uint32_t c = 0; c < grid.columns; ++c) {
          double x, z;
          grid.pixel_mm(c, r, x, z);
          const double v = std::abs(iq[size_t{r} * grid.columns + c]);
          double nearest = 1e9;
          for (double tx : {-10.0, 0.0, 10.0})
            for (double tz : {15.0, 20.0, 25.0})
              nearest = std::min(nearest, std::hypot(x - tx, z - tz));
          if (std::hypot(x, z - 20) < 0.5) peak = std::max(peak, v);
          if (nearest > 2.5 && v > clutter) clutter = v, cx = x, cz = z;
        }
      REQUIRE(peak > 0);
      clutter_db[{steer, transmit}] = 20 * std::log10(clutter / peak);
      std::printf("rx %4.1f deg, tx %4.1f deg: strongest off-target %.1f dB at (%.1f, %.1f) mm\n",
                  steer, rf.transmits[transmit].angle_deg, clutter_db[{steer, transmit}], cx, cz);
    }
  // Unsteered: the side lobes of an F1.5 Hann aperture, far down.
  CHECK(clutter_db[{0.0, 0}] < -25);
  // Steered to 30 deg: the grating lobe brings clutter up by more than 10 dB.
  CHECK(clutter_db[{30.0, 0}] > clutter_db[{0.0, 0}] + 10);
  CHECK(clutter_db[{30.0, 1}] > clutter_db[{0.0, 0}] + 10);
}
