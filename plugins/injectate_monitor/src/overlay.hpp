// Drawing the injectate into a colour raster: the baseline compartment (thin), the fluid
// outline (cyan while contained, red when leaking), the injected area and the alert.
// Positions go from probe mm to the raster's pixels through its origin and spacing.
#pragma once

#include <opencv2/core.hpp>

#include "monitor.hpp"

namespace sonoflow::injectate {

// `bgr` is CV_8UC3 with geometry g; drawn in place.
void draw(cv::Mat& bgr, const RasterGeometry& g, const Measurement& m);

}  // namespace sonoflow::injectate
