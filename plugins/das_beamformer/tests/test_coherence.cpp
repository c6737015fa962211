// Coherence-factor-weighted DAS (coherence.hpp) against plain DAS on simulated data: its
// coherent sum is DAS's, CF is ~1 on an isolated point target, point targets stay in
// place, and the anechoic cyst gets darker relative to the speckle (better contrast).
#include <catch2/catch.hpp>

#include <cstdio>

#include "coherence.hpp"
#include "helpers.hpp"

using namespace sonoflow;
using namespace sonoflow::das;

namespace {

constexpr double kLambdaMm = 1.54e6 / 7.6e6;

struct Images {
  std::vector<std::complex<float>> das, cf;
  std::vector<float> coherence;
};

// DAS and CF-DAS (exponent p) of the same rf frame and grid.
Images beamform_both(const RfFrame& rf, const Grid& grid, const Settings& s, double p = 1) {
  const Geometry g = Geometry::of(rf);
  Baseband bb;
  demodulate(rf.samples_int16.data(), g, bb);
  Images im;
  im.das.resize(grid.pixels());
  im.cf.resize(grid.pixels());
  im.coherence.resize(grid.pixels());
  Beamformer().beamform(bb, g, grid, s, im.das.data());
  CoherenceBeamformer().beamform(bb, g, grid, s, p, im.cf.data(), im.coherence);
  return im;
}

std::vector<float> magnitude(const std::vector<std::complex<float>>& iq) {
  std::vector<float> env(iq.size());
  for (size_t i = 0; i < iq.size(); ++i) env[i] = std::abs(iq[i]);
  return env;
}

}  // namespace

TEST_CASE("CF-DAS with exponent 0 is DAS (the extra sums leave the coherent sum alone)") {
  const Grid grid = testing::window(0, 20, 3, 3, kLambdaMm / 2, kLambdaMm / 4);
  Settings s;  // every kernel fills the coherence sums
  s.kernel =
      GENERATE(Settings::Kernel::fastest, Settings::Kernel::avx2, Settings::Kernel::portable);
  INFO("kernel " << static_cast<int>(s.kernel) << " (0 fastest, 1 avx2, 2 portable)");
  const Images im = beamform_both(testing::point_targets(11), grid, s, 0);
  double diff = 0, ref = 0;
  for (size_t i = 0; i < im.das.size(); ++i)
    diff += std::norm(im.cf[i] - im.das[i]), ref += std::norm(im.das[i]);
  CHECK(std::sqrt(diff / ref) < 1e-5);
  for (float cf : im.coherence) {
    CHECK(cf >= 0);
    CHECK(cf <= 1);
  }
}

TEST_CASE("CF is ~1 on an isolated point target's own pixel (no noise)") {
  // Boxcar receive, one plane wave: the classic, unweighted CF. It is not exactly 1: the
  // echo amplitude still varies across the aperture (element directivity cos(theta) sinc,
  // spherical spreading), and CF = (mean a)^2 / mean(a^2) < 1 for unequal amplitudes; and
  // the preset is not one isolated point: the targets at x = +-10 mm of the same depth
  // echo at the same time on the elements half-way (x = +-5 mm), which lie inside the
  // aperture from z = 15 mm on (measured: 0.97 at 15 mm, 0.93 at 25 mm with boxcar).
  Settings boxcar;
  boxcar.apodization = Apodization::boxcar;
  for (const Settings& s : {boxcar, Settings{}})
    for (double z : {15.0, 25.0}) {
      // An odd number of pixels each way, so that the centre pixel lies exactly on (0, z).
      Grid grid = testing::window(0, z, 0.5, 0.5, kLambdaMm / 20, kLambdaMm / 40);
      grid.columns = 41, grid.rows = 41;
      grid.column_origin = -20 * grid.column_step, grid.row_origin_mm = z - 20 * grid.row_step_mm;
      const Images im = beamform_both(testing::point_targets(1), grid, s);
      const size_t centre = size_t{grid.rows / 2} * grid.columns + grid.columns / 2;
      double x, zc;
      grid.pixel_mm(grid.columns / 2, grid.rows / 2, x, zc);
      REQUIRE(std::hypot(x, zc - z) < 1e-9);
      std::printf("point (0, %.0f) mm, %s: CF on its pixel %.4f\n", z,
                  s.apodization == Apodization::boxcar ? "boxcar" : "hann", im.coherence[centre]);
      CHECK(im.coherence[centre] > 0.9);
      CHECK(im.coherence[centre] <= 1);
    }
}

TEST_CASE("CF-DAS keeps every point target's peak within lambda/2") {
  const int angle_count = GENERATE(1, 11);
  for (double z = 10; z <= 35; z += 5)
    for (double x : {-10.0, 0.0, 10.0}) {
      const Grid grid = testing::window(x, z, 1.0, 1.0, kLambdaMm / 10, kLambdaMm / 20);
      const auto env =
          magnitude(beamform_both(testing::point_targets(angle_count), grid, Settings{}).cf);
      const auto p = testing::peak_of(env, grid);
      INFO(angle_count << " angles, target (" << x << ", " << z << ") mm, peak (" << p.x_mm << ", "
                       << p.z_mm << ") mm");
      CHECK(std::hypot(p.x_mm - x, p.z_mm - z) < kLambdaMm / 2);
    }
}

namespace {

struct Levels {
  double cyst_to_speckle_db, cnr_db;
};

// Mean envelope inside the 3 mm cyst at (0, 22) mm (r < 0.75 R) relative to a ring of
// speckle (1.25 R < r < 1.75 R), and PICMUS's CNR, as in test_quality.cpp.
Levels cyst_levels(const std::vector<float>& env, const Grid& grid) {
  const double radius = 3;
  double sum[2] = {0, 0}, sum2[2] = {0, 0}, n[2] = {0, 0};
  for (uint32_t r = 0; r < grid.rows; ++r)
    for (uint32_t c = 0; c < grid.columns; ++c) {
      double x, z;
      grid.pixel_mm(c, r, x, z);
      const double d = std::hypot(x, z - 22), v = env[size_t{r} * grid.columns + c];
      const int k = d < 0.75 * radius ? 0 : (d > 1.25 * radius && d < 1.75 * radius) ? 1 : -1;
      if (k < 0) continue;
      sum[k] += v, sum2[k] += v * v, n[k] += 1;
    }
  const double mi = sum[0] / n[0], mo = sum[1] / n[1];
  const double vi = sum2[0] / n[0] - mi * mi, vo = sum2[1] / n[1] - mo * mo;
  return {20 * std::log10(mi / mo), 20 * std::log10(std::abs(mi - mo) / std::sqrt((vi + vo) / 2))};
}

}  // namespace

TEST_CASE("CF-DAS darkens the anechoic cyst relative to the speckle more than DAS") {
  const int angle_count = GENERATE(1, 11);
  const RfFrame rf = testing::simulate(
      {{"preset", std::string("cyst")}, {"angles_deg", testing::angles(angle_count, 20)}});
  const Grid grid = testing::window(0, 22, 6, 6, kLambdaMm / 2, kLambdaMm / 4);
  const Images im = beamform_both(rf, grid, Settings{});
  const Levels das = cyst_levels(magnitude(im.das), grid), cf = cyst_levels(magnitude(im.cf), grid);
  std::printf(
      "cyst (0, 22) mm, R 3 mm, %d angle(s): cyst/speckle mean DAS %.1f dB, CF-DAS %.1f dB; CNR "
      "DAS %.2f dB, CF-DAS %.2f dB\n",
      angle_count, das.cyst_to_speckle_db, cf.cyst_to_speckle_db, das.cnr_db, cf.cnr_db);
  CHECK(cf.cyst_to_speckle_db < das.cyst_to_speckle_db - 3);
}
