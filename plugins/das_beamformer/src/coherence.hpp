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

// iq[i] *= CF_i^exponent with CF_i from the coherent value iq[i] and the incoherent sums;
// CF is 0 where nothing was summed. Writes CF_i to coherence[i] when it is not empty.
void apply_coherence_factor(std::span<std::complex<float>> iq, std::span<const float> weight,
                            std::span<const float> energy, double exponent,
                            std::span<float> coherence = {});

}  // namespace sonoflow::das
