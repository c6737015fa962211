#include <catch2/catch.hpp>

#include "sonoflow/frames.hpp"
#include "sonoflow/serialize.hpp"

using namespace sonoflow;

namespace {
RfFrame make_rf() {
  RfFrame rf;
  rf.header = {42, 3, 123456789, 1'700'000'000'000'000'000};
  auto probe = std::make_shared<ProbeGeometry>();
  probe->model = "L12";
  probe->center_frequency_hz = 7.6e6f;
  probe->element_positions_mm = {{-0.15f, 0, 0}, {0.15f, 0, 0}};
  probe->element_normal_angles_rad = {0, 0};
  rf.probe = probe;
  rf.transmits = {{-8, 0}, {8, 0}};
  rf.channel_count = 2;
  rf.sample_count = 3;
  rf.samples_int16 = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12};
  rf.sampling_rate_hz = 30.4e6;
  rf.start_time_s = 1e-6;
  return rf;
}
}  // namespace

TEST_CASE("rf frames survive serialization bit for bit") {
  const RfFrame rf = make_rf();
  REQUIRE(rf.check().empty());
  auto bytes = serialize(rf);
  std::string error;
  auto back = frame_cast<RfFrame>(deserialize(bytes, &error));
  REQUIRE(back);
  CHECK(error.empty());
  CHECK(back->header.sequence == 42);
  CHECK(back->header.utc_ns == rf.header.utc_ns);
  CHECK(back->samples_int16 == rf.samples_int16);
  CHECK(back->transmits.size() == 2);
  CHECK(back->transmits[1].angle_deg == 8);
  CHECK(back->probe->element_positions_mm == rf.probe->element_positions_mm);
  CHECK(back->sampling_rate_hz == rf.sampling_rate_hz);
  CHECK(back->check().empty());
}

TEST_CASE("simulator ground truth travels with the frame") {
  RfFrame rf = make_rf();
  auto truth = std::make_shared<NeedleTruth>();
  truth->needle_present = true;
  truth->tip_mm = {3.5, 0.2, 17.25};
  truth->shaft_angle_deg = 35;
  truth->injected_volume_ul = 120;
  rf.truth = truth;
  std::string error;
  auto back = deserialize(serialize(rf), &error);
  REQUIRE(back);
  auto t = std::dynamic_pointer_cast<const NeedleTruth>(back->truth);
  REQUIRE(t);
  CHECK(t->tip_mm == truth->tip_mm);
  CHECK(t->shaft_angle_deg == 35);
  CHECK(t->injected_volume_ul == 120);
  CHECK_FALSE(deserialize(serialize(make_rf()), &error)->truth);  // none when none was sent
}

TEST_CASE("iq frames keep their samples, grid and sector") {
  IqFrame iq;
  iq.width = 2;
  iq.height = 3;
  iq.samples = {{1, -1}, {2, 0.5f}, {0, 0}, {-3, 4}, {5, 5}, {0.25f, -0.75f}};
  iq.origin_mm = {-10, 2};
  iq.spacing_mm = {0.2, 0.1};
  iq.demodulation_hz = 7.6e6;
  iq.sector = std::make_shared<SectorGeometry>(SectorGeometry{-49.6f, -0.6f, 0.6f, 49.6f, 129.6f});
  REQUIRE(iq.check().empty());
  std::string error;
  auto back = frame_cast<IqFrame>(deserialize(serialize(iq), &error));
  REQUIRE(back);
  CHECK(back->samples == iq.samples);
  CHECK(back->spacing_mm == iq.spacing_mm);
  CHECK(back->demodulation_hz == 7.6e6);
  REQUIRE(back->sector);
  CHECK(back->sector->end_radius_mm == 129.6f);
}

TEST_CASE("image frames keep their geometry") {
  ImageFrame im;
  im.width = 2;
  im.height = 2;
  im.pixels = {1, 2, 3, 4};
  im.origin_mm = {-10, 5};
  im.spacing_mm = {0.1, 0.05};
  im.set_cartesian_transform();
  REQUIRE(im.check().empty());
  std::string error;
  auto back = frame_cast<ImageFrame>(deserialize(serialize(im), &error));
  REQUIRE(back);
  CHECK(back->pixels == im.pixels);
  CHECK(back->image_to_probe == im.image_to_probe);
  CHECK(back->origin_mm == im.origin_mm);
}

TEST_CASE("corrupt or truncated bytes are an error, never a crash") {
  auto bytes = serialize(make_rf());
  std::string error;
  for (size_t cut : {size_t{0}, size_t{3}, bytes.size() / 2, bytes.size() - 1}) {
    std::vector<uint8_t> truncated(bytes.begin(), bytes.begin() + static_cast<long>(cut));
    CHECK_FALSE(deserialize(truncated, &error));
    CHECK(error == "frame fails FlatBuffers verification (corrupt or truncated)");
  }
  // Flip bytes across the buffer: every outcome must be either an error or a frame that
  // reads back without touching memory outside the buffer (the verifier's promise).
  size_t rejected = 0;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    auto flipped = bytes;
    flipped[i] ^= 0xA5;
    error.clear();
    if (deserialize(flipped, &error)) continue;
    ++rejected;
    CHECK_FALSE(error.empty());
  }
  CHECK(rejected > 0);
}

TEST_CASE("overlay frames keep their colour raster and are not taken for images") {
  OverlayFrame ov;
  ov.width = 2;
  ov.height = 1;
  ov.channels = 3;
  ov.pixels = {0, 0, 255, 10, 20, 30};
  ov.origin_mm = {-20, 0};
  ov.spacing_mm = {0.1, 0.1};
  ov.set_cartesian_transform();
  REQUIRE(ov.check().empty());
  std::string error;
  auto back = deserialize(serialize(ov), &error);
  REQUIRE(back);
  CHECK(back->port_type() == "overlay");
  CHECK_FALSE(frame_cast<ImageFrame>(back));
  auto o = frame_cast<OverlayFrame>(back);
  REQUIRE(o);
  CHECK(o->pixels == ov.pixels);
  CHECK(o->channels == 3);
  CHECK(o->image_to_probe == ov.image_to_probe);
}

TEST_CASE("needle frames keep every guidance and injectate field") {
  NeedleFrame n;
  n.header.sequence = 7;
  n.detected = true;
  n.measured = true;
  n.confidence = 0.875;
  n.shaft_start_mm = {18, 1.5};
  n.tip_mm = {2.25, 16.75};
  n.angle_deg = 31.5;
  n.insertion_side = +1;
  n.trajectory_end_mm = {-20, 30};
  n.has_target = true;
  n.target_mm = {1, 17.5};
  n.tip_to_target_mm = 1.45;
  n.predicted_miss_mm = 0.3;
  n.out_of_plane_warning = true;
  n.injectate_monitored = true;
  n.injectate_present = true;
  n.injectate_area_mm2 = 12.5;
  n.injectate_min_mm = {-1, 15};
  n.injectate_max_mm = {3, 19};
  n.injectate_outline_mm = {{-1, 17}, {1, 15}, {3, 17}, {1, 19}};
  n.injectate_contained = false;
  n.leak_alert = true;
  n.warnings = {"needle leaving the imaging plane", "injectate outside the recess"};
  std::string error;
  auto back = frame_cast<NeedleFrame>(deserialize(serialize(n), &error));
  REQUIRE(back);
  CHECK(back->header.sequence == 7);
  CHECK(back->detected);
  CHECK(back->measured);
  CHECK(back->confidence == 0.875);
  CHECK(back->shaft_start_mm == n.shaft_start_mm);
  CHECK(back->tip_mm == n.tip_mm);
  CHECK(back->angle_deg == 31.5);
  CHECK(back->insertion_side == 1);
  CHECK(back->trajectory_end_mm == n.trajectory_end_mm);
  CHECK(back->has_target);
  CHECK(back->target_mm == n.target_mm);
  CHECK(back->tip_to_target_mm == 1.45);
  CHECK(back->predicted_miss_mm == 0.3);
  CHECK(back->out_of_plane_warning);
  CHECK(back->injectate_monitored);
  CHECK(back->injectate_present);
  CHECK(back->injectate_area_mm2 == 12.5);
  CHECK(back->injectate_min_mm == n.injectate_min_mm);
  CHECK(back->injectate_max_mm == n.injectate_max_mm);
  CHECK(back->injectate_outline_mm == n.injectate_outline_mm);
  CHECK_FALSE(back->injectate_contained);
  CHECK(back->leak_alert);
  CHECK(back->warnings == n.warnings);
}
