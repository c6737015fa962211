// Recording files: frames of any type written to disk as they flow, and read back for
// replay and summaries. The `recorder` and `file_player` plugins and `sonoflow recording`
// are built on these two classes; a plugin or tool that wants recordings uses them too.
//
// A recording is a sequence of checksummed records (a header, one record per frame, then
// an index and a fixed-size footer written on close), so that
//  - a file whose writer was killed, or that was cut short, is readable up to its last
//    whole frame (the reader then finds the frames by scanning);
//  - damage anywhere is found (CRC-32C per record, then the FlatBuffers verifier) and
//    reported as `file:byte offset: what`, never read past or crashed on;
//  - a player can seek through the index without reading the frames before.
// The byte layout is in plugins/recorder/README.md ("File format"); header and index records
// are FlatBuffers (schemas/recording.fbs), frames are serialize()d (schemas/frames.fbs).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sonoflow/frame.hpp"
#include "sonoflow/frames.hpp"

namespace sonoflow {

// A recording cannot be created, written or opened. The message names the file, and for
// damage the byte offset: "knee.sfrec:16: header record damaged (checksum mismatch)".
class RecordingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a recording says about itself: its header record.
struct RecordingInfo {
  std::string sonoflow_version;  // of the writer (filled in by RecordingWriter)
  int64_t created_utc_ns = 0;    // when the file was created (filled in by RecordingWriter)
  std::string pipeline_name;     // empty when the writer did not know it
  std::string pipeline_yaml;     // the pipeline file's text, when known
  std::string probe;             // free-form; the writer fills it from the first rf frame
  std::string note;              // free text from the user
};

// One sentence describing a probe, for headers and summaries, e.g.
// "L12-5: linear array, 128 elements, pitch 0.30 mm, 7.60 MHz, bandwidth 75 %".
std::string describe_probe(const ProbeGeometry& probe);

// Writes a recording. Not thread-safe: one thread writes (a recorder node runs serially).
class RecordingWriter {
 public:
  // Creates `path` (and missing parent folders) and writes the file's preamble, so that an
  // unwritable folder or an existing file (unless `overwrite`) fails here, before any frame
  // is at stake. The header record follows with the first frame, whose probe it describes
  // when `info.probe` is empty. Throws RecordingError.
  RecordingWriter(const std::filesystem::path& path, RecordingInfo info, bool overwrite = false);
  ~RecordingWriter();  // closes (errors are lost: call close() to see them)
  RecordingWriter(const RecordingWriter&) = delete;
  RecordingWriter& operator=(const RecordingWriter&) = delete;

  // Appends one frame. When it returns, the record is with the operating system: a killed
  // process loses nothing written before. Throws std::invalid_argument for a frame type
  // without a serialized form, RecordingError when writing fails; after a failed write the
  // file ends with the last whole frame and later writes are refused.
  void write(const Frame& frame);
  // Writes the index and footer, syncs to disk and closes. Idempotent. Throws
  // RecordingError when that fails; the frames written before stay readable.
  void close();

  uint64_t frame_count() const;
  uint64_t size_bytes() const;  // bytes in the file so far
  const std::filesystem::path& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Where a recording's readable frames end early, and why.
struct RecordingDamage {
  uint64_t offset_bytes = 0;  // start of the first damaged or incomplete record
  std::string what;           // e.g. "frame record 12 fails its checksum"
  std::string where;          // "file:offset: what", ready to print
};

// Where one frame is and what it is, from the index (or from scanning the file).
struct RecordedFrameInfo {
  uint64_t offset_bytes = 0;  // of its record
  uint64_t sequence = 0;      // as recorded
  int64_t utc_ns = 0;         // as recorded
  uint32_t source_id = 0;     // as recorded
  std::string type;           // port type: "rf", "image", "any"
};

// Reads a recording. Not thread-safe: one thread reads.
class RecordingReader {
 public:
  // Opens `path` and reads its preamble, header and index. A file closed cleanly is indexed
  // at once; otherwise (killed writer, damaged index or footer) the reader scans the frame
  // records from the start and stops at the first damaged or incomplete one. Throws
  // RecordingError when the file is missing, not a recording, from a newer format, or its
  // header is damaged.
  explicit RecordingReader(const std::filesystem::path& path);
  ~RecordingReader();
  RecordingReader(const RecordingReader&) = delete;
  RecordingReader& operator=(const RecordingReader&) = delete;

  const std::filesystem::path& path() const;
  uint32_t format_version() const;
  const RecordingInfo& info() const;
  uint64_t size_bytes() const;

  // Frames known to be readable: all of them, or those before the damage found so far.
  size_t frame_count() const;
  const RecordedFrameInfo& frame_info(size_t i) const;  // i < frame_count()
  // Reads frame i: a new frame (nobody else holds it), so a player may re-stamp its header
  // before emitting it. On damage returns nullptr, sets damage() and shrinks frame_count()
  // to i. `content_crc32c`, when given, receives the CRC-32C of the frame's serialized form
  // with its source id and steady-clock time zeroed: the same for the same data, sequence
  // number, UTC time and truth, whichever run recorded it (for determinism checks).
  std::shared_ptr<Frame> read(size_t i, uint32_t* content_crc32c = nullptr);
  // Checks every frame record (checksum and FlatBuffers verifier) without keeping the
  // frames, so damage() covers the whole file. An indexed reader otherwise finds damage
  // only when read() reaches it.
  void verify();

  // Why the index was not used (empty when it was): no footer (the writer did not close
  // the file), or a damaged footer or index.
  const std::string& index_problem() const;
  // The first damage found, if any; frames from there on are not readable.
  const std::optional<RecordingDamage>& damage() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sonoflow
