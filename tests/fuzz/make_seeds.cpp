// Writes the recording_reader seed corpus: small recordings and frames of every type in each
// of the harness's three input modes (recording_reader_harness.cpp). Run by hand when the
// file format or the frame types change:  build/bin/fuzz_make_seeds tests/fuzz/corpus/recording_reader
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "recording_format.hpp"
#include "sonoflow/frames.hpp"
#include "sonoflow/recording.hpp"
#include "sonoflow/serialize.hpp"

namespace fs = std::filesystem;
using namespace sonoflow;
namespace rf = recording_format;

namespace {

constexpr int64_t kUtcStartNs = 1'700'000'000'000'000'000;

FrameHeader header(uint64_t sequence) {
  return {sequence, 1, static_cast<int64_t>(1000 + sequence), kUtcStartNs};
}

std::vector<FramePtr> frames() {
  auto probe = std::make_shared<ProbeGeometry>();
  probe->model = "seed";
  for (int e = 0; e < 2; ++e) {
    probe->element_positions_mm.push_back({e * 0.3f, 0, 0});
    probe->element_normal_angles_rad.push_back(0);
  }
  auto rf = std::make_shared<RfFrame>();
  rf->header = header(0);
  rf->probe = probe;
  rf->transmits = {{0, 0}};
  rf->channel_count = 2;
  rf->sample_count = 4;
  rf->samples_int16 = {1, -2, 3, -4, 5, -6, 7, -8};
  auto truth = std::make_shared<NeedleTruth>();
  truth->needle_present = true;
  truth->tip_mm = {1, 0, 12};
  rf->truth = truth;

  auto image = std::make_shared<ImageFrame>();
  image->header = header(1);
  image->width = 2;
  image->height = 2;
  image->pixels = {0, 64, 128, 255};
  image->spacing_mm = {0.5, 0.5};
  image->set_cartesian_transform();

  auto overlay = std::make_shared<OverlayFrame>();
  overlay->header = header(2);
  overlay->width = 1;
  overlay->height = 1;
  overlay->channels = 3;
  overlay->pixels = {0, 0, 255};
  overlay->set_cartesian_transform();

  auto iq = std::make_shared<IqFrame>();
  iq->header = header(3);
  iq->width = 2;
  iq->height = 1;
  iq->samples = {{1, 0}, {0, 1}};

  auto needle = std::make_shared<NeedleFrame>();
  needle->header = header(4);
  needle->detected = true;
  needle->tip_mm = {1, 12};
  needle->injectate_outline_mm = {{0, 10}, {1, 10}, {1, 11}};
  needle->warnings = {"seed"};

  auto blob = std::make_shared<BlobFrame>();
  blob->header = header(5);
  blob->tag = "seed";
  blob->bytes = {1, 2, 3};
  return {rf, image, overlay, iq, needle, blob};
}

std::vector<uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_seed(const fs::path& path, uint8_t mode, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.put(static_cast<char>(mode));
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A recording's records in the harness's mode-2 form: (kind 0/1/2, u32 length, payload).
std::vector<uint8_t> as_records(const std::vector<uint8_t>& file) {
  std::vector<uint8_t> out;
  size_t at = rf::kPreambleBytes;
  while (at + rf::kRecordHeaderBytes <= file.size()) {
    const uint32_t kind = rf::get_u32(&file[at]), length = rf::get_u32(&file[at + 4]);
    if (at + rf::kRecordHeaderBytes + length > file.size()) break;
    out.push_back(kind == uint32_t(rf::RecordKind::header)  ? 0
                  : kind == uint32_t(rf::RecordKind::frame) ? 1
                                                             : 2);
    uint8_t le[4];
    rf::put_u32(le, length);
    out.insert(out.end(), le, le + 4);
    const auto* payload = &file[at + rf::kRecordHeaderBytes];
    out.insert(out.end(), payload, payload + length);
    at += rf::kRecordHeaderBytes + length;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_seeds FOLDER\n");
    return 2;
  }
  const fs::path dir = argv[1];
  fs::create_directories(dir);
  const auto all = frames();
  const fs::path tmp = dir / "tmp.sfrec";
  {
    RecordingInfo info;
    info.pipeline_name = "seed";
    info.note = "fuzz seed";
    RecordingWriter writer(tmp, info, true);
    for (const auto& f : all) writer.write(*f);
    writer.close();
  }
  const auto closed = read_bytes(tmp);
  fs::remove(tmp);
  write_seed(dir / "closed.bin", 0, closed);
  // A writer killed before close: no index, no footer; the reader scans.
  const uint64_t index_at = rf::get_u64(&closed[closed.size() - rf::kFooterBytes]);
  write_seed(dir / "unclosed.bin", 0, {closed.begin(), closed.begin() + long(index_at)});
  write_seed(dir / "records.bin", 2, as_records(closed));
  for (const auto& f : all)
    write_seed(dir / ("frame_" + std::string(f->port_type()) + ".bin"), 1, serialize(*f));
  std::printf("fuzz_make_seeds: %zu seeds in %s\n", 3 + all.size(), dir.c_str());
  return 0;
}
