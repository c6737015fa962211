// The igtl_server node with real clients on the loopback: greeting, images and needle
// messages to two clients at once; a stalled client that never reads; a client that goes
// away mid-message (SIGPIPE would end this test program); refusals and clear errors.
// Timeouts below only bound how long a failing test waits; nothing asserts a speed.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <thread>

#include <igtlImageMessage.h>
#include <igtlPointMessage.h>
#include <igtlStatusMessage.h>
#include <igtlTransformMessage.h>

#include "sonoflow/testing.hpp"
#include "igtl_client.hpp"
#include "igtl_server_node.hpp"

using namespace sonoflow;
using namespace sonoflow::igtl_server;
using igtl_test::Client;

namespace {

constexpr int kWaitMs = 10000;  // generous: only a failing test waits this long


ParamSet params(std::map<std::string, ParamValue> overrides = {}) {
  ParamSet p;
  for (const auto& spec : IgtlServerNode::spec().params) p.set(spec.name, spec.default_value);
  p.set("port", int64_t{0});
  for (auto& [k, v] : overrides) p.set(k, v);
  return p;
}

FramePtr image(uint64_t sequence, uint32_t side = 64) {
  auto f = std::make_shared<ImageFrame>();
  f->width = f->height = side;
  f->pixels.assign(size_t{side} * side, static_cast<uint8_t>(sequence));
  f->spacing_mm = {0.2, 0.2};
  f->origin_mm = {-6.4, 1};
  f->set_cartesian_transform();
  f->header.sequence = sequence;
  // The sequence number travels in the timestamp, in ms: OpenIGTLink's 32.32 fixed-point
  // time does not keep single nanoseconds.
  f->header.utc_ns = static_cast<int64_t>(1'000'000'000 + sequence * 1'000'000);
  return f;
}

FramePtr needle(uint64_t sequence) {
  auto n = std::make_shared<NeedleFrame>();
  n->detected = n->measured = true;
  n->shaft_start_mm = {12, 1};
  n->tip_mm = {2, 11};
  n->trajectory_end_mm = {-5, 18};
  n->has_target = true;
  n->target_mm = {-4, 20};
  n->header.sequence = sequence;
  return n;
}

// Connects and waits for the greeting, which also proves the server has registered us.
void connect_and_greet(Client& client, int port) {
  REQUIRE(client.connect(port));
  auto hello = client.next_of("STATUS", kWaitMs);
  REQUIRE(hello);
  CHECK(hello->device == kStatusDevice);
  CHECK(hello->as<igtl::StatusMessage>()->GetCode() == igtl::StatusMessage::STATUS_OK);
}

uint64_t image_sequence(const igtl_test::Message& m) {
  return static_cast<uint64_t>(std::llround((static_cast<double>(m.timestamp_ns) - 1e9) / 1e6));
}

template <class Pred>
bool eventually(Pred pred) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

TEST_CASE("two clients at once each get the greeting, every image and the needle") {
  IgtlServerNode node;
  testing::NullContext ctx("igtl", false);
  node.configure(params());
  node.start(ctx);
  REQUIRE(node.bound_port() > 0);
  Client a, b;
  connect_and_greet(a, node.bound_port());
  connect_and_greet(b, node.bound_port());
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    node.process({0, image(seq)}, ctx);
    for (Client* c : {&a, &b}) {
      auto m = c->next_of("IMAGE", kWaitMs);
      REQUIRE(m);
      CHECK(m->device == "SonoFlow_BMode");
      CHECK(image_sequence(*m) == seq);
      double first[3];
      igtl_test::pixel_position(*m->as<igtl::ImageMessage>(), 0, 0, first);
      CHECK(first[0] == Approx(-6.4));
      CHECK(first[2] == Approx(1));
    }
  }
  node.process({2, needle(6)}, ctx);
  for (Client* c : {&a, &b}) {
    auto points = c->next_of("POINT", kWaitMs);
    REQUIRE(points);
    CHECK(points->device == "SonoFlow_Guidance");
    CHECK(points->as<igtl::PointMessage>()->GetNumberOfPointElement() == 3);
    auto pose = c->next_of("TRANSFORM", kWaitMs);
    REQUIRE(pose);
    igtl::Matrix4x4 m;
    pose->as<igtl::TransformMessage>()->GetMatrix(m);
    CHECK(m[0][3] == Approx(2));
    CHECK(m[2][3] == Approx(11));
  }
  node.stop();
  // The farewell reaches clients that read.
  auto bye = a.next_of("STATUS", kWaitMs);
  REQUIRE(bye);
  CHECK(bye->as<igtl::StatusMessage>()->GetCode() == igtl::StatusMessage::STATUS_SHUT_DOWN);
  const auto s = node.stats();
  CHECK(s.clients_served == 2);
  CHECK(s.messages_sent >= 2 * (1 + 5 + 2));
  CHECK(s.messages_dropped == 0);
}

TEST_CASE("a client that never reads does not stop frames reaching another") {
  IgtlServerNode node;
  testing::NullContext ctx("igtl", false);
  // Long timeout: the stalled client stays connected (and stalled) for the whole test.
  node.configure(params({{"client_timeout_ms", int64_t{600000}}}));
  node.start(ctx);
  Client stalled, reader;
  connect_and_greet(stalled, node.bound_port());
  connect_and_greet(reader, node.bound_port());
  // 150 images of 256 KB: far more than the loopback socket buffers hold, so the stalled
  // client's sender blocks in send() and its mailbox starts replacing frames.
  constexpr uint64_t kFrames = 150;
  for (uint64_t seq = 1; seq <= kFrames; ++seq) {
    node.process({0, image(seq, 512)}, ctx);
    auto m = reader.next_of("IMAGE", kWaitMs);
    REQUIRE(m);
    REQUIRE(image_sequence(*m) == seq);  // every frame, in order
  }
  const auto s = node.stats();
  CHECK(s.messages_dropped > 0);  // dropped for the stalled client only
  CHECK(s.clients_connected == 2);
  node.stop();  // returns although one sender is blocked in send()
  CHECK(node.stats().clients_connected == 0);
}

TEST_CASE("a client that accepts nothing for client_timeout_ms is disconnected") {
  IgtlServerNode node;
  testing::NullContext ctx("igtl", false);
  node.configure(params({{"client_timeout_ms", int64_t{200}}}));
  node.start(ctx);
  Client stalled;
  connect_and_greet(stalled, node.bound_port());
  uint64_t seq = 0;
  CHECK(eventually([&] {
    node.process({0, image(++seq, 512)}, ctx);
    return node.stats().clients_timed_out == 1;
  }));
  CHECK(node.stats().clients_connected == 0);
  node.stop();
}

TEST_CASE("a client that disconnects mid-message is dropped; the server goes on") {
  IgtlServerNode node;
  testing::NullContext ctx("igtl", false);
  node.configure(params());
  node.start(ctx);
  {
    Client quitter;
    connect_and_greet(quitter, node.bound_port());
    node.process({0, image(1, 256)}, ctx);
    REQUIRE(quitter.read_raw(100, kWaitMs));  // inside the IMAGE header
    quitter.close();                          // unread data: the kernel resets the connection
  }
  // Writing to the reset connection fails (EPIPE/ECONNRESET, and SIGPIPE, which would end
  // this program if the server let it through).
  uint64_t seq = 1;
  CHECK(eventually([&] {
    node.process({0, image(++seq, 256)}, ctx);
    return node.stats().clients_lost == 1;
  }));
  Client next;
  connect_and_greet(next, node.bound_port());
  node.process({0, image(++seq, 256)}, ctx);
  auto m = next.next_of("IMAGE", kWaitMs);
  REQUIRE(m);
  CHECK(image_sequence(*m) == seq);
  node.stop();
}

TEST_CASE("clients beyond max_clients get a BUSY status and are closed") {
  IgtlServerNode node;
  testing::NullContext ctx("igtl", false);
  node.configure(params({{"max_clients", int64_t{1}}}));
  node.start(ctx);
  Client first, second;
  connect_and_greet(first, node.bound_port());
  REQUIRE(second.connect(node.bound_port()));
  auto busy = second.next_of("STATUS", kWaitMs);
  REQUIRE(busy);
  CHECK(busy->as<igtl::StatusMessage>()->GetCode() == igtl::StatusMessage::STATUS_BUSY);
  CHECK_FALSE(second.next(kWaitMs));  // closed by the server
  CHECK(node.stats().clients_refused == 1);
  node.stop();
}

TEST_CASE("a frame that cannot be sent is an error naming it, and a STATUS to clients") {
  IgtlServerNode node;
  testing::NullContext ctx("igtl", false);
  node.configure(params());
  node.start(ctx);
  Client client;
  connect_and_greet(client, node.bound_port());
  auto polar = std::make_shared<ImageFrame>(*std::static_pointer_cast<const ImageFrame>(image(7)));
  polar->sector = std::make_shared<SectorGeometry>();
  const FramePtr frame = polar;
  CHECK_THROWS_WITH(node.process({0, frame}, ctx),
                    Catch::Contains("port 'image' (sequence 7)") &&
                        Catch::Contains("scan_convert"));
  auto status = client.next_of("STATUS", kWaitMs);
  REQUIRE(status);
  CHECK(std::string(status->as<igtl::StatusMessage>()->GetErrorName()) == "BadFrame");
  node.stop();
}

TEST_CASE("a port in use and bad parameters are refused with clear messages") {
  IgtlServerNode first, second;
  testing::NullContext ctx("igtl", false);
  first.configure(params());
  first.start(ctx);
  second.configure(params({{"port", int64_t{first.bound_port()}}}));
  CHECK_THROWS_WITH(second.start(ctx),
                    Catch::Contains("port " + std::to_string(first.bound_port())) &&
                        Catch::Contains("in use"));
  first.stop();

  IgtlServerNode node;
  CHECK_THROWS_WITH(node.configure(params({{"image_device_name", std::string(21, 'x')}})),
                    Catch::Contains("'image_device_name' must be 1 to 20 characters"));
  CHECK_THROWS_WITH(node.configure(params({{"needle_device_name", std::string("a b")}})),
                    Catch::Contains("printable ASCII"));
  CHECK_THROWS_WITH(
      node.configure(params({{"overlay_device_name", std::string("SonoFlow_BMode")}})),
      Catch::Contains("must differ"));
  auto scaled = std::vector<double>{2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
  CHECK_THROWS_WITH(node.configure(params({{"probe_to_world", scaled}})),
                    Catch::Contains("rigid"));
}
