// The physics of one echo, shared by the fast synthesizer and the slow reference: what a
// scatterer sends back to one element for one transmit — two-way delay (transmit
// wavefront + receive path), element directivity, spherical spreading on receive, depth
// attenuation, elevation beam profile, and for specular reflectors (the needle shaft) the
// mirror condition that makes steep needles fade.
#pragma once

#include <cmath>
#include <vector>

#include "sonoflow/frames.hpp"

namespace sonoflow::sim {

// A diffuse point scatterer (tissue speckle, point targets). mm; amplitude is signed.
struct Scatterer {
  float x_mm = 0, y_mm = 0, z_mm = 0, amplitude = 0;
};

// A reflector that returns most of its echo in the mirror direction of its surface normal
// (in the image plane), plus a weak diffuse part. extra_delay_s delays the echo as a
// reverberation inside the needle would (comet tail).
struct SpecularScatterer {
  float x_mm = 0, y_mm = 0, z_mm = 0;
  float specular_amplitude = 0, diffuse_amplitude = 0;
  float normal_x = 0, normal_z = 1;  // unit normal in the image plane
  float extra_delay_s = 0;
};

struct Element {
  float x_mm, z_mm;
  float normal_sin, normal_cos;  // element normal (sin, cos of its angle from +z)
};

// Fixed physical parameters of an acquisition, in the units the inner loops want.
struct EchoPhysics {
  double sound_speed_mm_per_s = 1.54e6;
  double center_frequency_hz = 0;
  double element_width_mm = 0;
  double attenuation_db_per_mm_mhz = 0.05;  // 0.5 dB/cm/MHz
  double elevation_sigma_mm = 0.4;
  // Angular width of what one quarter-wavelength patch of the shaft sends back around its
  // mirror direction. A patch that short diffracts broadly (a lobe ~ lambda / length wide):
  // the narrow mirror beam of the whole shaft comes from the coherent sum of its patches,
  // and so ends where the shaft ends. 0.5 rad falls like the Kirchhoff obliquity factor:
  // -5 dB at 30 deg off the mirror direction, -17 dB at 60 deg. It was 0.08 rad: the
  // per-patch lobe then shaped the mirror beam, and with the receive aperture away from
  // the mirror direction the shaft showed as a weak band running past the tip.
  double specular_sigma_rad = 0.5;
  double reference_distance_mm = 10;  // 1/r spreading is normalised to this distance

  // Element directivity of a soft-baffled strip element: cos(theta) * sinc(w sin(theta)/lambda).
  double directivity(double sin_theta, double cos_theta) const {
    const double lambda_mm = sound_speed_mm_per_s / center_frequency_hz;
    const double arg = M_PI * element_width_mm / lambda_mm * sin_theta;
    const double sinc = std::abs(arg) < 1e-9 ? 1.0 : std::sin(arg) / arg;
    return cos_theta * sinc;
  }
  // Two-way attenuation and the elevation profile, which depend on the scatterer only:
  // the path is taken as twice the depth (an approximation good near the beam axis).
  double scatterer_weight(double y_mm, double z_mm) const {
    const double f_mhz = center_frequency_hz * 1e-6;
    const double loss_db = attenuation_db_per_mm_mhz * f_mhz * 2 * std::max(z_mm, 0.0);
    const double elevation = std::exp(-y_mm * y_mm / (2 * elevation_sigma_mm * elevation_sigma_mm));
    return std::pow(10.0, -loss_db / 20) * elevation;
  }
};

// When the transmit of `t` reaches point (x, z) (see the Transmit doc in frames.hpp), and
// the direction it travels there.
inline double transmit_time_s(const Transmit& t, double x_mm, double z_mm, double c_mm_per_s) {
  const double a = t.angle_deg * M_PI / 180;
  if (t.virtual_source_z_mm == 0) return (x_mm * std::sin(a) + z_mm * std::cos(a)) / c_mm_per_s;
  const double sx = t.virtual_source_z_mm * std::sin(a), sz = t.virtual_source_z_mm * std::cos(a);
  return (std::hypot(x_mm - sx, z_mm - sz) - std::hypot(sx, sz)) / c_mm_per_s;
}

inline void transmit_direction(const Transmit& t, double x_mm, double z_mm, double& kx,
                               double& kz) {
  const double a = t.angle_deg * M_PI / 180;
  if (t.virtual_source_z_mm == 0) {
    kx = std::sin(a), kz = std::cos(a);
    return;
  }
  const double dx = x_mm - t.virtual_source_z_mm * std::sin(a);
  const double dz = z_mm - t.virtual_source_z_mm * std::cos(a);
  const double r = std::hypot(dx, dz);
  kx = dx / r, kz = dz / r;
}

// Mirror weight of a specular reflector: 1 when the echo leaves towards the element along
// the mirror direction of the incident wave, falling off as a Gaussian in the angle. This
// is the exponent x of exp(-x): 1 - cos(a) ~ a^2 / 2 gives the Gaussian without an acos.
inline double specular_exponent(double kx, double kz, double nx, double nz, double ox, double oz,
                                double sigma_rad) {
  const double kn = kx * nx + kz * nz;
  const double rx = kx - 2 * kn * nx, rz = kz - 2 * kn * nz;  // reflected direction
  const double cos_angle = rx * ox + rz * oz;
  return (1 - cos_angle) / (sigma_rad * sigma_rad);
}

inline double specular_weight(double kx, double kz, double nx, double nz, double ox, double oz,
                              double sigma_rad) {
  return std::exp(-specular_exponent(kx, kz, nx, nz, ox, oz, sigma_rad));
}

std::vector<Element> elements_of(const ProbeGeometry& probe);

}  // namespace sonoflow::sim
