// Plugin entry of igtl_server; the node lives in igtl_server_node.cpp so tests can drive it.
#include "igtl_server_node.hpp"
#include "sonoflow/plugin.hpp"

SONOFLOW_PLUGIN("igtl_server", "1.0.0", "Apache-2.0",
                "OpenIGTLink server for 3D Slicer: images, needle points and pose, status",
                sonoflow::node_type<sonoflow::igtl_server::IgtlServerNode>())
