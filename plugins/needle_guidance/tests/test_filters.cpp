// The detectors' own top-hat (src/filters.hpp) gives OpenCV's output bit for bit: it is
// there for speed, and must not change what is detected.
#include <catch2/catch.hpp>
#include <cstring>
#include <opencv2/imgproc.hpp>

#include "filters.hpp"

using namespace sonoflow::needle;

namespace {

bool same_bits(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return false;
  for (int r = 0; r < a.rows; ++r)
    if (std::memcmp(a.ptr(r), b.ptr(r), a.cols * a.elemSize()) != 0) return false;
  return true;
}

// Speckle-like test images: Rayleigh-ish noise, blurred, with bright lines and flat areas.
cv::Mat test_image(int rows, int cols, uint64_t seed) {
  cv::RNG rng(seed);
  cv::Mat img(rows, cols, CV_32F);
  rng.fill(img, cv::RNG::UNIFORM, 0.0, 255.0);
  if (rows > 4 && cols > 4) {
    cv::GaussianBlur(img, img, cv::Size(), 1.3);
    cv::line(img, {0, rows / 3}, {cols - 1, rows - 1}, cv::Scalar(300), 2);
    img(cv::Rect(0, 0, cols / 4 + 1, rows / 4 + 1)).setTo(0);  // a flat (tied) region
  }
  return img;
}

}  // namespace

TEST_CASE("white_tophat matches cv::morphologyEx(MORPH_TOPHAT) with an ellipse", "[filters]") {
  const int k = GENERATE(1, 3, 5, 7, 15, 21);
  const auto size = GENERATE(std::pair{1, 1}, std::pair{2, 3}, std::pair{7, 40}, std::pair{33, 5},
                             std::pair{200, 192}, std::pair{401, 453});
  const cv::Mat img = test_image(size.first, size.second, 17 + k);
  cv::Mat expected, got;
  cv::morphologyEx(img, expected, cv::MORPH_TOPHAT,
                   cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k}));
  std::vector<cv::Mat> scratch;
  white_tophat(img, k, got, scratch);
  cv::Mat again;  // with the scratch images of the first call
  white_tophat(img, k, again, scratch);
  CHECK(same_bits(expected, again));
  INFO("k " << k << " size " << size.first << " x " << size.second);
  CHECK(same_bits(expected, got));
}
