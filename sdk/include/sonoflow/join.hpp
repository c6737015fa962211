// Joining inputs: a node with several input ports (an injectate monitor needs the image
// *and* the needle result of the same acquisition; a viewer the overlay and the numbers)
// receives each frame in its own process() call. InputJoiner collects them by acquisition
// — source id and sequence number, which every derived frame copies from its input — and
// hands over the complete set once every awaited port has delivered.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "sonoflow/frame.hpp"

namespace sonoflow {

class InputJoiner {
 public:
  // `ports`: the input ports to wait for (usually those Context::input_connected says are
  // connected). `max_pending`: acquisitions held at most while waiting for their other
  // frames; the oldest is dropped beyond it, so a port that stops delivering cannot grow
  // memory.
  explicit InputJoiner(std::vector<size_t> ports = {}, size_t max_pending = 32)
      : ports_(std::move(ports)), max_pending_(max_pending) {}

  const std::vector<size_t>& ports() const { return ports_; }

  // Adds a frame arriving on input `port`. Returns the frames of its acquisition, in the
  // order of `ports`, when this frame completes it; acquisitions of the same source that
  // are older and still incomplete are then dropped (a `latest` edge skipped them).
  // A frame on a port that is not awaited is ignored (nullopt).
  std::optional<std::vector<FramePtr>> add(size_t port, FramePtr frame) {
    size_t slot = 0;
    while (slot < ports_.size() && ports_[slot] != port) ++slot;
    if (slot == ports_.size() || !frame) return std::nullopt;
    const Key key{frame->header.source_id, frame->header.sequence};
    auto [it, inserted] = pending_.try_emplace(key);
    if (inserted) it->second.resize(ports_.size());
    it->second[slot] = std::move(frame);
    for (const auto& f : it->second)
      if (!f) {
        trim();
        return std::nullopt;
      }
    std::vector<FramePtr> complete = std::move(it->second);
    // Everything older of this source can no longer complete in order: drop it.
    auto first = pending_.lower_bound(Key{key.first, 0});
    dropped_ += static_cast<uint64_t>(std::distance(first, it));
    pending_.erase(first, std::next(it));
    return complete;
  }

  // Acquisitions dropped incomplete so far.
  uint64_t dropped() const { return dropped_; }
  size_t pending() const { return pending_.size(); }

 private:
  using Key = std::pair<uint32_t, uint64_t>;  // source id, sequence
  void trim() {
    while (pending_.size() > max_pending_) {
      pending_.erase(pending_.begin());
      ++dropped_;
    }
  }

  std::vector<size_t> ports_;
  size_t max_pending_;
  std::map<Key, std::vector<FramePtr>> pending_;
  uint64_t dropped_ = 0;
};

}  // namespace sonoflow
