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
// The axial shift's noise (one sigma, mm per frame): 0.1-0.15 mm on the simulated hip and
// knee (axial_motion.hpp); and its gate against the predicted speed (chi-square, 1 degree
// of freedom, 99.9 %).
constexpr double kShiftNoiseMm = 0.15;
constexpr double kShiftGate = 10.83;
// A tip measured this far short of the prediction, while the axial shift is known, is
// censored: the needle reaches at least that far, and the tip is not pulled back. Only a
// tip that kCensorSupport readings agreed with (within kCensorMm) since the track started
// or its tip last jumped is trusted so (knee replays: a tip once placed 3-7 mm ahead at a
// tissue boundary held off the true one behind it for 20-40 frames).
constexpr double kCensorMm = 1.0;
constexpr int kCensorSupport = 3;

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
  x_ << z, m.axial_shift_mm.value_or(0);
  const double angle_noise = angle_noise_rad(m);
  const double speed_var = m.axial_shift_mm ? kShiftNoiseMm * kShiftNoiseMm : 1.0;
  p_ = Eigen::Vector4d(angle_noise * angle_noise, kOffsetNoiseMm * kOffsetNoiseMm,
                       kTipNoiseMm * kTipNoiseMm, speed_var)
           .asDiagonal();
  shaft_start_ = m.shaft_start_mm;
  confidence_ = m.confidence;
  alive_ = true;
  // A shaft seen sliding through still tissue needs no second frame to rule out speckle.
  confirmed_ = m.slides;
  coasted_ = rejected_in_row_ = 0;
  retreated_ = false;
  tip_support_ = 0;
}

void Tracker::update_with(const Measurement& m, const Eigen::Vector3d& y_line_tip) {
  // Rows measured this frame: angle and offset always; the tip unless it is censored; the
  // tip's speed when the shaft's echo pattern gave the axial shift (axial_motion.hpp).
  const std::optional<double> shift = m.axial_shift_mm;
  const double y_speed = shift ? *shift - x_(3) : 0;
  // A shift far from the predicted speed is a mismatch of the pattern, not a jolt.
  const bool use_speed =
      shift && y_speed * y_speed <= kShiftGate * (p_(3, 3) + kShiftNoiseMm * kShiftNoiseMm);
  // A tip measured well short while the pattern says where the needle went: the end of
  // the shaft fell dim (a rough shaft, bone behind it) or left the plane; the needle is
  // at least as far as measured, and the prediction knows better where.
  const bool censored = use_speed && tip_support_ >= kCensorSupport && y_line_tip(2) < -kCensorMm;
  int rows[4], n = 0;
  rows[n++] = 0;
  rows[n++] = 1;
  if (!censored) rows[n++] = 2;
  if (use_speed) rows[n++] = 3;
  const double angle_noise = angle_noise_rad(m);
  const double noise[4] = {angle_noise * angle_noise, kOffsetNoiseMm * kOffsetNoiseMm,
                           kTipNoiseMm * kTipNoiseMm, kShiftNoiseMm * kShiftNoiseMm};
  Eigen::MatrixXd h = Eigen::MatrixXd::Zero(n, 4), r = Eigen::MatrixXd::Zero(n, n);
  Eigen::VectorXd y(n);
  for (int i = 0; i < n; ++i) {
    h(i, rows[i]) = 1;
    r(i, i) = noise[rows[i]];
    y(i) = rows[i] < 3 ? y_line_tip(rows[i]) : y_speed;
  }
  const Eigen::MatrixXd s = h * p_ * h.transpose() + r;
  const Eigen::MatrixXd k = p_ * h.transpose() * s.inverse();
  x_ += k * y;
  p_ = (Mat4::Identity() - k * h) * p_;
  // A jump of the tip (ahead, or back when not censored) is taken as it is measured; the
  // speed is then the shift's, or unknown. A reading within kCensorMm supports the tip.
  if (!censored && std::abs(y_line_tip(2)) > kTipJumpMm) {
    x_(2) = measure_vector(m)(2);
    x_(3) = use_speed ? *shift : 0;
    tip_support_ = 0;
  } else if (!censored && std::abs(y_line_tip(2)) <= kCensorMm) {
    ++tip_support_;
  }
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
    const Eigen::Vector3d z = measure_vector(*m);
    Eigen::Vector3d y = z - x_.head<3>();
    y(0) = wrap_pi(y(0));
    const double angle_noise = angle_noise_rad(*m);
    // Angle and offset gate the association; the tip along the shaft may jump (a tip
    // leaving the plane, a fast push) without it being another needle.
    const Eigen::Matrix2d s_line =
        p_.topLeftCorner<2, 2>() +
        Eigen::Vector2d(angle_noise * angle_noise, kOffsetNoiseMm * kOffsetNoiseMm)
            .asDiagonal()
            .toDenseMatrix();
    const double d2_line = y.head<2>().dot(s_line.inverse() * y.head<2>());
    if (d2_line <= kGate) {
      accepted = true;
      if (y(2) < -kRetreatMm && x_(3) >= 0) retreated_ = true;
      update_with(*m, y);
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

std::optional<Line> Tracker::line() const {
  if (!alive_ || !confirmed_) return std::nullopt;
  return output(false).line;
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
