// The definitions of needle_eval's figures on inputs whose answers are known exactly.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "needle_metrics.hpp"

using namespace sonoflow;
using namespace sonoflow::needle_eval;
using namespace sonoflow::needle_eval::test;

TEST_CASE("quantile interpolates between closest ranks (type 7)", "[metrics]") {
  CHECK(quantile({5, 1, 4, 2, 3}, 0.5) == 3);
  CHECK(quantile({5, 1, 4, 2, 3}, 0.95) == Approx(4.8));  // h = 3.8: 4 + 0.8 * (5 - 4)
  CHECK(quantile({4, 1, 3, 2}, 0.5) == 2.5);
  CHECK(quantile({7}, 0.95) == 7);
  std::vector<double> ramp;
  for (int i = 0; i <= 100; ++i) ramp.push_back(100 - i);
  CHECK(quantile(ramp, 0.95) == Approx(95));
  CHECK_THROWS_AS(quantile({}, 0.5), std::invalid_argument);
}

TEST_CASE("visible shaft: the part of entry-tip inside the field of view", "[metrics]") {
  // Default field of view: z >= 0, x unbounded.
  CHECK(visible_length_mm({10, 0}, {4, 8}, {}) == Approx(10));
  // A 40 mm wide box: the 3-4-5 shaft from x = 30 enters at x = 20, 6 of its 8 mm of x.
  CHECK(visible_length_mm({30, 0}, {22, 6}, {-20, 20, 0, 40}) == Approx(0));
  CHECK(visible_length_mm({28, 0}, {12, 12}, {-20, 20, 0, 40}) == Approx(10));
  // Both ends out, the middle through the box.
  CHECK(visible_length_mm({-30, 5}, {30, 5}, {-20, 20, 0, 40}) == Approx(40));
  // Parallel to an axis and outside it.
  CHECK(visible_length_mm({0, 50}, {10, 50}, {-20, 20, 0, 40}) == 0);
}

TEST_CASE("distance from the target to the shaft line", "[metrics]") {
  CHECK(distance_to_line_mm({-10, 10}, {0, 0}, {-5, 5}) == Approx(0).margin(1e-12));
  CHECK(distance_to_line_mm({0, 3}, {-1, 0}, {1, 0}) == Approx(3));
  CHECK(distance_to_line_mm({3, 4}, {0, 0}, {0, 0}) == Approx(5));
}

TEST_CASE("frame classes: in-plane, needle-free, other, no truth", "[metrics]") {
  const Criteria c;  // 0.5 mm slice, 5 mm of shaft
  const auto t = straight_truth(20, 30, 20);
  const auto n = report(t, 0, 0, 0);
  CHECK(evaluate(n, &t, c).frame_class == FrameClass::in_plane);
  CHECK(evaluate(n, nullptr, c).frame_class == FrameClass::no_truth);

  NeedleTruth none;
  CHECK(evaluate(n, &none, c).frame_class == FrameClass::needle_free);

  auto off_plane = t;
  off_plane.in_plane_offset_mm = -0.6;
  CHECK(evaluate(n, &off_plane, c).frame_class == FrameClass::other);
  off_plane.in_plane_offset_mm = 0.5;  // the tolerance is inclusive
  CHECK(evaluate(n, &off_plane, c).frame_class == FrameClass::in_plane);

  const auto shallow = straight_truth(20, 30, 4.9);
  CHECK(evaluate(n, &shallow, c).frame_class == FrameClass::other);
  Criteria narrow = c;
  narrow.field_of_view_mm = {-19, 19, 0, 40};  // the shaft starts at x = 20: 1.2 of its 6 mm cut off
  const auto just_in = straight_truth(20, 30, 6);
  CHECK(evaluate(n, &just_in, narrow).frame_class == FrameClass::other);
  CHECK(evaluate(n, &just_in, c).frame_class == FrameClass::in_plane);
}

TEST_CASE("tip and angle errors on detected in-plane frames only", "[metrics]") {
  const Criteria c;
  const auto t = straight_truth(20, 30, 20);
  const auto e = evaluate(report(t, 0.3, -0.4, -1.5), &t, c);
  REQUIRE(e.tip_error_mm);
  CHECK(*e.tip_error_mm == Approx(0.5));
  CHECK(*e.angle_error_deg == Approx(1.5));
  CHECK_FALSE(e.flagged);
  CHECK_FALSE(e.wild);

  NeedleFrame missed;
  const auto m = evaluate(missed, &t, c);
  CHECK_FALSE(m.tip_error_mm);
  CHECK(m.flagged);

  NeedleTruth none;
  CHECK_FALSE(evaluate(report(t, 0, 0, 0), &none, c).tip_error_mm);
}

TEST_CASE("flagged and wild reports", "[metrics]") {
  const Criteria c;  // flag below 0.5 confidence; wild beyond 3 mm or 5 deg
  const auto t = straight_truth(20, 30, 20);
  CHECK(evaluate(report(t, 4, 0, 0), &t, c).wild);
  CHECK(evaluate(report(t, 0, 0, 6), &t, c).wild);
  CHECK_FALSE(evaluate(report(t, 2.9, 0, 4.9), &t, c).wild);
  const auto unsure = evaluate(report(t, 4, 0, 0, 0.4), &t, c);
  CHECK(unsure.flagged);
  CHECK_FALSE(unsure.wild);
  auto warned = report(t, 4, 0, 0);
  warned.out_of_plane_warning = true;
  CHECK(evaluate(warned, &t, c).flagged);
  auto coasting = report(t, 4, 0, 0);
  coasting.measured = false;
  CHECK(evaluate(coasting, &t, c).flagged);
}

TEST_CASE("miss prediction against the true shaft line", "[metrics]") {
  const Criteria c;
  auto t = straight_truth(20, 30, 20);
  auto n = report(t, 0, 0, 0);
  CHECK_FALSE(evaluate(n, &t, c).miss_prediction_error_mm);  // no target reported
  n.has_target = true;
  n.predicted_miss_mm = 0.7;
  CHECK(*evaluate(n, &t, c).miss_prediction_error_mm == Approx(0.7));
  // Tremor moves the whole shaft 0.25 mm across itself: the true miss is 0.25.
  const double a = 30 * std::numbers::pi / 180, nx = -std::sin(a), nz = -std::cos(a);
  for (auto* p : {&t.entry_mm, &t.tip_mm}) (*p)[0] += 0.25 * nx, (*p)[2] += 0.25 * nz;
  CHECK(*evaluate(n, &t, c).miss_prediction_error_mm == Approx(0.45));
  n.predicted_miss_mm = std::nan("");
  CHECK_FALSE(evaluate(n, &t, c).miss_prediction_error_mm);
}

TEST_CASE("injected area against the pocket's section", "[metrics]") {
  const Criteria c;  // pockets from 1 mm radius
  auto t = straight_truth(20, 30, 20);
  t.injecting = true;
  t.fluid_radius_mm = 2;
  auto n = report(t, 0, 0, 0);
  n.injectate_area_mm2 = 1.1 * std::numbers::pi * 4;
  CHECK_FALSE(evaluate(n, &t, c).injected_area_error_pct);  // not monitored
  n.injectate_monitored = true;
  CHECK(*evaluate(n, &t, c).injected_area_error_pct == Approx(10));
  n.detected = false;  // the area does not depend on the needle being found
  CHECK(*evaluate(n, &t, c).injected_area_error_pct == Approx(10));
  t.fluid_radius_mm = 0.9;
  CHECK_FALSE(evaluate(n, &t, c).injected_area_error_pct);
}

TEST_CASE("summary: counts, rates and pooled statistics", "[metrics]") {
  const Criteria c;
  const auto t = straight_truth(20, 30, 20);
  NeedleTruth none;
  std::vector<FrameEval> frames;
  // In plane: tip errors 0.1 .. 0.5 mm, one missed.
  for (int i = 1; i <= 5; ++i) frames.push_back(evaluate(report(t, 0.1 * i, 0, 0.2 * i), &t, c));
  frames.push_back(evaluate(NeedleFrame{}, &t, c));
  // Needle-free: one false detection in four.
  for (int i = 0; i < 3; ++i) frames.push_back(evaluate(NeedleFrame{}, &none, c));
  frames.push_back(evaluate(report(t, 0, 0, 0), &none, c));
  frames.push_back(evaluate(report(t, 0, 0, 0), nullptr, c));

  const Summary s = summarize(frames);
  CHECK(s.frames == 11);
  CHECK(s.frames_without_truth == 1);
  CHECK(s.in_plane_frames == 6);
  CHECK(s.needle_free_frames == 4);
  CHECK(s.detected_in_plane == 5);
  CHECK(*s.detection_rate == Approx(5.0 / 6));
  CHECK(*s.false_detection_rate == Approx(0.25));
  CHECK(*s.flagged_rate == Approx(1.0 / 6));
  CHECK(s.tip_error_mm->count == 5);
  CHECK(s.tip_error_mm->median == Approx(0.3));
  CHECK(s.tip_error_mm->p95 == Approx(0.48));
  CHECK(s.angle_error_deg->median == Approx(0.6));
  CHECK_FALSE(s.injected_area_error_pct);
  CHECK_FALSE(s.miss_prediction_error_mm);

  const Summary empty = summarize({});
  CHECK_FALSE(empty.detection_rate);
  CHECK_FALSE(empty.tip_error_mm);
}
