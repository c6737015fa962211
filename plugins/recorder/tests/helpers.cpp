#include "helpers.hpp"

#include <fstream>
#include <stdexcept>

#include "sonoflow/serialize.hpp"

namespace sonoflow::test {

namespace {

FrameHeader header(uint64_t sequence) {
  return {sequence, 3, static_cast<int64_t>(1000 + sequence),
          kUtcStartNs + static_cast<int64_t>(sequence) * kFrameIntervalNs};
}

}  // namespace

std::shared_ptr<RfFrame> make_rf(uint64_t sequence, bool with_truth) {
  static const auto probe = [] {
    auto p = std::make_shared<ProbeGeometry>();
    p->model = "unit-linear";
    for (int e = 0; e < 4; ++e) {
      p->element_positions_mm.push_back({(e - 1.5f) * 0.3f, 0, 0});
      p->element_normal_angles_rad.push_back(0);
    }
    p->element_width_mm = 0.27f;
    p->center_frequency_hz = 7.6e6f;
    p->fractional_bandwidth = 0.75f;
    return p;
  }();
  auto rf = std::make_shared<RfFrame>();
  rf->header = header(sequence);
  rf->probe = probe;
  rf->transmits = {{-8, 0}, {8, 0}};
  rf->channel_count = 4;
  rf->sample_count = 16;
  rf->sampling_rate_hz = 30.4e6;
  rf->start_time_s = 1e-6;
  for (size_t i = 0; i < 2 * 4 * 16; ++i)
    rf->samples_int16.push_back(static_cast<int16_t>((i * 37 + sequence * 101) % 2000 - 1000));
  if (with_truth) {
    auto truth = std::make_shared<NeedleTruth>();
    truth->needle_present = true;
    truth->tip_mm = {1.5, 0.1, 12.0 + static_cast<double>(sequence)};
    truth->shaft_angle_deg = 35;
    truth->injected_volume_ul = 0.5 * static_cast<double>(sequence);
    rf->truth = truth;
  }
  return rf;
}

std::shared_ptr<ImageFrame> make_image(uint64_t sequence) {
  auto im = std::make_shared<ImageFrame>();
  im->header = header(sequence);
  im->width = 8;
  im->height = 6;
  for (uint32_t i = 0; i < 8 * 6; ++i) im->pixels.push_back(static_cast<uint8_t>(i * 5 + sequence));
  im->origin_mm = {-2, 0};
  im->spacing_mm = {0.5, 0.5};
  im->set_cartesian_transform();
  return im;
}

std::shared_ptr<BlobFrame> make_blob(uint64_t sequence) {
  auto blob = std::make_shared<BlobFrame>();
  blob->header = header(sequence);
  blob->tag = "unit";
  blob->bytes = {1, 2, 3, static_cast<uint8_t>(sequence)};
  return blob;
}

std::vector<FramePtr> mixed_frames(size_t n) {
  std::vector<FramePtr> out;
  for (size_t i = 0; i < n; ++i) {
    switch (i % 3) {
      case 0:
        out.push_back(make_rf(i, true));
        break;
      case 1:
        out.push_back(make_image(i));
        break;
      default:
        out.push_back(make_blob(i));
        break;
    }
  }
  return out;
}

void write_recording(const std::filesystem::path& path, const std::vector<FramePtr>& frames,
                     const std::string& note) {
  RecordingInfo info;
  info.note = note;
  RecordingWriter writer(path, info);
  for (auto& f : frames) writer.write(*f);
  writer.close();
}

bool same_frame(const Frame& a, const Frame& b) {
  return serialize(a) == serialize(b);
}

std::vector<uint8_t> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

size_t Layout::whole_frames_within(uint64_t bytes) const {
  size_t n = 0;
  for (size_t i = 0; i < frame_offsets.size(); ++i) {
    const uint64_t end = i + 1 < frame_offsets.size() ? frame_offsets[i + 1] : index_offset;
    if (end <= bytes) n = i + 1;
  }
  return n;
}

long Layout::frame_containing(uint64_t at) const {
  for (size_t i = 0; i < frame_offsets.size(); ++i) {
    const uint64_t end = i + 1 < frame_offsets.size() ? frame_offsets[i + 1] : index_offset;
    if (at >= frame_offsets[i] && at < end) return static_cast<long>(i);
  }
  return -1;
}

Layout layout_of(const std::filesystem::path& path) {
  RecordingReader reader(path);
  if (!reader.index_problem().empty()) throw std::runtime_error("layout_of needs a closed file");
  Layout layout;
  for (size_t i = 0; i < reader.frame_count(); ++i)
    layout.frame_offsets.push_back(reader.frame_info(i).offset_bytes);
  // The footer's first field, little-endian: the index record's offset.
  const auto bytes = read_file(path);
  layout.size = bytes.size();
  for (int i = 7; i >= 0; --i)
    layout.index_offset = layout.index_offset << 8 | bytes[bytes.size() - 32 + i];
  return layout;
}

}  // namespace sonoflow::test
