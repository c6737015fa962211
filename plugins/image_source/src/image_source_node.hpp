// image_source: a device that reads B-mode video from a scanner's video output (recorded
// as a video file or an image sequence, or live from a frame grabber seen as a camera)
// and emits grey `image` frames with their geometry in mm, so that downstream
// measurements are in mm. In a header so that the tests drive the node itself.
#pragma once

#include <algorithm>
#include <atomic>
#include <memory>
#include <opencv2/core.hpp>
#include <stdexcept>
#include <string>

#include "frame_reader.hpp"
#include "sonoflow/sonoflow.hpp"

namespace sonoflow::image_io {

// Image sequences have no rate of their own; this is a common scanner video rate.
inline constexpr double kImageSequenceRateHz = 25;

class ImageSourceNode final : public ThreadedDevice {
 public:
  static NodeSpec spec() {
    return NodeSpec::device("image_source",
                            "Reads B-mode video (a video file, PNG/JPEG images, or a camera / "
                            "frame grabber) as grey images with mm geometry")
        .output("image", port_type::image, "Grey 8-bit image of the ultrasound region")
        .param(ParamSpec::string("path", "").doc(
            "Video file, or images: out/knee/frame_%06d.png (by number), a folder or "
            "out/knee/*.png (by name)"))
        .param(ParamSpec::integer("camera", -1).range(-1, 99).doc(
            "Camera / frame grabber index instead of path; -1 = none"))
        .param(ParamSpec::numbers("region_px", {}).items(0, 4).range(0, 1e5).in("px").doc(
            "[x, y, w, h] crop of the ultrasound area; [] or all 0 = the whole frame"))
        .param(ParamSpec::numbers("pixel_spacing_mm", {0.1, 0.1})
                   .items(2, 2)
                   .range(1e-4, 100)
                   .in("mm")
                   .needed()
                   .doc("[x, z] mm per pixel, lateral and depth (from the scanner's depth "
                        "scale)"))
        .param(ParamSpec::numbers("origin_mm", {}).items(0, 2).range(-1e4, 1e4).in("mm").doc(
            "[x, z] of the region's top-left pixel in the probe frame; [] = x centred (0 at "
            "the centre column), z = 0 at the top"))
        .param(ParamSpec::real("frame_rate_hz", 0).range(0, 1000).in("Hz").live().doc(
            "Pace; 0 = the video's own rate (images: 25 Hz, cameras: their own); ignored "
            "under --fast"))
        .param(ParamSpec::boolean("loop", false).doc("Start again at the end instead of ending"));
  }

  // Opens the source and reads its first frame, so that a missing or unreadable file, or a
  // region outside the frame, is refused before anything runs.
  void configure(const ParamSet& params) override {
    const std::string path = params.get_string("path");
    try {
      reader_ = open_frames(path, static_cast<int>(params.get_int("camera")));
    } catch (const std::exception& e) {
      throw std::invalid_argument(e.what());
    }
    region_ = region(params.get_numbers("region_px"), reader_->size());
    const auto& spacing = params.get_numbers("pixel_spacing_mm");
    spacing_mm_ = {spacing[0], spacing[1]};
    const auto& origin = params.get_numbers("origin_mm");
    if (origin.size() == 1)
      throw std::invalid_argument("origin_mm needs [x, z] in mm, or [] for the default");
    origin_mm_ = origin.size() == 2
                     ? std::array<double, 2>{origin[0], origin[1]}
                     : std::array<double, 2>{-(region_.width - 1) / 2.0 * spacing_mm_[0], 0.0};
    rate_hz_ = params.get_real("frame_rate_hz");
    loop_ = params.get_bool("loop");
    emitted_ = 0;
  }

  void update(const std::string& name, const ParamValue& value) override {
    if (name == "frame_rate_hz") rate_hz_ = std::get<double>(value);
  }

  void results(Results& out) const override {
    out["frames"] = static_cast<int64_t>(emitted_);
    out["source"] = reader_ ? reader_->what() : std::string();
    out["width"] = static_cast<int64_t>(region_.width);
    out["height"] = static_cast<int64_t>(region_.height);
  }

 protected:
  bool produce(Context& ctx) override {
    cv::Mat frame = reader_->next();
    if (frame.empty() && loop_ && emitted_ > 0 && reader_->rewind()) frame = reader_->next();
    if (frame.empty()) return false;
    auto image = std::make_shared<ImageFrame>();
    image->header = ctx.stamp();
    image->width = static_cast<uint32_t>(region_.width);
    image->height = static_cast<uint32_t>(region_.height);
    image->pixels.resize(size_t{image->width} * image->height);
    // A crop is not contiguous in memory: copy it row by row into the frame's buffer.
    cv::Mat out(region_.height, region_.width, CV_8UC1, image->pixels.data());
    frame(region_).copyTo(out);
    image->origin_mm = origin_mm_;
    image->spacing_mm = spacing_mm_;
    image->set_cartesian_transform();
    ++emitted_;
    return ctx.emit(0, std::move(image));
  }

  double frame_rate_hz() const override {
    if (rate_hz_ > 0) return rate_hz_;
    if (reader_->self_paced()) return 0;
    if (const double native = reader_->native_rate_hz(); native > 0) return native;
    return kImageSequenceRateHz;
  }

 private:
  static cv::Rect region(const std::vector<double>& px, const cv::Size& frame) {
    const cv::Rect whole(0, 0, frame.width, frame.height);
    if (px.empty() || std::all_of(px.begin(), px.end(), [](double v) { return v == 0; }))
      return whole;
    if (px.size() != 4)
      throw std::invalid_argument("region_px needs 4 values [x, y, w, h] in pixels, or []");
    const cv::Rect r(static_cast<int>(px[0]), static_cast<int>(px[1]), static_cast<int>(px[2]),
                     static_cast<int>(px[3]));
    if (r.width <= 0 || r.height <= 0 || (r & whole) != r)
      throw std::invalid_argument(
          "region_px [" + std::to_string(r.x) + ", " + std::to_string(r.y) + ", " +
          std::to_string(r.width) + ", " + std::to_string(r.height) +
          "] must have a positive size and lie within the " + std::to_string(frame.width) +
          "x" + std::to_string(frame.height) + " frame");
    return r;
  }

  std::unique_ptr<FrameReader> reader_;
  cv::Rect region_;
  std::array<double, 2> spacing_mm_{}, origin_mm_{};
  std::atomic<double> rate_hz_{0};
  bool loop_ = false;
  uint64_t emitted_ = 0;
};

}  // namespace sonoflow::image_io
