#include "phantom_presets.hpp"

#include <cmath>

namespace sonoflow::sim {

void fit_to_probe(Phantom& phantom, const ProbeModel& probe) {
  const double half_aperture_mm = probe.elements * probe.pitch_mm / 2;
  if (!probe.convex()) {
    phantom.x_min_mm = -half_aperture_mm;
    phantom.x_max_mm = half_aperture_mm;
    return;
  }
  // The sector of a convex array: rays from the centre of curvature (0, -R) through the
  // end elements; scatterers outside it are never imaged.
  const double R = probe.radius_mm, half_angle = half_aperture_mm / R;
  const double half_width = (R + phantom.depth_mm) * std::sin(half_angle);
  phantom.x_min_mm = -half_width;
  phantom.x_max_mm = half_width;
  phantom.field_of_view = [R, half_angle](double x, double z) {
    return std::abs(std::atan2(x, z + R)) <= half_angle && std::hypot(x, z + R) >= R;
  };
}

Phantom knee_suprapatellar() {
  Phantom p;
  p.name = "knee_suprapatellar";
  p.depth_mm = 40;
  const Curve skin_bottom{1.6, 0, 0};
  const Curve tendon_top{5.0, 0.03, 0}, tendon_bottom{10.0, 0.05, 0};
  const Curve femur{25.0, 0.02, 0.004};
  p.regions = {
      layer(Tissue::fat, {0, 0, 0}, {1e9, 0, 0}),            // subcutaneous and deep fat
      layer(Tissue::skin, {0, 0, 0}, skin_bottom),
      layer(Tissue::tendon, tendon_top, tendon_bottom, 2.5),  // quadriceps tendon, ~2.5 deg
      ellipse(Tissue::effusion, 1.0, 17.5, 15.0, 3.2),        // suprapatellar recess
      below(Tissue::bone, femur),                             // femoral shaft cortex
  };
  return p;
}

Phantom hip_anterior(const ProbeModel& probe) {
  Phantom p;
  p.name = "hip_anterior";
  p.depth_mm = 80;
  const Curve capsule_top{46.0, 0.05, 0.006}, capsule_bottom{47.2, 0.05, 0.006};
  const Curve bone{51.5, 0.08, 0.009};
  const Curve cartilage_top{49.8, 0.08, 0.009};
  p.regions = {
      layer(Tissue::fat, {0, 0, 0}, {1e9, 0, 0}),
      layer(Tissue::skin, {0, 0, 0}, {2.0, 0, 0}),
      layer(Tissue::muscle, {16.0, 0.02, 0}, capsule_top, 12),  // iliopsoas, pennate fibres
      layer(Tissue::capsule, capsule_top, capsule_bottom),
      ellipse(Tissue::effusion, 6.0, 48.8, 11.0, 1.9),  // anterior recess, head-neck junction
      // Cartilage caps the femoral head (the medial part of the view, x < 0).
      Region{Tissue::cartilage,
             [=](double x, double z) { return x < -4 && z >= cartilage_top.z(x) && z < bone.z(x); },
             0, {}, std::nullopt},
      below(Tissue::bone, bone),
  };
  fit_to_probe(p, probe);
  return p;
}

Phantom point_targets(double depth_mm) {
  Phantom p;
  p.name = "point_targets";
  p.depth_mm = depth_mm;
  p.tissue = false;
  const double step_mm = depth_mm >= 60 ? 10 : 5;
  for (double z = step_mm * 2; z <= depth_mm - step_mm / 2; z += step_mm)
    for (double x : {-10.0, 0.0, 10.0})
      p.points.push_back({static_cast<float>(x), 0, static_cast<float>(z), 1.0f});
  return p;
}

Phantom cyst(double depth_mm) {
  Phantom p;
  p.name = "cyst";
  p.depth_mm = depth_mm;
  const double s = depth_mm / 40;  // cysts scale with the field
  p.regions = {
      layer(Tissue::speckle, {0, 0, 0}, {1e9, 0, 0}),
      ellipse(Tissue::effusion, -9 * s, 15 * s, 2 * s, 2 * s),
      ellipse(Tissue::effusion, 0, 22 * s, 3 * s, 3 * s),
      ellipse(Tissue::effusion, 9 * s, 30 * s, 4 * s, 4 * s),
  };
  return p;
}

}  // namespace sonoflow::sim
