// RecordingReader: trusts nothing it has not checked. Every length is bounded by the file
// before it is followed or allocated for, every record's checksum is compared before its
// bytes are parsed, and every FlatBuffer goes through the verifier first. The first damage
// ends the readable frames and is kept, with its byte offset, for the caller to report.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "recording_format.hpp"
#include "sonoflow/recording.hpp"
#include "sonoflow/schemas/frames_generated.h"
#include "sonoflow/schemas/recording_generated.h"
#include "sonoflow/serialize.hpp"
#include "unaligned.hpp"

namespace sonoflow {

namespace rf = recording_format;

namespace {

// A record whose payload lives in the reader's scratch buffer, valid until the next read.
struct Record {
  rf::RecordHeader header;
  std::span<uint8_t> payload;
};

template <class T>
const T* verified_root(std::span<const uint8_t> bytes) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  return verifier.VerifyBuffer<T>(nullptr) ? flatbuffers::GetRoot<T>(bytes.data()) : nullptr;
}

std::string str(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}

}  // namespace

struct RecordingReader::Impl {
  std::filesystem::path path;
  int fd = -1;
  uint64_t size_bytes = 0;
  uint32_t version = 0;
  uint64_t frames_begin = 0;  // offset of the first frame record (after the header)
  uint64_t frames_end = 0;    // where the frame records end: the index, or the end of file
  RecordingInfo info;
  std::vector<RecordedFrameInfo> frames;
  std::string index_problem;
  std::optional<RecordingDamage> damage;
  bool all_checked = false;              // every frame record in `frames` passed its checks
  mutable std::vector<uint8_t> scratch;  // the payload of the record read last

  ~Impl() {
    if (fd >= 0) ::close(fd);
  }

  std::string where(uint64_t offset, const std::string& what) const {
    return path.string() + ":" + std::to_string(offset) + ": " + what;
  }

  // Reads exactly n bytes at offset; the caller has checked they lie inside the file.
  void read_at(uint64_t offset, uint8_t* out, size_t n) const {
    for (size_t done = 0; done < n;) {
      const ssize_t got = ::pread(fd, out + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0)
        throw RecordingError(where(
            offset + done,
            "cannot read: " + (got < 0 ? rf::errno_text(errno) : std::string("the file shrank"))));
      done += static_cast<size_t>(got);
    }
  }

  // The record at `offset`, which must end by `end`; nullopt with the reason otherwise.
  // `kind` receives the record's kind once its header has passed its checksum.
  std::optional<Record> read_record(uint64_t offset, uint64_t end, std::string* why,
                                    std::optional<rf::RecordKind>* kind = nullptr) const {
    if (offset + rf::kRecordHeaderBytes > end) {
      *why =
          "the file ends inside this record's header (truncated: " + std::to_string(end - offset) +
          " of " + std::to_string(rf::kRecordHeaderBytes) + " bytes)";
      return std::nullopt;
    }
    std::array<uint8_t, rf::kRecordHeaderBytes> raw;
    read_at(offset, raw.data(), raw.size());
    auto header = rf::decode_record_header(raw, why);
    if (!header) return std::nullopt;
    if (kind) *kind = header->kind;
    const uint64_t available = end - offset - rf::kRecordHeaderBytes;
    if (header->length > available) {
      *why = "the file ends inside this " + std::string(rf::to_string(header->kind)) +
             " record (truncated: " + std::to_string(available) + " of " +
             std::to_string(header->length) + " bytes)";
      return std::nullopt;
    }
    // One buffer for every record: a player reads megabytes per frame, and a fresh
    // allocation each time costs a page fault per 4 KiB.
    if (scratch.size() < header->length) scratch.resize(header->length);
    Record record{*header, {scratch.data(), header->length}};
    read_at(offset + rf::kRecordHeaderBytes, record.payload.data(), record.payload.size());
    if (rf::crc32c(record.payload) != header->payload_crc) {
      *why = std::string(rf::to_string(header->kind)) + " record damaged (checksum mismatch)";
      return std::nullopt;
    }
    return record;
  }

  // The frame in a checksummed record, or nullptr with the reason. deserialize() runs the
  // FlatBuffers verifier first, and knows every frame type serialize() writes, so a
  // recording holds whatever types the SDK can serialize, with no list kept here.
  static FramePtr decode_frame(const Record& record, std::string* why) {
    if (record.header.kind != rf::RecordKind::frame) {
      *why =
          std::string("a ") + rf::to_string(record.header.kind) + " record where a frame should be";
      return nullptr;
    }
    return deserialize(record.payload, why);
  }

  static RecordedFrameInfo info_of(const Frame& frame, uint64_t offset) {
    const FrameHeader& h = frame.header;
    return {offset, h.sequence, h.utc_ns, h.source_id, std::string(frame.port_type())};
  }

  void note_damage(uint64_t offset, const std::string& what) {
    if (!damage) damage = RecordingDamage{offset, what, where(offset, what)};
  }

  void open_file() {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      const int error = errno;
      throw RecordingError(
          path.string() + ": " +
          (error == ENOENT ? "no such recording file" : "cannot open: " + rf::errno_text(error)));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
      throw RecordingError(path.string() + ": not a regular file");
    size_bytes = static_cast<uint64_t>(st.st_size);
    if (size_bytes < rf::kPreambleBytes)
      throw RecordingError(where(0, size_bytes == 0 ? "the file is empty, not a recording"
                                                    : "too short to be a recording (" +
                                                          std::to_string(size_bytes) + " bytes)"));
    std::array<uint8_t, rf::kPreambleBytes> preamble;
    read_at(0, preamble.data(), preamble.size());
    std::string why;
    auto v = rf::decode_preamble(preamble, &why);
    if (!v) throw RecordingError(where(0, why));
    version = *v;
  }

  void read_header() {
    const uint64_t offset = rf::kPreambleBytes;
    if (size_bytes == offset)
      throw RecordingError(where(offset,
                                 "the recording has no header: its writer stopped "
                                 "before the first frame"));
    std::string why;
    auto record = read_record(offset, size_bytes, &why);
    if (record && record->header.kind != rf::RecordKind::header)
      why = std::string("a ") + rf::to_string(record->header.kind) +
            " record where the header should be";
    const fb::RecordingHeader* h =
        record && why.empty() ? verified_root<fb::RecordingHeader>(record->payload) : nullptr;
    if (!h) {
      if (why.empty()) why = "header fails FlatBuffers verification";
      throw RecordingError(where(offset, "header damaged: " + why));
    }
    info = RecordingInfo{str(h->sonoflow_version()), h->created_utc_ns(), str(h->pipeline_name()),
                         str(h->pipeline_yaml()),    str(h->probe()),     str(h->note())};
    frames_begin = offset + rf::kRecordHeaderBytes + record->payload.size();
  }

  // Uses the footer and index when both are whole and consistent; says why not otherwise.
  bool load_index() {
    const uint64_t min_size = frames_begin + rf::kRecordHeaderBytes + rf::kFooterBytes;
    if (size_bytes < min_size) {
      index_problem =
          "no footer: the writer did not close the file (stopped or killed while "
          "recording), or the end of the file is damaged";
      return false;
    }
    const uint64_t footer_at = size_bytes - rf::kFooterBytes;
    std::array<uint8_t, rf::kFooterBytes> raw;
    read_at(footer_at, raw.data(), raw.size());
    auto footer = rf::decode_footer(raw, &index_problem);
    if (!footer) return false;
    auto bad = [&](uint64_t offset, const std::string& what) {
      index_problem = what + " (byte " + std::to_string(offset) + ")";
      return false;
    };
    if (footer->index_offset < frames_begin || footer->index_offset >= footer_at)
      return bad(footer_at, "the footer points outside the file");
    // A whole footer says where the frames end even when the index is damaged.
    frames_end = footer->index_offset;
    std::string why;
    auto record = read_record(footer->index_offset, footer_at, &why);
    if (record && record->header.kind != rf::RecordKind::index) why = "not an index record";
    if (!why.empty()) return bad(footer->index_offset, "index damaged: " + why);
    const auto* index = verified_root<fb::RecordingIndex>(record->payload);
    if (!index || !index->types() || !index->entries())
      return bad(footer->index_offset, "index fails FlatBuffers verification");
    const auto& entries = *index->entries();
    if (entries.size() != footer->frame_count)
      return bad(footer_at, "the footer and the index disagree on the frame count");
    std::vector<RecordedFrameInfo> out;
    out.reserve(entries.size());
    uint64_t previous = 0;
    for (const fb::IndexEntry* at : entries) {
      const fb::IndexEntry e = detail::copy_of(at);
      const bool in_order = out.empty() ? e.offset() == frames_begin : e.offset() > previous;
      if (!in_order || e.offset() >= footer->index_offset ||
          e.type_index() >= index->types()->size())
        return bad(footer->index_offset,
                   "index entry " + std::to_string(out.size()) + " is inconsistent");
      previous = e.offset();
      out.push_back({e.offset(), e.sequence(), e.utc_ns(), e.source_id(),
                     index->types()->Get(e.type_index())->str()});
    }
    frames = std::move(out);
    return true;
  }

  // Finds the frames by reading every record from the start, up to the index or the first
  // damaged or incomplete record.
  void scan() {
    uint64_t offset = frames_begin;
    while (offset < frames_end) {
      std::string why;
      std::optional<rf::RecordKind> kind;
      auto record = read_record(offset, frames_end, &why, &kind);
      // The frames end where the index begins, whole or not: a damaged index loses no frame.
      if (kind == rf::RecordKind::index) break;
      FramePtr frame = record ? decode_frame(*record, &why) : nullptr;
      if (!frame) {
        note_damage(offset, "frame " + std::to_string(frames.size()) + ": " + why);
        break;
      }
      frames.push_back(info_of(*frame, offset));
      offset += rf::kRecordHeaderBytes + record->payload.size();
    }
    all_checked = true;
  }

  // Frame i, checked; nullptr after noting the damage (the frames then end before i).
  // `payload`, when given, receives the frame's serialized bytes (valid until the next read).
  FramePtr checked_frame(size_t i, std::span<uint8_t>* payload = nullptr) {
    const RecordedFrameInfo& expected = frames.at(i);
    std::string why;
    auto record = read_record(expected.offset_bytes, size_bytes, &why);
    FramePtr frame = record ? decode_frame(*record, &why) : nullptr;
    if (frame && (frame->header.sequence != expected.sequence ||
                  frame->header.utc_ns != expected.utc_ns || frame->port_type() != expected.type)) {
      why = "the frame here is not the one the index lists";
      frame.reset();
    }
    if (!frame) {
      note_damage(expected.offset_bytes, "frame " + std::to_string(i) + ": " + why);
      frames.resize(i);
      return nullptr;
    }
    if (payload) *payload = record->payload;
    return frame;
  }
};

RecordingReader::RecordingReader(const std::filesystem::path& path)
    : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->open_file();
  impl_->read_header();
  impl_->frames_end = impl_->size_bytes;
  if (!impl_->load_index()) impl_->scan();
}

RecordingReader::~RecordingReader() = default;

std::shared_ptr<Frame> RecordingReader::read(size_t i, uint32_t* content_crc32c) {
  std::span<uint8_t> payload;
  FramePtr frame = impl_->checked_frame(i, &payload);
  if (!frame) return nullptr;
  if (content_crc32c) {
    // The frame header is a struct stored in place, inside the payload this reader owns
    // (verified, so the header lies within it): overwrite the run-specific fields (source
    // id, steady-clock time) and checksum the rest.
    if (const fb::FrameHeader* h = fb::GetFrame(payload.data())->header()) {
      const fb::FrameHeader neutral(h->sequence(), 0, 0, h->utc_ns());
      std::memcpy(const_cast<fb::FrameHeader*>(h), &neutral, sizeof neutral);
    }
    *content_crc32c = rf::crc32c(payload);
  }
  // deserialize() built this frame a moment ago and nobody else holds it: handing it out
  // mutable lets a player re-stamp the header without copying the samples.
  return std::const_pointer_cast<Frame>(frame);
}

void RecordingReader::verify() {
  if (impl_->all_checked) return;
  for (size_t i = 0; i < impl_->frames.size(); ++i)
    if (!impl_->checked_frame(i)) break;
  impl_->all_checked = true;
}

const std::filesystem::path& RecordingReader::path() const {
  return impl_->path;
}
uint32_t RecordingReader::format_version() const {
  return impl_->version;
}
const RecordingInfo& RecordingReader::info() const {
  return impl_->info;
}
uint64_t RecordingReader::size_bytes() const {
  return impl_->size_bytes;
}
size_t RecordingReader::frame_count() const {
  return impl_->frames.size();
}
const RecordedFrameInfo& RecordingReader::frame_info(size_t i) const {
  return impl_->frames.at(i);
}
const std::string& RecordingReader::index_problem() const {
  return impl_->index_problem;
}
const std::optional<RecordingDamage>& RecordingReader::damage() const {
  return impl_->damage;
}

}  // namespace sonoflow
