// compare_recordings A.sfrec B.sfrec TYPE...: exit 0 when both recordings hold the same
// frames of each TYPE, bit for bit: per type, in sequence order, the serialized frame with
// its clocks and source id left out (two runs of the same seed differ only in when they
// ran). Used to check that a pipeline split across processes computes what it computes
// in one.
#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "sonoflow/recording.hpp"
#include "sonoflow/serialize.hpp"

namespace {

using Frames = std::map<std::string, std::vector<std::pair<uint64_t, std::vector<uint8_t>>>>;

Frames read_all(const char* path) {
  sonoflow::RecordingReader reader(path);
  Frames out;
  for (size_t i = 0; i < reader.frame_count(); ++i) {
    auto frame = reader.read(i);
    if (!frame)
      throw std::runtime_error(std::string(path) + ": damaged at frame " + std::to_string(i));
    const uint64_t sequence = frame->header.sequence;
    frame->header = {sequence, 0, 0, 0};
    out[std::string(frame->port_type())].emplace_back(sequence, sonoflow::serialize(*frame));
  }
  for (auto& [type, frames] : out) std::sort(frames.begin(), frames.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: compare_recordings A.sfrec B.sfrec TYPE...\n");
    return 2;
  }
  try {
    const Frames a = read_all(argv[1]), b = read_all(argv[2]);
    int failures = 0;
    for (int t = 3; t < argc; ++t) {
      const std::string type = argv[t];
      const auto none = Frames::mapped_type{};
      const auto& fa = a.count(type) ? a.at(type) : none;
      const auto& fb = b.count(type) ? b.at(type) : none;
      if (fa.empty() || fa.size() != fb.size()) {
        std::printf("%s: %zu frames in %s, %zu in %s\n", type.c_str(), fa.size(), argv[1],
                    fb.size(), argv[2]);
        ++failures;
        continue;
      }
      size_t differ = 0;
      for (size_t i = 0; i < fa.size(); ++i)
        if (fa[i] != fb[i]) {
          if (differ++ < 5)
            std::printf("%s: frame with sequence %llu (in A) / %llu (in B) differs\n", type.c_str(),
                        static_cast<unsigned long long>(fa[i].first),
                        static_cast<unsigned long long>(fb[i].first));
        }
      std::printf("%s: %zu frames, %zu identical\n", type.c_str(), fa.size(), fa.size() - differ);
      failures += differ > 0;
    }
    return failures ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_recordings: %s\n", e.what());
    return 1;
  }
}
