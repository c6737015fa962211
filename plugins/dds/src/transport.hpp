// The DDS side of the dds plugin, free of the node API: a topic of serialized SonoFlow
// frames (idl/frame_sample.idl) written by a Writer and read by a Reader on Cyclone DDS,
// with the QoS that follows a SonoFlow edge policy. The nodes (publish.cpp,
// subscribe.cpp) only turn frames into bytes and back; tests and the benchmark drive
// these classes directly.
#pragma once

#include <dds/dds.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sonoflow/node.hpp"

namespace sonoflow::dds {

// The highest domain id DDSI's port mapping allows with the default port settings.
inline constexpr int64_t kMaxDomainId = 232;
// `sequence` of the sample that says the publisher's stream ended cleanly.
inline constexpr uint64_t kEndOfStream = UINT64_MAX;

// Why `name` is not a usable topic name, or an empty string. Topic names are what DDS
// allows everywhere: letters, digits, '_' and '/' separators, 1 to 200 characters.
std::string topic_name_problem(std::string_view name);

// The domain id to use for a node's `domain` parameter: the parameter itself, or for -1
// the SONOFLOW_DDS_DOMAIN environment variable (like ROS_DOMAIN_ID), else 0. Throws
// std::invalid_argument naming the variable when it holds no valid id.
int resolve_domain(int64_t param);

// QoS of a topic, from the policy of the edge it replaces.
struct TopicQos {
  // lossless: reliable, keep-all, with `max_frames` samples at most held per reader and
  // writer, so a slow reader blocks the writer (backpressure across the network).
  // latest: reliable, keep-last 1 (a newer frame replaces an undelivered one).
  EdgePolicy policy = EdgePolicy::lossless;
  int max_frames = 4;
  // The writer's liveliness lease: a reader declares the publisher lost when it has not
  // heard from its process for this long (a crash, a cable pulled).
  double lease_s = 1.0;
};

// Creates the QoS of a writer or reader (the caller deletes it with dds_delete_qos).
dds_qos_t* make_qos(const TopicQos& qos, bool writer);

// One participant per domain id in this process, shared by every node that uses it and
// deleted with the last of them.
class Participant;
std::shared_ptr<Participant> participant_for(int domain);

class Writer {
 public:
  Writer(int domain, const std::string& topic, const TopicQos& qos);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Readers currently matched.
  int matched_readers() const;
  // Waits until at least one reader is matched, or `timeout`; true when one is.
  bool wait_for_reader(std::chrono::milliseconds timeout) const;
  // Sends one frame's bytes. Blocks while a lossless topic's readers hold max_frames
  // unread frames, for half a second at most; false then (nothing was sent).
  bool write(uint64_t sequence, std::span<const uint8_t> bytes);
  // Says the stream ended, then waits (up to `timeout`) until every reader has
  // acknowledged everything written; false when some did not.
  bool finish(std::chrono::milliseconds timeout);

 private:
  std::shared_ptr<Participant> participant_;
  dds_entity_t topic_ = 0, writer_ = 0;
};

// What a Reader saw while waiting.
struct ReaderEvent {
  enum class Kind { none, frame, end_of_stream, peer_lost, peer_back } kind = Kind::none;
  uint64_t sequence = 0;
  std::vector<uint8_t> bytes;  // kind == frame
};

class Reader {
 public:
  Reader(int domain, const std::string& topic, const TopicQos& qos);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Waits up to `timeout` for a frame, the end of the stream or a change of the
  // publisher's state (lost: no live writer any more after there was one; back: a live
  // writer again). Returns Kind::none on timeout.
  ReaderEvent next(std::chrono::milliseconds timeout);
  // Wakes a next() that is waiting, from another thread.
  void wake();
  // Live writers now.
  int alive_writers() const;

 private:
  std::optional<ReaderEvent> take_status();
  std::optional<ReaderEvent> take_sample();

  std::shared_ptr<Participant> participant_;
  dds_entity_t topic_ = 0, reader_ = 0, waitset_ = 0, guard_ = 0, data_ = 0;
  bool had_writer_ = false, lost_ = false;
};

}  // namespace sonoflow::dds
