#include "line_fit.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <opencv2/core.hpp>

namespace sonoflow::needle {

namespace {
constexpr double kRadPerDeg = std::numbers::pi / 180;
}

double Line::angle_deg() const {
  return std::atan2(std::abs(dir.y()), std::abs(dir.x())) / kRadPerDeg;
}

int Line::insertion_side() const {
  if (dir.x() < 0) return +1;  // deepening towards -x: came in from the +x end
  if (dir.x() > 0) return -1;
  return 0;
}

double Line::distance_mm(const Vec2& p) const {
  const Vec2 r = p - point;
  return std::abs(r.x() * dir.y() - r.y() * dir.x());
}

bool direction_allowed(const Vec2& dir, const Settings& s) {
  Line l{{0, 0}, dir.y() < 0 ? Vec2(-dir) : dir};
  const double a = l.angle_deg();
  if (a < s.angle_min_deg || a > s.angle_max_deg) return false;
  const int side = l.insertion_side();
  if (s.side == Side::left && side != -1) return false;
  if (s.side == Side::right && side != +1) return false;
  return true;
}

Line fit_line(const std::vector<Vec2>& points, const std::vector<double>& weights) {
  Vec2 mean(0, 0);
  double total = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    mean += weights[i] * points[i];
    total += weights[i];
  }
  mean /= total;
  Eigen::Matrix2d scatter = Eigen::Matrix2d::Zero();
  for (size_t i = 0; i < points.size(); ++i) {
    const Vec2 r = points[i] - mean;
    scatter += weights[i] * r * r.transpose();
  }
  Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> eig(scatter);
  Vec2 dir = eig.eigenvectors().col(1).normalized();  // largest eigenvalue: along the line
  if (dir.y() < 0 || (dir.y() == 0 && dir.x() < 0)) dir = -dir;
  return {mean, dir};
}

namespace {

// Gaps along a line longer than this split the evidence into separate pieces.
constexpr double kMaxEvidenceGapMm = 1.5;

// The along-line range [lo, hi] of the heaviest contiguous piece of evidence: the shaft,
// not the speckle on the line's continuation beyond the tip.
// Sorts `along_weight` in place (its caller reuses the buffer).
void heaviest_piece(std::vector<std::pair<double, double>>& along_weight, double& lo, double& hi) {
  std::sort(along_weight.begin(), along_weight.end());
  double best = -1, sum = 0;
  size_t first = 0;
  for (size_t i = 0; i < along_weight.size(); ++i) {
    if (i > 0 && along_weight[i].first - along_weight[i - 1].first > kMaxEvidenceGapMm) {
      first = i;
      sum = 0;
    }
    sum += along_weight[i].second;
    if (sum > best) {
      best = sum;
      lo = along_weight[first].first;
      hi = along_weight[i].first;
    }
  }
}

}  // namespace

Support support_of(const WorkImage& w, const cv::Mat& weight, cv::Mat& scratch) {
  Support out;
  std::vector<cv::Point> pixels;
  cv::compare(weight, 0, scratch, cv::CMP_GT);
  cv::findNonZero(scratch, pixels);
  out.x.reserve(pixels.size());
  out.z.reserve(pixels.size());
  out.weight.reserve(pixels.size());
  for (const cv::Point& px : pixels) {
    const Vec2 p = w.to_mm(px.x, px.y);
    out.x.push_back(p.x());
    out.z.push_back(p.y());
    out.weight.push_back(weight.at<float>(px.y, px.x));
  }
  return out;
}

Line refine_line(const Support& support, Line seed, double band_mm, int min_pixels) {
  std::vector<Vec2> pts;
  std::vector<double> wts;
  std::vector<std::pair<double, double>> along;
  pts.reserve(support.x.size());
  wts.reserve(support.x.size());
  double lo = -1e9, hi = 1e9;
  for (double band : {band_mm, band_mm / 2, band_mm / 2}) {
    pts.clear();
    wts.clear();
    along.clear();
    within_band(support.x.data(), support.z.data(), support.x.size(), seed, band, true,
                [&](size_t i) {
                  const Vec2 p(support.x[i], support.z[i]);
                  const float weight_here = support.weight[i];
                  const double s = seed.along_mm(p);
                  along.push_back({s, weight_here});
                  if (s < lo || s > hi) return;
                  pts.push_back(p);
                  wts.push_back(weight_here);
                });
    if (static_cast<int>(pts.size()) < min_pixels) return seed;
    const Line fitted = fit_line(pts, wts);
    // Later passes fit only the shaft's own piece of the line (found on this pass's line).
    heaviest_piece(along, lo, hi);
    const Vec2 a = seed.at(lo), b = seed.at(hi);
    seed = fitted;
    lo = seed.along_mm(a);
    hi = seed.along_mm(b);
    if (lo > hi) std::swap(lo, hi);
  }
  return seed;
}

}  // namespace sonoflow::needle
