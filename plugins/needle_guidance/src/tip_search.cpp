#include "tip_search.hpp"

#include "line_fit.hpp"
#include "significance.hpp"
#include "stats.hpp"

#include <Eigen/Geometry>
#include <algorithm>
#include <cmath>
#include <iterator>
#include <numbers>
#include <numeric>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace sonoflow::needle {

namespace {

constexpr double kSmoothSigmaMm = 0.25;
// Background for the shaft profile (where the bright run starts and ends) is read on both
// sides of the shaft along parallel lines this far from its axis: beyond the shaft's
// blurred width and its first reverberations, still in the same tissue.
constexpr double kBackgroundOffsetsMm[] = {1.75, 2.5, 3.25, 4.0};
constexpr size_t kOffsets = std::size(kBackgroundOffsetsMm);
// Search for the shaft's first echo across the fitted line (snap_to_first_echo).
constexpr double kSnapRangeMm = 1.5, kSnapStepMm = 0.1, kEchoFraction = 0.7;
// A first echo skin-ward of the brightest is a thin line: it stands this share of the
// brightest's level above the tissue kEchoFrontMm in front of it (further skin-ward).
constexpr double kEchoEdgeFraction = 0.15, kEchoFrontMm = 0.5;
// Across-shaft half-width averaged into the on-shaft value (tolerates small fit errors).
constexpr double kOnShaftHalfWidthMm = 0.2;
// Gaps in the bright run shorter than this are bridged (speckle nulls on the shaft).
constexpr double kMaxGapMm = 1.0;
// ... and longer ones when the shaft's echo goes on beyond them (join_runs_ahead).
constexpr double kJoinGapMm = 2.5, kJoinMinMm = 2.0;
// The run's ends are where the ridge drops to this fraction of its typical level: for a
// symmetric blur the half-maximum crossing is the unbiased end of an edge.
constexpr double kEdgeFraction = 0.5;
// Initial level estimate (before the run is known): this quantile of the profile.
constexpr double kLevelQuantile = 0.9;
// Significance (significance.hpp: the shaft's contrast in robust standard deviations of
// the same contrast on every parallel stretch of the image) mapped to confidence 0..1 (0.5,
// the default min_confidence, at 4.25). The best lines through synthetic speckle (5 seeds)
// reach 3.0-4.0, those through the simulated knee and hip without a needle 2.0-2.7 (the
// maximum over all candidate lines and stretches of a frame); needles there 4-22.
constexpr double kSignificanceNone = 3.5, kSignificanceFull = 5.0;
// The final line is the brightest straight path through the shaft within this angle and
// offset of the fitted one (polish_line): the line integral is what a matched filter for a
// bright line maximizes, and a fit to thresholded ridge pixels only approximates it. Small
// enough to stay on the shaft's first echo (the comet tail lies >= 0.5 mm deeper).
// A short shaft's fit is looser in angle (a fan of Hough lines through 5 mm of shaft
// spans 44-57 deg about a 50 deg one): the range widens to what moves its ends by
// kPolishEndMm.
constexpr double kPolishAngleDeg = 1.0, kPolishAngleStepDeg = 0.1, kPolishEndMm = 0.5;
constexpr double kPolishOffsetMm = 0.3, kPolishOffsetStepMm = 0.1;
// The shaft's bright run ends at a step down to below kStepFraction of its level, held for
// at least kStepAfterMm to the run's end after kStepBeforeMm of shaft (end_at_step).
constexpr double kStepFraction = 0.6, kStepBeforeMm = 3.0, kStepAfterMm = 1.5;
// A stretch of a line clears the brighter of its two sides by this much where it is still
// needle, not tissue (join_runs_ahead).
constexpr double kNeedleContrastDb = 3.0;
// Imaged tissue must lie this far beyond the tip (see measure_shaft).
constexpr double kTipInViewMm = 1.0;
// An in-plane needle is seen from where it enters the image (the side or top border, or
// the edge of a sector) to its tip, though a bright layer it crosses may hide a stretch of
// it. A bright straight stretch that starts farther inside than this, and than 1.5 times
// its own length (a piece of a curved bone surface, a fibre), is not a needle.
constexpr double kMaxEntryGapMm = 6.0, kEntryGapPerLength = 1.5;
double max_entry_gap_mm(double length_mm) {
  return std::max(kMaxEntryGapMm, kEntryGapPerLength * length_mm);
}

struct Run {
  size_t first = 0, last = 0;
  double sum = 0;
};

// The above-threshold run (gaps up to max_gap samples bridged) with the largest sum among
// those `allowed` accepts.
template <class Allowed>
std::optional<Run> best_run(const std::vector<double>& q, double threshold, size_t max_gap,
                            const Allowed& allowed) {
  std::optional<Run> best, cur;
  auto close = [&] {
    if (cur && allowed(*cur) && (!best || cur->sum > best->sum)) best = cur;
    cur.reset();
  };
  size_t gap = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    if (q[i] >= threshold) {
      if (!cur) cur = Run{i, i, 0};
      cur->last = i;
      cur->sum += q[i];
      gap = 0;
    } else if (cur && ++gap > max_gap) {
      close();
    }
  }
  close();
  return best;
}

// Beyond the tip the needle's line runs on into tissue. Where it crosses a boundary just
// ahead of the tip (in the knee a fascia 2-5 mm ahead of a 40-50 deg needle's tip early in
// the insertion), the crossing is brighter than the background lines, which lie in the
// layers on either side, and the bright run goes on through it to there, so the tip was
// placed at the boundary. The shaft's own echo stands about twice as high over the
// background: the run ends where it steps down. The step is the split of the run into a
// before and an after part with the largest drop in mean, weighted as a two-sample
// statistic (sqrt(n_before n_after / n)); it ends the run when the after part's mean is
// below kStepFraction of the before part's. A shaft that fades gradually towards its tip
// (a steep needle, the hip's deep shafts) has no such step and keeps its run. Returns
// whether it shortened the run.
bool end_at_step(const std::vector<double>& q, Run& run, double step_mm) {
  const auto before_min = static_cast<size_t>(kStepBeforeMm / step_mm);
  const auto after_min = static_cast<size_t>(kStepAfterMm / step_mm);
  const size_t n = run.last - run.first + 1;
  if (n < before_min + after_min) return false;
  std::vector<double> sum(n + 1, 0.0);  // prefix sums over the run
  for (size_t i = 0; i < n; ++i) sum[i + 1] = sum[i] + q[run.first + i];
  double best_score = 0, best_before = 0, best_after = 0;
  size_t best_k = 0;
  for (size_t k = before_min; k + after_min <= n; ++k) {
    const double before = sum[k] / k, after = (sum[n] - sum[k]) / (n - k);
    const double score = (before - after) * std::sqrt(double(k) * double(n - k) / double(n));
    if (score > best_score)
      best_score = score, best_k = k, best_before = before, best_after = after;
  }
  if (best_k == 0 || best_after >= kStepFraction * best_before) return false;
  run.last = run.first + best_k - 1;
  return true;
}

// A run's typical level: the median of q over [first, last].
double level_of(const std::vector<double>& q, size_t first, size_t last) {
  return quantile(std::vector<double>(q.begin() + static_cast<long>(first),
                                      q.begin() + static_cast<long>(last) + 1),
                  0.5);
}

double mean_of(const std::vector<double>& v, size_t first, size_t last) {
  return std::accumulate(v.begin() + static_cast<long>(first),
                         v.begin() + static_cast<long>(last) + 1, 0.0) /
         static_cast<double>(last - first + 1);
}

// A rough shaft's echo has dim stretches longer than the gaps a run bridges (kMaxGapMm): a
// run ending at one left the rest of a long needle out and the tip 15-17 mm short (hip
// replays: 5 of 680 frames). A run that follows within kJoinGapMm is joined when the gap
// still looks like needle (it clears the brighter of its two sides by `needle_contrast` on
// average; tissue between a tip and a bone ahead of it does not) and the run is
// part of the same echo: at least kJoinMinMm long and as bright as the shaft within
// kStepFraction (a tissue boundary the line crosses ahead of the tip is fainter, see
// end_at_step).
void join_runs_ahead(const std::vector<double>& q, const std::vector<double>& over_brighter,
                     double needle_contrast, Run& run, double threshold, double level,
                     double step_mm) {
  const auto join_gap = static_cast<size_t>(kJoinGapMm / step_mm);
  const auto max_gap = static_cast<size_t>(kMaxGapMm / step_mm);
  const auto min_len = static_cast<size_t>(kJoinMinMm / step_mm);
  for (;;) {
    size_t j = run.last + 1;
    while (j < q.size() && q[j] < threshold && j - run.last - 1 <= join_gap) ++j;
    if (j >= q.size() || q[j] < threshold) return;
    // The gap still looks like needle: clear of its brighter side throughout, by
    // needle_contrast on average.
    const auto gap_from = over_brighter.begin() + static_cast<long>(run.last) + 1;
    const auto gap_to = over_brighter.begin() + static_cast<long>(j);
    if (gap_from == gap_to || *std::min_element(gap_from, gap_to) <= 0 ||
        mean_of(over_brighter, run.last + 1, j - 1) < needle_contrast)
      return;
    size_t k = j, gap = 0;
    for (size_t i = j + 1; i < q.size() && gap <= max_gap; ++i) {
      if (q[i] >= threshold)
        k = i, gap = 0;
      else
        ++gap;
    }
    if (k - j + 1 < min_len) return;
    if (level_of(q, j, k) < kStepFraction * level) return;
    for (size_t i = j; i <= k; ++i) run.sum += q[i];
    run.last = k;
  }
}

}  // namespace

double confidence_of(double significance, bool sliding) {
  // No factor for the shaft's length: the null stretches have the shaft's own length, so a
  // short shaft's z already carries its larger uncertainty (a factor of length / 8 mm on
  // top had left 5-8 mm of knee needle unreported in frames whose z was 4.5-5.5; without
  // it, none of 550 needle-free frames of 10 knee and hip recordings was detected).
  const double none = sliding ? kSlidingSignificanceNone : kSignificanceNone;
  return std::clamp((significance - none) / (kSignificanceFull - none), 0.0, 1.0);
}

double half_amplitude_grey(double level_grey, double dynamic_range_db) {
  // Grey levels per amplitude decade (20 dB).
  const double grey_per_decade = 255.0 * 20.0 / dynamic_range_db;
  const double ratio = std::pow(10.0, level_grey / grey_per_decade);  // echo over background
  return grey_per_decade * std::log10(1 + 0.5 * (ratio - 1));
}

const cv::Mat& smooth_for_profile(const WorkImage& w, Workspace& ws) {
  cv::GaussianBlur(w.grey, ws.smooth, cv::Size(), kSmoothSigmaMm / w.px_mm,
                   kSmoothSigmaMm / w.pz_mm);
  return ws.smooth;
}

namespace {

// Brightness along a line over its parallel background lines, and the bright run on it.
struct Profile {
  // q: shaft over background (the best of three samples across the shaft, tolerating a
  // slightly misplaced line); over_brighter: the same shaft value over the brighter of its
  // two sides; s_of: position along the line.
  std::vector<double> q, over_brighter, s_of;
  Run run;
  double level = 0;                         // the run's typical q
  double s_start = 0, s_tip = 0;            // sub-sample ends of the run, mm along the line
  double step_mm = 0;
};

std::optional<Profile> profile_of(const WorkImage& w, const cv::Mat& smooth, const Line& line,
                                  const Settings& s) {
  double s0, s1;
  if (!clip(line, w.roi_box, s0, s1)) return std::nullopt;
  Profile pr;
  pr.step_mm = std::min(w.px_mm, w.pz_mm);
  const Vec2 normal(-line.dir.y(), line.dir.x());
  auto value = [&](const Vec2& p) { return sample_imaged(w, smooth, p); };
  const size_t expected = static_cast<size_t>((s1 - s0) / pr.step_mm) + 2;
  for (auto* v : {&pr.q, &pr.over_brighter, &pr.s_of}) v->reserve(expected);
  std::vector<bool> imaged;  // the line's own sample is imaged
  imaged.reserve(expected);
  for (double t = s0; t <= s1; t += pr.step_mm) {
    const Vec2 p = line.at(t);
    const float c = value(p);
    const float v = std::max({c, value(p + kOnShaftHalfWidthMm * normal), value(p - kOnShaftHalfWidthMm * normal)});
    double side_sum[2] = {0, 0};
    int side_n[2] = {0, 0};
    for (size_t k = 0; k < 2 * kOffsets; ++k) {
      const double o = (k < kOffsets ? 1.0 : -1.0) * kBackgroundOffsetsMm[k % kOffsets];
      if (const float b = value(p + o * normal); !std::isnan(b))
        side_sum[k / kOffsets] += b, ++side_n[k / kOffsets];
    }
    const int n = side_n[0] + side_n[1];
    const bool ok = !std::isnan(v) && n > 0;
    imaged.push_back(!std::isnan(c));
    pr.q.push_back(ok ? v - (side_sum[0] + side_sum[1]) / n : 0.0);
    double brighter = -1e300;
    for (int k = 0; k < 2; ++k)
      if (side_n[k] > 0) brighter = std::max(brighter, side_sum[k] / side_n[k]);
    pr.over_brighter.push_back(ok ? v - brighter : 0.0);
    pr.s_of.push_back(t);
  }
  const auto& q = pr.q;
  if (q.size() < 4) return std::nullopt;
  const size_t max_gap = static_cast<size_t>(kMaxGapMm / pr.step_mm);
  // Only a run that starts near where the line enters the imaged area can be a needle
  // (max_entry_gap_mm; measure_shaft applies the rule exactly). A brighter structure farther
  // along the line, a bone surface or fibre it crosses 30 mm beyond a short shaft's tip,
  // must not take the run from the shaft.
  auto near_entry = [&](const Run& r) {
    size_t i = r.first;
    while (i > 0 && imaged[i - 1]) --i;
    const double gap_mm = pr.s_of[r.first] - pr.s_of[i];
    const double length_mm = pr.s_of[r.last] - pr.s_of[r.first];
    return gap_mm <= max_entry_gap_mm(length_mm);
  };
  auto best_run = [&](double threshold) {
    return sonoflow::needle::best_run(q, threshold, max_gap, near_entry);
  };
  double level = quantile(q, kLevelQuantile);
  if (level <= 0) return std::nullopt;
  auto run_level = [&](const Run& r) { return level_of(q, r.first, r.last); };
  std::optional<Run> run;
  for (int pass = 0; pass < 2; ++pass) {
    run = best_run(kEdgeFraction * level);
    if (!run) return std::nullopt;
    level = run_level(*run);
    if (level <= 0) return std::nullopt;
  }
  run = best_run(kEdgeFraction * level);
  if (!run) return std::nullopt;
  const double needle_contrast = kNeedleContrastDb * 255.0 / s.dynamic_range_db;
  join_runs_ahead(q, pr.over_brighter, needle_contrast, *run, kEdgeFraction * level, level,
                  pr.step_mm);
  if (end_at_step(q, *run, pr.step_mm)) level = run_level(*run);
  pr.run = *run;
  pr.level = level;
  const double threshold = kEdgeFraction * level;
  // Sub-sample ends: linear interpolation of the threshold crossing.
  auto crossing = [&](size_t inside, size_t outside) {
    const double a = q[inside], b = q[outside];
    const double f = a > b ? (a - threshold) / (a - b) : 0.0;
    return pr.s_of[inside] + f * (pr.s_of[outside] - pr.s_of[inside]);
  };
  pr.s_start = run->first > 0 ? crossing(run->first, run->first - 1) : pr.s_of[run->first];
  pr.s_tip = run->last + 1 < q.size() ? crossing(run->last, run->last + 1) : pr.s_of[run->last];
  return pr;
}

// Mean of `img` at line.at(t) + shift for t from s_from to s_to in steps of step_mm, over
// the imaged samples; nullopt when none is imaged.
std::optional<double> mean_along(const WorkImage& w, const cv::Mat& img, const Line& line,
                                 double s_from, double s_to, double step_mm,
                                 const Vec2& shift = Vec2(0, 0)) {
  double sum = 0;
  int n = 0;
  for (double t = s_from; t <= s_to; t += step_mm)
    if (const float v = sample_imaged(w, img, line.at(t) + shift); !std::isnan(v)) sum += v, ++n;
  if (n == 0) return std::nullopt;
  return sum / n;
}

// A needle's echo is followed, deeper, by its reverberations (the comet tail: copies of
// the shaft every two diameters), which a line fit on all bright pixels splits the
// difference between. The shaft is the shallowest of these parallel echoes: the line is
// moved across to the most skin-ward local maximum of the mean brightness along
// [s_start, s_tip] that reaches kEchoFraction of the brightest and, unless it is the
// brightest, is a thin line (kEchoEdgeFraction over the tissue just in front of it). A
// bright layer above the needle is no echo of it: in the knee the quadriceps tendon, 1-1.5
// mm above a 20-30 deg shaft and 0.64-0.75 of its brightness, is a broad band whose mean
// along the line barely changes over half a millimetre, and moving the line onto it lost
// the shaft (replays: 10 of every 100 in-plane knee frames). `moved` says whether the
// line changed: the search's middle offset is the line itself (up to the rounding of the
// offsets' running sum, < 1e-14 mm), and then its profile is the one already measured.
Line snap_to_first_echo(const WorkImage& w, const cv::Mat& smooth, const Line& line, double s_start,
                        double s_tip, bool& moved) {
  moved = false;
  Vec2 up(-line.dir.y(), line.dir.x());
  if (up.y() > 0) up = -up;
  const double along_step = std::max(w.px_mm, w.pz_mm);
  std::vector<double> offsets, mean;
  for (double o = -kSnapRangeMm; o <= kSnapRangeMm + 1e-9; o += kSnapStepMm) {
    offsets.push_back(o);
    mean.push_back(mean_along(w, smooth, line, s_start, s_tip, along_step, o * up).value_or(0.0));
  }
  const auto brightest = std::max_element(mean.begin(), mean.end());
  const double best = *brightest;
  const auto front = static_cast<size_t>(std::lround(kEchoFrontMm / kSnapStepMm));
  auto thin = [&](size_t i) {
    return mean.begin() + static_cast<long>(i) == brightest ||
           (i + front < mean.size() && mean[i] - mean[i + front] >= kEchoEdgeFraction * best);
  };
  // From the skin side (largest offset along `up`) inwards: the first peak high enough.
  for (size_t i = mean.size() - 2; i >= 1; --i)
    if (mean[i] >= kEchoFraction * best && mean[i] >= mean[i - 1] && mean[i] >= mean[i + 1] &&
        thin(i)) {
      if (std::abs(offsets[i]) < 1e-9) return line;
      moved = true;
      return {line.point + offsets[i] * up, line.dir};
    }
  return line;
}

// The tip. A B-mode image is log-compressed: grey level is proportional to dB. The end of a
// shaft blurred by the point spread function falls to half the shaft's echo *amplitude*
// at the tip, and half its grey level (a quarter to a tenth of its amplitude) lies beyond
// it, by more the wider the blur: 0.6-0.8 mm in the simulated hip. So the tip is where the
// profile falls below the grey level of half the shaft's amplitude (its typical level)
// over the background. The shaft's level, not its end's: a bright spot where the shaft
// crosses a tissue interface near the tip is no end (it had made a "bevel" rule that took
// the brightest end sample for the tip stop 1.3 mm short).
double tip_of(const Profile& pr, const Settings& s) {
  const double threshold = half_amplitude_grey(pr.level, s.dynamic_range_db);
  // From the run's last sample outwards (or inwards, should it lie below) to the crossing.
  size_t i = pr.run.last;
  while (i > pr.run.first && pr.q[i] < threshold) --i;
  while (i + 1 < pr.q.size() && pr.q[i + 1] >= threshold) ++i;
  if (i + 1 >= pr.q.size()) return pr.s_of[i];
  const double a = pr.q[i], b = pr.q[i + 1];
  const double f = a > b ? (a - threshold) / (a - b) : 0.0;
  return pr.s_of[i] + f * (pr.s_of[i + 1] - pr.s_of[i]);
}

}  // namespace

std::optional<Measurement> measure_shaft(const WorkImage& w, const cv::Mat& smooth, const Line& fitted,
                                         const Settings& s) {
  auto pr = profile_of(w, smooth, fitted, s);
  if (!pr) return std::nullopt;
  bool moved = false;
  const Line line = snap_to_first_echo(w, smooth, fitted, pr->s_start, pr->s_tip, moved);
  if (moved) pr = profile_of(w, smooth, line, s);
  if (!pr) return std::nullopt;
  const auto& q = pr->q;
  const Run* run = &pr->run;
  const double s_start = pr->s_start, s_tip = pr->s_tip, step_mm = pr->step_mm;

  Measurement m;
  m.length_mm = s_tip - s_start;
  if (m.length_mm < s.min_shaft_mm) return std::nullopt;
  m.entry_gap_mm = 0;
  const double max_gap_mm = max_entry_gap_mm(m.length_mm);
  while (m.entry_gap_mm <= max_gap_mm && w.imaged(line.at(s_start - m.entry_gap_mm - step_mm)))
    m.entry_gap_mm += step_mm;
  if (m.entry_gap_mm > max_gap_mm) return std::nullopt;
  m.shaft_start_mm = line.at(s_start);
  const double s_tip_mm = tip_of(*pr, s);
  // The tip is in view: a run cut off by the image's border or dead region ends in no tip
  // (a tissue layer crossing the whole field of view, bright on its own, at a shallow
  // angle; a needle whose tip left the field).
  if (!w.imaged(line.at(s_tip_mm + kTipInViewMm))) return std::nullopt;
  m.tip_mm = line.at(s_tip_mm);
  m.line = {m.shaft_start_mm, line.dir};

  // Significance (significance.hpp) over the span from where the line enters the image to
  // the tip: the hypothesis is a needle all along it, and a bright stretch picked out of
  // speckle (or a bone fragment deep inside) is diluted by the unremarkable line leading
  // to it.
  const size_t gap_samples = static_cast<size_t>(std::lround(m.entry_gap_mm / step_mm));
  const size_t first = run->first > gap_samples ? run->first - gap_samples : 0;
  m.span_from_mm = pr->s_of[first] - s_start;
  m.span_to_mm = pr->s_of[run->last] - s_start;
  const auto contrast = shaft_contrast(w, m.line, m.span_from_mm, m.span_to_mm);
  // A stretch no brighter than its brighter side is no needle, whatever else it is.
  if (!contrast || *contrast <= 0) return std::nullopt;
  m.contrast = *contrast;

  const size_t third = std::max<size_t>(1, (run->last - run->first + 1) / 3);
  double proximal = 0, distal = 0;
  for (size_t i = 0; i < third; ++i) {
    proximal += q[run->first + i];
    distal += q[run->last - i];
  }
  m.fade_ratio = proximal > 0 ? distal / proximal : 1.0;
  return m;
}

std::optional<Line> polish_line(const WorkImage& w, const cv::Mat& smooth, const Measurement& m,
                                const Settings& s) {
  const double half = 0.5 * m.length_mm;
  const Vec2 pivot = m.line.at(half);
  const double step_mm = std::min(w.px_mm, w.pz_mm);
  auto mean_on = [&](const Line& l) {
    return mean_along(w, smooth, l, -half, half, step_mm).value_or(-1.0);
  };
  Line best{pivot, m.line.dir};
  double best_mean = mean_on(best);
  const double end_turn_deg =
      std::atan(kPolishEndMm / std::max(half, 1e-3)) * 180 / std::numbers::pi;
  const double range_deg = std::max(kPolishAngleDeg, end_turn_deg);
  for (double deg = -range_deg; deg <= range_deg + 1e-9; deg += kPolishAngleStepDeg) {
    const Vec2 dir = Eigen::Rotation2Dd(deg * std::numbers::pi / 180) * m.line.dir;
    const Vec2 normal(-dir.y(), dir.x());
    for (double o = -kPolishOffsetMm; o <= kPolishOffsetMm + 1e-9; o += kPolishOffsetStepMm) {
      const Line l{pivot + o * normal, dir};
      if (const double v = mean_on(l); v > best_mean) best_mean = v, best = l;
    }
  }
  // A stretch whose brightest path runs outside the searched angle range is part of
  // something else. A short shaft's polish turns by up to 9.5 deg: a line at 10-12 deg
  // that crosses a level tissue layer over 5-6 mm had been turned to 2 deg and reported
  // there, with the range starting at 10 deg.
  if (!direction_allowed(best.dir, s)) return std::nullopt;
  return best;
}

bool judge_shaft(const WorkImage& w, Measurement& m) {
  const auto z = shaft_significance(w, m.line, m.span_from_mm, m.span_to_mm);
  if (!z) return false;
  m.significance = *z;
  m.confidence = confidence_of(m.significance);
  return true;
}

}  // namespace sonoflow::needle
