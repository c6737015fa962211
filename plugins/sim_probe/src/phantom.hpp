// Phantoms: anatomy as regions of tissue classes, each with its echo texture, turned into
// point scatterers. Regions are painted in order (a later region covers an earlier one),
// as an illustrator layers anatomy: fat everywhere, then tendon, recess, bone...
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "echo_model.hpp"

namespace sonoflow::sim {

enum class Tissue { none, skin, fat, muscle, tendon, capsule, bone, cartilage, effusion, speckle };

// Echo texture of a tissue class. Amplitudes are Gaussian (fully developed speckle) times
// `reflectivity`, modulated by stripes across `fiber_angle_deg` for fibrillar tissue.
struct Texture {
  double density = 1;         // relative scatterer density; 0: anechoic
  double reflectivity = 1;    // relative echo amplitude
  double stripe_depth = 0;    // 0..1: how strongly stripes modulate the amplitude
  double stripe_period_mm = 1;
  double fiber_angle_deg = 0;  // direction of fibres / stripes, from the x axis
  double bright_surface_mm = 0;  // bone: only this layer below the surface echoes (shadow below)
};

Texture texture_of(Tissue tissue, double fiber_angle_deg = 0);

// z of a boundary at lateral x: a quadratic a + b x + c x^2 (mm).
struct Curve {
  double a = 0, b = 0, c = 0;
  double z(double x) const { return a + x * (b + x * c); }
};

// An elliptic region's shape, kept so that the injectate can distend it (injection.hpp).
struct EllipseShape {
  double cx_mm = 0, cz_mm = 0, ax_mm = 0, az_mm = 0;  // centre and semi-axes
};

struct Region {
  Tissue tissue = Tissue::none;
  std::function<bool(double x, double z)> contains;
  double fiber_angle_deg = 0;
  Curve surface;  // for bone: the cortex, whose depth below decides surface or shadow
  std::optional<EllipseShape> ellipse;  // set by ellipse()
};

Region layer(Tissue tissue, Curve top, Curve bottom, double fiber_angle_deg = 0);
Region below(Tissue tissue, Curve top);  // everything under a curve (bone)
Region ellipse(Tissue tissue, double cx, double cz, double ax, double az);

struct Phantom {
  std::string name;
  double x_min_mm = -20, x_max_mm = 20, depth_mm = 40;
  std::vector<Region> regions;         // painted in order
  std::vector<Scatterer> points;       // explicit targets, added as they are
  bool tissue = true;                  // false: the explicit points only
  // Where scatterers may lie (e.g. inside a convex probe's sector); none: everywhere.
  std::function<bool(double x, double z)> field_of_view;

  Tissue tissue_at(double x, double z, const Region** region = nullptr) const;
};

// Draws `count` candidate positions uniformly in the phantom's box (elevation within
// +-3 elevation sigmas) and keeps each with its tissue's density, amplitude from its
// texture. Deterministic for a given seed.
std::vector<Scatterer> generate_scatterers(const Phantom& phantom, size_t count,
                                           double elevation_sigma_mm, uint64_t seed);

}  // namespace sonoflow::sim
