#include "synthetic.hpp"

#include <cmath>

#include <opencv2/imgproc.hpp>

namespace sonoflow::injectate::test {

namespace {

constexpr double kDynamicRangeDb = 60;
// Speckle grain of a ~7 MHz linear probe: PSF sigma laterally and axially.
constexpr double kPsfLateralMm = 0.15, kPsfAxialMm = 0.08;
constexpr double kNoiseRelative = 0.003;  // electronic noise, relative to tissue RMS

}  // namespace

RasterGeometry test_geometry() { return {{-20, 0}, {0.1, 0.05}}; }
cv::Size test_size() { return {401, 801}; }

bool Ellipse::contains(double x, double z) const {
  const double u = (x - cx) / ax, v = (z - cz) / az;
  return u * u + v * v <= 1;
}

Echogenicity tissue_without(std::vector<Ellipse> anechoic) {
  return [anechoic](double x, double z) {
    for (const auto& e : anechoic)
      if (e.contains(x, z)) return 0.0;
    return 1.0;
  };
}

cv::Mat speckle_image(const Echogenicity& echo, uint64_t tissue_seed, uint64_t frame_seed) {
  const auto g = test_geometry();
  const cv::Size size = test_size();
  cv::Mat re(size, CV_32F), im(size, CV_32F);
  cv::RNG tissue(tissue_seed);
  tissue.fill(re, cv::RNG::NORMAL, 0, 1);
  tissue.fill(im, cv::RNG::NORMAL, 0, 1);
  for (int r = 0; r < size.height; ++r)
    for (int c = 0; c < size.width; ++c) {
      const float a = static_cast<float>(echo(g.origin_mm[0] + c * g.spacing_mm[0], g.origin_mm[1] + r * g.spacing_mm[1]));
      re.at<float>(r, c) *= a;
      im.at<float>(r, c) *= a;
    }
  const double sx = kPsfLateralMm / g.spacing_mm[0], sz = kPsfAxialMm / g.spacing_mm[1];
  cv::GaussianBlur(re, re, cv::Size(), sx, sz);
  cv::GaussianBlur(im, im, cv::Size(), sx, sz);
  cv::Mat noise_re(size, CV_32F), noise_im(size, CV_32F);
  cv::RNG frame(frame_seed * 7919 + 1);
  const double tissue_rms = 1 / std::sqrt(2 * M_PI * sx * sz) ;  // the blurred field's RMS, roughly
  frame.fill(noise_re, cv::RNG::NORMAL, 0, kNoiseRelative * tissue_rms);
  frame.fill(noise_im, cv::RNG::NORMAL, 0, kNoiseRelative * tissue_rms);
  re += noise_re;
  im += noise_im;
  cv::Mat envelope, db;
  cv::magnitude(re, im, envelope);
  double max_value = 0;
  cv::minMaxLoc(envelope, nullptr, &max_value);
  cv::log(envelope / max_value + 1e-12, db);
  db *= 20 / std::log(10.0);
  cv::Mat grey;
  cv::Mat scaled = (db + kDynamicRangeDb) * (255 / kDynamicRangeDb);
  scaled.convertTo(grey, CV_8U);  // saturates below 0 and above 255
  return grey;
}

NeedleInput needle_at(PointMm tip_mm, std::optional<PointMm> target_mm) {
  NeedleInput n;
  n.detected = true;
  n.tip_mm = tip_mm;
  n.has_target = target_mm.has_value();
  if (target_mm) n.target_mm = *target_mm;
  return n;
}

}  // namespace sonoflow::injectate::test
