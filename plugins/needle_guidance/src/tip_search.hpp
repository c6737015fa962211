// The shaft profile along a candidate line: where the sustained bright ridge starts and
// ends (shaft start and tip, sub-pixel), how bright it is over the background on both
// sides (in units of the background's own variation), and whether it fades towards the
// tip. Both detectors decide "needle or not" and place the tip with this same code.
#pragma once

#include <optional>

#include "needle_types.hpp"
#include "work_image.hpp"

namespace sonoflow::needle {

// Confidence from contrast and length (both saturate): shared so that tests and README
// state one rule.
double confidence_of(double significance, double length_mm, const Settings& s);

// The shaft along `line` in `smooth` (the work image lightly smoothed, same geometry as
// w.grey). nullopt when no bright run of at least settings.min_shaft_mm lies on it.
std::optional<Measurement> measure_shaft(const WorkImage& w, const cv::Mat& smooth, const Line& line,
                                         const Settings& s);

// The light smoothing measure_shaft expects (speckle-scale Gaussian), into ws.smooth.
const cv::Mat& smooth_for_profile(const WorkImage& w, Workspace& ws);

}  // namespace sonoflow::needle
