// Which files a path stands for and in which order, and what the readers deliver: frames
// of images and videos written here with OpenCV, grey, in order, counted; bad paths
// refused naming them.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "helpers.hpp"

using namespace sonoflow::image_io;
using namespace sonoflow::image_io::test;

namespace {

std::vector<std::string> names(const std::vector<std::filesystem::path>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.filename().string());
  return out;
}

int count_frames(FrameReader& reader) {
  int n = 0;
  while (!reader.next().empty()) ++n;
  return n;
}

}  // namespace

TEST_CASE("a pattern lists its files by number, a folder and a glob by name") {
  ScratchDir dir;
  for (const std::string name : {"f_9.png", "f_10.png", "f_0.png", "g_1.jpg", "notes.txt"})
    std::ofstream(dir / name) << "x";
  CHECK(names(list_images((dir / "f_%d.png").string())) ==
        std::vector<std::string>{"f_0.png", "f_9.png", "f_10.png"});
  CHECK(names(list_images((dir / "f_*.png").string())) ==
        std::vector<std::string>{"f_0.png", "f_10.png", "f_9.png"});
  CHECK(names(list_images(dir.str())) ==
        std::vector<std::string>{"f_0.png", "f_10.png", "f_9.png", "g_1.jpg"});
  CHECK(names(list_images((dir / "g_?.jpg").string())) == std::vector<std::string>{"g_1.jpg"});
  CHECK(names(list_images((dir / "g_1.jpg").string())) == std::vector<std::string>{"g_1.jpg"});
  CHECK(list_images((dir / "clip.avi").string()).empty());
}

TEST_CASE("a PNG sequence reads back grey, in order, every frame") {
  ScratchDir dir;
  for (int i = 0; i < 5; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "frame_%06d.png", i * 3);  // gaps, as every_n leaves
    REQUIRE(cv::imwrite((dir / name).string(), clip_frame(i)));
  }
  auto reader = open_frames((dir / "frame_%06d.png").string(), -1);
  CHECK(reader->size() == cv::Size(64, 48));
  for (int i = 0; i < 5; ++i) {
    const cv::Mat frame = reader->next();
    REQUIRE(frame.type() == CV_8UC1);
    CHECK(frame.at<uint8_t>(40, 40) == 20 + 10 * i);
    CHECK(frame.at<uint8_t>(6, 12) == 255);
  }
  CHECK(reader->next().empty());
  REQUIRE(reader->rewind());
  CHECK(count_frames(*reader) == 5);
}

TEST_CASE("a video file reads back with its frame count, size and rate") {
  ScratchDir dir;
  const auto file = dir / "clip.avi";
  {
    cv::VideoWriter writer(file.string(), cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 20,
                           cv::Size(64, 48));
    REQUIRE(writer.isOpened());
    for (int i = 0; i < 7; ++i) writer.write(clip_frame(i));
  }
  auto reader = open_frames(file.string(), -1);
  CHECK(reader->size() == cv::Size(64, 48));
  CHECK(reader->native_rate_hz() == Approx(20));
  CHECK(count_frames(*reader) == 7);
  REQUIRE(reader->rewind());
  const cv::Mat first = reader->next();
  CHECK(first.type() == CV_8UC1);
  CHECK(int(first.at<uint8_t>(40, 40)) == Approx(20).margin(4));  // MJPG is lossy
}

TEST_CASE("missing, empty and unreadable sources are refused naming the path") {
  ScratchDir dir;
  const auto missing = (dir / "nope.avi").string();
  CHECK_THAT(error_of([&] { open_frames(missing, -1); }),
             Catch::Contains("'" + missing + "' does not exist"));
  const auto pattern = (dir / "frame_%06d.png").string();
  CHECK_THAT(error_of([&] { open_frames(pattern, -1); }),
             Catch::Contains("no image files match '" + pattern + "'"));
  const auto garbage = dir / "garbage.avi";
  std::ofstream(garbage) << "this is not a video";
  CHECK_THAT(error_of([&] { open_frames(garbage.string(), -1); }),
             Catch::Contains("video '" + garbage.string() + "'"));
  const auto fake_png = dir / "broken.png";
  std::ofstream(fake_png) << "not a PNG";
  CHECK_THAT(error_of([&] { open_frames(fake_png.string(), -1); }),
             Catch::Contains("cannot read '" + fake_png.string() + "' as an image"));
  CHECK_THAT(error_of([&] { open_frames("", -1); }), Catch::Contains("nothing to read"));
  CHECK_THAT(error_of([&] { open_frames(missing, 0); }), Catch::Contains("not both"));
}

TEST_CASE("an image of another size in a sequence is an error naming it") {
  ScratchDir dir;
  REQUIRE(cv::imwrite((dir / "a_1.png").string(), clip_frame(0)));
  REQUIRE(cv::imwrite((dir / "a_2.png").string(), clip_frame(1, {32, 32})));
  auto reader = open_frames((dir / "a_%d.png").string(), -1);
  CHECK(!reader->next().empty());
  CHECK_THAT(error_of([&] { reader->next(); }),
             Catch::Contains((dir / "a_2.png").string() + "' is 32x32 pixels"));
}
