// Is a bright straight stretch a needle, or one of the many bright stretches any B-mode
// image holds? Judged against the image itself: the same contrast measured on every
// parallel stretch of the same length elsewhere in the image is the null distribution.
// Both functions sample the same grid, so the contrast is the same number in both.
#pragma once

#include <optional>

#include "needle_types.hpp"
#include "work_image.hpp"

namespace sonoflow::needle {

// The stretch of `line` from s_from_mm to s_to_mm (mm along it) in w.grey: its mean
// brightness over the brighter of its two sides, in grey levels. A needle is brighter than
// the tissue on both of its sides; a step edge (a bright layer over a dark one) only than
// one. nullopt when the stretch or two background lines on a side are not imaged.
std::optional<double> shaft_contrast(const WorkImage& w, const Line& line, double s_from_mm,
                                     double s_to_mm);

// That contrast in robust standard deviations above the median of the same measure on every
// parallel stretch of the same length elsewhere in the image (the null). It samples ±20 mm
// of parallel lines, tens of thousands of samples: shaft_contrast first. nullopt when too
// few null stretches can be measured (little imaged tissue around the line).
std::optional<double> shaft_significance(const WorkImage& w, const Line& line, double s_from_mm,
                                         double s_to_mm);

}  // namespace sonoflow::needle
