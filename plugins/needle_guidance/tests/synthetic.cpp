#include "synthetic.hpp"

#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>

namespace sonoflow::needle::test {

namespace {
// Speckle grain in mm (laterally wider than axially, as in B-mode).
constexpr double kGrainXMm = 0.25, kGrainZMm = 0.12;
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
  const double mean_amp = cv::mean(amp)[0];
  amp *= s.background / mean_amp;

  const Vec2 dir = needle_dir(n);
  const double sigma = n.width_mm / 2.3548;
  for (int r = 0; r < rows; ++r) {
    float* a = amp.ptr<float>(r);
    for (int c = 0; c < cols; ++c) {
      if (!n.present) break;
      const Vec2 p(s.x0_mm + c * s.spacing_x_mm, s.z0_mm + r * s.spacing_z_mm);
      const Vec2 rel = p - n.tip_mm;
      const double along = rel.dot(dir);  // < 0: behind the tip, on the shaft
      const double across = std::abs(rel.x() * dir.y() - rel.y() * dir.x());
      if (along > 4 * sigma || across > 4 * sigma) continue;
      // The shaft ends at the tip blurred like across it: a blurred step, half height at
      // the tip.
      const double end = 0.5 * std::erfc(along / (sigma * std::numbers::sqrt2));
      const double shaft = n.brightness * std::exp(-0.5 * across * across / (sigma * sigma)) * end;
      a[c] = static_cast<float>(std::min(255.0, a[c] + shaft));
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

}  // namespace sonoflow::needle::test
