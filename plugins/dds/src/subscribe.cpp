// dds_subscribe: a device node that receives the frames a dds_publish node sends on a DDS
// topic and emits each on the output port of its type. It reports a publisher that goes
// silent (its liveliness lease lapsed: crashed, unplugged) and resumes by itself when the
// publisher returns; it ends its stream when the publisher ends its own cleanly.
//
// Frames keep their data, truth, sequence number and UTC time, so whatever downstream
// computes is what it would have computed in the publisher's process. The acquisition
// time (steady clock, for latency) is mapped through UTC: across hosts, latency is as
// accurate as the hosts' clock synchronisation (PTP, NTP).
#include <atomic>
#include <memory>

#include "nodes.hpp"
#include "sonoflow/serialize.hpp"
#include "sonoflow/sonoflow.hpp"
#include "topic_params.hpp"

namespace sonoflow::dds {
namespace {

constexpr auto kWaitSlice = std::chrono::milliseconds(100);

// One output per frame type, named after it (DESIGN.md), and `any` for the rest.
constexpr std::string_view kOutputTypes[] = {port_type::rf, port_type::iq, port_type::image,
                                             port_type::needle, port_type::overlay};

class Subscribe final : public ThreadedDevice {
 public:
  static NodeSpec spec() {
    NodeSpec spec = NodeSpec::device(
        "dds_subscribe",
        "Receives the frames a dds_publish node sends on a DDS topic, each on the port of its "
        "type; reports a lost publisher and resumes when it returns");
    for (std::string_view type : kOutputTypes)
      spec.output(std::string(type), type, "Received " + std::string(type) + " frames");
    spec.output("any", port_type::any, "Received frames of other types (blobs)");
    add_topic_params(spec);
    return spec.param(
        ParamSpec::boolean("end_with_publisher", true)
            .doc("End this stream when the publisher ends its own cleanly (its pipeline "
                 "stopped); false: keep waiting for a publisher"));
  }

  void configure(const ParamSet& params) override {
    topic_ = read_topic_params(params);
    end_with_publisher_ = params.get_bool("end_with_publisher");
  }

  void results(Results& out) const override {
    out["topic"] = topic_.topic;
    out["domain"] = static_cast<int64_t>(topic_.domain);
    out["frames"] = frames_.load();
    out["bytes"] = bytes_.load();
    out["publisher_lost"] = lost_.load();
    out["publisher_back"] = back_.load();
    out["ended_by_publisher"] = ended_.load();
  }

 protected:
  void on_start() override {
    frames_ = bytes_ = lost_ = back_ = 0;
    ended_ = false;
    reader_ = std::make_unique<Reader>(topic_.domain, topic_.topic, topic_.qos);
  }
  void on_stop() override { reader_.reset(); }

  double frame_rate_hz() const override { return 0; }  // paced by the publisher

  bool produce(Context& ctx) override {
    while (!ctx.stopping()) {
      ReaderEvent event = reader_->next(kWaitSlice);
      switch (event.kind) {
        case ReaderEvent::Kind::none:
          continue;
        case ReaderEvent::Kind::peer_lost:
          // An error of this node (counted in its statistics, shown by the viewer), yet
          // not fatal under the default on_error: skip: the stream resumes by itself.
          ++lost_;
          ctx.error("publisher on topic '" + topic_.topic +
                    "' lost: no sign of life within its lease; waiting for it to return");
          continue;
        case ReaderEvent::Kind::peer_back:
          ++back_;
          ctx.warn("publisher on topic '" + topic_.topic + "' is back; frames resume");
          continue;
        case ReaderEvent::Kind::end_of_stream:
          if (!end_with_publisher_) continue;
          ended_ = true;
          return false;
        case ReaderEvent::Kind::frame:
          return emit(ctx, event);
      }
    }
    return false;
  }

 private:
  bool emit(Context& ctx, const ReaderEvent& event) {
    std::string why;
    FramePtr decoded = deserialize(event.bytes, &why);
    if (!decoded) {
      ctx.error("frame " + std::to_string(event.sequence) + " on topic '" + topic_.topic +
                "' cannot be read: " + why);
      return true;  // a bad frame is counted; the next one may be fine
    }
    // deserialize() built the frame just now and nobody else holds it.
    auto frame = std::const_pointer_cast<Frame>(decoded);
    const FrameHeader now = ctx.stamp();
    frame->header.source_id = now.source_id;
    frame->header.acquisition_ns = frame->header.utc_ns - (now.utc_ns - now.acquisition_ns);
    ++frames_;
    bytes_ += static_cast<int64_t>(event.bytes.size());
    const size_t port = port_of(frame->port_type());
    return ctx.emit(port, std::move(frame));
  }

  static size_t port_of(std::string_view type) {
    for (size_t i = 0; i < std::size(kOutputTypes); ++i)
      if (kOutputTypes[i] == type) return i;
    return std::size(kOutputTypes);  // any
  }

  TopicParams topic_;
  bool end_with_publisher_ = true;
  std::unique_ptr<Reader> reader_;
  std::atomic<int64_t> frames_{0}, bytes_{0}, lost_{0}, back_{0};
  std::atomic<bool> ended_{false};
};

}  // namespace

NodeTypeEntry subscribe_node_type() {
  return node_type<Subscribe>();
}

}  // namespace sonoflow::dds
