// Test helpers: truths and reports built from known values (a "fake detector": numbers
// chosen by the test, never derived from a detector), so every expected figure is exact.
#pragma once

#include <cmath>
#include <memory>
#include <numbers>

#include "sonoflow/frames.hpp"

namespace sonoflow::needle_eval::test {

// A needle at `angle_deg` entering from the right at (entry_x, 0), tip `inserted_mm` in.
inline NeedleTruth straight_truth(double entry_x_mm, double angle_deg, double inserted_mm) {
  NeedleTruth t;
  t.needle_present = true;
  const double a = angle_deg * std::numbers::pi / 180;
  t.entry_mm = {entry_x_mm, 0, 0};
  t.tip_mm = {entry_x_mm - inserted_mm * std::cos(a), 0, inserted_mm * std::sin(a)};
  t.shaft_angle_deg = angle_deg;
  // The target lies further along the same line: the straight insertion's true miss is 0.
  t.target_mm = {entry_x_mm - 2 * inserted_mm * std::cos(a), 2 * inserted_mm * std::sin(a)};
  return t;
}

// What a detector would report: the tip moved by (dx, dz), the angle by d_angle.
inline NeedleFrame report(const NeedleTruth& t, double dx_mm, double dz_mm, double d_angle_deg,
                          double confidence = 0.9) {
  NeedleFrame n;
  n.detected = n.measured = true;
  n.confidence = confidence;
  n.tip_mm = {t.tip_mm[0] + dx_mm, t.tip_mm[2] + dz_mm};
  n.angle_deg = t.shaft_angle_deg + d_angle_deg;
  return n;
}

}  // namespace sonoflow::needle_eval::test
