#include "filters.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sonoflow::needle {

namespace {

// Erosion (take_min) or dilation of a CV_32F image by a structuring element whose rows
// are spans centred on the anchor column (an ellipse), pixels outside the image ignored,
// as cv::erode / cv::dilate do with their default border. Min and max are exact, so
// computing it as a union of horizontal spans gives the same image, bit for bit: H[h] is
// the extreme over [x - h, x + h] of a row, built from H[h - 1] with two shifts, and each
// output row takes the extreme of one H row per kernel row. cv::erode visits every pixel
// of the 15 x 15 ellipse (177) per pixel; this does ~2 per half-width plus 15.
void morph_spans(const cv::Mat& src, const std::vector<int>& half_widths, bool take_min,
                 cv::Mat& dst, std::vector<cv::Mat>& h) {
  const int rows = src.rows, cols = src.cols;
  const int anchor = static_cast<int>(half_widths.size()) / 2;
  const int max_h = *std::max_element(half_widths.begin(), half_widths.end());
  auto op = [take_min](float a, float b) { return take_min ? (a < b ? a : b) : (a > b ? a : b); };
  h.resize(max_h + 1);
  h[0] = src;
  for (int k = 1; k <= max_h; ++k) {
    h[k].create(rows, cols, CV_32F);
    for (int r = 0; r < rows; ++r) {
      const float* in = h[k - 1].ptr<float>(r);
      float* out = h[k].ptr<float>(r);
      if (cols == 1) {
        out[0] = in[0];
        continue;
      }
      if (k == 1) {
        out[0] = op(in[0], in[1]);
        for (int x = 1; x + 1 < cols; ++x) out[x] = op(op(in[x - 1], in[x]), in[x + 1]);
        out[cols - 1] = op(in[cols - 2], in[cols - 1]);
      } else {
        // [x-k, x+k] = [x-1-(k-1), x-1+(k-1)] u [x+1-(k-1), x+1+(k-1)] for k >= 2; at the
        // ends one side is outside the image and the other covers what is inside.
        out[0] = in[1];
        for (int x = 1; x + 1 < cols; ++x) out[x] = op(in[x - 1], in[x + 1]);
        out[cols - 1] = in[cols - 2];
      }
    }
  }
  dst.create(rows, cols, CV_32F);
  for (int r = 0; r < rows; ++r) {
    float* out = dst.ptr<float>(r);
    bool first = true;
    for (size_t ky = 0; ky < half_widths.size(); ++ky) {
      const int rr = r + static_cast<int>(ky) - anchor;
      if (rr < 0 || rr >= rows || half_widths[ky] < 0) continue;
      const float* in = h[half_widths[ky]].ptr<float>(rr);
      if (first) {
        std::copy(in, in + cols, out);
        first = false;
      } else {
        for (int x = 0; x < cols; ++x) out[x] = op(out[x], in[x]);
      }
    }
  }
}

}  // namespace

void white_tophat(const cv::Mat& g, int k, cv::Mat& tophat, std::vector<cv::Mat>& scratch) {
  const cv::Mat kernel = cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k});
  // Each kernel row as the half-width of a span centred on the anchor (-1: empty row).
  std::vector<int> half_widths;
  const int centre = k / 2;
  bool spans = true;
  for (int r = 0; r < kernel.rows && spans; ++r) {
    const uint8_t* row = kernel.ptr<uint8_t>(r);
    int first = -1, last = -1, count = 0;
    for (int c = 0; c < kernel.cols; ++c)
      if (row[c]) {
        if (first < 0) first = c;
        last = c;
        ++count;
      }
    if (count == 0) {
      half_widths.push_back(-1);
      continue;
    }
    spans = count == last - first + 1 && centre - first == last - centre;
    half_widths.push_back(centre - first);
  }
  if (!spans || std::all_of(half_widths.begin(), half_widths.end(), [](int h) { return h < 0; })) {
    cv::morphologyEx(g, tophat, cv::MORPH_TOPHAT, kernel);  // not an ellipse of spans
    return;
  }
  // scratch: [0] eroded, [1] opened, then the running extremes per half-width.
  if (scratch.size() < 2) scratch.resize(2);
  cv::Mat eroded = scratch[0], opened = scratch[1];
  std::vector<cv::Mat> h(scratch.begin() + 2, scratch.end());
  morph_spans(g, half_widths, true, eroded, h);
  morph_spans(eroded, half_widths, false, opened, h);
  cv::subtract(g, opened, tophat);
  scratch.resize(2 + h.size());
  scratch[0] = eroded;
  scratch[1] = opened;
  std::copy(h.begin(), h.end(), scratch.begin() + 2);
}

namespace {

// One source pixel's share of a destination pixel (OpenCV's DecimateAlpha).
struct AreaTap {
  int di, si;
  float alpha;
};

// OpenCV's computeResizeAreaTab for one channel: the taps of every destination pixel, in
// order of destination then source.
void area_taps(int ssize, int dsize, double scale, std::vector<AreaTap>& tab) {
  tab.clear();
  for (int dx = 0; dx < dsize; dx++) {
    const double fsx1 = dx * scale;
    const double fsx2 = fsx1 + scale;
    const double cell_width = std::min(scale, ssize - fsx1);
    int sx1 = cvCeil(fsx1), sx2 = cvFloor(fsx2);
    sx2 = std::min(sx2, ssize - 1);
    sx1 = std::min(sx1, sx2);
    if (sx1 - fsx1 > 1e-3)
      tab.push_back({dx, sx1 - 1, static_cast<float>((sx1 - fsx1) / cell_width)});
    for (int sx = sx1; sx < sx2; sx++)
      tab.push_back({dx, sx, static_cast<float>(1.0 / cell_width)});
    if (fsx2 - sx2 > 1e-3)
      tab.push_back(
          {dx, sx2,
           static_cast<float>(std::min(std::min(fsx2 - sx2, 1.), cell_width) / cell_width)});
  }
}

}  // namespace

void resize_area(const cv::Mat& src, cv::Size dsize, cv::Mat& dst, std::vector<float>& scratch) {
  // cv::resize's scale factors, from the sizes as it derives them.
  const double inv_scale_x = static_cast<double>(dsize.width) / src.cols;
  const double inv_scale_y = static_cast<double>(dsize.height) / src.rows;
  const double scale_x = 1. / inv_scale_x, scale_y = 1. / inv_scale_y;
  const int iscale_x = cv::saturate_cast<int>(scale_x), iscale_y = cv::saturate_cast<int>(scale_y);
  const bool integer =
      std::abs(scale_x - iscale_x) < DBL_EPSILON && std::abs(scale_y - iscale_y) < DBL_EPSILON;
  if (src.type() != CV_8UC1 || !(scale_x >= 1 && scale_y >= 1) || integer || dsize == src.size()) {
    cv::resize(src, dst, dsize, 0, 0, cv::INTER_AREA);  // OpenCV's other code paths
    return;
  }
  thread_local std::vector<AreaTap> xtab, ytab;
  area_taps(src.cols, dsize.width, scale_x, xtab);
  area_taps(src.rows, dsize.height, scale_y, ytab);
  dst.create(dsize, CV_8UC1);
  // The taps as a dense table of `width` per destination pixel, padded with zero weights:
  // a constant trip count instead of a data-dependent one (mispredicted at every pixel).
  // The padding adds exact zeros after the real taps (all terms are >= 0), so the sums
  // are unchanged.
  thread_local std::vector<int> tap_src;
  thread_local std::vector<float> tap_alpha;
  int width = 0;
  for (size_t k = 0, run = 0; k < xtab.size(); ++k) {
    run = k > 0 && xtab[k].di == xtab[k - 1].di ? run + 1 : 1;
    width = std::max(width, static_cast<int>(run));
  }
  tap_src.assign(static_cast<size_t>(dsize.width) * width, 0);
  tap_alpha.assign(static_cast<size_t>(dsize.width) * width, 0.0f);
  for (size_t k = 0, slot = 0; k < xtab.size(); ++k) {
    slot = k > 0 && xtab[k].di == xtab[k - 1].di ? slot + 1 : 0;
    tap_src[static_cast<size_t>(xtab[k].di) * width + slot] = xtab[k].si;
    tap_alpha[static_cast<size_t>(xtab[k].di) * width + slot] = xtab[k].alpha;
  }
  // Horizontal sums of each source row, formed once (a row at a destination row boundary
  // serves two): per destination pixel, its taps in order from 0, as OpenCV adds them.
  scratch.resize(static_cast<size_t>(src.rows) * dsize.width);
  std::vector<float> row_sum(dsize.width);
  for (int sy = 0; sy < src.rows; ++sy) {
    const uint8_t* in = src.ptr<uint8_t>(sy);
    float* h = scratch.data() + static_cast<size_t>(sy) * dsize.width;
    const int* si = tap_src.data();
    const float* alpha = tap_alpha.data();
    for (int dx = 0; dx < dsize.width; ++dx, si += width, alpha += width) {
      float acc = 0;
      for (int t = 0; t < width; ++t) acc += in[si[t]] * alpha[t];
      h[dx] = acc;
    }
  }
  // Vertical: each destination row the beta-weighted sum of its source rows, in order.
  size_t j = 0;
  for (int dy = 0; dy < dsize.height; ++dy) {
    std::fill(row_sum.begin(), row_sum.end(), 0.0f);
    for (; j < ytab.size() && ytab[j].di == dy; ++j) {
      const float beta = ytab[j].alpha;
      const float* h = scratch.data() + static_cast<size_t>(ytab[j].si) * dsize.width;
      for (int dx = 0; dx < dsize.width; ++dx) row_sum[dx] += beta * h[dx];
    }
    uint8_t* out = dst.ptr<uint8_t>(dy);
    for (int dx = 0; dx < dsize.width; ++dx) out[dx] = cv::saturate_cast<uint8_t>(row_sum[dx]);
  }
}

void hough_lines(const cv::Mat& votes, double rho_d, double theta_d, int threshold,
                 double min_theta, double max_theta, std::vector<cv::Vec3f>& lines,
                 HoughBuffers& b) {
  CV_Assert(votes.type() == CV_8UC1 && max_theta >= min_theta);
  lines.clear();
  // cv::HoughLines hands rho and theta on as float; every step below is OpenCV's, in the
  // same precision, so that the lines are the same bit for bit.
  const float rho = static_cast<float>(rho_d), theta = static_cast<float>(theta_d);
  const float irho = 1 / rho;
  const int width = votes.cols, height = votes.rows;
  const int max_rho = width + height, min_rho = -max_rho;
  // OpenCV 4.6's count (later versions add the last angle: 4.7+ would need floor + 1).
  const int numangle = cvRound((max_theta - min_theta) / theta);
  const int numrho = cvRound(((max_rho - min_rho) + 1) / rho);
  const int stride = numrho + 2;

  // Angle tables padded to a multiple of 4 (the padding's votes land in the accumulator's
  // last padding row, which is read only as a zero neighbour: see below).
  const int padded = (numangle + 3) / 4 * 4;
  b.tab_sin.assign(padded, 0.0f);
  b.tab_cos.assign(padded, 0.0f);
  float ang = static_cast<float>(min_theta);
  for (int n = 0; n < numangle; ang += theta, n++) {
    b.tab_sin[n] = static_cast<float>(std::sin(static_cast<double>(ang)) * irho);
    b.tab_cos[n] = static_cast<float>(std::cos(static_cast<double>(ang)) * irho);
  }
  // Rows 0 and numangle + 1 are OpenCV's zero padding; rows beyond take the padded angles'
  // votes (angle 0: r = j, inside [0, numrho)) and are never read.
  const int rows = padded + 2;
  b.accum.assign(static_cast<size_t>(rows) * stride, 0);
  int* accum = b.accum.data();
  const int r_offset = (numrho - 1) / 2;

  b.points.clear();
  cv::findNonZero(votes, b.points);
  for (const cv::Point& p : b.points) {
    const float j = static_cast<float>(p.x), i = static_cast<float>(p.y);
    int n = 0;
#if defined(__SSE2__)
    const __m128 vj = _mm_set1_ps(j), vi = _mm_set1_ps(i);
    alignas(16) int r4[4];
    for (; n < padded; n += 4) {
      // j * cos + i * sin in float, rounded to nearest even: cvRound(float) on SSE2.
      const __m128 v = _mm_add_ps(_mm_mul_ps(vj, _mm_loadu_ps(&b.tab_cos[n])),
                                  _mm_mul_ps(vi, _mm_loadu_ps(&b.tab_sin[n])));
      _mm_store_si128(reinterpret_cast<__m128i*>(r4), _mm_cvtps_epi32(v));
      for (int k = 0; k < 4; ++k) ++accum[(n + k + 1) * stride + r4[k] + r_offset + 1];
    }
#endif
    for (; n < numangle; ++n) {
      const int r = cvRound(j * b.tab_cos[n] + i * b.tab_sin[n]);
      ++accum[(n + 1) * stride + r + r_offset + 1];
    }
  }
  // The padded angles' votes sit in rows numangle + 1 onwards; row numangle + 1 is the
  // last angle's "next" neighbour, zero in OpenCV.
  std::fill(accum + static_cast<size_t>(numangle + 1) * stride,
            accum + static_cast<size_t>(rows) * stride, 0);

  // Local maxima (OpenCV's rule and tie-breaks), in any order: they are sorted below.
  b.maxima.clear();
  for (int n = 0; n < numangle; ++n) {
    const int* row = accum + (n + 1) * stride + 1;
    for (int r = 0; r < numrho; ++r) {
      const int v = row[r];
      if (v > threshold && v > row[r - 1] && v >= row[r + 1] && v > row[r - stride] &&
          v >= row[r + stride])
        b.maxima.push_back((n + 1) * stride + r + 1);
    }
  }
  std::sort(b.maxima.begin(), b.maxima.end(), [accum](int l1, int l2) {
    return accum[l1] > accum[l2] || (accum[l1] == accum[l2] && l1 < l2);
  });
  const double scale = 1. / stride;
  lines.reserve(b.maxima.size());
  for (const int idx : b.maxima) {
    const int n = cvFloor(idx * scale) - 1;
    const int r = idx - (n + 1) * stride - 1;
    lines.emplace_back((r - (numrho - 1) * 0.5f) * rho, static_cast<float>(min_theta) + n * theta,
                       static_cast<float>(accum[idx]));
  }
}

}  // namespace sonoflow::needle
