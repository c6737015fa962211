#include "topic_params.hpp"

#include <stdexcept>

namespace sonoflow::dds {

NodeSpec& add_topic_params(NodeSpec& spec) {
  return spec
      .param(ParamSpec::string("topic", "")
                 .needed()
                 .doc("DDS topic name, the same at both ends: letters, digits, '_' and '/', "
                      "e.g. knee/bmode/image"))
      .param(ParamSpec::integer("domain", -1)
                 .range(-1, static_cast<double>(kMaxDomainId))
                 .doc("DDS domain id (0-232); -1: SONOFLOW_DDS_DOMAIN, else 0"))
      .param(ParamSpec::choice("policy", "lossless", {"lossless", "latest"})
                 .doc("lossless: reliable, keep-all, a slow subscriber blocks the publisher; "
                      "latest: reliable, keep-last 1, newer frames replace undelivered ones"))
      .param(ParamSpec::integer("max_frames", 4)
                 .range(1, 64)
                 .doc("lossless: frames a subscriber may hold unread before the publisher "
                      "waits"));
}

TopicParams read_topic_params(const ParamSet& params) {
  TopicParams out;
  out.topic = params.get_string("topic");
  if (auto why = topic_name_problem(out.topic); !why.empty())
    throw std::invalid_argument("parameter 'topic' ('" + out.topic + "'): " + why);
  out.domain = resolve_domain(params.get_int("domain"));
  out.qos.policy =
      params.get_string("policy") == "latest" ? EdgePolicy::latest : EdgePolicy::lossless;
  out.qos.max_frames = static_cast<int>(params.get_int("max_frames"));
  return out;
}

}  // namespace sonoflow::dds
