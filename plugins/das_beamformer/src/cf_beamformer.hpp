// cf_beamformer: coherence-factor-weighted delay-and-sum (coherence.hpp). Same ports,
// parameters, grid and demodulation as das_beamformer (DasNode), plus `cf_exponent`:
// each pixel is the DAS value times CF^cf_exponent.
#pragma once

#include "coherence.hpp"
#include "das_node.hpp"

namespace sonoflow::das {

class CfBeamformer final : public DasNode {
 public:
  static NodeSpec spec();
  void configure(const ParamSet& p) override;
  void update(const std::string& name, const ParamValue& v) override;

 protected:
  void form(const Geometry& g, std::complex<float>* out) override;

 private:
  void check_coherent() const;
  CoherenceBeamformer beamformer_;
  double cf_exponent_ = 1;
};

}  // namespace sonoflow::das
