// B-mode processing, framework-free: envelope of a baseband grid, optional depth gain,
// log compression to 8-bit grey. Grey level 255 is the top of the displayed range
// (amplitude 1 after gain, i.e. 0 dB), 0 is dynamic_range_db below it:
//   grey = 255 * (20 log10(|iq| * gain * depth_gain) + dynamic_range_db) / dynamic_range_db,
// clamped to [0, 255]. The 0 dB reference is either the frame's brightest pixel
// (normalize_to_max, the default: raw beamformer sums have no fixed scale, and research
// displays such as PICMUS's do the same) or absolute amplitude 1 (stable brightness frame
// to frame when the input scale is known; gain_db then sets it).
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <span>

#include "sonoflow/frames.hpp"

namespace sonoflow::bmode {

struct Settings {
  double dynamic_range_db = 60;
  double gain_db = 0;
  double depth_gain_db_per_cm = 0;  // added gain growing linearly with depth below the array
  bool normalize_to_max = true;     // 0 dB = the frame's maximum (after depth gain) or 1
};

// iq [row][column] -> grey [row][column]. depth_mm[row] is each row's depth below the
// array (for the depth gain). Parallel over rows.
void compress(std::span<const std::complex<float>> iq, uint32_t columns,
              std::span<const double> depth_mm, const Settings& s, std::span<uint8_t> grey);

// The image of an iq frame: pixels from compress(); header, truth and geometry carried
// over (origin/spacing in mm and image_to_probe for a Cartesian grid; for a polar grid
// the sector is passed through and origin/spacing/image_to_probe stay in (angle rad,
// radius mm) per (column, row), until a scan converter makes the image Cartesian).
std::shared_ptr<ImageFrame> make_image(const IqFrame& iq, const Settings& s);

}  // namespace sonoflow::bmode
