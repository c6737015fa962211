// The injectate monitor, framework-free: a state machine over (grey image, needle tip,
// target) that captures a pre-injection baseline once the tip rests at the target, then
// measures the fluid growing around the tip against it.
//
//   idle ──tip still, and within arm_distance_mm of the target if there is one, for
//          arm_frames──► armed ──baseline_frames averaged──► monitoring
//   armed ──tip moves──► idle;  monitoring ──tip measured beyond release_distance_mm
//          of the injection point for arm_frames──► idle
//
// The baseline's target compartment is the anechoic region connected to the injection
// point: smoothed grey below the local tissue level by anechoic_margin finds it, its
// boundary lies halfway between its level and the tissue's (fluid_at).
// While monitoring, each cell's share of tissue echo lost since the baseline is measured
// in echo power (echo_lost); the injected area is that share summed over the window:
// fluid filling a pocket in tissue, or the band a compartment's wall sweeps as it
// distends (the simulator's pi r^2 either way). Cells
// that lost half their echo or more are the new fluid; the spread is contained while none
// of it lies, in a layer thicker than a uniform distension would make, beyond the
// compartment distended uniformly to hold that area (Steiner: A = P d + pi d^2) plus
// leak_margin_mm.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fluid_map.hpp"

namespace sonoflow::injectate {

struct Settings {
  std::optional<PointMm> target_mm;  // overrides the needle frame's target when set
  double arm_distance_mm = 2.0;
  double stationary_mm = 0.5;  // a tip within this of where it came to rest is still
  double release_distance_mm = 6.0;
  int arm_frames = 3;
  int baseline_frames = 6;
  double window_mm = 40;
  double cell_mm = 0.1;
  double smooth_mm = 0.5;
  double anechoic_margin = 45;    // grey levels below the tissue median
  double min_contrast = 5;  // grey levels above the fluid level near it that make a cell tissue
  double dynamic_range_db = 60;  // of the grey image's log compression
  double fluid_search_mm = 2;    // the fluid level near a cell: the darkest level this close
  double close_mm = 1.2;
  double seed_radius_mm = 1.5;
  double min_area_mm2 = 5;
  double leak_margin_mm = 1.5;
  double leak_area_mm2 = 4;
  int leak_frames = 3;
};

struct NeedleInput {
  bool detected = false;
  PointMm tip_mm{0, 0};
  bool has_target = false;
  PointMm target_mm{0, 0};
};

enum class State { idle, armed, monitoring };

struct Measurement {
  bool monitored = false;
  bool present = false;
  double area_mm2 = 0;     // injected: the tissue echo lost since the baseline, as area
  double outside_mm2 = 0;  // new fluid beyond the distended compartment + margin
  bool contained = true;
  bool leak_alert = false;
  // Fluid regions (new fluid and the compartment, closed, holes filled) of min_area_mm2
  // or more: their outlines, largest first, the largest alone, and their bounding box.
  std::vector<std::vector<PointMm>> outlines_mm;
  std::vector<PointMm> outline_mm;
  PointMm min_mm{0, 0}, max_mm{0, 0};
  std::vector<PointMm> compartment_mm;  // the baseline compartment's outline
  PointMm injection_point_mm{0, 0};
  std::vector<std::string> warnings;
};

class Monitor {
 public:
  explicit Monitor(Settings s = {}) : s_(std::move(s)) {}
  Settings& settings() { return s_; }

  // One image (8-bit grey, Cartesian) with the needle result of the same acquisition.
  Measurement process(const cv::Mat& grey, const RasterGeometry& g, const NeedleInput& needle);

  State state() const { return state_; }
  double compartment_area_mm2() const { return compartment_area_mm2_; }

 private:
  void to_idle();
  bool tip_resting(const NeedleInput& needle);
  void start_baseline();
  void finish_baseline();
  cv::Mat fluid_at(const cv::Mat& smoothed, double tissue_level) const;
  Measurement measure(const cv::Mat& power);
  cv::Mat echo_lost(const cv::Mat& power) const;

  Settings s_;
  State state_ = State::idle;
  int resting_frames_ = 0, away_frames_ = 0, leak_streak_ = 0;
  std::optional<PointMm> rest_point_;  // where the tip came to rest (tip_resting)
  PointMm tip_sum_{0, 0};
  Window window_;
  cv::Mat baseline_sum_;  // smoothed grey, summed over the baseline frames
  cv::Mat compartment_;
  cv::Mat power_sum_, baseline_power_;  // smoothed echo power (echo_power)
  cv::Mat origin_;                      // the compartment, or the injection point's cell in tissue
  int baseline_count_ = 0;
  double compartment_area_mm2_ = 0, compartment_perimeter_mm_ = 0;
  PointMm injection_point_{0, 0};
  std::vector<PointMm> compartment_outline_;
};

}  // namespace sonoflow::injectate
