// Shared by the recording tests: small but complete frames of every type, a scratch folder
// per test process, and the byte-level file access the damage tests need.
#pragma once

#include <boost/crc.hpp>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sonoflow/testing.hpp"
#include "sonoflow/frames.hpp"
#include "sonoflow/recording.hpp"

namespace sonoflow::test {

// The checksum of every record (see plugins/recorder/README.md, "File format"), computed
// independently of the SDK's own (hardware) implementation.
using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

// A folder of this process's own under the build tree, removed at the end.
class ScratchDir : public testing::ScratchDir {
 public:
  ScratchDir() : testing::ScratchDir(SONOFLOW_TEST_WORK_DIR) {}
};

// Recorded UTC times step by 20 ms from here.
inline constexpr int64_t kUtcStartNs = 1'700'000'000'000'000'000;
inline constexpr int64_t kFrameIntervalNs = 20'000'000;

std::shared_ptr<RfFrame> make_rf(uint64_t sequence, bool with_truth);
std::shared_ptr<ImageFrame> make_image(uint64_t sequence);
std::shared_ptr<BlobFrame> make_blob(uint64_t sequence);
// n frames: rf (with needle truth), image, blob, rf, ... with sequence numbers 0..n-1.
std::vector<FramePtr> mixed_frames(size_t n);

// Writes `frames` to a new recording at `path` and closes it.
void write_recording(const std::filesystem::path& path, const std::vector<FramePtr>& frames,
                     const std::string& note = "");

// Identical in every serialized field (header, data, truth).
bool same_frame(const Frame& a, const Frame& b);

std::vector<uint8_t> read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::vector<uint8_t>& bytes);

// Byte ranges of a closed recording, taken from its index and footer: where each frame
// record starts, and where the index record starts (the end of the last frame).
struct Layout {
  std::vector<uint64_t> frame_offsets;
  uint64_t index_offset = 0;
  uint64_t size = 0;
  // The number of frame records that lie whole within the first `bytes` bytes.
  size_t whole_frames_within(uint64_t bytes) const;
  // The frame record containing byte `at` (frames only), or -1.
  long frame_containing(uint64_t at) const;
};
Layout layout_of(const std::filesystem::path& path);

}  // namespace sonoflow::test
