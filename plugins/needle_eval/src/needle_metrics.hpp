// Needle-guidance accuracy against the simulator's ground truth, framework-free: how one
// NeedleFrame compares with its NeedleTruth (FrameEval), and what a run of them adds up to
// (Summary). The needle_eval node, its tests and the accuracy checker of tests/needle share
// it, so a figure means the same thing wherever it is computed. Definitions are in
// plugins/needle_eval/README.md; the comments here say why they are what they are.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sonoflow/frames.hpp"

namespace sonoflow::needle_eval {

struct Criteria {
  // The elevation slice half-thickness: a tip further from the imaging plane is not
  // expected to be seen, so its frame is not held against the detector.
  double in_plane_tolerance_mm = 0.5;
  // A detector needs some shaft to see: the in-plane frames are those with at least this
  // much of the shaft (entry to tip) inside the field of view.
  double min_visible_shaft_mm = 5;
  // The imaged rectangle [x_min, x_max, z_min, z_max] in probe mm; empty: all of z >= 0.
  std::vector<double> field_of_view_mm;
  // A report below this confidence, coasting (not measured) or warning that the needle
  // leaves the plane is "flagged": the detector itself says not to trust it.
  double min_confidence = 0.5;
  // An unflagged report this far off is a "wild" error: the failure that must not happen
  // when the image degrades (the user would trust it).
  double wild_tip_error_mm = 3;
  double wild_angle_error_deg = 5;
  // Tiny pockets give meaningless relative area errors (a pixel is a large share).
  double min_fluid_radius_mm = 1;
};

enum class FrameClass { in_plane, needle_free, other, no_truth };
const char* to_string(FrameClass c);
std::optional<FrameClass> frame_class_named(const std::string& name);

// One needle frame against its truth. Errors are absent where they do not apply (no
// detection, not in plane, no target, no injection).
struct FrameEval {
  uint64_t sequence = 0;
  FrameClass frame_class = FrameClass::no_truth;
  bool detected = false, measured = false, flagged = false;
  double confidence = 0;
  double visible_shaft_mm = 0;
  // For analysis (the CSV): where the tip was and was reported, the angles, the elevation.
  std::array<double, 2> truth_tip_mm{0, 0}, tip_mm{0, 0};
  double truth_angle_deg = 0, angle_deg = 0, in_plane_offset_mm = 0;
  std::optional<double> tip_error_mm, angle_error_deg, miss_prediction_error_mm,
      injected_area_error_pct;
  // Unflagged and far off (Criteria::wild_*): only on in-plane detected frames.
  bool wild = false;
};

// Length of the segment a-b (x, z in mm) inside the field of view (see Criteria).
double visible_length_mm(const std::array<double, 2>& a, const std::array<double, 2>& b,
                         const std::vector<double>& field_of_view_mm);

// Distance from point p to the line through a and b (x, z in mm); |p - a| when a == b.
double distance_to_line_mm(const std::array<double, 2>& p, const std::array<double, 2>& a,
                           const std::array<double, 2>& b);

// Compares one frame. `truth` null: a frame without ground truth (FrameClass::no_truth).
FrameEval evaluate(const NeedleFrame& needle, const NeedleTruth* truth, const Criteria& c);

// Linear interpolation between closest ranks (NumPy's default, Hyndman-Fan type 7): the
// q-quantile of n values sorted ascending is v[h] interpolated at h = q (n - 1).
// Requires at least one value.
double quantile(std::vector<double> values, double q);

struct Stat {
  size_t count = 0;
  double median = 0, p95 = 0;
};

struct Summary {
  uint64_t frames = 0, frames_without_truth = 0;
  uint64_t in_plane_frames = 0, needle_free_frames = 0, other_frames = 0;
  uint64_t detected_in_plane = 0, false_detections = 0;
  uint64_t flagged_in_plane = 0, wild_in_plane = 0;
  std::optional<double> detection_rate, false_detection_rate, flagged_rate, wild_rate;
  std::optional<Stat> tip_error_mm, angle_error_deg, miss_prediction_error_mm,
      injected_area_error_pct;
};

Summary summarize(const std::vector<FrameEval>& frames);

}  // namespace sonoflow::needle_eval
