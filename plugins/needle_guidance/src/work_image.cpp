#include "work_image.hpp"

#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>

namespace sonoflow::needle {

namespace {
std::string mm(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}
}  // namespace

PixelMap PixelMap::of(const Raster& r) {
  if (r.sector)
    throw std::invalid_argument(
        "needle guidance needs a Cartesian image; this one is a polar sector image "
        "(put scan_convert before the needle node)");
  const auto& m = r.image_to_probe;
  bool transform_set = false;
  for (double v : m) transform_set = transform_set || v != 0;
  PixelMap p;
  if (transform_set) {
    // Rows 0 and 2 of the homogeneous transform give x and z of (col, row, 0, 1).
    if (m[1] != 0 || m[8] != 0)
      throw std::invalid_argument(
          "needle guidance needs an axis-aligned image (image_to_probe maps rows to x or "
          "columns to z: a rotated image is not supported)");
    p = {m[3], m[11], m[0], m[9]};
  } else {
    p = {r.origin_mm[0], r.origin_mm[1], r.spacing_mm[0], r.spacing_mm[1]};
  }
  if (!(p.dx_mm > 0) || !(p.dz_mm > 0) || !std::isfinite(p.x0_mm) || !std::isfinite(p.z0_mm))
    throw std::invalid_argument("needle guidance needs positive pixel spacing in mm, got (" +
                                mm(p.dx_mm) + ", " + mm(p.dz_mm) + ")");
  return p;
}

WorkImage make_work_image(const Raster& r, const Settings& settings) {
  if (r.width < 2 || r.height < 2)
    throw std::invalid_argument("needle guidance: image of " + std::to_string(r.width) + " x " +
                                std::to_string(r.height) + " pixels is too small");
  if (r.channels != 1 && r.channels != 3)
    throw std::invalid_argument("needle guidance: images must be grey or BGR, got " +
                                std::to_string(r.channels) + " channels");
  if (r.pixels.size() != size_t{r.width} * r.height * r.channels)
    throw std::invalid_argument("needle guidance: image has " + std::to_string(r.pixels.size()) +
                                " bytes of pixels, expected width x height x channels = " +
                                std::to_string(size_t{r.width} * r.height * r.channels));
  if (!(settings.working_pixel_mm > 0))
    throw std::invalid_argument("needle guidance: working_pixel_mm must be positive");
  const PixelMap map = PixelMap::of(r);

  WorkImage w;
  w.image_box = {map.x0_mm, map.z0_mm, map.x0_mm + (r.width - 1) * map.dx_mm,
                 map.z0_mm + (r.height - 1) * map.dz_mm};
  BoxMm roi = w.image_box;
  if (settings.roi) {
    const BoxMm& s = *settings.roi;
    roi = {std::max(s.x_min, roi.x_min), std::max(s.z_min, roi.z_min), std::min(s.x_max, roi.x_max),
           std::min(s.z_max, roi.z_max)};
    if (roi.x_max - roi.x_min < settings.min_shaft_mm || roi.z_max - roi.z_min < settings.min_shaft_mm)
      throw std::invalid_argument(
          "needle guidance: roi_mm [" + mm(s.x_min) + ", " + mm(s.z_min) + ", " + mm(s.x_max) + ", " +
          mm(s.z_max) + "] leaves less than min_shaft_mm of the image [" + mm(w.image_box.x_min) +
          ", " + mm(w.image_box.z_min) + ", " + mm(w.image_box.x_max) + ", " + mm(w.image_box.z_max) +
          "] mm");
  }
  // Native pixel range of the ROI (inclusive).
  const int c0 = std::max(0, static_cast<int>(std::ceil((roi.x_min - map.x0_mm) / map.dx_mm - 1e-9)));
  const int c1 = std::min<int>(r.width - 1, static_cast<int>(std::floor((roi.x_max - map.x0_mm) / map.dx_mm + 1e-9)));
  const int r0 = std::max(0, static_cast<int>(std::ceil((roi.z_min - map.z0_mm) / map.dz_mm - 1e-9)));
  const int r1 = std::min<int>(r.height - 1, static_cast<int>(std::floor((roi.z_max - map.z0_mm) / map.dz_mm + 1e-9)));
  const int n_cols = c1 - c0 + 1, n_rows = r1 - r0 + 1;

  cv::Mat native(static_cast<int>(r.height), static_cast<int>(r.width), r.channels == 1 ? CV_8UC1 : CV_8UC3,
                 const_cast<uint8_t*>(r.pixels.data()));
  cv::Mat crop = native(cv::Rect(c0, r0, n_cols, n_rows));
  cv::Mat grey8;
  if (r.channels == 3)
    cv::cvtColor(crop, grey8, cv::COLOR_BGR2GRAY);
  else
    grey8 = crop;
  // Square working pixels: the same size in mm along x and z.
  const int out_cols = std::max(2, static_cast<int>(std::lround(n_cols * map.dx_mm / settings.working_pixel_mm)));
  const int out_rows = std::max(2, static_cast<int>(std::lround(n_rows * map.dz_mm / settings.working_pixel_mm)));
  cv::Mat resized;
  const bool shrinking = out_cols < n_cols && out_rows < n_rows;
  cv::resize(grey8, resized, cv::Size(out_cols, out_rows), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
  resized.convertTo(w.grey, CV_32F);
  // cv::resize maps output pixel centre j to input (j + 0.5) n / m - 0.5: the exact mm of
  // each working pixel follows from it.
  const double sx = double(n_cols) / out_cols, sz = double(n_rows) / out_rows;
  w.px_mm = sx * map.dx_mm;
  w.pz_mm = sz * map.dz_mm;
  w.x0_mm = map.x0_mm + map.dx_mm * (c0 + 0.5 * sx - 0.5);
  w.z0_mm = map.z0_mm + map.dz_mm * (r0 + 0.5 * sz - 0.5);
  w.roi_box = {w.x0_mm, w.z0_mm, w.x0_mm + (out_cols - 1) * w.px_mm, w.z0_mm + (out_rows - 1) * w.pz_mm};
  return w;
}

float sample(const cv::Mat& img, double col, double row) {
  if (!(col >= 0 && row >= 0 && col <= img.cols - 1 && row <= img.rows - 1))
    return std::numeric_limits<float>::quiet_NaN();
  const int c = std::min(static_cast<int>(col), img.cols - 2);
  const int r = std::min(static_cast<int>(row), img.rows - 2);
  const float fx = static_cast<float>(col - c), fz = static_cast<float>(row - r);
  const float* a = img.ptr<float>(r) + c;
  const float* b = img.ptr<float>(r + 1) + c;
  return (a[0] * (1 - fx) + a[1] * fx) * (1 - fz) + (b[0] * (1 - fx) + b[1] * fx) * fz;
}

}  // namespace sonoflow::needle
