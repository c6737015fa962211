#include "bmode_core.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sonoflow::bmode {

void compress(std::span<const std::complex<float>> iq, uint32_t columns,
              std::span<const double> depth_mm, const Settings& s, std::span<uint8_t> grey) {
  const size_t rows = depth_mm.size();
  const float scale = static_cast<float>(255 / s.dynamic_range_db);
  double reference_db = 0;
  if (s.normalize_to_max) {
    float top = 1e-30f;
    for (size_t r = 0; r < rows; ++r) {
      const double depth_gain = std::pow(10.0, s.depth_gain_db_per_cm * depth_mm[r] / 10 / 10);
      float row_top = 0;
      for (uint32_t c = 0; c < columns; ++c)
        row_top = std::max(row_top, std::norm(iq[r * columns + c]));
      top = std::max(top, static_cast<float>(row_top * depth_gain));
    }
    reference_db = 10 * std::log10(top);
  }
  tbb::parallel_for(size_t{0}, rows, [&](size_t r) {
    // In power dB: 10 log10(|iq|^2) saves the sqrt of the magnitude.
    const float offset_db = static_cast<float>(
        s.gain_db + s.depth_gain_db_per_cm * depth_mm[r] / 10 + s.dynamic_range_db - reference_db);
    const std::complex<float>* in = iq.data() + r * columns;
    uint8_t* out = grey.data() + r * columns;
    for (uint32_t c = 0; c < columns; ++c) {
      const float power = std::norm(in[c]) + 1e-30f;
      const float level = (10.f * std::log10(power) + offset_db) * scale;
      out[c] = static_cast<uint8_t>(std::clamp(level, 0.f, 255.f) + 0.5f);
    }
  });
}

std::shared_ptr<ImageFrame> make_image(const IqFrame& iq, const Settings& s) {
  if (auto error = iq.check(); !error.empty()) throw std::invalid_argument(error);
  auto image = std::make_shared<ImageFrame>();
  image->header = iq.header;
  image->truth = iq.truth;
  image->width = iq.width;
  image->height = iq.height;
  image->channels = 1;
  image->pixels.resize(size_t{iq.width} * iq.height);
  image->origin_mm = iq.origin_mm;
  image->spacing_mm = iq.spacing_mm;
  image->sector = iq.sector;
  image->set_cartesian_transform();
  std::vector<double> depth_mm(iq.height);
  const double skin_mm = iq.sector ? -iq.sector->apex_z_mm : 0;  // polar: radius of the array
  for (uint32_t r = 0; r < iq.height; ++r)
    depth_mm[r] = iq.origin_mm[1] + r * iq.spacing_mm[1] - skin_mm;
  compress(iq.samples, iq.width, depth_mm, s, image->pixels);
  return image;
}

}  // namespace sonoflow::bmode
