// A closed recording gives back exactly what was written: every frame type with its header
// and truth, the header record, the index; and the content checksum ignores exactly the
// run-specific fields.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "sonoflow/version.hpp"

using namespace sonoflow;
using namespace sonoflow::test;

TEST_CASE("a recording round-trips rf, image and blob frames with their truth") {
  ScratchDir dir;
  const auto path = dir / "mixed.sfrec";
  const auto frames = mixed_frames(9);
  write_recording(path, frames, "unit test");

  RecordingReader reader(path);
  CHECK(reader.format_version() == 1);
  CHECK(reader.index_problem().empty());
  CHECK_FALSE(reader.damage());
  CHECK(reader.info().sonoflow_version == SONOFLOW_SDK_VERSION);
  CHECK(reader.info().note == "unit test");
  CHECK(reader.info().created_utc_ns > 0);
  // The probe is described from the first rf frame.
  CHECK(reader.info().probe ==
        "unit-linear: linear array, 4 elements, pitch 0.30 mm, 7.60 MHz, bandwidth 75 %");
  REQUIRE(reader.frame_count() == frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    INFO("frame " << i);
    const auto& info = reader.frame_info(i);
    CHECK(info.sequence == i);
    CHECK(info.source_id == 3);
    CHECK(info.utc_ns == frames[i]->header.utc_ns);
    CHECK(info.type == frames[i]->port_type());
    auto frame = reader.read(i);
    REQUIRE(frame);
    CHECK(same_frame(*frame, *frames[i]));
  }
  auto rf = std::dynamic_pointer_cast<const RfFrame>(FramePtr(reader.read(0)));
  REQUIRE(rf);
  auto truth = std::dynamic_pointer_cast<const NeedleTruth>(rf->truth);
  REQUIRE(truth);
  CHECK(truth->tip_mm[2] == 12.0);
  CHECK(truth->shaft_angle_deg == 35);
  reader.verify();
  CHECK_FALSE(reader.damage());
  CHECK(reader.frame_count() == frames.size());
}

TEST_CASE("an empty recording is complete and holds no frames") {
  ScratchDir dir;
  const auto path = dir / "empty.sfrec";
  write_recording(path, {}, "nothing came");
  RecordingReader reader(path);
  CHECK(reader.frame_count() == 0);
  CHECK(reader.index_problem().empty());
  CHECK_FALSE(reader.damage());
  CHECK(reader.info().note == "nothing came");
  CHECK(reader.info().probe.empty());
}

TEST_CASE("the writer keeps the probe description it was given") {
  ScratchDir dir;
  const auto path = dir / "probe.sfrec";
  RecordingInfo info;
  info.pipeline_name = "knee";
  info.probe = "vendor X";
  RecordingWriter writer(path, info);
  writer.write(*make_rf(0, false));
  writer.close();
  RecordingReader reader(path);
  CHECK(reader.info().pipeline_name == "knee");
  CHECK(reader.info().probe == "vendor X");
}

TEST_CASE("the content checksum ignores the source id and steady time, nothing else") {
  ScratchDir dir;
  auto original = make_rf(7, true);
  auto replayed = std::make_shared<RfFrame>(*original);
  replayed->header.source_id = 42;
  replayed->header.acquisition_ns = 987654321;
  auto changed = std::make_shared<RfFrame>(*original);
  changed->samples_int16[5] += 1;
  auto later = std::make_shared<RfFrame>(*original);
  later->header.utc_ns += 1;
  write_recording(dir / "a.sfrec", {original, replayed, changed, later});

  RecordingReader reader(dir / "a.sfrec");
  uint32_t crc[4];
  for (size_t i = 0; i < 4; ++i) REQUIRE(reader.read(i, &crc[i]));
  CHECK(crc[0] == crc[1]);
  CHECK(crc[0] != crc[2]);
  CHECK(crc[0] != crc[3]);
}

TEST_CASE("describe_probe names a convex array's radius") {
  ProbeGeometry convex;
  convex.model = "C5-2";
  convex.radius_mm = 49.6f;
  convex.center_frequency_hz = 3.6e6f;
  convex.fractional_bandwidth = 0.7f;
  convex.element_positions_mm = {{-0.25f, 0, 0.001f}, {0.25f, 0, 0.001f}};
  CHECK(describe_probe(convex) ==
        "C5-2: convex array, 2 elements, pitch 0.50 mm, 3.60 MHz, bandwidth 70 %, radius 49.6 mm");
}

TEST_CASE("every record carries the standard CRC-32C of its payload") {
  ScratchDir dir;
  const auto path = dir / "crc.sfrec";
  write_recording(path, mixed_frames(4));
  const Layout layout = layout_of(path);
  const auto bytes = read_file(path);
  auto u32 = [&](uint64_t at) {
    return uint32_t(bytes[at]) | uint32_t(bytes[at + 1]) << 8 | uint32_t(bytes[at + 2]) << 16 |
           uint32_t(bytes[at + 3]) << 24;
  };
  std::vector<uint64_t> records = {16};  // the header record, right after the preamble
  records.insert(records.end(), layout.frame_offsets.begin(), layout.frame_offsets.end());
  records.push_back(layout.index_offset);
  for (uint64_t at : records) {
    INFO("record at byte " << at);
    const uint32_t length = u32(at + 4);
    Crc32c crc;
    crc.process_bytes(bytes.data() + at + 16, length);
    CHECK(u32(at + 8) == crc.checksum());
  }
}
