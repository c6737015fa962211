// The shaft profile along a candidate line: where the sustained bright ridge starts and
// ends (shaft start and tip, sub-pixel), how bright it is over the background on both
// sides (in units of the background's own variation), and whether it fades towards the
// tip. Both detectors decide "needle or not" and place the tip with this same code.
#pragma once

#include <optional>

#include "needle_types.hpp"
#include "work_image.hpp"

namespace sonoflow::needle {

// Confidence from the shaft's significance (saturating): shared so that tests and README
// state one rule. A shaft taken as a needle because it slides along itself through still
// tissue (axial_motion.hpp) gets `sliding`: its confidence counts from
// kSlidingSignificanceNone, the significance from which its motion is tested.
double confidence_of(double significance, bool sliding = false);
// At the top of what the best tissue line of a needle-free image reaches (2.0-2.7): below
// it, even a sliding line is not taken as a needle's echo.
constexpr double kSlidingSignificanceNone = 2.5;

// A B-mode grey scale is logarithmic (dynamic_range_db over 255 levels): the grey level
// over the background at which an echo `level_grey` over it has fallen to half its
// amplitude. A blurred shaft's end falls to half its amplitude at the tip.
double half_amplitude_grey(double level_grey, double dynamic_range_db);

// The shaft along `line` in `smooth` (the work image lightly smoothed, same geometry as
// w.grey), with its contrast but not yet its significance (judge_shaft). nullopt when no
// bright run of at least settings.min_shaft_mm lies on it, or one that is no brighter
// than its surroundings.
std::optional<Measurement> measure_shaft(const WorkImage& w, const cv::Mat& smooth, const Line& line,
                                         const Settings& s);

// The brightest straight path through a measured shaft near its line (a small angle and
// offset search about the shaft's middle): measure_shaft on it gives the final shaft.
// nullopt when that path runs outside the settings' angle range or sides: the stretch is
// then part of another structure, no needle.
std::optional<Line> polish_line(const WorkImage& w, const cv::Mat& smooth, const Measurement& m,
                                const Settings& s);

// Significance and confidence of a measured shaft (significance.hpp: the costly part,
// so a caller judges the most promising shafts first). false when it cannot be judged.
bool judge_shaft(const WorkImage& w, Measurement& m);

// The light smoothing measure_shaft expects (speckle-scale Gaussian), into ws.smooth.
const cv::Mat& smooth_for_profile(const WorkImage& w, Workspace& ws);

}  // namespace sonoflow::needle
