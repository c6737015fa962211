#include "rf_synth.hpp"

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sonoflow::sim {

std::vector<Element> elements_of(const ProbeGeometry& probe) {
  std::vector<Element> out;
  for (size_t i = 0; i < probe.element_positions_mm.size(); ++i) {
    const float a = i < probe.element_normal_angles_rad.size() ? probe.element_normal_angles_rad[i] : 0;
    out.push_back({probe.element_positions_mm[i][0], probe.element_positions_mm[i][2],
                   std::sin(a), std::cos(a)});
  }
  return out;
}

ImpulseField::ImpulseField(const Acquisition& acq)
    : channels_(acq.channel_count()),
      stride_(acq.sample_count + 2),  // n0 + 1 may be the last sample + 1
      data_(acq.transmits.size() * channels_ * stride_),
      dirty_(acq.transmits.size() * channels_, Span{stride_, 0}) {}

void ImpulseField::clear() {
  for (size_t r = 0; r < dirty_.size(); ++r) {
    auto& d = dirty_[r];
    if (d.first < d.last)
      std::fill(data_.begin() + r * stride_ + d.first, data_.begin() + r * stride_ + d.last,
                std::complex<float>{});
    d = {stride_, 0};
  }
}

Synthesizer::Synthesizer(Acquisition acq) : acq_(std::move(acq)) {
  const double fs = acq_.sampling_rate_hz;
  const double omega_per_sample = 2 * std::numbers::pi * acq_.physics.center_frequency_hz / fs;
  // The pulse is cut at 4 sigma of its envelope (below 3.4e-4 of the peak).
  half_ = static_cast<int>(std::ceil(4 * acq_.pulse_sigma_s * fs));
  for (int m = -half_; m <= half_; ++m) {
    const double t = m / fs;
    const double envelope = std::exp(-t * t / (2 * acq_.pulse_sigma_s * acq_.pulse_sigma_s));
    pulse_.push_back(std::polar(static_cast<float>(envelope), static_cast<float>(omega_per_sample * m)));
  }
  // An echo at n0 + d (0 <= d < 1) samples: weight (1 - d) at n0 with the phase of the
  // remaining -d samples, weight d at n0 + 1 with the phase of +(1 - d) samples. The
  // carrier phase is exact; the envelope is interpolated linearly.
  for (int i = 0; i <= kSincSteps; ++i) {
    const double sin_theta = -1 + 2.0 * i / kSincSteps;
    sinc_table_.push_back(static_cast<float>(acq_.physics.directivity(sin_theta, 1.0)));
  }
  for (int i = 0; i <= kFalloffSteps; ++i)
    falloff_table_.push_back(static_cast<float>(std::exp(-kFalloffMax * i / kFalloffSteps)));
  for (int k = 0; k < kFractions; ++k) {
    const double d = (k + 0.5) / kFractions;
    here_.push_back(std::polar(static_cast<float>(1 - d), static_cast<float>(-omega_per_sample * d)));
    next_.push_back(std::polar(static_cast<float>(d), static_cast<float>(omega_per_sample * (1 - d))));
  }
}

double Synthesizer::directivity(double sin_theta, double cos_theta) const {
  const double u = (sin_theta + 1) * (kSincSteps / 2.0);
  const int i = std::clamp(static_cast<int>(u), 0, kSincSteps - 1);
  const double f = u - i;
  return cos_theta * ((1 - f) * sinc_table_[i] + f * sinc_table_[i + 1]);
}

double Synthesizer::mirror_falloff(double x) const {
  if (x >= kFalloffMax) return 0;
  const double u = x * (kFalloffSteps / kFalloffMax);
  const int i = static_cast<int>(u);
  const double f = u - i;
  return (1 - f) * falloff_table_[i] + f * falloff_table_[i + 1];
}

void Synthesizer::deposit_one(std::complex<float>* row, ImpulseField::Span& dirty, double delay_s,
                              double amplitude) const {
  const double position = (delay_s - acq_.start_time_s) * acq_.sampling_rate_hz;
  if (!(position >= 0) || position >= acq_.sample_count) return;
  const auto n0 = static_cast<size_t>(position);
  dirty.first = std::min(dirty.first, n0);
  dirty.last = std::max(dirty.last, n0 + 2);
  const int k = std::min(kFractions - 1, static_cast<int>((position - n0) * kFractions));
  const auto a = static_cast<float>(amplitude);
  row[n0] += a * here_[k];
  row[n0 + 1] += a * next_[k];
}

void Synthesizer::deposit(std::span<const Scatterer> scatterers, float sign,
                          ImpulseField& field) const {
  const auto& phys = acq_.physics;
  const double c = phys.sound_speed_mm_per_s;
  const size_t n = scatterers.size(), transmits = acq_.transmits.size();
  // Per scatterer, independent of the element: its weight, and per transmit the time the
  // wavefront reaches it. Computed once here instead of once per element.
  std::vector<float> weight(n), y2(n);
  std::vector<double> tx(transmits * n);
  for (size_t i = 0; i < n; ++i) {
    const auto& s = scatterers[i];
    weight[i] = static_cast<float>(sign * s.amplitude * phys.scatterer_weight(s.y_mm, s.z_mm) *
                                   phys.reference_distance_mm);
    y2[i] = s.y_mm * s.y_mm;
    for (size_t t = 0; t < transmits; ++t)
      tx[t * n + i] = transmit_time_s(acq_.transmits[t], s.x_mm, s.z_mm, c);
  }
  tbb::parallel_for(size_t{0}, transmits * acq_.channel_count(), [&](size_t job) {
    const size_t t = job / acq_.channel_count(), ch = job % acq_.channel_count();
    const Element& e = acq_.elements[ch];
    std::complex<float>* row = field.row(t, ch);
    auto& dirty = field.dirty(job);
    const double* tx_t = tx.data() + t * n;
    for (size_t i = 0; i < n; ++i) {
      const auto& s = scatterers[i];
      const double dx = s.x_mm - e.x_mm, dz = s.z_mm - e.z_mm;
      const double r = std::sqrt(dx * dx + dz * dz + y2[i]);
      const double cos_t = (dx * e.normal_sin + dz * e.normal_cos) / r;
      if (cos_t <= 0) continue;  // behind the element
      const double sin_t = (dx * e.normal_cos - dz * e.normal_sin) / r;
      deposit_one(row, dirty, tx_t[i] + r / c, weight[i] * directivity(sin_t, cos_t) / r);
    }
  });
}

void Synthesizer::deposit(std::span<const SpecularScatterer> scatterers, ImpulseField& field) const {
  const auto& phys = acq_.physics;
  const double c = phys.sound_speed_mm_per_s;
  const size_t n = scatterers.size(), transmits = acq_.transmits.size();
  // Per scatterer and transmit: arrival time and direction of the wavefront.
  struct Incident {
    double time_s, kx, kz;
  };
  std::vector<Incident> incident(transmits * n);
  std::vector<double> weight(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& s = scatterers[i];
    weight[i] = phys.scatterer_weight(s.y_mm, s.z_mm) * phys.reference_distance_mm;
    for (size_t t = 0; t < transmits; ++t) {
      auto& in = incident[t * n + i];
      in.time_s = transmit_time_s(acq_.transmits[t], s.x_mm, s.z_mm, c) + s.extra_delay_s;
      transmit_direction(acq_.transmits[t], s.x_mm, s.z_mm, in.kx, in.kz);
    }
  }
  tbb::parallel_for(size_t{0}, transmits * acq_.channel_count(), [&](size_t job) {
    const size_t t = job / acq_.channel_count(), ch = job % acq_.channel_count();
    const Element& e = acq_.elements[ch];
    std::complex<float>* row = field.row(t, ch);
    auto& dirty = field.dirty(job);
    for (size_t i = 0; i < n; ++i) {
      const auto& s = scatterers[i];
      const auto& in = incident[t * n + i];
      const double dx = s.x_mm - e.x_mm, dz = s.z_mm - e.z_mm;
      const double r = std::sqrt(dx * dx + dz * dz + static_cast<double>(s.y_mm) * s.y_mm);
      const double cos_t = (dx * e.normal_sin + dz * e.normal_cos) / r;
      if (cos_t <= 0) continue;
      const double sin_t = (dx * e.normal_cos - dz * e.normal_sin) / r;
      const double mirror =
          s.specular_amplitude == 0
              ? 0
              : mirror_falloff(specular_exponent(in.kx, in.kz, s.normal_x, s.normal_z, -dx / r,
                                                 -dz / r, phys.specular_sigma_rad));
      const double amplitude = (s.specular_amplitude * mirror + s.diffuse_amplitude) * weight[i] *
                               directivity(sin_t, cos_t) / r;
      deposit_one(row, dirty, in.time_s + r / c, amplitude);
    }
  });
}

void Synthesizer::convolve_add(const ImpulseField& field, std::vector<float>& rf) const {
  const size_t samples = acq_.sample_count, channels = acq_.channel_count();
  const int taps = 2 * half_ + 1;
  tbb::parallel_for(size_t{0}, acq_.transmits.size() * channels, [&](size_t job) {
    const std::complex<float>* in = field.row(job / channels, job % channels);
    float* out = rf.data() + job * samples;
    const auto& dirty = field.dirty(job);
    if (dirty.first >= dirty.last) return;
    // Output n gathers impulses n - m for taps m in [-half, half]; impulses past the end
    // of the record (index samples, samples + 1) are guard cells and contribute too.
    const long last = static_cast<long>(dirty.last) - 1;
    const size_t from = dirty.first > static_cast<size_t>(half_) ? dirty.first - half_ : 0;
    const size_t to = std::min(samples, dirty.last + half_);
    for (size_t n = from; n < to; ++n) {
      // Tap j (m = j - half) takes impulse n - m = n + half - j, when that exists.
      const long centre = static_cast<long>(n) + half_;
      const long lo = std::max(0L, centre - last);
      const long hi = std::min<long>(taps - 1, centre - static_cast<long>(dirty.first));
      float acc = 0;
      for (long j = lo; j <= hi; ++j) {
        const auto& c = in[centre - j];
        acc += c.real() * pulse_[j].real() - c.imag() * pulse_[j].imag();
      }
      out[n] += acc;
    }
  });
}

void Synthesizer::add_delayed(const ImpulseField& from, double delay_s, float gain,
                              ImpulseField& to) const {
  const double shift = delay_s * acq_.sampling_rate_hz;
  const auto whole = static_cast<long>(std::lround(shift));
  const double omega_per_sample = 2 * std::numbers::pi * acq_.physics.center_frequency_hz /
                                  acq_.sampling_rate_hz;
  // An impulse moved by `whole` samples carries the rest of the delay in its phase.
  const auto turn = std::polar(gain, static_cast<float>(-omega_per_sample * (shift - whole)));
  const long stride = static_cast<long>(from.stride());
  tbb::parallel_for(size_t{0}, from.rows(), [&](size_t r) {
    const auto& src = from.dirty(r);
    if (src.first >= src.last) return;
    const std::complex<float>* in = from.row(r / acq_.channel_count(), r % acq_.channel_count());
    std::complex<float>* out = to.row(r / acq_.channel_count(), r % acq_.channel_count());
    const long first = std::max(0L, static_cast<long>(src.first) + whole);
    const long last = std::min(stride, static_cast<long>(src.last) + whole);
    if (first >= last) return;
    for (long n = first; n < last; ++n) out[n] += turn * in[n - whole];
    auto& d = to.dirty(r);
    d.first = std::min(d.first, static_cast<size_t>(first));
    d.last = std::max(d.last, static_cast<size_t>(last));
  });
}

namespace {

// SplitMix64: tiny, fast, and good enough to seed per-stream noise reproducibly.
uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Normal variates by table: 4096 quantiles of the standard normal, picked by 12 random
// bits. Transcendental-free, so noise costs about a nanosecond per sample; the
// distribution is exact to the table's resolution, with tails to +-3.7 sigma.
const std::vector<float>& normal_table() {
  static const std::vector<float> table = [] {
    constexpr int kSize = 4096;
    std::vector<float> t(kSize);
    for (int i = 0; i < kSize; ++i) {
      // Inverse CDF by bisection on erfc: run once, at first use.
      const double p = (i + 0.5) / kSize;
      double lo = -10, hi = 10;
      for (int it = 0; it < 100; ++it) {
        const double mid = (lo + hi) / 2;
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
      }
      t[i] = static_cast<float>((lo + hi) / 2);
    }
    return t;
  }();
  return table;
}

}  // namespace

void add_noise(std::vector<float>& rf, const Acquisition& acq, double sigma, uint64_t seed,
               uint64_t frame) {
  if (sigma <= 0) return;
  const size_t samples = acq.sample_count;
  const auto& table = normal_table();
  const auto s = static_cast<float>(sigma);
  tbb::parallel_for(size_t{0}, acq.transmits.size() * acq.channel_count(), [&](size_t job) {
    uint64_t state = seed ^ (frame * 0x100000001B3ull) ^ (job * 0xD6E8FEB86659FD93ull);
    float* out = rf.data() + job * samples;
    for (size_t i = 0; i < samples; i += 5) {  // five 12-bit draws per 64-bit number
      uint64_t bits = splitmix(state);
      for (size_t k = i; k < std::min(samples, i + 5); ++k, bits >>= 12)
        out[k] += s * table[bits & 4095];
    }
  });
}

std::vector<float> tgc_gain(const Acquisition& acq) {
  std::vector<float> gain(acq.sample_count);
  const double f_mhz = acq.physics.center_frequency_hz * 1e-6;
  for (size_t i = 0; i < gain.size(); ++i) {
    const double t = acq.start_time_s + i / acq.sampling_rate_hz;
    const double path_mm = std::max(0.0, t * acq.physics.sound_speed_mm_per_s);  // there and back
    gain[i] = static_cast<float>(std::pow(10.0, acq.physics.attenuation_db_per_mm_mhz * f_mhz * path_mm / 20));
  }
  return gain;
}

void quantize(const std::vector<float>& rf, const std::vector<float>& gain, double scale,
              const Acquisition& acq, std::vector<int16_t>& out) {
  out.resize(rf.size());
  const size_t samples = acq.sample_count;
  tbb::parallel_for(size_t{0}, acq.transmits.size() * acq.channel_count(), [&](size_t job) {
    const float* in = rf.data() + job * samples;
    int16_t* o = out.data() + job * samples;
    for (size_t i = 0; i < samples; ++i) {
      const float v = std::nearbyint(in[i] * gain[i] * static_cast<float>(scale));
      o[i] = static_cast<int16_t>(std::clamp(v, -32767.0f, 32767.0f));
    }
  });
}

}  // namespace sonoflow::sim
