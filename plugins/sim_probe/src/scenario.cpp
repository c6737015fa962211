#include "scenario.hpp"

#include <cmath>
#include <stdexcept>

#include "phantom_presets.hpp"

namespace sonoflow::sim {

void declare_parameters(NodeSpec& spec) {
  spec.param(ParamSpec::choice("preset", "knee_suprapatellar",
                               {"knee_suprapatellar", "hip_anterior", "point_targets", "cyst"})
                 .doc("Scenario: probe, phantom and needle together"))
      .param(ParamSpec::choice("probe", "preset", {"preset", "linear_msk", "convex_hip"})
                 .doc("Probe model; 'preset' keeps the scenario's"))
      .param(ParamSpec::numbers("angles_deg", {})
                 .range(-30, 30)
                 .items(0, 31)
                 .in("deg")
                 .doc("Transmit steering angles per frame; [] keeps the preset's"))
      .param(ParamSpec::real("depth_mm", 0).range(0, 200).in("mm").doc("Imaging depth; 0 keeps the preset's"))
      .param(ParamSpec::integer("scatterers", 0)
                 .range(0, 5'000'000)
                 .doc("Tissue scatterer candidates at unit density; 0 keeps the preset's"))
      .param(ParamSpec::real("frame_rate_hz", 30).range(0.1, 1000).in("Hz").doc("Frames per second (real time)").live())
      // 60 dB: the tissue echo meets the noise floor at ~80 mm on the 7.6 MHz linear probe
      // (0.76 dB/mm two-way) and ~170 mm on the 3.6 MHz convex one (0.36 dB/mm), the
      // penetration such probes have; at 40 dB the knee was noise-limited from ~25 mm.
      .param(ParamSpec::real("snr_db", 60).range(0, 120).in("dB").doc("Tissue echo RMS over thermal noise, per channel before TGC"))
      .param(ParamSpec::real("attenuation_db_cm_mhz", 0.5).range(0, 5).in("dB/cm/MHz").doc("Tissue attenuation"))
      .param(ParamSpec::boolean("tgc", true).doc("Time-gain compensation of the attenuation before quantization"))
      .param(ParamSpec::boolean("transmit_directivity", false)
                 .doc("Scale each steered plane wave by the element directivity at its angle (as a real "
                      "array radiates it); off: every angle at full amplitude"))
      .param(ParamSpec::real("sound_speed_m_s", 1540).range(1300, 1800).in("m/s").doc("Speed of sound in tissue"))
      .param(ParamSpec::integer("seed", 1).at_least(0).doc("Random seed: same seed, same frames"))
      .param(ParamSpec::choice("needle", "preset", {"preset", "on", "off"}).doc("Needle insertion; 'preset' keeps the scenario's"))
      .param(ParamSpec::real("needle_angle_deg", 0).range(0, 60).in("deg").doc("Insertion angle to the skin, 20-60; 0 keeps the preset's"))
      .param(ParamSpec::choice("needle_side", "preset", {"preset", "left", "right"}).doc("Probe end the needle enters from"))
      .param(ParamSpec::numbers("target_mm", {}).items(0, 2).in("mm").doc("Target [x, z]; [] keeps the preset's"))
      .param(ParamSpec::real("needle_speed_mm_s", 5).range(0.1, 100).in("mm/s").doc("Insertion speed"))
      .param(ParamSpec::integer("needle_gauge", 21).range(18, 27).doc("Needle gauge (G)"))
      .param(ParamSpec::real("needle_specular", 1.2)
                 .range(0, 100)
                 .doc("Shaft's mirror part per quarter-wavelength point (tissue scatterer ~1)"))
      .param(ParamSpec::real("needle_roughness", 3.0)
                 .range(0, 100)
                 .doc("RMS of the shaft's rough-surface part per quarter-wavelength point"))
      .param(ParamSpec::real("tremor_mm", 0.15).range(0, 3).in("mm").doc("Peak hand tremor, across the shaft"))
      .param(ParamSpec::real("out_of_plane_deg", 0).range(-10, 10).in("deg").doc("Drift of the shaft out of the imaging plane"))
      .param(ParamSpec::real("dwell_s", 0.5).range(0, 60).in("s").doc("Pause at the target before injecting"))
      .param(ParamSpec::real("injection_rate_ul_s", 100).range(0, 5000).in("ul/s").doc("Injection volume rate; 0: no injection"))
      .param(ParamSpec::real("injection_volume_ul", 1000).range(0, 20000).in("ul").doc("Volume injected in all"));
}

namespace {

struct Preset {
  ProbeModel probe;
  Phantom phantom;
  std::vector<double> angles_deg;
  size_t scatterers;
  bool needle;
  double needle_angle_deg;
  int side;
  std::array<double, 2> target_mm;
};

Preset preset_named(const std::string& name, const std::string& probe_choice, double depth_mm) {
  const bool convex = probe_choice == "convex_hip" || (probe_choice == "preset" && name == "hip_anterior");
  const ProbeModel probe = convex ? convex_hip() : linear_msk();
  const double depth = depth_mm > 0 ? depth_mm : convex ? 80 : 40;
  if (name == "knee_suprapatellar")
    return {probe, knee_suprapatellar(), {-8, 0, 8}, 210000, true, 30, +1, {1.0, 17.5}};
  if (name == "hip_anterior")
    return {probe, hip_anterior(probe), {-10, 0, 10}, 260000, true, 45, +1, {6.0, 48.8}};
  if (name == "point_targets") return {probe, point_targets(depth), {0}, 0, false, 30, +1, {0, 20}};
  return {probe, cyst(depth), {0}, 100000, false, 30, +1, {0, 20}};
}

}  // namespace

Scenario make_scenario(const ParamSet& params) {
  const std::string preset_name = params.get_string("preset");
  const double depth = params.get_real("depth_mm");
  Preset preset = preset_named(preset_name, params.get_string("probe"), depth);
  if (depth > 0) {
    if (depth < 5) throw std::invalid_argument("depth_mm must be at least 5 mm (or 0 for the preset's)");
    preset.phantom.depth_mm = depth;
  }
  fit_to_probe(preset.phantom, preset.probe);

  Scenario s;
  s.preset = preset_name;
  s.probe = preset.probe;
  s.phantom = preset.phantom;
  s.angles_deg = params.get_numbers("angles_deg");
  if (s.angles_deg.empty()) s.angles_deg = preset.angles_deg;
  const int64_t scatterers = params.get_int("scatterers");
  s.scatterers = scatterers > 0 ? static_cast<size_t>(scatterers) : preset.scatterers;
  s.snr_db = params.get_real("snr_db");
  s.attenuation_db_per_cm_mhz = params.get_real("attenuation_db_cm_mhz");
  s.tgc = params.get_bool("tgc");
  s.transmit_directivity = params.get_bool("transmit_directivity");
  s.sound_speed_m_per_s = params.get_real("sound_speed_m_s");
  s.seed = static_cast<uint64_t>(params.get_int("seed"));

  auto& n = s.needle;
  const std::string needle = params.get_string("needle");
  n.enabled = needle == "preset" ? preset.needle : needle == "on";
  const double angle = params.get_real("needle_angle_deg");
  if (angle != 0 && (angle < 20 || angle > 60))
    throw std::invalid_argument("needle_angle_deg must be between 20 and 60 deg (or 0 for the preset's)");
  n.angle_deg = angle != 0 ? angle : preset.needle_angle_deg;
  const std::string side = params.get_string("needle_side");
  n.side = side == "preset" ? preset.side : side == "right" ? +1 : -1;
  const auto& target = params.get_numbers("target_mm");
  if (target.size() == 1) throw std::invalid_argument("target_mm takes [x, z] in mm, or [] for the preset's");
  n.target_mm = target.size() == 2 ? std::array<double, 2>{target[0], target[1]} : preset.target_mm;
  if (n.enabled && (n.target_mm[1] <= 0 || n.target_mm[1] >= s.phantom.depth_mm))
    throw std::invalid_argument("target_mm depth must lie inside the image (0 < z < " +
                                std::to_string(static_cast<int>(s.phantom.depth_mm)) + " mm)");
  n.speed_mm_per_s = params.get_real("needle_speed_mm_s");
  n.gauge = static_cast<int>(params.get_int("needle_gauge"));
  n.specular = params.get_real("needle_specular");
  n.roughness = params.get_real("needle_roughness");
  n.tremor_mm = params.get_real("tremor_mm");
  n.out_of_plane_deg = params.get_real("out_of_plane_deg");
  n.dwell_s = params.get_real("dwell_s");
  n.injection_rate_ul_per_s = params.get_real("injection_rate_ul_s");
  n.injection_volume_ul = params.get_real("injection_volume_ul");
  n.seed = s.seed;
  return s;
}

}  // namespace sonoflow::sim
