// Frames with known contents for the dds tests and sonoflow-bench-dds: rf channel data of
// any size and an 8-bit image, each sample a function of its index and the sequence number.
#pragma once

#include <cstdint>
#include <memory>

#include "sonoflow/frames.hpp"

namespace sonoflow::dds::synthetic {

inline constexpr int64_t kUtcBaseNs = 1'700'000'000'000'000'000;

inline std::shared_ptr<RfFrame> rf(int transmits, int channels, int samples, uint64_t sequence) {
  auto frame = std::make_shared<RfFrame>();
  frame->header.sequence = sequence;
  frame->header.utc_ns = kUtcBaseNs + static_cast<int64_t>(sequence);
  frame->transmits.resize(static_cast<size_t>(transmits));
  frame->channel_count = static_cast<uint32_t>(channels);
  frame->sample_count = static_cast<uint32_t>(samples);
  frame->samples_int16.resize(static_cast<size_t>(transmits) * channels * samples);
  for (size_t i = 0; i < frame->samples_int16.size(); ++i)
    frame->samples_int16[i] = static_cast<int16_t>((i * 2654435761u + sequence) >> 7);
  frame->sampling_rate_hz = 20e6;
  return frame;
}

inline std::shared_ptr<ImageFrame> image(int width, int height, uint64_t sequence) {
  auto frame = std::make_shared<ImageFrame>();
  frame->header.sequence = sequence;
  frame->header.utc_ns = kUtcBaseNs + static_cast<int64_t>(sequence);
  frame->width = static_cast<uint32_t>(width);
  frame->height = static_cast<uint32_t>(height);
  frame->channels = 1;
  frame->pixels.resize(static_cast<size_t>(width) * height);
  for (size_t i = 0; i < frame->pixels.size(); ++i)
    frame->pixels[i] = static_cast<uint8_t>(i * 31 + sequence);
  frame->spacing_mm = {0.1, 0.1};
  frame->set_cartesian_transform();
  return frame;
}

}  // namespace sonoflow::dds::synthetic
