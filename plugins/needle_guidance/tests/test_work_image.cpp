// The work image's "not imaged" zone under the probe face (mark_skin_zone): shallow under
// a linear probe's flat face, deeper under a convex probe's, the same in mm at any working
// pixel size.
#include <catch2/catch.hpp>
#include <cmath>
#include <numbers>

#include "synthetic.hpp"
#include "work_image.hpp"

using namespace sonoflow;
using namespace sonoflow::needle;
using namespace sonoflow::needle::test;

namespace {

std::shared_ptr<ImageFrame> speckle_image() {
  SyntheticNeedle none;
  none.present = false;
  return make_image({}, none);
}

// A convex probe's scan-converted image: black outside the annular sector (face radius
// `radius_mm` about an apex above the image, +-30 deg), as scan_convert writes it.
std::shared_ptr<ImageFrame> convex_image(double radius_mm) {
  auto f = speckle_image();
  const Vec2 apex(0, -radius_mm);
  for (size_t r = 0; r < f->height; ++r)
    for (size_t c = 0; c < f->width; ++c) {
      const Vec2 d =
          Vec2(f->origin_mm[0] + c * f->spacing_mm[0], f->origin_mm[1] + r * f->spacing_mm[1]) -
          apex;
      const double angle_deg = std::atan2(d.x(), d.y()) * 180 / std::numbers::pi;
      if (d.norm() < radius_mm || std::abs(angle_deg) > 30) f->pixels[r * f->width + c] = 0;
    }
  return f;
}

}  // namespace

TEST_CASE("the skin zone is shallow under a flat face and deeper under a curved one",
          "[work_image]") {
  Settings s;
  s.working_pixel_mm = GENERATE(0.1, 0.2, 0.3);
  INFO("working pixel " << s.working_pixel_mm << " mm");
  Workspace ws;
  SECTION("linear probe") {
    const WorkImage w = make_work_image(*speckle_image(), s, ws);
    for (double x : {-15.0, 0.0, 15.0}) {
      CHECK_FALSE(w.imaged({x, kSkinZoneFlatMm - 0.4}));
      CHECK(w.imaged({x, kSkinZoneFlatMm + 0.4}));
    }
  }
  SECTION("convex probe") {
    const WorkImage w = make_work_image(*convex_image(20), s, ws);
    CHECK_FALSE(w.imaged({0, kSkinZoneCurvedMm - 0.4}));
    CHECK(w.imaged({0, kSkinZoneCurvedMm + 0.4}));
  }
}
