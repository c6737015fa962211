// cf_beamformer: the node; see cf_beamformer.hpp. Registered by the das_beamformer plugin
// (das_beamformer.cpp holds the plugin entry point).
#include "cf_beamformer.hpp"

namespace sonoflow::das {

NodeSpec CfBeamformer::spec() {
  return common_spec("cf_beamformer",
                     "Coherence-factor-weighted delay-and-sum (Mallart & Fink, Hollman)")
      .param(ParamSpec::real("cf_exponent", 1)
                 .range(0, 10)
                 .doc("Output = CF^cf_exponent x DAS; 0 gives plain DAS, larger suppresses "
                      "incoherent signal more")
                 .live());
}

void CfBeamformer::configure(const ParamSet& p) {
  DasNode::configure(p);
  cf_exponent_ = p.get_real("cf_exponent");
  check_coherent();
}

// CF weights the coherent sum; an envelope compound of groups has none to weight.
void CfBeamformer::check_coherent() const {
  if (settings_.group_compounding != Settings::GroupCompounding::coherent)
    throw std::invalid_argument(
        "cf_beamformer: group_compounding must be coherent (the coherence factor weights the "
        "coherent sum of all transmits)");
}

void CfBeamformer::update(const std::string& name, const ParamValue& v) {
  DasNode::update(name, v);
  if (name == "cf_exponent") cf_exponent_ = std::get<double>(v);
  check_coherent();
}

void CfBeamformer::form(const Geometry& g, std::complex<float>* out) {
  beamformer_.beamform(baseband_, g, grid_, settings_, cf_exponent_, out);
}

}  // namespace sonoflow::das
