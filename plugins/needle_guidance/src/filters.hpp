// Image filters the detectors need that OpenCV has, computed faster for the detectors'
// sizes but with the same output, bit for bit (tests/test_filters.cpp checks them against
// OpenCV): the detectors must detect the same lines whichever implementation runs.
#pragma once

#include <opencv2/core.hpp>

namespace sonoflow::needle {

// cv::morphologyEx(g, tophat, cv::MORPH_TOPHAT, ellipse k x k) for CV_32F images: the
// image minus its opening (erosion, then dilation, pixels outside the image ignored).
void white_tophat(const cv::Mat& g, int k, cv::Mat& tophat);

}  // namespace sonoflow::needle
