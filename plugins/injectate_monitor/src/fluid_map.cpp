#include "fluid_map.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

namespace sonoflow::injectate {

Window Window::around(PointMm centre, double size_mm, double cell_mm, const RasterGeometry& g,
                      cv::Size image) {
  // The image's extent in mm, then the square clipped to it.
  const double x0 = g.origin_mm[0], x1 = g.origin_mm[0] + (image.width - 1) * g.spacing_mm[0];
  const double z0 = g.origin_mm[1], z1 = g.origin_mm[1] + (image.height - 1) * g.spacing_mm[1];
  const double left = std::max(x0, centre[0] - size_mm / 2), right = std::min(x1, centre[0] + size_mm / 2);
  const double top = std::max(z0, centre[1] - size_mm / 2), bottom = std::min(z1, centre[1] + size_mm / 2);
  Window w;
  w.cell_mm = cell_mm;
  w.corner_mm = {left, top};
  w.cols = std::max(0, static_cast<int>(std::floor((right - left) / cell_mm)) + 1);
  w.rows = std::max(0, static_cast<int>(std::floor((bottom - top) / cell_mm)) + 1);
  return w;
}

cv::Point Window::cell_of(PointMm p) const {
  return {static_cast<int>(std::lround((p[0] - corner_mm[0]) / cell_mm)),
          static_cast<int>(std::lround((p[1] - corner_mm[1]) / cell_mm))};
}

PointMm Window::mm_of(cv::Point2f c) const {
  return {corner_mm[0] + c.x * cell_mm, corner_mm[1] + c.y * cell_mm};
}

cv::Mat smoothed_window(const cv::Mat& image, const RasterGeometry& g, const Window& w,
                        double smooth_mm) {
  // Window cell (c, r) -> image pixel: ((corner + c cell) - origin) / spacing.
  const double sx = w.cell_mm / g.spacing_mm[0], sz = w.cell_mm / g.spacing_mm[1];
  const cv::Matx23d to_image(sx, 0, (w.corner_mm[0] - g.origin_mm[0]) / g.spacing_mm[0],
                             0, sz, (w.corner_mm[1] - g.origin_mm[1]) / g.spacing_mm[1]);
  cv::Mat image_f, out;
  image.convertTo(image_f, CV_32F);
  // Smooth at the image's own resolution, then sample: sampling the raw speckle onto a
  // grid of another pitch would alias it.
  const double sigma_x_px = smooth_mm / g.spacing_mm[0], sigma_z_px = smooth_mm / g.spacing_mm[1];
  cv::GaussianBlur(image_f, image_f, cv::Size(), sigma_x_px, sigma_z_px, cv::BORDER_REFLECT);
  cv::warpAffine(image_f, out, to_image, cv::Size(w.cols, w.rows),
                 cv::INTER_LINEAR | cv::WARP_INVERSE_MAP, cv::BORDER_REPLICATE);
  return out;
}

cv::Mat echo_power(const cv::Mat& grey, double dynamic_range_db) {
  cv::Mat table(1, 256, CV_32F);
  for (int g = 0; g < 256; ++g)
    table.at<float>(g) =
        static_cast<float>(std::pow(10.0, (g / 255.0 - 1) * dynamic_range_db / 10));
  cv::Mat power(grey.size(), CV_32F);
  for (int r = 0; r < grey.rows; ++r) {
    const uint8_t* in = grey.ptr<uint8_t>(r);
    float* out = power.ptr<float>(r);
    for (int c = 0; c < grey.cols; ++c) out[c] = table.at<float>(in[c]);
  }
  return power;
}

double median_level(const cv::Mat& smoothed, const cv::Mat& mask) {
  std::vector<float> v;
  if (mask.empty()) {
    v.assign(smoothed.begin<float>(), smoothed.end<float>());
  } else {
    for (int r = 0; r < smoothed.rows; ++r)
      for (int c = 0; c < smoothed.cols; ++c)
        if (mask.at<uint8_t>(r, c)) v.push_back(smoothed.at<float>(r, c));
  }
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

cv::Mat closed(const cv::Mat& mask, double close_mm, double cell_mm) {
  const int d = static_cast<int>(std::lround(close_mm / cell_mm));
  if (d < 2) return mask.clone();
  const cv::Mat disc = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(d | 1, d | 1));
  cv::Mat out;
  cv::morphologyEx(mask, out, cv::MORPH_CLOSE, disc, cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
  return out;
}

namespace {

std::vector<PointMm> contour_mm(const std::vector<cv::Point>& contour, const Window& w) {
  std::vector<PointMm> out;
  for (const auto& p : contour) out.push_back(w.mm_of(cv::Point2f(p)));
  return out;
}

}  // namespace

cv::Mat opened(const cv::Mat& mask, double open_mm, double cell_mm) {
  // Erosion then dilation by a disc of radius r, each a threshold on a distance transform
  // (a large disc as a structuring element would cost its area per cell).
  const double r_cells = open_mm / 2 / cell_mm;
  cv::Mat to_outside, to_core;
  cv::distanceTransform(mask, to_outside, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  const cv::Mat core = to_outside > r_cells;
  cv::distanceTransform(core == 0, to_core, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  return (to_core <= r_cells) & mask;
}

cv::Mat region_at(const cv::Mat& mask, cv::Point seed, double radius_cells) {
  cv::Mat out = cv::Mat::zeros(mask.size(), CV_8U);
  // The set cell nearest to the seed: the bevel's bright echo may sit right on it.
  const int r = static_cast<int>(std::ceil(radius_cells));
  std::optional<cv::Point> best;
  double best_d2 = std::numeric_limits<double>::infinity();
  for (int dy = -r; dy <= r; ++dy)
    for (int dx = -r; dx <= r; ++dx) {
      const cv::Point p = seed + cv::Point(dx, dy);
      const double d2 = dx * dx + dy * dy;
      if (d2 > radius_cells * radius_cells || d2 >= best_d2) continue;
      if (p.x < 0 || p.y < 0 || p.x >= mask.cols || p.y >= mask.rows || !mask.at<uint8_t>(p)) continue;
      best = p, best_d2 = d2;
    }
  if (!best) return out;
  cv::Mat labels;
  cv::connectedComponents(mask, labels, 8, CV_32S);
  const int label = labels.at<int>(*best);
  out = labels == label;
  return out;
}

cv::Mat filled(const cv::Mat& mask) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_NONE);
  cv::Mat out = cv::Mat::zeros(mask.size(), CV_8U);
  cv::drawContours(out, contours, -1, cv::Scalar(255), cv::FILLED);
  return out;
}

int count(const cv::Mat& mask) { return mask.empty() ? 0 : cv::countNonZero(mask); }

std::vector<PointMm> outline_mm(const cv::Mat& mask, const Window& w, double* perimeter_mm) {
  std::vector<std::vector<cv::Point>> contours;
  if (perimeter_mm) *perimeter_mm = 0;
  if (count(mask) == 0) return {};
  cv::findContours(mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  const auto largest = std::max_element(contours.begin(), contours.end(), [](auto& a, auto& b) {
    return cv::contourArea(a) < cv::contourArea(b);
  });
  if (perimeter_mm) *perimeter_mm = cv::arcLength(*largest, true) * w.cell_mm;
  return contour_mm(*largest, w);
}

std::vector<std::vector<PointMm>> outlines_mm(const cv::Mat& mask, const Window& w,
                                              double min_area_mm2) {
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  std::vector<std::pair<double, std::vector<PointMm>>> sized;
  for (const auto& c : contours) {
    const double area_mm2 = cv::contourArea(c) * w.cell_area_mm2();
    if (area_mm2 < min_area_mm2) continue;
    sized.emplace_back(area_mm2, contour_mm(c, w));
  }
  std::sort(sized.begin(), sized.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::vector<PointMm>> out;
  for (auto& [area, poly] : sized) out.push_back(std::move(poly));
  return out;
}

cv::Mat within(const cv::Mat& mask, double distance_mm, double cell_mm) {
  cv::Mat outside = mask == 0, distance;
  cv::distanceTransform(outside, distance, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  return distance <= distance_mm / cell_mm;
}

}  // namespace sonoflow::injectate
