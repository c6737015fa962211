// Ridge filter + Hough transform (see line_fit.hpp).
#include <algorithm>
#include <cmath>
#include <numbers>
#include <opencv2/imgproc.hpp>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "line_fit.hpp"

namespace sonoflow::needle {

namespace {

// Scale of the ridge filter: a 21 G shaft is ~0.8 mm across and blurred by the point
// spread function; a Gaussian of this sigma matches a bright line of that width.
constexpr double kRidgeSigmaMm = 0.4;
// Ridge pixels kept for the Hough vote: the top fraction of the ridge map, and never
// less than this share of its maximum (so a uniform-speckle image votes few pixels).
constexpr double kVotePercentile = 0.95;
constexpr double kVoteFractionOfMax = 0.0;
constexpr double kHoughThetaStepDeg = 0.5;
// Distinct lines per insertion side handed to the tip search. A curved bone surface gives a
// family of chords at neighbouring angles and offsets, each a line of its own: with 5 per
// side the hip's femoral head took every place while a 40-50 deg needle was in view.
constexpr int kCandidatesPerSide = 6;
constexpr double kSeedSuppressDeg = 3, kSeedSuppressMm = 2;
// Half-width of the band around a Hough line whose ridge pixels the fit uses.
constexpr double kFitBandMm = 0.8;
// Window over which ridge strength is normalized (see normalize_locally): several times
// the shaft's width, so the shaft itself adds little to its own normalization.
constexpr double kLocalWindowMm = 8.0;

// Bright-line measure: -lambda_min - |lambda_max| of the Hessian (large across a bright
// line, small on blobs and edges), kept only where the ridge runs at an allowed angle to
// the probe surface (either insertion side: the side only restricts which lines the Hough
// transform searches, so that choosing it does not change which ridges count as strong).
// Into ws.ridge.
void ridge_map(const WorkImage& w, const Settings& s, Workspace& ws) {
  cv::Mat &g = ws.blurred, &dxx = ws.dxx, &dzz = ws.dzz, &dxz = ws.dxz;
  const double sigma_px = kRidgeSigmaMm / w.px_mm;
  cv::GaussianBlur(w.grey, g, cv::Size(), sigma_px, sigma_px);
  cv::Sobel(g, dxx, CV_32F, 2, 0, 3);
  cv::Sobel(g, dzz, CV_32F, 0, 2, 3);
  cv::Sobel(g, dxz, CV_32F, 1, 1, 3);
  cv::Mat& ridge = ws.ridge;
  ridge.create(g.size(), CV_32F);  // every pixel is written below
  // The angle test as slopes (no atan2 per pixel): |z| / |x| between tan(min) and tan(max).
  const double tan_min = std::tan(s.angle_min_deg * std::numbers::pi / 180);
  const double tan_max =
      s.angle_max_deg >= 90 ? 1e300 : std::tan(s.angle_max_deg * std::numbers::pi / 180);
  for (int r = 0; r < g.rows; ++r) {
    const float *a = dxx.ptr<float>(r), *c = dzz.ptr<float>(r), *b = dxz.ptr<float>(r);
    float* out = ridge.ptr<float>(r);
    // The eigenvalues' half-difference is sqrt(x^2 + b^2), not std::hypot (a library call
    // per pixel, most of this loop's time): x and b are floats, so both squares are exact in
    // double, and the two differ by at most an ulp of double, far below the float stored.
    int i = 0;
#if defined(__SSE2__)
    // The same operations as the scalar loop below, two pixels at a time (GCC does not
    // vectorise that loop itself).
    const __m128d half = _mm_set1_pd(0.5), zero = _mm_setzero_pd(), one = _mm_set1_pd(1.0);
    const __m128d sign = _mm_set1_pd(-0.0), tiny = _mm_set1_pd(1e-12);
    const __m128d vtan_min = _mm_set1_pd(tan_min), vtan_max = _mm_set1_pd(tan_max);
    auto select = [](__m128d mask, __m128d yes, __m128d no) {
      return _mm_or_pd(_mm_and_pd(mask, yes), _mm_andnot_pd(mask, no));
    };
    for (; i + 2 <= g.cols; i += 2) {
      // The float sum and difference first, as in the scalar code, then to double.
      const __m128 af = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(a + i)));
      const __m128 cf = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(c + i)));
      const __m128 bf = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(b + i)));
      const __m128d half_trace = _mm_mul_pd(half, _mm_cvtps_pd(_mm_add_ps(af, cf)));
      const __m128d x = _mm_mul_pd(half, _mm_cvtps_pd(_mm_sub_ps(af, cf)));
      const __m128d y = _mm_cvtps_pd(bf), ad = _mm_cvtps_pd(af), cd = _mm_cvtps_pd(cf);
      const __m128d disc = _mm_sqrt_pd(_mm_add_pd(_mm_mul_pd(x, x), _mm_mul_pd(y, y)));
      const __m128d l_min = _mm_sub_pd(half_trace, disc), l_max = _mm_add_pd(half_trace, disc);
      const __m128d strength = _mm_sub_pd(_mm_xor_pd(l_min, sign), _mm_andnot_pd(sign, l_max));
      const __m128d degenerate = _mm_cmple_pd(_mm_andnot_pd(sign, y), tiny);
      const __m128d along_x = _mm_cmpge_pd(ad, cd);
      const __m128d ax1 = select(degenerate, _mm_and_pd(along_x, one), y);
      const __m128d az1 = select(degenerate, _mm_andnot_pd(along_x, one), _mm_sub_pd(l_max, ad));
      const __m128d flip = _mm_cmplt_pd(az1, zero);
      const __m128d ax = select(flip, _mm_xor_pd(ax1, sign), ax1);
      const __m128d az = select(flip, _mm_xor_pd(az1, sign), az1);
      const __m128d run = _mm_andnot_pd(sign, ax);
      const __m128d in_range = _mm_and_pd(_mm_cmpge_pd(az, _mm_mul_pd(vtan_min, run)),
                                          _mm_cmple_pd(az, _mm_mul_pd(vtan_max, run)));
      const __m128d keep = _mm_and_pd(_mm_cmpgt_pd(strength, zero), in_range);
      const __m128 value = _mm_cvtpd_ps(_mm_and_pd(keep, strength));
      _mm_store_sd(reinterpret_cast<double*>(out + i), _mm_castps_pd(value));
    }
#endif
    for (; i < g.cols; ++i) {
      const double half_trace = 0.5 * (a[i] + c[i]);
      const double x = 0.5 * (a[i] - c[i]), y = b[i];
      const double disc = std::sqrt(x * x + y * y);
      const double l_min = half_trace - disc, l_max = half_trace + disc;
      const double strength = -l_min - std::abs(l_max);
      // Eigenvector of l_max runs along the ridge (flipped to point into the body). The
      // Hessian is in pixel units; the tiny anisotropy of working pixels is ignored.
      const bool degenerate = std::abs(y) <= 1e-12;
      const bool along_x = a[i] >= c[i];
      const double ax0 = along_x ? 1.0 : 0.0, az0 = along_x ? 0.0 : 1.0;
      const double ax1 = degenerate ? ax0 : y, az1 = degenerate ? az0 : l_max - a[i];
      const bool flip = az1 < 0;
      const double ax = flip ? -ax1 : ax1, az = flip ? -az1 : az1;
      const double run = std::abs(ax);
      const bool in_range = (az >= tan_min * run) & (az <= tan_max * run);
      out[i] = ((strength > 0) & in_range) ? static_cast<float>(strength) : 0.0f;
    }
  }
}

float vote_threshold(const cv::Mat& ridge, std::vector<float>& v) {
  v.clear();
  float max_v = 0;
  for (int r = 0; r < ridge.rows; ++r)
    for (int c = 0; c < ridge.cols; ++c)
      if (const float x = ridge.at<float>(r, c); x > 0) {
        v.push_back(x);
        max_v = std::max(max_v, x);
      }
  if (v.empty()) return 0;
  auto k = v.begin() + static_cast<long>(kVotePercentile * (v.size() - 1));
  std::nth_element(v.begin(), k, v.end());
  return std::max(*k, static_cast<float>(kVoteFractionOfMax * max_v));
}

}  // namespace

std::vector<Candidate> detect_hough(const WorkImage& w, const Settings& s, Workspace& ws) {
  ridge_map(w, s, ws);
  cv::Mat& ridge = ws.ridge;
  suppress_near_dead(ridge, w, kFitBandMm, ws);
  normalize_locally(ridge, w, kLocalWindowMm, ws);
  const float t = vote_threshold(ridge, ws.values);
  std::vector<Candidate> out;
  if (t <= 0) return out;
  cv::Mat& votes = ws.votes;  // 8-bit mask for the Hough transform
  cv::compare(ridge, t, votes, cv::CMP_GT);
  cv::Mat& strong = ws.strong;  // the ridge where it voted: what the fit weighs
  ridge.copyTo(strong);
  cv::compare(ridge, 0.5f * t, ws.mask, cv::CMP_LE);
  strong.setTo(0, ws.mask);
  const Support support = support_of(w, strong, ws.mask);

  // OpenCV's theta is the normal's angle (image x right, z down); a shaft at angle a
  // entering from the left has theta = 90 + a, from the right 90 - a.
  const double a0 = s.angle_min_deg, a1 = s.angle_max_deg;
  std::vector<std::pair<double, double>> ranges;
  if (s.side != Side::right) ranges.push_back({90 + a0, 90 + a1});
  if (s.side != Side::left) ranges.push_back({90 - a1, 90 - a0});
  const double min_votes = 0.5 * s.min_shaft_mm / w.px_mm;
  for (auto [lo, hi] : ranges) {
    std::vector<cv::Vec3f> lines;  // rho, theta, votes
    cv::HoughLines(votes, lines, 1, kHoughThetaStepDeg * std::numbers::pi / 180,
                   std::max(2, static_cast<int>(min_votes)), 0, 0, lo * std::numbers::pi / 180,
                   hi * std::numbers::pi / 180);
    int taken = 0;
    for (const auto& l : lines) {
      if (taken == kCandidatesPerSide) break;
      const double rho = l[0], theta = l[1];
      const cv::Point2d p0(rho * std::cos(theta), rho * std::sin(theta));
      const cv::Point2d d(-std::sin(theta), std::cos(theta));
      Line seed{w.to_mm(p0.x, p0.y),
                (w.to_mm(p0.x + d.x, p0.y + d.y) - w.to_mm(p0.x, p0.y)).normalized()};
      if (seed.dir.y() < 0) seed.dir = -seed.dir;
      // Lines of the same shaft fall into neighbouring bins, and the chords of a curved
      // surface into a cluster of them: a seed near a line already taken is skipped.
      auto duplicate = [&](const Line& line, double deg, double mm) {
        for (const auto& c : out)
          if (std::abs(c.line.dir.dot(line.dir)) > std::cos(deg * std::numbers::pi / 180) &&
              c.line.distance_mm(line.point) < mm)
            return true;
        return false;
      };
      if (duplicate(seed, kSeedSuppressDeg, kSeedSuppressMm)) continue;
      Line fitted = refine_line(support, seed, kFitBandMm);
      if (!direction_allowed(fitted.dir, s)) continue;
      // A refit onto a line already taken adds nothing (the tip search polishes the line
      // it keeps) and takes no place of a distinct line.
      if (duplicate(fitted, 2, 1.0)) continue;
      out.push_back({fitted, l[2]});
      ++taken;
    }
  }
  std::sort(out.begin(), out.end(),
            [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  return out;
}

}  // namespace sonoflow::needle
