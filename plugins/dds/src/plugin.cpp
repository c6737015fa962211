// The dds plugin: SonoFlow frames across processes and hosts on Cyclone DDS.
#include "nodes.hpp"
#include "sonoflow/sonoflow.hpp"

SONOFLOW_PLUGIN("dds", "1.0.0", "Apache-2.0",
                "Frames of any type across processes and hosts on DDS (Cyclone DDS)",
                sonoflow::dds::publish_node_type(), sonoflow::dds::subscribe_node_type())
