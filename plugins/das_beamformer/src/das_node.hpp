// The beamformer nodes of the das_beamformer plugin share everything but the per-pixel
// sum: the rf port, the iq port, the parameters (aperture, apodization, sound speed,
// grid), the grid built once per probe and the demodulation. DasNode is that shared node
// and das_beamformer itself; another algorithm (cf_beamformer.cpp) derives from it,
// adds its parameters to common_spec() and overrides form(), so that a pipeline swaps
// the algorithm by changing one `type:` line and nothing else.
#pragma once

#include <complex>
#include <memory>
#include <string>
#include <vector>

#include "das_core.hpp"
#include "sonoflow/sonoflow.hpp"

namespace sonoflow::das {

class DasNode : public Node {
 public:
  static NodeSpec spec();
  void configure(const ParamSet& p) override;
  void update(const std::string& name, const ParamValue& v) override;
  void process(const Input& in, Context& ctx) override;

 protected:
  // A processing spec `rf` -> `iq` with the parameters every beamformer here takes.
  static NodeSpec common_spec(const std::string& type, const std::string& description);
  // The grid_.pixels() output values from the demodulated baseband_ (plain DAS here).
  virtual void form(const Geometry& g, std::complex<float>* out);

  Settings settings_;
  Baseband baseband_;
  Grid grid_;

 private:
  void make_grid(const Geometry& g, std::shared_ptr<const ProbeGeometry> probe);

  Beamformer beamformer_;
  std::shared_ptr<const SectorGeometry> sector_;
  std::shared_ptr<const ProbeGeometry> probe_;
  double sound_speed_m_s_ = 0, max_depth_mm_ = 40, pixel_x_mm_ = 0, pixel_z_mm_ = 0;
  std::string grid_kind_;
  std::vector<double> x_range_, angle_range_, depth_range_;
};

}  // namespace sonoflow::das
