#include "guidance.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>

#include "tip_search.hpp"
#include "work_image.hpp"

namespace sonoflow::needle {

namespace {

// A measured needle whose distal third is this much dimmer than its proximal third is
// fading towards the tip: typical of a tip drifting out of the slice.
constexpr double kFadeRatio = 0.35;
// Below this confidence a measured needle gets a "weak echo" warning (steep needles).
constexpr double kWeakConfidence = 0.7;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

PointMm pt(const Vec2& v) { return {v.x(), v.y()}; }

std::string fmt(const char* f, double a) {
  char buf[128];
  std::snprintf(buf, sizeof buf, f, a);
  return buf;
}

// Whether `other` lies along `found` (directions within kSameNeedleDeg, its start and tip
// within kSameNeedleMm of found's line) and reaches more than kFurtherMm beyond found's tip.
constexpr double kSameNeedleDeg = 2.0, kSameNeedleMm = 1.0, kFurtherMm = 1.0;
bool reaches_further(const Measurement& found, const Measurement& other) {
  if (std::abs(found.line.dir.dot(other.line.dir)) <
      std::cos(kSameNeedleDeg * std::numbers::pi / 180))
    return false;
  if (found.line.distance_mm(other.shaft_start_mm) > kSameNeedleMm ||
      found.line.distance_mm(other.tip_mm) > kSameNeedleMm)
    return false;
  return found.line.dir.dot(other.tip_mm - found.tip_mm) > kFurtherMm;
}

}  // namespace

Vec2 ray_exit(const Vec2& from, const Vec2& dir, const BoxMm& box) {
  double t = std::numeric_limits<double>::infinity();
  if (dir.x() > 0) t = std::min(t, (box.x_max - from.x()) / dir.x());
  if (dir.x() < 0) t = std::min(t, (box.x_min - from.x()) / dir.x());
  if (dir.y() > 0) t = std::min(t, (box.z_max - from.y()) / dir.y());
  if (dir.y() < 0) t = std::min(t, (box.z_min - from.y()) / dir.y());
  if (!std::isfinite(t) || t < 0) t = 0;
  return from + t * dir;
}

double predicted_miss_mm(const Vec2& tip, const Vec2& dir, const Vec2& target) {
  const Vec2 r = target - tip;
  const double ahead = dir.dot(r);
  if (ahead <= 0) return r.norm();
  return std::abs(r.x() * dir.y() - r.y() * dir.x());
}

Guidance::Guidance(Method method, Settings settings)
    : method_(method), settings_(std::move(settings)), tracker_(settings_.max_coast_frames) {}

void Guidance::set_settings(const Settings& s) {
  settings_ = s;
  tracker_.set_max_coast_frames(s.max_coast_frames);
}

std::optional<Measurement> Guidance::measure(const WorkImage& w) {
  std::vector<Candidate> candidates = method_ == Method::hough
                                          ? detect_hough(w, settings_, workspace_)
                                          : detect_ransac(w, settings_, workspace_);
  // The tracked needle's line is measured too, whatever the detector's candidates: in the
  // hip the top-hat's strongest pixels are often the femoral head's, whose chords then take
  // every RANSAC line, and a needle found once was lost again (replays: RANSAC 72 -> 81 %
  // of the hip's in-plane frames, 83 -> 87 % of the knee's; Hough unchanged). It is judged
  // like any candidate, so a track does not keep itself alive on tissue.
  if (const auto tracked = tracker_.line()) candidates.push_back({*tracked, 0});
  const cv::Mat& smooth = smooth_for_profile(w, workspace_);
  std::optional<Measurement> best;
  // Among the shafts confident enough to be a needle, the one with the most contrast (short
  // runs counting less) wins, whatever its rank in its method: several candidates often lie
  // on the same needle, and a slightly misaligned line loses contrast along its length. So
  // shafts are judged in that order, and the first confident one is the answer. Without
  // one, the most significant shaft is kept as the best measurement (no needle for the
  // tracker; diagnostics and the evaluation tool read it).
  auto length_factor = [&](const Measurement& m) {
    return std::min(1.0, m.length_mm / (2 * settings_.min_shaft_mm));
  };
  std::vector<Measurement> shafts;
  std::vector<const Measurement*> slide_tested;  // into shafts, in their order
  for (const auto& c : candidates)
    if (auto m = measure_shaft(w, smooth, c.line, settings_)) shafts.push_back(*m);
  std::sort(shafts.begin(), shafts.end(), [&](const Measurement& a, const Measurement& b) {
    return a.contrast * length_factor(a) > b.contrast * length_factor(b);
  });
  for (auto& m : shafts) {
    if (!judge_shaft(w, m)) continue;
    if (m.significance >= kSlidingSignificanceNone) slide_tested.push_back(&m);
    // A shaft with some significance is polished before it is taken or passed over: a
    // Hough or RANSAC line 3-6 deg off a short needle reads only part of its echo, and the
    // polished one can be confident (replays: 0.8 points of knee detection for Hough, 3.6
    // for RANSAC). A shaft whose polish runs out of the angle range is no needle.
    if (m.confidence > 0) {
      const auto line = polish_line(w, smooth, m, settings_);
      if (!line) continue;
      const bool m_confident = m.confidence >= settings_.min_confidence;
      if (auto p = measure_shaft(w, smooth, *line, settings_);
          p && judge_shaft(w, *p) && p->confidence >= settings_.min_confidence) {
        // The polished line, turned by a fraction of a degree, can leave a long shaft's
        // echo at a dim stretch and measure only the part before it (hip replays: the tip
        // 15-17 mm short in 2 of 680 frames): the needle reaches as far as either does.
        if (m_confident && reaches_further(*p, m)) return m;
        return p;
      }
      if (m_confident) return m;
    }
    if (!best || m.significance * length_factor(m) > best->significance * length_factor(*best))
      best = m;
  }
  // None is confident. A shaft sliding along itself through still tissue is a needle being
  // moved, whichever line found it: early in a knee insertion the needle's faint shaft is
  // often one of the weaker lines, below a tendon layer's or a bone surface's, and testing
  // only the most significant shaft left it unreported for up to 10 frames (replays, Hough:
  // knee 94.3 -> 95.0 %, and 85.5 -> 93.0 % at 25/35/45 deg; RANSAC 88.0 -> 89.3 % and
  // 85.0 -> 88.6 %, means over 4 seeds). No needle-free recording's frame is detected; in
  // one RANSAC seed a faint line near the skin slid as the needle approached (HISTORY.md,
  // step 12).
  auto sliding = [&](const Measurement& m) {
    Measurement out = m;
    out.slides = true;
    out.confidence = confidence_of(m.significance, true);
    return out;
  };
  for (const Measurement* m : slide_tested)
    if (recent_.slides(w, smooth, *m)) return sliding(*m);
  // RANSAC's candidates are the strongest 2 % of its top-hat, and early in a knee insertion
  // the needle's few pixels there are often not enough for a line (knee replays: in 69 of
  // the 74 frames it missed with >= 5 mm of shaft in view, no measured shaft lay near the
  // needle). Lines from a larger share, polished when the polish finds a better path,
  // count only if they slide: a static line among so many more would pass the judge by
  // chance (HISTORY.md, step 13).
  if (method_ == Method::ransac && recent_.frames() > 0)
    for (const auto& c : detect_ransac_faint(w, settings_, workspace_, candidates)) {
      auto m = measure_shaft(w, smooth, c.line, settings_);
      if (!m || !judge_shaft(w, *m) || m->significance < kSlidingSignificanceNone) continue;
      if (const auto line = polish_line(w, smooth, *m, settings_))
        if (auto p = measure_shaft(w, smooth, *line, settings_);
            p && judge_shaft(w, *p) && p->significance >= m->significance)
          m = p;
      if (recent_.slides(w, smooth, *m)) return sliding(*m);
    }
  return best;
}

void Guidance::process(const Raster& image, NeedleFrame& out) {
  const WorkImage w = make_work_image(image, settings_, workspace_);
  const BoxMm box = w.image_box;
  last_ = measure(w);
  // A shaft sliding along itself through still tissue is a needle being moved, which no
  // static tissue line can be: its own significance need only show a real echo (at least
  // kSlidingSignificanceNone), not an exceptional one (knee replays: a faint shaft under the
  // tendon early in an insertion; needle-free frames never slide).
  bool needle = false;
  if (last_) {
    last_->axial_shift_mm = recent_.axial_shift_mm(w, workspace_.smooth, *last_);
    // measure() tested every shaft that is not confident (and marked the one that slides);
    // a confident one is tested here, for the tracker (a sliding track starts confirmed).
    if (!last_->slides && last_->confidence >= settings_.min_confidence)
      last_->slides = recent_.slides(w, workspace_.smooth, *last_);
    needle = last_->slides || last_->confidence >= settings_.min_confidence;
    // A tip placed on still tissue ahead of the advancing needle (a boundary the line
    // crosses, bright enough to extend the shaft's run) goes back to where the needle is.
    if (needle)
      if (const auto s = recent_.tip_behind_still_tissue_mm(w, workspace_.smooth, *last_,
                                                            settings_.dynamic_range_db))
        last_->tip_mm = last_->line.at(*s);
  }
  const std::optional<Measurement> accepted = needle ? last_ : std::nullopt;
  recent_.keep(w, workspace_.smooth);
  const TrackOutput t = tracker_.update(accepted);

  out.detected = t.detected;
  out.measured = t.measured;
  out.confidence = t.confidence;
  out.has_target = settings_.has_target;
  out.target_mm = pt(settings_.target_mm);
  out.tip_to_target_mm = out.predicted_miss_mm = kNaN;
  out.out_of_plane_warning = false;
  out.warnings.clear();
  if (!t.detected) {
    out.insertion_side = 0;
    out.angle_deg = 0;
    return;
  }
  out.shaft_start_mm = pt(t.shaft_start_mm);
  out.tip_mm = pt(t.tip_mm);
  out.angle_deg = t.line.angle_deg();
  out.insertion_side = t.line.insertion_side();
  out.trajectory_end_mm = pt(ray_exit(t.tip_mm, t.line.dir, box));
  if (settings_.has_target) {
    out.tip_to_target_mm = (settings_.target_mm - t.tip_mm).norm();
    out.predicted_miss_mm = predicted_miss_mm(t.tip_mm, t.line.dir, settings_.target_mm);
  }
  const bool fading = t.measured && last_ && last_->fade_ratio < kFadeRatio;
  if (t.tip_retreated || fading) {
    out.out_of_plane_warning = true;
    out.warnings.push_back(t.tip_retreated
                               ? "needle tip lost while the shaft is visible: it may be leaving the imaging plane"
                               : "needle echo fades towards the tip: it may be leaving the imaging plane");
  }
  if (!t.measured)
    out.warnings.push_back(fmt("needle not seen: position predicted (%.0f frames)", t.coasted_frames));
  else if (t.confidence < kWeakConfidence)
    out.warnings.push_back(fmt("weak needle echo (confidence %.2f): steer the beam towards the needle or reduce its angle",
                               t.confidence));
}

}  // namespace sonoflow::needle
