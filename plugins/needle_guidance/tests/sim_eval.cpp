#include "sim_eval.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <numbers>

#include "sonoflow/recording.hpp"

namespace sonoflow::needle::test {

double EvalStats::quantile(const std::vector<double>& v, double q) const {
  if (v.empty()) return std::nan("");
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  return s[static_cast<size_t>(q * (s.size() - 1) + 0.5)];
}
double EvalStats::median(const std::vector<double>& v) const { return quantile(v, 0.5); }

std::string EvalStats::summary() const {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "frames %zu  needle %zu  detected %.1f %%  tip err median %.2f p95 %.2f mm  angle err "
                "median %.2f deg  free %zu  false %.1f %%  oop %zu warned %zu  ms median %.2f",
                frames, needle_frames, needle_frames ? 100.0 * detected / needle_frames : 0.0,
                median(tip_error_mm), quantile(tip_error_mm, 0.95), median(angle_error_deg), free_frames,
                free_frames ? 100.0 * false_detections / free_frames : 0.0, out_of_plane_frames, warned,
                median(process_ms));
  return buf;
}

std::string EvalStats::breakdown() const {
  std::string out;
  char buf[160];
  auto rate = [](const Count& c) { return c.frames ? 100.0 * c.detected / c.frames : 0.0; };
  for (const auto& [mm, c] : by_view_mm) {
    std::snprintf(buf, sizeof buf, "  shaft in view %2d-%2d mm: %4zu frames, detected %5.1f %%\n",
                  mm, mm + 5, c.frames, rate(c));
    out += buf;
  }
  for (const auto& [deg, c] : by_angle_deg) {
    std::snprintf(buf, sizeof buf, "  angle %2d deg: %4zu frames, detected %5.1f %%\n", deg,
                  c.frames, rate(c));
    out += buf;
  }
  std::snprintf(
      buf, sizeof buf,
      "  tip error along the shaft (+ beyond the tip): p05 %.2f median %.2f p95 %.2f mm\n",
      quantile(tip_along_mm, 0.05), median(tip_along_mm), quantile(tip_along_mm, 0.95));
  return out + buf;
}

void EvalStats::add(const EvalStats& o) {
  frames += o.frames, needle_frames += o.needle_frames, detected += o.detected;
  free_frames += o.free_frames, false_detections += o.false_detections;
  out_of_plane_frames += o.out_of_plane_frames, warned += o.warned;
  auto append = [](std::vector<double>& to, const std::vector<double>& from) {
    to.insert(to.end(), from.begin(), from.end());
  };
  append(tip_error_mm, o.tip_error_mm);
  append(angle_error_deg, o.angle_error_deg);
  append(tip_along_mm, o.tip_along_mm);
  append(process_ms, o.process_ms);
  for (auto [to, from] :
       {std::pair{&by_view_mm, &o.by_view_mm}, std::pair{&by_angle_deg, &o.by_angle_deg}})
    for (const auto& [k, c] : *from) (*to)[k].frames += c.frames, (*to)[k].detected += c.detected;
}

EvalStats evaluate(const std::filesystem::path& path, Method method, const Settings& settings, std::FILE* dump) {
  RecordingReader reader(path);
  Guidance guidance(method, settings);
  EvalStats st;
  for (size_t i = 0; i < reader.frame_count(); ++i) {
    auto frame = reader.read(i);
    auto image = std::dynamic_pointer_cast<ImageFrame>(frame);
    if (!image) continue;
    NeedleFrame out;
    // CPU time of this thread: what one core spends, whatever else loads the machine.
    timespec t0{}, t1{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    guidance.process(*image, out);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    st.process_ms.push_back((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) * 1e-6);
    ++st.frames;
    if (dump) {
      const auto& m = guidance.last_measurement();
      std::fprintf(dump,
                   "%zu det %d meas %d conf %.6f tip %.6f %.6f start %.6f %.6f angle %.6f oop %d | best %d "
                   "tip %.6f %.6f angle %.6f sig %.6f len %.6f conf %.6f fade %.6f\n",
                   i, out.detected, out.measured, out.confidence, out.tip_mm[0], out.tip_mm[1],
                   out.shaft_start_mm[0], out.shaft_start_mm[1], out.angle_deg, out.out_of_plane_warning,
                   m.has_value(), m ? m->tip_mm.x() : 0.0, m ? m->tip_mm.y() : 0.0,
                   m ? m->line.angle_deg() : 0.0, m ? m->significance : 0.0, m ? m->length_mm : 0.0,
                   m ? m->confidence : 0.0, m ? m->fade_ratio : 0.0);
    }
    auto truth = std::dynamic_pointer_cast<const NeedleTruth>(image->truth);
    if (!truth) continue;
    // Shaft length inside the imaged area (a convex probe's sector is a wedge, not the
    // image's rectangle): walked back from the tip while the image is not black there.
    const double x_min = image->origin_mm[0], x_max = x_min + (image->width - 1) * image->spacing_mm[0];
    const double z_max = image->origin_mm[1] + (image->height - 1) * image->spacing_mm[1];
    const Vec2 tip(truth->tip_mm[0], truth->tip_mm[2]);
    const Vec2 entry(truth->entry_mm[0], truth->entry_mm[2]);
    auto imaged = [&](const Vec2& p) {
      if (p.x() < x_min || p.x() > x_max || p.y() < image->origin_mm[1] || p.y() > z_max) return false;
      const auto c = static_cast<size_t>(std::lround((p.x() - x_min) / image->spacing_mm[0]));
      const auto r = static_cast<size_t>(std::lround((p.y() - image->origin_mm[1]) / image->spacing_mm[1]));
      return image->pixels[(r * image->width + c) * image->channels] != 0;
    };
    const bool tip_inside = imaged(tip);
    const Vec2 back = (entry - tip).normalized();
    double inside_mm = 0;
    while (inside_mm < (entry - tip).norm() && imaged(tip + (inside_mm + 0.2) * back)) inside_mm += 0.2;
    if (!truth->needle_present || !tip_inside) {
      ++st.free_frames;
      st.false_detections += out.detected;
      continue;
    }
    if (std::abs(truth->in_plane_offset_mm) > kInPlaneMm) {
      ++st.out_of_plane_frames;
      st.warned += out.out_of_plane_warning;
      continue;
    }
    if (inside_mm < settings.min_shaft_mm) continue;
    if (std::getenv("NEEDLE_EVAL_VERBOSE")) {  // one line per in-plane frame, for diagnosis
      const auto& m = guidance.last_measurement();
      std::fprintf(
          stderr,
          "frame %zu truth tip (%.1f, %.1f) %.1f deg, %.1f mm in view | detected %d tip (%.1f, "
          "%.1f) | best %s tip (%.1f, %.1f) %.1f deg significance %.2f length %.1f conf %.2f shift "
          "%.2f slides %d\n",
          i, tip.x(), tip.y(), truth->shaft_angle_deg, inside_mm, out.detected, out.tip_mm[0],
          out.tip_mm[1], m ? "" : "none", m ? m->tip_mm.x() : 0.0, m ? m->tip_mm.y() : 0.0,
          m ? m->line.angle_deg() : 0.0, m ? m->significance : 0.0, m ? m->length_mm : 0.0,
          m ? m->confidence : 0.0, m && m->axial_shift_mm ? *m->axial_shift_mm : std::nan(""),
          m ? static_cast<int>(m->slides) : 0);
    }
    ++st.needle_frames;
    auto& view = st.by_view_mm[5 * static_cast<int>(inside_mm / 5)];
    auto& angle = st.by_angle_deg[static_cast<int>(std::lround(truth->shaft_angle_deg))];
    ++view.frames, ++angle.frames;
    if (!out.detected) continue;
    ++st.detected, ++view.detected, ++angle.detected;
    st.tip_error_mm.push_back(std::hypot(out.tip_mm[0] - tip.x(), out.tip_mm[1] - tip.y()));
    st.tip_along_mm.push_back((Vec2(out.tip_mm[0], out.tip_mm[1]) - tip).dot(-back));
    st.angle_error_deg.push_back(std::abs(out.angle_deg - truth->shaft_angle_deg));
  }
  return st;
}

}  // namespace sonoflow::needle::test
