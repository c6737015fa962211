// The needle scenario: an in-plane insertion at a set angle and speed towards a target,
// with hand tremor and optional out-of-plane drift; at the target the tip stops and the
// injection starts, an anechoic pocket growing at a set volume rate. Everything is a
// function of the scenario time, so a run is deterministic whatever the pacing.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "echo_model.hpp"

namespace sonoflow::sim {

struct NeedleParams {
  bool enabled = true;
  double angle_deg = 30;             // between shaft and skin surface
  int side = +1;                     // +1: enters from +x (the probe's right end), -1: left
  std::array<double, 2> target_mm{0, 20};
  double speed_mm_per_s = 5;
  int gauge = 21;
  double tremor_mm = 0.15;           // peak hand tremor, perpendicular to the shaft
  double out_of_plane_deg = 0;       // elevation drift of the shaft from the imaging plane
  double dwell_s = 0.5;              // at the target before the injection starts
  double injection_rate_ul_per_s = 100;
  double injection_volume_ul = 1000;  // the most that is injected
  // Echo strength per quarter-wavelength point of the shaft, against ~1 for a tissue
  // scatterer: the mirror part (constant, summed coherently) and the RMS of the rough-surface
  // part (random per point): needle.cpp.
  double specular = 1.2, roughness = 3.0;
  uint64_t seed = 1;

  double outer_diameter_mm() const;  // from the gauge (Stubs' table)
};

struct NeedleState {
  std::array<double, 3> entry_mm{0, 0, 0};  // where the shaft crosses z = 0
  std::array<double, 3> tip_mm{0, 0, 0};
  std::array<double, 2> direction{0, 1};    // unit vector along the shaft, into the body (x, z)
  double inserted_mm = 0;
  bool at_target = false, injecting = false;
  double volume_ul = 0, fluid_radius_mm = 0;
  std::array<double, 2> fluid_center_mm{0, 0};
};

NeedleState needle_at(const NeedleParams& p, double time_s);

// An echo repeated later and weaker: sound bouncing inside the shaft (comet tail).
struct Reverberation {
  double delay_s;
  float gain;
};

// Echo sources of the needle as it is at `state`: the shaft as specular reflectors every
// quarter wavelength, repeated by its reverberations (the first is the echo itself), and
// the bevel as a bright diffuse point at the tip.
struct NeedleEcho {
  std::vector<SpecularScatterer> shaft;
  std::vector<Reverberation> reverberations;
  std::vector<SpecularScatterer> bevel;  // empty when no needle is in
};

NeedleEcho needle_echo(const NeedleParams& p, const NeedleState& state, double wavelength_mm,
                       double sound_speed_mm_per_s);

// The same sources with every reverberation as a scatterer of its own (extra_delay_s),
// the bevel last: what the reference simulator and the tests take.
std::vector<SpecularScatterer> explicit_sources(const NeedleEcho& echo);

}  // namespace sonoflow::sim
