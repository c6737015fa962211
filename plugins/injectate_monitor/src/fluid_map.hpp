// The image processing of the injectate monitor, framework-free (OpenCV matrices in, masks
// out): an isotropic window in mm resampled from the B-mode image, speckle smoothing,
// anechoic and darkened masks, the connected region at a seed, contours in mm.
// Masks are CV_8U 0/255 on the window grid; smoothed images CV_32F grey levels.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

namespace sonoflow::injectate {

using PointMm = std::array<double, 2>;

// Where the pixels of a Cartesian raster lie: column c, row r at origin + (c, r) * spacing.
struct RasterGeometry {
  PointMm origin_mm{0, 0}, spacing_mm{1, 1};
};

// A square grid of `cell_mm` cells in probe coordinates (x lateral, z depth), clipped to
// the image; cell (0, 0) is centred at corner_mm.
struct Window {
  PointMm corner_mm{0, 0};
  double cell_mm = 0.1;
  int cols = 0, rows = 0;

  static Window around(PointMm centre_mm, double size_mm, double cell_mm, const RasterGeometry& g,
                       cv::Size image);
  cv::Point cell_of(PointMm p) const;
  PointMm mm_of(cv::Point2f cell) const;
  double cell_area_mm2() const { return cell_mm * cell_mm; }
  bool contains(cv::Point c) const { return c.x >= 0 && c.y >= 0 && c.x < cols && c.y < rows; }
};

// An image (grey levels or echo power) smoothed by a Gaussian of `smooth_mm`, which
// averages speckle out, and resampled on the window (bilinear): what remains is local
// echogenicity (CV_32F).
cv::Mat smoothed_window(const cv::Mat& image, const RasterGeometry& g, const Window& w,
                        double smooth_mm);

// The echo power of a log-compressed grey image (CV_32F, 1 at grey 255): grey g maps to
// (g / 255 - 1) * dynamic_range_db decibels. Echo power adds up over scatterers, so
// averaged power is proportional to how much tissue a region holds; grey levels are not.
cv::Mat echo_power(const cv::Mat& grey, double dynamic_range_db);

// The median grey level of a smoothed window, over the set cells of `mask` (all cells
// without one); NaN when there is none.
double median_level(const cv::Mat& smoothed, const cv::Mat& mask = {});

// Morphological closing with a disc of `close_mm` diameter: bridges the needle shaft and
// its reverberations across fluid so that they do not cut the region in two.
cv::Mat closed(const cv::Mat& mask, double close_mm, double cell_mm);

// Morphological opening with a disc of `open_mm` diameter: the parts of the mask that a
// disc that wide fits inside.
cv::Mat opened(const cv::Mat& mask, double open_mm, double cell_mm);

// The 8-connected component of `mask` that holds the set cell nearest to `seed` within
// `radius_cells`; an empty mask when none is set there.
cv::Mat region_at(const cv::Mat& mask, cv::Point seed, double radius_cells);

// The mask with the holes inside its outer contours filled.
cv::Mat filled(const cv::Mat& mask);

// Set cells of a mask, and the outline of its largest outer contour in mm (closed
// polygon, empty for an empty mask) with its length.
int count(const cv::Mat& mask);
std::vector<PointMm> outline_mm(const cv::Mat& mask, const Window& w, double* perimeter_mm = nullptr);

// The outer contours of the mask's regions of at least `min_area_mm2`, in mm, largest
// first.
std::vector<std::vector<PointMm>> outlines_mm(const cv::Mat& mask, const Window& w,
                                              double min_area_mm2);

// Cells within `distance_mm` of the set cells of `mask` (Euclidean, in mm).
cv::Mat within(const cv::Mat& mask, double distance_mm, double cell_mm);

}  // namespace sonoflow::injectate
