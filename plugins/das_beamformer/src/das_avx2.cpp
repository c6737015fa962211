// The AVX2 depth loop of the beamformer, for CPUs without AVX-512 (chosen at run time).
// Same idea as das_avx512.cpp with 8 pixels per register: 8 consecutive depth pixels
// need samples from a ~24-sample window, so a 32-sample window is loaded as four
// registers and each pixel's sample picked with in-register permutes (vpermps picks
// within 8 floats; two blends on bits 3 and 4 of the index choose the register). AVX2
// gathers are slow on the CPUs that lack AVX-512 (microcoded on AMD before Zen 4), so
// they are only the fallback for longer windows.
#include <immintrin.h>

#include <cstdint>

#include "das_kernels.hpp"

namespace sonoflow::das {

bool cpu_has_avx2() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

namespace {

#define SONOFLOW_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline

// v[k] = w[local[k]] for local in [0, 32); bit3/bit4 hold bit 3/4 of local in the sign bit.
SONOFLOW_AVX2 __m256 pick(__m256 w0, __m256 w1, __m256 w2, __m256 w3, __m256i local, __m256 bit3,
                          __m256 bit4) {
  const __m256 low = _mm256_blendv_ps(_mm256_permutevar8x32_ps(w0, local),
                                      _mm256_permutevar8x32_ps(w1, local), bit3);
  const __m256 high = _mm256_blendv_ps(_mm256_permutevar8x32_ps(w2, local),
                                       _mm256_permutevar8x32_ps(w3, local), bit3);
  return _mm256_blendv_ps(low, high, bit4);
}

// Interpolated baseband (vr, vi) of 8 pixels at clamped sample positions s; `valid` has
// all bits set in the lanes that count.
SONOFLOW_AVX2 void interpolate(const float* re, const float* im, __m256 s, __m256i valid,
                               __m256& vr, __m256& vi) {
  const __m256i i = _mm256_cvttps_epi32(s);
  const __m256 f = _mm256_sub_ps(s, _mm256_cvtepi32_ps(i));
  // Delays grow with depth: lane 0 holds the smallest index and starts the window. Lanes
  // outside [0, 31) (the pick of local + 1 must stay inside too) need the fallback;
  // Baseband::kTail keeps a window past the last row's end allocated.
  const int base = _mm256_cvtsi256_si32(i);
  const __m256i local = _mm256_sub_epi32(i, _mm256_set1_epi32(base));
  const __m256i outside = _mm256_or_si256(_mm256_cmpgt_epi32(local, _mm256_set1_epi32(30)),
                                          _mm256_cmpgt_epi32(_mm256_setzero_si256(), local));
  __m256 a, b, c, d;
  if (_mm256_testz_si256(outside, valid)) {
    const __m256i local1 = _mm256_add_epi32(local, _mm256_set1_epi32(1));
    const __m256 bit3 = _mm256_castsi256_ps(_mm256_slli_epi32(local, 28));
    const __m256 bit4 = _mm256_castsi256_ps(_mm256_slli_epi32(local, 27));
    const __m256 bit3_1 = _mm256_castsi256_ps(_mm256_slli_epi32(local1, 28));
    const __m256 bit4_1 = _mm256_castsi256_ps(_mm256_slli_epi32(local1, 27));
    const float* pr = re + base;
    const float* pi = im + base;
    const __m256 r0 = _mm256_loadu_ps(pr), r1 = _mm256_loadu_ps(pr + 8),
                 r2 = _mm256_loadu_ps(pr + 16), r3 = _mm256_loadu_ps(pr + 24);
    a = pick(r0, r1, r2, r3, local, bit3, bit4);
    b = pick(r0, r1, r2, r3, local1, bit3_1, bit4_1);
    const __m256 i0 = _mm256_loadu_ps(pi), i1 = _mm256_loadu_ps(pi + 8),
                 i2 = _mm256_loadu_ps(pi + 16), i3 = _mm256_loadu_ps(pi + 24);
    c = pick(i0, i1, i2, i3, local, bit3, bit4);
    d = pick(i0, i1, i2, i3, local1, bit3_1, bit4_1);
  } else {
    const __m256i i1 = _mm256_add_epi32(i, _mm256_set1_epi32(1));
    const __m256 zero = _mm256_setzero_ps(), m = _mm256_castsi256_ps(valid);
    a = _mm256_mask_i32gather_ps(zero, re, i, m, 4);
    b = _mm256_mask_i32gather_ps(zero, re, i1, m, 4);
    c = _mm256_mask_i32gather_ps(zero, im, i, m, 4);
    d = _mm256_mask_i32gather_ps(zero, im, i1, m, 4);
  }
  vr = _mm256_fmadd_ps(f, _mm256_sub_ps(b, a), a);
  vi = _mm256_fmadd_ps(f, _mm256_sub_ps(d, c), c);
}

template <bool kFull>
SONOFLOW_AVX2 __m256 load(const float* p, __m256i valid) {
  return kFull ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, valid);
}
template <bool kFull>
SONOFLOW_AVX2 void store(float* p, __m256 v, __m256i valid) {
  if constexpr (kFull)
    _mm256_storeu_ps(p, v);
  else
    _mm256_maskstore_ps(p, valid, v);
}

// 8 rows (lanes in valid) of one column from the pointers on.
template <bool kEnergy, bool kFull>
SONOFLOW_AVX2 void block(const float* tx, const float* rx, const float* wr, const float* wi,
                         const float* wa, const float* re, const float* im, float* acc_re,
                         float* acc_im, float* energy, __m256i valid, __m256 last) {
  const __m256 s =
      _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(load<kFull>(tx, valid), load<kFull>(rx, valid)),
                                  _mm256_setzero_ps()),
                    last);
  __m256 vr, vi;
  interpolate(re, im, s, valid, vr, vi);
  const __m256 pwr = load<kFull>(wr, valid), pwi = load<kFull>(wi, valid);
  store<kFull>(acc_re,
               _mm256_fmadd_ps(vr, pwr, _mm256_fnmadd_ps(vi, pwi, load<kFull>(acc_re, valid))),
               valid);
  store<kFull>(acc_im,
               _mm256_fmadd_ps(vr, pwi, _mm256_fmadd_ps(vi, pwr, load<kFull>(acc_im, valid))),
               valid);
  if constexpr (kEnergy)
    store<kFull>(
        energy,
        _mm256_fmadd_ps(load<kFull>(wa, valid), _mm256_fmadd_ps(vr, vr, _mm256_mul_ps(vi, vi)),
                        load<kFull>(energy, valid)),
        valid);
}

template <bool kEnergy>
__attribute__((target("avx2,fma"))) void tile(const TileRun& run) {
  const __m256 last = _mm256_set1_ps(run.last_index);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (int c = 0; c < run.columns; ++c) {
    const int n = run.count[c];
    const size_t at = size_t(c) * run.column_stride + run.first[c], rat = run.receive_at[c];
    const float *tx = run.tx + at, *rx = run.rx + rat, *wr = run.wr + rat, *wi = run.wi + rat;
    const float* wa = kEnergy ? run.wa + rat : nullptr;
    float *acc_re = run.acc_re + at, *acc_im = run.acc_im + at;
    float* energy = kEnergy ? run.energy + at : nullptr;
    int r = 0;
    const __m256i all = _mm256_set1_epi32(-1);
    for (; r + 8 <= n; r += 8)
      block<kEnergy, true>(tx + r, rx + r, wr + r, wi + r, kEnergy ? wa + r : nullptr, run.re,
                           run.im, acc_re + r, acc_im + r, kEnergy ? energy + r : nullptr, all,
                           last);
    if (r < n) {
      const __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - r), lane);
      block<kEnergy, false>(tx + r, rx + r, wr + r, wi + r, kEnergy ? wa + r : nullptr, run.re,
                            run.im, acc_re + r, acc_im + r, kEnergy ? energy + r : nullptr, valid,
                            last);
    }
  }
}

}  // namespace

void accumulate_avx2(const TileRun& run) {
  if (run.energy)
    tile<true>(run);
  else
    tile<false>(run);
}

}  // namespace sonoflow::das
