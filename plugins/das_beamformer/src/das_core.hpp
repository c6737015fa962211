// Delay-and-sum beamforming of steered plane waves and diverging waves, framework-free:
// plain arrays in, complex baseband grid out, units in the names. Two stages:
//  1. demodulate(): each channel's rf is mixed down by the probe's centre frequency and
//     low-pass filtered (windowed sinc), giving baseband IQ planes with zero guards;
//  2. Beamformer::beamform(): for every pixel, transmit and element inside the receive
//     f-number aperture, the baseband is linearly interpolated at the two-way delay and
//     rotated by the carrier phase of that delay, then summed (coherent compounding).
// The node (das_beamformer.cpp), its tests and sonoflow-bench-beamformer share this code.
#pragma once

#include <complex>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sonoflow/frames.hpp"

namespace sonoflow::das {

enum class Apodization { boxcar, hann, tukey };

struct Settings {
  double f_number = 1.5;  // receive aperture width = distance along the normal / f_number
  Apodization apodization = Apodization::hann;
  double tukey_alpha = 0.5;  // fraction of the aperture tapered (0: boxcar, 1: hann)
  // The depth loop: `fastest` takes AVX-512 permutes, else AVX2 permutes, else the
  // compiler-vectorised loop, as the CPU allows; the others force a slower one (tests check
  // each against the reference; one the CPU lacks falls back to portable).
  enum class Kernel { fastest, avx2, portable };
  Kernel kernel = Kernel::fastest;

  // Receive steering, one angle per transmit of the frame (empty: 0 for every transmit).
  // Same sense as Transmit::angle_deg: a receive beam steered by s looks from the array
  // into the body along (sin s, cos s) relative to the element normal, so the f-number
  // aperture of a pixel is the set of elements from which the pixel is seen within
  // +-atan(1 / (2 F#)) of s (on a flat array: centred at x_pixel - z tan s, angular width
  // unchanged, so the resolution across the steered beam stays that of F#). The mirror
  // echo of a plane wave at angle a off a flat reflector whose normal points at angle b
  // leaves along 2b - a: a needle-enhancement transmit at a = b is received at s = b.
  std::vector<double> rx_steer_deg;
  // Elements take only pixels seen within this angle of their normal (element directivity:
  // beyond it an element adds mostly noise, and past its first directivity zero, echoes of
  // inverted sign). 90 = no limit.
  double rx_acceptance_deg = 90;
  // Transmit groups, one index per transmit (empty: all in group 0). Transmits of a group
  // are compounded coherently; the groups are combined as `group_compounding` says.
  std::vector<int> transmit_group;
  // coherent: every transmit summed coherently, groups ignored (the classic compound).
  // envelope_max / envelope_mean: each group's coherent sum, divided by its transmit count
  // (one view's amplitude), combined by the largest or the mean magnitude, times the
  // frame's transmit count (a target every transmit sees alike keeps its coherent
  // amplitude); the phase is the coherent compound's.
  enum class GroupCompounding { coherent, envelope_max, envelope_mean };
  GroupCompounding group_compounding = GroupCompounding::coherent;
  // Gain of each group's view before envelope compounding, dB (empty: 0 dB for all;
  // otherwise one value per group). A needle view's gain below 0 dB keeps its grating-lobe
  // clutter under the plain view's tissue while the far brighter mirror echo still wins.
  std::vector<double> group_gain_db;
  // Coherence-factor exponent of each group's view before envelope compounding (empty: 0
  // for all; otherwise one value per group): the view times CF^p, CF = |sum w s|^2 /
  // (sum w . sum w |s|^2) over the group's (transmit, element) pairs (coherence.hpp). A
  // specular echo is coherent across the aperture (CF ~ 1); grating-lobe clutter of a
  // broadband pulse and speckle are not.
  std::vector<double> group_cf_exponent;
};

// Output grid. Column j, row i is the point p0_j + rho_i * d_j of a ray: on a Cartesian
// grid p0 = (x_j, 0), d = (0, 1), rho = z; on a polar grid (convex probes) the rays leave
// the apex (0, apex_z_mm) at angle theta_j from +z and rho is the radius from the apex.
struct Grid {
  bool polar = false;
  uint32_t columns = 0, rows = 0;
  double column_origin = 0, column_step = 0;  // x in mm, or theta in rad when polar
  double row_origin_mm = 0, row_step_mm = 0;  // z, or radius from the apex when polar
  double apex_z_mm = 0;                       // polar only

  size_t pixels() const { return size_t{columns} * rows; }
  void pixel_mm(uint32_t column, uint32_t row, double& x_mm, double& z_mm) const;
};

// The acquisition the rf came from, in the units the loops want.
struct Geometry {
  std::vector<float> element_x_mm, element_z_mm, element_normal_rad;
  std::vector<Transmit> transmits;
  double sampling_rate_hz = 0, start_time_s = 0, center_frequency_hz = 0;
  double sound_speed_mm_per_s = 1.54e6;
  uint32_t sample_count = 0;

  size_t channels() const { return element_x_mm.size(); }
  static Geometry of(const RfFrame& rf, double sound_speed_m_per_s_override = 0);
};

// Baseband IQ of every (transmit, channel) row, as separate real and imaginary planes
// (gathers of floats vectorise; of complex pairs they do not). Sample k of a row sits at
// index k + kGuard; the guards hold zeros so that a clamped index reads silence.
struct Baseband {
  static constexpr uint32_t kGuard = 2;
  // Floats allocated after the last row, so that a 64-sample window loaded at any valid
  // index stays inside the allocation (the AVX-512 kernel loads such windows unchecked).
  static constexpr uint32_t kTail = 64;
  uint32_t rows = 0, samples = 0, stride = 0;
  std::vector<float> re, im;
  const float* re_row(size_t row) const { return re.data() + row * stride; }
  const float* im_row(size_t row) const { return im.data() + row * stride; }
};

// Low-pass taps of the demodulator: Hann-windowed sinc, cut-off at the centre frequency
// (passes the echo band, stops the 2 f0 image of the mixing), ~4 carrier periods long,
// DC gain 2 so that the baseband has the analytic signal's amplitude.
std::vector<float> lowpass_taps(double sampling_rate_hz, double center_frequency_hz);

// rf [transmit][channel][sample] -> baseband. Parallel over rows (oneTBB).
void demodulate(const int16_t* rf, const Geometry& g, Baseband& out);
void demodulate(const float* rf, const Geometry& g, Baseband& out);

// A sensible grid for a probe: Cartesian over the aperture for a linear array, polar
// over the elements' angles for a convex one; depth from the recorded samples, at most
// max_depth_mm. Pixels of lambda/2 laterally and lambda/4 in depth.
Grid default_grid(const Geometry& g, double max_depth_mm = 40);

// Per-pixel sums that coherence-based beamformers (coherence.hpp) need besides the
// coherent sum, laid out like the output ([row][column], grid.pixels() entries each).
// Summed over every (transmit, element) pair inside the aperture, with w its apodization
// weight and s its delayed, interpolated baseband sample.
struct IncoherentSums {
  float* weight = nullptr;  // sum of w
  float* energy = nullptr;  // sum of w |s|^2
};

class Beamformer {
 public:
  Beamformer();
  ~Beamformer();
  Beamformer(const Beamformer&);  // the copy starts with its own, empty scratch
  Beamformer& operator=(const Beamformer&);

  // out[row * columns + column] = baseband value at demodulation frequency f0 with
  // respect to the two-way depth time 2 z / c (so its phase is smooth along depth).
  // With `sums`, also fills them (one more multiply-add and store per sample).
  // Per-thread scratch (tiles of delays and sums) is kept for the next call: allocating it
  // per frame cost page faults and clearing of fresh pages. Not re-entrant on one object.
  void beamform(const Baseband& bb, const Geometry& g, const Grid& grid, const Settings& s,
                std::complex<float>* out, const IncoherentSums* sums = nullptr);
  // Bytes held, for the benchmark's memory report: per-thread scratch (tiles of transmit
  // delays and sums), and the receive tables (delay, phasor, apodization of every pixel
  // and element inside the aperture), which are kept while grid, probe and settings stay.
  size_t scratch_bytes() const;
  size_t table_bytes() const;

 private:
  struct Workspace;
  std::unique_ptr<Workspace> workspace_;
};

}  // namespace sonoflow::das
