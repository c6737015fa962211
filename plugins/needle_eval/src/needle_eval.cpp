// needle_eval: the evaluation node of needle guidance. It compares every `needle` frame
// with the simulator's ground truth (the frame's `truth`, a NeedleTruth) and puts the
// accuracy into the run report's `results`; optionally it writes one CSV line per frame.
// It is the only node that reads `truth`: detectors never do (DESIGN.md, Frames).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "needle_csv.hpp"
#include "needle_metrics.hpp"
#include "sonoflow/sonoflow.hpp"

namespace {

using namespace sonoflow;
using namespace sonoflow::needle_eval;

void put_stat(Results& out, const std::string& key, const std::optional<Stat>& s) {
  if (!s) return;  // nothing measured: absent rather than a made-up 0
  out[key + ".median"] = s->median;
  out[key + ".p95"] = s->p95;
  out[key + ".count"] = static_cast<int64_t>(s->count);
}

void put_rate(Results& out, const std::string& key, const std::optional<double>& rate) {
  if (rate) out[key] = *rate;
}

class NeedleEval final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec::output("needle_eval",
                            "Needle-guidance accuracy against the simulator's ground truth")
        .input("needle", port_type::needle, "Guidance results carrying the simulator's truth",
               InputOptions{true, EdgePolicy::lossless})
        .param(ParamSpec::real("in_plane_tolerance_mm", 0.5)
                   .range(0, 10)
                   .in("mm")
                   .doc("Elevation slice half-thickness: tips further off-plane are not scored"))
        .param(ParamSpec::real("min_visible_shaft_mm", 5)
                   .range(0, 200)
                   .in("mm")
                   .doc("Shaft length inside the field of view for a frame to count as in-plane"))
        .param(ParamSpec::numbers("field_of_view_mm", {})
                   .items(0, 4)
                   .in("mm")
                   .doc("Imaged rectangle [x_min, x_max, z_min, z_max]; [] = all of z >= 0"))
        .param(ParamSpec::real("min_confidence", 0.5)
                   .range(0, 1)
                   .doc("Reports below this confidence count as flagged (not trusted)"))
        .param(ParamSpec::real("wild_tip_error_mm", 3)
                   .range(0, 100)
                   .in("mm")
                   .doc("An unflagged report with a larger tip error is a wild error"))
        .param(ParamSpec::real("wild_angle_error_deg", 5)
                   .range(0, 90)
                   .in("deg")
                   .doc("An unflagged report with a larger angle error is a wild error"))
        .param(ParamSpec::real("min_fluid_radius_mm", 1)
                   .range(0, 100)
                   .in("mm")
                   .doc("Injected area is scored once the pocket is at least this large"))
        .param(ParamSpec::string("csv_path", "")
                   .doc("Per-frame CSV written here (overwritten); empty: none"));
  }

  void configure(const ParamSet& p) override {
    c_.in_plane_tolerance_mm = p.get_real("in_plane_tolerance_mm");
    c_.min_visible_shaft_mm = p.get_real("min_visible_shaft_mm");
    c_.field_of_view_mm = p.get_numbers("field_of_view_mm");
    c_.min_confidence = p.get_real("min_confidence");
    c_.wild_tip_error_mm = p.get_real("wild_tip_error_mm");
    c_.wild_angle_error_deg = p.get_real("wild_angle_error_deg");
    c_.min_fluid_radius_mm = p.get_real("min_fluid_radius_mm");
    csv_path_ = p.get_string("csv_path");
    const auto& fov = c_.field_of_view_mm;
    if (fov.size() != 0 && fov.size() != 4)
      throw std::invalid_argument("field_of_view_mm must be [] or [x_min, x_max, z_min, z_max], got " +
                                  std::to_string(fov.size()) + " values");
    if (fov.size() == 4 && (fov[0] >= fov[1] || fov[2] >= fov[3]))
      throw std::invalid_argument(
          "field_of_view_mm must have x_min < x_max and z_min < z_max, got " + format_value(fov));
  }

  void start(Context&) override {
    frames_.clear();
    warned_no_truth_ = false;
    if (csv_path_.empty()) return;
    csv_.open(csv_path_, std::ios::trunc);
    if (!csv_)
      throw std::runtime_error("csv_path: cannot write '" + csv_path_ + "': " + std::strerror(errno));
    csv_ << csv_header() << "\n";
  }

  void process(const Input& in, Context& ctx) override {
    const auto needle = frame_cast<NeedleFrame>(in.frame);
    if (!needle)
      throw std::invalid_argument("needle_eval takes needle frames, got a '" +
                                  std::string(in.frame->port_type()) + "' frame");
    const auto truth = std::dynamic_pointer_cast<const NeedleTruth>(in.frame->truth);
    if (!truth && !warned_no_truth_) {
      // Once: a real acquisition or a replay without truth would repeat it every frame.
      ctx.warn("needle frame " + std::to_string(in.frame->header.sequence) +
               " carries no simulator truth (NeedleTruth); such frames are counted as "
               "frames_without_truth and not scored");
      warned_no_truth_ = true;
    }
    frames_.push_back(evaluate(*needle, truth.get(), c_));
    if (csv_.is_open()) {
      csv_ << csv_line(frames_.back()) << "\n";
      if (!csv_) throw std::runtime_error("csv_path: writing '" + csv_path_ + "' failed");
    }
  }

  void stop() override {
    if (!csv_.is_open()) return;
    csv_.close();
    if (csv_.fail()) throw std::runtime_error("csv_path: closing '" + csv_path_ + "' failed");
  }

  void results(Results& out) const override {
    const Summary s = summarize(frames_);
    out["frames"] = static_cast<int64_t>(s.frames);
    out["frames_without_truth"] = static_cast<int64_t>(s.frames_without_truth);
    out["in_plane_frames"] = static_cast<int64_t>(s.in_plane_frames);
    out["needle_free_frames"] = static_cast<int64_t>(s.needle_free_frames);
    out["other_frames"] = static_cast<int64_t>(s.other_frames);
    out["detected_in_plane"] = static_cast<int64_t>(s.detected_in_plane);
    out["false_detections"] = static_cast<int64_t>(s.false_detections);
    out["flagged_in_plane"] = static_cast<int64_t>(s.flagged_in_plane);
    out["wild_in_plane"] = static_cast<int64_t>(s.wild_in_plane);
    put_rate(out, "detection_rate", s.detection_rate);
    put_rate(out, "false_detection_rate", s.false_detection_rate);
    put_rate(out, "flagged_rate", s.flagged_rate);
    put_rate(out, "wild_rate", s.wild_rate);
    put_stat(out, "tip_error_mm", s.tip_error_mm);
    put_stat(out, "angle_error_deg", s.angle_error_deg);
    put_stat(out, "miss_prediction_error_mm", s.miss_prediction_error_mm);
    put_stat(out, "injected_area_error_pct", s.injected_area_error_pct);
  }

 private:
  Criteria c_;
  std::string csv_path_;
  std::ofstream csv_;
  std::vector<FrameEval> frames_;
  bool warned_no_truth_ = false;
};

}  // namespace

SONOFLOW_PLUGIN("needle_eval", "1.0.0", "Apache-2.0",
                "Needle-guidance evaluation against simulated ground truth",
                node_type<NeedleEval>())
