// sim_probe: the simulated probe, SonoFlow's embedded default source. It emits per-channel
// rf frames of a scenario (probe + phantom + needle) that a real beamformer can image,
// with the scenario's ground truth in each frame's `truth` (for evaluation nodes only).
#include <atomic>
#include <memory>

#include "scenario.hpp"
#include "sonoflow/sonoflow.hpp"

namespace {

using namespace sonoflow;

class SimProbe final : public ThreadedDevice {
 public:
  static NodeSpec spec() {
    auto spec = NodeSpec::device("sim_probe",
                                 "Simulated probe: per-channel rf of a joint phantom with a needle")
                    .output("rf", port_type::rf, "Channel data, one record per transmit angle");
    sim::declare_parameters(spec);
    return spec;
  }

  void configure(const ParamSet& params) override {
    simulation_ = std::make_unique<sim::Simulation>(sim::make_scenario(params));
    rate_hz_ = params.get_real("frame_rate_hz");
    frame_ = 0;
    time_s_ = 0;
    const auto& acq = simulation_->acquisition();
    transmits_.clear();
    for (const auto& t : acq.transmits) transmits_.push_back(t);
  }

  void update(const std::string& name, const ParamValue& value) override {
    if (name == "frame_rate_hz") rate_hz_ = std::get<double>(value);
  }

  void results(Results& out) const override {
    out["frames"] = static_cast<int64_t>(frame_);
    out["tissue_scatterers"] = static_cast<int64_t>(simulation_ ? simulation_->tissue_scatterers() : 0);
    out["scenario_time_s"] = time_s_;
  }

 protected:
  bool produce(Context& ctx) override {
    const auto& acq = simulation_->acquisition();
    auto rf = std::make_shared<RfFrame>();
    auto truth = std::make_shared<NeedleTruth>();
    sim::NeedleState needle;
    rf->header = ctx.stamp();
    simulation_->synthesize(time_s_, frame_, rf->samples_int16, needle);
    rf->probe = simulation_->geometry();
    rf->transmits = transmits_;
    rf->channel_count = static_cast<uint32_t>(acq.channel_count());
    rf->sample_count = acq.sample_count;
    rf->format = SampleFormat::int16;
    rf->sampling_rate_hz = acq.sampling_rate_hz;
    rf->sound_speed_m_per_s = acq.physics.sound_speed_mm_per_s / 1e3;
    rf->start_time_s = acq.start_time_s;
    fill_truth(needle, *truth);
    rf->truth = std::move(truth);
    ++frame_;
    // Scenario time advances by the nominal frame interval, not the wall clock: a run is
    // the same frame for frame in real time and under --fast.
    time_s_ += 1.0 / rate_hz_.load();
    return ctx.emit(0, std::move(rf));
  }

  double frame_rate_hz() const override { return rate_hz_; }

 private:
  void fill_truth(const sim::NeedleState& s, NeedleTruth& t) const {
    const auto& p = simulation_->scenario().needle;
    t.needle_present = p.enabled && s.inserted_mm > 0;
    t.tip_mm = s.tip_mm;
    t.entry_mm = s.entry_mm;
    t.shaft_angle_deg = p.angle_deg;
    t.in_plane_offset_mm = s.tip_mm[1];
    t.target_mm = p.target_mm;
    t.injecting = s.injecting;
    t.injected_volume_ul = s.volume_ul;
    t.fluid_center_mm = s.fluid_center_mm;
    t.fluid_radius_mm = s.fluid_radius_mm;
  }

  std::unique_ptr<sim::Simulation> simulation_;
  std::vector<Transmit> transmits_;
  std::atomic<double> rate_hz_{30};
  uint64_t frame_ = 0;
  double time_s_ = 0;
};

}  // namespace

SONOFLOW_PLUGIN("sim_probe", "1.0.0", "Apache-2.0",
                "Physics-based simulated probe: joint phantoms, needle insertion, injection",
                node_type<SimProbe>())
