#include "monitor.hpp"

#include <cmath>
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
  baseline_.release();
  compartment_.release();
  distance_cells_.release();
  compartment_outline_.clear();
  compartment_area_mm2_ = compartment_perimeter_mm_ = 0;
}

bool Monitor::tip_resting(const NeedleInput& n) {
  if (!n.detected) return false;
  const auto target = s_.target_mm ? s_.target_mm : n.has_target ? std::optional(n.target_mm) : std::nullopt;
  if (target) return distance_mm(n.tip_mm, *target) <= s_.arm_distance_mm;
  // No target: the tip standing still is the sign that the operator is about to inject.
  const bool still = last_tip_ && distance_mm(n.tip_mm, *last_tip_) <= s_.stationary_mm;
  return still;
}

void Monitor::start_baseline() {
  baseline_sum_.release();
  baseline_count_ = 0;
  tip_sum_ = {0, 0};
}

// The anechoic region at the seed in two passes: cells clearly darker than the tissue
// (by anechoic_margin) find the fluid and its level; its boundary is then drawn at the
// grey level halfway between the fluid's and the tissue's, near where a blurred step
// edge lies (a fixed margin would move it by a fraction of the blur, which matters for a
// 2 mm pocket). On speckle it still lies ~0.15 mm inside the edge (see README).
cv::Mat Monitor::fluid_at(const cv::Mat& smoothed, const cv::Mat& allowed, double tissue_level) const {
  const cv::Point seed = window_.cell_of(injection_point_);
  const double seed_cells = s_.seed_radius_mm / s_.cell_mm;
  const cv::Mat core = region_at(closed((smoothed < tissue_level - s_.anechoic_margin) & allowed,
                                        s_.close_mm, s_.cell_mm), seed, seed_cells);
  if (count(core) == 0) return core;
  const double threshold = (tissue_level + median_level(smoothed, core)) / 2;
  const cv::Mat dark = (smoothed < threshold) & allowed;
  // The closing only decides what is connected: counted, it would also fill the notches
  // of the speckle-rough boundary and grow every region by ~0.15 mm. Holes inside the
  // region (speckle of noise above the threshold) are fluid all the same.
  return filled(region_at(closed(dark, s_.close_mm, s_.cell_mm), seed, seed_cells) & dark);
}

void Monitor::finish_baseline() {
  baseline_ = baseline_sum_ / baseline_count_;
  injection_point_ = {tip_sum_[0] / baseline_count_, tip_sum_[1] / baseline_count_};
  const cv::Point seed = window_.cell_of(injection_point_);
  const cv::Mat everywhere(baseline_.size(), CV_8U, cv::Scalar(255));
  // First against the window's median, then against the tissue right around the fluid
  // (or the tip): the window may hold brighter tendon or a dark bone shadow.
  const cv::Mat core = fluid_at(baseline_, everywhere, median_level(baseline_));
  cv::Mat origin = core.clone();
  if (count(origin) == 0 && window_.contains(seed)) origin.at<uint8_t>(seed) = 255;
  const cv::Mat ring = within(origin, kRingOuterMm, s_.cell_mm) & ~within(origin, kRingInnerMm, s_.cell_mm);
  tissue_level_ = median_level(baseline_, ring);
  if (std::isnan(tissue_level_)) tissue_level_ = median_level(baseline_);
  compartment_ = fluid_at(baseline_, everywhere, tissue_level_);
  compartment_area_mm2_ = count(compartment_) * window_.cell_area_mm2();
  compartment_outline_ = outline_mm(compartment_, window_, &compartment_perimeter_mm_);
  // Distances are measured from the compartment, or from the tip when it is in tissue.
  origin = compartment_.clone();
  if (count(origin) == 0 && window_.contains(seed)) origin.at<uint8_t>(seed) = 255;
  cv::Mat outside = origin == 0;
  cv::distanceTransform(outside, distance_cells_, cv::DIST_L2, cv::DIST_MASK_PRECISE);
  state_ = State::monitoring;
}

Measurement Monitor::process(const cv::Mat& grey, const RasterGeometry& g, const NeedleInput& n) {
  Measurement m;
  switch (state_) {
    case State::idle:
      resting_frames_ = tip_resting(n) ? resting_frames_ + 1 : 0;
      if (n.detected) last_tip_ = n.tip_mm;
      if (resting_frames_ < s_.arm_frames) return m;
      state_ = State::armed;
      start_baseline();
      [[fallthrough]];
    case State::armed: {
      if (!tip_resting(n)) {
        to_idle();
        if (n.detected) last_tip_ = n.tip_mm;
        m.warnings.push_back("injectate monitor: the tip left the target before the baseline was complete");
        return m;
      }
      last_tip_ = n.tip_mm;
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
  return measure(smoothed_window(grey, g, window_, s_.smooth_mm));
}

Measurement Monitor::measure(const cv::Mat& now) {
  Measurement m;
  m.monitored = true;
  m.injection_point_mm = injection_point_;
  m.compartment_mm = compartment_outline_;
  // Fluid lay in the compartment or has darkened since the baseline: a dark structure
  // that was already there (a bone shadow) is not injectate.
  const cv::Mat fluid = fluid_at(now, compartment_ | (now < baseline_ - s_.darkening), tissue_level_) | compartment_;
  const cv::Mat injected = fluid & ~compartment_;
  m.area_mm2 = count(injected) * window_.cell_area_mm2();
  m.present = m.area_mm2 >= s_.min_area_mm2;
  m.outline_mm = outline_mm(fluid, window_);
  if (!m.outline_mm.empty()) {
    m.min_mm = m.max_mm = m.outline_mm.front();
    for (const auto& p : m.outline_mm)
      for (int k = 0; k < 2; ++k) {
        m.min_mm[k] = std::min(m.min_mm[k], p[k]);
        m.max_mm[k] = std::max(m.max_mm[k], p[k]);
      }
  }
  // Contained: within the compartment distended uniformly to hold the injected area.
  const double allowed_mm =
      uniform_distension_mm(compartment_perimeter_mm_, m.area_mm2) + s_.leak_margin_mm;
  const cv::Mat beyond = injected & (distance_cells_ > allowed_mm / s_.cell_mm);
  m.outside_mm2 = count(beyond) * window_.cell_area_mm2();
  m.contained = m.outside_mm2 <= s_.leak_area_mm2;
  leak_streak_ = m.contained ? 0 : leak_streak_ + 1;
  m.leak_alert = leak_streak_ >= s_.leak_frames;
  if (m.leak_alert)
    m.warnings.push_back("injectate leaking outside the target compartment: " + format_mm2(m.outside_mm2) +
                         " beyond it");
  if (m.monitored && compartment_area_mm2_ == 0 && m.present)
    m.warnings.push_back("injectate pooling in tissue: no fluid-filled compartment at the tip");
  return m;
}

}  // namespace sonoflow::injectate
