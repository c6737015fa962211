// Scan conversion, framework-free: a sector image still in polar form (what bmode passes
// through from a convex das_beamformer grid) to a Cartesian image with square mm pixels.
// The polar convention is the beamformer's (das_core.hpp Grid, frames.hpp IqFrame): with
// `sector` set, column j is the angle theta_j = origin_mm[0] + j spacing_mm[0] (rad, from
// +z towards +x), row i the radius rho_i = origin_mm[1] + i spacing_mm[1] (mm) from the
// apex (0, sector->apex_z_mm), i.e. the point x = rho sin(theta), z = apex_z + rho cos(theta).
// Each output pixel is found in the polar image by the inverse map and interpolated
// bilinearly; pixels outside the sector are 0. The inverse map is a lookup table built
// once per geometry (it costs a sqrt and an atan2 per pixel) and reused frame to frame.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sonoflow/frames.hpp"

namespace sonoflow::scan {

// Where the Cartesian image lies: pixel (col, row) at (x0_mm + col pixel_mm, z0_mm +
// row pixel_mm), probe coordinates.
struct CartesianGrid {
  uint32_t width = 0, height = 0;
  double x0_mm = 0, z0_mm = 0, pixel_mm = 0;
};

// The automatic pixel: the sector's larger bounding-box side over kAutoPixels, so that a
// display-sized image comes out whatever the depth (0.2 mm for an ~100 mm hip sector).
constexpr double kAutoPixels = 512;

// The bounding box of the sector of `polar` on a grid of `pixel_mm` (0: automatic).
CartesianGrid grid_for(const ImageFrame& polar, double pixel_mm);

class ScanConverter {
 public:
  // A Cartesian copy of `polar` (which must have `sector` set): pixels, header and truth;
  // origin/spacing and image_to_probe describe the new grid, `sector` is cleared.
  std::shared_ptr<ImageFrame> convert(const ImageFrame& polar, double pixel_mm);

 private:
  struct Tap {
    uint32_t index;  // of the top-left polar pixel (row * width + column)
    float fx, fz;    // bilinear fractions along columns and rows
  };
  void build(const ImageFrame& polar, double pixel_mm);

  // The geometry the table was built for; rebuilt when any of it changes.
  std::vector<double> key_;
  CartesianGrid grid_;
  std::vector<Tap> taps_;  // one per output pixel; index UINT32_MAX = outside the sector
};

}  // namespace sonoflow::scan
