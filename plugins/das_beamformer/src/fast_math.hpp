// Branch-free sine and cosine of a phase given in cycles, for the beamformer's per-pixel
// phase rotations: std::sincos does not vectorise and cost more than the whole delay-and-sum
// in prototypes. Accuracy ~1e-6, far below the float rounding of the delays themselves.
#pragma once

namespace sonoflow::das {

// cos and sin of 2 pi * cycles. Reduces to [-0.5, 0.5] cycles, evaluates Taylor series at
// half the angle (|x| <= pi/2, where degree 9/10 are accurate to ~4e-7), then doubles.
inline void sincos_cycles(float cycles, float& cos_out, float& sin_out) {
  // Round to nearest by the 1.5 * 2^23 trick: std::nearbyint needs SSE4.1 to vectorise,
  // this works on every target (|cycles| < 2^22; the build never uses -ffast-math).
  const float r = cycles - ((cycles + 12582912.f) - 12582912.f);
  const float x = r * 3.14159265358979f;  // half of 2 pi r
  const float x2 = x * x;
  const float s =
      x * (1.f + x2 * (-1.f / 6 + x2 * (1.f / 120 + x2 * (-1.f / 5040 + x2 * (1.f / 362880)))));
  const float c =
      1.f + x2 * (-0.5f +
                  x2 * (1.f / 24 + x2 * (-1.f / 720 + x2 * (1.f / 40320 - x2 * (1.f / 3628800)))));
  cos_out = c * c - s * s;
  sin_out = 2.f * s * c;
}

// The cosine taper 0.5 (1 + cos(pi t)) = cos^2(pi t / 2) for t in [0, 1]: one even
// polynomial (the angle is at most pi/2) instead of a full sincos_cycles.
inline float hann_taper(float t) {
  const float x = t * 1.57079632679f;
  const float x2 = x * x;
  const float c =
      1.f + x2 * (-0.5f +
                  x2 * (1.f / 24 + x2 * (-1.f / 720 + x2 * (1.f / 40320 - x2 * (1.f / 3628800)))));
  return c * c;
}

}  // namespace sonoflow::das
