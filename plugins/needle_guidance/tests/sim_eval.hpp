// The accuracy harness: replays a recording of images from the simulated chain (sim_probe
// -> das_beamformer -> bmode [-> scan_convert] -> recorder) through Guidance and compares
// every NeedleFrame with the simulator's NeedleTruth. Evaluation code: it reads `truth`,
// the detectors never do.
#pragma once

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "guidance.hpp"

namespace sonoflow::needle::test {

struct EvalStats {
  size_t frames = 0;
  size_t needle_frames = 0;     // in plane, at least min_shaft_mm of shaft inside the image
  size_t detected = 0;          // of needle_frames
  size_t free_frames = 0;       // no needle inside the image
  size_t false_detections = 0;  // of free_frames
  size_t out_of_plane_frames = 0, warned = 0;         // tip out of the slice, and flagged
  std::vector<double> tip_error_mm, angle_error_deg;  // detected needle_frames
  // The tip error's component along the true shaft (+: beyond the true tip): a bias shows
  // in its median, a tip placed short in its low tail.
  std::vector<double> tip_along_mm;
  std::vector<double> process_ms;
  // Needle frames and detections by shaft length in view (5 mm bins, keyed by the bin's
  // start) and by insertion angle (whole degrees): where detection is lost.
  struct Count {
    size_t frames = 0, detected = 0;
  };
  std::map<int, Count> by_view_mm, by_angle_deg;
  double median(const std::vector<double>& v) const;
  double quantile(const std::vector<double>& v, double q) const;
  std::string summary() const;
  // Lines of the breakdown above (detection by shaft in view and by angle, the signed tip
  // error along the shaft).
  std::string breakdown() const;
  // Adds another recording's figures (for a pooled line).
  void add(const EvalStats& o);
};

// Tip offsets from the slice beyond this count as out of plane (the elevation beam's
// half-width at the needle's depths is about a millimetre).
constexpr double kInPlaneMm = 0.5;

// With `dump`, one line per image frame goes there: the NeedleFrame's and the best
// measurement's figures at full precision, so that two builds can be diffed frame by frame
// (a speed change must not change what is detected).
EvalStats evaluate(const std::filesystem::path& recording, Method method, const Settings& settings,
                   std::FILE* dump = nullptr);

}  // namespace sonoflow::needle::test
