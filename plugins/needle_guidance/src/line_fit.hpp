// Line candidates for the needle shaft, from two different methods that share the same
// input (a WorkImage) and output (lines in mm, best first):
//  - detect_hough: Hessian ridge filter (a Frangi-like bright-line measure at the shaft's
//    scale) keeping only ridges whose orientation is in the allowed angle range, a
//    Hough transform on the strongest ridge pixels, then a least-squares fit on the ridge
//    pixels near each Hough line;
//  - detect_ransac: white top-hat (bright structures thinner than ~3 mm) for candidate
//    pixels, each with its local ridge direction; RANSAC over pairs of them drawn along
//    those directions under the angle constraint, scored over a hypothesis' densest
//    stretch, each line taking its connected structures with it; then the same fit.
// Neither decides whether a needle is there: the shaft profile (tip_search.hpp) does, the
// same way for both.
#pragma once

#include <cmath>
#include <vector>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "needle_types.hpp"
#include "work_image.hpp"

namespace sonoflow::needle {

struct Candidate {
  Line line;
  double score = 0;  // method-specific, only for ranking one method's candidates
};

// Whether a shaft direction (x, z) is in settings' angle range and allowed sides.
bool direction_allowed(const Vec2& dir, const Settings& s);

// Weighted total-least-squares line through points (mm): the principal axis of their
// weighted scatter, oriented into the body. Needs two or more points of positive weight.
Line fit_line(const std::vector<Vec2>& points_mm, const std::vector<double>& weights);

// The evidence pixels a refit weighs: those of `weight` (CV_32F over the work image) that
// are > 0, in row-major order, with their positions in mm. Found once per image, so that
// refining several candidates does not rescan the map or convert pixels to mm again.
struct Support {
  std::vector<double> x, z;  // mm, as columns for within_band
  std::vector<float> weight;
};

// Calls f(i) in ascending i for every point (x[i], z[i]) whose distance to `l` is below
// `band` (inclusive: also equal to it), the distance computed exactly as Line::distance_mm
// does, two points at a time with SSE2 where available: the refit and RANSAC test every
// evidence pixel against a line and keep only a few.
template <class F>
void within_band(const double* x, const double* z, size_t n, const Line& l, double band,
                 bool inclusive, F&& f);
// `scratch` holds the mask of weight > 0.
Support support_of(const WorkImage& w, const cv::Mat& weight, cv::Mat& scratch);

// Refits `seed` on the support pixels within band_mm of it, twice, the second time in half
// the band: the fit no longer depends on the coarse seed (a Hough bin or a RANSAC pair).
// Returns the seed unchanged when fewer than `min_pixels` pixels support it.
Line refine_line(const Support& support, Line seed, double band_mm, int min_pixels = 8);

// Both reuse `ws`'s images (make_work_image's grey and dead stay untouched).
std::vector<Candidate> detect_hough(const WorkImage& w, const Settings& s, Workspace& ws);
std::vector<Candidate> detect_ransac(const WorkImage& w, const Settings& s, Workspace& ws);
// More RANSAC lines, for a needle too faint to be told from tissue by its echo alone, which
// counts only if it slides (Guidance::measure): the same search over a larger share of the
// top-hat that detect_ransac left in `ws` for the same image, away from the lines `found`.
std::vector<Candidate> detect_ransac_faint(const WorkImage& w, const Settings& s, Workspace& ws,
                                           const std::vector<Candidate>& found);

namespace detail {

#if defined(__x86_64__) && defined(__GNUC__)
// Four points at a time where the CPU has AVX2 (checked once at run time: the build itself
// targets plain x86-64). Same operations, no fused multiply-add (-ffp-contract=off).
template <class F>
__attribute__((target("avx2"))) size_t within_band_avx2(const double* x, const double* z, size_t n,
                                                        const Line& l, double band, bool inclusive,
                                                        F& f) {
  const __m256d vpx = _mm256_set1_pd(l.point.x()), vpz = _mm256_set1_pd(l.point.y());
  const __m256d vdx = _mm256_set1_pd(l.dir.x()), vdz = _mm256_set1_pd(l.dir.y());
  const __m256d vband = _mm256_set1_pd(band), sign = _mm256_set1_pd(-0.0);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d rx = _mm256_sub_pd(_mm256_loadu_pd(x + i), vpx);
    const __m256d rz = _mm256_sub_pd(_mm256_loadu_pd(z + i), vpz);
    const __m256d d =
        _mm256_andnot_pd(sign, _mm256_sub_pd(_mm256_mul_pd(rx, vdz), _mm256_mul_pd(rz, vdx)));
    unsigned inside = static_cast<unsigned>(_mm256_movemask_pd(
        inclusive ? _mm256_cmp_pd(d, vband, _CMP_LE_OQ) : _mm256_cmp_pd(d, vband, _CMP_LT_OQ)));
    while (inside) {  // lowest bit first: ascending i
      f(i + static_cast<size_t>(__builtin_ctz(inside)));
      inside &= inside - 1;
    }
  }
  return i;
}

inline bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

}  // namespace detail

template <class F>
void within_band(const double* x, const double* z, size_t n, const Line& l, double band,
                 bool inclusive, F&& f) {
  const double px = l.point.x(), pz = l.point.y(), dx = l.dir.x(), dz = l.dir.y();
  size_t i = 0;
#if defined(__x86_64__) && defined(__GNUC__)
  if (detail::has_avx2()) i = detail::within_band_avx2(x, z, n, l, band, inclusive, f);
#endif
#if defined(__SSE2__)
  const __m128d vpx = _mm_set1_pd(px), vpz = _mm_set1_pd(pz), vdx = _mm_set1_pd(dx),
                vdz = _mm_set1_pd(dz);
  const __m128d vband = _mm_set1_pd(band), sign = _mm_set1_pd(-0.0);
  for (; i + 2 <= n; i += 2) {
    const __m128d rx = _mm_sub_pd(_mm_loadu_pd(x + i), vpx);
    const __m128d rz = _mm_sub_pd(_mm_loadu_pd(z + i), vpz);
    const __m128d d =
        _mm_andnot_pd(sign, _mm_sub_pd(_mm_mul_pd(rx, vdz), _mm_mul_pd(rz, vdx)));
    const int inside =
        _mm_movemask_pd(inclusive ? _mm_cmple_pd(d, vband) : _mm_cmplt_pd(d, vband));
    if (inside & 1) f(i);
    if (inside & 2) f(i + 1);
  }
#endif
  for (; i < n; ++i) {
    const double d = std::abs((x[i] - px) * dz - (z[i] - pz) * dx);
    if (inclusive ? d <= band : d < band) f(i);
  }
}

}  // namespace sonoflow::needle
