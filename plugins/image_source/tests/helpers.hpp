// Shared by the image_source tests: a scratch folder per test process, frames with known
// content written by OpenCV, and a Context that collects what a device emits.
#pragma once

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "image_source_node.hpp"
#include "sonoflow/testing.hpp"

namespace sonoflow::image_io::test {

class ScratchDir : public testing::ScratchDir {
 public:
  ScratchDir() : testing::ScratchDir(SONOFLOW_TEST_WORK_DIR) {}
};

// Frame `index` of a test clip: BGR, level 20 + 10 * index everywhere, with a white
// rectangle at (x 10..19, y 5..9) that a crop test can find.
inline cv::Mat clip_frame(int index, cv::Size size = {64, 48}) {
  cv::Mat frame(size, CV_8UC3, cv::Scalar::all(20 + 10 * index));
  frame(cv::Rect(10, 5, 10, 5)).setTo(cv::Scalar::all(255));
  return frame;
}

// Collects what the device emits; end_of_stream() wakes wait_for_end(). emit() refuses
// after `accept` frames, as a stopping pipeline does.
class CollectingContext final : public Context {
 public:
  explicit CollectingContext(size_t accept = SIZE_MAX) : accept_(accept) {}

  bool emit(size_t, FramePtr frame) override {
    std::lock_guard lock(mutex_);
    if (frames.size() >= accept_) {
      refused_ = true;
      changed_.notify_all();
      return false;
    }
    frames.push_back(frame_cast<ImageFrame>(frame));
    return true;
  }
  FrameHeader stamp() override { return {sequence_++, 1, 0, 0}; }
  void end_of_stream() override {
    std::lock_guard lock(mutex_);
    ended = true;
    changed_.notify_all();
  }
  void apply_pending_params() override {}
  void error(std::string_view message) override {
    std::lock_guard lock(mutex_);
    errors.emplace_back(message);
  }
  bool stopping() const override { return false; }
  bool fast() const override { return true; }
  const std::string& node_id() const override { return id_; }
  void warn(std::string_view) override {}

  // Waits until the source ended or was refused a frame. The limit only keeps a broken
  // source from hanging the test; nothing here measures time.
  void wait_until_done() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(60), [&] { return ended || refused_; });
  }

  std::vector<std::shared_ptr<const ImageFrame>> frames;
  std::vector<std::string> errors;
  bool ended = false;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  size_t accept_;
  bool refused_ = false;
  uint64_t sequence_ = 0;
  std::string id_ = "source";
};

inline ParamSet source_params(const std::string& path) {
  ParamSet p;
  p.set("path", path);
  p.set("camera", int64_t{-1});
  p.set("region_px", std::vector<double>{});
  p.set("pixel_spacing_mm", std::vector<double>{0.2, 0.1});
  p.set("origin_mm", std::vector<double>{});
  p.set("frame_rate_hz", 0.0);
  p.set("loop", false);
  return p;
}

// Runs the device to its end (or until `accept` frames were taken) and stops it.
inline void run_to_end(ImageSourceNode& node, CollectingContext& ctx) {
  node.start(ctx);
  ctx.wait_until_done();
  node.stop();
}

template <class Fn>
std::string error_of(Fn&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no exception";
}

}  // namespace sonoflow::image_io::test
