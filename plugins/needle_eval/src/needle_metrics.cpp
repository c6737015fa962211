#include "needle_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>

namespace sonoflow::needle_eval {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::array<double, 2> xz(const std::array<double, 3>& p) { return {p[0], p[2]}; }

double distance_mm(const std::array<double, 2>& a, const std::array<double, 2>& b) {
  return std::hypot(a[0] - b[0], a[1] - b[1]);
}

std::optional<Stat> stat_of(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  return Stat{values.size(), quantile(values, 0.5), quantile(values, 0.95)};
}

std::optional<double> ratio(uint64_t part, uint64_t whole) {
  if (whole == 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

}  // namespace

const char* to_string(FrameClass c) {
  switch (c) {
    case FrameClass::in_plane: return "in_plane";
    case FrameClass::needle_free: return "needle_free";
    case FrameClass::other: return "other";
    case FrameClass::no_truth: return "no_truth";
  }
  return "?";
}

std::optional<FrameClass> frame_class_named(const std::string& name) {
  for (auto c : {FrameClass::in_plane, FrameClass::needle_free, FrameClass::other,
                 FrameClass::no_truth})
    if (name == to_string(c)) return c;
  return std::nullopt;
}

double visible_length_mm(const std::array<double, 2>& a, const std::array<double, 2>& b,
                         const std::vector<double>& fov) {
  // Liang-Barsky: the parameter interval [t0, t1] of a + t (b - a) inside every slab.
  const bool box = fov.size() == 4;
  const double lo[2] = {box ? fov[0] : -kInf, box ? fov[2] : 0.0};
  const double hi[2] = {box ? fov[1] : kInf, box ? fov[3] : kInf};
  double t0 = 0, t1 = 1;
  for (int axis = 0; axis < 2; ++axis) {
    const double d = b[axis] - a[axis];
    if (d == 0) {
      if (a[axis] < lo[axis] || a[axis] > hi[axis]) return 0;
      continue;
    }
    double ta = (lo[axis] - a[axis]) / d, tb = (hi[axis] - a[axis]) / d;
    if (ta > tb) std::swap(ta, tb);
    t0 = std::max(t0, ta);
    t1 = std::min(t1, tb);
  }
  return t1 > t0 ? (t1 - t0) * distance_mm(a, b) : 0.0;
}

double distance_to_line_mm(const std::array<double, 2>& p, const std::array<double, 2>& a,
                           const std::array<double, 2>& b) {
  const double dx = b[0] - a[0], dz = b[1] - a[1], length = std::hypot(dx, dz);
  if (length == 0) return distance_mm(p, a);
  return std::abs(dx * (p[1] - a[1]) - dz * (p[0] - a[0])) / length;
}

FrameEval evaluate(const NeedleFrame& n, const NeedleTruth* truth, const Criteria& c) {
  FrameEval e;
  e.sequence = n.header.sequence;
  e.detected = n.detected;
  e.measured = n.measured;
  e.confidence = n.confidence;
  e.tip_mm = n.tip_mm;
  e.angle_deg = n.angle_deg;
  e.flagged = !n.detected || !n.measured || n.out_of_plane_warning || n.confidence < c.min_confidence;
  if (!truth) return e;  // FrameClass::no_truth

  const auto entry = xz(truth->entry_mm), tip = xz(truth->tip_mm);
  e.truth_tip_mm = tip;
  e.truth_angle_deg = truth->shaft_angle_deg;
  e.in_plane_offset_mm = truth->in_plane_offset_mm;
  if (!truth->needle_present) {
    e.frame_class = FrameClass::needle_free;
  } else {
    e.visible_shaft_mm = visible_length_mm(entry, tip, c.field_of_view_mm);
    const bool in_slice = std::abs(truth->in_plane_offset_mm) <= c.in_plane_tolerance_mm;
    e.frame_class = in_slice && e.visible_shaft_mm >= c.min_visible_shaft_mm ? FrameClass::in_plane
                                                                              : FrameClass::other;
  }

  if (e.frame_class == FrameClass::in_plane && n.detected) {
    e.tip_error_mm = distance_mm(n.tip_mm, tip);
    e.angle_error_deg = std::abs(n.angle_deg - truth->shaft_angle_deg);
    e.wild = !e.flagged &&
             (*e.tip_error_mm > c.wild_tip_error_mm || *e.angle_error_deg > c.wild_angle_error_deg);
    if (n.has_target && std::isfinite(n.predicted_miss_mm)) {
      // The true miss: where the real shaft line passes the target (tremor moves it).
      const double true_miss_mm = distance_to_line_mm(truth->target_mm, entry, tip);
      e.miss_prediction_error_mm = std::abs(n.predicted_miss_mm - true_miss_mm);
    }
  }

  if (truth->injecting && n.injectate_monitored && truth->fluid_radius_mm >= c.min_fluid_radius_mm) {
    // The pocket is a sphere centred in the imaging plane: its section is a disc of radius r.
    const double true_area_mm2 = std::numbers::pi * truth->fluid_radius_mm * truth->fluid_radius_mm;
    e.injected_area_error_pct = 100 * std::abs(n.injectate_area_mm2 - true_area_mm2) / true_area_mm2;
  }
  return e;
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) throw std::invalid_argument("quantile of no values");
  std::sort(v.begin(), v.end());
  const double h = q * static_cast<double>(v.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(h));
  const size_t above = std::min(below + 1, v.size() - 1);
  return v[below] + (h - static_cast<double>(below)) * (v[above] - v[below]);
}

Summary summarize(const std::vector<FrameEval>& frames) {
  Summary s;
  std::vector<double> tip, angle, miss, area;
  for (const auto& e : frames) {
    ++s.frames;
    switch (e.frame_class) {
      case FrameClass::no_truth: ++s.frames_without_truth; break;
      case FrameClass::needle_free:
        ++s.needle_free_frames;
        s.false_detections += e.detected;
        break;
      case FrameClass::other: ++s.other_frames; break;
      case FrameClass::in_plane:
        ++s.in_plane_frames;
        s.detected_in_plane += e.detected;
        s.flagged_in_plane += e.flagged;
        s.wild_in_plane += e.wild;
        break;
    }
    if (e.tip_error_mm) tip.push_back(*e.tip_error_mm);
    if (e.angle_error_deg) angle.push_back(*e.angle_error_deg);
    if (e.miss_prediction_error_mm) miss.push_back(*e.miss_prediction_error_mm);
    if (e.injected_area_error_pct) area.push_back(*e.injected_area_error_pct);
  }
  s.detection_rate = ratio(s.detected_in_plane, s.in_plane_frames);
  s.false_detection_rate = ratio(s.false_detections, s.needle_free_frames);
  s.flagged_rate = ratio(s.flagged_in_plane, s.in_plane_frames);
  s.wild_rate = ratio(s.wild_in_plane, s.in_plane_frames);
  s.tip_error_mm = stat_of(tip);
  s.angle_error_deg = stat_of(angle);
  s.miss_prediction_error_mm = stat_of(miss);
  s.injected_area_error_pct = stat_of(area);
  return s;
}

}  // namespace sonoflow::needle_eval
