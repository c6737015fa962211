// A running simulation: the scenario's phantom, probe and needle turned into rf frames.
// Holds the cached echo of the static tissue per transmit; each frame adds the needle as
// it is now, removes tissue the growing injectate has displaced (for good), adds thermal
// noise, applies TGC and quantizes to 16 bits.
#pragma once

#include <memory>
#include <vector>

#include "needle.hpp"
#include "phantom.hpp"
#include "probe_model.hpp"
#include "rf_synth.hpp"

namespace sonoflow::sim {

struct Scenario {
  std::string preset;
  ProbeModel probe;
  Phantom phantom;
  NeedleParams needle;
  std::vector<double> angles_deg;
  size_t scatterers = 100000;  // candidates at unit density; tissue keeps its own share
  double snr_db = 40;          // static echo RMS over thermal noise RMS, before TGC
  double attenuation_db_per_cm_mhz = 0.5;
  bool tgc = true;
  // A steered plane wave at angle a leaves the array with the elements' directivity at a
  // (cos a sinc(w sin a / lambda): -8.9 dB at 30 deg for the linear probe). Off: every
  // transmit at full amplitude (the behaviour before the parameter existed).
  bool transmit_directivity = false;
  double sound_speed_m_per_s = 1540;
  uint64_t seed = 1;
};

// The acquisition a scenario describes: elements, transmits (steered plane waves for a
// linear probe, diverging waves from the centre of curvature for a convex one), samples.
Acquisition make_acquisition(const Scenario& s);

class Simulation {
 public:
  explicit Simulation(Scenario scenario);

  // The frame at scenario time `time_s`: samples[transmit][channel][sample] and the
  // needle's state. `frame_index` seeds the frame's noise.
  void synthesize(double time_s, uint64_t frame_index, std::vector<int16_t>& samples,
                  NeedleState& needle);

  const Scenario& scenario() const { return scenario_; }
  const Acquisition& acquisition() const { return synth_.acquisition(); }
  const std::shared_ptr<const ProbeGeometry>& geometry() const { return geometry_; }
  size_t tissue_scatterers() const { return tissue_.size(); }

 private:
  void displace_tissue(const NeedleState& needle);
  void apply_transmit_directivity();

  Scenario scenario_;
  std::shared_ptr<const ProbeGeometry> geometry_;
  Synthesizer synth_;
  std::vector<Scatterer> tissue_;
  std::vector<float> static_rf_;  // [transmit][channel][sample], before noise and TGC
  std::vector<float> gain_;       // TGC per sample (ones when off)
  double scale_ = 1, noise_sigma_ = 0;
  // Tissue scatterers by the fluid radius at which the injectate displaces them
  // (displacement_radius_mm); the first `displaced_` of them are gone from static_rf_.
  std::vector<uint32_t> by_distance_;
  std::vector<float> distance_mm_;
  size_t displaced_ = 0;
  ImpulseField dynamic_, shaft_;
  std::vector<float> rf_;
};

}  // namespace sonoflow::sim
