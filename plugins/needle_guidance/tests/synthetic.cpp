#include "synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>

namespace sonoflow::needle::test {

namespace {
// Speckle grain in mm (laterally wider than axially, as in B-mode).
constexpr double kGrainXMm = 0.25, kGrainZMm = 0.12;
// Display range of the log compression: needle_guidance's default dynamic_range_db.
constexpr double kDynamicRangeDb = 60;
}

Vec2 needle_dir(const SyntheticNeedle& n) {
  const double a = n.angle_deg * std::numbers::pi / 180;
  return {-n.side * std::cos(a), std::sin(a)};
}

std::shared_ptr<ImageFrame> make_image(const SyntheticImage& s, const SyntheticNeedle& n) {
  const int cols = static_cast<int>(std::lround(s.width_mm / s.spacing_x_mm)) + 1;
  const int rows = static_cast<int>(std::lround(s.depth_mm / s.spacing_z_mm)) + 1;
  cv::Mat re(rows, cols, CV_32F), im(rows, cols, CV_32F);
  cv::RNG rng(s.seed);
  rng.fill(re, cv::RNG::NORMAL, 0, 1);
  rng.fill(im, cv::RNG::NORMAL, 0, 1);
  const double gx = kGrainXMm / s.spacing_x_mm, gz = kGrainZMm / s.spacing_z_mm;
  cv::GaussianBlur(re, re, cv::Size(), gx, gz);
  cv::GaussianBlur(im, im, cv::Size(), gx, gz);
  cv::Mat amp;
  cv::magnitude(re, im, amp);
  amp /= cv::mean(amp)[0];  // echo amplitude, speckle mean 1

  // Echo amplitudes add; the display is log-compressed like a B-mode (grey proportional to
  // dB over kDynamicRangeDb), with the speckle's mean amplitude at `background` and the
  // shaft's axis `brightness` grey levels above it.
  const double grey_per_decade = 255.0 * 20.0 / kDynamicRangeDb;
  const double shaft_amp = std::pow(10.0, n.brightness / grey_per_decade);
  const Vec2 dir = needle_dir(n);
  const double sigma = n.width_mm / 2.3548;
  constexpr double kLayerEdgeMm = 0.15;  // sigma of the layer's edges
  Vec2 skinward(-dir.y(), dir.x());      // unit normal to the shaft, towards the probe
  if (skinward.y() > 0) skinward = -skinward;
  // A thin bright echo (the shaft's tissue ahead, an arc, a dash) `d_mm` from its axis:
  // `brightness` grey levels over the speckle on the axis, a Gaussian of FWHM `width_mm`.
  auto line_echo = [&](double brightness, double width_mm, double d_mm) {
    const double k = width_mm / 2.3548;
    return std::pow(10.0, brightness / grey_per_decade) * std::exp(-0.5 * d_mm * d_mm / (k * k));
  };
  for (int r = 0; r < rows; ++r) {
    float* a = amp.ptr<float>(r);
    for (int c = 0; c < cols; ++c) {
      double value = a[c];
      const Vec2 p(s.x0_mm + c * s.spacing_x_mm, s.z0_mm + r * s.spacing_z_mm);
      const Vec2 rel = p - n.tip_mm;
      for (const auto& l : n.layers) {  // stronger scatterers: the speckle's amplitude scaled
        const double d = rel.dot(skinward), k = kLayerEdgeMm * std::numbers::sqrt2;
        const double inside =
            0.25 * std::erfc((l.above_mm - d) / k) * std::erfc((d - l.above_mm - l.thick_mm) / k);
        value *= std::pow(10.0, l.gain_db / 20 * inside);
      }
      const double along = rel.dot(dir);  // < 0: behind the tip, on the shaft
      const double across = std::abs(rel.x() * dir.y() - rel.y() * dir.x());
      if (n.present && along <= 4 * sigma && across <= 4 * sigma) {
        // The shaft ends at the tip blurred like across it: a blurred step, half amplitude
        // at the tip.
        const double end = 0.5 * std::erfc(along / (sigma * std::numbers::sqrt2));
        double gain = 1;
        for (const auto& d : n.dims) {
          const double k = sigma * std::numbers::sqrt2;
          const double inside = 0.25 * std::erfc((-along - d.behind_tip_mm - d.length_mm) / k) *
                                std::erfc((d.behind_tip_mm + along) / k);
          gain *= std::pow(10.0, d.gain_db / 20 * inside);
        }
        value += shaft_amp * gain * std::exp(-0.5 * across * across / (sigma * sigma)) * end;
      }
      if (n.present && n.ahead_mm > 0 && along > n.ahead_from_mm &&
          along < n.ahead_from_mm + n.ahead_mm && across <= 4 * sigma)
        value += line_echo(n.ahead_brightness, n.width_mm, across);
      for (const auto& arc : s.arcs)
        if (p.y() < arc.centre_mm.y())
          value +=
              line_echo(arc.brightness, arc.width_mm, (p - arc.centre_mm).norm() - arc.radius_mm);
      for (const auto& row : s.dashes) {
        const double t = row.angle_deg * std::numbers::pi / 180;
        const Vec2 u(std::cos(t), std::sin(t)), q = p - row.start_mm;
        const double on = q.dot(u), off = q.x() * u.y() - q.y() * u.x();
        if (on >= 0 && on <= row.length_mm && std::fmod(on, row.period_mm) < row.dash_mm)
          value += line_echo(row.brightness, row.width_mm, off);
      }
      a[c] = static_cast<float>(
          std::clamp(s.background + grey_per_decade * std::log10(std::max(value, 1e-6)), 0.0, 255.0));
    }
  }
  auto f = std::make_shared<ImageFrame>();
  f->width = cols;
  f->height = rows;
  f->channels = s.channels;
  f->origin_mm = {s.x0_mm, s.z0_mm};
  f->spacing_mm = {s.spacing_x_mm, s.spacing_z_mm};
  f->set_cartesian_transform();
  cv::Mat grey;
  amp.convertTo(grey, CV_8U);
  if (s.channels == 3) cv::cvtColor(grey, grey, cv::COLOR_GRAY2BGR);
  f->pixels.assign(grey.datastart, grey.dataend);
  return f;
}

SyntheticNeedle long_needle(int side) {
  SyntheticNeedle n;
  n.angle_deg = 30;
  n.side = side;
  n.tip_mm = {side * -3.0, 16.0};
  n.brightness = 70;
  return n;
}

}  // namespace sonoflow::needle::test
