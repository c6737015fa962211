// The file_player plugin: a device that replays a recording (sonoflow/recording.hpp) made
// by `recorder`, each frame on the output port of its type, at the recorded pace (scaled by
// `speed`), as fast as the pipeline takes frames, or looped.
//
// Replays are deterministic: every frame keeps its recorded data, truth, sequence number
// and UTC time, so whatever downstream computes from them is what it computed live. Only
// the steady-clock acquisition time (latency is measured from it) and the source id (the
// runtime's, so that it cannot collide with another source) are those of the replay.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <stdexcept>

#include "sonoflow/recording.hpp"
#include "sonoflow/sonoflow.hpp"

namespace sonoflow::file_player {
namespace {

class FilePlayer final : public ThreadedDevice {
 public:
  static NodeSpec spec() {
    return NodeSpec::device("file_player",
                            "Replays a recording: each frame on the port of its type, at the "
                            "recorded pace, as fast as possible, or looped")
        // One output per type a recording can hold, named after it (DESIGN.md); `any`
        // takes blobs and any type without a port of its own.
        .output("rf", port_type::rf, "Recorded rf frames")
        .output("iq", port_type::iq, "Recorded beamformed (iq) frames")
        .output("image", port_type::image, "Recorded image frames")
        .output("needle", port_type::needle, "Recorded needle guidance results")
        .output("overlay", port_type::overlay, "Recorded overlay images")
        .output("any", port_type::any, "Recorded frames of other types (blobs)")
        .param(ParamSpec::string("path", "")
                   .needed()
                   .doc("Recording file to play, e.g. recordings/capture.sfrec"))
        .param(ParamSpec::choice("pace", "original", {"original", "fast"})
                   .doc("original: the recorded intervals divided by speed; fast: as fast as "
                        "the pipeline takes frames (so does `sonoflow run --fast`)"))
        .param(ParamSpec::real("speed", 1)
                   .range(0.01, 100)
                   .doc("Playback speed with pace: original (2 = twice as fast)")
                   .live())
        .param(ParamSpec::boolean("loop", false)
                   .doc("At the end, start again from start_s (sequence numbers and UTC times "
                        "keep increasing)"))
        .param(ParamSpec::real("start_s", 0)
                   .at_least(0)
                   .in("s")
                   .doc("Start this far into the recording (seeks through its index)"));
  }

  void configure(const ParamSet& params) override {
    const std::string& path = params.get_string("path");
    if (path.empty())
      throw std::invalid_argument(
          "parameter 'path' is empty: give the recording to play, e.g. "
          "path: recordings/capture.sfrec");
    fast_ = params.get_string("pace") == "fast";
    speed_ = params.get_real("speed");
    loop_ = params.get_bool("loop");
    reader_ = std::make_unique<RecordingReader>(path);  // throws naming the file and offset
    const size_t n = reader_->frame_count();
    if (n == 0)
      throw std::runtime_error(
          path + ": the recording holds no frames" +
          (reader_->damage() ? " before its damage: " + reader_->damage()->where : ""));
    start_index_ = seek(params.get_real("start_s"));
  }

  void update(const std::string& name, const ParamValue& value) override {
    if (name == "speed") speed_ = std::get<double>(value);
  }

  void results(Results& out) const override {
    out["frames"] = emitted_;
    out["loops"] = loops_;
    out["damage"] = reader_ && reader_->damage() ? reader_->damage()->where : std::string();
  }

 protected:
  void on_start() override {
    next_ = start_index_;
    emitted_ = loops_ = 0;
    seq_offset_.clear();
    utc_offset_ns_ = 0;
    pass_ = measure_pass();
    warned_ = false;
  }

  bool produce(Context& ctx) override {
    std::shared_ptr<Frame> frame;
    try {
      frame = next_frame(ctx);
    } catch (const std::exception& e) {  // the disk failed: retrying would fail the same way
      ctx.error(e.what());
      return false;
    }
    if (!frame) return false;
    current_ = next_++;
    const FrameHeader now = ctx.stamp();
    const auto offset = seq_offset_.find(frame->header.source_id);
    const uint64_t seq_offset = offset == seq_offset_.end() ? 0 : offset->second;
    frame->header = {frame->header.sequence + seq_offset, now.source_id, now.acquisition_ns,
                     frame->header.utc_ns + utc_offset_ns_};
    const size_t port = port_of(frame->port_type());
    if (!ctx.emit(port, std::move(frame))) return false;
    ++emitted_;
    return true;
  }

  // The recorded interval to the next frame, divided by speed; ThreadedDevice waits for it
  // (and ignores it under `sonoflow run --fast`).
  double frame_rate_hz() const override {
    if (fast_) return 0;
    const bool in_order = next_ > current_ && next_ < reader_->frame_count();
    const int64_t interval_ns =
        in_order ? reader_->frame_info(next_).utc_ns - reader_->frame_info(current_).utc_ns
                 : pass_.mean_interval_ns;
    return interval_ns > 0 ? speed_.load() * 1e9 / static_cast<double>(interval_ns) : 0;
  }

 private:
  // The frame at next_, going back to start_s at the end when looping; nullptr at the end
  // of the stream. Damage ends the readable frames early: it is reported once, then the
  // stream ends (or loops over the whole frames before it).
  std::shared_ptr<Frame> next_frame(Context& ctx) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (next_ < reader_->frame_count())
        if (auto frame = reader_->read(next_)) return frame;
      if (const auto& damage = reader_->damage(); damage && !warned_) {
        warned_ = true;
        ctx.warn(damage->where + "; played the " +
                 std::to_string(reader_->frame_count() - start_index_) + " whole frames before it" +
                 (loop_ ? ", looping over them" : ""));
      }
      if (!loop_ || start_index_ >= reader_->frame_count()) return nullptr;
      wrap();
    }
    return nullptr;
  }

  // What one pass over the readable frames from start_s spans: per recorded source its
  // first and last sequence number, and the UTC times. A recording of several sources
  // interleaves them, so neither is ordered by position in the file.
  struct Pass {
    std::map<uint32_t, std::pair<uint64_t, uint64_t>> sequences;  // source -> first, last
    int64_t utc_min_ns = 0, utc_max_ns = 0;
    int64_t mean_interval_ns = 0;  // 0 for a single frame: as fast as possible
  };

  Pass measure_pass() const {
    Pass pass;
    const size_t n = reader_->frame_count() - start_index_;
    pass.utc_min_ns = pass.utc_max_ns = reader_->frame_info(start_index_).utc_ns;
    for (size_t i = start_index_; i < reader_->frame_count(); ++i) {
      const auto& f = reader_->frame_info(i);
      auto [it, first] = pass.sequences.try_emplace(f.source_id, f.sequence, f.sequence);
      it->second.first = std::min(it->second.first, f.sequence);
      it->second.second = std::max(it->second.second, f.sequence);
      pass.utc_min_ns = std::min(pass.utc_min_ns, f.utc_ns);
      pass.utc_max_ns = std::max(pass.utc_max_ns, f.utc_ns);
    }
    if (n > 1) pass.mean_interval_ns = (pass.utc_max_ns - pass.utc_min_ns) / int64_t(n - 1);
    return pass;
  }

  // Back to start_s. Each source's sequence numbers continue where the pass ended them and
  // UTC times move on by the pass's span, so downstream sees one contiguous stream.
  void wrap() {
    pass_ = measure_pass();  // damage may have shortened the readable frames
    for (const auto& [source, range] : pass_.sequences)
      seq_offset_[source] += range.second + 1 - range.first;
    utc_offset_ns_ += pass_.utc_max_ns - pass_.utc_min_ns + pass_.mean_interval_ns;
    next_ = start_index_;
    ++loops_;
  }

  // The output named after `type`, else `any` (the last).
  static size_t port_of(std::string_view type) {
    static const std::vector<PortSpec> outputs = spec().outputs;
    for (size_t i = 0; i + 1 < outputs.size(); ++i)
      if (outputs[i].name == type) return i;
    return outputs.size() - 1;
  }

  // The first frame, in recorded order, at least `start_s` after the earliest one. A
  // linear pass over the index in memory: frames of several sources are not in UTC order.
  size_t seek(double start_s) const {
    const size_t n = reader_->frame_count();
    int64_t t0 = reader_->frame_info(0).utc_ns, last = t0;
    for (size_t i = 0; i < n; ++i) {
      t0 = std::min(t0, reader_->frame_info(i).utc_ns);
      last = std::max(last, reader_->frame_info(i).utc_ns);
    }
    const int64_t target = t0 + static_cast<int64_t>(start_s * 1e9);
    for (size_t i = 0; i < n; ++i)
      if (reader_->frame_info(i).utc_ns >= target) return i;
    char text[160];
    std::snprintf(text, sizeof text, "start_s %.3f s is past the last frame (at %.3f s) of ",
                  start_s, (last - t0) / 1e9);
    throw std::invalid_argument(text + reader_->path().string());
  }

  std::unique_ptr<RecordingReader> reader_;
  bool fast_ = false, loop_ = false, warned_ = false;
  std::atomic<double> speed_{1};
  size_t start_index_ = 0, next_ = 0, current_ = 0;
  Pass pass_;
  std::map<uint32_t, uint64_t> seq_offset_;  // per recorded source, added on later passes
  int64_t utc_offset_ns_ = 0;
  int64_t emitted_ = 0, loops_ = 0;
};

}  // namespace
}  // namespace sonoflow::file_player

SONOFLOW_PLUGIN("file_player", "1.0.0", "Apache-2.0",
                "Replays recordings made by recorder, deterministically",
                sonoflow::node_type<sonoflow::file_player::FilePlayer>())
