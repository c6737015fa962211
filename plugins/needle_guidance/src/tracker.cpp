#include "tracker.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numbers>

namespace sonoflow::needle {

namespace {

constexpr double kRadPerDeg = std::numbers::pi / 180;
// Measurement noise (one sigma): angle, offset, tip along the shaft. A shaft's angle is
// only as good as its length allows: its ends are placed to about kEndNoiseMm across, so a
// short shaft turns by up to atan(kEndNoiseMm / half its length) (5-6 mm of a 50 deg knee
// needle just under the skin measured 41-60 deg in consecutive frames, and a fixed 0.6 deg
// gated the track out again and again while the tip stayed within 0.5 mm).
constexpr double kAngleNoiseRad = 0.6 * kRadPerDeg;
constexpr double kEndNoiseMm = 0.15;
constexpr double kOffsetNoiseMm = 0.2;
constexpr double kTipNoiseMm = 0.35;
// Process noise per frame: hand tilt, shift, and change of insertion speed.
constexpr double kAngleDriftRad = 0.4 * kRadPerDeg;
constexpr double kOffsetDriftMm = 0.25;
constexpr double kTipAccelMm = 0.3;
// Gate: chi-square with 3 degrees of freedom at 99.9 %.
constexpr double kGate = 16.27;
// Consecutive measurements outside the gate before the track restarts on them (the
// needle was re-inserted elsewhere, or the track was wrong).
constexpr int kRestartAfterRejections = 3;
// A new track is confirmed by a second consistent measurement within this many frames
// without one after its first (two of three frames): a short shaft early in an insertion
// is often confident in every other frame only, and each miss had dropped the track
// (replays: +0.9 points of hip detection, +0.1 of knee, no needle-free frame detected).
// A missed frame in between does not make a static line more likely to be confirmed: it
// needs two confident measurements in the gate either way.
constexpr int kUnconfirmedCoastFrames = 1;
// Confidence decays per coasted frame.
constexpr double kCoastDecay = 0.8;
// A tip this far short of the prediction (while the shaft agrees) counts as retreating.
constexpr double kRetreatMm = 1.5;
// A tip innovation beyond this is a jump, not noise: the state takes it as measured.
constexpr double kTipJumpMm = 3.0;

double wrap_pi(double a) {
  while (a > std::numbers::pi / 2) a -= std::numbers::pi;
  while (a < -std::numbers::pi / 2) a += std::numbers::pi;
  return a;
}

double angle_noise_rad(const Measurement& m) {
  return std::max(kAngleNoiseRad, std::atan(kEndNoiseMm / std::max(0.5 * m.length_mm, 1e-3)));
}

}  // namespace

void Tracker::reset() {
  alive_ = confirmed_ = false;
  coasted_ = rejected_in_row_ = 0;
}

Eigen::Vector3d Tracker::measure_vector(const Measurement& m) const {
  const double angle = std::atan2(m.line.dir.y(), m.line.dir.x());
  const Vec2 normal(-std::sin(angle), std::cos(angle)), dir(std::cos(angle), std::sin(angle));
  return {angle, normal.dot(m.tip_mm - ref_), dir.dot(m.tip_mm - ref_)};
}

void Tracker::start(const Measurement& m) {
  ref_ = m.tip_mm;
  const Eigen::Vector3d z = measure_vector(m);
  x_ << z, 0;
  const double angle_noise = angle_noise_rad(m);
  p_ = Eigen::Vector4d(angle_noise * angle_noise, kOffsetNoiseMm * kOffsetNoiseMm,
                       kTipNoiseMm * kTipNoiseMm, 1.0)
           .asDiagonal();
  shaft_start_ = m.shaft_start_mm;
  confidence_ = m.confidence;
  alive_ = true;
  confirmed_ = false;
  coasted_ = rejected_in_row_ = 0;
  retreated_ = false;
}

TrackOutput Tracker::update(const std::optional<Measurement>& m) {
  retreated_ = false;
  if (!alive_) {
    if (m) start(*m);
    return output(m.has_value());
  }
  // Predict: the tip moves along the shaft at its speed.
  Mat4 f = Mat4::Identity();
  f(2, 3) = 1;
  Mat4 q = Mat4::Zero();
  q(0, 0) = kAngleDriftRad * kAngleDriftRad;
  q(1, 1) = kOffsetDriftMm * kOffsetDriftMm;
  const Eigen::Vector2d g(0.5, 1.0);  // white-noise acceleration on (position, speed)
  q.block<2, 2>(2, 2) = kTipAccelMm * kTipAccelMm * g * g.transpose();
  x_ = f * x_;
  p_ = f * p_ * f.transpose() + q;

  bool accepted = false;
  if (m) {
    Eigen::Matrix<double, 3, 4> h = Eigen::Matrix<double, 3, 4>::Zero();
    h.leftCols<3>().setIdentity();
    const double angle_noise = angle_noise_rad(*m);
    const Eigen::Vector3d r_diag(angle_noise * angle_noise, kOffsetNoiseMm * kOffsetNoiseMm,
                                 kTipNoiseMm * kTipNoiseMm);
    Eigen::Vector3d y = measure_vector(*m) - h * x_;
    y(0) = wrap_pi(y(0));
    const Eigen::Matrix3d s = h * p_ * h.transpose() + Eigen::Matrix3d(r_diag.asDiagonal());
    // Angle and offset gate the association; the tip along the shaft may jump (a tip
    // leaving the plane, a fast push) without it being another needle.
    const Eigen::Matrix2d s_line = s.topLeftCorner<2, 2>();
    const double d2_line = y.head<2>().dot(s_line.inverse() * y.head<2>());
    if (d2_line <= kGate) {
      accepted = true;
      if (y(2) < -kRetreatMm && x_(3) >= 0) retreated_ = true;
      const Eigen::Matrix<double, 4, 3> k = p_ * h.transpose() * s.inverse();
      x_ += k * y;
      p_ = (Mat4::Identity() - k * h) * p_;
      // A jump of the tip is taken as it is measured, without the speed following it.
      if (std::abs(y(2)) > kTipJumpMm) {
        x_(2) = measure_vector(*m)(2);
        x_(3) = 0;
      }
      shaft_start_ = m->shaft_start_mm;
      confirmed_ = true;
      confidence_ = m->confidence;
      coasted_ = 0;
      rejected_in_row_ = 0;
    } else if (++rejected_in_row_ >= kRestartAfterRejections) {
      start(*m);
      return output(true);
    }
  }
  if (!accepted) {
    // An unconfirmed track survives kUnconfirmedCoastFrames without a measurement (not
    // reported), one outside its gate not at all.
    if (++coasted_ > (confirmed_ ? max_coast_frames_ : (m ? 0 : kUnconfirmedCoastFrames))) {
      // An unconfirmed track, or one coasted too long, is dropped.
      const bool had_measurement = m.has_value();
      alive_ = false;
      if (had_measurement) start(*m);
      TrackOutput none;
      none.detected = false;
      return none;
    }
    confidence_ *= kCoastDecay;
  }
  return output(accepted);
}

TrackOutput Tracker::output(bool measured) const {
  TrackOutput o;
  if (!alive_) return o;
  o.detected = confirmed_;
  o.measured = measured && confirmed_;
  const double angle = x_(0);
  const Vec2 dir(std::cos(angle), std::sin(angle)), normal(-std::sin(angle), std::cos(angle));
  o.tip_mm = ref_ + x_(1) * normal + x_(2) * dir;
  // The shaft start is not part of the state: keep the measured one, moved onto the line.
  o.shaft_start_mm = o.tip_mm + dir.dot(shaft_start_ - o.tip_mm) * dir;
  o.line = {o.shaft_start_mm, dir};
  o.confidence = o.detected ? confidence_ : 0;
  o.coasted_frames = coasted_;
  o.tip_retreated = retreated_;
  return o;
}

}  // namespace sonoflow::needle
