// image_writer's image sequences, driven through the node: names from sequence numbers,
// folders created, existing files refused unless overwrite, pixels read back exactly,
// every_n, wrong frame types and unwritable folders refused with the reason.
#include <algorithm>
#include <catch2/catch.hpp>
#include <opencv2/imgcodecs.hpp>

#include "helpers.hpp"

using namespace sonoflow;
using namespace sonoflow::image_io;
using namespace sonoflow::image_io::test;

namespace {

// Decoded pixels equal the frame's, byte for byte (PNG is lossless).
void check_same_pixels(const std::filesystem::path& file, const Raster& raster) {
  const cv::Mat read = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
  REQUIRE(!read.empty());
  REQUIRE(read.cols == int(raster.width));
  REQUIRE(read.rows == int(raster.height));
  REQUIRE(read.channels() == int(raster.channels));
  REQUIRE(read.isContinuous());
  CHECK(std::equal(raster.pixels.begin(), raster.pixels.end(), read.data));
}

}  // namespace

TEST_CASE("PNG files are named after each frame's sequence number, grey and colour") {
  ScratchDir dir;
  ImageWriterNode node;
  node.configure(writer_params((dir / "knee/frame_%06d.png").string()));
  NullContext ctx;
  node.start(ctx);
  const auto grey = make_raster(41, 32, 20, 1);
  const auto colour = make_raster<OverlayFrame>(42, 32, 20, 3, 9);
  node.process({0, grey}, ctx);
  node.process({0, colour}, ctx);
  node.stop();
  check_same_pixels(dir / "knee/frame_000041.png", *grey);
  check_same_pixels(dir / "knee/frame_000042.png", *colour);
  Results results;
  node.results(results);
  CHECK(std::get<int64_t>(results["frames_written"]) == 2);
  CHECK(std::get<std::string>(results["last_file"]) == (dir / "knee/frame_000042.png").string());
}

TEST_CASE("missing folders are created at start") {
  ScratchDir dir;
  ImageWriterNode node;
  node.configure(writer_params((dir / "a/b/c/%d.jpg").string()));
  NullContext ctx;
  node.start(ctx);
  CHECK(std::filesystem::is_directory(dir / "a/b/c"));
  node.process({0, make_raster(3, 16, 8, 3)}, ctx);
  node.stop();
  const cv::Mat read = cv::imread((dir / "a/b/c/3.jpg").string(), cv::IMREAD_UNCHANGED);
  CHECK(read.cols == 16);
  CHECK(read.rows == 8);
  CHECK(read.channels() == 3);
}

TEST_CASE("an existing file is refused by name, overwrite: true replaces it") {
  ScratchDir dir;
  const std::string pattern = (dir / "f_%02d.png").string();
  write_text(dir / "f_01.png", "keep me");
  NullContext ctx;
  {
    ImageWriterNode node;
    node.configure(writer_params(pattern));
    node.start(ctx);
    node.process({0, make_raster(0, 8, 8, 1)}, ctx);
    CHECK_THAT(error_of([&] { node.process({0, make_raster(1, 8, 8, 1)}, ctx); }),
               Catch::Contains("'" + (dir / "f_01.png").string() +
                               "' already exists; set overwrite: true"));
    node.process({0, make_raster(2, 8, 8, 1)}, ctx);  // the run goes on past the refusal
    node.stop();
    CHECK(read_text(dir / "f_01.png") == "keep me");
    CHECK(std::filesystem::exists(dir / "f_02.png"));
  }
  ImageWriterNode node;
  node.configure(writer_params(pattern, true));
  node.start(ctx);
  const auto frame = make_raster(1, 8, 8, 1);
  node.process({0, frame}, ctx);
  node.stop();
  check_same_pixels(dir / "f_01.png", *frame);
}

TEST_CASE("every_n writes the first frame and every n-th after it") {
  ScratchDir dir;
  ImageWriterNode node;
  node.configure(writer_params((dir / "%d.png").string(), false, 3));
  NullContext ctx;
  node.start(ctx);
  for (uint64_t s = 10; s < 20; ++s) node.process({0, make_raster(s, 4, 4, 1)}, ctx);
  node.stop();
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir / ""))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"10.png", "13.png", "16.png", "19.png"});
}

TEST_CASE("frames other than image and overlay are refused naming their type") {
  ScratchDir dir;
  ImageWriterNode node;
  node.configure(writer_params((dir / "%d.png").string()));
  NullContext ctx;
  node.start(ctx);
  const FramePtr rf = std::make_shared<RfFrame>();
  CHECK_THAT(error_of([&] { node.process({0, rf}, ctx); }),
             Catch::Contains("writes 'image' and 'overlay' frames; got a 'rf' frame"));
  auto four_channels = make_raster(0, 4, 4, 1);
  four_channels->channels = 4;
  four_channels->pixels.resize(4 * 4 * 4);
  CHECK_THAT(error_of([&] { node.process({0, four_channels}, ctx); }),
             Catch::Contains("got 4 channels"));
  node.stop();
  CHECK(std::filesystem::is_empty(dir / ""));
}

TEST_CASE("a folder that cannot be created fails the start, naming it") {
  ScratchDir dir;
  // A file where a folder should be: refused whoever runs the test (root included).
  write_text(dir / "plain", "x");
  NullContext ctx;
  for (const std::string name : {"plain/sub/frame_%06d.png", "plain/sub/video.avi"}) {
    ImageWriterNode node;
    node.configure(writer_params((dir / name).string()));
    CHECK_THAT(error_of([&] { node.start(ctx); }),
               Catch::Contains("cannot create the folder '" + (dir / "plain/sub").string() + "'"));
  }
}

TEST_CASE("a folder given as path is refused at configure") {
  ScratchDir dir;
  std::filesystem::create_directories(dir / "clip.avi");
  ImageWriterNode node;
  CHECK_THAT(error_of([&] { node.configure(writer_params((dir / "clip.avi").string())); }),
             Catch::Contains("is a folder"));
}
