// Parameters and bad input: every refusal names what is wrong.
#include <catch2/catch.hpp>

#include "guidance.hpp"
#include "params.hpp"
#include "synthetic.hpp"

using namespace sonoflow;
using namespace sonoflow::needle;
using Catch::Matchers::Contains;

namespace {
ParamSet defaults() {
  NodeSpec spec = NodeSpec::processing("t", "");
  declare_parameters(spec);
  ParamSet p;
  for (const auto& s : spec.params) p.set(s.name, s.default_value);
  return p;
}
}  // namespace

TEST_CASE("defaults give the documented settings", "[params]") {
  const Settings s = settings_from(defaults());
  CHECK_FALSE(s.roi);
  CHECK(s.side == Side::any);
  CHECK(s.angle_min_deg == 3);
  CHECK(s.angle_max_deg == 80);
  CHECK_FALSE(s.has_target);
}

TEST_CASE("declared ranges refuse out-of-range values", "[params]") {
  NodeSpec spec = NodeSpec::processing("t", "");
  declare_parameters(spec);
  CHECK_THAT(spec.find_param("angle_range_deg")->check(std::vector<double>{3, 95}), Contains("90"));
  CHECK_FALSE(spec.find_param("min_confidence")->check(1.5).empty());
  CHECK_FALSE(spec.find_param("insertion_side")->check(std::string("top")).empty());
  CHECK_FALSE(spec.find_param("roi_mm")->check(std::vector<double>{1, 2, 3, 4, 5}).empty());
}

TEST_CASE("inconsistent lists are refused naming the parameter", "[params]") {
  ParamSet p = defaults();
  p.set("roi_mm", std::vector<double>{0, 0, 10});
  CHECK_THROWS_WITH(settings_from(p), Contains("roi_mm"));
  p.set("roi_mm", std::vector<double>{10, 0, 0, 20});
  CHECK_THROWS_WITH(settings_from(p), Contains("x_min < x_max"));
  p = defaults();
  p.set("angle_range_deg", std::vector<double>{50, 20});
  CHECK_THROWS_WITH(settings_from(p), Contains("angle_range_deg"));
}

TEST_CASE("images guidance cannot measure on are refused with the reason", "[params]") {
  Guidance g(Method::hough, {});
  NeedleFrame out;
  auto img = test::make_image({}, {});
  auto polar = std::make_shared<ImageFrame>(*img);
  polar->sector = std::make_shared<SectorGeometry>();
  CHECK_THROWS_WITH(g.process(*polar, out), Contains("scan_convert"));
  auto short_pixels = std::make_shared<ImageFrame>(*img);
  short_pixels->pixels.resize(10);
  CHECK_THROWS_WITH(g.process(*short_pixels, out), Contains("bytes of pixels"));
  auto two_channels = std::make_shared<ImageFrame>(*img);
  two_channels->channels = 2;
  CHECK_THROWS_WITH(g.process(*two_channels, out), Contains("channels"));
  auto no_spacing = std::make_shared<ImageFrame>(*img);
  no_spacing->image_to_probe = {};
  no_spacing->spacing_mm = {0, 0.1};
  CHECK_THROWS_WITH(g.process(*no_spacing, out), Contains("spacing"));

  Settings roi_outside;
  roi_outside.roi = BoxMm{100, 100, 120, 130};
  Guidance g2(Method::ransac, roi_outside);
  CHECK_THROWS_WITH(g2.process(*img, out), Contains("roi_mm"));
}

TEST_CASE("a region of interest limits the search", "[params]") {
  test::SyntheticNeedle n;
  n.tip_mm = {-3, 15};
  auto img = test::make_image({}, n);
  Settings s;
  s.roi = BoxMm{-20, 20, 20, 30};  // below the needle
  Guidance g(Method::hough, s);
  NeedleFrame out;
  g.process(*img, out);
  g.process(*img, out);
  CHECK_FALSE(out.detected);
}
