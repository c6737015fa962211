// The image_source node: frames emitted until the end of the file, then end of stream;
// the crop; pixel spacing, origin and image_to_probe in mm; looping; configuration errors.
#include <catch2/catch.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "helpers.hpp"

using namespace sonoflow;
using namespace sonoflow::image_io;
using namespace sonoflow::image_io::test;

namespace {

void write_sequence(const ScratchDir& dir, int count) {
  for (int i = 0; i < count; ++i)
    REQUIRE(cv::imwrite((dir / ("img_" + std::to_string(i) + ".png")).string(), clip_frame(i)));
}

// Probe coordinates (x, z) in mm of pixel (col, row) through image_to_probe.
std::array<double, 2> to_probe(const Raster& r, double col, double row) {
  const auto& m = r.image_to_probe;
  return {m[0] * col + m[1] * row + m[3], m[8] * col + m[9] * row + m[11]};
}

}  // namespace

TEST_CASE("a PNG sequence is emitted frame by frame, then the stream ends") {
  ScratchDir dir;
  write_sequence(dir, 4);
  ImageSourceNode node;
  node.configure(source_params((dir / "img_%d.png").string()));
  CollectingContext ctx;
  run_to_end(node, ctx);
  CHECK(ctx.ended);
  CHECK(ctx.errors.empty());
  REQUIRE(ctx.frames.size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    const auto& f = *ctx.frames[i];
    CHECK(f.header.sequence == i);
    CHECK(f.width == 64);
    CHECK(f.height == 48);
    CHECK(f.channels == 1);
    CHECK(f.check().empty());
    CHECK(f.pixels[40 * 64 + 40] == 20 + 10 * i);
  }
  Results results;
  node.results(results);
  CHECK(std::get<int64_t>(results["frames"]) == 4);
}

TEST_CASE("geometry: spacing as given, x = 0 at the centre column, z = 0 at the top") {
  ScratchDir dir;
  write_sequence(dir, 1);
  ImageSourceNode node;
  node.configure(source_params(dir.str()));
  CollectingContext ctx;
  run_to_end(node, ctx);
  REQUIRE(ctx.frames.size() == 1);
  const auto& f = *ctx.frames[0];
  CHECK(f.spacing_mm[0] == 0.2);
  CHECK(f.spacing_mm[1] == 0.1);
  CHECK(f.origin_mm[0] == Approx(-63 / 2.0 * 0.2));
  CHECK(f.origin_mm[1] == 0);
  const auto centre = to_probe(f, 31.5, 0);
  CHECK(centre[0] == Approx(0).margin(1e-12));
  CHECK(centre[1] == Approx(0).margin(1e-12));
  const auto corner = to_probe(f, 63, 47);
  CHECK(corner[0] == Approx(6.3));
  CHECK(corner[1] == Approx(4.7));
}

TEST_CASE("region_px crops the ultrasound area, origin_mm places its top-left pixel") {
  ScratchDir dir;
  write_sequence(dir, 2);
  ImageSourceNode node;
  auto params = source_params((dir / "*.png").string());
  params.set("region_px", std::vector<double>{10, 5, 20, 30});
  params.set("origin_mm", std::vector<double>{-1.5, 2});
  node.configure(params);
  CollectingContext ctx;
  run_to_end(node, ctx);
  REQUIRE(ctx.frames.size() == 2);
  const auto& f = *ctx.frames[1];
  CHECK(f.width == 20);
  CHECK(f.height == 30);
  CHECK(f.pixels[0] == 255);              // the white block's corner at (10, 5)
  CHECK(f.pixels[4 * 20 + 9] == 255);     // its far corner (19, 9)
  CHECK(f.pixels[5 * 20 + 10] == 30);     // background of frame 1
  CHECK(to_probe(f, 0, 0) == std::array<double, 2>{-1.5, 2});
  Results results;
  node.results(results);
  CHECK(std::get<int64_t>(results["width"]) == 20);
}

TEST_CASE("a video file is emitted to its last frame, loop starts it again") {
  ScratchDir dir;
  const auto file = (dir / "clip.mp4").string();
  {
    cv::VideoWriter writer(file, cv::VideoWriter::fourcc('m', 'p', '4', 'v'), 25, {64, 48});
    REQUIRE(writer.isOpened());
    for (int i = 0; i < 6; ++i) writer.write(clip_frame(i));
  }
  {
    ImageSourceNode node;
    node.configure(source_params(file));
    CollectingContext ctx;
    run_to_end(node, ctx);
    CHECK(ctx.ended);
    CHECK(ctx.frames.size() == 6);
  }
  ImageSourceNode node;
  auto params = source_params(file);
  params.set("loop", true);
  node.configure(params);
  CollectingContext ctx(15);  // takes 15 frames, then refuses like a stopping pipeline
  run_to_end(node, ctx);
  REQUIRE(ctx.frames.size() == 15);
  // Frame 6 is the first frame again.
  CHECK(int(ctx.frames[6]->pixels[40 * 64 + 40]) == Approx(ctx.frames[0]->pixels[40 * 64 + 40]).margin(2));
  CHECK(ctx.frames[7]->pixels[40 * 64 + 40] > ctx.frames[6]->pixels[40 * 64 + 40]);
}

TEST_CASE("configuration errors name the path or the region") {
  ScratchDir dir;
  write_sequence(dir, 1);
  ImageSourceNode node;
  const auto missing = (dir / "knee.avi").string();
  CHECK_THAT(error_of([&] { node.configure(source_params(missing)); }),
             Catch::Contains("'" + missing + "' does not exist"));
  auto params = source_params(dir.str());
  params.set("region_px", std::vector<double>{50, 0, 20, 10});
  CHECK_THAT(error_of([&] { node.configure(params); }),
             Catch::Contains("region_px [50, 0, 20, 10] must have a positive size and lie "
                             "within the 64x48 frame"));
  params.set("region_px", std::vector<double>{1, 2});
  CHECK_THAT(error_of([&] { node.configure(params); }), Catch::Contains("needs 4 values"));
}
