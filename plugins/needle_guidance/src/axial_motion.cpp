#include "axial_motion.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace sonoflow::needle {

namespace {

// Samples along the shaft: finer than the 0.2 mm working pixel (bilinear), so the shift
// is found to a fraction of a step before the parabolic refinement.
constexpr double kStepMm = 0.1;
// The largest shift looked for between two frames compared: 120 mm/s between consecutive
// frames at 30 frames/s (the accuracy check's fastest insertion moves 1 mm per frame).
constexpr double kMaxShiftMm = 4.0;
// The stretch compared: the shaft's last kPatternMm up to the tip (the needle moves as a
// whole; the part near the tip matters, and the cost stays bounded), at least
// kMinPatternMm of it (a shorter shaft holds about one speckle grain: no pattern).
constexpr double kPatternMm = 20.0, kMinPatternMm = 3.0;
// ... and on beyond the tip for kBeyondTipMm: the shaft's end is part of the pattern, and
// the one part a uniformly bright shaft has; without it the tissue's static speckle under
// such a shaft would match best at no shift at all.
constexpr double kBeyondTipMm = 1.5;
// The best match must correlate at least this well (normalised cross-correlation). On the
// simulated hip the true shift correlates at 0.88-0.99; a probe that moved, or a line that
// is not the same structure in both frames, matches no shift this well.
constexpr double kMinCorrelation = 0.8;
// A slide is a shift of at least kSlideMm (twice the shift's noise on the simulated knee,
// where the tendon's still pattern under a faint shaft pulls the estimate towards zero);
// the tissue kBesideMm beside the shaft on either side (beyond its blur and its comet
// tail's first reverberations) is still when its own pattern matches best within
// kStillMm of no shift.
constexpr double kSlideMm = 0.3, kBesideMm = 3.5, kStillMm = 0.1;
// A shift is judged only where this fraction of the stretch was imaged in both frames.
constexpr double kMinOverlap = 0.8;

std::vector<float> samples(const WorkImage& w, const cv::Mat& img, const Line& line,
                           double s_from_mm, int count) {
  std::vector<float> v(count);
  for (int i = 0; i < count; ++i) v[i] = sample_imaged(w, img, line.at(s_from_mm + i * kStepMm));
  return v;
}

// Normalised cross-correlation of cur with prev displaced by `offset` samples, over the
// pairs where both were imaged; NaN when too few were.
double correlation(const std::vector<float>& cur, const std::vector<float>& prev, int offset) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  int n = 0;
  for (size_t i = 0; i < cur.size(); ++i) {
    const double a = cur[i], b = prev[i + offset];
    if (std::isnan(a) || std::isnan(b)) continue;
    sa += a, sb += b, saa += a * a, sbb += b * b, sab += a * b;
    ++n;
  }
  if (n < kMinOverlap * static_cast<double>(cur.size())) return std::nan("");
  const double cov = sab - sa * sb / n, va = saa - sa * sa / n, vb = sbb - sb * sb / n;
  if (va <= 0 || vb <= 0) return std::nan("");
  return cov / std::sqrt(va * vb);
}

// The stretch of m's line compared, mm along it; nullopt when the shaft is too short.
std::optional<std::pair<double, double>> pattern_span(const Measurement& m) {
  const double tip_s = m.line.along_mm(m.tip_mm);
  const double from_s = std::max(0.0, tip_s - kPatternMm);
  if (tip_s - from_s < kMinPatternMm) return std::nullopt;
  return std::pair{from_s, tip_s + kBeyondTipMm};
}

}  // namespace

void RecentFrames::keep(const WorkImage& w, cv::Mat& smooth) {
  newest_ = (newest_ + 1) % kFrames;
  Kept& k = ring_[newest_];
  k.w = w;
  if (w.dead.empty())
    k.dead.release();
  else
    w.dead.copyTo(k.dead);
  k.w.dead = k.dead;
  cv::swap(k.smooth, smooth);
  k.w.grey = k.smooth;
  count_ = std::min(count_ + 1, kFrames);
}

const RecentFrames::Kept* RecentFrames::back(int frames_back) const {
  if (frames_back < 1 || frames_back > count_) return nullptr;
  const Kept& k = ring_[(newest_ - frames_back + 1 + kFrames) % kFrames];
  return k.smooth.empty() ? nullptr : &k;
}

std::optional<double> RecentFrames::best_shift_mm(const Kept& k, const WorkImage& w,
                                                  const cv::Mat& smooth, const Line& line,
                                                  double from_s, double to_s) const {
  const int n = static_cast<int>((to_s - from_s) / kStepMm) + 1;
  const int max_lag = static_cast<int>(kMaxShiftMm / kStepMm);
  const std::vector<float> cur = samples(w, smooth, line, from_s, n);
  // prev[j] lies at from_s - kMaxShiftMm + j * kStepMm: a shift of k steps pairs cur[i]
  // with prev[i + max_lag - k] (the pattern now at s was at s - shift before).
  const std::vector<float> prev =
      samples(k.w, k.smooth, line, from_s - max_lag * kStepMm, n + 2 * max_lag);
  std::vector<double> r(2 * max_lag + 1);
  int best = -1;
  for (int lag = -max_lag; lag <= max_lag; ++lag) {
    r[lag + max_lag] = correlation(cur, prev, max_lag - lag);
    if (!std::isnan(r[lag + max_lag]) && (best < 0 || r[lag + max_lag] > r[best]))
      best = lag + max_lag;
  }
  // A peak at the end of the range may lie beyond it.
  if (best <= 0 || best >= 2 * max_lag || r[best] < kMinCorrelation) return std::nullopt;
  // Parabola through the peak and its neighbours: the shift to a fraction of a step.
  double frac = 0;
  if (!std::isnan(r[best - 1]) && !std::isnan(r[best + 1])) {
    const double denom = r[best - 1] - 2 * r[best] + r[best + 1];
    if (denom < 0) frac = std::clamp(0.5 * (r[best - 1] - r[best + 1]) / denom, -0.5, 0.5);
  }
  return (best - max_lag + frac) * kStepMm;
}

std::optional<double> RecentFrames::axial_shift_mm(const WorkImage& w, const cv::Mat& smooth,
                                                   const Measurement& m, int frames_back) const {
  const Kept* k = back(frames_back);
  const auto span = pattern_span(m);
  if (!k || !span) return std::nullopt;
  return best_shift_mm(*k, w, smooth, m.line, span->first, span->second);
}

bool RecentFrames::slides(const WorkImage& w, const cv::Mat& smooth, const Measurement& m) const {
  const auto span = pattern_span(m);
  if (!span) return false;
  const Vec2 normal(-m.line.dir.y(), m.line.dir.x());
  for (const int frames_back : {1, 2, 4, 8}) {
    const Kept* k = back(frames_back);
    if (!k) return false;
    const auto shift = best_shift_mm(*k, w, smooth, m.line, span->first, span->second);
    if (!shift || std::abs(*shift) < kSlideMm) continue;
    int still = 0;
    for (const double offset_mm : {-kBesideMm, kBesideMm}) {
      const Line beside{m.line.point + offset_mm * normal, m.line.dir};
      const auto s = best_shift_mm(*k, w, smooth, beside, span->first, span->second);
      if (!s) continue;  // featureless or not imaged there: that side is not judged
      if (std::abs(*s) > kStillMm) return false;  // the tissue moved too
      ++still;
    }
    return still > 0;
  }
  return false;
}

}  // namespace sonoflow::needle
