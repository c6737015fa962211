// The fast RF synthesizer. Each echo is scattered as a sub-sample complex impulse (exact
// phase at the centre frequency, envelope position interpolated between two samples)
// into a per-channel buffer, and each channel is convolved once with the complex pulse.
// The work is linear in the scatterers, so a static tissue field is synthesized once per
// transmit and cached; what moves (the needle, tissue the injectate displaces) is added
// each frame, then noise, TGC and 16-bit quantization.
#pragma once

#include <complex>
#include <cstdint>
#include <span>
#include <vector>

#include "echo_model.hpp"

namespace sonoflow::sim {

struct Acquisition {
  std::vector<Element> elements;
  std::vector<Transmit> transmits;
  EchoPhysics physics;
  double sampling_rate_hz = 0;
  double pulse_sigma_s = 0;
  double start_time_s = 0;
  uint32_t sample_count = 0;

  size_t channel_count() const { return elements.size(); }
  size_t values() const { return transmits.size() * channel_count() * sample_count; }
};

// Complex impulses, [transmit][channel][sample + guard], before the pulse convolution.
class ImpulseField {
 public:
  explicit ImpulseField(const Acquisition& acq);
  void clear();
  std::complex<float>* row(size_t transmit, size_t channel) {
    return data_.data() + (transmit * channels_ + channel) * stride_;
  }
  const std::complex<float>* row(size_t transmit, size_t channel) const {
    return data_.data() + (transmit * channels_ + channel) * stride_;
  }
  size_t stride() const { return stride_; }
  size_t rows() const { return dirty_.size(); }
  // The span of impulses a row holds ([first, last), empty when first >= last), so that
  // clearing and convolving a sparse field (the needle) touch only that span.
  struct Span {
    size_t first, last;
  };
  Span& dirty(size_t row_index) { return dirty_[row_index]; }
  const Span& dirty(size_t row_index) const { return dirty_[row_index]; }

 private:
  size_t channels_, stride_;
  std::vector<std::complex<float>> data_;
  std::vector<Span> dirty_;
};

class Synthesizer {
 public:
  explicit Synthesizer(Acquisition acq);
  const Acquisition& acquisition() const { return acq_; }

  // Adds the echoes of `scatterers` (times `sign`) to `field`. Parallel over channels.
  void deposit(std::span<const Scatterer> scatterers, float sign, ImpulseField& field) const;
  void deposit(std::span<const SpecularScatterer> scatterers, ImpulseField& field) const;
  // rf[transmit][channel][sample] += Re(field (*) pulse).
  void convolve_add(const ImpulseField& field, std::vector<float>& rf) const;
  // to += from delayed by delay_s and scaled by gain: an echo repeated later, as a
  // reverberation repeats it (carrier phase exact, envelope to the nearest sample).
  void add_delayed(const ImpulseField& from, double delay_s, float gain, ImpulseField& to) const;

  // The pulse the impulses are convolved with: envelope times carrier, complex.
  const std::vector<std::complex<float>>& pulse() const { return pulse_; }
  int pulse_half_length() const { return half_; }

 private:
  void deposit_one(std::complex<float>* row, ImpulseField::Span& dirty, double delay_s,
                   double amplitude) const;
  // Element directivity from a table over sin(theta): the sinc's sine per scatterer and
  // element would cost more than the rest of the echo together.
  double directivity(double sin_theta, double cos_theta) const;
  // exp(-x) for the mirror weight, from a table: one per specular source and element.
  double mirror_falloff(double x) const;
  Acquisition acq_;
  std::vector<float> sinc_table_, falloff_table_;
  static constexpr int kSincSteps = 4096;
  static constexpr int kFalloffSteps = 2048;
  static constexpr double kFalloffMax = 16;  // exp(-16) ~ 1e-7: nothing beyond
  std::vector<std::complex<float>> pulse_;  // taps -half_..half_
  int half_ = 0;
  static constexpr int kFractions = 64;     // sub-sample positions in the phase tables
  std::vector<std::complex<float>> here_, next_;  // weights for samples n0 and n0 + 1
};

// Adds white Gaussian noise of `sigma` to rf, reproducibly: the stream of each
// (frame, transmit, channel) depends only on the seed, whatever the threads do.
void add_noise(std::vector<float>& rf, const Acquisition& acq, double sigma, uint64_t seed,
               uint64_t frame);

// Depth gain that undoes the two-way attenuation at each sample's time.
std::vector<float> tgc_gain(const Acquisition& acq);

// rf * gain * scale -> int16, saturating.
void quantize(const std::vector<float>& rf, const std::vector<float>& gain, double scale,
              const Acquisition& acq, std::vector<int16_t>& out);

}  // namespace sonoflow::sim
