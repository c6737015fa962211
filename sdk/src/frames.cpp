#include "sonoflow/frames.hpp"

#include <cmath>

namespace sonoflow {

// Out-of-line key functions: the type information of frames lives once, in the SDK
// library, so frame_cast works across plugin libraries.
Truth::~Truth() = default;
Frame::~Frame() = default;

std::string RfFrame::check() const {
  if (!probe) return "rf frame has no probe geometry";
  if (transmits.empty()) return "rf frame has no transmits";
  if (channel_count == 0 || sample_count == 0) return "rf frame has no channels or samples";
  if (probe->element_positions_mm.size() != channel_count)
    return "probe has " + std::to_string(probe->element_positions_mm.size()) +
           " element positions for " + std::to_string(channel_count) + " channels";
  const size_t expected = transmits.size() * size_t{channel_count} * sample_count;
  const size_t have =
      format == SampleFormat::int16 ? samples_int16.size() : samples_float32.size();
  if (have != expected)
    return "rf frame holds " + std::to_string(have) + " samples, expected transmits x channels x "
           "samples = " + std::to_string(expected);
  if (!(sampling_rate_hz > 0)) return "rf frame sampling rate must be positive";
  if (!(sound_speed_m_per_s > 0)) return "rf frame sound speed must be positive";
  if (!(probe->center_frequency_hz > 0)) return "probe centre frequency must be positive";
  if (probe->center_frequency_hz * 2 > sampling_rate_hz)
    return "sampling rate is below twice the centre frequency";
  if (!std::isfinite(start_time_s)) return "rf frame start time is not finite";
  return {};
}

std::string IqFrame::check() const {
  if (width == 0 || height == 0) return "iq frame is empty";
  if (samples.size() != size_t{width} * height)
    return "iq frame holds " + std::to_string(samples.size()) + " values, expected width x height = " +
           std::to_string(size_t{width} * height);
  if (!(spacing_mm[0] > 0) || !(spacing_mm[1] > 0)) return "iq grid spacing must be positive";
  return {};
}

void Raster::set_cartesian_transform() {
  image_to_probe = {spacing_mm[0], 0, 0, origin_mm[0],  //
                    0, 0, 1, 0,                          // y (elevation): image plane y = 0
                    0, spacing_mm[1], 0, origin_mm[1],   //
                    0, 0, 0, 1};
}

void Raster::copy_geometry(const Raster& from) {
  width = from.width;
  height = from.height;
  origin_mm = from.origin_mm;
  spacing_mm = from.spacing_mm;
  image_to_probe = from.image_to_probe;
  sector = from.sector;
}

std::string Raster::check() const {
  if (width == 0 || height == 0) return "image is empty";
  if (channels != 1 && channels != 3) return "image must have 1 or 3 channels";
  if (pixels.size() != size_t{width} * height * channels)
    return "image holds " + std::to_string(pixels.size()) + " bytes, expected width x height x "
           "channels = " + std::to_string(size_t{width} * height * channels);
  if (!(spacing_mm[0] > 0) || !(spacing_mm[1] > 0)) return "image pixel spacing must be positive";
  if (image_to_probe[15] != 1) return "image_to_probe is not a homogeneous transform";
  return {};
}

}  // namespace sonoflow
