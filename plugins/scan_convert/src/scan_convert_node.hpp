// scan_convert: the node around scan_convert_core.hpp. A sector image (bmode's output on
// a convex probe's polar grid, `sector` set) becomes Cartesian with square mm pixels; a
// Cartesian image (linear probes) is passed on as it is: the same frame, not a copy, so
// the node can stay in a pipeline whatever the probe. In a header so that the tests can
// drive the node itself (the pass-through is a property of the node, not of the core).
#pragma once

#include "scan_convert_core.hpp"
#include "sonoflow/sonoflow.hpp"

namespace sonoflow::scan {

class ScanConvertNode final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec::processing("scan_convert",
                                "Polar/sector B-mode to Cartesian with mm pixels (bilinear)")
        .input("image", port_type::image, "B-mode image, polar (sector set) or Cartesian")
        .output("image", port_type::image, "Cartesian image; Cartesian input passes through")
        .param(ParamSpec::real("pixel_mm", 0)
                   .range(0, 10)
                   .in("mm")
                   .doc("Output pixel size; 0 = the sector's larger extent / 512")
                   .live());
  }
  void configure(const ParamSet& p) override { pixel_mm_ = checked(p.get_real("pixel_mm")); }
  void update(const std::string& name, const ParamValue& v) override {
    if (name == "pixel_mm") pixel_mm_ = checked(std::get<double>(v));
  }
  void process(const Input& in, Context& ctx) override {
    auto image = frame_cast<ImageFrame>(in.frame);
    if (!image->sector) {
      ctx.emit(0, in.frame);
      return;
    }
    ctx.emit(0, converter_.convert(*image, pixel_mm_));
  }

 private:
  // Below 0.01 mm a sector of a few cm would need hundreds of megapixels.
  static double checked(double pixel_mm) {
    if (pixel_mm != 0 && pixel_mm < 0.01)
      throw std::invalid_argument("pixel_mm must be 0 (automatic) or at least 0.01 mm");
    return pixel_mm;
  }

  ScanConverter converter_;
  double pixel_mm_ = 0;
};

}  // namespace sonoflow::scan
