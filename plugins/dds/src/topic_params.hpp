// The parameters dds_publish and dds_subscribe share (topic, domain, policy, max_frames),
// declared once so that both ends of a topic describe them the same way.
#pragma once

#include <string>

#include "sonoflow/node.hpp"
#include "transport.hpp"

namespace sonoflow::dds {

// Adds topic, domain, policy and max_frames to `spec`.
NodeSpec& add_topic_params(NodeSpec& spec);

struct TopicParams {
  std::string topic;
  int domain = 0;
  TopicQos qos;
};

// Reads and checks them; throws std::invalid_argument naming the parameter at fault.
TopicParams read_topic_params(const ParamSet& params);

}  // namespace sonoflow::dds
