#include "filters.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

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

}  // namespace sonoflow::needle
