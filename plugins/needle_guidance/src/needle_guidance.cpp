// The needle_guidance plugin: two node types with the same ports and parameters that
// differ only in how they find shaft candidates (needle_guidance: ridge filter + Hough;
// needle_guidance_ransac: top-hat + RANSAC). Tip search, tracking, geometry and overlay
// are shared (guidance.hpp); swap the method with one `type:` line.
#include <stdexcept>

#include "guidance.hpp"
#include "params.hpp"
#include "sonoflow/sonoflow.hpp"

namespace {

using namespace sonoflow;
using needle::Method;

template <Method kMethod>
class NeedleNode final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec s = NodeSpec::processing(
        kMethod == Method::hough ? "needle_guidance" : "needle_guidance_ransac",
        kMethod == Method::hough
            ? "In-plane needle detection (ridge filter + Hough), tracking and guidance"
            : "In-plane needle detection (top-hat + RANSAC), tracking and guidance");
    s.input("image", port_type::image, "Cartesian B-mode image (grey or BGR) with mm geometry")
        .output("needle", port_type::needle, "Needle, trajectory, target distances and warnings in mm")
        .output("overlay", port_type::overlay, "The image in colour with the guidance drawn in");
    needle::declare_parameters(s);
    return s;
  }

  void configure(const ParamSet& p) override {
    params_ = p;
    guidance_.set_settings(needle::settings_from(p));
    draw_ = needle::draw_options_from(p);
  }

  void update(const std::string& name, const ParamValue& v) override {
    ParamSet next = params_;
    next.set(name, v);
    // Clicking a target in a viewer sets target_mm: that is asking for guidance to it.
    if (name == "target_mm") next.set("use_target", true);
    // A live change that does not make sense is refused as a whole (the last good
    // settings stay) — settings_from names the parameter.
    guidance_.set_settings(needle::settings_from(next));
    draw_ = needle::draw_options_from(next);
    params_ = std::move(next);
  }

  void process(const Input& in, Context& ctx) override {
    auto image = frame_cast<ImageFrame>(in.frame);
    if (!image) throw std::invalid_argument("needle guidance: input 'image' got a frame that is not an image");
    auto result = std::make_shared<NeedleFrame>();
    result->header = image->header;
    result->truth = image->truth;  // passed on for evaluation nodes; never read here
    guidance_.process(*image, *result);
    ++frames_;
    detected_ += result->detected;
    measured_ += result->measured;
    warned_ += result->out_of_plane_warning;
    auto overlay = needle::draw_overlay(*image, *result, draw_);
    overlay->header = image->header;
    overlay->truth = image->truth;
    ctx.emit(0, std::move(result));
    ctx.emit(1, std::move(overlay));
  }

  void results(Results& out) const override {
    out["frames"] = static_cast<int64_t>(frames_);
    out["detected_frames"] = static_cast<int64_t>(detected_);
    out["measured_frames"] = static_cast<int64_t>(measured_);
    out["out_of_plane_warnings"] = static_cast<int64_t>(warned_);
  }

 private:
  ParamSet params_;
  needle::Guidance guidance_{kMethod, {}};
  needle::DrawOptions draw_;
  uint64_t frames_ = 0, detected_ = 0, measured_ = 0, warned_ = 0;
};

}  // namespace

SONOFLOW_PLUGIN("needle_guidance", "1.0.0", "Apache-2.0",
                "In-plane needle detection, tracking and guidance (two detector methods)",
                node_type<NeedleNode<Method::hough>>(), node_type<NeedleNode<Method::ransac>>())
