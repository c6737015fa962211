// Top-hat candidates + RANSAC (see line_fit.hpp).
#include <algorithm>
#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>

#include "filters.hpp"
#include "line_fit.hpp"

namespace sonoflow::needle {

namespace {

// Light smoothing against single-pixel speckle before the top-hat.
constexpr double kSmoothSigmaMm = 0.25;
// The top-hat keeps what is brighter than its surroundings and narrower than this: the
// shaft (< 1.5 mm with its blur) passes, broad bright tissue and bone surfaces lose most.
constexpr double kTopHatDiameterMm = 3.0;
constexpr double kCandidatePercentile = 0.98;
constexpr double kCandidateFractionOfMax = 0.3;
constexpr size_t kMaxCandidates = 1500;  // strongest kept: bounds the cost of each trial
constexpr int kTrials = 400;             // scored hypotheses per line
constexpr double kInlierBandMm = 0.4;
constexpr double kFitBandMm = 0.8;
// Window over which the top-hat is normalized (see normalize_locally), as for the ridge.
constexpr double kLocalWindowMm = 8.0;
// Lines per image, each searched without the earlier lines' structures. Not six: replays
// gained 1.6 points in the knee (means over 3 seeds), but in 2 of 3 seeds a static tissue
// line at the hip sector's edge became a confident needle for 100 frames before the needle
// entered (8.2 % of the hip replays' needle-free frames; 0 % with four).
constexpr size_t kLines = 4;
// Searches per image, kept lines or not. A line whose fit leaves the angle range is dropped
// but does not count as one of the kLines: in the knee, level tissue layers just below the
// range (pairs of their points at 10-12 deg, the fit at 6-9 deg) had used up all four rounds
// in the first frames of an insertion, leaving one line or none. Replays, means over 4 seeds:
// knee 86.7 -> 88.0 %, hip 92.5 % either way, no false detection.
constexpr size_t kMaxRounds = 2 * kLines;
constexpr uint64_t kSeed = 0x5eed;  // fixed: the same image always gives the same lines

// Faint lines (detect_ransac_faint): the same search over the strongest 6 % of the top-hat
// (at most kMaxCandidates of them), for lines that count only if they slide. Replays, means
// over 4 RNG seeds: knee 89.3 -> 91.3 % detected, at 25/35/45 deg 88.6 -> 91.2 %, hip 92.7
// -> 94.2 %. Two lines instead of four: knee 91.0 / 90.8 %. In a first version (one seed;
// grid / 25-35-45 deg), the strongest 2 %, 4 %, 6 %, 8 %, 10 % gave the knee 90.0 / 89.6,
// 88.9 / 92.0, 91.3 / 92.5, 91.3 / 92.0, 90.6 / 91.5 % (87.4 % without faint lines).
constexpr double kFaintPercentile = 0.94;
constexpr size_t kFaintLines = 4;
constexpr uint64_t kFaintSeed = 0xfa1e7;

// Each candidate carries the direction of its local ridge (the Hessian's flat axis, from
// differences this far apart: about the shaft's half-width). A point counts for a line only
// if its ridge runs within kOrientationTolDeg of it, and only points whose ridge is within
// kCandidateMarginDeg of the allowed angle range are candidates. Speckle grains (lying
// laterally), horizontal tissue layers and the steep parts of a curved bone surface then
// add nothing to a line through them: a chord of the femoral head keeps only the stretch
// where the surface runs along it. The direction of a single pixel is good to ~10 deg, and
// biased towards the axes: differences this far apart read a 30 deg ridge as 24-27 deg. An
// unbiased Gaussian-derivative Hessian was measured and not kept (HISTORY.md, What is left).
constexpr double kOrientationStepMm = 0.4;
constexpr double kOrientationTolDeg = 10;
constexpr double kCandidateMarginDeg = 3;

// A hypothesis scores the weight of its heaviest stretch of this length, not of all its
// inliers: a needle's echo is continuous along the shaft, where a line through scattered
// bright grains, streaks and fibres collects much of its weight a few mm apart. Early in an
// insertion, 5-10 mm of shaft lost to such lines 30-60 mm long (replays with six lines,
// means over 3 seeds: knee 86.8 -> 88.0 % detected, hip 92.3 -> 93.6 %).
constexpr double kWindowMm = 8;
constexpr size_t kWindowBins = 16;  // the window in bins along the line
constexpr double kBinMm = kWindowMm / kWindowBins;

// Guided draws: the second point is taken where the first one's ridge leads, this far
// along it, from the grid cell there. A short shaft's few candidates among a thousand are
// then paired with each other often enough; as two uniform draws, a few in 10^5. Pairs not
// along both points' ridges are not scored; at most kMaxDraws are drawn per line.
constexpr double kGuideMinMm = 2, kGuideMaxMm = 12, kGuideCellMm = 1.0;
constexpr int kMaxDraws = 10 * kTrials;

// A line takes with it every connected bright structure (ws.evidence > 0) of which it has
// this many inliers: a curved bone surface is one such structure, whose other chords would
// take the next lines (hip replays at 40-50 deg: all four went to the femoral head). With
// the rest of this file: replays with six lines, means over 3 seeds, knee 86.7 -> 88.0 %,
// hip 92.8 -> 93.6 %.
constexpr int kStructureInliers = 5;

struct Point {
  Vec2 mm;
  Vec2 along;  // unit direction of the local ridge
  float weight;
  int structure;  // connected component of the evidence (ws.evidence > 0) it belongs to
};

// Direction of the ridge through pixel (c, r) of `g`: the eigenvector of the Hessian's
// larger eigenvalue (~0 along a bright line, strongly negative across it), from one row of
// (M - l_max) v = 0. Horizontal where the Hessian vanishes.
Vec2 ridge_direction(const cv::Mat& g, int c, int r, int h) {
  auto at = [&](int dc, int dr) {
    return static_cast<double>(
        g.at<float>(std::clamp(r + dr, 0, g.rows - 1), std::clamp(c + dc, 0, g.cols - 1)));
  };
  const double centre = at(0, 0);
  const double dxx = at(h, 0) - 2 * centre + at(-h, 0);
  const double dzz = at(0, h) - 2 * centre + at(0, -h);
  const double dxz = 0.25 * (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h));
  const double l_max = 0.5 * (dxx + dzz) + std::hypot(0.5 * (dxx - dzz), dxz);
  // The row that keeps v away from zero.
  const Vec2 v = dxx >= dzz ? Vec2(l_max - dzz, dxz) : Vec2(dxz, l_max - dxx);
  const double norm = v.norm();
  return norm > 0 ? Vec2(v / norm) : Vec2(1, 0);
}

// The smoothed image (ws.blurred, for the ridge directions) and its normalized top-hat
// (ws.tophat), from which candidates() draws.
void tophat_map(const WorkImage& w, Workspace& ws) {
  const double sigma_px = kSmoothSigmaMm / w.px_mm;
  cv::GaussianBlur(w.grey, ws.blurred, cv::Size(), sigma_px, sigma_px);
  const int k = std::max(3, static_cast<int>(std::lround(kTopHatDiameterMm / w.px_mm)) | 1);
  white_tophat(ws.blurred, k, ws.tophat, ws.morph);
  suppress_near_dead(ws.tophat, w, kFitBandMm, ws);
  normalize_locally(ws.tophat, w, kLocalWindowMm, ws);
}

// The top-hat's pixels above its `percentile` (the strongest max_candidates of them), from
// tophat_map. Fills ws.evidence with the top-hat where it is at least half that threshold,
// and ws.labels with its connected structures (Point::structure).
std::vector<Point> candidates(const WorkImage& w, const Settings& s, Workspace& ws,
                              double percentile, size_t max_candidates) {
  const cv::Mat& tophat = ws.tophat;
  const cv::Mat& g = ws.blurred;
  std::vector<float>& v = ws.values;
  v.assign(tophat.begin<float>(), tophat.end<float>());
  if (v.empty()) return {};
  auto nth = v.begin() + static_cast<long>(percentile * (v.size() - 1));
  std::nth_element(v.begin(), nth, v.end());
  const float max_v = *std::max_element(v.begin(), v.end());
  const float t = std::max(*nth, static_cast<float>(kCandidateFractionOfMax * max_v));
  cv::Mat& evidence = ws.evidence;
  tophat.copyTo(evidence);
  cv::compare(tophat, 0.5f * t, ws.mask, cv::CMP_LE);
  evidence.setTo(0, ws.mask);
  cv::bitwise_not(ws.mask, ws.mask);
  cv::Mat& labels = ws.labels;
  cv::connectedComponents(ws.mask, labels, 8, CV_32S);
  std::vector<Point> pts;
  if (!(t > 0)) return pts;
  Settings widened = s;
  widened.angle_min_deg -= kCandidateMarginDeg;
  widened.angle_max_deg += kCandidateMarginDeg;
  const int h = std::max(1, static_cast<int>(std::lround(kOrientationStepMm / w.px_mm)));
  for (int r = 0; r < tophat.rows; ++r)
    for (int c = 0; c < tophat.cols; ++c)
      if (const float x = tophat.at<float>(r, c); x > t) {
        const Vec2 along = ridge_direction(g, c, r, h);
        if (direction_allowed(along, widened))
          pts.push_back({w.to_mm(c, r), along, x, labels.at<int>(r, c)});
      }
  if (pts.size() > max_candidates) {
    std::nth_element(pts.begin(), pts.begin() + static_cast<long>(max_candidates), pts.end(),
                     [](const Point& a, const Point& b) { return a.weight > b.weight; });
    pts.resize(max_candidates);
  }
  return pts;
}

// The candidates' coordinates as arrays, for inlier_weight, and their bounding box.
struct Columns {
  std::vector<double> x, z;
  std::vector<Vec2> along;
  std::vector<float> weight;
  double x_min = 0, x_max = 0, z_min = 0, z_max = 0;
  double span_mm = 0;  // diagonal of the bounding box
  // Bins of kBinMm along a line through one of the points reach every other one.
  size_t bins() const { return static_cast<size_t>(2 * span_mm / kBinMm) + 2; }
  void assign(const std::vector<Point>& pts) {
    x.resize(pts.size());
    z.resize(pts.size());
    along.resize(pts.size());
    weight.resize(pts.size());
    for (size_t i = 0; i < pts.size(); ++i)
      x[i] = pts[i].mm.x(), z[i] = pts[i].mm.y(), along[i] = pts[i].along,
      weight[i] = pts[i].weight;
    x_min = x_max = z_min = z_max = span_mm = 0;
    if (x.empty()) return;
    const auto [x0, x1] = std::minmax_element(x.begin(), x.end());
    const auto [z0, z1] = std::minmax_element(z.begin(), z.end());
    x_min = *x0, x_max = *x1, z_min = *z0, z_max = *z1;
    span_mm = std::hypot(x_max - x_min, z_max - z_min);
  }
};

const double kCosTol = std::cos(kOrientationTolDeg * std::numbers::pi / 180);
bool runs_along(const Vec2& along, const Vec2& dir) {
  return std::abs(along.dot(dir)) >= kCosTol;
}

// Each trial's score, where RANSAC spends most of its time: the weights of the points closer
// than `band` to `l` whose ridge runs along it, binned along the line, over the heaviest
// kWindowMm. `bins` holds zeros on entry and exit, at least c.bins() of them.
double inlier_weight(const Columns& c, const Line& l, double band, std::vector<double>& bins) {
  size_t lo = bins.size(), hi = 0;
  within_band(c.x.data(), c.z.data(), c.x.size(), l, band, false, [&](size_t i) {
    if (!runs_along(c.along[i], l.dir)) return;
    const double s_mm = l.dir.x() * (c.x[i] - l.point.x()) + l.dir.y() * (c.z[i] - l.point.y());
    const size_t bin = static_cast<size_t>((s_mm + c.span_mm) / kBinMm);
    bins[bin] += c.weight[i];
    lo = std::min(lo, bin), hi = std::max(hi, bin);
  });
  double best = 0, sum = 0;
  for (size_t i = lo; i <= hi; ++i) {
    sum += bins[i];
    if (i >= lo + kWindowBins) sum -= bins[i - kWindowBins];
    best = std::max(best, sum);
  }
  if (lo <= hi)
    std::fill(bins.begin() + static_cast<long>(lo), bins.begin() + static_cast<long>(hi + 1), 0.0);
  return best;
}

// The candidates binned into square cells, to find those near a position (guided draws).
class Grid {
 public:
  // Over the points of `c` (indices into c.x, c.z), within their bounding box.
  void assign(const Columns& c, double cell_mm) {
    cell_ = cell_mm;
    x0_ = c.x_min, z0_ = c.z_min;
    nx_ = 1 + static_cast<int>((c.x_max - x0_) / cell_);
    nz_ = 1 + static_cast<int>((c.z_max - z0_) / cell_);
    start_.assign(static_cast<size_t>(nx_) * nz_ + 1, 0);
    for (size_t i = 0; i < c.x.size(); ++i) ++start_[cell_of(c.x[i], c.z[i]) + 1];
    for (size_t i = 1; i < start_.size(); ++i) start_[i] += start_[i - 1];
    index_.resize(c.x.size());
    std::vector<int> fill(start_.begin(), start_.end() - 1);
    for (size_t i = 0; i < c.x.size(); ++i)
      index_[fill[cell_of(c.x[i], c.z[i])]++] = static_cast<int>(i);
  }
  // A random candidate in the cell holding `p`; -1 if there is none.
  int draw_near(const Vec2& p, cv::RNG& rng) const {
    const int cx = static_cast<int>(std::floor((p.x() - x0_) / cell_));
    const int cz = static_cast<int>(std::floor((p.y() - z0_) / cell_));
    if (cx < 0 || cz < 0 || cx >= nx_ || cz >= nz_) return -1;
    const size_t cell = static_cast<size_t>(cz) * nx_ + cx;
    const int n = start_[cell + 1] - start_[cell];
    return n == 0 ? -1 : index_[start_[cell] + rng.uniform(0, n)];
  }

 private:
  size_t cell_of(double x, double z) const {
    return static_cast<size_t>((z - z0_) / cell_) * nx_ + static_cast<size_t>((x - x0_) / cell_);
  }
  double cell_ = 1, x0_ = 0, z0_ = 0;
  int nx_ = 0, nz_ = 0;
  std::vector<int> start_, index_;
};

// Up to `lines` lines in at most `max_rounds` rounds of RANSAC over `pts` (consumed: each
// line takes its inliers and structures with it), refit on `support`, into `out`.
void search_lines(std::vector<Point>& pts, const Settings& s, const Support& support, uint64_t seed,
                  size_t lines, size_t max_rounds, std::vector<Candidate>& out) {
  cv::RNG rng(seed);
  Columns columns;
  Grid grid;
  std::vector<double> bins;
  std::vector<int> inliers_of;  // per structure
  size_t structures = 0;
  for (const Point& p : pts)
    structures = std::max(structures, static_cast<size_t>(p.structure) + 1);
  size_t kept = 0;
  for (size_t round = 0; round < max_rounds && kept < lines && pts.size() >= 2; ++round) {
    columns.assign(pts);
    grid.assign(columns, kGuideCellMm);
    bins.assign(columns.bins(), 0.0);
    double best_score = 0;
    Line best;
    for (int trial = 0, draw = 0; trial < kTrials && draw < kMaxDraws; ++draw) {
      const Point& a = pts[rng.uniform(0, static_cast<int>(pts.size()))];
      const double reach_mm = rng.uniform(-kGuideMaxMm, kGuideMaxMm);
      if (std::abs(reach_mm) < kGuideMinMm) continue;
      const int bi = grid.draw_near(a.mm + reach_mm * a.along, rng);
      if (bi < 0) continue;
      const Point& b = pts[static_cast<size_t>(bi)];
      const Vec2 d = b.mm - a.mm;
      const double length_mm = d.norm();
      // Two points closer than a shaft's minimum length give a poorly defined direction.
      if (length_mm < 0.5 * s.min_shaft_mm) continue;
      const Vec2 dir = (d.y() < 0 ? -d : d) / length_mm;
      if (!runs_along(a.along, dir) || !runs_along(b.along, dir) || !direction_allowed(dir, s))
        continue;
      ++trial;
      Line l{a.mm, dir};
      const double score = inlier_weight(columns, l, kInlierBandMm, bins);
      if (score > best_score) {
        best_score = score;
        best = l;
      }
    }
    if (best_score <= 0) break;
    Line fitted = refine_line(support, best, kFitBandMm);
    if (direction_allowed(fitted.dir, s)) {
      out.push_back({fitted, best_score});
      ++kept;
    }
    // The structures the line ran along go with it (see kStructureInliers).
    inliers_of.assign(structures, 0);
    for (const Point& p : pts)
      if (best.distance_mm(p.mm) < kInlierBandMm && runs_along(p.along, best.dir))
        ++inliers_of[static_cast<size_t>(p.structure)];
    std::erase_if(pts, [&](const Point& p) {
      return best.distance_mm(p.mm) < 2 * kInlierBandMm ||
             inliers_of[static_cast<size_t>(p.structure)] >= kStructureInliers;
    });
  }
}

}  // namespace

std::vector<Candidate> detect_ransac(const WorkImage& w, const Settings& s, Workspace& ws) {
  tophat_map(w, ws);
  std::vector<Point> pts = candidates(w, s, ws, kCandidatePercentile, kMaxCandidates);
  std::vector<Candidate> out;
  const Support support = support_of(w, ws.evidence, ws.mask);
  search_lines(pts, s, support, kSeed, kLines, kMaxRounds, out);
  return out;
}

std::vector<Candidate> detect_ransac_faint(const WorkImage& w, const Settings& s, Workspace& ws,
                                           const std::vector<Candidate>& found) {
  std::vector<Point> pts = candidates(w, s, ws, kFaintPercentile, kMaxCandidates);
  // What the lines found already ran along is searched no more.
  std::erase_if(pts, [&](const Point& p) {
    return std::any_of(found.begin(), found.end(), [&](const Candidate& c) {
      return c.line.distance_mm(p.mm) < 2 * kInlierBandMm;
    });
  });
  std::vector<Candidate> out;
  const Support support = support_of(w, ws.evidence, ws.mask);
  search_lines(pts, s, support, kFaintSeed, kFaintLines, 2 * kFaintLines, out);
  return out;
}

}  // namespace sonoflow::needle
