// Serialized form of frames (sdk/schemas/frames.fbs), for recordings and the network.
// deserialize() runs the FlatBuffers verifier before reading anything: corrupt or
// truncated input is an error message, never a crash.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sonoflow/frame.hpp"

namespace sonoflow {

// Throws std::invalid_argument for a frame type without a serialized form.
std::vector<uint8_t> serialize(const Frame& frame);

// On failure returns nullptr and says why in *error.
FramePtr deserialize(std::span<const uint8_t> bytes, std::string* error);

}  // namespace sonoflow
