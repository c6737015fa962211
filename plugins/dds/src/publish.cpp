// dds_publish: an output node that sends every frame it receives, of any type, in the SDK's
// FlatBuffers form on a DDS topic, for dds_subscribe nodes in other processes or hosts.
#include "nodes.hpp"

#include <algorithm>
#include <memory>

#include "sonoflow/serialize.hpp"
#include "sonoflow/sonoflow.hpp"
#include "topic_params.hpp"

namespace sonoflow::dds {
namespace {

// How long stop() waits for subscribers to acknowledge the last frames.
constexpr auto kFinishTimeout = std::chrono::seconds(10);
constexpr auto kPollInterval = std::chrono::milliseconds(200);

class Publish final : public Node {
 public:
  static NodeSpec spec() {
    NodeSpec spec = NodeSpec::output(
        "dds_publish",
        "Sends every frame it receives on a DDS topic (Cyclone DDS), for dds_subscribe in "
        "another process or host");
    spec.input("in", port_type::any, "Frames of any type, sent in arrival order");
    add_topic_params(spec);
    return spec.param(ParamSpec::real("lease_s", 1)
                          .range(0.05, 3600)
                          .in("s")
                          .doc("Liveliness lease: subscribers report this publisher lost after "
                               "this long without a sign of life"));
  }

  void configure(const ParamSet& params) override {
    topic_ = read_topic_params(params);
    topic_.qos.lease_s = params.get_real("lease_s");
  }

  void start(Context&) override {
    sent_ = bytes_ = dropped_ = max_readers_ = 0;
    writer_ = std::make_unique<Writer>(topic_.domain, topic_.topic, topic_.qos);
  }

  void process(const Input& input, Context& ctx) override {
    const std::vector<uint8_t> bytes = serialize(*input.frame);
    const bool lossless = topic_.qos.policy == EdgePolicy::lossless;
    for (bool waited = false;;) {
      const int readers = writer_->matched_readers();
      max_readers_ = std::max<int64_t>(max_readers_, readers);
      if (readers == 0) {
        // latest: nobody to deliver to, the frame is dropped; lossless: the pipeline
        // waits for a subscriber (backpressure), unless it is being stopped.
        if (!lossless || ctx.stopping()) {
          ++dropped_;
          return;
        }
        if (!waited) ctx.warn("waiting for a subscriber on topic '" + topic_.topic + "'");
        waited = true;
        writer_->wait_for_reader(kPollInterval);
        continue;
      }
      if (writer_->write(input.frame->header.sequence, bytes)) break;
      // A matched subscriber that does not read keeps the write blocked: when the
      // pipeline is being stopped, give the frame up instead of holding the drain.
      if (ctx.stopping()) {
        ++dropped_;
        return;
      }
    }
    ++sent_;
    bytes_ += static_cast<int64_t>(bytes.size());
  }

  void stop() override {
    if (!writer_) return;
    const auto writer = std::move(writer_);
    finished_ = writer->matched_readers() == 0 || writer->finish(kFinishTimeout);
  }

  void results(Results& out) const override {
    out["topic"] = topic_.topic;
    out["domain"] = static_cast<int64_t>(topic_.domain);
    out["frames"] = sent_;
    out["bytes"] = bytes_;
    out["dropped_no_subscriber"] = dropped_;
    out["max_subscribers"] = max_readers_;
    out["acknowledged"] = finished_;
  }

 private:
  TopicParams topic_;
  std::unique_ptr<Writer> writer_;
  int64_t sent_ = 0, bytes_ = 0, dropped_ = 0, max_readers_ = 0;
  bool finished_ = false;
};

}  // namespace

NodeTypeEntry publish_node_type() {
  return node_type<Publish>();
}

}  // namespace sonoflow::dds
