// das_beamformer: the node around the delay-and-sum core (das_core.hpp). It turns each rf
// frame into a baseband IQ grid, compounding all of the frame's transmits coherently.
// The grid follows the frame's probe (Cartesian for linear, polar for convex) unless the
// parameters fix it; it is rebuilt only when the probe or the parameters change. The
// plugin also registers cf_beamformer (cf_beamformer.cpp), built on the same node.
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cf_beamformer.hpp"
#include "das_node.hpp"

namespace sonoflow::das {

namespace {

Apodization apodization_named(const std::string& name) {
  if (name == "boxcar") return Apodization::boxcar;
  if (name == "tukey") return Apodization::tukey;
  return Apodization::hann;
}

Settings::GroupCompounding compounding_named(const std::string& name) {
  if (name == "envelope_max") return Settings::GroupCompounding::envelope_max;
  if (name == "envelope_mean") return Settings::GroupCompounding::envelope_mean;
  return Settings::GroupCompounding::coherent;
}

std::vector<int> groups_of(const std::vector<double>& values) {
  std::vector<int> groups;
  for (double v : values) {
    if (v != std::floor(v) || v < 0)
      throw std::invalid_argument("transmit_group takes whole numbers >= 0, not " +
                                  std::to_string(v));
    groups.push_back(static_cast<int>(v));
  }
  return groups;
}

}  // namespace

NodeSpec DasNode::spec() {
  return common_spec("das_beamformer",
                     "Delay-and-sum of plane/diverging waves with coherent compounding");
}

NodeSpec DasNode::common_spec(const std::string& type, const std::string& description) {
  return NodeSpec::processing(type, description)
      .input("rf", port_type::rf, "Channel data, one record per transmit")
      .output("iq", port_type::iq, "Compounded baseband image on a Cartesian or polar grid")
      .param(ParamSpec::real("f_number", 1.5)
                 .range(0.5, 10)
                 .doc("Receive f-number (dynamic aperture)")
                 .live())
      .param(ParamSpec::choice("apodization", "hann", {"boxcar", "hann", "tukey"})
                 .doc("Receive apodization window across the aperture")
                 .live())
      .param(ParamSpec::real("tukey_alpha", 0.5)
                 .range(0, 1)
                 .doc("Tapered fraction of a Tukey window")
                 .live())
      .param(ParamSpec::real("sound_speed_m_s", 0)
                 .range(0, 2000)
                 .in("m/s")
                 .doc("Beamforming sound speed; 0 takes the frame's")
                 .live())
      .param(ParamSpec::choice("grid", "auto", {"auto", "cartesian", "polar"})
                 .doc("Output grid: auto = polar for convex probes, Cartesian for linear"))
      .param(ParamSpec::numbers("x_range_mm", {})
                 .items(0, 2)
                 .in("mm")
                 .doc("Cartesian lateral extent [min, max]; [] spans the aperture"))
      .param(ParamSpec::numbers("angle_range_deg", {})
                 .items(0, 2)
                 .in("deg")
                 .doc("Polar angular extent [min, max]; [] spans the elements"))
      .param(ParamSpec::numbers("depth_range_mm", {})
                 .items(0, 2)
                 .in("mm")
                 .doc("Depth extent [min, max] below the array; [] = 0 to max_depth_mm"))
      .param(ParamSpec::real("max_depth_mm", 40)
                 .range(1, 300)
                 .in("mm")
                 .doc("Depth of the automatic grid"))
      .param(ParamSpec::real("pixel_x_mm", 0)
                 .range(0, 10)
                 .in("mm")
                 .doc("Lateral pixel (arc at the array when polar); 0 = lambda/2"))
      .param(
          ParamSpec::real("pixel_z_mm", 0).range(0, 10).in("mm").doc("Depth pixel; 0 = lambda/4"))
      .param(ParamSpec::numbers("rx_steer_deg", {})
                 .items(0, 31)
                 .range(-45, 45)
                 .in("deg")
                 .doc("Receive steering per transmit, sense of the transmit angle (needle mode: "
                      "the mirror echo of a needle at b off a wave at a leaves at 2b - a); "
                      "[] = 0 for all")
                 .live())
      .param(ParamSpec::real("rx_acceptance_deg", 90)
                 .range(1, 90)
                 .in("deg")
                 .doc("Elements take pixels only within this angle of their normal; 90 = no "
                      "limit")
                 .live())
      .param(ParamSpec::numbers("transmit_group", {})
                 .items(0, 31)
                 .range(0, 30)
                 .doc("Group per transmit (0, 1, ...): coherent within a group, groups combined "
                      "by group_compounding; [] = one group")
                 .live())
      .param(ParamSpec::choice("group_compounding", "coherent",
                               {"coherent", "envelope_max", "envelope_mean"})
                 .doc("coherent: all transmits summed coherently (groups ignored); envelope_*: "
                      "largest or mean envelope of the groups' views")
                 .live())
      .param(ParamSpec::numbers("group_gain_db", {})
                 .items(0, 31)
                 .range(-60, 60)
                 .in("dB")
                 .doc("Gain of each group's view before envelope compounding; [] = 0 dB")
                 .live())
      .param(ParamSpec::numbers("group_cf_exponent", {})
                 .items(0, 31)
                 .range(0, 10)
                 .doc("Coherence-factor exponent of each group's view before envelope "
                      "compounding (view x CF^p); [] = 0 for all")
                 .live());
}

void DasNode::form(const Geometry& g, std::complex<float>* out) {
  beamformer_.beamform(baseband_, g, grid_, settings_, out);
}

void DasNode::configure(const ParamSet& p) {
  settings_.f_number = p.get_real("f_number");
  settings_.apodization = apodization_named(p.get_string("apodization"));
  settings_.tukey_alpha = p.get_real("tukey_alpha");
  sound_speed_m_s_ = p.get_real("sound_speed_m_s");
  if (sound_speed_m_s_ != 0 && sound_speed_m_s_ < 1000)
    throw std::invalid_argument("sound_speed_m_s must be 0 (the frame's) or at least 1000 m/s");
  grid_kind_ = p.get_string("grid");
  x_range_ = p.get_numbers("x_range_mm");
  angle_range_ = p.get_numbers("angle_range_deg");
  depth_range_ = p.get_numbers("depth_range_mm");
  for (const auto* r : {&x_range_, &angle_range_, &depth_range_})
    if (r->size() == 1 || (r->size() == 2 && !((*r)[1] > (*r)[0])))
      throw std::invalid_argument("ranges take [min, max] with max > min, or [] for automatic");
  max_depth_mm_ = p.get_real("max_depth_mm");
  pixel_x_mm_ = p.get_real("pixel_x_mm");
  pixel_z_mm_ = p.get_real("pixel_z_mm");
  settings_.rx_steer_deg = p.get_numbers("rx_steer_deg");
  settings_.rx_acceptance_deg = p.get_real("rx_acceptance_deg");
  settings_.transmit_group = groups_of(p.get_numbers("transmit_group"));
  settings_.group_compounding = compounding_named(p.get_string("group_compounding"));
  settings_.group_gain_db = p.get_numbers("group_gain_db");
  settings_.group_cf_exponent = p.get_numbers("group_cf_exponent");
  probe_ = nullptr;
}

void DasNode::update(const std::string& name, const ParamValue& v) {
  if (name == "f_number") settings_.f_number = std::get<double>(v);
  if (name == "apodization") settings_.apodization = apodization_named(std::get<std::string>(v));
  if (name == "tukey_alpha") settings_.tukey_alpha = std::get<double>(v);
  if (name == "sound_speed_m_s") sound_speed_m_s_ = std::get<double>(v);
  if (name == "rx_steer_deg") settings_.rx_steer_deg = std::get<std::vector<double>>(v);
  if (name == "rx_acceptance_deg") settings_.rx_acceptance_deg = std::get<double>(v);
  if (name == "transmit_group")
    settings_.transmit_group = groups_of(std::get<std::vector<double>>(v));
  if (name == "group_compounding")
    settings_.group_compounding = compounding_named(std::get<std::string>(v));
  if (name == "group_gain_db") settings_.group_gain_db = std::get<std::vector<double>>(v);
  if (name == "group_cf_exponent") settings_.group_cf_exponent = std::get<std::vector<double>>(v);
}

void DasNode::process(const Input& in, Context& ctx) {
  auto rf = frame_cast<RfFrame>(in.frame);
  const Geometry g = Geometry::of(*rf, sound_speed_m_s_);
  if (rf->probe != probe_) make_grid(g, rf->probe);
  if (rf->format == SampleFormat::int16)
    demodulate(rf->samples_int16.data(), g, baseband_);
  else
    demodulate(rf->samples_float32.data(), g, baseband_);
  auto iq = std::make_shared<IqFrame>();
  iq->header = rf->header;
  iq->truth = rf->truth;
  iq->width = grid_.columns;
  iq->height = grid_.rows;
  iq->samples.resize(grid_.pixels());
  form(g, iq->samples.data());
  iq->origin_mm = {grid_.column_origin, grid_.row_origin_mm};
  iq->spacing_mm = {grid_.column_step, grid_.row_step_mm};
  iq->sector = sector_;
  iq->demodulation_hz = g.center_frequency_hz;
  iq->probe = rf->probe;
  ctx.emit(0, std::move(iq));
}

void DasNode::make_grid(const Geometry& g, std::shared_ptr<const ProbeGeometry> probe) {
  Grid grid = default_grid(g, max_depth_mm_);
  const double lambda_mm = g.sound_speed_mm_per_s / g.center_frequency_hz;
  if (grid_kind_ == "cartesian" && grid.polar) {
    grid = Grid{};
    grid.column_origin =
        -0.5 * (probe->element_positions_mm.back()[0] - probe->element_positions_mm.front()[0]);
    grid.columns = static_cast<uint32_t>(-2 * grid.column_origin / (lambda_mm / 2)) + 1;
    grid.column_step = lambda_mm / 2;
    grid.row_step_mm = lambda_mm / 4;
    grid.rows = static_cast<uint32_t>(max_depth_mm_ / grid.row_step_mm) + 1;
  }
  if (grid_kind_ == "polar" && !grid.polar)
    throw std::invalid_argument("grid: polar needs a convex probe (this probe is linear)");
  const double skin_mm = grid.polar ? -grid.apex_z_mm : 0;  // radius of the array
  const double dx = pixel_x_mm_ > 0 ? pixel_x_mm_ : lambda_mm / 2;
  const double dz = pixel_z_mm_ > 0 ? pixel_z_mm_ : lambda_mm / 4;
  const double depth0 = depth_range_.empty() ? 0 : depth_range_[0];
  const double depth1 = depth_range_.empty()
                            ? grid.row_origin_mm - skin_mm + grid.rows * grid.row_step_mm
                            : depth_range_[1];
  double c0 = grid.column_origin, c1 = grid.column_origin + (grid.columns - 1) * grid.column_step;
  if (grid.polar && angle_range_.size() == 2)
    c0 = angle_range_[0] * M_PI / 180, c1 = angle_range_[1] * M_PI / 180;
  if (!grid.polar && x_range_.size() == 2) c0 = x_range_[0], c1 = x_range_[1];
  grid.column_step = grid.polar ? dx / skin_mm : dx;
  grid.column_origin = c0;
  grid.columns = static_cast<uint32_t>((c1 - c0) / grid.column_step) + 1;
  grid.row_step_mm = dz;
  grid.row_origin_mm = skin_mm + depth0;
  grid.rows = static_cast<uint32_t>((depth1 - depth0) / dz) + 1;
  grid_ = grid;
  sector_ = nullptr;
  if (grid.polar) {
    auto sector = std::make_shared<SectorGeometry>();
    sector->apex_z_mm = static_cast<float>(grid.apex_z_mm);
    sector->start_angle_rad = static_cast<float>(grid.column_origin);
    sector->end_angle_rad =
        static_cast<float>(grid.column_origin + (grid.columns - 1) * grid.column_step);
    sector->start_radius_mm = static_cast<float>(grid.row_origin_mm);
    sector->end_radius_mm =
        static_cast<float>(grid.row_origin_mm + (grid.rows - 1) * grid.row_step_mm);
    sector_ = sector;
  }
  probe_ = std::move(probe);
}

}  // namespace sonoflow::das

SONOFLOW_PLUGIN("das_beamformer", "1.0.0", "Apache-2.0",
                "Delay-and-sum beamformers for plane and diverging waves, coherent compounding: "
                "plain DAS and coherence-factor-weighted DAS",
                sonoflow::node_type<sonoflow::das::DasNode>(),
                sonoflow::node_type<sonoflow::das::CfBeamformer>())
