// The hand-over from the pipeline thread to client threads, and the encoding.
#include <opencv2/imgcodecs.hpp>

#include <catch2/catch.hpp>
#include <cmath>

#include "latest.hpp"

using namespace sonoflow;
using namespace sonoflow::web_viewer;

namespace {

std::shared_ptr<ImageFrame> gradient(uint32_t width, uint32_t height, uint32_t channels = 1) {
  auto f = std::make_shared<ImageFrame>();
  f->width = width;
  f->height = height;
  f->channels = channels;
  f->pixels.resize(size_t{width} * height * channels);
  for (size_t i = 0; i < f->pixels.size(); ++i)
    f->pixels[i] = static_cast<uint8_t>((i / channels) % width * 255 / (width - 1));
  f->origin_mm = {-10, 2};
  f->spacing_mm = {0.2, 0.1};
  f->set_cartesian_transform();
  return f;
}

}  // namespace

TEST_CASE("encoded frames decode back to the same picture") {
  auto grey = gradient(64, 32);
  auto png = encode_raster(*grey, ImageFormat::png, 0);
  cv::Mat back = cv::imdecode(png, cv::IMREAD_UNCHANGED);
  REQUIRE(back.cols == 64);
  REQUIRE(back.rows == 32);
  CHECK(std::equal(grey->pixels.begin(), grey->pixels.end(), back.data));  // lossless

  auto colour = gradient(64, 32, 3);
  auto jpeg = encode_raster(*colour, ImageFormat::jpeg, 90);
  REQUIRE(jpeg.size() > 2);
  CHECK((jpeg[0] == 0xFF && jpeg[1] == 0xD8));
  back = cv::imdecode(jpeg, cv::IMREAD_UNCHANGED);
  REQUIRE(back.channels() == 3);
  double worst = 0;
  for (size_t i = 0; i < colour->pixels.size(); ++i)
    worst = std::max(worst, std::abs(double(back.data[i]) - colour->pixels[i]));
  CHECK(worst < 24);  // lossy, but the picture is the same
  // A lower quality gives a smaller file on the same picture.
  auto noisy = gradient(256, 256);
  for (size_t i = 0; i < noisy->pixels.size(); ++i) noisy->pixels[i] ^= (i * 2654435761u) >> 27;
  CHECK(encode_raster(*noisy, ImageFormat::jpeg, 20).size() <
        encode_raster(*noisy, ImageFormat::jpeg, 95).size());
}

TEST_CASE("malformed rasters are refused with the reason") {
  auto f = gradient(8, 8);
  f->channels = 2;
  CHECK_THROWS_WITH(encode_raster(*f, ImageFormat::jpeg, 80), Catch::Contains("2 channels"));
  f = gradient(8, 8);
  f->pixels.resize(10);
  CHECK_THROWS_WITH(encode_raster(*f, ImageFormat::png, 80), Catch::Contains("has 10 bytes"));
}

TEST_CASE("a client always gets the newest frame, skipping the ones in between") {
  Latest latest;
  CHECK(latest.encoded(ImageFormat::jpeg, 80) == nullptr);
  FrameHeader h;
  for (uint64_t s = 1; s <= 5; ++s) {
    h.sequence = s;
    latest.put_image(gradient(16, 16), h);
  }
  auto image = latest.encoded(ImageFormat::jpeg, 80);
  REQUIRE(image);
  CHECK(image->version == 5);
  CHECK(image->mime == "image/jpeg");
  CHECK(image->geometry_json.find("\"sequence\":5") != std::string::npos);
  // A second client shares the encoding; another quality encodes again.
  CHECK(latest.encoded(ImageFormat::jpeg, 80) == image);
  CHECK(latest.encoded(ImageFormat::jpeg, 50) != image);
  CHECK(latest.encoded(ImageFormat::png, 50)->mime == "image/png");
}

TEST_CASE("waiting clients wake for a new frame and when the store closes") {
  Latest latest;
  latest.put_image(gradient(4, 4), {});
  latest.wait_newer(0, std::chrono::hours(1));  // already newer: returns at once
  latest.close();
  latest.wait_newer(1, std::chrono::hours(1));  // closed: returns at once
  CHECK(latest.closed());
  latest.reopen();  // started again
  CHECK_FALSE(latest.closed());
}
