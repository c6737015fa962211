// image_writer: the output node around raster_sinks.hpp. Writes `image` and `overlay`
// frames (grey or BGR rasters) as a numbered PNG/JPEG sequence or one video file, as its
// `path` says. In a header so that the tests drive the node itself.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "output_path.hpp"
#include "raster_sinks.hpp"
#include "sonoflow/sonoflow.hpp"

namespace sonoflow::image_io {

class ImageWriterNode final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec::output("image_writer",
                            "Writes image or overlay frames as PNG/JPEG files (one per frame, "
                            "named by sequence number) or one video file (.avi, .mp4)")
        .input("in", port_type::any, "image or overlay frames (grey or BGR, 8-bit)")
        .param(ParamSpec::string("path", "")
                   .needed()
                   .doc("out/knee/frame_%06d.png (%06d = the frame's sequence number; .jpg too) "
                        "or a video: out/knee.avi (MJPG), out/knee.mp4 (mp4v)"))
        .param(ParamSpec::boolean("overwrite", false)
                   .doc("Replace existing files instead of refusing them"))
        .param(ParamSpec::integer("every_n", 1)
                   .range(1, 1e6)
                   .doc("Write the 1st, (n+1)-th, (2n+1)-th ... frame received")
                   .live())
        .param(ParamSpec::real("fps", 30).range(0.1, 1000).in("Hz").doc(
            "Video: playback rate stored in the file"))
        .param(ParamSpec::integer("jpeg_quality", 95).range(0, 100).doc(
            "JPEG sequences: quality, 100 = best"));
  }

  // Refuses a malformed path, and an existing video file without overwrite, before any
  // source produces a frame.
  void configure(const ParamSet& params) override {
    path_ = parse_output_path(params.get_string("path"));
    options_.overwrite = params.get_bool("overwrite");
    options_.fps = params.get_real("fps");
    options_.jpeg_quality = static_cast<int>(params.get_int("jpeg_quality"));
    every_n_ = params.get_int("every_n");
    std::error_code ec;
    const auto status = std::filesystem::status(path_.path, ec);
    if (std::filesystem::is_directory(status))
      throw std::invalid_argument("path '" + path_.path.string() +
                                  "' is a folder; give a file name in it");
    if (path_.kind == OutputKind::video && std::filesystem::exists(status) && !options_.overwrite)
      throw std::invalid_argument("'" + path_.path.string() +
                                  "' already exists; set overwrite: true to replace it, or "
                                  "choose another path");
  }

  void update(const std::string& name, const ParamValue& value) override {
    if (name == "every_n") every_n_ = std::get<int64_t>(value);
  }

  void start(Context&) override {
    received_ = written_ = 0;
    last_file_.clear();
    sink_ = make_sink(path_, options_);
    sink_->open();
  }

  void process(const Input& input, Context&) override {
    const Raster& raster = as_raster(*input.frame);
    if (received_++ % static_cast<uint64_t>(every_n_) != 0) return;
    // Wraps the frame's pixels without copying; OpenCV only reads them.
    const cv::Mat image(static_cast<int>(raster.height), static_cast<int>(raster.width),
                        CV_8UC(static_cast<int>(raster.channels)),
                        const_cast<uint8_t*>(raster.pixels.data()));
    last_file_ = sink_->write(image, input.frame->header.sequence);
    ++written_;
  }

  void stop() override {
    if (!sink_) return;
    const auto sink = std::move(sink_);  // closed once, even if closing throws
    sink->close();
  }

  void results(Results& out) const override {
    out["frames_written"] = static_cast<int64_t>(written_);
    out["path"] = path_.path.string();
    out["last_file"] = last_file_;
  }

 private:
  static const Raster& as_raster(const Frame& frame) {
    const Raster* raster = dynamic_cast<const ImageFrame*>(&frame);
    if (!raster) raster = dynamic_cast<const OverlayFrame*>(&frame);
    if (!raster)
      throw std::invalid_argument("image_writer writes 'image' and 'overlay' frames; got a '" +
                                  std::string(frame.port_type()) +
                                  "' frame (connect it after bmode or scan_convert)");
    if (raster->channels != 1 && raster->channels != 3)
      throw std::invalid_argument("image_writer writes grey (1 channel) or BGR (3 channels) "
                                  "rasters; got " + std::to_string(raster->channels) +
                                  " channels");
    // Only the pixel buffer matters here; a writer does not need the geometry in mm.
    const size_t expected_bytes = size_t{raster->width} * raster->height * raster->channels;
    if (raster->width == 0 || raster->height == 0 || raster->pixels.size() != expected_bytes)
      throw std::invalid_argument("inconsistent '" + std::string(frame.port_type()) + "' frame: " +
                                  std::to_string(raster->width) + "x" +
                                  std::to_string(raster->height) + " pixels but " +
                                  std::to_string(raster->pixels.size()) + " bytes");
    return *raster;
  }

  OutputPath path_;
  SinkOptions options_;
  int64_t every_n_ = 1;
  std::unique_ptr<RasterSink> sink_;
  uint64_t received_ = 0, written_ = 0;
  std::string last_file_;
};

}  // namespace sonoflow::image_io
