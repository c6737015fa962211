// Recordings come from disk, other machines and crashed writers: RecordingReader and
// deserialize() must report any damage as RecordingError or an error message, never crash.
//
// Input layout: the first byte picks a mode, the rest is its data.
//   0  the rest is a recording file, as is;
//   1  the rest is one serialized frame for deserialize();
//   2  the rest is a list of records (u8 kind, u32 little-endian length, payload) that the
//      harness writes with a valid preamble, checksums and (after an index record) footer.
//      Checksums stop a random mutation at the first record, so without this mode the
//      fuzzer would never reach the FlatBuffers payloads behind them.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "harness.hpp"
#include "recording_format.hpp"
#include "sonoflow/recording.hpp"
#include "sonoflow/serialize.hpp"

namespace sonoflow::fuzz {

namespace {

namespace rf = recording_format;

// One file per process (libFuzzer forks workers with -jobs), removed at exit.
const std::filesystem::path& scratch_file() {
  static const struct Scratch {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("sonoflow-fuzz-" + std::to_string(::getpid()) + ".sfrec");
    ~Scratch() {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
    }
  } scratch;
  return scratch.path;
}

// What a consuming node does first with a frame from a file: its self-consistency check,
// which must handle any sizes the file claims.
void check_frame(const Frame& frame) {
  if (auto* rf = dynamic_cast<const RfFrame*>(&frame)) (void)rf->check();
  if (auto* iq = dynamic_cast<const IqFrame*>(&frame)) (void)iq->check();
  if (auto* raster = dynamic_cast<const Raster*>(&frame)) (void)raster->check();
}

void append(std::vector<uint8_t>& out, std::span<const uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// Mode 2: records with valid checksums around fuzzed payloads.
std::vector<uint8_t> checksummed_file(std::span<const uint8_t> in) {
  static constexpr rf::RecordKind kKinds[] = {rf::RecordKind::header, rf::RecordKind::frame,
                                              rf::RecordKind::index};
  std::vector<uint8_t> out;
  append(out, rf::encode_preamble());
  uint64_t frames = 0, index_offset = 0;
  bool last_was_index = false;
  size_t at = 0;
  while (at + 5 <= in.size()) {
    const uint8_t kind = in[at];
    const size_t length = std::min<size_t>(rf::get_u32(&in[at + 1]), in.size() - at - 5);
    const auto payload = in.subspan(at + 5, length);
    at += 5 + length;
    rf::RecordHeader header{kKinds[kind % 3], static_cast<uint32_t>(length), rf::crc32c(payload)};
    last_was_index = header.kind == rf::RecordKind::index;
    if (last_was_index) index_offset = out.size();
    if (header.kind == rf::RecordKind::frame) ++frames;
    append(out, rf::encode(header));
    append(out, payload);
  }
  if (last_was_index) append(out, rf::encode(rf::Footer{index_offset, frames}));
  return out;
}

void read_recording(std::span<const uint8_t> bytes) {
  const auto& path = scratch_file();
  {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!file) __builtin_trap();  // the harness's own failure, not the reader's
  }
  try {
    RecordingReader reader(path);
    // What `sonoflow recording` and file_player touch: info, every frame, then verify.
    const RecordingInfo& info = reader.info();
    (void)info;
    for (size_t i = 0; i < reader.frame_count(); ++i) {
      (void)reader.frame_info(i);
      uint32_t crc = 0;
      const auto frame = reader.read(i, &crc);
      if (!frame) break;  // damage: frame_count() shrank to i
      check_frame(*frame);
    }
    reader.verify();
    if (reader.damage() && reader.damage()->where.empty()) __builtin_trap();
  } catch (const RecordingError&) {
    // Not a recording, or its header is damaged: the documented outcome.
  }
}

}  // namespace

int recording_reader(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: read_recording(rest); break;
    case 1: {
      std::string error;
      const FramePtr frame = deserialize(rest, &error);
      if (frame)
        check_frame(*frame);
      else if (error.empty())
        __builtin_trap();  // refused without saying why
      break;
    }
    default: read_recording(checksummed_file(rest)); break;
  }
  return 0;
}

}  // namespace sonoflow::fuzz
