// The dds plugin's transport on real Cyclone DDS (loopback): each case has a domain of its
// own. No case asserts how long anything takes; waits are bounded only so that a broken
// build fails instead of hanging.
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include "sonoflow/serialize.hpp"
#include "synthetic_frames.hpp"
#include "transport.hpp"

using namespace sonoflow;
using namespace sonoflow::dds;
using namespace std::chrono_literals;
using Kind = ReaderEvent::Kind;

namespace {

constexpr auto kPatience = 20s;  // only bounds a hang

// The next event that is not a timeout (or none after kPatience).
ReaderEvent next_event(Reader& reader) {
  const auto until = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < until) {
    ReaderEvent e = reader.next(100ms);
    if (e.kind != Kind::none) return e;
  }
  return {};
}

// The next frame or end of stream, skipping changes of the publisher's state.
ReaderEvent next_data(Reader& reader) {
  for (;;) {
    ReaderEvent e = next_event(reader);
    if (e.kind != Kind::peer_back && e.kind != Kind::peer_lost) return e;
  }
}

}  // namespace

TEST_CASE("topic names: letters, digits, '_' and '/' only, not empty, no leading digit") {
  CHECK(topic_name_problem("sonoflow/knee_injection/bmode/image").empty());
  CHECK(topic_name_problem("").find("empty") != std::string::npos);
  CHECK(topic_name_problem("a b").find("' '") != std::string::npos);
  CHECK(topic_name_problem("knee-injection").find("'-'") != std::string::npos);
  CHECK(topic_name_problem("9lives").find("digit") != std::string::npos);
  CHECK(topic_name_problem(std::string(201, 'a')).find("200") != std::string::npos);
}

TEST_CASE("domain: the parameter, else SONOFLOW_DDS_DOMAIN, else 0; a bad variable is named") {
  ::unsetenv("SONOFLOW_DDS_DOMAIN");
  CHECK(resolve_domain(-1) == 0);
  CHECK(resolve_domain(12) == 12);
  ::setenv("SONOFLOW_DDS_DOMAIN", "42", 1);
  CHECK(resolve_domain(-1) == 42);
  CHECK(resolve_domain(3) == 3);
  ::setenv("SONOFLOW_DDS_DOMAIN", "300", 1);
  CHECK_THROWS_WITH(resolve_domain(-1),
                    Catch::Contains("SONOFLOW_DDS_DOMAIN='300'") && Catch::Contains("0 to 232"));
  ::setenv("SONOFLOW_DDS_DOMAIN", "seven", 1);
  CHECK_THROWS_WITH(resolve_domain(-1), Catch::Contains("'seven'"));
  ::unsetenv("SONOFLOW_DDS_DOMAIN");
}

TEST_CASE("a bad topic name is refused by name before DDS is touched") {
  CHECK_THROWS_WITH(Writer(201, "no spaces", {}), Catch::Contains("topic 'no spaces'"));
  CHECK_THROWS_WITH(Reader(201, "", {}), Catch::Contains("empty"));
}

TEST_CASE("QoS: lossless is reliable keep-all with limits, latest reliable keep-last 1") {
  TopicQos lossless;
  lossless.max_frames = 3;
  dds_qos_t* q = make_qos(lossless, true);
  dds_reliability_kind_t reliability;
  dds_duration_t blocking;
  dds_history_kind_t history;
  int32_t depth, max_samples, max_instances, max_per_instance;
  REQUIRE(dds_qget_reliability(q, &reliability, &blocking));
  CHECK(reliability == DDS_RELIABILITY_RELIABLE);
  REQUIRE(dds_qget_history(q, &history, &depth));
  CHECK(history == DDS_HISTORY_KEEP_ALL);
  REQUIRE(dds_qget_resource_limits(q, &max_samples, &max_instances, &max_per_instance));
  CHECK(max_samples == 3);
  CHECK(max_per_instance == 3);
  dds_liveliness_kind_t liveliness;
  dds_duration_t lease;
  REQUIRE(dds_qget_liveliness(q, &liveliness, &lease));
  CHECK(lease == DDS_SECS(1));
  dds_delete_qos(q);

  TopicQos latest;
  latest.policy = EdgePolicy::latest;
  q = make_qos(latest, false);
  REQUIRE(dds_qget_reliability(q, &reliability, &blocking));
  CHECK(reliability == DDS_RELIABILITY_RELIABLE);
  REQUIRE(dds_qget_history(q, &history, &depth));
  CHECK(history == DDS_HISTORY_KEEP_LAST);
  CHECK(depth == 1);
  REQUIRE(dds_qget_liveliness(q, &liveliness, &lease));
  CHECK(lease == DDS_INFINITY);  // a reader accepts any publisher's lease
  dds_delete_qos(q);
}

TEST_CASE("lossless: 50 frames arrive in order, bit for bit, then the end of the stream") {
  Reader reader(202, "test/order", {});
  Writer writer(202, "test/order", {});
  REQUIRE(writer.wait_for_reader(kPatience));
  // A jthread: if a REQUIRE below ends the test case, the sender is told to stop and
  // joined, rather than a joinable std::thread ending the whole test program. Catch2 2
  // assertions are not thread-safe: the sender only reports, the test thread checks.
  std::atomic<bool> finished{false};
  std::jthread sender([&](std::stop_token stop) {
    for (uint64_t i = 0; i < 50 && !stop.stop_requested(); ++i) {
      const auto bytes = serialize(*synthetic::rf(1, 4, 16, i));
      while (!writer.write(i, bytes) && !stop.stop_requested()) {
      }
    }
    finished = writer.finish(kPatience);
  });
  for (uint64_t i = 0; i < 50; ++i) {
    ReaderEvent e = next_data(reader);
    REQUIRE(e.kind == Kind::frame);
    CHECK(e.sequence == i);
    CHECK(e.bytes == serialize(*synthetic::rf(1, 4, 16, i)));
  }
  CHECK(next_data(reader).kind == Kind::end_of_stream);
  sender.join();
  CHECK(finished);
}

TEST_CASE("large frames: rf of 128 channels x 2000 samples x 3 angles round trips") {
  Reader reader(203, "test/large", {});
  Writer writer(203, "test/large", {});
  REQUIRE(writer.wait_for_reader(kPatience));
  std::jthread sender([&](std::stop_token stop) {  // stopped and joined however the case ends
    for (uint64_t i = 0; i < 5 && !stop.stop_requested(); ++i) {
      const auto bytes = serialize(*synthetic::rf(3, 128, 2000, i));
      while (!writer.write(i, bytes) && !stop.stop_requested()) {
      }
    }
  });
  for (uint64_t i = 0; i < 5; ++i) {
    ReaderEvent e = next_data(reader);
    REQUIRE(e.kind == Kind::frame);
    CHECK(e.bytes.size() > 1'536'000);
    std::string why;
    auto frame = frame_cast<RfFrame>(deserialize(e.bytes, &why));
    REQUIRE(frame);
    const auto sent = synthetic::rf(3, 128, 2000, i);
    CHECK(frame->samples_int16 == sent->samples_int16);
    CHECK(frame->header.sequence == i);
    CHECK(frame->header.utc_ns == sent->header.utc_ns);
  }
  sender.join();
}

TEST_CASE("several megabytes: a 7.7 MB rf frame (10 000 samples per channel) round trips") {
  Reader reader(207, "test/huge", {});
  Writer writer(207, "test/huge", {});
  REQUIRE(writer.wait_for_reader(kPatience));
  const auto sent = synthetic::rf(3, 128, 10000, 7);
  const auto bytes = serialize(*sent);
  REQUIRE(bytes.size() > 7'680'000);
  std::jthread sender([&](std::stop_token stop) {  // stopped and joined however the case ends
    while (!writer.write(7, bytes) && !stop.stop_requested()) {
    }
  });
  ReaderEvent e = next_data(reader);
  sender.join();
  REQUIRE(e.kind == Kind::frame);
  CHECK(e.bytes == bytes);
}

TEST_CASE("lossless backpressure: a reader that does not read stops the writer") {
  TopicQos qos;
  qos.max_frames = 2;
  Reader reader(204, "test/backpressure", qos);
  Writer writer(204, "test/backpressure", qos);
  REQUIRE(writer.wait_for_reader(kPatience));
  const auto bytes = serialize(*synthetic::rf(1, 8, 64, 0));
  // Nothing reads: within a few frames a write must block until its time-out.
  int written = 0;
  while (written < 100 && writer.write(static_cast<uint64_t>(written), bytes)) ++written;
  CHECK(written < 100);
  // Reading frees the writer again, and nothing written was lost.
  for (int i = 0; i < written; ++i) {
    ReaderEvent e = next_data(reader);
    REQUIRE(e.kind == Kind::frame);
    CHECK(e.sequence == static_cast<uint64_t>(i));
  }
  bool freed = false;
  const auto until = std::chrono::steady_clock::now() + kPatience;
  while (!freed && std::chrono::steady_clock::now() < until) freed = writer.write(999, bytes);
  CHECK(freed);
}

TEST_CASE("latest: a slow reader gets the newest frame, the writer never waits for it") {
  TopicQos qos;
  qos.policy = EdgePolicy::latest;
  Reader reader(205, "test/latest", qos);
  Writer writer(205, "test/latest", qos);
  REQUIRE(writer.wait_for_reader(kPatience));
  const auto bytes = serialize(*synthetic::rf(1, 8, 64, 0));
  // Nothing reads while it writes: no write waits for the reader.
  for (uint64_t i = 0; i < 200; ++i) REQUIRE(writer.write(i, bytes));
  REQUIRE(writer.finish(kPatience));
  // The reader holds only the newest sample; frames it still saw are in order, then the
  // stream ends.
  int frames = 0;
  uint64_t last = 0;
  ReaderEvent e;
  while ((e = next_data(reader)).kind == Kind::frame) {
    CHECK((frames == 0 || e.sequence > last));
    last = e.sequence;
    ++frames;
  }
  CHECK(e.kind == Kind::end_of_stream);
  CHECK(frames <= 1);
}

TEST_CASE("a publisher that goes away is reported lost, and back when one returns") {
  TopicQos qos;
  qos.lease_s = 0.3;
  Reader reader(206, "test/liveliness", qos);
  const auto bytes = serialize(*synthetic::rf(1, 4, 16, 0));
  auto writer = std::make_unique<Writer>(206, "test/liveliness", qos);
  REQUIRE(writer->wait_for_reader(kPatience));
  REQUIRE(writer->write(0, bytes));
  CHECK(next_data(reader).kind == Kind::frame);
  writer.reset();  // no end-of-stream sample: as if its process had died
  CHECK(next_event(reader).kind == Kind::peer_lost);
  writer = std::make_unique<Writer>(206, "test/liveliness", qos);
  CHECK(next_event(reader).kind == Kind::peer_back);
  REQUIRE(writer->wait_for_reader(kPatience));
  REQUIRE(writer->write(1, bytes));
  ReaderEvent e = next_data(reader);
  CHECK(e.kind == Kind::frame);
  CHECK(e.sequence == 1);
}
