// Plain types shared by the needle detectors, the tip search, the tracker and the overlay:
// a line in mm, the settings every node type takes, and what one image yields. Everything
// is in probe coordinates (x lateral, z depth, mm) so that results do not depend on the
// image's pixel spacing.
#pragma once

#include <Eigen/Core>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace sonoflow::needle {

using Vec2 = Eigen::Vector2d;  // (x_mm, z_mm)

// A shaft line: a point on it and its unit direction pointing into the body (dir.z >= 0).
struct Line {
  Vec2 point{0, 0};
  Vec2 dir{1, 0};

  // Angle of the shaft to the probe surface (x axis), 0..90 deg.
  double angle_deg() const;
  // +1: the needle enters from +x (goes towards -x as it deepens), -1 from -x, 0 vertical.
  int insertion_side() const;
  double distance_mm(const Vec2& p) const;
  double along_mm(const Vec2& p) const { return dir.dot(p - point); }
  Vec2 at(double s_mm) const { return point + s_mm * dir; }
};

// Which sides a needle may enter from.
enum class Side { any, left, right };

// Rectangle in mm (x_min, z_min, x_max, z_max).
struct BoxMm {
  double x_min = 0, z_min = 0, x_max = 0, z_max = 0;
  bool contains(const Vec2& p) const {
    return p.x() >= x_min && p.x() <= x_max && p.y() >= z_min && p.y() <= z_max;
  }
};

struct Settings {
  std::optional<BoxMm> roi;           // none: the whole image
  Side side = Side::any;
  double angle_min_deg = 3, angle_max_deg = 80;
  double working_pixel_mm = 0.2;      // images are resampled to this before detection
  double min_shaft_mm = 4;            // shorter bright runs are not a needle
  double min_confidence = 0.5;        // below: not detected
  int max_coast_frames = 5;           // frames the tracker carries a lost needle
  double dynamic_range_db = 60;       // of the input's grey scale (log-compressed B-mode)
  bool has_target = false;
  Vec2 target_mm{0, 0};
};

// One image's measurement, before tracking.
struct Measurement {
  Line line;             // fitted shaft, point = the visible shaft start
  Vec2 shaft_start_mm{0, 0};
  Vec2 tip_mm{0, 0};
  double confidence = 0;    // 0..1 from the shaft's significance and length
  // The shaft's contrast over its brighter side (grey levels), and that contrast in robust
  // standard deviations of the same measure on all parallel stretches of the image
  // (significance.hpp): how unlikely the line is to be tissue.
  double contrast = 0;
  double significance = 0;
  double length_mm = 0;
  double entry_gap_mm = 0;  // from the visible shaft start back to the image's border
  // The stretch the significance is taken over (from the image's border to the tip), mm
  // along `line` from its point.
  double span_from_mm = 0, span_to_mm = 0;
  double fade_ratio = 1;    // distal third's brightness over the proximal third's
  // How far the shaft's echo pattern moved along line.dir since the previous frame, mm
  // (+: towards the tip; axial_motion.hpp). nullopt when it could not be measured.
  std::optional<double> axial_shift_mm;
  // The shaft slid along itself through still tissue over the last frames: a needle being
  // moved (axial_motion.hpp). A new track starts confirmed on such a measurement.
  bool slides = false;
};

}  // namespace sonoflow::needle
