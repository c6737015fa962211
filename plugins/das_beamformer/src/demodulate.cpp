// The demodulator: rf -> baseband IQ planes, once per frame. Two paths giving the same
// result (the same mixer and taps, up to float rounding):
//  - general: mix every sample by exp(-j 2 pi f0 t), then filter re and im with every tap;
//  - quarter rate (fs = 4 f0, what sim_probe and most linear-array scanners record): the
//    mixer is exp(-j phi0) (-j)^i, so mixed samples are alternately purely real and purely
//    imaginary, and the low-pass cut-off f0 = fs/4 makes the windowed sinc a half-band
//    filter (every even tap but the centre is zero). An output sample then needs only the
//    odd taps on one parity of the input, plus the centre tap on the other: ~4x fewer
//    multiply-adds, and the constant phase exp(-j phi0) is applied once at the end.
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "das_core.hpp"

namespace sonoflow::das {

std::vector<float> lowpass_taps(double sampling_rate_hz, double center_frequency_hz) {
  const double cutoff = center_frequency_hz / sampling_rate_hz;  // cycles per sample
  int half = static_cast<int>(std::lround(2 * sampling_rate_hz / center_frequency_hz));
  half = std::clamp(half, 4, 32);
  std::vector<double> h(2 * half + 1);
  double sum = 0;
  for (int k = -half; k <= half; ++k) {
    const double sinc =
        k == 0 ? 2 * cutoff : std::sin(2 * std::numbers::pi * cutoff * k) / (std::numbers::pi * k);
    const double window = 0.5 * (1 + std::cos(std::numbers::pi * k / (half + 1)));
    h[k + half] = sinc * window;
    sum += h[k + half];
  }
  std::vector<float> taps;
  for (double v : h) taps.push_back(static_cast<float>(2 * v / sum));
  return taps;
}

namespace {

// y += sum_k h[k] x[i + k]: the FIR, vectorised per tap (AVX2/AVX-512 picked at run time;
// the baseline build is SSE2 only).
__attribute__((target_clones("avx512f", "avx2", "default"))) void fir_add(
    const float* __restrict x, const float* __restrict h, int taps, float* __restrict y, int n) {
  for (int k = 0; k < taps; ++k) {
    const float tap = h[k];
    for (int i = 0; i < n; ++i) y[i] += tap * x[i + k];
  }
}

// Zeros in the guards around a row's samples (the beamformer reads them as silence).
void clear_guards(float* row, uint32_t samples) {
  std::fill(row, row + Baseband::kGuard, 0.f);
  std::fill(row + Baseband::kGuard + samples, row + 2 * Baseband::kGuard + samples, 0.f);
}

template <typename Sample>
void demodulate_general(const Sample* rf, const Geometry& g, const std::vector<float>& taps,
                        Baseband& out) {
  const uint32_t n = g.sample_count;
  const int half = static_cast<int>(taps.size() / 2);
  // The carrier at each sample's absolute time, shared by all rows.
  std::vector<float> mix_cos(n), mix_sin(n);
  for (uint32_t i = 0; i < n; ++i) {
    const double phase =
        2 * std::numbers::pi * g.center_frequency_hz * (g.start_time_s + i / g.sampling_rate_hz);
    mix_cos[i] = static_cast<float>(std::cos(phase));
    mix_sin[i] = static_cast<float>(-std::sin(phase));
  }
  tbb::parallel_for(tbb::blocked_range<size_t>(0, out.rows, 8),
                    [&](const tbb::blocked_range<size_t>& r) {
                      std::vector<float> xr(n + 2 * half, 0.f), xi(n + 2 * half, 0.f);
                      for (size_t row = r.begin(); row != r.end(); ++row) {
                        const Sample* in = rf + row * n;
                        for (uint32_t i = 0; i < n; ++i) {
                          const float v = static_cast<float>(in[i]);
                          xr[i + half] = v * mix_cos[i];
                          xi[i + half] = v * mix_sin[i];
                        }
                        float* yr = out.re.data() + row * out.stride;
                        float* yi = out.im.data() + row * out.stride;
                        std::fill(yr, yr + out.stride, 0.f);
                        std::fill(yi, yi + out.stride, 0.f);
                        fir_add(xr.data(), taps.data(), static_cast<int>(taps.size()),
                                yr + Baseband::kGuard, static_cast<int>(n));
                        fir_add(xi.data(), taps.data(), static_cast<int>(taps.size()),
                                yi + Baseband::kGuard, static_cast<int>(n));
                      }
                    });
}

// Interleaves the two parities of the quarter-rate output, rotated by c = exp(-j phi0).
// With w = (mixed samples) * taps: w[2m] = h0 a[m] + j fb[m], w[2m+1] = fa[m] + j h0 b[m].
__attribute__((target_clones("avx512f", "avx2", "default"))) void combine_parities(
    const float* __restrict a, const float* __restrict b, const float* __restrict fa,
    const float* __restrict fb, float h0, float c_re, float c_im, float* __restrict yr,
    float* __restrict yi, int pairs) {
  for (int m = 0; m < pairs; ++m) {
    const float even_re = h0 * a[m], even_im = fb[m], odd_re = fa[m], odd_im = h0 * b[m];
    yr[2 * m] = c_re * even_re - c_im * even_im;
    yi[2 * m] = c_re * even_im + c_im * even_re;
    yr[2 * m + 1] = c_re * odd_re - c_im * odd_im;
    yi[2 * m + 1] = c_re * odd_im + c_im * odd_re;
  }
}

// fs = 4 f0. Mixed sample z[i] = v[i] (-j)^i: z[2m] = a[m] = (-1)^m v[2m] (real) and
// z[2m+1] = j b[m] with b[m] = -(-1)^m v[2m+1]. With only the centre and the odd taps k:
//   w[2m]   = h0 a[m] + j sum_k h[k] b[m + (k-1)/2],
//   w[2m+1] = sum_k h[k] a[m + (k+1)/2] + j h0 b[m].
template <typename Sample>
void demodulate_quarter_rate(const Sample* rf, const Geometry& g, const std::vector<float>& taps,
                             Baseband& out) {
  const uint32_t n = g.sample_count;
  const int half = static_cast<int>(taps.size() / 2);
  const int odd_max = half % 2 ? half : half - 1;  // largest odd tap offset
  std::vector<float> odd_taps;                     // h[k] for k = -odd_max, -odd_max + 2, ...
  for (int k = -odd_max; k <= odd_max; k += 2) odd_taps.push_back(taps[k + half]);
  const int pad = (odd_max + 1) / 2;  // zeros either side: the reference pads rf with zeros
  const int pairs = static_cast<int>((n + 1) / 2), full_pairs = static_cast<int>(n / 2);
  const double phi0 = 2 * std::numbers::pi * g.center_frequency_hz * g.start_time_s;
  const float c_re = static_cast<float>(std::cos(phi0)), c_im = static_cast<float>(-std::sin(phi0));
  const float h0 = taps[half];
  const int ntaps = static_cast<int>(odd_taps.size());
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, out.rows, 8), [&](const tbb::blocked_range<size_t>& r) {
        std::vector<float> a(pairs + 2 * pad + 1, 0.f), b(pairs + 2 * pad + 1, 0.f);
        std::vector<float> fa(pairs), fb(pairs), yr(2 * pairs), yi(2 * pairs);
        for (size_t row = r.begin(); row != r.end(); ++row) {
          const Sample* in = rf + row * n;
          for (int m = 0; m < full_pairs; ++m) {
            const float sign = 1.f - 2.f * static_cast<float>(m & 1);  // (-1)^m, branch-free
            a[pad + m] = sign * static_cast<float>(in[2 * m]);
            b[pad + m] = -sign * static_cast<float>(in[2 * m + 1]);
          }
          if (pairs > full_pairs)  // odd n: the last even sample has no odd partner
            a[pad + full_pairs] = (full_pairs % 2 ? -1.f : 1.f) * static_cast<float>(in[n - 1]);
          std::fill(fa.begin(), fa.end(), 0.f);
          std::fill(fb.begin(), fb.end(), 0.f);
          // b[m + (k-1)/2] starts at offset (-odd_max - 1)/2 = -pad; a[m + (k+1)/2] at 1 - pad.
          fir_add(b.data(), odd_taps.data(), ntaps, fb.data(), pairs);
          fir_add(a.data() + 1, odd_taps.data(), ntaps, fa.data(), pairs);
          float* out_re = out.re.data() + row * out.stride;
          float* out_im = out.im.data() + row * out.stride;
          if (n % 2 == 0) {
            combine_parities(a.data() + pad, b.data() + pad, fa.data(), fb.data(), h0, c_re, c_im,
                             out_re + Baseband::kGuard, out_im + Baseband::kGuard, pairs);
          } else {  // an odd count: the last pair has one sample too many, keep it out of the row
            combine_parities(a.data() + pad, b.data() + pad, fa.data(), fb.data(), h0, c_re, c_im,
                             yr.data(), yi.data(), pairs);
            std::copy_n(yr.data(), n, out_re + Baseband::kGuard);
            std::copy_n(yi.data(), n, out_im + Baseband::kGuard);
          }
          clear_guards(out_re, n);
          clear_guards(out_im, n);
        }
      });
}

// The quarter-rate path is exact only if the carrier is exactly fs/4 over the whole record
// (a relative error e shifts the phase by ~2 pi e n / 4 after n samples) and the even taps
// vanish (they do for a cut-off at fs/4, up to double rounding).
bool quarter_rate(const Geometry& g, const std::vector<float>& taps) {
  if (std::abs(g.sampling_rate_hz - 4 * g.center_frequency_hz) > 1e-9 * g.sampling_rate_hz)
    return false;
  const int half = static_cast<int>(taps.size() / 2);
  for (int k = 2; k <= half; k += 2)
    if (std::abs(taps[half + k]) > 1e-7f * taps[half] ||
        std::abs(taps[half - k]) > 1e-7f * taps[half])
      return false;
  return true;
}

template <typename Sample>
void demodulate_rows(const Sample* rf, const Geometry& g, Baseband& out) {
  const uint32_t n = g.sample_count;
  const size_t rows = g.transmits.size() * g.channels();
  out.rows = static_cast<uint32_t>(rows);
  out.samples = n;
  out.stride = n + 2 * Baseband::kGuard;
  // Every sample and guard is written below: no need to clear 20+ MB per frame first.
  out.re.resize(rows * out.stride + Baseband::kTail);
  out.im.resize(rows * out.stride + Baseband::kTail);
  std::fill(out.re.end() - Baseband::kTail, out.re.end(), 0.f);
  std::fill(out.im.end() - Baseband::kTail, out.im.end(), 0.f);
  const auto taps = lowpass_taps(g.sampling_rate_hz, g.center_frequency_hz);
  if (quarter_rate(g, taps))
    demodulate_quarter_rate(rf, g, taps, out);
  else
    demodulate_general(rf, g, taps, out);
}

}  // namespace

void demodulate(const int16_t* rf, const Geometry& g, Baseband& out) {
  demodulate_rows(rf, g, out);
}
void demodulate(const float* rf, const Geometry& g, Baseband& out) {
  demodulate_rows(rf, g, out);
}

}  // namespace sonoflow::das
