// Coherence-factor weighting: see coherence.hpp.
#include "coherence.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

namespace sonoflow::das {

void CoherenceBeamformer::beamform(const Baseband& bb, const Geometry& g, const Grid& grid,
                                   const Settings& s, double cf_exponent, std::complex<float>* out,
                                   std::span<float> coherence) {
  weight_.resize(grid.pixels());
  energy_.resize(grid.pixels());
  const IncoherentSums sums{weight_.data(), energy_.data()};
  das_.beamform(bb, g, grid, s, out, &sums);
  apply_coherence_factor({out, grid.pixels()}, weight_, energy_, cf_exponent, coherence);
}

void apply_coherence_factor(std::span<std::complex<float>> iq, std::span<const float> weight,
                            std::span<const float> energy, double exponent,
                            std::span<float> coherence) {
  const float p = static_cast<float>(exponent);
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, iq.size(), 4096), [&](const tbb::blocked_range<size_t>& r) {
        for (size_t i = r.begin(); i != r.end(); ++i) {
          const float cf =
              coherence_factor(std::norm(std::complex<double>(iq[i])), weight[i], energy[i]);
          iq[i] *= coherence_gain(cf, p);
          if (!coherence.empty()) coherence[i] = cf;
        }
      });
}

}  // namespace sonoflow::das
