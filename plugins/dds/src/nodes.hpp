// The node types of the dds plugin, each defined in its own file.
#pragma once

#include "sonoflow/plugin.hpp"

namespace sonoflow::dds {

NodeTypeEntry publish_node_type();
NodeTypeEntry subscribe_node_type();

}  // namespace sonoflow::dds
