// What `path` may be: each malformed path is refused with a message saying what would be
// right; good ones give the file names the README promises.
#include <catch2/catch.hpp>

#include "output_path.hpp"

using namespace sonoflow::image_io;

namespace {

std::string refusal(const std::string& path) {
  try {
    parse_output_path(path);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("a sequence pattern numbers files as printf would") {
  const auto p = parse_output_path("out/knee/frame_%06d.png");
  CHECK(p.kind == OutputKind::png_sequence);
  CHECK(p.folder == "out/knee");
  CHECK(p.file_for(42) == "out/knee/frame_000042.png");
  CHECK(p.file_for(1234567) == "out/knee/frame_1234567.png");
  CHECK(parse_output_path("a/%d.JPG").file_for(7) == "a/7.JPG");
  CHECK(parse_output_path("a/%d.JPG").kind == OutputKind::jpeg_sequence);
  CHECK(parse_output_path("x_%4d.jpeg").file_for(7) == "x_   7.jpeg");
  CHECK(parse_output_path("100%%_%03d.png").file_for(5) == "100%_005.png");
}

TEST_CASE("a video path picks its codec from the extension") {
  CHECK(parse_output_path("out/knee.avi").fourcc == "MJPG");
  CHECK(parse_output_path("out/knee.mp4").fourcc == "mp4v");
  CHECK(parse_output_path("out/knee.mp4").kind == OutputKind::video);
}

TEST_CASE("malformed paths are refused saying what would be right") {
  CHECK_THAT(refusal(""), Catch::Contains("parameter 'path' is empty"));
  CHECK_THAT(refusal("out/frame.png"),
             Catch::Contains("path 'out/frame.png': an image sequence needs a frame number in "
                             "the file name, e.g. out/frame_%06d.png"));
  CHECK_THAT(refusal("out/frame_%06d.avi"), Catch::Contains("a video is one file"));
  CHECK_THAT(refusal("out/frame_%s.png"), Catch::Contains("'%s' is not a frame number"));
  CHECK_THAT(refusal("out/frame_%06.png"), Catch::Contains("'%06.' is not a frame number"));
  CHECK_THAT(refusal("out/f_%d_%d.png"), Catch::Contains("more than one frame number"));
  CHECK_THAT(refusal("out/f_%d"), Catch::Contains("unsupported extension ''"));
  CHECK_THAT(refusal("out/f_%d.bmp"), Catch::Contains("unsupported extension '.bmp'; use .png"));
  CHECK_THAT(refusal("out/%03d/f.png"), Catch::Contains("belongs in the file name"));
  CHECK_THAT(refusal("out/f_%099d.png"), Catch::Contains("at most 20 digits"));
  CHECK_THAT(refusal("out/"), Catch::Contains("ends in a folder"));
}
