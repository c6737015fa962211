// The three kinds of frame source behind open_frames().
#include "frame_reader.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <opencv2/videoio/registry.hpp>
#include <stdexcept>

namespace sonoflow::image_io {
namespace {

namespace fs = std::filesystem;

std::string size_text(const cv::Size& s) {
  return std::to_string(s.width) + "x" + std::to_string(s.height);
}

class ImageListReader final : public FrameReader {
 public:
  ImageListReader(std::vector<fs::path> files, const std::string& path)
      : files_(std::move(files)) {
    what_ = std::to_string(files_.size()) + " image(s) from '" + path + "'";
    first_ = read(0);
    size_ = first_.size();
  }

  cv::Mat next() override {
    if (next_ >= files_.size()) return {};
    const size_t index = next_++;  // advanced first: a bad file is skipped, not retried
    cv::Mat frame = index == 0 && !first_.empty() ? first_ : read(index);
    first_.release();
    if (frame.size() != size_)
      throw std::runtime_error("'" + files_[index].string() + "' is " + size_text(frame.size()) +
                               " pixels, the first image " + size_text(size_) +
                               "; every frame of a source must have one size");
    return frame;
  }

  bool rewind() override {
    next_ = 0;
    return true;
  }
  double native_rate_hz() const override { return 0; }

 private:
  cv::Mat read(size_t index) const {
    const cv::Mat frame = cv::imread(files_[index].string(), cv::IMREAD_GRAYSCALE);
    if (frame.empty())
      throw std::runtime_error("cannot read '" + files_[index].string() +
                               "' as an image (damaged, or not an image format OpenCV reads)");
    return frame;
  }

  std::vector<fs::path> files_;
  size_t next_ = 0;
  cv::Mat first_;  // read at open to learn the size; delivered as the first frame
};

// A video file or a camera through cv::VideoCapture.
class CaptureReader final : public FrameReader {
 public:
  CaptureReader(const std::string& path, int camera) : path_(path), camera_(camera) {
    what_ = camera >= 0 ? "camera " + std::to_string(camera) : "video '" + path + "'";
    open();
    if (!capture_.read(first_) || first_.empty())
      throw std::invalid_argument("no frame could be read from " + what_ +
                                  " (not a video, damaged, or empty)");
    first_ = to_grey(first_);
    size_ = first_.size();
    rate_hz_ = camera >= 0 ? 0 : capture_.get(cv::CAP_PROP_FPS);
  }

  cv::Mat next() override {
    if (!first_.empty()) {
      cv::Mat frame = first_;
      first_ = cv::Mat();
      return frame;
    }
    cv::Mat raw;
    if (!capture_.read(raw) || raw.empty()) return {};
    cv::Mat frame = to_grey(raw);
    if (frame.size() != size_)
      throw std::runtime_error(what_ + ": a frame of " + size_text(frame.size()) +
                               " pixels after frames of " + size_text(size_));
    return frame;
  }

  // Reopening is the one way back that every backend supports (seeking is not).
  bool rewind() override {
    if (camera_ >= 0) return false;
    capture_.release();
    open();
    return true;
  }

  double native_rate_hz() const override { return rate_hz_ > 0 ? rate_hz_ : 0; }
  bool self_paced() const override { return camera_ >= 0; }

 private:
  // Files are decoded by OpenCV's FFmpeg backend when it has one (Debian's has): the same
  // decoder on every machine, and no GStreamer plugin registry loaded into the process
  // (it printed pipeline warnings for every file it could not decode, and leaked what its
  // plugins allocated probing USB devices: LeakSanitizer). Cameras: OpenCV's own choice.
  void open() {
    static const bool ffmpeg = cv::videoio_registry::hasBackend(cv::CAP_FFMPEG);
    const bool opened = camera_ >= 0 ? capture_.open(camera_)
                        : ffmpeg     ? capture_.open(path_, cv::CAP_FFMPEG)
                                     : capture_.open(path_);
    if (!opened || !capture_.isOpened())
      throw std::invalid_argument("cannot open " + what_ +
                                  (camera_ >= 0 ? "" : " (not a video OpenCV can decode?)"));
  }

  std::string path_;
  int camera_;
  cv::VideoCapture capture_;
  cv::Mat first_;
  double rate_hz_ = 0;
};

}  // namespace

cv::Mat to_grey(const cv::Mat& frame) {
  cv::Mat eight_bit = frame;
  if (frame.depth() == CV_16U) frame.convertTo(eight_bit, CV_8U, 1.0 / 256);
  else if (frame.depth() != CV_8U) frame.convertTo(eight_bit, CV_8U);
  cv::Mat grey;
  switch (eight_bit.channels()) {
    case 1: return eight_bit;
    case 3: cv::cvtColor(eight_bit, grey, cv::COLOR_BGR2GRAY); return grey;
    case 4: cv::cvtColor(eight_bit, grey, cv::COLOR_BGRA2GRAY); return grey;
    default:
      throw std::runtime_error("frames of " + std::to_string(eight_bit.channels()) +
                               " channels cannot be made grey");
  }
}

std::unique_ptr<FrameReader> open_frames(const std::string& path, int camera) {
  if (camera >= 0 && !path.empty())
    throw std::invalid_argument("give either 'path' or 'camera', not both (camera " +
                                std::to_string(camera) + ", path '" + path + "')");
  if (camera >= 0) return std::make_unique<CaptureReader>("", camera);
  if (path.empty())
    throw std::invalid_argument(
        "nothing to read: set 'path' (a video, frame_%06d.png, a folder or *.png) or "
        "'camera' (an index, e.g. 0)");
  auto files = list_images(path);
  if (!files.empty()) return std::make_unique<ImageListReader>(std::move(files), path);
  std::error_code ec;
  const bool pattern = fs::path(path).filename().string().find_first_of("%*?") != std::string::npos;
  if (pattern || fs::is_directory(path, ec))
    throw std::invalid_argument("no image files match '" + path + "'");
  if (!fs::exists(path, ec))
    throw std::invalid_argument("'" + path + "' does not exist");
  if (!fs::is_regular_file(path, ec))
    throw std::invalid_argument("'" + path + "' is not a file");
  return std::make_unique<CaptureReader>(path, -1);
}

}  // namespace sonoflow::image_io
