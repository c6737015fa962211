// The overlay image: the input image (grey turned BGR, or BGR as it is) with the guidance
// drawn into it by OpenCV — ROI box, shaft, tip marker, dashed trajectory, target cross,
// injectate outline (when a monitor filled it), distance/angle/miss text and warnings.
// Drawn at the input's own resolution; line widths and text scale with the image size.
#pragma once

#include <memory>

#include "needle_types.hpp"
#include "sonoflow/frames.hpp"

namespace sonoflow::needle {

struct DrawOptions {
  bool trajectory = true;
  bool text = true;
  bool roi = false;
  std::optional<BoxMm> roi_box;
};

// A new overlay frame with `image`'s geometry (not its header: the caller sets that).
std::shared_ptr<OverlayFrame> draw_overlay(const Raster& image, const NeedleFrame& needle,
                                           const DrawOptions& options);

}  // namespace sonoflow::needle
