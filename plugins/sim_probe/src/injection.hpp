// Where the injectate goes. Fluid injected into solid tissue pools as a sphere around the
// tip and replaces the tissue it fills. Fluid injected into an anechoic compartment (an
// effusion recess, a bursa) distends that compartment instead: its walls move outward
// uniformly until its cross-section in the image plane has grown by pi r^2, r being the
// radius of a sphere of the injected volume. Either way the fluid seen in the image grows
// by pi r^2 (the sphere's central cross-section), which is what NeedleTruth reports.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "phantom.hpp"

namespace sonoflow::sim {

// The distension d of a compartment holding fluid of sphere radius r: the ellipse with
// semi-axes (a + d, b + d) has pi r^2 more area than (a, b).
double distension_mm(const EllipseShape& compartment, double fluid_radius_mm);

// The anechoic compartment the injection point lies in, if any (an effusion ellipse).
std::optional<EllipseShape> compartment_at(const Phantom& phantom, std::array<double, 2> point_mm);

// For every scatterer, the fluid radius (mm) at which the injectate displaces it:
// its distance from the injection point in solid tissue; in a compartment, the radius at
// which the distended compartment reaches it (bone never moves: infinity).
std::vector<float> displacement_radius_mm(const Phantom& phantom,
                                          const std::vector<Scatterer>& scatterers,
                                          std::array<double, 2> injection_point_mm);

}  // namespace sonoflow::sim
