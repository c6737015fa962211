// acme_probe: a SonoFlow device plugin for the Acme linear probe. It wraps the vendor's
// callback-based C SDK (here the stand-in in vendor/): the SDK streams on its own thread
// and hands over each frame in a callback, which turns it into an `rf` frame and emits it.
// That is why the node derives from Node and not ThreadedDevice: the vendor owns the loop.
#include <sonoflow/sonoflow.hpp>

#include <stdexcept>

#include "acme_sdk.hpp"

namespace {

using namespace sonoflow;

class AcmeProbe final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec::device("acme_probe", "Acme L5-128 linear probe through the Acme SDK")
        .output("rf", port_type::rf, "Channel data of the active aperture, one plane wave")
        .param(ParamSpec::integer("channels", 64)
                   .range(16, 128)
                   .doc("Active channels, centred on the array"))
        .param(ParamSpec::real("frame_rate_hz", 30)
                   .range(1, 200)
                   .in("Hz")
                   .doc("Frames per second the probe streams (free-running under --fast)")
                   .live())
        .param(ParamSpec::real("scatterer_depth_mm", 20)
                   .range(5, 30)
                   .in("mm")
                   .doc("Depth of the point target in the Acme test phantom")
                   .live())
        .param(ParamSpec::real("scatterer_x_mm", 0)
                   .range(-15, 15)
                   .in("mm")
                   .doc("Lateral position of the point target in the Acme test phantom")
                   .live());
  }

  ~AcmeProbe() override { stop(); }

  void configure(const ParamSet& params) override {
    channels_ = static_cast<uint32_t>(params.get_int("channels"));
    frame_rate_hz_ = params.get_real("frame_rate_hz");
    depth_mm_ = params.get_real("scatterer_depth_mm");
    x_mm_ = params.get_real("scatterer_x_mm");
    const AcmeProbeInfo info = acme_probe_info();
    if (channels_ > info.element_count)
      throw std::invalid_argument("channels: the " + std::string(info.model) + " has only " +
                                  std::to_string(info.element_count) + " elements");
    // Built once and shared by every frame: frames carry a pointer, not a copy.
    auto probe = std::make_shared<ProbeGeometry>();
    probe->model = info.model;
    probe->element_width_mm = static_cast<float>(info.element_width_mm);
    probe->center_frequency_hz = static_cast<float>(info.center_frequency_hz);
    probe->fractional_bandwidth = static_cast<float>(info.fractional_bandwidth);
    for (uint32_t c = 0; c < channels_; ++c) {
      const double x = (c - (channels_ - 1) / 2.0) * info.pitch_mm;
      probe->element_positions_mm.push_back({static_cast<float>(x), 0, 0});
      probe->element_normal_angles_rad.push_back(0);
    }
    probe_ = std::move(probe);
  }

  void start(Context& ctx) override {
    ctx_ = &ctx;
    fast_ = ctx.fast();
    const AcmeConfig config{channels_, rate_hz(), x_mm_, depth_mm_};
    device_ = acme_open(&config);
    if (!device_) throw std::runtime_error("acme_open refused the configuration");
    acme_set_frame_callback(device_, &AcmeProbe::on_frame, this);
    if (acme_start(device_) != 0) {
      acme_close(device_);
      device_ = nullptr;
      throw std::runtime_error("acme_start failed");
    }
  }

  void stop() override {
    if (!device_) return;
    acme_stop(device_);  // joins the SDK thread: no callback touches this node afterwards
    acme_close(device_);
    device_ = nullptr;
  }

  // Runs on the SDK thread (through apply_pending_params in the callback), or before
  // start() when nothing streams yet.
  void update(const std::string& name, const ParamValue& value) override {
    const double v = std::get<double>(value);
    if (name == "frame_rate_hz") frame_rate_hz_ = v;
    if (name == "scatterer_depth_mm") depth_mm_ = v;
    if (name == "scatterer_x_mm") x_mm_ = v;
    if (!device_) return;
    acme_set_frame_rate(device_, rate_hz());
    acme_set_phantom(device_, x_mm_, depth_mm_);
  }

 private:
  double rate_hz() const { return fast_ ? 0 : frame_rate_hz_; }

  // An exception must never unwind into the vendor's C code: report it instead, and the
  // node's error policy (skip or stop) decides.
  static void on_frame(const AcmeFrame* in, void* user) {
    auto* self = static_cast<AcmeProbe*>(user);
    try {
      self->emit(*in);
    } catch (const std::exception& e) {
      self->ctx_->error(e.what());
    } catch (...) {
      self->ctx_->error("unknown exception in the Acme frame callback");
    }
  }

  void emit(const AcmeFrame& in) {
    // Between frames is the only safe moment for live changes: they reach the SDK now
    // and apply from its next frame on.
    ctx_->apply_pending_params();
    auto rf = std::make_shared<RfFrame>();
    rf->header = ctx_->stamp();
    rf->probe = probe_;
    rf->transmits = {Transmit{0, 0}};  // one plane wave, not steered
    rf->channel_count = in.channel_count;
    rf->sample_count = in.sample_count;
    rf->format = SampleFormat::int16;
    rf->samples_int16.assign(in.samples, in.samples + size_t{in.channel_count} * in.sample_count);
    rf->sampling_rate_hz = in.sampling_rate_hz;
    rf->sound_speed_m_per_s = 1540;
    rf->start_time_s = 0;
    // false: the pipeline is stopping and stop() follows; the frame is simply dropped.
    ctx_->emit(0, std::move(rf));
  }

  Context* ctx_ = nullptr;
  AcmeDevice* device_ = nullptr;
  std::shared_ptr<const ProbeGeometry> probe_;
  uint32_t channels_ = 0;
  double frame_rate_hz_ = 0, depth_mm_ = 0, x_mm_ = 0;
  bool fast_ = false;
};

}  // namespace

SONOFLOW_PLUGIN("acme_probe", "1.0.0", "MIT", "Driver for the Acme L5-128 probe (example)",
                sonoflow::node_type<AcmeProbe>())
