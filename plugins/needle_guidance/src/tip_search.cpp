#include "tip_search.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace sonoflow::needle {

namespace {

constexpr double kSmoothSigmaMm = 0.25;
// Background is read on both sides of the shaft, this far from its axis: beyond the
// shaft's blurred width and its first reverberations, still in the same tissue.
constexpr double kBackgroundOffsetsMm[] = {1.75, 2.5};
// Across-shaft half-width averaged into the on-shaft value (tolerates small fit errors).
constexpr double kOnShaftHalfWidthMm = 0.2;
// Gaps in the bright run shorter than this are bridged (speckle nulls on the shaft).
constexpr double kMaxGapMm = 1.0;
// The run's ends are where the ridge drops to this fraction of its typical level: for a
// symmetric blur the half-maximum crossing is the unbiased end of an edge.
constexpr double kEdgeFraction = 0.5;
// Initial level estimate (before the run is known): this quantile of the profile.
constexpr double kLevelQuantile = 0.9;
// Beneath a bone surface lies its acoustic shadow; beneath a needle, tissue and the
// needle's own reverberations. Depths (below and above the shaft) compared:
constexpr double kShadowDepthsMm[] = {3.0, 4.5, 6.0};
// Contrast (median shaft level / background noise) mapped to confidence 0..1.
constexpr double kSnrNone = 1.5, kSnrFull = 4.0;

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  auto k = v.begin() + static_cast<long>(q * (v.size() - 1));
  std::nth_element(v.begin(), k, v.end());
  return *k;
}

// The range of s for which line.at(s) lies inside the box (slab intersection).
bool clip(const Line& l, const BoxMm& b, double& s0, double& s1) {
  s0 = -1e9;
  s1 = 1e9;
  const double p[2] = {l.point.x(), l.point.y()}, d[2] = {l.dir.x(), l.dir.y()};
  const double lo[2] = {b.x_min, b.z_min}, hi[2] = {b.x_max, b.z_max};
  for (int k = 0; k < 2; ++k) {
    if (std::abs(d[k]) < 1e-12) {
      if (p[k] < lo[k] || p[k] > hi[k]) return false;
      continue;
    }
    double a = (lo[k] - p[k]) / d[k], c = (hi[k] - p[k]) / d[k];
    if (a > c) std::swap(a, c);
    s0 = std::max(s0, a);
    s1 = std::min(s1, c);
  }
  return s1 > s0;
}

struct Run {
  size_t first = 0, last = 0;
  double sum = 0;
};

// The above-threshold run (gaps up to max_gap samples bridged) with the largest sum.
std::optional<Run> best_run(const std::vector<double>& q, double threshold, size_t max_gap) {
  std::optional<Run> best, cur;
  size_t gap = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    if (q[i] >= threshold) {
      if (!cur) cur = Run{i, i, 0};
      cur->last = i;
      cur->sum += q[i];
      gap = 0;
    } else if (cur && ++gap > max_gap) {
      if (!best || cur->sum > best->sum) best = cur;
      cur.reset();
    }
  }
  if (cur && (!best || cur->sum > best->sum)) best = cur;
  return best;
}

}  // namespace

double confidence_of(double contrast_snr, double length_mm, const Settings& s) {
  const double c = std::clamp((contrast_snr - kSnrNone) / (kSnrFull - kSnrNone), 0.0, 1.0);
  // A run just at the minimum length is weak evidence; twice that counts fully.
  const double l = std::clamp(length_mm / (2 * s.min_shaft_mm), 0.0, 1.0);
  return c * l;
}

cv::Mat smooth_for_profile(const WorkImage& w) {
  cv::Mat g;
  cv::GaussianBlur(w.grey, g, cv::Size(), kSmoothSigmaMm / w.px_mm, kSmoothSigmaMm / w.pz_mm);
  return g;
}

std::optional<Measurement> measure_shaft(const WorkImage& w, const cv::Mat& smooth, const Line& line,
                                         const Settings& s) {
  double s0, s1;
  if (!clip(line, w.roi_box, s0, s1)) return std::nullopt;
  const double step_mm = 0.5 * std::min(w.px_mm, w.pz_mm);
  const Vec2 normal(-line.dir.y(), line.dir.x());
  auto value = [&](const Vec2& p) {
    const cv::Point2d px = w.to_pixel(p);
    return sample(smooth, px.x, px.y);
  };
  std::vector<double> q, bg_all;
  std::vector<double> s_of;
  for (double t = s0; t <= s1; t += step_mm) {
    const Vec2 p = line.at(t);
    const float on = std::max({value(p), value(p + kOnShaftHalfWidthMm * normal), value(p - kOnShaftHalfWidthMm * normal)});
    double bg = 0;
    int n = 0;
    for (double o : kBackgroundOffsetsMm)
      for (double sign : {-1.0, 1.0})
        if (const float v = value(p + sign * o * normal); !std::isnan(v)) {
          bg += v;
          ++n;
          bg_all.push_back(v);
        }
    if (std::isnan(on) || n == 0) {
      q.push_back(0);
    } else {
      q.push_back(on - bg / n);
    }
    s_of.push_back(t);
  }
  if (q.size() < 4 || bg_all.size() < 8) return std::nullopt;
  const size_t max_gap = static_cast<size_t>(kMaxGapMm / step_mm);
  double level = quantile(q, kLevelQuantile);
  if (level <= 0) return std::nullopt;
  std::optional<Run> run;
  for (int pass = 0; pass < 2; ++pass) {
    run = best_run(q, kEdgeFraction * level, max_gap);
    if (!run) return std::nullopt;
    level = quantile(std::vector<double>(q.begin() + run->first, q.begin() + run->last + 1), 0.5);
    if (level <= 0) return std::nullopt;
  }
  run = best_run(q, kEdgeFraction * level, max_gap);
  if (!run) return std::nullopt;
  const double threshold = kEdgeFraction * level;
  // Sub-sample ends: linear interpolation of the threshold crossing.
  auto crossing = [&](size_t inside, size_t outside) {
    const double a = q[inside], b = q[outside];
    const double f = a > b ? (a - threshold) / (a - b) : 0.0;
    return s_of[inside] + f * (s_of[outside] - s_of[inside]);
  };
  const double s_start = run->first > 0 ? crossing(run->first, run->first - 1) : s_of[run->first];
  const double s_tip = run->last + 1 < q.size() ? crossing(run->last, run->last + 1) : s_of[run->last];

  Measurement m;
  m.length_mm = s_tip - s_start;
  if (m.length_mm < s.min_shaft_mm) return std::nullopt;
  m.shaft_start_mm = line.at(s_start);
  m.tip_mm = line.at(s_tip);
  m.line = {m.shaft_start_mm, line.dir};
  // Background variation: robust spread of the background samples (speckle + noise).
  const double bg_median = quantile(bg_all, 0.5);
  std::vector<double> dev;
  dev.reserve(bg_all.size());
  for (double v : bg_all) dev.push_back(std::abs(v - bg_median));
  const double noise = std::max(1.0, 1.4826 * quantile(dev, 0.5));
  m.contrast_snr = level / noise;
  const size_t n = run->last - run->first + 1, third = std::max<size_t>(1, n / 3);
  double proximal = 0, distal = 0;
  for (size_t i = 0; i < third; ++i) {
    proximal += q[run->first + i];
    distal += q[run->last - i];
  }
  m.fade_ratio = proximal > 0 ? distal / proximal : 1.0;
  double below = 0, above = 0;
  for (size_t i = run->first; i <= run->last; i += 4) {
    const Vec2 p = line.at(s_of[i]);
    for (double d : kShadowDepthsMm) {
      const float b = value(p + Vec2(0, d)), a = value(p - Vec2(0, d));
      if (!std::isnan(b) && !std::isnan(a)) {
        below += b;
        above += a;
      }
    }
  }
  m.shadow_ratio = above > 0 ? below / above : 1.0;
  m.confidence = confidence_of(m.contrast_snr, m.length_mm, s);
  return m;
}

}  // namespace sonoflow::needle
