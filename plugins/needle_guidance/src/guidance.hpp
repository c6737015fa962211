// Needle guidance for one image stream, framework-free: detect (with a chosen method),
// measure the shaft, track, then the guidance geometry (trajectory beyond the tip to the
// image border, tip-to-target distance, predicted miss) and the warnings, written into a
// NeedleFrame. The two node types differ only in the Method they give.
#pragma once

#include <functional>

#include "axial_motion.hpp"
#include "line_fit.hpp"
#include "sonoflow/frames.hpp"
#include "tracker.hpp"
#include "work_image.hpp"

namespace sonoflow::needle {

enum class Method { hough, ransac };

// Where the ray from `from` along `dir` leaves the box (from is inside or on it).
Vec2 ray_exit(const Vec2& from, const Vec2& dir, const BoxMm& box);
// Closest approach of the ray from `tip` along `dir` to `target`: the perpendicular
// distance if the target lies ahead, the distance to the tip if it lies behind.
double predicted_miss_mm(const Vec2& tip, const Vec2& dir, const Vec2& target);

class Guidance {
 public:
  Guidance(Method method, Settings settings);
  void set_settings(const Settings& s);
  const Settings& settings() const { return settings_; }

  // Detects, tracks and fills the needle part of `out` for `image` (header/truth are the
  // caller's). Throws std::invalid_argument for images it cannot measure on.
  void process(const Raster& image, NeedleFrame& out);

  // The best measurement of the last image (before tracking), for tests and tools.
  const std::optional<Measurement>& last_measurement() const { return last_; }

 private:
  std::optional<Measurement> measure(const WorkImage& w);

  Method method_;
  Settings settings_;
  // Per-frame images kept between frames (see Workspace). Not copied with the Guidance:
  // each copy fills its own.
  struct OwnWorkspace : Workspace {
    OwnWorkspace() = default;
    OwnWorkspace(const OwnWorkspace&) {}
    OwnWorkspace& operator=(const OwnWorkspace&) { return *this; }
  } workspace_;
  RecentFrames recent_;  // the last images, for the needle's axial motion
  Tracker tracker_;
  std::optional<Measurement> last_;
};

}  // namespace sonoflow::needle
