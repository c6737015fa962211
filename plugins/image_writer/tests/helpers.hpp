// Shared by the image_writer tests: a scratch folder per test process, a Context that
// needs no runtime, frames with known pixels, and a node configured from a few values.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "image_writer_node.hpp"
#include "sonoflow/testing.hpp"

namespace sonoflow::image_io::test {

// A folder of this process's own under the build tree, removed at the end.
class ScratchDir : public testing::ScratchDir {
 public:
  ScratchDir() : testing::ScratchDir(SONOFLOW_TEST_WORK_DIR) {}
};

// An output node only needs a Context to exist.
class NullContext : public testing::NullContext {
 public:
  NullContext() : testing::NullContext("writer") {}
};

// A raster whose pixel (col, row, channel) is (col * 7 + row * 13 + channel * 50 + seed)
// mod 256: each frame and channel distinct, every value checkable after a lossless write.
template <class F = ImageFrame>
std::shared_ptr<F> make_raster(uint64_t sequence, uint32_t width, uint32_t height,
                               uint32_t channels, int seed = 0) {
  auto im = std::make_shared<F>();
  im->header.sequence = sequence;
  im->width = width, im->height = height, im->channels = channels;
  for (uint32_t row = 0; row < height; ++row)
    for (uint32_t col = 0; col < width; ++col)
      for (uint32_t c = 0; c < channels; ++c)
        im->pixels.push_back(static_cast<uint8_t>((col * 7 + row * 13 + c * 50 + seed) % 256));
  im->spacing_mm = {0.1, 0.1};
  im->set_cartesian_transform();
  return im;
}

inline ParamSet writer_params(const std::string& path, bool overwrite = false,
                              int64_t every_n = 1) {
  ParamSet p;
  p.set("path", path);
  p.set("overwrite", overwrite);
  p.set("every_n", every_n);
  p.set("fps", 25.0);
  p.set("jpeg_quality", int64_t{95});
  return p;
}

// The message of the exception `f` throws, or "no exception".
template <class Fn>
std::string error_of(Fn&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no exception";
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace sonoflow::image_io::test
