#include "injection.hpp"

#include <cmath>
#include <limits>

namespace sonoflow::sim {

namespace {

// Bisection steps for the distension that reaches a point: 2^-40 of the span, far below
// a scatterer's sub-micrometre significance.
constexpr int kBisectionSteps = 40;

// The smallest d >= 0 for which the ellipse (a + d, b + d) contains the point (u, v)
// relative to its centre. The containment test only loosens as d grows.
double distension_reaching(const EllipseShape& e, double u, double v) {
  const auto inside = [&](double d) {
    const double p = u / (e.ax_mm + d), q = v / (e.az_mm + d);
    return p * p + q * q <= 1;
  };
  if (inside(0)) return 0;
  double lo = 0, hi = std::hypot(u, v);  // a circle of that radius surely contains it
  for (int i = 0; i < kBisectionSteps; ++i) {
    const double mid = (lo + hi) / 2;
    (inside(mid) ? hi : lo) = mid;
  }
  return hi;
}

}  // namespace

double distension_mm(const EllipseShape& e, double r_mm) {
  // (a + d)(b + d) = ab + r^2  ->  d^2 + (a + b) d - r^2 = 0, the positive root.
  const double s = e.ax_mm + e.az_mm;
  return (-s + std::sqrt(s * s + 4 * r_mm * r_mm)) / 2;
}

std::optional<EllipseShape> compartment_at(const Phantom& phantom, std::array<double, 2> p) {
  const Region* region = nullptr;
  if (phantom.tissue_at(p[0], p[1], &region) != Tissue::effusion || !region || !region->ellipse)
    return std::nullopt;
  return region->ellipse;
}

std::vector<float> displacement_radius_mm(const Phantom& phantom,
                                          const std::vector<Scatterer>& scatterers,
                                          std::array<double, 2> point) {
  std::vector<float> radius(scatterers.size());
  const auto compartment = compartment_at(phantom, point);
  for (size_t i = 0; i < scatterers.size(); ++i) {
    const auto& s = scatterers[i];
    if (!compartment) {
      radius[i] = static_cast<float>(std::hypot(s.x_mm - point[0], s.y_mm, s.z_mm - point[1]));
      continue;
    }
    if (phantom.tissue_at(s.x_mm, s.z_mm) == Tissue::bone) {
      radius[i] = std::numeric_limits<float>::infinity();
      continue;
    }
    // Invert distension_mm: the fluid radius whose distension reaches this scatterer.
    const auto& e = *compartment;
    const double d = distension_reaching(e, s.x_mm - e.cx_mm, s.z_mm - e.cz_mm);
    radius[i] = static_cast<float>(std::sqrt((e.ax_mm + d) * (e.az_mm + d) - e.ax_mm * e.az_mm));
  }
  return radius;
}

}  // namespace sonoflow::sim
