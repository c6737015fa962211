// The AVX-512 depth loop of the beamformer, chosen at run time when the CPU has it.
// Hardware gathers are what limits the portable loop: CALIBRATION.md measured ~4x from
// replacing them. For 16 consecutive depth pixels the samples they need lie in a short
// window (~3 samples per pixel on the benchmark's grid), so the window is loaded as four
// registers (64 floats) and each pixel's sample is picked with register permutes; when a
// window is longer (steep paths, coarse grids) the block falls back to gathers.
// With the coherence sums (cf_beamformer) the same loop also adds w |s|^2 per pixel.
// GCC 12 warns inside its own avx512fintrin.h (the _mm512_undefined_* idiom) once the
// intrinsics are inlined here; the warning is a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>

#include "das_kernels.hpp"

namespace sonoflow::das {

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f");
}

namespace {

// v[k] = w[local[k]] for local in [0, 64): two two-source permutes and a blend on bit 5.
__attribute__((target("avx512f"))) inline __m512 pick(__m512 w0, __m512 w1, __m512 w2, __m512 w3,
                                                      __m512i local, __mmask16 upper) {
  const __m512 low = _mm512_permutex2var_ps(w0, local, w1);
  const __m512 high = _mm512_permutex2var_ps(w2, local, w3);
  return _mm512_mask_blend_ps(upper, low, high);
}

// The interpolated baseband (vr, vi) of 16 pixels at sample positions s (already clamped
// to the row) on the row (re, im); lanes outside m are don't-care.
__attribute__((target("avx512f"), always_inline)) inline void interpolate(const float* re,
                                                                          const float* im, __m512 s,
                                                                          __mmask16 m, __m512& vr,
                                                                          __m512& vi) {
  const __m512i one = _mm512_set1_epi32(1), bit5 = _mm512_set1_epi32(32);
  const __m512i i = _mm512_cvttps_epi32(s);
  const __m512 f = _mm512_sub_ps(s, _mm512_cvtepi32_ps(i));
  // Delays grow with depth, so the first lane holds the smallest index: the window starts
  // there. One unsigned compare checks that every valid lane falls inside it (a lane
  // below the base wraps to a huge unsigned value); masked-off lanes do not count. The
  // window may reach past the row's end (Baseband::kTail keeps it allocated); those
  // samples are loaded but never picked.
  const int base = _mm512_cvtsi512_si32(i);
  const __m512i local = _mm512_sub_epi32(i, _mm512_set1_epi32(base));
  const __mmask16 inside = _mm512_mask_cmplt_epu32_mask(m, local, _mm512_set1_epi32(63));
  __m512 a, b, c, d;
  if (inside == m) {
    const __m512i local1 = _mm512_add_epi32(local, one);
    const __mmask16 upper = _mm512_test_epi32_mask(local, bit5);
    const __mmask16 upper1 = _mm512_test_epi32_mask(local1, bit5);
    const float* pr = re + base;
    const float* pi = im + base;
    const __m512 r0 = _mm512_loadu_ps(pr), r1 = _mm512_loadu_ps(pr + 16),
                 r2 = _mm512_loadu_ps(pr + 32), r3 = _mm512_loadu_ps(pr + 48);
    a = pick(r0, r1, r2, r3, local, upper);
    b = pick(r0, r1, r2, r3, local1, upper1);
    const __m512 i0 = _mm512_loadu_ps(pi), i1 = _mm512_loadu_ps(pi + 16),
                 i2 = _mm512_loadu_ps(pi + 32), i3 = _mm512_loadu_ps(pi + 48);
    c = pick(i0, i1, i2, i3, local, upper);
    d = pick(i0, i1, i2, i3, local1, upper1);
  } else {
    const __m512i i1 = _mm512_add_epi32(i, one);
    a = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, i, re, 4);
    b = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, i1, re, 4);
    c = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, i, im, 4);
    d = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, i1, im, 4);
  }
  vr = _mm512_fmadd_ps(f, _mm512_sub_ps(b, a), a);
  vi = _mm512_fmadd_ps(f, _mm512_sub_ps(d, c), c);
}

// Loads and stores of a block's 16 lanes; kFull: all lanes valid, so no masking.
template <bool kFull>
__attribute__((target("avx512f"), always_inline)) inline __m512 load(const float* p, __mmask16 m) {
  return kFull ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
}
template <bool kFull>
__attribute__((target("avx512f"), always_inline)) inline void store(float* p, __m512 v,
                                                                    __mmask16 m) {
  if constexpr (kFull)
    _mm512_storeu_ps(p, v);
  else
    _mm512_mask_storeu_ps(p, m, v);
}

// 16 rows (lanes in m) of one column from the pointers on.
template <bool kEnergy, bool kFull>
__attribute__((target("avx512f"), always_inline)) inline void block(
    const float* __restrict tx, const float* __restrict rx, const float* __restrict wr,
    const float* __restrict wi, const float* __restrict wa, const float* re, const float* im,
    float* __restrict acc_re, float* __restrict acc_im, float* __restrict energy, __mmask16 m,
    __m512 last) {
  const __m512 s = _mm512_min_ps(
      _mm512_max_ps(_mm512_add_ps(load<kFull>(tx, m), load<kFull>(rx, m)), _mm512_setzero_ps()),
      last);
  __m512 vr, vi;
  interpolate(re, im, s, m, vr, vi);
  const __m512 pwr = load<kFull>(wr, m), pwi = load<kFull>(wi, m);
  store<kFull>(acc_re, _mm512_fmadd_ps(vr, pwr, _mm512_fnmadd_ps(vi, pwi, load<kFull>(acc_re, m))),
               m);
  store<kFull>(acc_im, _mm512_fmadd_ps(vr, pwi, _mm512_fmadd_ps(vi, pwr, load<kFull>(acc_im, m))),
               m);
  if constexpr (kEnergy)
    store<kFull>(energy,
                 _mm512_fmadd_ps(load<kFull>(wa, m), _mm512_fmadd_ps(vr, vr, _mm512_mul_ps(vi, vi)),
                                 load<kFull>(energy, m)),
                 m);
}

// One column: n rows from the pointers on; full blocks, then the remainder masked.
template <bool kEnergy>
__attribute__((target("avx512f"), always_inline)) inline void column(
    const float* tx, const float* rx, const float* wr, const float* wi, const float* wa,
    const float* re, const float* im, float* acc_re, float* acc_im, float* energy, int n,
    __m512 last) {
  int r = 0;
  for (; r + 16 <= n; r += 16)
    block<kEnergy, true>(tx + r, rx + r, wr + r, wi + r, kEnergy ? wa + r : nullptr, re, im,
                         acc_re + r, acc_im + r, kEnergy ? energy + r : nullptr, 0xFFFF, last);
  if (r < n)
    block<kEnergy, false>(tx + r, rx + r, wr + r, wi + r, kEnergy ? wa + r : nullptr, re, im,
                          acc_re + r, acc_im + r, kEnergy ? energy + r : nullptr,
                          __mmask16((1u << (n - r)) - 1), last);
}

template <bool kEnergy>
__attribute__((target("avx512f"))) void tile(const TileRun& run) {
  const __m512 last = _mm512_set1_ps(run.last_index);
  for (int c = 0; c < run.columns; ++c) {
    if (run.count[c] == 0) continue;
    const size_t at = size_t(c) * run.column_stride + run.first[c], rat = run.receive_at[c];
    column<kEnergy>(run.tx + at, run.rx + rat, run.wr + rat, run.wi + rat,
                    kEnergy ? run.wa + rat : nullptr, run.re, run.im, run.acc_re + at,
                    run.acc_im + at, kEnergy ? run.energy + at : nullptr, run.count[c], last);
  }
}

}  // namespace

void accumulate_avx512(const TileRun& run) {
  if (run.energy)
    tile<true>(run);
  else
    tile<false>(run);
}

}  // namespace sonoflow::das
