// Image quality on simulated data against theory: point-target positions and -6 dB
// widths, the effect of compounding, and cyst contrast (CNR, gCNR) for 1 vs 11 angles.
//
// Theory for the simulated linear_msk probe (7.6 MHz, c = 1540 m/s, lambda = 0.2026 mm):
// - lateral, one plane wave, boxcar receive: the receive aperture z / F# gives a sinc
//   beam whose -6 dB width is 1.207 lambda F# (the unfocused transmit adds no focusing).
// - axial: the simulator's echo is a Gaussian pulse whose -6 dB *spectral* width is
//   B f0 (B = 0.75). A Gaussian with that spectrum has a time envelope of FWHM
//   4 ln2 / (pi B f0); halved for the two-way path in depth, 0.441 lambda / B = 0.119 mm.
//   The formula is therefore consistent with the simulated pulse as given, with B
//   the fractional bandwidth of the received (pulse-echo) signal.
#include <catch2/catch.hpp>

#include <cstdio>

#include "helpers.hpp"

using namespace sonoflow;
using namespace sonoflow::das;

namespace {

constexpr double kLambdaMm = 1.54e6 / 7.6e6;

Settings boxcar(double f_number = 1.5) {
  Settings s;
  s.apodization = Apodization::boxcar;
  s.f_number = f_number;
  return s;
}

}  // namespace

TEST_CASE("every point target's peak lies within lambda/2 of its true position") {
  const int angle_count = GENERATE(1, 11);
  const RfFrame& rf = testing::point_targets(angle_count);
  for (double z = 10; z <= 35; z += 5)
    for (double x : {-10.0, 0.0, 10.0}) {
      const Grid grid = testing::window(x, z, 1.0, 1.0, kLambdaMm / 10, kLambdaMm / 20);
      const auto env = testing::envelope(rf, grid, Settings{});
      const auto p = testing::peak_of(env, grid);
      INFO(angle_count << " angles, target (" << x << ", " << z << ") mm, peak (" << p.x_mm << ", "
                       << p.z_mm << ") mm");
      CHECK(std::hypot(p.x_mm - x, p.z_mm - z) < kLambdaMm / 2);
    }
}

TEST_CASE("point-target -6 dB widths match theory (one plane wave, boxcar receive)") {
  const RfFrame& rf = testing::point_targets(1);
  const double lateral_theory = 1.207 * kLambdaMm * 1.5, axial_theory = 0.441 * kLambdaMm / 0.75;
  for (double z : {15.0, 20.0, 25.0, 30.0}) {
    const Grid grid = testing::window(0, z, 1.5, 0.6, kLambdaMm / 20, kLambdaMm / 40);
    const auto env = testing::envelope(rf, grid, boxcar());
    const auto p = testing::peak_of(env, grid);
    const double lateral = testing::lateral_width(env, grid, p),
                 axial = testing::axial_width(env, grid, p);
    std::printf(
        "point (0, %.0f) mm: lateral %.3f mm (theory %.3f, %+.1f %%), axial %.3f mm (theory %.3f, "
        "%+.1f %%)\n",
        z, lateral, lateral_theory, 100 * (lateral / lateral_theory - 1), axial, axial_theory,
        100 * (axial / axial_theory - 1));
    INFO("z " << z << " mm: lateral " << lateral << " mm, axial " << axial << " mm");
    CHECK(lateral == Approx(lateral_theory).epsilon(0.2));
    CHECK(axial == Approx(axial_theory).epsilon(0.2));
  }
}

TEST_CASE("compounding 11 angles does not widen the lateral response") {
  for (double z : {15.0, 20.0, 30.0}) {
    double width[2];
    for (int k = 0; k < 2; ++k) {
      const RfFrame& rf = testing::point_targets(k == 0 ? 1 : 11);
      const Grid grid = testing::window(0, z, 1.5, 0.6, kLambdaMm / 20, kLambdaMm / 40);
      const auto env = testing::envelope(rf, grid, boxcar());
      width[k] = testing::lateral_width(env, grid, testing::peak_of(env, grid));
    }
    std::printf(
        "point (0, %.0f) mm: lateral -6 dB width 1 angle %.3f mm, 11 angles %.3f mm (0.886 lambda "
        "F# = %.3f)\n",
        z, width[0], width[1], 0.886 * kLambdaMm * 1.5);
    INFO("z " << z << ": 1 angle " << width[0] << " mm, 11 angles " << width[1] << " mm");
    CHECK(width[1] <= width[0] * 1.01);
  }
}

namespace {

struct Contrast {
  double cnr_db, gcnr;
};

// Inside the 3 mm cyst at (0, 22) mm (r < 0.75 R) against a ring of speckle around it
// (1.25 R < r < 1.75 R), on the envelope. CNR as PICMUS defines it,
// 20 log10(|mu_in - mu_out| / sqrt((var_in + var_out) / 2)); gCNR = 1 - overlap of the two
// envelope histograms (256 common bins).
Contrast cyst_contrast(int angle_count) {
  const RfFrame rf = testing::simulate(
      {{"preset", std::string("cyst")}, {"angles_deg", testing::angles(angle_count, 20)}});
  const double cx = 0, cz = 22, radius = 3;
  const Grid grid = testing::window(cx, cz, 6, 6, kLambdaMm / 2, kLambdaMm / 4);
  const auto env = testing::envelope(rf, grid, Settings{});
  std::vector<double> in, out;
  for (uint32_t r = 0; r < grid.rows; ++r)
    for (uint32_t c = 0; c < grid.columns; ++c) {
      double x, z;
      grid.pixel_mm(c, r, x, z);
      const double d = std::hypot(x - cx, z - cz);
      if (d < 0.75 * radius) in.push_back(env[size_t{r} * grid.columns + c]);
      if (d > 1.25 * radius && d < 1.75 * radius) out.push_back(env[size_t{r} * grid.columns + c]);
    }
  auto stats = [](const std::vector<double>& v, double& mean, double& var) {
    mean = 0, var = 0;
    for (double x : v) mean += x;
    mean /= v.size();
    for (double x : v) var += (x - mean) * (x - mean);
    var /= v.size();
  };
  double mi, vi, mo, vo;
  stats(in, mi, vi);
  stats(out, mo, vo);
  const double top =
      std::max(*std::max_element(in.begin(), in.end()), *std::max_element(out.begin(), out.end()));
  constexpr int kBins = 256;
  std::vector<double> hi(kBins), ho(kBins);
  for (double x : in) hi[std::min(kBins - 1, static_cast<int>(x / top * kBins))] += 1.0 / in.size();
  for (double x : out)
    ho[std::min(kBins - 1, static_cast<int>(x / top * kBins))] += 1.0 / out.size();
  double overlap = 0;
  for (int b = 0; b < kBins; ++b) overlap += std::min(hi[b], ho[b]);
  return {20 * std::log10(std::abs(mi - mo) / std::sqrt((vi + vo) / 2)), 1 - overlap};
}

}  // namespace

TEST_CASE("compounding 11 angles improves cyst contrast over 1 angle (CNR, gCNR)") {
  const Contrast one = cyst_contrast(1), eleven = cyst_contrast(11);
  std::printf(
      "cyst (0, 22) mm, R 3 mm: 1 angle CNR %.2f dB gCNR %.3f; 11 angles CNR %.2f dB gCNR %.3f\n",
      one.cnr_db, one.gcnr, eleven.cnr_db, eleven.gcnr);
  CHECK(eleven.cnr_db > one.cnr_db);
  CHECK(eleven.gcnr > one.gcnr);
}

TEST_CASE("convex probe, diverging waves: point targets within lambda/2") {
  const RfFrame rf = testing::simulate({{"preset", std::string("point_targets")},
                                        {"probe", std::string("convex_hip")},
                                        {"angles_deg", std::vector<double>{-10, 0, 10}}});
  const double lambda_mm = 1.54e6 / 3.6e6;
  for (double z : {20.0, 40.0, 60.0})
    for (double x : {-10.0, 0.0, 10.0}) {
      const Grid grid = testing::window(x, z, 2.0, 2.0, lambda_mm / 10, lambda_mm / 20);
      const auto p = testing::peak_of(testing::envelope(rf, grid, Settings{}), grid);
      INFO("target (" << x << ", " << z << ") mm, peak (" << p.x_mm << ", " << p.z_mm << ") mm");
      CHECK(std::hypot(p.x_mm - x, p.z_mm - z) < lambda_mm / 2);
    }
}
