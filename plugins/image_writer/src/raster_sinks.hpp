// Where image_writer puts frames, free of the node API: a numbered PNG/JPEG sequence or one
// video file, written with OpenCV (imgcodecs, videoio). Input: 8-bit grey or BGR cv::Mat.
#pragma once

#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>
#include <string>

#include "output_path.hpp"

namespace sonoflow::image_io {

struct SinkOptions {
  bool overwrite = false;
  double fps = 30;        // videos
  int jpeg_quality = 95;  // 0..100, JPEG sequences
};

class RasterSink {
 public:
  virtual ~RasterSink() = default;
  // Creates the output folder; throws naming it when it cannot.
  virtual void open() = 0;
  // Writes one frame (`number` names the file of a sequence); returns the file written.
  // Throws std::runtime_error naming the file when it cannot.
  virtual std::string write(const cv::Mat& image, uint64_t number) = 0;
  // Finishes the file(s): a video is complete and playable after it.
  virtual void close() = 0;
};

std::unique_ptr<RasterSink> make_sink(const OutputPath& path, const SinkOptions& options);

// Creates `folder` and its parents; throws std::runtime_error naming it on failure.
void create_folder(const std::filesystem::path& folder);

}  // namespace sonoflow::image_io
