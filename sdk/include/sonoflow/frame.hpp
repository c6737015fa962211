// Frames: the immutable, shared unit of data that flows between nodes.
//
// A frame is created once by the node that produces it and then only read: it travels as
// std::shared_ptr<const Frame>, so fan-out to several nodes never copies pixel or channel
// data. Each concrete frame type names the port type it travels on ("rf", "image", ...);
// plugins may add their own types by deriving from Frame.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

namespace sonoflow {

// Identity and timing shared by every frame. A processing node copies its input's header
// into its output (see Frame::derive_header), so the acquisition time of the original
// acquisition reaches every output and end-to-end latency can be measured there.
struct FrameHeader {
  uint64_t sequence = 0;       // per source, increasing by one per emitted frame
  uint32_t source_id = 0;      // which source node acquired the data (set by the runtime)
  int64_t acquisition_ns = 0;  // steady clock, ns
  int64_t utc_ns = 0;          // wall clock at acquisition, ns since the Unix epoch
};

// Simulator ground truth. It travels beside the data, never inside it, and only
// evaluation nodes may read it: detectors and beamformers must work without it.
struct Truth {
  virtual ~Truth();
};

struct Frame {
  FrameHeader header;
  std::shared_ptr<const Truth> truth;  // null for real acquisitions

  virtual ~Frame();
  // The port type this frame travels on, e.g. "rf" or "image".
  virtual std::string_view port_type() const = 0;
};

using FramePtr = std::shared_ptr<const Frame>;

// Casts a frame to a concrete type; nullptr when it is another type.
template <class T>
std::shared_ptr<const T> frame_cast(const FramePtr& frame) {
  return std::dynamic_pointer_cast<const T>(frame);
}

}  // namespace sonoflow
