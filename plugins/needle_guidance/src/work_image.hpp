// The image a detector works on: the region of interest of any Raster (grey or BGR, any
// pixel spacing) resampled to square pixels of a fixed size in mm, as float grey. Working
// at a fixed mm resolution makes every filter size a physical size, so a detector behaves
// the same on a 0.05 mm and a 0.3 mm image, and bounds the cost on large images.
#pragma once

#include <opencv2/core.hpp>

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

  Vec2 to_mm(double col, double row) const { return {x0_mm + col * px_mm, z0_mm + row * pz_mm}; }
  cv::Point2d to_pixel(const Vec2& p) const { return {(p.x() - x0_mm) / px_mm, (p.y() - z0_mm) / pz_mm}; }
  double mm_to_px(double mm) const { return mm / px_mm; }
};

// Resamples `r`'s region of interest (settings.roi, clipped to the image; the whole image
// without one). Throws std::invalid_argument naming the problem (empty, polar image,
// ROI outside the image, pixel data not matching the size).
WorkImage make_work_image(const Raster& r, const Settings& settings);

// Bilinear sample of a CV_32F image at (col, row); NaN outside.
float sample(const cv::Mat& img, double col, double row);

}  // namespace sonoflow::needle
