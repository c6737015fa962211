// The detectors' own filter implementations (src/filters.hpp) give OpenCV's output bit for
// bit: they are there for speed, and must not change what is detected.
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

TEST_CASE("hough_lines matches cv::HoughLines (standard transform, angle range)", "[filters]") {
  const auto size = GENERATE(std::pair{1, 1}, std::pair{3, 50}, std::pair{60, 7},
                             std::pair{200, 192}, std::pair{377, 451});
  const double density = GENERATE(0.002, 0.03, 0.3);
  const auto range = GENERATE(std::pair{93.0, 170.0}, std::pair{10.0, 87.0}, std::pair{0.0, 180.0},
                              std::pair{45.0, 45.2}, std::pair{0.0, 179.5});
  const double step_deg = GENERATE(0.5, 1.0);
  cv::RNG rng(size.first * 1000 + size.second);
  cv::Mat u(size.first, size.second, CV_32F);
  rng.fill(u, cv::RNG::UNIFORM, 0.0, 1.0);
  cv::Mat votes = u < density;
  // A few lines so that there are strong maxima, not only speckle.
  cv::line(votes, {0, size.first / 2}, {size.second - 1, size.first - 1}, cv::Scalar(255));
  cv::line(votes, {size.second / 3, 0}, {size.second / 2, size.first - 1}, cv::Scalar(255));
  const double rad = CV_PI / 180;
  for (int threshold : {2, 5, 20}) {
    std::vector<cv::Vec3f> expected, got;
    cv::HoughLines(votes, expected, 1, step_deg * rad, threshold, 0, 0, range.first * rad,
                   range.second * rad);
    HoughBuffers buffers;
    hough_lines(votes, 1, step_deg * rad, threshold, range.first * rad, range.second * rad, got,
                buffers);
    INFO("size " << size.first << " x " << size.second << " density " << density << " range "
                 << range.first << ".." << range.second << " step " << step_deg << " threshold "
                 << threshold);
    REQUIRE(got.size() == expected.size());
    CHECK(std::memcmp(got.data(), expected.data(), got.size() * sizeof(cv::Vec3f)) == 0);
  }
}

TEST_CASE("resize_area matches cv::resize(INTER_AREA) when shrinking", "[filters]") {
  const auto from =
      GENERATE(std::pair{512, 512}, std::pair{600, 800}, std::pair{37, 91}, std::pair{1000, 333});
  const auto to = GENERATE(std::pair{192, 200}, std::pair{256, 256}, std::pair{30, 17},
                           std::pair{7, 90}, std::pair{333, 111});
  cv::RNG rng(from.first + to.second);
  cv::Mat src(from.first, from.second, CV_8UC1);
  rng.fill(src, cv::RNG::UNIFORM, 0, 256);
  cv::GaussianBlur(src, src, cv::Size(), 1.0);
  src(cv::Rect(0, 0, from.second / 3, from.first / 3)).setTo(0);
  const cv::Size dsize(to.second, to.first);
  cv::Mat expected, got;
  cv::resize(src, expected, dsize, 0, 0, cv::INTER_AREA);
  std::vector<float> scratch;
  resize_area(src, dsize, got, scratch);
  INFO(from.first << " x " << from.second << " -> " << to.first << " x " << to.second);
  CHECK(same_bits(expected, got));
}
