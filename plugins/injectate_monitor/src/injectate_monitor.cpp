// injectate_monitor: image + needle (+ optional overlay) of one acquisition -> the needle
// frame with its injectate fields filled, and an overlay with the fluid drawn. The
// algorithm is monitor.hpp; this file is ports, parameters and frame plumbing.
#include <opencv2/imgproc.hpp>

#include "monitor.hpp"
#include "overlay.hpp"
#include "sonoflow/join.hpp"
#include "sonoflow/sonoflow.hpp"

namespace {

using namespace sonoflow;
namespace inj = sonoflow::injectate;

enum Port : size_t { kImage = 0, kNeedle = 1, kOverlay = 2 };

inj::RasterGeometry geometry_of(const Raster& r) { return {r.origin_mm, r.spacing_mm}; }

// A raster's pixels as an OpenCV header over them (no copy).
cv::Mat view_of(const Raster& r) {
  return cv::Mat(static_cast<int>(r.height), static_cast<int>(r.width), r.channels == 3 ? CV_8UC3 : CV_8UC1,
                 const_cast<uint8_t*>(r.pixels.data()));
}

void check_raster(const Raster& r, const char* port) {
  if (auto why = r.check(); !why.empty())
    throw std::invalid_argument(std::string("input '") + port + "': " + why);
  if (r.sector)
    throw std::invalid_argument(std::string("input '") + port +
                                "' is a polar (sector) image; put scan_convert before injectate_monitor");
  if (r.channels != 1 && r.channels != 3)
    throw std::invalid_argument(std::string("input '") + port + "' has " + std::to_string(r.channels) +
                                " channels; 1 (grey) or 3 (BGR) expected");
  if (r.spacing_mm[0] <= 0 || r.spacing_mm[1] <= 0)
    throw std::invalid_argument(std::string("input '") + port + "' has no positive pixel spacing");
}

class InjectateMonitor final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec::processing("injectate_monitor",
                                "Injectate spread around the needle tip against a pre-injection baseline")
        .input("image", port_type::image, "Grey B-mode image (Cartesian, mm geometry)")
        .input("needle", port_type::needle, "Needle guidance result of the same image")
        .input("overlay", port_type::overlay, "Guidance overlay to draw on (else a copy of the image)",
               {.required = false})
        .output("needle", port_type::needle, "The needle frame with the injectate fields filled")
        .output("overlay", port_type::overlay, "Colour image with the fluid outline, area and alert")
        .param(ParamSpec::numbers("target_mm", {}).items(0, 2).in("mm")
                   .doc("Target [x, z]; [] uses the needle frame's target").live())
        .param(ParamSpec::real("arm_distance_mm", 2).range(0.1, 20).in("mm")
                   .doc("Tip this close to the target arms the monitor").live())
        .param(ParamSpec::real("stationary_mm", 0.5).range(0.01, 5).in("mm")
                   .doc("A tip within this of where it came to rest counts as still").live())
        .param(ParamSpec::real("release_distance_mm", 6).range(0.5, 50).in("mm")
                   .doc("Tip this far from the injection point ends monitoring").live())
        .param(ParamSpec::integer("arm_frames", 3).range(1, 100).doc("Resting frames before the baseline"))
        .param(ParamSpec::integer("baseline_frames", 6).range(1, 100).doc("Frames averaged into the baseline"))
        .param(ParamSpec::real("window_mm", 40).range(4, 200).in("mm")
                   .doc("Side of the square analysed around the target"))
        .param(ParamSpec::real("cell_mm", 0.1).range(0.02, 1).in("mm").doc("Analysis grid pitch"))
        .param(ParamSpec::real("smooth_mm", 0.5).range(0, 5).in("mm")
                   .doc("Gaussian sigma that averages speckle out"))
        .param(ParamSpec::real("anechoic_margin", 45).range(1, 255).in("grey")
                   .doc("Anechoic: this far below the tissue median (grey levels)").live())
        .param(ParamSpec::real("min_contrast", 5).range(0.5, 255).in("grey")
                   .doc("A cell is tissue when this much brighter than the fluid near it").live())
        .param(ParamSpec::real("fluid_search_mm", 2).range(0.2, 20).in("mm")
                   .doc("The fluid level near a cell: the darkest level this close").live())
        .param(ParamSpec::real("dynamic_range_db", 60).range(10, 120).in("dB")
                   .doc("Log compression of the grey image: grey 0 to 255 spans this many dB"))
        .param(ParamSpec::real("close_mm", 1.2).range(0, 10).in("mm")
                   .doc("Closing diameter that bridges the shaft across fluid").live())
        .param(ParamSpec::real("seed_radius_mm", 1.5).range(0.1, 10).in("mm")
                   .doc("Compartment sought this close to the tip; new fluid filling this disc pools").live())
        .param(ParamSpec::real("min_area_mm2", 5).range(0, 1000).in("mm2")
                   .doc("Injected area from which the injectate counts as present").live())
        .param(ParamSpec::real("leak_margin_mm", 1.5).range(0, 50).in("mm")
                   .doc("Tolerance beyond the uniformly distended compartment").live())
        .param(ParamSpec::real("leak_area_mm2", 4).range(0, 1000).in("mm2")
                   .doc("Fluid beyond it that counts as a leak").live())
        .param(ParamSpec::integer("leak_frames", 3).range(1, 100).doc("Leaking frames before the alert"));
  }

  void configure(const ParamSet& p) override {
    auto& s = monitor_.settings();
    for (const auto& [name, value] : p.values()) apply(s, name, value);
    s.arm_frames = static_cast<int>(p.get_int("arm_frames"));
    s.baseline_frames = static_cast<int>(p.get_int("baseline_frames"));
    s.leak_frames = static_cast<int>(p.get_int("leak_frames"));
    s.window_mm = p.get_real("window_mm");
    s.cell_mm = p.get_real("cell_mm");
    s.smooth_mm = p.get_real("smooth_mm");
    s.dynamic_range_db = p.get_real("dynamic_range_db");
    if (s.window_mm < 10 * s.cell_mm)
      throw std::invalid_argument("window_mm (" + std::to_string(s.window_mm) +
                                  ") must span at least 10 cells of cell_mm (" + std::to_string(s.cell_mm) + ")");
  }

  void update(const std::string& name, const ParamValue& value) override { apply(monitor_.settings(), name, value); }

  void start(Context& ctx) override {
    std::vector<size_t> ports{kImage, kNeedle};
    overlay_connected_ = ctx.input_connected(kOverlay);
    if (overlay_connected_) ports.push_back(kOverlay);
    joiner_ = InputJoiner(ports);
  }

  void process(const Input& in, Context& ctx) override {
    auto joined = joiner_.add(in.port, in.frame);
    if (!joined) return;
    const auto image = frame_cast<ImageFrame>((*joined)[0]);
    const auto needle = frame_cast<NeedleFrame>((*joined)[1]);
    if (!image || !needle) throw std::invalid_argument("inputs 'image' and 'needle' expect image and needle frames");
    check_raster(*image, "image");
    cv::Mat grey = view_of(*image);
    if (image->channels == 3) cv::cvtColor(grey, grey, cv::COLOR_BGR2GRAY);

    const inj::NeedleInput n{needle->detected, needle->tip_mm, needle->has_target, needle->target_mm};
    const inj::Measurement m = monitor_.process(grey, geometry_of(*image), n);
    record(m);

    auto out = std::make_shared<NeedleFrame>(*needle);  // header, truth and needle part kept
    out->injectate_monitored = m.monitored;
    out->injectate_present = m.present;
    out->injectate_area_mm2 = m.area_mm2;
    out->injectate_min_mm = m.min_mm;
    out->injectate_max_mm = m.max_mm;
    out->injectate_outline_mm = m.outline_mm;
    out->injectate_contained = m.contained;
    out->leak_alert = m.leak_alert;
    out->warnings.insert(out->warnings.end(), m.warnings.begin(), m.warnings.end());
    for (const auto& w : m.warnings)
      if (w != last_warning_) ctx.warn(last_warning_ = w);

    ctx.emit(0, std::move(out));
    ctx.emit(1, make_overlay(*image, overlay_connected_ ? frame_cast<OverlayFrame>((*joined)[2]) : nullptr, m));
  }

  void results(Results& out) const override {
    out["frames_monitored"] = frames_monitored_;
    out["final_area_mm2"] = final_area_mm2_;
    out["max_area_mm2"] = max_area_mm2_;
    out["leak_alerts"] = leak_alerts_;
    out["compartment_area_mm2"] = monitor_.compartment_area_mm2();
    out["dropped_incomplete"] = static_cast<int64_t>(joiner_.dropped());
  }

 private:
  static void apply(inj::Settings& s, const std::string& name, const ParamValue& value) {
    if (name == "target_mm") {
      const auto& t = std::get<std::vector<double>>(value);
      if (t.size() == 1) throw std::invalid_argument("parameter 'target_mm' takes [x, z] in mm, or [] for the needle's");
      s.target_mm = t.size() == 2 ? std::optional<inj::PointMm>(inj::PointMm{t[0], t[1]}) : std::nullopt;
      return;
    }
    const double* x = std::get_if<double>(&value);
    if (!x) return;
    if (name == "arm_distance_mm") s.arm_distance_mm = *x;
    if (name == "stationary_mm") s.stationary_mm = *x;
    if (name == "release_distance_mm") s.release_distance_mm = *x;
    if (name == "anechoic_margin") s.anechoic_margin = *x;
    if (name == "min_contrast") s.min_contrast = *x;
    if (name == "fluid_search_mm") s.fluid_search_mm = *x;
    if (name == "close_mm") s.close_mm = *x;
    if (name == "seed_radius_mm") s.seed_radius_mm = *x;
    if (name == "min_area_mm2") s.min_area_mm2 = *x;
    if (name == "leak_margin_mm") s.leak_margin_mm = *x;
    if (name == "leak_area_mm2") s.leak_area_mm2 = *x;
  }

  void record(const inj::Measurement& m) {
    if (!m.monitored) return;
    ++frames_monitored_;
    final_area_mm2_ = m.area_mm2;
    max_area_mm2_ = std::max(max_area_mm2_, m.area_mm2);
    if (m.leak_alert && !alerting_) ++leak_alerts_;
    alerting_ = m.leak_alert;
  }

  static FramePtr make_overlay(const ImageFrame& image, std::shared_ptr<const OverlayFrame> base,
                               const inj::Measurement& m) {
    auto out = std::make_shared<OverlayFrame>();
    out->header = image.header;
    out->truth = image.truth;
    const Raster& from = base ? static_cast<const Raster&>(*base) : image;
    if (base) check_raster(*base, "overlay");
    out->copy_geometry(from);
    out->channels = 3;
    out->pixels.resize(size_t{from.width} * from.height * 3);
    cv::Mat bgr(static_cast<int>(from.height), static_cast<int>(from.width), CV_8UC3, out->pixels.data());
    const cv::Mat src = view_of(from);
    if (from.channels == 3) src.copyTo(bgr);
    else cv::cvtColor(src, bgr, cv::COLOR_GRAY2BGR);
    inj::draw(bgr, geometry_of(from), m);
    return out;
  }

  inj::Monitor monitor_;
  InputJoiner joiner_;
  bool overlay_connected_ = false, alerting_ = false;
  int64_t frames_monitored_ = 0, leak_alerts_ = 0;
  double final_area_mm2_ = 0, max_area_mm2_ = 0;
  std::string last_warning_;
};

}  // namespace

SONOFLOW_PLUGIN("injectate_monitor", "1.0.0", "Apache-2.0",
                "Injectate spread around the needle tip: area, extent, containment, leak alert",
                node_type<InjectateMonitor>())
