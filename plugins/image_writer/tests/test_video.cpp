// image_writer's video files: they read back with cv::VideoCapture with every frame at
// the right size, grey and colour; an existing file is refused before the first frame; a
// size change mid-video is an error that leaves the frames before it playable.
#include <catch2/catch.hpp>
#include <opencv2/videoio.hpp>

#include "helpers.hpp"

using namespace sonoflow;
using namespace sonoflow::image_io;
using namespace sonoflow::image_io::test;

namespace {

struct ReadBack {
  int frames = 0;
  cv::Size size;
  cv::Scalar first_frame_mean;
};

// Decodes every frame (the container's frame count property is not trusted).
ReadBack read_video(const std::filesystem::path& file) {
  cv::VideoCapture capture(file.string());
  REQUIRE(capture.isOpened());
  ReadBack out;
  cv::Mat frame;
  while (capture.read(frame)) {
    if (out.frames == 0) out.size = frame.size(), out.first_frame_mean = cv::mean(frame);
    CHECK(frame.size() == out.size);
    ++out.frames;
  }
  return out;
}

// A frame of one colour (BGR) or grey level, so that a lossy codec keeps its mean.
std::shared_ptr<ImageFrame> flat(uint64_t sequence, uint32_t w, uint32_t h,
                                 std::vector<uint8_t> value) {
  auto im = make_raster(sequence, w, h, static_cast<uint32_t>(value.size()));
  for (size_t i = 0; i < im->pixels.size(); ++i) im->pixels[i] = value[i % value.size()];
  return im;
}

}  // namespace

TEST_CASE("videos read back with the frame count and size written, grey and colour") {
  ScratchDir dir;
  NullContext ctx;
  // Sizes are multiples of 16 so that no codec pads them.
  for (const std::string name : {"grey.avi", "colour.avi", "grey.mp4", "colour.mp4"}) {
    const bool colour = name.rfind("colour", 0) == 0;
    INFO(name);
    ImageWriterNode node;
    node.configure(writer_params((dir / ("clips/" + name)).string()));
    node.start(ctx);
    const auto value = colour ? std::vector<uint8_t>{200, 40, 90} : std::vector<uint8_t>{120};
    for (uint64_t s = 0; s < 12; ++s) node.process({0, flat(s, 96, 64, value)}, ctx);
    node.stop();
    const ReadBack back = read_video(dir / ("clips/" + name));
    CHECK(back.frames == 12);
    CHECK(back.size == cv::Size(96, 64));
    // BGR order survives: blue stays high and green low; grey stays grey. Lossy codecs:
    // a tolerance of a few levels.
    const auto expected = colour ? cv::Scalar(200, 40, 90) : cv::Scalar(120, 120, 120);
    for (int c = 0; c < 3; ++c) CHECK(back.first_frame_mean[c] == Approx(expected[c]).margin(8));
  }
}

TEST_CASE("an existing video is refused at configure, overwrite: true replaces it") {
  ScratchDir dir;
  const auto file = dir / "knee.avi";
  write_text(file, "an older take");
  ImageWriterNode node;
  CHECK_THAT(error_of([&] { node.configure(writer_params(file.string())); }),
             Catch::Contains("'" + file.string() + "' already exists; set overwrite: true"));
  CHECK(read_text(file) == "an older take");
  node.configure(writer_params(file.string(), true));
  NullContext ctx;
  node.start(ctx);
  for (uint64_t s = 0; s < 3; ++s) node.process({0, flat(s, 32, 32, {10})}, ctx);
  node.stop();
  CHECK(read_video(file).frames == 3);
}

TEST_CASE("a frame of another size mid-video is an error, earlier frames stay valid") {
  ScratchDir dir;
  const auto file = dir / "sizes.avi";
  ImageWriterNode node;
  node.configure(writer_params(file.string()));
  NullContext ctx;
  node.start(ctx);
  for (uint64_t s = 0; s < 5; ++s) node.process({0, flat(s, 64, 48, {60})}, ctx);
  CHECK_THAT(error_of([&] { node.process({0, flat(5, 80, 48, {60})}, ctx); }),
             Catch::Contains("frame of 80x48 pixels, but the video '" + file.string() +
                             "' was started at 64x48"));
  node.process({0, flat(6, 64, 48, {60})}, ctx);  // the right size is still accepted
  node.stop();
  const ReadBack back = read_video(file);
  CHECK(back.frames == 6);
  CHECK(back.size == cv::Size(64, 48));
  Results results;
  node.results(results);
  CHECK(std::get<int64_t>(results["frames_written"]) == 6);
}
