// Image filters the detectors need that OpenCV has, computed faster for the detectors'
// sizes but with the same output, bit for bit (tests/test_filters.cpp checks them against
// OpenCV): the detectors must detect the same lines whichever implementation runs.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

namespace sonoflow::needle {

// cv::morphologyEx(g, tophat, cv::MORPH_TOPHAT, ellipse k x k) for CV_32F images: the
// image minus its opening (erosion, then dilation, pixels outside the image ignored).
// `scratch` keeps the intermediate images between calls.
void white_tophat(const cv::Mat& g, int k, cv::Mat& tophat, std::vector<cv::Mat>& scratch);

// cv::resize(src, dst, dsize, 0, 0, cv::INTER_AREA) for shrinking a CV_8UC1 image by a
// non-integer factor, as OpenCV 4.6 computes it (the same area tables and float sums in
// the same order, rounded the same way): each source row's horizontal sums are formed once
// in registers instead of through memory per table entry. Other cases go to cv::resize.
void resize_area(const cv::Mat& src, cv::Size dsize, cv::Mat& dst, std::vector<float>& scratch);

// Buffers of hough_lines, kept between frames (the accumulator is ~0.5 MB at 200 x 200).
struct HoughBuffers {
  std::vector<int> accum, maxima;
  std::vector<float> tab_sin, tab_cos;
  std::vector<cv::Point> points;
};

// cv::HoughLines(votes, lines, rho, theta, threshold, 0, 0, min_theta, max_theta) into
// (rho, theta, votes) triples, as OpenCV 4.6's standard Hough transform computes them: the
// same angle table, accumulator layout, rounding, local-maximum rule and order. Faster by
// voting four angles at a time with SSE2 into a kept accumulator.
void hough_lines(const cv::Mat& votes, double rho, double theta, int threshold, double min_theta,
                 double max_theta, std::vector<cv::Vec3f>& lines, HoughBuffers& buffers);

}  // namespace sonoflow::needle
