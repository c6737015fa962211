#include "raster_sinks.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <vector>

namespace sonoflow::image_io {
namespace {

std::string size_text(const cv::Size& s) {
  return std::to_string(s.width) + "x" + std::to_string(s.height);
}

// One file per frame. Existence is checked per file, right before writing it: the numbers
// are only known as frames arrive.
class SequenceSink final : public RasterSink {
 public:
  SequenceSink(OutputPath path, SinkOptions options)
      : path_(std::move(path)), options_(options) {}

  void open() override { create_folder(path_.folder); }

  std::string write(const cv::Mat& image, uint64_t number) override {
    const auto file = path_.file_for(number);
    std::error_code ec;
    if (!options_.overwrite && std::filesystem::exists(file, ec))
      throw std::runtime_error("'" + file.string() +
                               "' already exists; set overwrite: true to replace it, or "
                               "choose another path");
    std::vector<int> params;
    if (path_.kind == OutputKind::jpeg_sequence)
      params = {cv::IMWRITE_JPEG_QUALITY, options_.jpeg_quality};
    bool written = false;
    std::string why = "OpenCV could not write it";
    try {
      written = cv::imwrite(file.string(), image, params);
    } catch (const cv::Exception& e) {
      why = e.what();
    }
    if (!written) throw std::runtime_error("cannot write '" + file.string() + "': " + why);
    return file.string();
  }

  void close() override {}

 private:
  OutputPath path_;
  SinkOptions options_;
};

// One video file, opened by its first frame (which fixes its size). Frames are always
// written as BGR: every backend takes colour, not every one takes grey.
class VideoSink final : public RasterSink {
 public:
  VideoSink(OutputPath path, SinkOptions options) : path_(std::move(path)), options_(options) {}

  void open() override { create_folder(path_.folder); }

  std::string write(const cv::Mat& image, uint64_t) override {
    const std::string file = path_.path.string();
    if (!writer_.isOpened()) {
      const auto& c = path_.fourcc;
      const int fourcc = cv::VideoWriter::fourcc(c[0], c[1], c[2], c[3]);
      if (!writer_.open(file, fourcc, options_.fps, image.size(), true))
        throw std::runtime_error("cannot open the video '" + file + "' for writing with codec " +
                                 c + " (is the folder writable?)");
      size_ = image.size();
    }
    if (image.size() != size_)
      throw std::runtime_error(
          "frame of " + size_text(image.size()) + " pixels, but the video '" + file +
          "' was started at " + size_text(size_) +
          " by its first frame; a video keeps one size (the frames written so far stay valid). "
          "Write an image sequence instead, or fix the size upstream");
    if (image.channels() == 1) {
      cv::cvtColor(image, bgr_, cv::COLOR_GRAY2BGR);
      writer_.write(bgr_);
    } else {
      writer_.write(image);
    }
    return file;
  }

  void close() override { writer_.release(); }

 private:
  OutputPath path_;
  SinkOptions options_;
  cv::VideoWriter writer_;
  cv::Size size_;
  cv::Mat bgr_;
};

}  // namespace

void create_folder(const std::filesystem::path& folder) {
  if (folder.empty()) return;  // the working directory
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec || !std::filesystem::is_directory(folder))
    throw std::runtime_error("cannot create the folder '" + folder.string() +
                             "': " + (ec ? ec.message() : "a file of that name is in the way"));
}

std::unique_ptr<RasterSink> make_sink(const OutputPath& path, const SinkOptions& options) {
  if (path.kind == OutputKind::video) return std::make_unique<VideoSink>(path, options);
  return std::make_unique<SequenceSink>(path, options);
}

}  // namespace sonoflow::image_io
