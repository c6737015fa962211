// The message builders, decoded the way a receiver decodes them (libopenigtlink, CRC
// checked): IMAGE size, spacing, scalar type and the matrix that puts every pixel where
// the frame says it is; BGR -> RGB; POINT and TRANSFORM of hand-made needle results;
// refused inputs with their messages.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include <igtlImageMessage.h>
#include <igtlPointMessage.h>
#include <igtlStatusMessage.h>
#include <igtlTransformMessage.h>

#include "igtl_client.hpp"
#include "igtl_messages.hpp"

using namespace sonoflow;
using namespace sonoflow::igtl_server;
using sonoflow::igtl_test::decode;

namespace {

const Eigen::Matrix4d kIdentity = Eigen::Matrix4d::Identity();

ImageFrame grey_image(uint32_t width, uint32_t height, double x0_mm, double z0_mm,
                      double dx_mm, double dz_mm) {
  ImageFrame f;
  f.width = width, f.height = height, f.channels = 1;
  f.pixels.resize(size_t{width} * height);
  for (size_t i = 0; i < f.pixels.size(); ++i) f.pixels[i] = static_cast<uint8_t>(i * 7);
  f.origin_mm = {x0_mm, z0_mm};
  f.spacing_mm = {dx_mm, dz_mm};
  f.set_cartesian_transform();
  f.header.utc_ns = 1'700'000'000'123'456'789;
  return f;
}

igtl_test::Message decode_packed(const Packed& p) {
  REQUIRE(p);
  return decode(p->data(), p->size());
}

void check_pixel(igtl::ImageMessage& img, double i, double j, double x, double y, double z) {
  double at[3];
  igtl_test::pixel_position(img, i, j, at);
  CHECK(at[0] == Approx(x).margin(1e-4));
  CHECK(at[1] == Approx(y).margin(1e-4));
  CHECK(at[2] == Approx(z).margin(1e-4));
}

}  // namespace

TEST_CASE("IMAGE carries size, spacing, uint8 scalars and a matrix placing every pixel") {
  const ImageFrame f = grey_image(81, 61, -10, 5, 0.25, 0.5);
  auto m = decode_packed(image_message(f, f.header, "SonoFlow_BMode", kIdentity));
  CHECK(m.type == "IMAGE");
  CHECK(m.device == "SonoFlow_BMode");
  auto* img = m.as<igtl::ImageMessage>();
  REQUIRE(img);
  int size[3];
  float spacing[3];
  img->GetDimensions(size);
  img->GetSpacing(spacing);
  CHECK(size[0] == 81);
  CHECK(size[1] == 61);
  CHECK(size[2] == 1);
  CHECK(spacing[0] == Approx(0.25));
  CHECK(spacing[1] == Approx(0.5));
  CHECK(img->GetScalarType() == igtl::ImageMessage::TYPE_UINT8);
  CHECK(img->GetNumComponents() == 1);
  CHECK(img->GetCoordinateSystem() == igtl::ImageMessage::COORDINATE_RAS);
  // OpenIGTLink's origin is the image centre: here x = 0, z = 5 + 30 * 0.5 = 20.
  float centre[3];
  img->GetOrigin(centre);
  CHECK(centre[0] == Approx(0).margin(1e-5));
  CHECK(centre[1] == Approx(0).margin(1e-5));
  CHECK(centre[2] == Approx(20));
  // Pixel centres where the frame puts them: (col, row) -> (x0 + col dx, 0, z0 + row dz).
  check_pixel(*img, 0, 0, -10, 0, 5);
  check_pixel(*img, 80, 0, 10, 0, 5);
  check_pixel(*img, 80, 60, 10, 0, 35);
  check_pixel(*img, 17, 23, -10 + 17 * 0.25, 0, 5 + 23 * 0.5);
  // Pixels row-major, unchanged; the timestamp from the frame's UTC time.
  const auto* px = static_cast<const uint8_t*>(img->GetScalarPointer());
  CHECK(std::equal(f.pixels.begin(), f.pixels.end(), px));
  CHECK(m.timestamp_ns == Approx(1'700'000'000'123'456'789.0).epsilon(1e-12));
}

TEST_CASE("IMAGE geometry follows probe_to_world and a rotated image_to_probe") {
  ImageFrame f = grey_image(10, 20, 0, 0, 0.3, 0.3);
  // The display-friendly placement of the README: 180 degrees about y (x -> -R, z -> -S),
  // plus a translation.
  Eigen::Matrix4d world = Eigen::Matrix4d::Identity();
  world(0, 0) = -1, world(2, 2) = -1;
  world(0, 3) = 100, world(1, 3) = -50, world(2, 3) = 7;
  auto m = decode_packed(image_message(f, f.header, "A", world));
  auto* img = m.as<igtl::ImageMessage>();
  REQUIRE(img);
  check_pixel(*img, 0, 0, 100, -50, 7);
  check_pixel(*img, 9, 19, 100 - 9 * 0.3, -50, 7 - 19 * 0.3);

  // An image whose rows run along x and columns along z (a transposed raster).
  f.image_to_probe = {0, 0.3, 0, 1,  //
                      0, 0, 1, 0,    //
                      0.2, 0, 0, 2,  //
                      0, 0, 0, 1};
  auto t = decode_packed(image_message(f, f.header, "A", kIdentity));
  auto* timg = t.as<igtl::ImageMessage>();
  float spacing[3];
  timg->GetSpacing(spacing);
  CHECK(spacing[0] == Approx(0.2));
  CHECK(spacing[1] == Approx(0.3));
  check_pixel(*timg, 0, 0, 1, 0, 2);
  check_pixel(*timg, 9, 19, 1 + 19 * 0.3, 0, 2 + 9 * 0.2);
}

TEST_CASE("a BGR raster is sent as an RGB IMAGE") {
  OverlayFrame f;
  f.width = 2, f.height = 1, f.channels = 3;
  f.pixels = {10, 20, 30, 40, 50, 60};  // B, G, R per pixel
  f.spacing_mm = {1, 1};
  f.set_cartesian_transform();
  auto m = decode_packed(image_message(f, f.header, "SonoFlow_Overlay", kIdentity));
  auto* img = m.as<igtl::ImageMessage>();
  REQUIRE(img);
  CHECK(img->GetNumComponents() == 3);
  const auto* px = static_cast<const uint8_t*>(img->GetScalarPointer());
  CHECK(std::vector<uint8_t>(px, px + 6) == std::vector<uint8_t>{30, 20, 10, 60, 50, 40});
}

TEST_CASE("images that cannot be sent as a plane are refused with the reason") {
  ImageFrame polar = grey_image(4, 4, 0, 0, 1, 1);
  polar.sector = std::make_shared<SectorGeometry>();
  CHECK_THROWS_WITH(image_message(polar, polar.header, "A", kIdentity),
                    Catch::Contains("polar sector grid") && Catch::Contains("scan_convert"));
  ImageFrame sheared = grey_image(4, 4, 0, 0, 1, 1);
  // Column axis (1, 0, 0), row axis (0.5, 0, 1).
  sheared.image_to_probe = {1, 0.5, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1};
  CHECK_THROWS_WITH(image_message(sheared, sheared.header, "A", kIdentity),
                    Catch::Contains("sheared"));
  ImageFrame short_pixels = grey_image(4, 4, 0, 0, 1, 1);
  short_pixels.pixels.resize(3);
  CHECK_THROWS_WITH(image_message(short_pixels, short_pixels.header, "A", kIdentity),
                    Catch::Contains("expected width x height"));
}

TEST_CASE("probe_to_world must be a rigid 4x4") {
  std::vector<double> m = {1, 0, 0, 5, 0, 1, 0, 6, 0, 0, 1, 7, 0, 0, 0, 1};
  CHECK(rigid_transform(m, "probe_to_world")(0, 3) == 5);
  auto scaled = m;
  scaled[0] = 2;
  CHECK_THROWS_WITH(rigid_transform(scaled, "probe_to_world"),
                    Catch::Contains("'probe_to_world' must be rigid"));
  auto mirrored = m;
  mirrored[0] = -1;  // orthonormal but a reflection
  CHECK_THROWS_WITH(rigid_transform(mirrored, "probe_to_world"), Catch::Contains("rigid"));
  auto projective = m;
  projective[12] = 1;
  CHECK_THROWS_WITH(rigid_transform(projective, "probe_to_world"),
                    Catch::Contains("0, 0, 0, 1"));
  CHECK_THROWS_WITH(rigid_transform({1, 2, 3}, "probe_to_world"),
                    Catch::Contains("16 numbers"));
}

namespace {

NeedleFrame needle_at(PointMm start, PointMm tip) {
  NeedleFrame n;
  n.detected = n.measured = true;
  n.shaft_start_mm = start;
  n.tip_mm = tip;
  n.trajectory_end_mm = {tip[0] + 2 * (tip[0] - start[0]), tip[1] + 2 * (tip[1] - start[1])};
  n.has_target = true;
  n.target_mm = {-3, 22};
  n.header.utc_ns = 42'000'000'000;
  return n;
}

}  // namespace

TEST_CASE("POINT holds the tip, the trajectory end and the target in world mm") {
  const NeedleFrame n = needle_at({15, 2}, {4.5, 12.25});
  Eigen::Matrix4d world = Eigen::Matrix4d::Identity();
  world(1, 3) = 3;  // shifted along elevation: y of every point becomes 3
  auto m = decode_packed(points_message(n, "SonoFlow_Guidance", "SonoFlow_BMode", world));
  auto* points = m.as<igtl::PointMessage>();
  REQUIRE(points);
  REQUIRE(points->GetNumberOfPointElement() == 3);
  std::map<std::string, std::array<float, 3>> by_name;
  for (int i = 0; i < 3; ++i) {
    igtl::PointElement::Pointer e;
    points->GetPointElement(i, e);
    std::array<float, 3> p{};
    e->GetPosition(p.data());
    by_name[e->GetName()] = p;
    CHECK(std::string(e->GetOwner()) == "SonoFlow_BMode");
  }
  CHECK(by_name["Tip"] == std::array<float, 3>{4.5f, 3.f, 12.25f});
  CHECK(by_name["Target"] == std::array<float, 3>{-3.f, 3.f, 22.f});
  CHECK(by_name["TrajectoryEnd"][0] == Approx(4.5 - 21));
  CHECK(by_name["TrajectoryEnd"][2] == Approx(12.25 + 20.5));
  CHECK(m.timestamp_ns == 42'000'000'000u);

  // No needle: only the target; no needle and no target: nothing to send.
  NeedleFrame lost = n;
  lost.detected = false;
  auto only_target = decode_packed(points_message(lost, "P", "I", kIdentity));
  CHECK(only_target.as<igtl::PointMessage>()->GetNumberOfPointElement() == 1);
  lost.has_target = false;
  CHECK(points_message(lost, "P", "I", kIdentity) == nullptr);
}

TEST_CASE("TRANSFORM: translation at the tip, z along the insertion, y the plane normal") {
  // Entering from +x, going down-left at 45 degrees.
  const NeedleFrame n = needle_at({20, 0}, {10, 10});
  auto m = decode_packed(needle_transform_message(n, "SonoFlow_Needle", kIdentity));
  auto* t = m.as<igtl::TransformMessage>();
  REQUIRE(t);
  igtl::Matrix4x4 mat;
  t->GetMatrix(mat);
  const double h = std::sqrt(0.5);
  CHECK(mat[0][3] == Approx(10));
  CHECK(mat[1][3] == Approx(0).margin(1e-6));
  CHECK(mat[2][3] == Approx(10));
  CHECK(mat[0][2] == Approx(-h));  // z axis = (-1, 0, 1) / sqrt 2
  CHECK(mat[2][2] == Approx(h));
  CHECK(mat[1][1] == Approx(1));   // y axis = elevation
  // x = y cross z = (h, 0, h): a right-handed frame.
  CHECK(mat[0][0] == Approx(h));
  CHECK(mat[2][0] == Approx(h));

  // No visible shaft length: the direction comes from angle and side.
  NeedleFrame dot = needle_at({10, 10}, {10, 10});
  dot.angle_deg = 30, dot.insertion_side = -1;  // enters from -x, heads to +x
  auto d = decode_packed(needle_transform_message(dot, "N", kIdentity));
  d.as<igtl::TransformMessage>()->GetMatrix(mat);
  CHECK(mat[0][2] == Approx(std::cos(M_PI / 6)));
  CHECK(mat[2][2] == Approx(std::sin(M_PI / 6)));

  NeedleFrame none;
  CHECK(needle_transform_message(none, "N", kIdentity) == nullptr);
}

TEST_CASE("STATUS carries code, error name and text") {
  auto m = decode_packed(status_message(igtl::StatusMessage::STATUS_SHUT_DOWN, "ShutDown",
                                        "pipeline stopped", "SonoFlow", 5));
  auto* s = m.as<igtl::StatusMessage>();
  REQUIRE(s);
  CHECK(s->GetCode() == igtl::StatusMessage::STATUS_SHUT_DOWN);
  CHECK(std::string(s->GetErrorName()) == "ShutDown");
  CHECK(std::string(s->GetStatusString()) == "pipeline stopped");
}
