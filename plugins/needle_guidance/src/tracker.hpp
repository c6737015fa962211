// Temporal tracking of the needle with a Kalman filter (Eigen). State: shaft angle
// (rad), the shaft's signed offset from a reference point (mm), the tip's position along
// the shaft (mm) and its speed (mm/frame): a needle is advanced or withdrawn along its own
// axis while the hand tilts and shifts it slowly. Measurements are gated (Mahalanobis
// distance). When the shaft's axial shift since the last frame is known
// (axial_motion.hpp) it measures the tip's speed, and a tip read well short of the
// prediction is then a lower bound only (the shaft's end fell dim). A new track is
// confirmed by a second consistent measurement (within two frames of its first) before it
// is reported, so single-frame speckle lines are not, unless its first slides along itself
// through still tissue; on a brief loss the track coasts on its prediction for a few frames
// (reported with measured = false) and picks the needle up again when it comes back
// within the gate.
#pragma once

#include <Eigen/Core>
#include <optional>

#include "needle_types.hpp"

namespace sonoflow::needle {

struct TrackOutput {
  bool detected = false;  // a confirmed track reports a needle this frame
  bool measured = false;  // ... updated by this frame's measurement
  Line line;              // point = shaft start
  Vec2 tip_mm{0, 0};
  Vec2 shaft_start_mm{0, 0};
  double confidence = 0;
  int coasted_frames = 0;
  // The measured tip jumped back along the shaft against the track's motion: with the
  // shaft still seen, the tip has probably left the imaging plane.
  bool tip_retreated = false;
};

class Tracker {
 public:
  explicit Tracker(int max_coast_frames = 5) : max_coast_frames_(max_coast_frames) {}
  void set_max_coast_frames(int n) { max_coast_frames_ = n; }
  void reset();

  // One frame: the measurement (nullopt when none was accepted by the detector).
  TrackOutput update(const std::optional<Measurement>& m);

  bool tracking() const { return alive_; }
  // The shaft line of a confirmed track as it stands (point: the shaft start); nullopt
  // without one.
  std::optional<Line> line() const;

 private:
  using Vec4 = Eigen::Vector4d;
  using Mat4 = Eigen::Matrix4d;
  Eigen::Vector3d measure_vector(const Measurement& m) const;
  void start(const Measurement& m);
  // The Kalman update by an accepted measurement; y_line_tip: its innovation in angle,
  // offset and tip position.
  void update_with(const Measurement& m, const Eigen::Vector3d& y_line_tip);
  TrackOutput output(bool measured) const;

  int max_coast_frames_;
  bool alive_ = false, confirmed_ = false;
  Vec2 ref_{0, 0};  // reference point for the offset (the first tip: decorrelates angle and offset)
  Vec4 x_ = Vec4::Zero();
  Mat4 p_ = Mat4::Identity();
  Vec2 shaft_start_{0, 0};
  double confidence_ = 0;
  int coasted_ = 0;
  int rejected_in_row_ = 0;
  bool retreated_ = false;
  int tip_support_ = 0;  // tip measurements that agreed with the state since start or a jump
};

}  // namespace sonoflow::needle
