// What the viewer shows: the newest displayable frame and needle result, handed from the
// pipeline thread (process()) to the server's client threads. process() only swaps a
// shared pointer under a short lock: the pipeline never waits for the network. Each
// client takes whatever is newest when it is ready to send, so a slow client skips frames
// instead of stalling anyone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sonoflow/frames.hpp"

namespace sonoflow::web_viewer {

enum class ImageFormat { jpeg, png };

struct EncodedImage {
  uint64_t version = 0;  // which shown frame (see Latest::version)
  std::string mime;      // "image/jpeg" or "image/png"
  std::vector<uint8_t> bytes;
  std::string geometry_json;  // {"type":"frame", ...}: size, mm geometry, sequence
};

// Encodes a grey or BGR raster (OpenCV imgcodecs). quality: JPEG 1..100.
std::vector<uint8_t> encode_raster(const Raster& raster, ImageFormat format, int jpeg_quality);

class Latest {
 public:
  // From process(): never blocks beyond the pointer swap.
  void put_image(std::shared_ptr<const Raster> raster, FrameHeader header);
  void put_needle(std::shared_ptr<const NeedleFrame> needle);

  // The newest shown frame, encoded; reuses the last encoding when nothing newer came
  // (several clients share one encoding). Null before the first frame.
  std::shared_ptr<const EncodedImage> encoded(ImageFormat format, int jpeg_quality);
  std::shared_ptr<const NeedleFrame> needle() const;
  uint64_t version() const;
  uint64_t needle_version() const;

  // Waits until a shown frame newer than `seen` arrived, the store closed, or `timeout`.
  void wait_newer(uint64_t seen, std::chrono::milliseconds timeout);
  void close();  // wakes every waiting client for good (the node stops)
  void reopen();  // the node starts again after a stop
  bool closed() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::shared_ptr<const Raster> raster_;
  FrameHeader header_;
  uint64_t version_ = 0;
  std::shared_ptr<const NeedleFrame> needle_;
  uint64_t needle_version_ = 0;
  bool closed_ = false;

  // Encoding runs on client threads under its own lock, never process()'s.
  std::mutex encode_mutex_;
  std::shared_ptr<const EncodedImage> cache_;
  ImageFormat cache_format_ = ImageFormat::jpeg;
  int cache_quality_ = 0;
};

}  // namespace sonoflow::web_viewer
