#include "monitor.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>

#include <opencv2/imgproc.hpp>

namespace sonoflow::injectate {

namespace {

// The ring of tissue whose brightness is the reference: 1 to 3 mm out from the fluid,
// beyond the blur of its edge, close enough to be the tissue the fluid displaces.
constexpr double kRingInnerMm = 1, kRingOuterMm = 3;

double distance_mm(PointMm a, PointMm b) { return std::hypot(a[0] - b[0], a[1] - b[1]); }

// The uniform wall displacement d that lets a convex region of perimeter P hold `area`
// more (Steiner's formula: A = P d + pi d^2); for a point (P = 0) the radius of a disc.
double uniform_distension_mm(double perimeter_mm, double area_mm2) {
  const double pi = std::numbers::pi;
  return (-perimeter_mm + std::sqrt(perimeter_mm * perimeter_mm + 4 * pi * area_mm2)) / (2 * pi);
}

std::string format_mm2(double v) {
  std::ostringstream o;
  o.precision(1);
  o << std::fixed << v << " mm2";
  return o.str();
}

}  // namespace

void Monitor::to_idle() {
  state_ = State::idle;
  resting_frames_ = away_frames_ = leak_streak_ = baseline_count_ = 0;
  baseline_sum_.release();
  power_sum_.release();
  baseline_power_.release();
  compartment_.release();
  origin_.release();
  compartment_outline_.clear();
  compartment_area_mm2_ = compartment_perimeter_mm_ = 0;
}

bool Monitor::tip_resting(const NeedleInput& n) {
  // The tip standing still is the sign that the operator is about to inject; a baseline
  // taken while the needle still advances would see it move as change. Still: within
  // stationary_mm of where it came to rest (a slow advance drifts out of it).
  if (!n.detected) {
    rest_point_.reset();
    return false;
  }
  if (!rest_point_ || distance_mm(n.tip_mm, *rest_point_) > s_.stationary_mm) {
    rest_point_ = n.tip_mm;
    return false;
  }
  const auto target = s_.target_mm ? s_.target_mm : n.has_target ? std::optional(n.target_mm) : std::nullopt;
  return !target || distance_mm(n.tip_mm, *target) <= s_.arm_distance_mm;
}

void Monitor::start_baseline() {
  baseline_sum_.release();
  power_sum_.release();
  baseline_count_ = 0;
  tip_sum_ = {0, 0};
}

// The baseline's anechoic region at the seed in two passes: cells clearly darker than
// the tissue (by anechoic_margin) find the fluid and its level; its boundary is then drawn
// at the grey level halfway between the fluid's and the tissue's, near where a blurred
// step edge lies (a fixed margin would move it by a fraction of the blur). On speckle it
// still lies ~0.1 mm inside the wall: the point spread blurs echo amplitude, and a log-
// compressed edge is steeper on its dark side (README).
cv::Mat Monitor::fluid_at(const cv::Mat& smoothed, double tissue_level) const {
  const cv::Point seed = window_.cell_of(injection_point_);
  const double seed_cells = s_.seed_radius_mm / s_.cell_mm;
  const cv::Mat core =
      region_at(closed(smoothed < tissue_level - s_.anechoic_margin, s_.close_mm, s_.cell_mm), seed,
                seed_cells);
  if (count(core) == 0) return core;
  const double threshold = (tissue_level + median_level(smoothed, core)) / 2;
  const cv::Mat dark = smoothed < threshold;
  // The closing only decides what is connected: counted, it would also fill the notches
  // of the speckle-rough boundary. Holes inside the region (speckle of noise above the
  // threshold) are fluid all the same.
  return filled(region_at(closed(dark, s_.close_mm, s_.cell_mm), seed, seed_cells) & dark);
}

void Monitor::finish_baseline() {
  const cv::Mat baseline = baseline_sum_ / baseline_count_;  // grey: finds the compartment
  baseline_power_ = power_sum_ / baseline_count_;
  injection_point_ = {tip_sum_[0] / baseline_count_, tip_sum_[1] / baseline_count_};
  const cv::Point seed = window_.cell_of(injection_point_);
  // First against the window's median, then against the tissue right around the fluid
  // (or the tip): the window may hold brighter tendon or a dark bone shadow.
  const cv::Mat core = fluid_at(baseline, median_level(baseline));
  cv::Mat origin = core.clone();
  if (count(origin) == 0 && window_.contains(seed)) origin.at<uint8_t>(seed) = 255;
  const cv::Mat ring = within(origin, kRingOuterMm, s_.cell_mm) & ~within(origin, kRingInnerMm, s_.cell_mm);
  double tissue_level = median_level(baseline, ring);
  if (std::isnan(tissue_level)) tissue_level = median_level(baseline);
  compartment_ = fluid_at(baseline, tissue_level);
  compartment_area_mm2_ = count(compartment_) * window_.cell_area_mm2();
  compartment_outline_ = outline_mm(compartment_, window_, &compartment_perimeter_mm_);
  // Distances are measured from the compartment, or from the tip when it is in tissue.
  origin_ = compartment_.clone();
  if (count(origin_) == 0 && window_.contains(seed)) origin_.at<uint8_t>(seed) = 255;
  state_ = State::monitoring;
}

// The share of each cell's echo lost since the baseline, in echo power (which adds up
// over scatterers, so that a cell half filled with fluid loses half its tissue echo):
//   lost = (baseline - now) / (baseline - fluid level),
// the fluid level being the darkest level within fluid_search_mm now. 0 for unchanged
// tissue, 1 for tissue replaced by fluid, negative where it brightened (the needle moving
// in). Cells no brighter than that fluid by min_contrast at the baseline held no tissue
// to lose; nor did the baseline compartment, whose blurred edge would otherwise count,
// cell by cell, as tissue lost.
cv::Mat Monitor::echo_lost(const cv::Mat& power) const {
  // A gain change scales every cell alike; most of the window does not change.
  const cv::Mat gain_ratio = baseline_power_ / cv::max(power, std::numeric_limits<float>::min());
  const cv::Mat now = power * median_level(gain_ratio);
  // A square window: separable, so its cost does not grow with its area as a disc's does.
  const int d = static_cast<int>(std::lround(2 * s_.fluid_search_mm / s_.cell_mm)) | 1;
  cv::Mat fluid_level;
  cv::erode(now, fluid_level, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(d, d)),
            cv::Point(-1, -1), 1, cv::BORDER_REPLICATE);
  const double min_ratio = std::pow(10.0, s_.min_contrast / 255 * s_.dynamic_range_db / 10);
  const cv::Mat held_tissue = (baseline_power_ >= fluid_level * min_ratio) & ~compartment_;
  const cv::Mat contrast =
      cv::max(baseline_power_ - fluid_level, std::numeric_limits<float>::min());
  cv::Mat lost = cv::min(cv::max((baseline_power_ - now) / contrast, -1.0), 1.0);
  lost.setTo(0, ~held_tissue);
  return lost;
}

Measurement Monitor::process(const cv::Mat& grey, const RasterGeometry& g, const NeedleInput& n) {
  Measurement m;
  switch (state_) {
    case State::idle:
      resting_frames_ = tip_resting(n) ? resting_frames_ + 1 : 0;
      if (resting_frames_ < s_.arm_frames) return m;
      state_ = State::armed;
      start_baseline();
      [[fallthrough]];
    case State::armed: {
      if (!tip_resting(n)) {
        to_idle();
        m.warnings.push_back("injectate monitor: the tip moved before the baseline was complete");
        return m;
      }
      if (baseline_count_ == 0) {
        const auto target = s_.target_mm ? *s_.target_mm : n.has_target ? n.target_mm : n.tip_mm;
        window_ = Window::around(target, s_.window_mm, s_.cell_mm, g, grey.size());
        if (window_.cols < 3 || window_.rows < 3) {
          to_idle();
          m.warnings.push_back("injectate monitor: the target lies outside the image");
          return m;
        }
      }
      const cv::Mat smoothed = smoothed_window(grey, g, window_, s_.smooth_mm);
      if (baseline_sum_.empty()) baseline_sum_ = cv::Mat::zeros(smoothed.size(), CV_32F);
      baseline_sum_ += smoothed;
      const cv::Mat power =
          smoothed_window(echo_power(grey, s_.dynamic_range_db), g, window_, s_.smooth_mm);
      if (power_sum_.empty()) power_sum_ = cv::Mat::zeros(power.size(), CV_32F);
      power_sum_ += power;
      tip_sum_ = {tip_sum_[0] + n.tip_mm[0], tip_sum_[1] + n.tip_mm[1]};
      if (++baseline_count_ < s_.baseline_frames) return m;
      finish_baseline();
      break;
    }
    case State::monitoring:
      away_frames_ = n.detected && distance_mm(n.tip_mm, injection_point_) > s_.release_distance_mm
                         ? away_frames_ + 1 : 0;
      if (away_frames_ >= s_.arm_frames) {
        to_idle();
        m.warnings.push_back("injectate monitor: the needle left the injection point; monitoring ended");
        return m;
      }
      break;
  }
  return measure(smoothed_window(echo_power(grey, s_.dynamic_range_db), g, window_, s_.smooth_mm));
}

Measurement Monitor::measure(const cv::Mat& power) {
  Measurement m;
  m.monitored = true;
  m.injection_point_mm = injection_point_;
  m.compartment_mm = compartment_outline_;
  const cv::Mat lost = echo_lost(power);
  // The injected area is the echo lost, summed over the window: the sum does not depend
  // on the blur of the edges, where counting the cells past a threshold would (a band
  // thinner than the blur would count as wide as the blur).
  m.area_mm2 = std::max(0.0, cv::sum(lost)[0] * window_.cell_area_mm2());
  // For the outline and the containment: cells that lost at least half their echo (the
  // midpoint of a blurred edge), with the compartment and whatever they enclose.
  const cv::Mat injected = lost >= 0.5;
  const cv::Mat bridged = closed(injected | compartment_, s_.close_mm, s_.cell_mm);
  const cv::Mat fluid = filled(bridged);
  m.present = m.area_mm2 >= s_.min_area_mm2;
  m.outlines_mm = outlines_mm(fluid, window_, s_.min_area_mm2);
  if (!m.outlines_mm.empty()) {
    m.outline_mm = m.outlines_mm.front();
    m.min_mm = m.max_mm = m.outline_mm.front();
    for (const auto& poly : m.outlines_mm)
      for (const auto& p : poly)
        for (int k = 0; k < 2; ++k) {
          m.min_mm[k] = std::min(m.min_mm[k], p[k]);
          m.max_mm[k] = std::max(m.max_mm[k], p[k]);
        }
  }
  // Contained: within the compartment distended uniformly to hold the injected area.
  const double allowed_mm =
      uniform_distension_mm(compartment_perimeter_mm_, m.area_mm2) + s_.leak_margin_mm;
  // Measured from the compartment and whatever the fluid now encloses: a compartment
  // whose clutter hid part of it at the baseline shows as the ring's inside.
  cv::Mat distance_cells;
  const cv::Mat enclosed = fluid & ~bridged;
  cv::distanceTransform((origin_ | enclosed) == 0, distance_cells, cv::DIST_L2,
                        cv::DIST_MASK_PRECISE);
  // A uniform distension is a band about as thick as the distension; fluid beyond it in
  // a layer thicker than twice the allowance (what an opening by that disc keeps) leaks.
  const cv::Mat beyond =
      opened(injected, 2 * allowed_mm, s_.cell_mm) & (distance_cells > allowed_mm / s_.cell_mm);
  m.outside_mm2 = count(beyond) * window_.cell_area_mm2();
  m.contained = m.outside_mm2 <= s_.leak_area_mm2;
  leak_streak_ = m.contained ? 0 : leak_streak_ + 1;
  m.leak_alert = leak_streak_ >= s_.leak_frames;
  if (m.leak_alert)
    m.warnings.push_back("injectate leaking outside the target compartment: " + format_mm2(m.outside_mm2) +
                         " beyond it");
  // Pooling in tissue: the new fluid is around the tip itself. Distending a compartment,
  // it appears at the compartment's wall, away from the tip resting in the old fluid.
  cv::Mat at_tip = cv::Mat::zeros(injected.size(), CV_8U);
  const int seed_cells = static_cast<int>(std::lround(s_.seed_radius_mm / s_.cell_mm));
  cv::circle(at_tip, window_.cell_of(injection_point_), seed_cells, cv::Scalar(255), cv::FILLED);
  if (m.present && 2 * count(injected & at_tip) > count(at_tip))
    m.warnings.push_back("injectate pooling in tissue: no fluid-filled compartment at the tip");
  return m;
}

}  // namespace sonoflow::injectate
