// Coherence-factor weighting of a delay-and-sum image (Mallart & Fink 1994, Hollman et
// al. 1999): CF = |sum_i s_i|^2 / (N sum_i |s_i|^2) over the delayed channel samples s_i
// of a pixel, 1 for a perfectly coherent wavefront (a point reflector on its pixel) and
// ~1/N for incoherent speckle or noise; the output is CF^p times the DAS value, which
// darkens clutter and side lobes (anechoic regions) more than coherent echoes.
//
// The beamformer applies a receive apodization w_i, so this is the weighted form
//   CF = |sum_i w_i s_i|^2 / ((sum_i w_i) * sum_i w_i |s_i|^2),
// which is the classic CF for a boxcar window (w_i = 1, sum w_i = N) and, by
// Cauchy-Schwarz, still lies in [0, 1] and equals 1 for equal s_i under any window (the
// unweighted formula would cap a Hann-apodized point target at ~0.67). The sums run over
// every (transmit, element) pair the DAS core adds, so with compounding CF also measures
// coherence across transmits. Framework-free: the cf_beamformer node and tests share it.
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <span>

#include "das_core.hpp"

namespace sonoflow::das {

// Beamforms like Beamformer::beamform() and weights each pixel by CF^exponent. When
// `coherence` is not empty (grid.pixels() entries) it receives CF itself. `weight` and
// `energy` are scratch for the incoherent sums, resized here and kept across calls.
class CoherenceBeamformer {
 public:
  void beamform(const Baseband& bb, const Geometry& g, const Grid& grid, const Settings& s,
                double cf_exponent, std::complex<float>* out, std::span<float> coherence = {});

 private:
  Beamformer das_;
  std::vector<float> weight_, energy_;
};

// CF of one pixel from the squared magnitude of its coherent sum and its incoherent sums
// (weight = sum w, energy = sum w |s|^2); 0 where nothing was summed. Float rounding of the
// two sums can push a perfectly coherent pixel a hair above 1: clamped to [0, 1].
inline float coherence_factor(double coherent_squared, float weight, float energy) {
  const double denominator = double{weight} * energy;
  return denominator > 0 ? static_cast<float>(std::min(1.0, coherent_squared / denominator))
                         : 0.f;
}

// CF^exponent (exactly CF for exponent 1).
inline float coherence_gain(float cf, float exponent) {
  return exponent == 1.f ? cf : std::pow(cf, exponent);
}

// iq[i] *= CF_i^exponent with CF_i from the coherent value iq[i] and the incoherent sums;
// CF is 0 where nothing was summed. Writes CF_i to coherence[i] when it is not empty.
void apply_coherence_factor(std::span<std::complex<float>> iq, std::span<const float> weight,
                            std::span<const float> energy, double exponent,
                            std::span<float> coherence = {});

}  // namespace sonoflow::das
