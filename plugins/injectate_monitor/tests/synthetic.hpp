// Synthetic B-mode images for the tests: fully developed speckle (a complex Gaussian
// field blurred by a point spread function) shaped by an echogenicity map, log-compressed
// like the bmode node (60 dB, 0 dB at the frame's maximum). The speckle pattern is fixed
// by `tissue_seed` (static tissue); a little noise that changes every frame comes from
// `frame_seed`.
#pragma once

#include <cstdint>
#include <functional>

#include <opencv2/core.hpp>

#include "monitor.hpp"

namespace sonoflow::injectate::test {

using Echogenicity = std::function<double(double x_mm, double z_mm)>;  // 0 anechoic, 1 tissue

// 40 x 40 mm at 0.1 mm lateral, 0.05 mm axial pixels, x from -20 mm, z from 0.
RasterGeometry test_geometry();
cv::Size test_size();

cv::Mat speckle_image(const Echogenicity& echo, uint64_t tissue_seed, uint64_t frame_seed);

// Echogenicity maps: tissue with anechoic discs and ellipses (x, z centre; radii in mm).
struct Ellipse {
  double cx, cz, ax, az;
  bool contains(double x, double z) const;
};
Echogenicity tissue_without(std::vector<Ellipse> anechoic);

NeedleInput needle_at(PointMm tip_mm, std::optional<PointMm> target_mm = std::nullopt);

}  // namespace sonoflow::injectate::test
