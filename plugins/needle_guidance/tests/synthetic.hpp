// Synthetic B-mode-like test images with a known needle: speckle (Rayleigh-distributed
// amplitude, correlated over the resolution cell) plus the echo of a bright straight shaft
// of Gaussian cross-section from the image edge to a known tip, ending in a blurred step
// (half amplitude at the tip). Amplitudes add and are log-compressed over 60 dB to grey, as
// a B-mode display does. Deterministic for a given seed.
#pragma once

#include <memory>
#include <vector>

#include "needle_types.hpp"
#include "sonoflow/frames.hpp"

namespace sonoflow::needle::test {

struct SyntheticNeedle {
  bool present = true;
  double angle_deg = 30;
  int side = +1;            // +1 enters from +x
  Vec2 tip_mm{0, 15};
  double width_mm = 0.8;    // FWHM across the shaft
  double brightness = 150;  // grey levels of the shaft axis over the speckle's mean
  // Tissue layers parallel to the shaft (a tendon over the needle): each from above_mm
  // skin-ward of the shaft's axis on for thick_mm, with scatterers gain_db stronger, its
  // edges blurred over ~0.3 mm.
  struct Layer {
    double above_mm = 1, thick_mm = 1, gain_db = 20;
  };
  std::vector<Layer> layers;
  // Tissue ahead of the tip that is bright along the needle's line (where the line crosses
  // a boundary it will pierce): a fainter echo of the shaft's width, `ahead_brightness`
  // grey levels over the speckle, from ahead_from_mm beyond the tip on for ahead_mm (0:
  // none).
  double ahead_mm = 0, ahead_brightness = 0, ahead_from_mm = 0.5;
  // Stretches of the shaft whose echo is weaker (a rough shaft's echo varies along it):
  // from behind_tip_mm behind the tip back for length_mm, gain_db (< 0) on the shaft's
  // amplitude, the stretch's ends blurred like the tip.
  struct Dim {
    double behind_tip_mm = 0, length_mm = 2, gain_db = -10;
  };
  std::vector<Dim> dims;
};

// A bright curved surface: the upper half of a circle (a bone's top, as the femoral head
// under a hip injection), `brightness` grey levels over the speckle on its line, of the
// shaft's cross-section.
struct SyntheticArc {
  Vec2 centre_mm{0, 40};
  double radius_mm = 20;
  double brightness = 120;
  double width_mm = 0.8;
};

// A straight row of short bright dashes (echoes of unrelated structures that happen to lie
// on one line), from start_mm along angle_deg to the probe face, down towards +x.
struct SyntheticDashes {
  Vec2 start_mm{-20, 5};
  double angle_deg = 20;
  double length_mm = 40, dash_mm = 1, period_mm = 3;
  double brightness = 100;
  double width_mm = 0.8;
};

struct SyntheticImage {
  double width_mm = 40, depth_mm = 30;
  double spacing_x_mm = 0.1, spacing_z_mm = 0.1;
  double x0_mm = -20, z0_mm = 0;
  double background = 70;   // grey of the speckle's mean amplitude
  uint64_t seed = 1;
  int channels = 1;
  std::vector<SyntheticArc> arcs;
  std::vector<SyntheticDashes> dashes;
};

std::shared_ptr<ImageFrame> make_image(const SyntheticImage& img, const SyntheticNeedle& needle);

// The shaft's unit direction into the body for a needle description.
Vec2 needle_dir(const SyntheticNeedle& n);

// A 30 deg needle entering from `side` (+1: from +x) with its tip at (side * -3, 16) mm:
// ~25 mm of a moderately bright shaft (70 grey levels over the speckle) in view.
SyntheticNeedle long_needle(int side);

}  // namespace sonoflow::needle::test
