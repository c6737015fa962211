#include "reference_synth.hpp"

#include <oneapi/tbb/parallel_for.h>

#include <cmath>
#include <numbers>

namespace sonoflow::sim {

namespace {

// Adds amplitude * envelope(t - delay) * cos(omega (t - delay)) over the pulse's support.
void add_echo(const Acquisition& acq, double* row, double delay_s, double amplitude) {
  const double fs = acq.sampling_rate_hz, sigma = acq.pulse_sigma_s;
  const double omega = 2 * std::numbers::pi * acq.physics.center_frequency_hz;
  const double centre = (delay_s - acq.start_time_s) * fs;
  const long first = static_cast<long>(std::ceil(centre - 4 * sigma * fs));
  const long last = static_cast<long>(std::floor(centre + 4 * sigma * fs));
  // Only echoes whose arrival lies inside the record, as the fast path keeps them.
  if (!(centre >= 0) || centre >= acq.sample_count) return;
  for (long n = std::max(0L, first); n <= last && n < static_cast<long>(acq.sample_count); ++n) {
    const double t = (n - centre) / fs;
    row[n] += amplitude * std::exp(-t * t / (2 * sigma * sigma)) * std::cos(omega * t);
  }
}

}  // namespace

void reference_rf(const Acquisition& acq, std::span<const Scatterer> diffuse,
                  std::span<const SpecularScatterer> specular, std::vector<double>& rf) {
  const auto& phys = acq.physics;
  const double c = phys.sound_speed_mm_per_s;
  const size_t samples = acq.sample_count;
  rf.assign(acq.values(), 0.0);
  // Straightforward, not single-threaded: channels in parallel, as any simulator would.
  tbb::parallel_for(size_t{0}, acq.transmits.size() * acq.channel_count(), [&](size_t job) {
    const size_t t = job / acq.channel_count(), ch = job % acq.channel_count();
    {
      const Element& e = acq.elements[ch];
      double* row = rf.data() + (t * acq.channel_count() + ch) * samples;
      auto geometry = [&](double x, double y, double z, double& r, double& sin_t, double& cos_t) {
        const double dx = x - e.x_mm, dz = z - e.z_mm;
        r = std::sqrt(dx * dx + dz * dz + y * y);
        cos_t = (dx * e.normal_sin + dz * e.normal_cos) / r;
        sin_t = (dx * e.normal_cos - dz * e.normal_sin) / r;
      };
      for (const auto& s : diffuse) {
        double r, sin_t, cos_t;
        geometry(s.x_mm, s.y_mm, s.z_mm, r, sin_t, cos_t);
        if (cos_t <= 0) continue;
        const double amplitude = s.amplitude * phys.scatterer_weight(s.y_mm, s.z_mm) *
                                 phys.reference_distance_mm * phys.directivity(sin_t, cos_t) / r;
        add_echo(acq, row, transmit_time_s(acq.transmits[t], s.x_mm, s.z_mm, c) + r / c, amplitude);
      }
      for (const auto& s : specular) {
        double r, sin_t, cos_t;
        geometry(s.x_mm, s.y_mm, s.z_mm, r, sin_t, cos_t);
        if (cos_t <= 0) continue;
        double kx, kz;
        transmit_direction(acq.transmits[t], s.x_mm, s.z_mm, kx, kz);
        const double ox = (e.x_mm - s.x_mm) / r, oz = (e.z_mm - s.z_mm) / r;
        const double mirror =
            specular_weight(kx, kz, s.normal_x, s.normal_z, ox, oz, phys.specular_sigma_rad);
        const double amplitude = (s.specular_amplitude * mirror + s.diffuse_amplitude) *
                                 phys.scatterer_weight(s.y_mm, s.z_mm) *
                                 phys.reference_distance_mm * phys.directivity(sin_t, cos_t) / r;
        add_echo(acq, row,
                 transmit_time_s(acq.transmits[t], s.x_mm, s.z_mm, c) + r / c + s.extra_delay_s,
                 amplitude);
      }
    }
  });
}

}  // namespace sonoflow::sim
