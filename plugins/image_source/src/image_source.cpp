// The image_source plugin's entry point; the node is in image_source_node.hpp.
#include "image_source_node.hpp"

SONOFLOW_PLUGIN("image_source", "1.0.0", "Apache-2.0",
                "Reads B-mode video files, image sequences or cameras as images in mm (OpenCV)",
                sonoflow::node_type<sonoflow::image_io::ImageSourceNode>())
