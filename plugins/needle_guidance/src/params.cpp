#include "params.hpp"

#include <stdexcept>

namespace sonoflow::needle {

void declare_parameters(NodeSpec& spec) {
  spec.param(ParamSpec::numbers("roi_mm", {})
                 .items(0, 4)
                 .in("mm")
                 .doc("Region searched: [x_min, z_min, x_max, z_max]; [] = the whole image")
                 .live())
      .param(ParamSpec::choice("insertion_side", "auto", {"auto", "left", "right"})
                 .doc("Probe end the needle enters from (left = -x); auto accepts both")
                 .live())
      .param(ParamSpec::numbers("angle_range_deg", {3, 80})
                 .items(2, 2)
                 .range(0, 90)
                 .in("deg")
                 .doc("[min, max] shaft angle to the probe surface that is searched")
                 .live())
      .param(ParamSpec::boolean("use_target", false)
                 .doc("Report distance and predicted miss to target_mm (set by changing target_mm too)")
                 .live())
      .param(ParamSpec::point2_mm("target_mm", {0, 20}).doc("Target point [x, z] in the image plane").live())
      .param(ParamSpec::real("min_confidence", 0.5)
                 .range(0, 1)
                 .doc("Measurements below this confidence are not taken as a needle, unless the "
                      "shaft slides along itself through still tissue")
                 .live())
      .param(ParamSpec::integer("max_coast_frames", 5)
                 .range(0, 300)
                 .in("frames")
                 .doc("Frames the tracker reports a lost needle from its prediction")
                 .live())
      .param(ParamSpec::real("min_shaft_mm", 4)
                 .range(1, 100)
                 .in("mm")
                 .doc("Shortest visible shaft taken as a needle")
                 .live())
      .param(ParamSpec::real("dynamic_range_db", 60)
                 .range(10, 120)
                 .in("dB")
                 .doc("The input's grey scale, black to white (bmode's dynamic_range_db, a "
                      "scanner's DR setting): the tip is found in echo amplitude, not grey level")
                 .live())
      .param(ParamSpec::real("working_pixel_mm", 0.2)
                 .range(0.05, 1)
                 .in("mm")
                 .doc("Pixel size images are resampled to before detection")
                 .live())
      .param(ParamSpec::boolean("draw_trajectory", true).doc("Overlay: dashed predicted path").live())
      .param(ParamSpec::boolean("draw_text", true).doc("Overlay: angle, distances and warnings as text").live())
      .param(ParamSpec::boolean("draw_roi", false).doc("Overlay: the searched region's outline").live());
}

Settings settings_from(const ParamSet& p) {
  Settings s;
  const auto& roi = p.get_numbers("roi_mm");
  if (!roi.empty()) {
    if (roi.size() != 4)
      throw std::invalid_argument("parameter 'roi_mm' needs 4 numbers [x_min, z_min, x_max, z_max] or [], got " +
                                  std::to_string(roi.size()));
    if (!(roi[0] < roi[2]) || !(roi[1] < roi[3]))
      throw std::invalid_argument("parameter 'roi_mm' must have x_min < x_max and z_min < z_max, got [" +
                                  format_value(roi) + "]");
    s.roi = BoxMm{roi[0], roi[1], roi[2], roi[3]};
  }
  const std::string& side = p.get_string("insertion_side");
  s.side = side == "left" ? Side::left : side == "right" ? Side::right : Side::any;
  const auto& range = p.get_numbers("angle_range_deg");
  if (range.size() != 2 || !(range[0] < range[1]))
    throw std::invalid_argument("parameter 'angle_range_deg' must be [min, max] with min < max, got " +
                                format_value(range));
  s.angle_min_deg = range[0];
  s.angle_max_deg = range[1];
  s.has_target = p.get_bool("use_target");
  const auto& t = p.get_numbers("target_mm");
  if (t.size() != 2) throw std::invalid_argument("parameter 'target_mm' needs [x, z]");
  s.target_mm = {t[0], t[1]};
  s.min_confidence = p.get_real("min_confidence");
  s.max_coast_frames = static_cast<int>(p.get_int("max_coast_frames"));
  s.min_shaft_mm = p.get_real("min_shaft_mm");
  s.working_pixel_mm = p.get_real("working_pixel_mm");
  s.dynamic_range_db = p.get_real("dynamic_range_db");
  return s;
}

DrawOptions draw_options_from(const ParamSet& p) {
  DrawOptions o;
  o.trajectory = p.get_bool("draw_trajectory");
  o.text = p.get_bool("draw_text");
  o.roi = p.get_bool("draw_roi");
  const auto& roi = p.get_numbers("roi_mm");
  if (roi.size() == 4) o.roi_box = BoxMm{roi[0], roi[1], roi[2], roi[3]};
  return o;
}

}  // namespace sonoflow::needle
