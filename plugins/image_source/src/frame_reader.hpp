// Where image_source's frames come from, free of the node API: a list of image files (a
// printf pattern, a folder, a glob, or one image), a video file, or a camera, read with
// OpenCV and delivered as 8-bit grey cv::Mats. Opening reads the first frame, so that a
// missing or unreadable source is refused at configure, naming it.
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace sonoflow::image_io {

class FrameReader {
 public:
  virtual ~FrameReader() = default;
  // The next frame, 8-bit grey; empty at the end. Throws std::runtime_error naming the
  // file or frame that cannot be read.
  virtual cv::Mat next() = 0;
  // Starts again from the first frame (for looping); false when the source cannot.
  virtual bool rewind() = 0;
  // The source's own frame rate, 0 when it has none (images) or paces itself (cameras).
  virtual double native_rate_hz() const = 0;
  // True for cameras: reading blocks until the next frame, so they need no pacing.
  virtual bool self_paced() const { return false; }
  // The size of the first frame: every frame must have it.
  cv::Size size() const { return size_; }
  // E.g. "12 images matching out/knee/frame_%06d.png", for messages.
  const std::string& what() const { return what_; }

 protected:
  cv::Size size_;
  std::string what_;
};

// Opens `path` (camera < 0) or camera `camera` (path empty). Throws std::invalid_argument
// naming the path or camera when there is nothing readable there.
std::unique_ptr<FrameReader> open_frames(const std::string& path, int camera);

// The image files `path` stands for, in reading order: a printf pattern (`frame_%06d.png`,
// sorted by number), a folder (its images, sorted by name), a glob in the file name
// (`*.png`, `img_??.jpg`, sorted by name), or one image file. Empty when `path` is none of
// these (a video file, say).
std::vector<std::filesystem::path> list_images(const std::string& path);

// Converts a frame of any channel count and depth to 8-bit grey.
cv::Mat to_grey(const cv::Mat& frame);

}  // namespace sonoflow::image_io
