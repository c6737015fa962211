// What image_writer's `path` parameter means: a numbered PNG/JPEG sequence
// (`out/knee/frame_%06d.png`) or one video file (`out/knee.avi`, `out/knee.mp4`). Parsed
// and checked once, at configure, so that a wrong path is refused before any frame.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace sonoflow::image_io {

enum class OutputKind { png_sequence, jpeg_sequence, video };

struct OutputPath {
  OutputKind kind = OutputKind::png_sequence;
  std::filesystem::path path;  // as given: the pattern, or the video file
  std::filesystem::path folder;  // where the files go (created at start)
  std::string fourcc;            // video codec, e.g. "MJPG"

  // Sequences: the file for frame number `number`, e.g. frame_000042.png.
  std::filesystem::path file_for(uint64_t number) const;

  // The file name split around its one number conversion (sequences only).
  std::string prefix, suffix;
  bool zero_pad = false;
  int width = 0;  // minimum digits, 0 = as many as needed
};

// Throws std::invalid_argument saying what is wrong and what would be right: an unknown
// extension, a sequence without a frame number, a video with one, a malformed
// conversion, a number in the folder part.
OutputPath parse_output_path(const std::string& path);

}  // namespace sonoflow::image_io
