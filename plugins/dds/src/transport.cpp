#include "transport.hpp"

#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "frame_sample.h"

namespace sonoflow::dds {
namespace {

constexpr size_t kMaxTopicName = 200;
// How long a blocked write waits before its caller looks again at whether to go on.
constexpr auto kWriteBlockMs = std::chrono::milliseconds(500);

// Cyclone's defaults stall multi-megabyte frames: a writer blocks as soon as 500 kB are
// unacknowledged and sends them as 14 kB messages. These make large frames stream; the
// user's CYCLONEDDS_URI is read after them, so anything set there wins.
constexpr const char* kLargeFrameConfig =
    "<CycloneDDS><Domain id=\"any\"><General><MaxMessageSize>65500B</MaxMessageSize>"
    "<FragmentSize>16000B</FragmentSize></General><Internal><Watermarks>"
    "<WhcHigh>32MB</WhcHigh><WhcHighInit>16MB</WhcHighInit></Watermarks>"
    "<SocketReceiveBufferSize min=\"default\"/></Internal></Domain></CycloneDDS>";

std::string dds_error(const char* what, dds_return_t rc) {
  return std::string(what) + ": " + dds_strretcode(rc);
}

dds_duration_t to_duration(double seconds) {
  return seconds <= 0 ? DDS_INFINITY : static_cast<dds_duration_t>(seconds * 1e9);
}

dds_entity_t create_topic(dds_entity_t participant, const std::string& name) {
  if (auto why = topic_name_problem(name); !why.empty())
    throw std::invalid_argument("topic '" + name + "': " + why);
  const dds_entity_t topic =
      dds_create_topic(participant, &sonoflow_dds_FrameSample_desc, name.c_str(), nullptr, nullptr);
  if (topic < 0) throw std::runtime_error(dds_error(("topic '" + name + "'").c_str(), topic));
  return topic;
}

}  // namespace

std::string topic_name_problem(std::string_view name) {
  if (name.empty()) return "a topic name must not be empty";
  if (name.size() > kMaxTopicName)
    return "a topic name has at most " + std::to_string(kMaxTopicName) + " characters";
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '/';
    if (!ok)
      return std::string("character '") + c +
             "' is not allowed in a topic name (letters, digits, '_' and '/' are)";
  }
  if (name.front() >= '0' && name.front() <= '9') return "a topic name must not start with a digit";
  return {};
}

int resolve_domain(int64_t param) {
  if (param >= 0) return static_cast<int>(param);
  const char* env = std::getenv("SONOFLOW_DDS_DOMAIN");
  if (!env || !*env) return 0;
  char* end = nullptr;
  const long value = std::strtol(env, &end, 10);
  if (*end || value < 0 || value > kMaxDomainId)
    throw std::invalid_argument("SONOFLOW_DDS_DOMAIN='" + std::string(env) +
                                "' is not a DDS domain id (an integer from 0 to " +
                                std::to_string(kMaxDomainId) + ")");
  return static_cast<int>(value);
}

dds_qos_t* make_qos(const TopicQos& qos, bool writer) {
  dds_qos_t* q = dds_create_qos();
  dds_qset_reliability(q, DDS_RELIABILITY_RELIABLE, DDS_MSECS(kWriteBlockMs.count()));
  dds_qset_durability(q, DDS_DURABILITY_VOLATILE);
  if (qos.policy == EdgePolicy::lossless) {
    dds_qset_history(q, DDS_HISTORY_KEEP_ALL, 0);
    dds_qset_resource_limits(q, qos.max_frames, DDS_LENGTH_UNLIMITED, qos.max_frames);
  } else {
    dds_qset_history(q, DDS_HISTORY_KEEP_LAST, 1);
  }
  // Offered by the writer; a reader asks for nothing stricter than "automatic, any lease",
  // so it matches whatever lease a publisher chose and still learns when it lapses.
  dds_qset_liveliness(q, DDS_LIVELINESS_AUTOMATIC,
                      writer ? to_duration(qos.lease_s) : DDS_INFINITY);
  return q;
}

class Participant {
 public:
  explicit Participant(int domain) {
    std::string config = kLargeFrameConfig;
    if (const char* uri = std::getenv("CYCLONEDDS_URI"); uri && *uri)
      config += std::string(",") + uri;
    domain_ = dds_create_domain(static_cast<dds_domainid_t>(domain), config.c_str());
    if (domain_ < 0)
      throw std::runtime_error(
          dds_error(("DDS domain " + std::to_string(domain)).c_str(), domain_) +
          " (check CYCLONEDDS_URI)");
    participant_ = dds_create_participant(static_cast<dds_domainid_t>(domain), nullptr, nullptr);
    if (participant_ < 0) {
      dds_delete(domain_);
      throw std::runtime_error(
          dds_error(("DDS participant in domain " + std::to_string(domain)).c_str(), participant_));
    }
  }
  ~Participant() {
    dds_delete(participant_);
    dds_delete(domain_);
  }
  dds_entity_t get() const { return participant_; }

 private:
  dds_entity_t domain_ = 0, participant_ = 0;
};

std::mutex& participants_mutex() {
  static std::mutex mutex;
  return mutex;
}

std::shared_ptr<Participant> participant_for(int domain) {
  static std::map<int, std::weak_ptr<Participant>> participants;
  std::lock_guard lock(participants_mutex());
  if (auto existing = participants[domain].lock()) return existing;
  // Deleted under the same lock: a new participant for a domain is created only once the
  // previous one and its domain are gone (Cyclone refuses a second domain of the same id).
  std::shared_ptr<Participant> created(new Participant(domain), [](Participant* p) {
    std::lock_guard deleting(participants_mutex());
    delete p;
  });
  participants[domain] = created;
  return created;
}

namespace {

// A writer or reader on `topic` (deleted again, with a message naming it, on failure).
dds_entity_t create_endpoint(dds_entity_t participant, dds_entity_t topic, const std::string& name,
                             const TopicQos& qos, bool writer) {
  dds_qos_t* q = make_qos(qos, writer);
  const dds_entity_t endpoint = writer ? dds_create_writer(participant, topic, q, nullptr)
                                       : dds_create_reader(participant, topic, q, nullptr);
  dds_delete_qos(q);
  if (endpoint < 0) {
    dds_delete(topic);
    const std::string what = std::string(writer ? "writer" : "reader") + " on topic '" + name + "'";
    throw std::runtime_error(dds_error(what.c_str(), endpoint));
  }
  return endpoint;
}

}  // namespace

Writer::Writer(int domain, const std::string& topic, const TopicQos& qos)
    : participant_(participant_for(domain)) {
  topic_ = create_topic(participant_->get(), topic);
  writer_ = create_endpoint(participant_->get(), topic_, topic, qos, true);
  dds_set_status_mask(writer_, DDS_PUBLICATION_MATCHED_STATUS);
}

Writer::~Writer() {
  dds_delete(writer_);
  dds_delete(topic_);
}

int Writer::matched_readers() const {
  dds_publication_matched_status_t status{};
  if (dds_get_publication_matched_status(writer_, &status) < 0) return 0;
  return static_cast<int>(status.current_count);
}

bool Writer::wait_for_reader(std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (matched_readers() == 0) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

bool Writer::write(uint64_t sequence, std::span<const uint8_t> bytes) {
  sonoflow_dds_FrameSample sample{};
  sample.frame_sequence = sequence;
  // The sample borrows the caller's bytes: Cyclone serializes them before write returns.
  sample.payload._length = sample.payload._maximum = static_cast<uint32_t>(bytes.size());
  sample.payload._buffer = const_cast<uint8_t*>(bytes.data());
  sample.payload._release = false;
  const dds_return_t rc = dds_write(writer_, &sample);
  if (rc == DDS_RETCODE_TIMEOUT) return false;
  if (rc < 0) throw std::runtime_error(dds_error("DDS write", rc));
  return true;
}

bool Writer::finish(std::chrono::milliseconds timeout) {
  sonoflow_dds_FrameSample end{};
  end.frame_sequence = kEndOfStream;
  const auto until = std::chrono::steady_clock::now() + timeout;
  dds_return_t rc = DDS_RETCODE_TIMEOUT;
  while (rc == DDS_RETCODE_TIMEOUT && std::chrono::steady_clock::now() < until)
    rc = dds_write(writer_, &end);
  if (rc < 0) return false;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  return dds_wait_for_acks(writer_, DDS_MSECS(std::max<int64_t>(left.count(), 0))) == 0;
}

Reader::Reader(int domain, const std::string& topic, const TopicQos& qos)
    : participant_(participant_for(domain)) {
  topic_ = create_topic(participant_->get(), topic);
  reader_ = create_endpoint(participant_->get(), topic_, topic, qos, false);
  dds_set_status_mask(reader_, DDS_LIVELINESS_CHANGED_STATUS);
  waitset_ = dds_create_waitset(participant_->get());
  guard_ = dds_create_guardcondition(participant_->get());
  data_ = dds_create_readcondition(reader_, DDS_ANY_STATE);
  dds_waitset_attach(waitset_, reader_, 0);  // its status condition: liveliness changes
  dds_waitset_attach(waitset_, data_, 1);
  dds_waitset_attach(waitset_, guard_, 2);
}

Reader::~Reader() {
  dds_delete(waitset_);
  dds_delete(guard_);
  dds_delete(data_);
  dds_delete(reader_);
  dds_delete(topic_);
}

int Reader::alive_writers() const {
  dds_liveliness_changed_status_t status{};
  if (dds_get_liveliness_changed_status(reader_, &status) < 0) return 0;
  return static_cast<int>(status.alive_count);
}

void Reader::wake() {
  dds_set_guardcondition(guard_, true);
}

std::optional<ReaderEvent> Reader::take_status() {
  uint32_t changed = 0;
  if (dds_take_status(reader_, &changed, DDS_LIVELINESS_CHANGED_STATUS) < 0 || !changed)
    return std::nullopt;
  const int alive = alive_writers();
  if (alive > 0 && !had_writer_) had_writer_ = true;
  if (alive == 0 && had_writer_ && !lost_) {
    lost_ = true;
    return ReaderEvent{ReaderEvent::Kind::peer_lost, 0, {}};
  }
  if (alive > 0 && lost_) {
    lost_ = false;
    return ReaderEvent{ReaderEvent::Kind::peer_back, 0, {}};
  }
  return std::nullopt;
}

std::optional<ReaderEvent> Reader::take_sample() {
  void* samples[1] = {nullptr};
  dds_sample_info_t info{};
  for (;;) {
    const dds_return_t n = dds_take(reader_, samples, &info, 1, 1);
    if (n < 0) throw std::runtime_error(dds_error("DDS take", n));
    if (n == 0) return std::nullopt;
    if (!info.valid_data) {  // a writer went away: only its state changed
      dds_return_loan(reader_, samples, n);
      continue;
    }
    const auto* s = static_cast<const sonoflow_dds_FrameSample*>(samples[0]);
    had_writer_ = true;  // a sample came from a writer, whether or not its status was read
    ReaderEvent event;
    event.sequence = s->frame_sequence;
    if (s->frame_sequence == kEndOfStream && s->payload._length == 0) {
      event.kind = ReaderEvent::Kind::end_of_stream;
    } else {
      event.kind = ReaderEvent::Kind::frame;
      event.bytes.assign(s->payload._buffer, s->payload._buffer + s->payload._length);
    }
    dds_return_loan(reader_, samples, n);
    return event;
  }
}

ReaderEvent Reader::next(std::chrono::milliseconds timeout) {
  // A frame that was already there goes before a change of state noticed later: a
  // publisher that ends cleanly sends its last frames and the end of stream, then goes;
  // its frames are still queued here when its writer is seen gone, and must not be
  // reported as a lost peer.
  if (auto sample = take_sample()) return *sample;
  if (auto status = take_status()) return *status;
  dds_attach_t fired[3];
  const dds_return_t n = dds_waitset_wait(waitset_, fired, 3, DDS_MSECS(timeout.count()));
  if (n < 0) throw std::runtime_error(dds_error("DDS wait", n));
  dds_set_guardcondition(guard_, false);
  if (auto sample = take_sample()) return *sample;
  if (auto status = take_status()) return *status;
  return {};
}

}  // namespace sonoflow::dds
