// Damaged recordings: cut at every byte, a bit flipped at every byte, a writer killed
// mid-recording, files that are no recording at all. The reader must never crash or
// return a wrong frame, must give back every whole frame before the damage, and must say
// where the damage is.
#include <catch2/catch.hpp>

#include "helpers.hpp"

using namespace sonoflow;
using namespace sonoflow::test;

namespace {

// Reads every frame the reader offers; each must equal the original at its position.
size_t check_readable_prefix(RecordingReader& reader, const std::vector<FramePtr>& originals) {
  reader.verify();
  const size_t n = reader.frame_count();
  REQUIRE(n <= originals.size());
  for (size_t i = 0; i < n; ++i) {
    auto frame = reader.read(i);
    REQUIRE(frame);
    REQUIRE(same_frame(*frame, *originals[i]));
  }
  return n;
}

std::string offset_mark(uint64_t offset) {
  return ":" + std::to_string(offset) + ": ";
}

}  // namespace

TEST_CASE("a recording cut at any byte gives back every whole frame before the cut") {
  ScratchDir dir;
  const auto full = dir / "full.sfrec";
  const auto frames = mixed_frames(6);
  write_recording(full, frames);
  const Layout layout = layout_of(full);
  const auto bytes = read_file(full);
  const auto cut_path = dir / "cut.sfrec";
  for (uint64_t cut = 0; cut < bytes.size(); ++cut) {
    INFO("cut at byte " << cut << " of " << bytes.size());
    write_file(cut_path, {bytes.begin(), bytes.begin() + static_cast<long>(cut)});
    if (cut < layout.frame_offsets[0]) {  // inside the preamble or header: not readable
      REQUIRE_THROWS_AS(RecordingReader(cut_path), RecordingError);
      continue;
    }
    RecordingReader reader(cut_path);
    CHECK_FALSE(reader.index_problem().empty());  // the footer is gone: frames were scanned
    const size_t expected = layout.whole_frames_within(cut);
    CHECK(check_readable_prefix(reader, frames) == expected);
    // Where the cut leaves part of a record: a frame's, or the index's header (which cannot
    // be told from a frame's without its checksum), the damage is reported at its start.
    const bool inside_frame = cut < layout.index_offset && layout.frame_offsets[expected] != cut;
    const bool inside_index_header = cut > layout.index_offset && cut < layout.index_offset + 16;
    if (inside_frame || inside_index_header) {
      const uint64_t start = inside_frame ? layout.frame_offsets[expected] : layout.index_offset;
      REQUIRE(reader.damage());
      CHECK(reader.damage()->offset_bytes == start);
      CHECK_THAT(reader.damage()->where, Catch::Contains(cut_path.string() + offset_mark(start)) &&
                                             Catch::Contains("truncated"));
    } else {
      CHECK_FALSE(reader.damage());  // cut between records, or in the index: no frame lost
    }
  }
}

TEST_CASE("a flipped bit anywhere is found where it is, never crashes, loses no earlier frame") {
  ScratchDir dir;
  const auto full = dir / "full.sfrec";
  const auto frames = mixed_frames(6);
  write_recording(full, frames);
  const Layout layout = layout_of(full);
  const auto bytes = read_file(full);
  const auto bad_path = dir / "flipped.sfrec";
  for (uint64_t at = 0; at < bytes.size(); ++at) {
    INFO("bit " << at % 8 << " of byte " << at << " of " << bytes.size());
    auto damaged = bytes;
    damaged[at] ^= static_cast<uint8_t>(1u << (at % 8));
    write_file(bad_path, damaged);
    if (at < layout.frame_offsets[0]) {  // preamble or header: the file cannot be trusted
      try {
        RecordingReader reader(bad_path);
        FAIL("a damaged preamble or header was accepted");
      } catch (const RecordingError& e) {
        CHECK_THAT(e.what(), Catch::StartsWith(bad_path.string() + ":"));
      }
      continue;
    }
    RecordingReader reader(bad_path);
    const size_t n = check_readable_prefix(reader, frames);
    const long frame = layout.frame_containing(at);
    if (frame >= 0) {  // a frame record: it and what follows are lost, nothing before
      CHECK(n == static_cast<size_t>(frame));
      REQUIRE(reader.damage());
      CHECK(reader.damage()->offset_bytes == layout.frame_offsets[static_cast<size_t>(frame)]);
      CHECK_THAT(reader.damage()->where,
                 Catch::Contains(offset_mark(layout.frame_offsets[static_cast<size_t>(frame)])));
    } else {  // the index or footer: the frames are found by scanning instead
      CHECK(n == frames.size());
      CHECK_FALSE(reader.damage());
      CHECK_FALSE(reader.index_problem().empty());
    }
  }
}

TEST_CASE("a killed writer's file is readable up to its last whole frame") {
  ScratchDir dir;
  const auto path = dir / "live.sfrec";
  const auto frames = mixed_frames(5);
  RecordingWriter writer(path, {});
  for (auto& f : frames) writer.write(*f);
  // What a SIGKILL leaves: everything write() returned from, no index, no footer.
  const auto killed = dir / "killed.sfrec";
  std::filesystem::copy_file(path, killed);
  {
    RecordingReader reader(killed);
    CHECK(check_readable_prefix(reader, frames) == frames.size());
    CHECK_FALSE(reader.damage());
    CHECK_THAT(reader.index_problem(), Catch::Contains("did not close the file"));
  }
  // Killed in the middle of writing a record: the partial record is reported, not read.
  auto bytes = read_file(killed);
  bytes.resize(bytes.size() - 7);
  write_file(killed, bytes);
  RecordingReader reader(killed);
  CHECK(check_readable_prefix(reader, frames) == frames.size() - 1);
  REQUIRE(reader.damage());
  CHECK_THAT(reader.damage()->what, Catch::Contains("frame 4") && Catch::Contains("truncated"));
  writer.close();
}

TEST_CASE("a file that is not a whole recording is refused naming it and why") {
  ScratchDir dir;
  auto refused = [&](const std::string& name, const std::vector<uint8_t>& content) {
    write_file(dir / name, content);
    try {
      RecordingReader reader(dir / name);
    } catch (const RecordingError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(refused("empty.sfrec", {}), Catch::Contains("empty.sfrec:0: the file is empty"));
  CHECK_THAT(refused("text.sfrec", std::vector<uint8_t>(100, 'x')),
             Catch::Contains("text.sfrec:0: not a SonoFlow recording"));
  auto bytes = read_file([&] {
    write_recording(dir / "good.sfrec", mixed_frames(1));
    return dir / "good.sfrec";
  }());
  auto flipped = bytes;
  flipped[8] ^= 2;
  CHECK_THAT(refused("flipped.sfrec", flipped),
             Catch::Contains("flipped.sfrec:0: the file's preamble is damaged"));
  auto newer = bytes;
  newer[8] = 2;  // format version 2, with a preamble checksum to match
  Crc32c crc;
  crc.process_bytes(newer.data(), 12);
  for (int i = 0; i < 4; ++i) newer[12 + i] = static_cast<uint8_t>(crc.checksum() >> (8 * i));
  CHECK_THAT(refused("newer.sfrec", newer),
             Catch::Contains("newer.sfrec:0: recording format version 2 is newer"));
  bytes.resize(16);
  CHECK_THAT(refused("no_header.sfrec", bytes),
             Catch::Contains("no_header.sfrec:16: the recording has no header"));
  try {
    RecordingReader reader(dir / "missing.sfrec");
    FAIL("a missing file was opened");
  } catch (const RecordingError& e) {
    CHECK_THAT(e.what(), Catch::Contains("missing.sfrec: no such recording file"));
  }
}
