// The image a detector works on: the region of interest of any Raster (grey or BGR, any
// pixel spacing) resampled to square pixels of a fixed size in mm, as float grey. Working
// at a fixed mm resolution makes every filter size a physical size, so a detector behaves
// the same on a 0.05 mm and a 0.3 mm image, and bounds the cost on large images.
#pragma once

#include <algorithm>
#include <limits>
#include <opencv2/core.hpp>
#include <vector>

#include "needle_types.hpp"
#include "sonoflow/frames.hpp"

namespace sonoflow::needle {

// Axis-aligned mapping of a raster's pixels to probe mm: x = x0 + col dx, z = z0 + row dz.
struct PixelMap {
  double x0_mm = 0, z0_mm = 0, dx_mm = 1, dz_mm = 1;
  // From image_to_probe (or origin/spacing when the transform is unset). Throws
  // std::invalid_argument for sector (polar) images, rotated transforms, bad spacing.
  static PixelMap of(const Raster& r);
  cv::Point2d to_pixel(const Vec2& p) const { return {(p.x() - x0_mm) / dx_mm, (p.y() - z0_mm) / dz_mm}; }
  Vec2 to_mm(double col, double row) const { return {x0_mm + col * dx_mm, z0_mm + row * dz_mm}; }
};

struct WorkImage {
  cv::Mat grey;         // CV_32F, 0..255, square pixels of px_mm
  // Centre of pixel (0, 0) and pixel size along x and z: equal up to the rounding of the
  // pixel counts, which is kept exact here so that no mm bias creeps in.
  double x0_mm = 0, z0_mm = 0, px_mm = 0.2, pz_mm = 0.2;
  BoxMm image_box;      // the whole input image's extent in mm
  BoxMm roi_box;        // the part resampled into `grey`
  // CV_8U over `grey`, 255 where nothing was imaged: the black outside of a scan-converted
  // sector or a scanner's fan (zero-valued regions touching the image border), widened by
  // kDeadMarginMm so that the blurred step at its edge counts too. Empty when all imaged.
  cv::Mat dead;

  Vec2 to_mm(double col, double row) const { return {x0_mm + col * px_mm, z0_mm + row * pz_mm}; }
  cv::Point2d to_pixel(const Vec2& p) const { return {(p.x() - x0_mm) / px_mm, (p.y() - z0_mm) / pz_mm}; }
  double mm_to_px(double mm) const { return mm / px_mm; }
  // Whether `p` lies inside the work image and outside its dead region.
  bool imaged(const Vec2& p) const { return imaged_pixel(to_pixel(p)); }
  // The same for a point already in pixels (to_pixel): the profile samplers need both.
  // Inline: the tip search asks this tens of thousands of times per frame.
  bool imaged_pixel(const cv::Point2d& px) const {
    if (!(px.x > -0.5 && px.y > -0.5)) return false;  // also NaN
    const int c = static_cast<int>(px.x + 0.5), r = static_cast<int>(px.y + 0.5);
    if (c >= grey.cols || r >= grey.rows) return false;
    return dead.empty() || dead.at<uint8_t>(r, c) == 0;
  }
};

// Images and buffers the detection reuses from frame to frame instead of allocating them
// per frame (one per Guidance: a node runs serially; never shared between threads). At
// 0.2 mm a work image is ~200 x 200 floats; a dozen fresh ones per frame cost page faults
// whenever the heap has given its memory back in between.
struct Workspace {
  cv::Mat grey8, resized, grey, dead;  // make_work_image
  cv::Mat near_dead;                      // suppress_near_dead
  cv::Mat squared, energy;                // normalize_locally
  cv::Mat blurred, dxx, dzz, dxz, ridge;  // Hough: ridge filter
  cv::Mat votes, strong, mask;            // Hough: voting pixels, fit weights
  cv::Mat tophat, evidence, labels;       // RANSAC
  std::vector<cv::Mat> morph;             // white_tophat
  std::vector<float> values;              // percentile thresholds
  cv::Mat smooth;  // tip search
};

// How far the dead region is widened into the image, in mm: the blur of the sector edge
// (point spread function plus the detectors' smoothing).
constexpr double kDeadMarginMm = 1.0;
// Depth below the probe face (the first imaged pixel of a column) that is not searched
// (see mark_skin_zone): under a flat face (linear probe) and under a curved one (convex).
constexpr double kSkinZoneFlatMm = 2.0, kSkinZoneCurvedMm = 3.0;
// A face whose first imaged rows differ by more than this across the columns is curved.
constexpr double kCurvedFaceMm = 0.5;

// Resamples `r`'s region of interest (settings.roi, clipped to the image; the whole image
// without one). Throws std::invalid_argument naming the problem (empty, polar image,
// ROI outside the image, pixel data not matching the size).
WorkImage make_work_image(const Raster& r, const Settings& settings, Workspace& ws);

// Zeroes `evidence` (CV_32F over w.grey) within `margin_mm` of the dead region: the step
// from tissue to black is not a needle.
void suppress_near_dead(cv::Mat& evidence, const WorkImage& w, double margin_mm, Workspace& ws);

// Divides a non-negative evidence map (CV_32F over w.grey) by its local RMS over a square
// window of window_mm: what stands out from its surroundings counts, not absolute strength.
void normalize_locally(cv::Mat& evidence, const WorkImage& w, double window_mm, Workspace& ws);

// Bilinear sample of a CV_32F image at (col, row); NaN outside. Inline for the same reason
// as WorkImage::imaged_pixel.
inline float sample(const cv::Mat& img, double col, double row) {
  if (!(col >= 0 && row >= 0 && col <= img.cols - 1 && row <= img.rows - 1))
    return std::numeric_limits<float>::quiet_NaN();
  const int c = std::min(static_cast<int>(col), img.cols - 2);
  const int r = std::min(static_cast<int>(row), img.rows - 2);
  const float fx = static_cast<float>(col - c), fz = static_cast<float>(row - r);
  const float* a = img.ptr<float>(r) + c;
  const float* b = img.ptr<float>(r + 1) + c;
  return (a[0] * (1 - fx) + a[1] * fx) * (1 - fz) + (b[0] * (1 - fx) + b[1] * fx) * fz;
}

// `img` (CV_32F over w.grey) at p in mm, bilinear; NaN where nothing was imaged.
inline float sample_imaged(const WorkImage& w, const cv::Mat& img, const Vec2& p) {
  const cv::Point2d px = w.to_pixel(p);
  if (!w.imaged_pixel(px)) return std::numeric_limits<float>::quiet_NaN();
  return sample(img, px.x, px.y);
}

// The range [s0, s1] of s for which l.at(s) lies inside the box (slab intersection);
// false when the line misses it.
bool clip(const Line& l, const BoxMm& b, double& s0, double& s1);

}  // namespace sonoflow::needle
