#include "work_image.hpp"

#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace sonoflow::needle {

namespace {
std::string mm(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// A black region counts as "not imaged" from this share of the image on: single black
// pixels or an anechoic pocket clipped to 0 at the border are tissue.
constexpr double kMinDeadShare = 0.005;
constexpr int kMinBorderRunPx = 8;

// Zero-valued regions that touch the border of `grey8`, as 255 (empty: none). Flood fills
// from the black border pixels: only the regions found are visited, not the whole image.
cv::Mat border_black_regions(const cv::Mat& grey8) {
  const double min_area = kMinDeadShare * grey8.total();
  constexpr int kFlags = 4 | cv::FLOODFILL_MASK_ONLY | (255 << 8);
  cv::Mat seen(grey8.rows + 2, grey8.cols + 2, CV_8U, cv::Scalar(0));
  std::vector<cv::Point> large;  // one seed per region large enough to count
  // Seeds: the middle of every run of kMinBorderRunPx black border pixels. Speckle that is
  // black in a dark region touches the border in short runs; the outside of a sector or
  // fan in long ones. Filling from every black pixel would cost a flood fill each.
  auto seed_runs = [&](int n, auto at) {
    int run = 0;
    for (int i = 0; i <= n; ++i) {
      const cv::Point p = i < n ? at(i) : cv::Point{};
      if (i < n && grey8.at<uint8_t>(p) == 0) {
        ++run;
        continue;
      }
      if (run >= kMinBorderRunPx) {
        const cv::Point q = at(i - run / 2 - 1);
        if (!seen.at<uint8_t>(q.y + 1, q.x + 1) &&
            cv::floodFill(grey8, seen, q, 0, nullptr, 0, 0, kFlags) >= min_area)
          large.push_back(q);
      }
      run = 0;
    }
  };
  const int rows = grey8.rows, cols = grey8.cols;
  seed_runs(cols, [](int i) { return cv::Point{i, 0}; });
  seed_runs(cols, [&](int i) { return cv::Point{i, rows - 1}; });
  seed_runs(rows, [](int i) { return cv::Point{0, i}; });
  seed_runs(rows, [&](int i) { return cv::Point{cols - 1, i}; });
  if (large.empty()) return {};
  cv::Mat mask(seen.size(), CV_8U, cv::Scalar(0));
  for (const auto& p : large) cv::floodFill(grey8, mask, p, 0, nullptr, 0, 0, kFlags);
  return mask(cv::Rect(1, 1, grey8.cols, grey8.rows)).clone();
}

void dilate_mm(const cv::Mat& mask, double margin_mm, double px_mm, cv::Mat& out) {
  const int k = 2 * static_cast<int>(std::ceil(margin_mm / px_mm)) + 1;
  cv::dilate(mask, out, cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k}));
}
// Below the probe face lie the skin echo and the lens reverberations, bright and, for a
// convex probe, curved along the face, so that near the sector's edges pieces of them run
// at needle angles: with a 1.75-2 mm zone a chord of the hip's skin echo (0-2 mm deep,
// 9 deg) was a confident needle in every needle-free frame. Under a linear probe they run
// level and the ridge's angle test refuses them, so the zone can be shallower and a 40-50
// deg needle entering from the top is seen earlier: under 3 mm the first 5-10 mm of such
// an insertion held too little shaft to be found. 2 mm, not less: the knee's skin and
// subcutaneous echoes lie 2-3.5 mm down, and with a 1.5 mm zone their top-hat took the
// RANSAC detector's lines (a 30 deg needle on 512 x 512 frames: found in none of 8) and its
// ridge pixels cost Hough a 30 deg insertion's first frames. Knee replays, Hough: 84 %
// in-plane detection under 3 mm, 88 % under 2 mm or 1.5 mm, 86 % under 2.5 mm. The first
// kSkinZone*Mm under the first imaged pixel of every column count as not imaged (when the
// image starts at the probe face; a crop from deeper down keeps its top rows).
void mark_skin_zone(WorkImage& w, double top_of_crop_mm, Workspace& ws) {
  if (top_of_crop_mm > kSkinZoneCurvedMm) return;
  const int rows = w.grey.rows, cols = w.grey.cols;
  std::vector<int> first(cols, 0);  // first imaged row of each column (all 0 without a dead region)
  int top = 0, bottom = 0;
  if (!w.dead.empty()) {
    top = rows;
    for (int c = 0; c < cols; ++c) {
      int r = 0;
      while (r < rows && w.dead.at<uint8_t>(r, c)) ++r;
      first[c] = r;
      if (r < rows) top = std::min(top, r), bottom = std::max(bottom, r);
    }
  }
  const bool curved = (bottom - top) * w.pz_mm > kCurvedFaceMm;
  const double zone_mm = curved ? kSkinZoneCurvedMm : kSkinZoneFlatMm;
  if (top_of_crop_mm > zone_mm) return;  // no mask made for nothing: imaged() stays cheap
  if (w.dead.empty()) {
    ws.dead.create(w.grey.size(), CV_8U);
    ws.dead.setTo(0);
    w.dead = ws.dead;
  }
  const int zone_px = static_cast<int>(std::ceil(zone_mm / w.pz_mm));
  for (int c = 0; c < cols; ++c)
    for (int r = first[c]; r < std::min(rows, first[c] + zone_px); ++r)
      w.dead.at<uint8_t>(r, c) = 255;
}
}  // namespace

void suppress_near_dead(cv::Mat& evidence, const WorkImage& w, double margin_mm, Workspace& ws) {
  if (w.dead.empty()) return;
  dilate_mm(w.dead, margin_mm, w.px_mm, ws.near_dead);
  evidence.setTo(0, ws.near_dead);
}

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

WorkImage make_work_image(const Raster& r, const Settings& settings, Workspace& ws) {
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
    if (roi.x_max - roi.x_min < settings.min_shaft_mm ||
        roi.z_max - roi.z_min < settings.min_shaft_mm)
      throw std::invalid_argument("needle guidance: roi_mm [" + mm(s.x_min) + ", " + mm(s.z_min) +
                                  ", " + mm(s.x_max) + ", " + mm(s.z_max) +
                                  "] leaves less than min_shaft_mm of the image [" +
                                  mm(w.image_box.x_min) + ", " + mm(w.image_box.z_min) + ", " +
                                  mm(w.image_box.x_max) + ", " + mm(w.image_box.z_max) + "] mm");
  }
  // Native pixel range of the ROI (inclusive).
  const int c0 =
      std::max(0, static_cast<int>(std::ceil((roi.x_min - map.x0_mm) / map.dx_mm - 1e-9)));
  const int c1 = std::min<int>(
      r.width - 1, static_cast<int>(std::floor((roi.x_max - map.x0_mm) / map.dx_mm + 1e-9)));
  const int r0 =
      std::max(0, static_cast<int>(std::ceil((roi.z_min - map.z0_mm) / map.dz_mm - 1e-9)));
  const int r1 = std::min<int>(
      r.height - 1, static_cast<int>(std::floor((roi.z_max - map.z0_mm) / map.dz_mm + 1e-9)));
  const int n_cols = c1 - c0 + 1, n_rows = r1 - r0 + 1;

  cv::Mat native(static_cast<int>(r.height), static_cast<int>(r.width),
                 r.channels == 1 ? CV_8UC1 : CV_8UC3, const_cast<uint8_t*>(r.pixels.data()));
  cv::Mat crop = native(cv::Rect(c0, r0, n_cols, n_rows));
  cv::Mat grey8;
  if (r.channels == 3) {
    cv::cvtColor(crop, ws.grey8, cv::COLOR_BGR2GRAY);
    grey8 = ws.grey8;
  } else {
    grey8 = crop;
  }
  // Square working pixels: the same size in mm along x and z.
  const int out_cols =
      std::max(2, static_cast<int>(std::lround(n_cols * map.dx_mm / settings.working_pixel_mm)));
  const int out_rows =
      std::max(2, static_cast<int>(std::lround(n_rows * map.dz_mm / settings.working_pixel_mm)));
  cv::Mat& resized = ws.resized;
  const bool shrinking = out_cols < n_cols && out_rows < n_rows;
  cv::resize(grey8, resized, cv::Size(out_cols, out_rows), 0, 0,
             shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
  w.grey = ws.grey;  // its buffer, reused when the size is the same
  resized.convertTo(w.grey, CV_32F);
  ws.grey = w.grey;
  // On the working pixels (fewer than the input's): the fill's edge blurs by one working
  // pixel, less than the margin it is widened by.
  if (cv::Mat black = border_black_regions(resized); !black.empty()) {
    dilate_mm(black, kDeadMarginMm, settings.working_pixel_mm, ws.dead);
    w.dead = ws.dead;
  }
  // cv::resize maps output pixel centre j to input (j + 0.5) n / m - 0.5: the exact mm of
  // each working pixel follows from it.
  const double sx = double(n_cols) / out_cols, sz = double(n_rows) / out_rows;
  w.px_mm = sx * map.dx_mm;
  w.pz_mm = sz * map.dz_mm;
  w.x0_mm = map.x0_mm + map.dx_mm * (c0 + 0.5 * sx - 0.5);
  w.z0_mm = map.z0_mm + map.dz_mm * (r0 + 0.5 * sz - 0.5);
  w.roi_box = {w.x0_mm, w.z0_mm, w.x0_mm + (out_cols - 1) * w.px_mm,
               w.z0_mm + (out_rows - 1) * w.pz_mm};
  // After the pixel size is known (it was read here at its default 0.2 mm, so that another
  // working_pixel_mm scaled the zone's depth with it).
  mark_skin_zone(w, map.z0_mm + r0 * map.dz_mm, ws);
  return w;
}

// Divides a non-negative evidence map by its local RMS over a square window: a ridge
// counts by how much it stands out from the ridges around it, not by its absolute
// strength, so a bright cluttered region (bone and what lies beneath it) does not take
// every vote from a fainter but isolated and straight shaft.
void normalize_locally(cv::Mat& evidence, const WorkImage& w, double window_mm, Workspace& ws) {
  const int k = 2 * static_cast<int>(std::lround(0.5 * window_mm / w.px_mm)) + 1;
  cv::Mat& energy = ws.energy;
  cv::multiply(evidence, evidence, ws.squared);
  cv::boxFilter(ws.squared, energy, CV_32F, {k, k});  // running sums: O(1) per pixel
  cv::sqrt(energy, energy);
  const double floor = 1e-3 * cv::norm(energy, cv::NORM_INF) + 1e-12;
  cv::max(energy, floor, energy);
  cv::divide(evidence, energy, evidence);
}

bool clip(const Line& l, const BoxMm& b, double& s0, double& s1) {
  s0 = -1e9;
  s1 = 1e9;
  const double p[2] = {l.point.x(), l.point.y()}, d[2] = {l.dir.x(), l.dir.y()};
  const double lo[2] = {b.x_min, b.z_min}, hi[2] = {b.x_max, b.z_max};
  for (int k = 0; k < 2; ++k) {
    if (std::abs(d[k]) < 1e-12) {
      if (p[k] < lo[k] || p[k] > hi[k]) return false;
      continue;
    }
    double a = (lo[k] - p[k]) / d[k], c = (hi[k] - p[k]) / d[k];
    if (a > c) std::swap(a, c);
    s0 = std::max(s0, a);
    s1 = std::min(s1, c);
  }
  return s1 > s0;
}

}  // namespace sonoflow::needle
