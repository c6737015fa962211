// Viewer clients that misbehave, against a running pipeline (the simulated knee through
// the beamformer into web_viewer, as tests/viewer runs it): a WebSocket client that stops
// reading, one that leaves mid-frame, HTTP clients that send half a request and vanish or
// stall. The pipeline must keep running, the viewer keep serving other clients, and the
// run stop cleanly (exit 0) at the end. Nothing here asserts how long anything takes.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/WebSocket.h>

#include <catch2/catch.hpp>
#include <thread>

#include "http.hpp"

using namespace viewer_test;
using namespace std::chrono_literals;

namespace {

// A raw TCP connection to the viewer; what it sends is up to the test.
Poco::Net::StreamSocket connect_raw(uint16_t port) {
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", port));
  s.setReceiveTimeout(Poco::Timespan(30, 0));
  return s;
}

void send_all(Poco::Net::StreamSocket& s, const std::string& text) {
  s.sendBytes(text.data(), static_cast<int>(text.size()));
}

// Upgrades a raw connection to a WebSocket by hand and reads the 101 answer (only that:
// afterwards the test decides whether to read at all).
void upgrade(Poco::Net::StreamSocket& s) {
  send_all(s,
           "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  std::string head;
  char c = 0;
  while (head.find("\r\n\r\n") == std::string::npos && s.receiveBytes(&c, 1) == 1) head += c;
  REQUIRE_THAT(head, Catch::StartsWith("HTTP/1.1 101"));
}

// Frames the viewer has taken so far, from its statistics API.
uint64_t viewer_frames_in(uint16_t port) {
  const Response r = http(port, "GET", "/api/stats");
  REQUIRE(r.status == 200);
  auto stats = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
  return stats->getObject("nodes")->getObject("viewer")->getValue<uint64_t>("frames_in");
}

// Waits (at most a minute) until the viewer has taken more frames than `since`.
bool viewer_moves_on(uint16_t port, uint64_t since) {
  for (int i = 0; i < 600; ++i) {
    if (viewer_frames_in(port) > since) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

// A well-behaved WebSocket client gets a frame (its geometry message).
bool a_new_page_gets_a_frame(uint16_t port) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request("GET", "/ws", Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::HTTPResponse response;
  Poco::Net::WebSocket ws(session, request, response);
  ws.setReceiveTimeout(Poco::Timespan(60, 0));
  ws.setMaxPayloadSize(64 << 20);
  Poco::Buffer<char> buffer(0);
  for (int i = 0; i < 50; ++i) {
    int flags = 0;
    buffer.resize(0);
    ws.receiveFrame(buffer, flags);
    if (std::string(buffer.begin(), buffer.size()).find("\"type\":\"frame\"") !=
        std::string::npos) {
      ws.shutdown();
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("viewer clients that stall or vanish mid-message do no harm") {
  Pipeline p = start_pipeline(SONOFLOW_FAULTS_WORK "/viewer", {}, 300);
  const uint16_t port = p.port;
  REQUIRE(a_new_page_gets_a_frame(port));

  // Stalled: upgraded, then never reads; a small receive buffer fills at once, so the
  // viewer's sends block until its send timeout drops this client.
  Poco::Net::StreamSocket stalled = connect_raw(port);
  stalled.setReceiveBufferSize(4096);
  upgrade(stalled);
  // Half an HTTP request, then silence (a slow or hung client holding a connection).
  Poco::Net::StreamSocket half_request = connect_raw(port);
  send_all(half_request, "GET /api/sta");
  // Vanishing: half a request line; an upgrade followed by half a frame header; an
  // upgrade then a reset while the viewer is sending.
  {
    Poco::Net::StreamSocket s = connect_raw(port);
    send_all(s, "POST /api/params HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"node\":");
    s.close();
  }
  {
    Poco::Net::StreamSocket s = connect_raw(port);
    upgrade(s);
    send_all(s, std::string("\x81\xfe\x00", 3));  // text frame, 16-bit length cut short
    s.close();
  }
  {
    Poco::Net::StreamSocket s = connect_raw(port);
    upgrade(s);
    s.setLinger(true, 0);  // close with a reset, not a FIN
    s.close();
  }

  // The pipeline goes on: the viewer keeps taking frames, the API answers, and a new page
  // still gets frames -- while the stalled clients are still connected, and after the
  // viewer has given up on the stalled WebSocket.
  const uint64_t before = viewer_frames_in(port);
  CHECK(viewer_moves_on(port, before));
  CHECK(a_new_page_gets_a_frame(port));
  std::this_thread::sleep_for(6s);  // past the viewer's send timeout for the stalled client
  CHECK(viewer_moves_on(port, viewer_frames_in(port)));
  CHECK(a_new_page_gets_a_frame(port));

  const int exit_code = stop_pipeline(p);
  INFO(tail(p.process->output()));
  CHECK(exit_code == 0);
  CHECK(p.process->output().find("error:") == std::string::npos);
}
