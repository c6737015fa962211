// The straightforward RF simulator the fast one is checked and benchmarked against: for
// every scatterer, element and transmit, it evaluates the pulse sample by sample at the
// exact delay, in double precision. Obviously correct, and slow.
#pragma once

#include <span>
#include <vector>

#include "rf_synth.hpp"

namespace sonoflow::sim {

// rf[transmit][channel][sample] (resized and zeroed) = the echoes of the scatterers.
void reference_rf(const Acquisition& acq, std::span<const Scatterer> diffuse,
                  std::span<const SpecularScatterer> specular, std::vector<double>& rf);

}  // namespace sonoflow::sim
