// Is a bright straight stretch a needle, or one of the many bright stretches any B-mode
// image holds? Judged against the image itself: the same contrast measured on every
// parallel stretch of the same length elsewhere in the image is the null distribution.
#pragma once

#include <optional>

#include "needle_types.hpp"
#include "work_image.hpp"

namespace sonoflow::needle {

struct Significance {
  // Mean brightness along the stretch over the brighter of its two sides (grey levels of
  // w.grey): a needle is brighter than the tissue on both of its sides; a step edge (a
  // bright layer over a dark one) only than one.
  double contrast = 0;
  // That contrast in robust standard deviations above the median of the same measure on
  // the parallel stretches (the null).
  double z = 0;
};

// The stretch of `line` from s_from_mm to s_to_mm in w.grey. nullopt when its own
// contrast or too few null stretches can be measured (little imaged tissue around it).
std::optional<Significance> shaft_significance(const WorkImage& w, const Line& line,
                                               double s_from_mm, double s_to_mm);

}  // namespace sonoflow::needle
