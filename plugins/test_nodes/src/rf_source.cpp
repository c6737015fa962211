#include <cmath>
#include <numbers>

#include "test_nodes.hpp"

namespace sonoflow::test_nodes {

NodeSpec RfSource::spec() {
  return NodeSpec::device("test_rf_source", "Emits small rf frames with complete metadata")
      .output("rf", port_type::rf, "Channel data of a linear array, one plane wave")
      .param(ParamSpec::real("rate_hz", 50).range(0, 1e5).in("Hz").doc("Frames per second"))
      .param(ParamSpec::integer("channels", 16).range(1, 256).doc("Number of channels"))
      .param(ParamSpec::integer("samples", 256).range(16, 1 << 16).doc("Samples per channel"));
}

void RfSource::configure(const ParamSet& params) {
  rate_hz_ = params.get_real("rate_hz");
  channels_ = static_cast<uint32_t>(params.get_int("channels"));
  samples_ = static_cast<uint32_t>(params.get_int("samples"));
  constexpr float kPitchMm = 0.3f;
  auto probe = std::make_shared<ProbeGeometry>();
  probe->model = "test-linear";
  probe->element_width_mm = 0.27f;
  probe->center_frequency_hz = 5e6f;
  probe->fractional_bandwidth = 0.6f;
  for (uint32_t c = 0; c < channels_; ++c) {
    probe->element_positions_mm.push_back({(c - (channels_ - 1) / 2.0f) * kPitchMm, 0, 0});
    probe->element_normal_angles_rad.push_back(0);
  }
  probe_ = std::move(probe);
}

bool RfSource::produce(Context& ctx) {
  constexpr double kSamplingHz = 20e6, kPulseHz = 5e6;
  auto rf = std::make_shared<RfFrame>();
  rf->header = ctx.stamp();
  rf->probe = probe_;
  rf->transmits = {Transmit{0, 0}};
  rf->channel_count = channels_;
  rf->sample_count = samples_;
  rf->format = SampleFormat::int16;
  rf->sampling_rate_hz = kSamplingHz;
  rf->samples_int16.assign(size_t{channels_} * samples_, 0);
  // One echo in the middle of the record: a Gaussian-windowed tone burst per channel.
  const double center = samples_ / 2.0;
  for (uint32_t c = 0; c < channels_; ++c)
    for (uint32_t s = 0; s < samples_; ++s) {
      const double t = (s - center) / kSamplingHz;
      const double envelope = std::exp(-std::pow(t * kPulseHz / 1.5, 2));
      rf->samples_int16[size_t{c} * samples_ + s] =
          static_cast<int16_t>(8000 * envelope * std::cos(2 * std::numbers::pi * kPulseHz * t));
    }
  return ctx.emit(0, std::move(rf));
}

}  // namespace sonoflow::test_nodes
