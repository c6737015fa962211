// The fast beamformer against a slow, obviously-correct one: double precision, per pixel
// -> transmit -> element loops, each step written as the Transmit doc states it. Both
// use the same low-pass taps (a design choice, not what is under test).
#include <catch2/catch.hpp>

#include <numbers>

#include "helpers.hpp"

using namespace sonoflow;
using namespace sonoflow::das;

namespace {

using cd = std::complex<double>;

// rf -> baseband in double: mix by exp(-j 2 pi f0 t), convolve with the centred taps.
std::vector<std::vector<cd>> reference_baseband(const RfFrame& rf, const Geometry& g) {
  const auto taps = lowpass_taps(g.sampling_rate_hz, g.center_frequency_hz);
  const int half = static_cast<int>(taps.size() / 2), n = static_cast<int>(g.sample_count);
  std::vector<std::vector<cd>> rows(g.transmits.size() * g.channels(), std::vector<cd>(n));
  std::vector<cd> mix(n);  // exp(-j 2 pi f0 t) at each sample's absolute time
  for (int j = 0; j < n; ++j)
    mix[j] = std::polar(1.0, -2 * std::numbers::pi * g.center_frequency_hz *
                                 (g.start_time_s + j / g.sampling_rate_hz));
  for (size_t row = 0; row < rows.size(); ++row)
    for (int i = 0; i < n; ++i)
      for (int k = -half; k <= half; ++k) {
        const int j = i + k;
        if (j < 0 || j >= n) continue;
        rows[row][i] += double{taps[k + half]} * rf.samples_int16[row * n + j] * mix[j];
      }
  return rows;
}

double apodization(double u, const Settings& s) {
  if (s.apodization == Apodization::boxcar) return 1;
  const double start = s.apodization == Apodization::hann ? 0 : 1 - s.tukey_alpha;
  if (u <= start) return 1;
  return 0.5 * (1 + std::cos(std::numbers::pi * (u - start) / (1 - start)));
}

std::vector<cd> reference_beamform(const RfFrame& rf, const Grid& grid, const Settings& s) {
  const Geometry g = Geometry::of(rf);
  const auto bb = reference_baseband(rf, g);
  const double c = g.sound_speed_mm_per_s, f0 = g.center_frequency_hz;
  std::vector<cd> out(grid.pixels());
  const size_t T = g.transmits.size();
  size_t groups = 1;
  for (int group : s.transmit_group) groups = std::max(groups, static_cast<size_t>(group) + 1);
  const double acceptance = s.rx_acceptance_deg * std::numbers::pi / 180;
  for (uint32_t row = 0; row < grid.rows; ++row)
    for (uint32_t col = 0; col < grid.columns; ++col) {
      double x, z;
      grid.pixel_mm(col, row, x, z);
      std::vector<cd> group_sum(groups);
      std::vector<int> group_count(groups);
      std::vector<double> group_weight(groups), group_energy(groups);  // sum w, sum w |s|^2
      for (size_t t = 0; t < T; ++t) {
        cd sum = 0;
        // The receive beam of this transmit: the aperture is taken across it.
        const double steer =
            (s.rx_steer_deg.empty() ? 0.0 : s.rx_steer_deg[t]) * std::numbers::pi / 180;
        const double a = g.transmits[t].angle_deg * std::numbers::pi / 180;
        const double v = g.transmits[t].virtual_source_z_mm;
        const double t_tx =
            v == 0 ? (x * std::sin(a) + z * std::cos(a)) / c
                   : (std::hypot(x - v * std::sin(a), z - v * std::cos(a)) - std::abs(v)) / c;
        for (size_t e = 0; e < g.channels(); ++e) {
          const double ex = g.element_x_mm[e], ez = g.element_z_mm[e],
                       phi = g.element_normal_rad[e];
          const double axial0 = (x - ex) * std::sin(phi) + (z - ez) * std::cos(phi);
          const double lateral0 = (x - ex) * std::cos(phi) - (z - ez) * std::sin(phi);
          if (axial0 <= 0 || std::abs(std::atan2(lateral0, axial0)) > acceptance) continue;
          // Axial and lateral across the receive beam steered by `steer`.
          const double axial = axial0 * std::cos(steer) + lateral0 * std::sin(steer);
          const double lateral = lateral0 * std::cos(steer) - axial0 * std::sin(steer);
          if (axial <= 0 || std::abs(lateral) * 2 * s.f_number > axial) continue;
          const double tau = t_tx + std::hypot(x - ex, z - ez) / c;
          const double pos = (tau - g.start_time_s) * g.sampling_rate_hz;
          const int i = static_cast<int>(std::floor(pos));
          const double f = pos - i;
          const auto& r = bb[t * g.channels() + e];
          auto at = [&](int k) { return k >= 0 && k < static_cast<int>(r.size()) ? r[k] : cd{0}; };
          const cd value = at(i) * (1 - f) + at(i + 1) * f;
          const double w = apodization(std::abs(lateral) * 2 * s.f_number / axial, s);
          sum += w * value * std::polar(1.0, 2 * std::numbers::pi * f0 * tau);
          const size_t gr = s.transmit_group.empty() ? 0 : s.transmit_group[t];
          group_weight[gr] += w, group_energy[gr] += w * std::norm(value);
        }
        const size_t group = s.transmit_group.empty() ? 0 : s.transmit_group[t];
        group_sum[group] += sum;
        ++group_count[group];
      }
      // Groups: coherent sum, or the largest / mean of the views' envelopes (each group's
      // sum over its transmit count) times T, with the coherent sum's phase.
      cd total = 0;
      double largest = 0, mean = 0;
      int used = 0;
      for (size_t i = 0; i < groups; ++i) {
        total += group_sum[i];
        if (group_count[i] == 0) continue;
        const double gain = s.group_gain_db.empty() ? 1.0 : std::pow(10.0, s.group_gain_db[i] / 20);
        double view = gain * std::abs(group_sum[i]) / group_count[i];
        const double p = s.group_cf_exponent.empty() ? 0.0 : s.group_cf_exponent[i];
        if (p > 0) {
          const double d = group_weight[i] * group_energy[i];
          view *= std::pow(d > 0 ? std::min(1.0, std::norm(group_sum[i]) / d) : 0.0, p);
        }
        largest = std::max(largest, view), mean += view, ++used;
      }
      mean /= used;
      using GC = Settings::GroupCompounding;
      cd value = total;
      if (s.group_compounding != GC::coherent && used > 1) {
        const double envelope = (s.group_compounding == GC::envelope_max ? largest : mean) * T;
        value = std::abs(total) > 0 ? envelope * total / std::abs(total) : cd{envelope};
      }
      out[size_t{row} * grid.columns + col] =
          value * std::polar(1.0, -2 * std::numbers::pi * f0 * 2 * z / c);
    }
  return out;
}

double relative_rms(const RfFrame& rf, const Grid& grid, const Settings& s) {
  const Geometry g = Geometry::of(rf);
  Baseband bb;
  demodulate(rf.samples_int16.data(), g, bb);
  std::vector<std::complex<float>> fast(grid.pixels());
  Beamformer().beamform(bb, g, grid, s, fast.data());
  const auto slow = reference_beamform(rf, grid, s);
  double err = 0, ref = 0;
  for (size_t i = 0; i < slow.size(); ++i) {
    err += std::norm(cd(fast[i]) - slow[i]);
    ref += std::norm(slow[i]);
  }
  REQUIRE(ref > 0);
  return std::sqrt(err / ref);
}

}  // namespace

TEST_CASE("fast DAS agrees with the double-precision reference: linear, plane waves") {
  const RfFrame rf = testing::simulate({{"preset", std::string("cyst")},
                                        {"scatterers", int64_t{20000}},
                                        {"angles_deg", std::vector<double>{-10, 0, 6}}});
  // 40 x 50 pixels across the 3 mm cyst's edge, spanning several row bands and tiles.
  Grid grid = testing::window(2, 20, 2, 2.5, 0.1, 0.1);
  Settings s;
  s.apodization = Apodization::hann;
  s.kernel =
      GENERATE(Settings::Kernel::fastest, Settings::Kernel::avx2, Settings::Kernel::portable);
  INFO("kernel " << static_cast<int>(s.kernel) << " (0 fastest, 1 avx2, 2 portable)");
  double e = relative_rms(rf, grid, s);
  INFO("hann: relative RMS " << e);
  CHECK(e < 1e-3);
  s.apodization = Apodization::tukey;
  s.f_number = 1.0;
  e = relative_rms(rf, grid, s);
  INFO("tukey: relative RMS " << e);
  CHECK(e < 1e-3);
}

TEST_CASE("fast DAS agrees with the reference: receive steering, acceptance angle, groups") {
  // A needle-mode acquisition: three plane waves compounded coherently, and a fourth at 25
  // deg whose receive is steered to 25 deg (its own group), elements limited to 40 deg.
  const RfFrame rf = testing::simulate({{"preset", std::string("cyst")},
                                        {"scatterers", int64_t{20000}},
                                        {"angles_deg", std::vector<double>{-8, 0, 8, 25}}});
  Grid grid = testing::window(2, 20, 2, 2.5, 0.1, 0.1);
  Settings s;
  s.kernel =
      GENERATE(Settings::Kernel::fastest, Settings::Kernel::avx2, Settings::Kernel::portable);
  INFO("kernel " << static_cast<int>(s.kernel) << " (0 fastest, 1 avx2, 2 portable)");
  s.rx_steer_deg = {0, -12, 0, 25};
  s.rx_acceptance_deg = 40;
  double e = relative_rms(rf, grid, s);
  INFO("steered, coherent: relative RMS " << e);
  CHECK(e < 1e-3);
  s.transmit_group = {0, 0, 0, 1};
  s.group_gain_db = {0, -6};
  s.group_cf_exponent = {0, 1};
  for (auto mode :
       {Settings::GroupCompounding::envelope_max, Settings::GroupCompounding::envelope_mean}) {
    s.group_compounding = mode;
    e = relative_rms(rf, grid, s);
    INFO("groups, mode " << static_cast<int>(mode) << ": relative RMS " << e);
    CHECK(e < 1e-3);
  }
}

TEST_CASE(
    "fast DAS agrees with the double-precision reference: convex, diverging waves, polar grid") {
  const RfFrame rf = testing::simulate({{"preset", std::string("cyst")},
                                        {"probe", std::string("convex_hip")},
                                        {"scatterers", int64_t{20000}},
                                        {"angles_deg", std::vector<double>{-10, 0, 10}}});
  const Geometry g = Geometry::of(rf);
  Grid grid = default_grid(g, 60);
  REQUIRE(grid.polar);
  // A 30 x 140 patch of the sector around 30-37 mm depth.
  grid.column_origin = -0.1, grid.column_step = 0.2 / 29, grid.columns = 30;
  grid.row_origin_mm += 30, grid.row_step_mm = 0.05, grid.rows = 140;
  Settings s;
  s.kernel =
      GENERATE(Settings::Kernel::fastest, Settings::Kernel::avx2, Settings::Kernel::portable);
  INFO("kernel " << static_cast<int>(s.kernel) << " (0 fastest, 1 avx2, 2 portable)");
  const double e = relative_rms(rf, grid, s);
  INFO("relative RMS " << e);
  CHECK(e < 1e-3);
}

TEST_CASE("demodulation agrees with the double-precision mix-and-filter (both paths)") {
  // sim_probe records at fs = 4 f0 (the quarter-rate path); declaring another sampling
  // rate for the same samples takes the general path (the data need not be physical to
  // compare two implementations of one formula). An odd sample count checks the last
  // half-pair of the quarter-rate path.
  RfFrame rf = testing::simulate({{"preset", std::string("cyst")},
                                  {"scatterers", int64_t{2000}},
                                  {"angles_deg", std::vector<double>{0}}});
  const double fs_per_f0 = GENERATE(4.0, 5.0, 3.3);
  const bool odd = GENERATE(false, true);
  rf.sampling_rate_hz = fs_per_f0 * rf.probe->center_frequency_hz;
  if (odd) {
    // Drop the last sample of every channel (the rows are contiguous).
    std::vector<int16_t> shorter;
    for (uint32_t c = 0; c < rf.channel_count; ++c)
      shorter.insert(shorter.end(), rf.samples_int16.begin() + size_t{c} * rf.sample_count,
                     rf.samples_int16.begin() + size_t{c + 1} * rf.sample_count - 1);
    rf.samples_int16 = std::move(shorter);
    --rf.sample_count;
  }
  INFO("fs = " << fs_per_f0 << " f0, " << rf.sample_count << " samples");
  const Geometry g = Geometry::of(rf);
  Baseband bb;
  demodulate(rf.samples_int16.data(), g, bb);
  const auto ref = reference_baseband(rf, g);
  double err = 0, norm = 0;
  for (size_t row = 0; row < ref.size(); ++row) {
    CHECK(bb.re_row(row)[0] == 0.f);  // guards read as silence
    CHECK(bb.im_row(row)[bb.stride - 1] == 0.f);
    for (uint32_t i = 0; i < g.sample_count; ++i) {
      const cd fast(bb.re_row(row)[i + Baseband::kGuard], bb.im_row(row)[i + Baseband::kGuard]);
      err += std::norm(fast - ref[row][i]);
      norm += std::norm(ref[row][i]);
    }
  }
  REQUIRE(norm > 0);
  INFO("relative RMS " << std::sqrt(err / norm));
  CHECK(std::sqrt(err / norm) < 1e-5);
}

TEST_CASE("receive tables kept across frames follow a change of settings or grid") {
  const RfFrame& rf = testing::point_targets(3);
  const Geometry g = Geometry::of(rf);
  Baseband bb;
  demodulate(rf.samples_int16.data(), g, bb);
  Grid grid = testing::window(0, 20, 2, 2, 0.1, 0.05);
  Settings hann, tukey;
  tukey.apodization = Apodization::tukey, tukey.f_number = 1.0;
  Beamformer kept;
  std::vector<std::complex<float>> first(grid.pixels()), again(grid.pixels()), fresh(grid.pixels());
  kept.beamform(bb, g, grid, hann, first.data());
  kept.beamform(bb, g, grid, tukey, again.data());  // tables rebuilt for the new settings
  Beamformer().beamform(bb, g, grid, tukey, fresh.data());
  CHECK(again == fresh);
  CHECK(again != first);
  grid.row_origin_mm += 1;  // a new grid, same size
  kept.beamform(bb, g, grid, tukey, again.data());
  Beamformer().beamform(bb, g, grid, tukey, fresh.data());
  CHECK(again == fresh);
  CHECK(kept.table_bytes() > 0);
}
