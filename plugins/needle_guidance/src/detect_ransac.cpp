// Top-hat candidates + RANSAC (see line_fit.hpp).
#include <algorithm>
#include <cmath>
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
constexpr int kTrials = 400;
constexpr double kInlierBandMm = 0.4;
constexpr double kFitBandMm = 0.8;
// Window over which the top-hat is normalized (see normalize_locally), as for the ridge.
constexpr double kLocalWindowMm = 8.0;
constexpr int kLines = 4;  // further searches without the earlier lines' inliers
constexpr uint64_t kSeed = 0x5eed;  // fixed: the same image always gives the same lines

struct Point {
  Vec2 mm;
  float weight;
};

// Fills ws.evidence with the top-hat where it is at least half the candidate threshold.
std::vector<Point> candidates(const WorkImage& w, Workspace& ws) {
  cv::Mat& tophat = ws.tophat;
  cv::Mat& g = ws.blurred;
  const double sigma_px = kSmoothSigmaMm / w.px_mm;
  cv::GaussianBlur(w.grey, g, cv::Size(), sigma_px, sigma_px);
  const int k = std::max(3, static_cast<int>(std::lround(kTopHatDiameterMm / w.px_mm)) | 1);
  white_tophat(g, k, tophat, ws.morph);
  suppress_near_dead(tophat, w, kFitBandMm, ws);
  normalize_locally(tophat, w, kLocalWindowMm, ws);
  std::vector<float>& v = ws.values;
  v.assign(tophat.begin<float>(), tophat.end<float>());
  if (v.empty()) return {};
  auto nth = v.begin() + static_cast<long>(kCandidatePercentile * (v.size() - 1));
  std::nth_element(v.begin(), nth, v.end());
  const float max_v = *std::max_element(v.begin(), v.end());
  const float t = std::max(*nth, static_cast<float>(kCandidateFractionOfMax * max_v));
  cv::Mat& evidence = ws.evidence;
  tophat.copyTo(evidence);
  cv::compare(tophat, 0.5f * t, ws.mask, cv::CMP_LE);
  evidence.setTo(0, ws.mask);
  std::vector<Point> pts;
  for (int r = 0; r < tophat.rows; ++r)
    for (int c = 0; c < tophat.cols; ++c)
      if (const float x = tophat.at<float>(r, c); x > t && t > 0) pts.push_back({w.to_mm(c, r), x});
  if (pts.size() > kMaxCandidates) {
    std::nth_element(pts.begin(), pts.begin() + kMaxCandidates, pts.end(),
                     [](const Point& a, const Point& b) { return a.weight > b.weight; });
    pts.resize(kMaxCandidates);
  }
  return pts;
}

// The candidates' coordinates as arrays, for inlier_weight.
struct Columns {
  std::vector<double> x, z;
  std::vector<float> weight;
  void assign(const std::vector<Point>& pts) {
    x.resize(pts.size());
    z.resize(pts.size());
    weight.resize(pts.size());
    for (size_t i = 0; i < pts.size(); ++i)
      x[i] = pts[i].mm.x(), z[i] = pts[i].mm.y(), weight[i] = pts[i].weight;
  }
};

// Sum of the weights of the points closer than `band` to `l`: each trial's score, where
// RANSAC spends most of its time. Only the few inliers are added, in the points' order:
// the same sum, bit for bit, as a plain loop over the points.
double inlier_weight(const Columns& c, const Line& l, double band) {
  double score = 0;
  within_band(c.x.data(), c.z.data(), c.x.size(), l, band, false,
              [&](size_t i) { score += c.weight[i]; });
  return score;
}

}  // namespace

std::vector<Candidate> detect_ransac(const WorkImage& w, const Settings& s, Workspace& ws) {
  std::vector<Point> pts = candidates(w, ws);
  std::vector<Candidate> out;
  const Support support = support_of(w, ws.evidence, ws.mask);
  cv::RNG rng(kSeed);
  Columns columns;
  for (int round = 0; round < kLines && pts.size() >= 2; ++round) {
    columns.assign(pts);
    double best_score = 0;
    Line best;
    for (int trial = 0; trial < kTrials; ++trial) {
      const Point& a = pts[rng.uniform(0, static_cast<int>(pts.size()))];
      const Point& b = pts[rng.uniform(0, static_cast<int>(pts.size()))];
      const Vec2 d = b.mm - a.mm;
      // Two points closer than a shaft's minimum length give a poorly defined direction.
      if (d.norm() < 0.5 * s.min_shaft_mm || !direction_allowed(d.normalized(), s)) continue;
      Line l{a.mm, d.y() < 0 ? Vec2(-d.normalized()) : d.normalized()};
      const double score = inlier_weight(columns, l, kInlierBandMm);
      if (score > best_score) {
        best_score = score;
        best = l;
      }
    }
    if (best_score <= 0) break;
    Line fitted = refine_line(support, best, kFitBandMm);
    if (direction_allowed(fitted.dir, s)) out.push_back({fitted, best_score});
    std::erase_if(pts, [&](const Point& p) { return best.distance_mm(p.mm) < 2 * kInlierBandMm; });
  }
  return out;
}

}  // namespace sonoflow::needle
