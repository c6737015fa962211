#include "overlay.hpp"

#include <cmath>
#include <cstdio>

#include <opencv2/imgproc.hpp>

namespace sonoflow::injectate {

namespace {

const cv::Scalar kCompartmentColour(0, 200, 255);  // amber: what was there before
const cv::Scalar kFluidColour(255, 255, 0);        // cyan: the injectate, contained
const cv::Scalar kLeakColour(0, 0, 255);           // red: leaking
constexpr double kTextScalePerPixel = 1.0 / 600;   // text height follows the image size

std::vector<cv::Point> to_pixels(const std::vector<PointMm>& poly, const RasterGeometry& g) {
  std::vector<cv::Point> out;
  for (const auto& p : poly)
    out.emplace_back(static_cast<int>(std::lround((p[0] - g.origin_mm[0]) / g.spacing_mm[0])),
                     static_cast<int>(std::lround((p[1] - g.origin_mm[1]) / g.spacing_mm[1])));
  return out;
}

}  // namespace

void draw(cv::Mat& bgr, const RasterGeometry& g, const Measurement& m) {
  if (!m.monitored) return;
  const int thin = std::max(1, bgr.cols / 400);
  if (!m.compartment_mm.empty())
    cv::polylines(bgr, std::vector{to_pixels(m.compartment_mm, g)}, true, kCompartmentColour, thin);
  const cv::Scalar fluid = m.contained ? kFluidColour : kLeakColour;
  if (m.present)
    for (const auto& poly : m.outlines_mm)
      cv::polylines(bgr, std::vector{to_pixels(poly, g)}, true, fluid, 2 * thin, cv::LINE_AA);
  const double scale = std::max(0.4, bgr.rows * kTextScalePerPixel);
  char text[96];
  std::snprintf(text, sizeof text, "injectate %.1f mm2%s", m.area_mm2, m.contained ? "" : "  LEAK");
  const cv::Point at(4 * thin, bgr.rows - 6 * thin);
  cv::putText(bgr, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(0, 0, 0), 3 * thin, cv::LINE_AA);
  cv::putText(bgr, text, at, cv::FONT_HERSHEY_SIMPLEX, scale, m.leak_alert ? kLeakColour : fluid, thin,
              cv::LINE_AA);
}

}  // namespace sonoflow::injectate
