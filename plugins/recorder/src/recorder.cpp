// The recorder plugin: an output node that writes every frame it receives, of any type, to
// a recording file (sonoflow/recording.hpp) that file_player replays and
// `sonoflow recording` summarises. Its input is lossless, so a slow disk slows the source
// instead of losing frames.
#include <filesystem>
#include <memory>
#include <stdexcept>

#include "sonoflow/recording.hpp"
#include "sonoflow/sonoflow.hpp"

namespace sonoflow::recorder {
namespace {

class Recorder final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec::output("recorder",
                            "Writes every frame it receives to a recording file (replay it with "
                            "file_player, summarise it with `sonoflow recording`)")
        .input("in", port_type::any, "Frames of any type, recorded in arrival order")
        .param(ParamSpec::string("path", "")
                   .needed()
                   .doc("Recording file to create, e.g. recordings/capture.sfrec (missing "
                        "folders are created)"))
        .param(ParamSpec::boolean("overwrite", false)
                   .doc("Replace an existing file instead of refusing to start"))
        .param(ParamSpec::string("note", "").doc("Free text stored in the recording's header"));
  }

  // Refuses what would fail or destroy data at start, so that the run stops before any
  // source produces a frame; the file itself is created at start.
  void configure(const ParamSet& params) override {
    path_ = params.get_string("path");
    overwrite_ = params.get_bool("overwrite");
    note_ = params.get_string("note");
    if (path_.empty())
      throw std::invalid_argument(
          "parameter 'path' is empty: give the file to record to, e.g. "
          "path: recordings/capture.sfrec");
    std::error_code ec;
    const auto status = std::filesystem::status(path_, ec);
    if (std::filesystem::is_directory(status))
      throw std::invalid_argument("path '" + path_ + "' is a folder; give a file name in it");
    if (std::filesystem::exists(status) && !overwrite_)
      throw std::invalid_argument("'" + path_ +
                                  "' already exists; set overwrite: true to replace it, or "
                                  "choose another path");
  }

  void start(Context&) override {
    frames_ = bytes_ = 0;
    RecordingInfo info;
    info.note = note_;
    writer_ = std::make_unique<RecordingWriter>(path_, std::move(info), overwrite_);
  }

  void process(const Input& input, Context&) override {
    try {
      writer_->write(*input.frame);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("cannot record a '" + std::string(input.frame->port_type()) +
                                  "' frame: " + e.what());
    }
  }

  // Writes the index and footer: after a clean stop the file is complete and indexed.
  void stop() override {
    if (!writer_) return;
    const auto writer = std::move(writer_);  // closed once, even if closing throws
    frames_ = static_cast<int64_t>(writer->frame_count());
    writer->close();
    bytes_ = static_cast<int64_t>(writer->size_bytes());
  }

  void results(Results& out) const override {
    out["path"] = path_;
    out["frames"] = frames_;
    out["bytes"] = bytes_;
  }

 private:
  std::string path_, note_;
  bool overwrite_ = false;
  std::unique_ptr<RecordingWriter> writer_;
  int64_t frames_ = 0, bytes_ = 0;
};

}  // namespace
}  // namespace sonoflow::recorder

SONOFLOW_PLUGIN("recorder", "1.0.0", "Apache-2.0",
                "Records frames of any type to a file that file_player replays",
                sonoflow::node_type<sonoflow::recorder::Recorder>())
