// The byte layout of recording files, shared by RecordingWriter and RecordingReader (SDK
// internal; the public description is plugins/recorder/README.md, "File format").
//
//   preamble (16 B)  magic "SONOFREC", u32 format version, u32 CRC-32C of the 12 bytes before
//   record           u32 kind ("HEAD", "FRAM", "INDX"), u32 payload length,
//                    u32 CRC-32C of the payload, u32 CRC-32C of the 12 bytes before; payload
//   ...              one HEAD record, FRAM records, then on close one INDX record
//   footer (32 B)    u64 offset of the INDX record, u64 frame count, u32 zero,
//                    u32 CRC-32C of the 20 bytes before, magic "SONOFEND"
// Integers are little-endian. Every byte a reader relies on is under a checksum, so that a
// flipped bit is found where it is, not trusted: the record header has its own CRC so a
// damaged length is never followed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>

namespace sonoflow::recording_format {

inline constexpr std::array<uint8_t, 8> kMagic = {'S', 'O', 'N', 'O', 'F', 'R', 'E', 'C'};
inline constexpr std::array<uint8_t, 8> kFooterMagic = {'S', 'O', 'N', 'O', 'F', 'E', 'N', 'D'};
inline constexpr uint32_t kFormatVersion = 1;
inline constexpr size_t kPreambleBytes = 16;
inline constexpr size_t kRecordHeaderBytes = 16;
inline constexpr size_t kFooterBytes = 32;
// No frame comes near this; a larger length is damage, not a frame to allocate for.
inline constexpr uint32_t kMaxPayloadBytes = 1u << 30;

constexpr uint32_t tag(const char (&s)[5]) {
  return uint32_t(uint8_t(s[0])) | uint32_t(uint8_t(s[1])) << 8 | uint32_t(uint8_t(s[2])) << 16 |
         uint32_t(uint8_t(s[3])) << 24;
}
enum class RecordKind : uint32_t {
  header = tag("HEAD"),
  frame = tag("FRAM"),
  index = tag("INDX"),
};
const char* to_string(RecordKind kind);

uint32_t crc32c(std::span<const uint8_t> bytes);

void put_u32(uint8_t* at, uint32_t value);
void put_u64(uint8_t* at, uint64_t value);
uint32_t get_u32(const uint8_t* at);
uint64_t get_u64(const uint8_t* at);

std::array<uint8_t, kPreambleBytes> encode_preamble();
// The format version, or nullopt with the reason in *why.
std::optional<uint32_t> decode_preamble(std::span<const uint8_t, kPreambleBytes> bytes,
                                        std::string* why);

struct RecordHeader {
  RecordKind kind = RecordKind::frame;
  uint32_t length = 0;  // of the payload, bytes
  uint32_t payload_crc = 0;
};
std::array<uint8_t, kRecordHeaderBytes> encode(const RecordHeader& header);
// Nullopt with the reason in *why when the header's checksum or kind is wrong.
std::optional<RecordHeader> decode_record_header(std::span<const uint8_t, kRecordHeaderBytes> bytes,
                                                 std::string* why);

struct Footer {
  uint64_t index_offset = 0;
  uint64_t frame_count = 0;
};
std::array<uint8_t, kFooterBytes> encode(const Footer& footer);
std::optional<Footer> decode_footer(std::span<const uint8_t, kFooterBytes> bytes, std::string* why);

// "No such file or directory" for errno-style codes, for messages.
inline std::string errno_text(int error) {
  return std::generic_category().message(error);
}

}  // namespace sonoflow::recording_format
