// The scan_convert plugin's entry point; the node is in scan_convert_node.hpp.
#include "scan_convert_node.hpp"

SONOFLOW_PLUGIN("scan_convert", "1.0.0", "Apache-2.0",
                "Scan conversion of sector (polar) B-mode images to Cartesian",
                sonoflow::node_type<sonoflow::scan::ScanConvertNode>())
