// The image_writer plugin's entry point; the node is in image_writer_node.hpp.
#include "image_writer_node.hpp"

SONOFLOW_PLUGIN("image_writer", "1.0.0", "Apache-2.0",
                "Writes image and overlay frames as PNG/JPEG sequences or video files (OpenCV)",
                sonoflow::node_type<sonoflow::image_io::ImageWriterNode>())
