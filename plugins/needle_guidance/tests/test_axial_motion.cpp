// The needle's axial motion between frames, from its echo pattern (axial_motion.hpp), on
// synthetic images: the tissue's speckle stays (same seed), the needle moves along its own
// line by a known distance, and its pattern (dim stretches, its end) moves with it.
#include <catch2/catch.hpp>
#include <cmath>

#include "axial_motion.hpp"
#include "guidance.hpp"
#include "synthetic.hpp"
#include "tip_search.hpp"

using namespace sonoflow;
using namespace sonoflow::needle;
using namespace sonoflow::needle::test;

namespace {

// long_needle from the right (a brighter shaft) moved `advance_mm` along its line;
// `patterned`: three weaker stretches fixed to the shaft (a rough shaft's echo).
SyntheticNeedle moving_needle(double advance_mm, bool patterned) {
  SyntheticNeedle n = long_needle(+1);
  n.tip_mm += advance_mm * needle_dir(n);
  n.brightness = 90;
  if (patterned) n.dims = {{1.5, 1.2, -8}, {5, 2, -12}, {10, 1.5, -6}};
  return n;
}

struct OneFrame {
  Workspace ws;
  WorkImage w;
  cv::Mat smooth;
};

void load(OneFrame& f, const SyntheticImage& img, const SyntheticNeedle& n) {
  f.w = make_work_image(*make_image(img, n), Settings{}, f.ws);
  f.smooth = smooth_for_profile(f.w, f.ws).clone();
}

// The shaft as the guidance measures it (tip search along the true axis).
Measurement shaft_of(const OneFrame& f, const SyntheticNeedle& n) {
  const auto m = measure_shaft(f.w, f.smooth, Line{n.tip_mm, needle_dir(n)}, Settings{});
  REQUIRE(m);
  return *m;
}

// The shift measured from a frame with `before` to one with `after`, along the shaft
// measured in the second (as the guidance does it).
std::optional<double> shift(const SyntheticNeedle& before, const SyntheticNeedle& after,
                            uint64_t seed_after = 7) {
  SyntheticImage img;
  img.seed = 7;
  OneFrame a, b;
  load(a, img, before);
  img.seed = seed_after;
  load(b, img, after);
  RecentFrames recent;
  recent.keep(a.w, a.smooth);
  return recent.axial_shift_mm(b.w, b.smooth, shaft_of(b, after));
}

}  // namespace

TEST_CASE("the shaft's echo pattern gives the needle's advance between frames", "[axial]") {
  const bool patterned = GENERATE(true, false);  // a uniform shaft still has its end
  const double advance_mm = GENERATE(-1.5, -0.5, 0.0, 0.3, 0.5, 1.0, 2.5);
  INFO("patterned " << patterned << ", advance " << advance_mm << " mm");
  const auto s = shift(moving_needle(0, patterned), moving_needle(advance_mm, patterned));
  REQUIRE(s);
  CHECK(std::abs(*s - advance_mm) < 0.1);
}

TEST_CASE("no shift is reported when the pattern does not match", "[axial]") {
  // The probe moved (the tissue's speckle is another) and the shaft's pattern is another:
  // no shift matches well, and a wrong speed is worse than none.
  SyntheticNeedle before = moving_needle(0, true), after = moving_needle(0.5, true);
  after.dims = {{3, 2, -14}, {8, 1, -4}, {12, 2.5, -10}};
  CHECK_FALSE(shift(before, after, 8));
}

TEST_CASE("no shift without a kept frame or along a short shaft", "[axial]") {
  SyntheticImage img;
  OneFrame f;
  const SyntheticNeedle n = moving_needle(0, true);
  load(f, img, n);
  Measurement m;
  m.line = {n.tip_mm - 10 * needle_dir(n), needle_dir(n)};  // 10 mm of shaft
  m.tip_mm = n.tip_mm;
  RecentFrames recent;
  CHECK_FALSE(recent.axial_shift_mm(f.w, f.smooth, m));  // nothing kept yet
  cv::Mat kept = f.smooth.clone();
  recent.keep(f.w, kept);
  const auto same = recent.axial_shift_mm(f.w, f.smooth, m);  // the same image
  REQUIRE(same);
  CHECK(std::abs(*same) < 0.01);
  CHECK_FALSE(recent.axial_shift_mm(f.w, f.smooth, m, 2));  // only one frame kept
  m.line.point = n.tip_mm - 2.5 * needle_dir(n);            // 2.5 mm of shaft: about one grain
  CHECK_FALSE(recent.axial_shift_mm(f.w, f.smooth, m));
}

TEST_CASE("a needle pushed through still tissue slides; tissue moving with it does not",
          "[axial]") {
  SyntheticImage img;
  img.seed = 7;
  const SyntheticNeedle before = moving_needle(0, true), after = moving_needle(0.6, true);
  OneFrame a, b;
  load(a, img, before);
  load(b, img, after);
  const Measurement m = shaft_of(b, after);
  RecentFrames recent;
  cv::Mat kept = a.smooth.clone();
  recent.keep(a.w, kept);
  CHECK(recent.slides(b.w, b.smooth, m));  // pushed 0.6 mm
  kept = b.smooth.clone();
  RecentFrames at_rest;
  at_rest.keep(b.w, kept);
  CHECK_FALSE(at_rest.slides(b.w, b.smooth, m));  // the same image: at rest

  // The probe slid 0.6 mm along the needle: the tissue's speckle moved with the shaft (the
  // synthetic speckle is fixed to the pixels, so moving the image's origin moves it).
  SyntheticImage slid = img;
  const Vec2 delta = 0.6 * needle_dir(after);
  slid.x0_mm += delta.x();
  slid.z0_mm += delta.y();
  OneFrame c;
  load(c, slid, after);
  const Measurement mc = shaft_of(c, after);
  const auto shift = recent.axial_shift_mm(c.w, c.smooth, mc);
  REQUIRE(shift);
  CHECK(std::abs(*shift - 0.6) < 0.1);            // the shaft still moved 0.6 mm ...
  CHECK_FALSE(recent.slides(c.w, c.smooth, mc));  // ... but so did the tissue
}

TEST_CASE("a needle entering at the corner slides; the probe sliding does not", "[axial]") {
  // Early in an insertion the shaft runs from the image's corner (under the skin zone, at
  // the image's side): the tissue 3.5 mm beside it lies 27 % (one side) and 33 % (the
  // other) outside the image, and its imaged part is what shows whether it stays.
  auto corner_needle = [](double advance_mm) {
    SyntheticNeedle n = moving_needle(0, true);
    n.angle_deg = 40;
    n.tip_mm = Vec2(15, 7.5) + advance_mm * needle_dir(n);  // ~6.5 mm of shaft in view
    n.dims = {{1.5, 1.2, -8}, {4, 1.5, -12}};
    return n;
  };
  SyntheticImage img;
  img.seed = 7;
  OneFrame a, b;
  load(a, img, corner_needle(0));
  load(b, img, corner_needle(0.6));
  const Measurement m = shaft_of(b, corner_needle(0.6));
  RecentFrames recent;
  cv::Mat kept = a.smooth.clone();
  recent.keep(a.w, kept);
  CHECK(recent.slides(b.w, b.smooth, m));

  SyntheticImage slid = img;  // the probe slid along the needle, as in the test above
  const Vec2 delta = 0.6 * needle_dir(corner_needle(0));
  slid.x0_mm += delta.x();
  slid.z0_mm += delta.y();
  OneFrame c;
  load(c, slid, corner_needle(0.6));
  CHECK_FALSE(recent.slides(c.w, c.smooth, shaft_of(c, corner_needle(0.6))));
}

TEST_CASE("a slow insertion slides over several frames", "[axial]") {
  // 0.1 mm per frame (3 mm/s at 30 frames/s): less than a slide in one frame, enough over
  // the frames kept.
  SyntheticImage img;
  img.seed = 7;
  RecentFrames recent;
  OneFrame f;
  for (int k = 0; k < 8; ++k) {
    load(f, img, moving_needle(0.1 * k, true));
    recent.keep(f.w, f.smooth);
  }
  const SyntheticNeedle now = moving_needle(0.8, true);
  load(f, img, now);
  const Measurement m = shaft_of(f, now);
  const auto per_frame = recent.axial_shift_mm(f.w, f.smooth, m);
  REQUIRE(per_frame);
  CHECK(std::abs(*per_frame - 0.1) < 0.05);
  const auto over_four = recent.axial_shift_mm(f.w, f.smooth, m, 4);
  REQUIRE(over_four);
  CHECK(std::abs(*over_four - 0.4) < 0.05);
  CHECK(recent.slides(f.w, f.smooth, m));
}

TEST_CASE("a faint needle is reported once it slides, not while it rests", "[axial]") {
  // The first 8-10 mm of a rough shaft between two tendon layers, whose echo alone is below
  // the confidence floor (significance 2.6-3.5 in every frame: the layers' edges widen the
  // null), pushed 0.6 mm per frame through still tissue: a needle being moved. The same
  // shaft at rest is not reported. The brightness is chosen here so that every frame's
  // significance lands in that band (a stronger shaft would be reported without its
  // motion, a weaker one would not be tested for it).
  SyntheticImage img;
  img.seed = 8;
  constexpr int kFrames = 3;
  constexpr double kStepMm = 0.6, kFirstAdvanceMm = -14;  // from long_needle: ~8 mm in view
  auto needle = [](int k, double brightness) {
    SyntheticNeedle n = long_needle(+1);
    n.tip_mm += (kFirstAdvanceMm + kStepMm * k) * needle_dir(n);
    n.brightness = brightness;
    n.dims = {{1.5, 1.2, -12}, {4, 1.0, -12}, {6.5, 1.5, -12}};
    n.layers = {{1.0, 2.0, 6}, {-3.0, 1.5, 6}};
    return n;
  };
  std::optional<double> brightness;
  for (double b : {10.0, 15.0, 20.0, 25.0}) {
    bool in_band = true;
    for (int k = 0; k < kFrames && in_band; ++k) {
      const SyntheticNeedle n = needle(k, b);
      OneFrame f;
      load(f, img, n);
      auto m = measure_shaft(f.w, f.smooth, Line{n.tip_mm, needle_dir(n)}, Settings{});
      in_band = m && judge_shaft(f.w, *m) && m->significance >= kSlidingSignificanceNone + 0.1 &&
                confidence_of(m->significance) == 0;
    }
    if (in_band) {
      brightness = b;
      break;
    }
  }
  REQUIRE(brightness);
  for (const bool moving : {false, true}) {
    INFO((moving ? "pushed" : "at rest") << ", brightness " << *brightness);
    Guidance g(Method::hough, Settings{});
    NeedleFrame out;
    for (int k = 0; k < kFrames; ++k)
      g.process(*make_image(img, needle(moving ? k : kFrames - 1, *brightness)), out);
    CHECK(out.detected == moving);
    if (moving) {
      const SyntheticNeedle n = needle(kFrames - 1, *brightness);
      // On the needle's line, not on a layer's (where along it the tip of so faint a shaft is
      // placed is the tip search's business: here up to 4 mm short).
      CHECK(std::abs(out.angle_deg - n.angle_deg) < 2);
      const Line reported{
          Vec2(out.tip_mm[0], out.tip_mm[1]),
          Vec2(out.tip_mm[0] - out.shaft_start_mm[0], out.tip_mm[1] - out.shaft_start_mm[1])
              .normalized()};
      CHECK(reported.distance_mm(n.tip_mm) < 0.5);
      CHECK(out.confidence > 0);
    }
  }
}

TEST_CASE("a tip placed on still tissue ahead of an advancing needle goes back to it", "[axial]") {
  // A bright structure fixed in the tissue just ahead of the tip, on the needle's line (a
  // boundary it is about to cross), extends the shaft's bright run: the tip search places
  // the tip at its far end. The needle advanced 1 mm since the frame before; the structure
  // did not, so the slide ends at the needle's tip.
  SyntheticImage img;
  img.seed = static_cast<uint64_t>(GENERATE(3, 4, 5));
  constexpr double kAdvanceMm = 1.0, kAheadFromMm = 0.5, kAheadMm = 2.0;
  auto needle = [&](double advance_mm) {
    SyntheticNeedle n = moving_needle(advance_mm, true);
    // The structure's place is fixed in the tissue: relative to the tip it comes nearer.
    n.ahead_from_mm = kAheadFromMm + kAdvanceMm - advance_mm;
    n.ahead_mm = kAheadMm;
    n.ahead_brightness = 70;
    return n;
  };
  const SyntheticNeedle before = needle(0), after = needle(kAdvanceMm);
  OneFrame a, b;
  load(a, img, before);
  load(b, img, after);
  const Measurement m = shaft_of(b, after);
  const double true_tip_s = m.line.along_mm(after.tip_mm);
  INFO("seed " << img.seed << ", tip measured " << m.line.along_mm(m.tip_mm) - true_tip_s
               << " mm beyond the true one");
  REQUIRE(m.line.along_mm(m.tip_mm) - true_tip_s > 2);  // on the structure
  RecentFrames recent;
  recent.keep(a.w, a.smooth);
  const auto tip_s = recent.tip_behind_still_tissue_mm(b.w, b.smooth, m, 60);
  REQUIRE(tip_s);
  CHECK(std::abs(*tip_s - true_tip_s) < 0.5);
  // At rest (the same image before), nothing moved: the tip stays where the search put it.
  RecentFrames at_rest;
  OneFrame same;
  load(same, img, after);
  at_rest.keep(same.w, same.smooth);
  CHECK_FALSE(at_rest.tip_behind_still_tissue_mm(b.w, b.smooth, m, 60));
}
