// Scan conversion: see scan_convert_core.hpp.
#include "scan_convert_core.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace sonoflow::scan {

namespace {

constexpr uint32_t kOutside = std::numeric_limits<uint32_t>::max();

struct Sector {
  double theta0_rad, dtheta_rad, rho0_mm, drho_mm, apex_z_mm;
  uint32_t columns, rows;
  double theta1_rad() const { return theta0_rad + (columns - 1) * dtheta_rad; }
  double rho1_mm() const { return rho0_mm + (rows - 1) * drho_mm; }
};

Sector sector_of(const ImageFrame& polar) {
  if (!polar.sector) throw std::invalid_argument("scan_convert: the image has no sector");
  if (polar.width < 2 || polar.height < 2)
    throw std::invalid_argument("scan_convert: a sector image needs at least 2 x 2 pixels");
  return {polar.origin_mm[0],      polar.spacing_mm[0], polar.origin_mm[1], polar.spacing_mm[1],
          polar.sector->apex_z_mm, polar.width,         polar.height};
}

}  // namespace

CartesianGrid grid_for(const ImageFrame& polar, double pixel_mm) {
  const Sector s = sector_of(polar);
  // The box spans the four corners, plus the deepest point when the sector contains the
  // axis (theta = 0, the arc bulges below its corners there).
  double x_min = 1e300, x_max = -1e300, z_min = 1e300, z_max = -1e300;
  for (double theta : {s.theta0_rad, s.theta1_rad()})
    for (double rho : {s.rho0_mm, s.rho1_mm()}) {
      const double x = rho * std::sin(theta), z = s.apex_z_mm + rho * std::cos(theta);
      x_min = std::min(x_min, x), x_max = std::max(x_max, x);
      z_min = std::min(z_min, z), z_max = std::max(z_max, z);
    }
  if (s.theta0_rad <= 0 && s.theta1_rad() >= 0) {
    z_min = std::min(z_min, s.apex_z_mm + s.rho0_mm);
    z_max = std::max(z_max, s.apex_z_mm + s.rho1_mm());
  }
  CartesianGrid g;
  g.pixel_mm = pixel_mm > 0 ? pixel_mm : std::max(x_max - x_min, z_max - z_min) / kAutoPixels;
  g.x0_mm = x_min, g.z0_mm = z_min;
  g.width = static_cast<uint32_t>(std::floor((x_max - x_min) / g.pixel_mm)) + 1;
  g.height = static_cast<uint32_t>(std::floor((z_max - z_min) / g.pixel_mm)) + 1;
  return g;
}

void ScanConverter::build(const ImageFrame& polar, double pixel_mm) {
  const Sector s = sector_of(polar);
  grid_ = grid_for(polar, pixel_mm);
  taps_.resize(size_t{grid_.width} * grid_.height);
  const CartesianGrid g = grid_;
  tbb::parallel_for(uint32_t{0}, g.height, [&](uint32_t row) {
    const double z = g.z0_mm + row * g.pixel_mm - s.apex_z_mm;
    for (uint32_t col = 0; col < g.width; ++col) {
      const double x = g.x0_mm + col * g.pixel_mm;
      const double u = (std::atan2(x, z) - s.theta0_rad) / s.dtheta_rad;
      const double v = (std::hypot(x, z) - s.rho0_mm) / s.drho_mm;
      Tap& t = taps_[size_t{row} * g.width + col];
      // Inside the sector is inside the grid of samples: [0, columns - 1] x [0, rows - 1].
      if (!(u >= 0 && u <= s.columns - 1 && v >= 0 && v <= s.rows - 1)) {
        t = {kOutside, 0, 0};
        continue;
      }
      // The last column/row interpolates from its left/upper neighbour with fraction 1.
      const uint32_t c = std::min(static_cast<uint32_t>(u), s.columns - 2);
      const uint32_t r = std::min(static_cast<uint32_t>(v), s.rows - 2);
      t = {r * s.columns + c, static_cast<float>(u - c), static_cast<float>(v - r)};
    }
  });
}

std::shared_ptr<ImageFrame> ScanConverter::convert(const ImageFrame& polar, double pixel_mm) {
  const Sector s = sector_of(polar);
  const std::vector<double> key{s.theta0_rad, s.dtheta_rad,      s.rho0_mm,      s.drho_mm,
                                s.apex_z_mm,  double(s.columns), double(s.rows), pixel_mm};
  if (key != key_) {
    build(polar, pixel_mm);
    key_ = key;
  }
  auto out = std::make_shared<ImageFrame>();
  out->header = polar.header;
  out->truth = polar.truth;
  out->width = grid_.width;
  out->height = grid_.height;
  out->channels = polar.channels;
  out->origin_mm = {grid_.x0_mm, grid_.z0_mm};
  out->spacing_mm = {grid_.pixel_mm, grid_.pixel_mm};
  out->set_cartesian_transform();
  const uint32_t ch = polar.channels, stride = s.columns * ch;
  out->pixels.assign(taps_.size() * ch, 0);
  const uint8_t* in = polar.pixels.data();
  uint8_t* dst = out->pixels.data();
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, taps_.size(), 4096),
      [&](const tbb::blocked_range<size_t>& range) {
        for (size_t i = range.begin(); i != range.end(); ++i) {
          const Tap t = taps_[i];
          if (t.index == kOutside) continue;
          const uint8_t* p = in + size_t{t.index} * ch;
          for (uint32_t k = 0; k < ch; ++k) {
            const float top = p[k] + t.fx * (p[k + ch] - p[k]);
            const float bottom = p[k + stride] + t.fx * (p[k + stride + ch] - p[k + stride]);
            dst[i * ch + k] = static_cast<uint8_t>(top + t.fz * (bottom - top) + 0.5f);
          }
        }
      });
  return out;
}

}  // namespace sonoflow::scan
