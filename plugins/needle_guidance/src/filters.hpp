// The white top-hat the RANSAC detector needs, computed by another algorithm than OpenCV's
// (spans of the ellipse instead of every kernel pixel) with the same output, bit for bit
// (tests/test_filters.cpp checks it against cv::morphologyEx): the detector must detect the
// same lines whichever implementation runs.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

namespace sonoflow::needle {

// cv::morphologyEx(g, tophat, cv::MORPH_TOPHAT, ellipse k x k) for CV_32F images: the
// image minus its opening (erosion, then dilation, pixels outside the image ignored).
// `scratch` keeps the intermediate images between calls.
void white_tophat(const cv::Mat& g, int k, cv::Mat& tophat, std::vector<cv::Mat>& scratch);

}  // namespace sonoflow::needle
