// RecordingWriter: appends checksummed records with one system call each, so that what
// write() returned from is safe from a killed process, and ends a closed file with the
// index and footer a player seeks with.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <stdexcept>

#include "recording_format.hpp"
#include "sonoflow/clock.hpp"
#include "sonoflow/recording.hpp"
#include "sonoflow/schemas/recording_generated.h"
#include "sonoflow/serialize.hpp"
#include "sonoflow/version.hpp"

namespace sonoflow {

namespace rf = recording_format;

struct RecordingWriter::Impl {
  std::filesystem::path path;
  RecordingInfo info;
  int fd = -1;
  uint64_t size_bytes = 0;  // whole records only: the file is cut back here after a failure
  bool header_written = false;
  std::string failure;  // why the last write failed; later writes are refused
  std::vector<fb::IndexEntry> entries;
  std::map<std::string, uint32_t, std::less<>> type_index;
  std::vector<std::string> types;

  std::string where(uint64_t offset) const {
    return path.string() + ":" + std::to_string(offset) + ": ";
  }

  // Writes all of `parts` at the end of the file, or throws after cutting the file back to
  // its last whole record (a partial record would hide nothing, but a later successful
  // write after it would sit behind damage the reader stops at).
  void write_all(std::initializer_list<std::span<const uint8_t>> parts, const std::string& what) {
    if (!failure.empty()) throw RecordingError(failure);
    std::vector<iovec> io;
    size_t total = 0;
    for (auto p : parts) {
      io.push_back({const_cast<uint8_t*>(p.data()), p.size()});
      total += p.size();
    }
    size_t done = 0, first = 0;
    while (done < total) {
      // At an explicit offset: after a failure the file was cut back, and the next record
      // must follow the last whole one, wherever the descriptor's position is.
      const ssize_t n = ::pwritev(fd, io.data() + first, static_cast<int>(io.size() - first),
                                  static_cast<off_t>(size_bytes + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int error = n < 0 ? errno : EIO;
        if (::ftruncate(fd, static_cast<off_t>(size_bytes)) != 0) {
          // Nothing more to do: the reader stops at the partial record.
        }
        failure = where(size_bytes) + "cannot write the " + what + ": " + rf::errno_text(error) +
                  "; the recording ends with the " + std::to_string(entries.size()) +
                  " frames before";
        throw RecordingError(failure);
      }
      done += static_cast<size_t>(n);
      for (size_t left = static_cast<size_t>(n); left > 0;) {  // advance past what was written
        const size_t step = std::min(left, io[first].iov_len);
        io[first].iov_base = static_cast<uint8_t*>(io[first].iov_base) + step;
        io[first].iov_len -= step;
        left -= step;
        if (io[first].iov_len == 0) ++first;
      }
    }
    size_bytes += total;
  }

  void append(rf::RecordKind kind, std::span<const uint8_t> payload, const std::string& what) {
    const auto header = rf::encode(
        rf::RecordHeader{kind, static_cast<uint32_t>(payload.size()), rf::crc32c(payload)});
    write_all({header, payload}, what);
  }

  void write_header(const Frame* first) {
    if (info.probe.empty())
      if (auto* rf = dynamic_cast<const RfFrame*>(first); rf && rf->probe)
        info.probe = describe_probe(*rf->probe);
    flatbuffers::FlatBufferBuilder b(1024);
    b.Finish(fb::CreateRecordingHeader(b, b.CreateString(info.sonoflow_version),
                                       info.created_utc_ns, b.CreateString(info.pipeline_name),
                                       b.CreateString(info.pipeline_yaml),
                                       b.CreateString(info.probe), b.CreateString(info.note)));
    append(rf::RecordKind::header, {b.GetBufferPointer(), b.GetSize()}, "header record");
    header_written = true;
  }

  void write_index() {
    flatbuffers::FlatBufferBuilder b(64 + entries.size() * sizeof(fb::IndexEntry));
    auto types_offset = b.CreateVectorOfStrings(types);
    b.Finish(fb::CreateRecordingIndex(b, types_offset, b.CreateVectorOfStructs(entries)));
    const uint64_t index_offset = size_bytes;
    append(rf::RecordKind::index, {b.GetBufferPointer(), b.GetSize()}, "index");
    write_all({rf::encode(rf::Footer{index_offset, entries.size()})}, "footer");
  }

  uint32_t type_of(std::string_view type) {
    auto it = type_index.find(type);
    if (it != type_index.end()) return it->second;
    types.emplace_back(type);
    return type_index.emplace(type, static_cast<uint32_t>(types.size() - 1)).first->second;
  }
};

RecordingWriter::RecordingWriter(const std::filesystem::path& path, RecordingInfo info,
                                 bool overwrite)
    : impl_(std::make_unique<Impl>()) {
  Impl& w = *impl_;
  w.path = path;
  w.info = std::move(info);
  w.info.sonoflow_version = SONOFLOW_SDK_VERSION;
  w.info.created_utc_ns = utc_now_ns();
  if (path.empty()) throw RecordingError("no file given to record to");
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec)
      throw RecordingError(path.string() + ": cannot create the folder '" +
                           path.parent_path().string() + "': " + ec.message());
  }
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  w.fd = ::open(path.c_str(), flags, 0644);
  if (w.fd < 0) {
    const int error = errno;
    if (error == EEXIST)
      throw RecordingError(path.string() +
                           ": already exists; not overwritten (ask for it, or "
                           "record to another file)");
    throw RecordingError(path.string() + ": cannot create the file: " + rf::errno_text(error));
  }
  try {
    struct stat st {};
    if (::fstat(w.fd, &st) != 0 || !S_ISREG(st.st_mode))
      throw RecordingError(path.string() + ": not a regular file; recordings go to files");
    w.write_all({rf::encode_preamble()}, "preamble");
  } catch (const RecordingError&) {
    ::close(w.fd);
    // Nothing is recorded yet: leave no half-made file behind, but only one this writer
    // created itself (O_EXCL), never something that was there before.
    if (!overwrite) ::unlink(path.c_str());
    throw;
  }
}

RecordingWriter::~RecordingWriter() {
  try {
    close();
  } catch (const std::exception&) {
    // A destructor cannot report; close() explicitly to see the error.
  }
}

void RecordingWriter::write(const Frame& frame) {
  Impl& w = *impl_;
  if (w.fd < 0) throw RecordingError(w.path.string() + ": the recording is already closed");
  std::vector<uint8_t> bytes = serialize(frame);
  if (bytes.size() > rf::kMaxPayloadBytes)
    throw std::invalid_argument("a frame of " + std::to_string(bytes.size()) +
                                " bytes is beyond the recording format's limit of " +
                                std::to_string(rf::kMaxPayloadBytes) + " bytes per frame");
  if (!w.header_written) w.write_header(&frame);
  const uint64_t offset = w.size_bytes;
  const auto& h = frame.header;
  w.append(rf::RecordKind::frame, bytes, "frame " + std::to_string(w.entries.size()));
  w.entries.emplace_back(offset, h.sequence, h.utc_ns, h.source_id, w.type_of(frame.port_type()));
}

void RecordingWriter::close() {
  Impl& w = *impl_;
  if (w.fd < 0) return;
  std::string error;
  // After a failed write the file is cut back to its last whole frame; writing the index
  // may still succeed (space freed since), and if not the reader scans.
  w.failure.clear();
  try {
    if (!w.header_written) w.write_header(nullptr);
    w.write_index();
    if (::fsync(w.fd) != 0) error = w.where(w.size_bytes) + "cannot sync: " + rf::errno_text(errno);
  } catch (const RecordingError& e) {
    error = e.what();
  }
  if (::close(w.fd) != 0 && error.empty())
    error = w.where(w.size_bytes) + "cannot close: " + rf::errno_text(errno);
  w.fd = -1;
  if (!error.empty()) throw RecordingError(error);
}

uint64_t RecordingWriter::frame_count() const {
  return impl_->entries.size();
}
uint64_t RecordingWriter::size_bytes() const {
  return impl_->size_bytes;
}
const std::filesystem::path& RecordingWriter::path() const {
  return impl_->path;
}

}  // namespace sonoflow
