// Scan conversion on synthetic sector images whose geometry is known exactly: bright
// spots land at x = rho sin(theta), z = apex_z + rho cos(theta); the sector's inside is
// kept and its outside is 0; the output's geometry (origin, spacing, image_to_probe)
// places pixels in mm; and the node passes a Cartesian image on as the same frame.
#include <catch2/catch.hpp>

#include <cmath>

#include "scan_convert_core.hpp"
#include "scan_convert_node.hpp"
#include "sonoflow/testing.hpp"

using namespace sonoflow;
using namespace sonoflow::scan;

namespace {

// Columns: theta = -0.4 .. 0.4 rad in 0.01 rad steps; rows: rho = 50 .. 130 mm in 0.5 mm;
// apex 50 mm behind the array (the array's arc passes through z = 0 on the axis).
constexpr double kTheta0 = -0.4, kDTheta = 0.01, kRho0 = 50, kDRho = 0.5, kApexZ = -50;
constexpr uint32_t kColumns = 81, kRows = 161;

ImageFrame sector_image(uint8_t fill) {
  ImageFrame im;
  im.width = kColumns, im.height = kRows;
  im.pixels.assign(size_t{kColumns} * kRows, fill);
  im.origin_mm = {kTheta0, kRho0};
  im.spacing_mm = {kDTheta, kDRho};
  auto sector = std::make_shared<SectorGeometry>();
  sector->apex_z_mm = kApexZ;
  sector->start_angle_rad = kTheta0, sector->end_angle_rad = kTheta0 + (kColumns - 1) * kDTheta;
  sector->start_radius_mm = kRho0, sector->end_radius_mm = kRho0 + (kRows - 1) * kDRho;
  im.sector = sector;
  im.set_cartesian_transform();  // as bmode does; meaningless for a polar grid
  im.header.sequence = 7;
  return im;
}

// The output pixel nearest to (x, z) mm.
uint8_t at(const ImageFrame& im, double x_mm, double z_mm) {
  const long col = std::lround((x_mm - im.origin_mm[0]) / im.spacing_mm[0]);
  const long row = std::lround((z_mm - im.origin_mm[1]) / im.spacing_mm[1]);
  REQUIRE(col >= 0);
  REQUIRE(row >= 0);
  REQUIRE(col < long(im.width));
  REQUIRE(row < long(im.height));
  return im.pixels[size_t(row) * im.width + col];
}

}  // namespace

TEST_CASE("bright polar pixels land at x = rho sin(theta), z = apex + rho cos(theta)") {
  ImageFrame polar = sector_image(0);
  // 3 x 3 bright blocks (a plateau after bilinear interpolation) centred on known samples.
  const std::vector<std::pair<uint32_t, uint32_t>> spots{{40, 40}, {10, 100}, {70, 150}, {2, 5}};
  for (auto [c, r] : spots)
    for (uint32_t dr = r - 1; dr <= r + 1; ++dr)
      for (uint32_t dc = c - 1; dc <= c + 1; ++dc) polar.pixels[dr * kColumns + dc] = 255;
  ScanConverter converter;
  const double pixel_mm = 0.1;
  const auto out = converter.convert(polar, pixel_mm);
  for (auto [c, r] : spots) {
    const double theta = kTheta0 + c * kDTheta, rho = kRho0 + r * kDRho;
    const double x = rho * std::sin(theta), z = kApexZ + rho * std::cos(theta);
    // Centroid of the converted spot, within 3 mm of where it should be.
    double sx = 0, sz = 0, n = 0;
    for (uint32_t row = 0; row < out->height; ++row)
      for (uint32_t col = 0; col < out->width; ++col) {
        const double px = out->origin_mm[0] + col * out->spacing_mm[0];
        const double pz = out->origin_mm[1] + row * out->spacing_mm[1];
        if (std::hypot(px - x, pz - z) > 3 || out->pixels[size_t{row} * out->width + col] < 128)
          continue;
        sx += px, sz += pz, n += 1;
      }
    INFO("spot theta " << theta << " rad, rho " << rho << " mm: expected (" << x << ", " << z
                       << ") mm, centroid (" << sx / n << ", " << sz / n << ") mm");
    REQUIRE(n > 0);
    CHECK(std::hypot(sx / n - x, sz / n - z) < pixel_mm);
    CHECK(at(*out, x, z) == 255);
  }
}

TEST_CASE("the sector's inside is kept, its outside is 0, and the geometry is in mm") {
  const ImageFrame polar = sector_image(200);
  ScanConverter converter;
  const auto out = converter.convert(polar, 0);  // automatic pixel
  const double rho1 = kRho0 + (kRows - 1) * kDRho, theta1 = kTheta0 + (kColumns - 1) * kDTheta;
  // Bounding box: x over the deep corners, z from the shallow corners to the deep axis.
  const double x_min = rho1 * std::sin(kTheta0), z_min = kApexZ + kRho0 * std::cos(kTheta0);
  const double z_max = kApexZ + rho1, x_max = rho1 * std::sin(theta1);
  CHECK(out->origin_mm[0] == Approx(x_min));
  CHECK(out->origin_mm[1] == Approx(z_min));
  CHECK(out->spacing_mm[0] == Approx(std::max(x_max - x_min, z_max - z_min) / kAutoPixels));
  CHECK(out->spacing_mm[1] == out->spacing_mm[0]);
  CHECK((out->width - 1) * out->spacing_mm[0] <= x_max - x_min + 1e-9);
  CHECK(out->width * out->spacing_mm[0] > x_max - x_min);
  CHECK(!out->sector);
  CHECK(out->check().empty());
  CHECK(out->header.sequence == 7);
  // image_to_probe maps (col, row) to (x, z) mm.
  CHECK(out->image_to_probe[0] == out->spacing_mm[0]);
  CHECK(out->image_to_probe[3] == out->origin_mm[0]);
  CHECK(out->image_to_probe[11] == out->origin_mm[1]);
  CHECK(at(*out, 0, kApexZ + 90) == 200);  // inside, on the axis
  CHECK(at(*out, 20, kApexZ + 100) == 200);
  CHECK(at(*out, 0, kApexZ + kRho0 - 2) == 0);  // above the shallow arc
  CHECK(at(*out, 0, z_min) == 0);               // above the arc, between the corners
  CHECK(at(*out, x_min, z_min) == 0);           // top-left corner of the box
  CHECK(at(*out, x_max, kApexZ + 60) == 0);     // beside the sector
  // The same converter reuses its table for the next frame of the same geometry.
  const auto again = converter.convert(polar, 0);
  CHECK(again->pixels == out->pixels);
}

namespace {

// Records what the node emits; the rest of the runtime is not needed here.
class RecordingContext final : public testing::NullContext {
 public:
  RecordingContext() : NullContext("scan", /*fast=*/false) {}
  bool emit(size_t, FramePtr frame) override {
    emitted.push_back(std::move(frame));
    return true;
  }

  std::vector<FramePtr> emitted;
};

}  // namespace

TEST_CASE("the node passes a Cartesian image on as the same frame and converts a sector") {
  ScanConvertNode node;
  ParamSet params;
  params.set("pixel_mm", 0.2);
  node.configure(params);
  RecordingContext ctx;
  auto cartesian = std::make_shared<ImageFrame>();
  cartesian->width = 4, cartesian->height = 3;
  cartesian->pixels.assign(12, 9);
  cartesian->spacing_mm = {0.1, 0.1};
  cartesian->set_cartesian_transform();
  const FramePtr in = cartesian;
  node.process({0, in}, ctx);
  const FramePtr polar = std::make_shared<ImageFrame>(sector_image(100));
  node.process({0, polar}, ctx);
  REQUIRE(ctx.emitted.size() == 2);
  CHECK(ctx.emitted[0] == in);  // no copy
  auto converted = frame_cast<ImageFrame>(ctx.emitted[1]);
  REQUIRE(converted);
  CHECK(!converted->sector);
  CHECK(converted->spacing_mm[0] == Approx(0.2));
}
