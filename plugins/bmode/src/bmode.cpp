// bmode: baseband IQ grid -> 8-bit grey image (envelope, gain, depth gain, log
// compression; geometry carried over: see bmode_core.hpp). All parameters are live.
#include "bmode_core.hpp"
#include "sonoflow/sonoflow.hpp"

namespace {

using namespace sonoflow;

class BMode final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec::processing("bmode", "Envelope detection and log compression to an 8-bit image")
        .input("iq", port_type::iq, "Beamformed baseband grid")
        .output("image", port_type::image, "Grey B-mode image with mm geometry")
        .param(ParamSpec::real("dynamic_range_db", 60)
                   .range(10, 120)
                   .in("dB")
                   .doc("Displayed dynamic range")
                   .live())
        .param(ParamSpec::real("gain_db", 0)
                   .range(-200, 200)
                   .in("dB")
                   .doc("Overall gain (0 dB: the reference maps to white)")
                   .live())
        .param(ParamSpec::choice("reference", "frame_max", {"frame_max", "absolute"})
                   .doc("0 dB is the frame's brightest pixel, or amplitude 1")
                   .live())
        .param(ParamSpec::real("depth_gain_db_cm", 0)
                   .range(-20, 20)
                   .in("dB/cm")
                   .doc("Extra gain per cm of depth")
                   .live());
  }
  void configure(const ParamSet& p) override {
    s_.dynamic_range_db = p.get_real("dynamic_range_db");
    s_.gain_db = p.get_real("gain_db");
    s_.depth_gain_db_per_cm = p.get_real("depth_gain_db_cm");
    s_.normalize_to_max = p.get_string("reference") == "frame_max";
  }
  void update(const std::string& name, const ParamValue& v) override {
    if (name == "reference") {
      s_.normalize_to_max = std::get<std::string>(v) == "frame_max";
      return;
    }
    const double x = std::get<double>(v);
    if (name == "dynamic_range_db") s_.dynamic_range_db = x;
    if (name == "gain_db") s_.gain_db = x;
    if (name == "depth_gain_db_cm") s_.depth_gain_db_per_cm = x;
  }
  void process(const Input& in, Context& ctx) override {
    auto image = bmode::make_image(*frame_cast<IqFrame>(in.frame), s_);
    ctx.emit(0, std::move(image));
  }

 private:
  bmode::Settings s_;
};

}  // namespace

SONOFLOW_PLUGIN("bmode", "1.0.0", "Apache-2.0", "B-mode: envelope, gain and log compression",
                node_type<BMode>())
