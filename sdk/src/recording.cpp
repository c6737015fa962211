// The pieces of the recording format that writer and reader share: checksums, the
// little-endian fixed-size parts (preamble, record headers, footer) and the probe sentence.
#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#include <boost/crc.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "recording_format.hpp"
#include "sonoflow/recording.hpp"

namespace sonoflow {
namespace recording_format {

const char* to_string(RecordKind kind) {
  switch (kind) {
    case RecordKind::header:
      return "header";
    case RecordKind::frame:
      return "frame";
    case RecordKind::index:
      return "index";
  }
  return "unknown";
}

namespace {

// CRC-32C (Castagnoli) rather than zlib's CRC-32: x86-64 computes it in hardware (SSE4.2)
// at several GB/s, where a table-driven CRC-32 manages about 0.4 GB/s; a recorder or
// player of rf data checksums every byte it writes or reads.
using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(const uint8_t* p, size_t n) {
  uint64_t crc = 0xFFFFFFFF;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    crc = _mm_crc32_u64(crc, word);
  }
  for (; n > 0; --n, ++p) crc = _mm_crc32_u8(static_cast<uint32_t>(crc), *p);
  return static_cast<uint32_t>(crc) ^ 0xFFFFFFFF;
}
#endif

}  // namespace

uint32_t crc32c(std::span<const uint8_t> bytes) {
#if defined(__x86_64__)
  static const bool hardware = __builtin_cpu_supports("sse4.2");
  if (hardware) return crc32c_sse42(bytes.data(), bytes.size());
#endif
  Crc32c crc;  // elsewhere: Boost's table-driven implementation of the same checksum
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

void put_u32(uint8_t* at, uint32_t value) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<uint8_t>(value >> (8 * i));
}

void put_u64(uint8_t* at, uint64_t value) {
  for (int i = 0; i < 8; ++i) at[i] = static_cast<uint8_t>(value >> (8 * i));
}

uint32_t get_u32(const uint8_t* at) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = value << 8 | at[i];
  return value;
}

uint64_t get_u64(const uint8_t* at) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = value << 8 | at[i];
  return value;
}

namespace {

// The last 4 bytes of a fixed-size part hold the CRC-32C of the bytes before them.
template <size_t N>
void seal(std::array<uint8_t, N>& bytes, size_t crc_at) {
  put_u32(bytes.data() + crc_at, crc32c({bytes.data(), crc_at}));
}

bool sealed(std::span<const uint8_t> bytes, size_t crc_at) {
  return get_u32(bytes.data() + crc_at) == crc32c(bytes.first(crc_at));
}

}  // namespace

std::array<uint8_t, kPreambleBytes> encode_preamble() {
  std::array<uint8_t, kPreambleBytes> out{};
  std::memcpy(out.data(), kMagic.data(), kMagic.size());
  put_u32(out.data() + 8, kFormatVersion);
  seal(out, 12);
  return out;
}

std::optional<uint32_t> decode_preamble(std::span<const uint8_t, kPreambleBytes> bytes,
                                        std::string* why) {
  if (std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    *why = "not a SonoFlow recording (it does not start with \"SONOFREC\")";
    return std::nullopt;
  }
  if (!sealed(bytes, 12)) {
    *why = "the file's preamble is damaged (checksum mismatch)";
    return std::nullopt;
  }
  const uint32_t version = get_u32(bytes.data() + 8);
  if (version == 0 || version > kFormatVersion) {
    *why = "recording format version " + std::to_string(version) + " is newer than this " +
           "SonoFlow reads (" + std::to_string(kFormatVersion) + "): update SonoFlow";
    return std::nullopt;
  }
  return version;
}

std::array<uint8_t, kRecordHeaderBytes> encode(const RecordHeader& header) {
  std::array<uint8_t, kRecordHeaderBytes> out{};
  put_u32(out.data(), static_cast<uint32_t>(header.kind));
  put_u32(out.data() + 4, header.length);
  put_u32(out.data() + 8, header.payload_crc);
  seal(out, 12);
  return out;
}

std::optional<RecordHeader> decode_record_header(std::span<const uint8_t, kRecordHeaderBytes> bytes,
                                                 std::string* why) {
  if (!sealed(bytes, 12)) {
    *why = "record header damaged (checksum mismatch)";
    return std::nullopt;
  }
  RecordHeader h{static_cast<RecordKind>(get_u32(bytes.data())), get_u32(bytes.data() + 4),
                 get_u32(bytes.data() + 8)};
  if (h.kind != RecordKind::header && h.kind != RecordKind::frame && h.kind != RecordKind::index) {
    *why = "unknown record kind 0x" + [&] {
      char hex[9];
      std::snprintf(hex, sizeof hex, "%08x", static_cast<uint32_t>(h.kind));
      return std::string(hex);
    }();
    return std::nullopt;
  }
  if (h.length > kMaxPayloadBytes) {
    *why = "record length " + std::to_string(h.length) + " bytes is beyond any frame";
    return std::nullopt;
  }
  return h;
}

std::array<uint8_t, kFooterBytes> encode(const Footer& footer) {
  std::array<uint8_t, kFooterBytes> out{};
  put_u64(out.data(), footer.index_offset);
  put_u64(out.data() + 8, footer.frame_count);
  seal(out, 20);
  std::memcpy(out.data() + 24, kFooterMagic.data(), kFooterMagic.size());
  return out;
}

std::optional<Footer> decode_footer(std::span<const uint8_t, kFooterBytes> bytes,
                                    std::string* why) {
  if (std::memcmp(bytes.data() + 24, kFooterMagic.data(), kFooterMagic.size()) != 0) {
    *why =
        "no footer: the writer did not close the file (stopped or killed while recording), "
        "or the end of the file is damaged";
    return std::nullopt;
  }
  if (!sealed(bytes, 20)) {
    *why = "the footer is damaged (checksum mismatch)";
    return std::nullopt;
  }
  return Footer{get_u64(bytes.data()), get_u64(bytes.data() + 8)};
}

}  // namespace recording_format

std::string describe_probe(const ProbeGeometry& probe) {
  const auto& pos = probe.element_positions_mm;
  char text[256];
  const double pitch_mm =
      pos.size() >= 2 ? std::hypot(pos[1][0] - pos[0][0], pos[1][2] - pos[0][2]) : 0;
  std::snprintf(text, sizeof text,
                "%s array, %zu elements, pitch %.2f mm, %.2f MHz, bandwidth %.0f %%",
                probe.radius_mm > 0 ? "convex" : "linear", pos.size(), pitch_mm,
                probe.center_frequency_hz / 1e6, probe.fractional_bandwidth * 100.0);
  std::string out = (probe.model.empty() ? "" : probe.model + ": ") + text;
  if (probe.radius_mm > 0) {
    std::snprintf(text, sizeof text, ", radius %.1f mm", probe.radius_mm);
    out += text;
  }
  return out;
}

}  // namespace sonoflow
