#include "overlay.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/imgproc.hpp>

#include "work_image.hpp"

namespace sonoflow::needle {

namespace {

const cv::Scalar kShaft(0, 255, 255);      // yellow
const cv::Scalar kTip(0, 0, 255);          // red
const cv::Scalar kTrajectory(0, 200, 0);   // green
const cv::Scalar kTarget(255, 0, 255);     // magenta
const cv::Scalar kFluid(255, 200, 0);      // cyan-blue
const cv::Scalar kWarning(0, 128, 255);    // orange
const cv::Scalar kText(255, 255, 255);
const cv::Scalar kRoi(128, 128, 128);
// Dash length and gap of the trajectory, in screen pixels.
constexpr double kDashPx = 8, kGapPx = 6;

void dashed(cv::Mat& img, cv::Point2d a, cv::Point2d b, const cv::Scalar& c, int thick) {
  const cv::Point2d d = b - a;
  const double len = std::hypot(d.x, d.y);
  if (len < 1) return;
  const cv::Point2d u = d / len;
  for (double t = 0; t < len; t += kDashPx + kGapPx)
    cv::line(img, a + u * t, a + u * std::min(len, t + kDashPx), c, thick, cv::LINE_AA);
}

cv::Point2d px(const PixelMap& m, const PointMm& p) { return m.to_pixel(Vec2(p[0], p[1])); }

}  // namespace

std::shared_ptr<OverlayFrame> draw_overlay(const Raster& image, const NeedleFrame& n,
                                           const DrawOptions& o) {
  const PixelMap map = PixelMap::of(image);
  cv::Mat src(static_cast<int>(image.height), static_cast<int>(image.width),
              image.channels == 3 ? CV_8UC3 : CV_8UC1, const_cast<uint8_t*>(image.pixels.data()));
  auto out = std::make_shared<OverlayFrame>();
  out->copy_geometry(image);
  out->channels = 3;
  out->pixels.resize(size_t{image.width} * image.height * 3);
  cv::Mat bgr(src.rows, src.cols, CV_8UC3, out->pixels.data());
  if (image.channels == 3)
    src.copyTo(bgr);
  else
    cv::cvtColor(src, bgr, cv::COLOR_GRAY2BGR);

  const int size = std::max(bgr.cols, bgr.rows);
  const int thick = std::max(1, size / 300);
  const double font = std::max(0.35, size / 1200.0);
  const int marker = std::max(6, size / 40);

  if (o.roi && o.roi_box)
    cv::rectangle(bgr, px(map, {o.roi_box->x_min, o.roi_box->z_min}), px(map, {o.roi_box->x_max, o.roi_box->z_max}),
                  kRoi, thick);
  if (n.injectate_monitored && n.injectate_outline_mm.size() >= 3) {
    std::vector<cv::Point> poly;
    for (const auto& p : n.injectate_outline_mm) poly.push_back(px(map, p));
    cv::polylines(bgr, poly, true, kFluid, thick, cv::LINE_AA);
  }
  if (n.has_target) {
    cv::drawMarker(bgr, px(map, n.target_mm), kTarget, cv::MARKER_CROSS, marker, thick, cv::LINE_AA);
  }
  if (n.detected) {
    const cv::Scalar shaft = n.measured ? kShaft : kShaft * 0.6;
    cv::line(bgr, px(map, n.shaft_start_mm), px(map, n.tip_mm), shaft, thick + 1, cv::LINE_AA);
    if (o.trajectory) dashed(bgr, px(map, n.tip_mm), px(map, n.trajectory_end_mm), kTrajectory, thick);
    cv::drawMarker(bgr, px(map, n.tip_mm), kTip, cv::MARKER_DIAMOND, marker, thick, cv::LINE_AA);
  }
  if (o.text) {
    const int line_px = static_cast<int>(24 * font + 6);
    int y = line_px;
    auto put = [&](const std::string& s, const cv::Scalar& c) {
      cv::putText(bgr, s, {line_px / 3, y}, cv::FONT_HERSHEY_SIMPLEX, font, c, 1, cv::LINE_AA);
      y += line_px;
    };
    char buf[160];
    if (n.detected) {
      std::snprintf(buf, sizeof buf, "needle %.1f deg  conf %.2f%s", n.angle_deg, n.confidence,
                    n.measured ? "" : "  (predicted)");
      put(buf, kText);
      if (n.has_target && std::isfinite(n.tip_to_target_mm)) {
        std::snprintf(buf, sizeof buf, "to target %.1f mm  miss %.1f mm", n.tip_to_target_mm, n.predicted_miss_mm);
        put(buf, kText);
      }
    } else {
      put("no needle", kText);
    }
    for (const auto& w : n.warnings) put(w, kWarning);
  }
  return out;
}

}  // namespace sonoflow::needle
