#include "significance.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "stats.hpp"

namespace sonoflow::needle {

namespace {

// Parallel lines are read every kRowStepMm across the line, kNullRangeMm to each side,
// sampled every kAlongStepMm along it (about the speckle's axial size: finer adds no
// independent samples).
constexpr double kRowStepMm = 0.25, kNullRangeMm = 20.0, kAlongStepMm = 0.4;
constexpr int kRows = static_cast<int>(kNullRangeMm / kRowStepMm);
// Background rows on each side: 0.75-1.5 mm from the axis, just beyond a shaft's blurred
// width. Close, so that tissue structure (layers, fibres, shadows: mm and larger) is
// nearly the same on the line and beside it and cancels, while a thin shaft does not.
// The first reverberation of a needle lies inside this band on the deep side; it only
// makes the needle's contrast smaller.
constexpr int kBackgroundRows[] = {3, 4, 5, 6};
// Null stretches are taken this far from the line and beyond (row kNullFirstRow on): clear
// of the shaft, its blur and its comet tail.
constexpr double kNullExclusionMm = 5.0;
constexpr int kNullFirstRow = static_cast<int>(kNullExclusionMm / kRowStepMm + 0.999);
// A stretch counts when this share of it lies in imaged tissue. The judgement needs this
// many null stretches: with fewer (a small region of interest) their spread is too
// uncertain, and the best of thousands of speckle lines could pass for a needle.
constexpr double kMinImagedShare = 0.7;
constexpr size_t kMinNullStretches = 60;
// Smallest spread the null may have, in grey levels (a noise-free synthetic image).
constexpr double kMinSpread = 1.0;

// Window means of parallel rows (row k at offset k * kRowStepMm, |k| <= rows) over every
// stretch of `len` samples from prefix sums. The sample grid is anchored on the line's
// point, so a narrow and a wide RowMeans of the same line sample the same positions.
class RowMeans {
 public:
  RowMeans(const WorkImage& w, const Line& line, int rows, double s_lo_mm, double s_hi_mm) : rows_(rows) {
    const Vec2 normal(-line.dir.y(), line.dir.x());
    const int j_lo = static_cast<int>(std::floor(s_lo_mm / kAlongStepMm));
    cols_ = static_cast<int>(std::ceil(s_hi_mm / kAlongStepMm)) - j_lo + 1;
    if (cols_ < 1) {
      cols_ = 0;
      return;
    }
    s_origin_ = j_lo * kAlongStepMm;
    const size_t stride = static_cast<size_t>(cols_) + 1;
    sum_.assign(stride * (2 * rows_ + 1), 0.0);
    count_.assign(sum_.size(), 0);
    // Sampling steps in pixels: each row is a straight walk through w.grey.
    const cv::Point2d origin_px = w.to_pixel(line.at(s_origin_));
    const cv::Point2d along_px = w.to_pixel(line.at(s_origin_ + kAlongStepMm)) - origin_px;
    const cv::Point2d across_px = w.to_pixel(line.at(s_origin_) + kRowStepMm * normal) - origin_px;
    for (int k = -rows_; k <= rows_; ++k) {
      if (!needed(std::abs(k))) continue;
      const size_t row = static_cast<size_t>(k + rows_) * stride;
      const cv::Point2d start = origin_px + k * across_px;
      for (int j = 0; j < cols_; ++j) {
        const cv::Point2d px = start + j * along_px;
        const float v = w.imaged_pixel(px) ? sample(w.grey, px.x, px.y) : std::nanf("");
        const bool ok = !std::isnan(v);
        sum_[row + j + 1] = sum_[row + j] + (ok ? v : 0.0f);
        count_[row + j + 1] = count_[row + j] + ok;
      }
    }
  }
  // Rows no contrast reads (between the line's background and the null's) are not sampled.
  static bool needed(int k) {
    return k <= kBackgroundRows[3] || k >= kNullFirstRow - kBackgroundRows[3];
  }
  int cols() const { return cols_; }
  int column_of(double s_mm) const {
    return static_cast<int>(std::lround((s_mm - s_origin_) / kAlongStepMm));
  }
  // Mean of row k over samples [j0, j0 + len); NaN when too little of it is imaged.
  double mean(int k, int j0, int len) const {
    if (k < -rows_ || k > rows_ || !needed(std::abs(k)) || j0 < 0 || j0 + len > cols_)
      return std::nan("");
    const size_t row = static_cast<size_t>(k + rows_) * (static_cast<size_t>(cols_) + 1);
    const int n = count_[row + j0 + len] - count_[row + j0];
    if (n < kMinImagedShare * len) return std::nan("");
    return (sum_[row + j0 + len] - sum_[row + j0]) / n;
  }
  // The stretch's mean over the brighter side's background; NaN unless the stretch and
  // two background rows on each side are imaged.
  double contrast(int k, int j0, int len) const {
    const double on = mean(k, j0, len);
    if (std::isnan(on)) return on;
    double brighter = -1e300;
    for (int side : {-1, 1}) {
      double sum = 0;
      int n = 0;
      for (int b : kBackgroundRows)
        if (const double v = mean(k + side * b, j0, len); !std::isnan(v)) sum += v, ++n;
      if (n < 2) return std::nan("");
      brighter = std::max(brighter, sum / n);
    }
    return on - brighter;
  }

 private:
  int rows_ = 0;
  double s_origin_ = 0;
  int cols_ = 0;
  std::vector<double> sum_;
  std::vector<int> count_;
};

int samples_of(double s_from_mm, double s_to_mm) {
  return std::max(2, static_cast<int>(std::lround((s_to_mm - s_from_mm) / kAlongStepMm)) + 1);
}

double own_contrast(const RowMeans& rows, double s_from_mm, int len) {
  if (rows.cols() < len) return std::nan("");
  return rows.contrast(0, std::clamp(rows.column_of(s_from_mm), 0, rows.cols() - len), len);
}

}  // namespace

std::optional<double> shaft_contrast(const WorkImage& w, const Line& line, double s_from_mm,
                                     double s_to_mm) {
  const int len = samples_of(s_from_mm, s_to_mm);
  const RowMeans rows(w, line, kBackgroundRows[3], s_from_mm, s_from_mm + (len - 1) * kAlongStepMm);
  const double c = own_contrast(rows, s_from_mm, len);
  if (std::isnan(c)) return std::nullopt;
  return c;
}

std::optional<double> shaft_significance(const WorkImage& w, const Line& line, double s_from_mm,
                                         double s_to_mm) {
  // The parallel lines' extent: every s at which one of them is inside the region.
  const Vec2 normal(-line.dir.y(), line.dir.x());
  double lo = 1e300, hi = -1e300;
  for (int k = -kRows; k <= kRows; ++k) {
    double s0, s1;
    if (clip({line.point + (k * kRowStepMm) * normal, line.dir}, w.roi_box, s0, s1))
      lo = std::min(lo, s0), hi = std::max(hi, s1);
  }
  if (hi <= lo) return std::nullopt;
  const int len = samples_of(s_from_mm, s_to_mm);
  const RowMeans rows(w, line, kRows, std::min(lo, s_from_mm), std::max(hi, s_to_mm));
  const double contrast = own_contrast(rows, s_from_mm, len);
  if (std::isnan(contrast)) return std::nullopt;
  // Every parallel stretch of the same length at least kNullExclusionMm away, at half
  // overlapping positions along: in a layered, fibrous or shadowed image their spread is
  // that of the structure, which a statistic assuming speckle would count as signal.
  std::vector<double> null;
  const int step = std::max(1, len / 2);
  for (int k = kNullFirstRow; k <= kRows; ++k)
    for (int side : {-1, 1})
      for (int j0 = 0; j0 + len <= rows.cols(); j0 += step)
        if (const double c = rows.contrast(side * k, j0, len); !std::isnan(c)) null.push_back(c);
  if (null.size() < kMinNullStretches) return std::nullopt;
  const double median = quantile(null, 0.5);
  for (double& c : null) c = std::abs(c - median);
  const double spread = std::max(1.4826 * quantile(std::move(null), 0.5), kMinSpread);
  return (contrast - median) / spread;
}

}  // namespace sonoflow::needle
