// The viewer's HTTP API on a real pipeline (the simulated knee through the beamformer),
// with an access token set: every refusal carries its status and reason, and no request
// reaches a file or stops the pipeline. One pipeline serves every case (ctest runs this
// program once); the pipeline must still stop cleanly at the end.
#define CATCH_CONFIG_RUNNER
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>

#include <catch2/catch.hpp>

#include "http.hpp"

using namespace viewer_test;
using Poco::JSON::Object;

namespace {

const std::string kToken = "test-token-5f2a";
const std::map<std::string, std::string> kAuth = {{"X-SonoFlow-Token", kToken}};
Pipeline* pipeline = nullptr;

Object::Ptr json(const Response& r) {
  INFO(r.body);
  return Poco::JSON::Parser().parse(r.body).extract<Object::Ptr>();
}
std::string error_of(const Response& r) { return json(r)->getValue<std::string>("error"); }
Response post(const std::string& body) {
  return http(pipeline->port, "POST", "/api/params", body, kAuth);
}
double param_value(const std::string& node, const std::string& name) {
  auto n = json(http(pipeline->port, "GET", "/api/params?node=" + node, "", kAuth));
  auto params = n->getArray("params");
  for (unsigned i = 0; i < params->size(); ++i)
    if (params->getObject(i)->getValue<std::string>("name") == name)
      return params->getObject(i)->getValue<double>("value");
  FAIL("no parameter " << name);
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  Pipeline p = start_pipeline(SONOFLOW_VIEWER_WORK "/api", {"viewer.token=" + kToken}, 120);
  pipeline = &p;
  const int failed = Catch::Session().run(argc, argv);
  const int exit_code = stop_pipeline(p);
  if (exit_code != 0)
    std::cerr << "the pipeline did not stop cleanly (exit " << exit_code << "):\n"
              << tail(p.process->output()) << "\n";
  return failed || exit_code != 0 ? 1 : 0;
}

TEST_CASE("the start line shows the URL with the token") {
  CHECK(pipeline->url == "http://127.0.0.1:" + std::to_string(pipeline->port) + "/?token=" + kToken);
}

TEST_CASE("the token is required on every request") {
  for (const char* uri : {"/", "/api/pipeline", "/api/stats", "/metrics", "/nope"}) {
    INFO(uri);
    Response r = http(pipeline->port, "GET", uri);
    CHECK(r.status == 401);
    CHECK_THAT(error_of(r), Catch::Contains("access token"));
    CHECK(http(pipeline->port, "GET", uri, "", {{"X-SonoFlow-Token", "wrong"}}).status == 401);
  }
  CHECK(http(pipeline->port, "GET", "/?token=" + kToken).status == 200);
  CHECK(http(pipeline->port, "GET", "/api/stats", "", {{"Authorization", "Bearer " + kToken}})
            .status == 200);
  CHECK(post(R"({"node":"bmode","param":"gain_db","value":1})").status == 200);
  CHECK(http(pipeline->port, "POST", "/api/params", R"({"node":"bmode","param":"gain_db","value":2})")
            .status == 401);
  CHECK(param_value("bmode", "gain_db") == 1);  // the refused change did not apply
}

TEST_CASE("another web site's page is refused") {
  Response r = http(pipeline->port, "POST", "/api/params",
                    R"({"node":"bmode","param":"gain_db","value":3})",
                    {{"X-SonoFlow-Token", kToken}, {"Origin", "http://evil.example"}});
  CHECK(r.status == 403);
  CHECK_THAT(error_of(r), Catch::Contains("cross-origin"));
  CHECK(param_value("bmode", "gain_db") != 3);
}

TEST_CASE("the WebSocket needs the token too, and then pushes frames") {
  Poco::Net::HTTPClientSession session("127.0.0.1", pipeline->port);
  Poco::Net::HTTPResponse response;
  {
    Poco::Net::HTTPRequest request("GET", "/ws", Poco::Net::HTTPMessage::HTTP_1_1);
    CHECK_THROWS_AS(Poco::Net::WebSocket(session, request, response), Poco::Net::WebSocketException);
    CHECK(response.getStatus() == 401);
  }
  Poco::Net::HTTPClientSession session2("127.0.0.1", pipeline->port);
  Poco::Net::HTTPRequest request("GET", "/ws?token=" + kToken, Poco::Net::HTTPMessage::HTTP_1_1);
  Poco::Net::WebSocket ws(session2, request, response);
  ws.setReceiveTimeout(Poco::Timespan(60, 0));
  ws.setMaxPayloadSize(64 << 20);
  bool geometry = false, image = false, stats = false;
  Poco::Buffer<char> buffer(0);
  for (int i = 0; i < 50 && !(geometry && image && stats); ++i) {
    int flags = 0;
    buffer.resize(0);
    ws.receiveFrame(buffer, flags);
    const std::string data(buffer.begin(), buffer.size());
    if ((flags & Poco::Net::WebSocket::FRAME_OP_BITMASK) == Poco::Net::WebSocket::FRAME_OP_BINARY) {
      // JPEG, after its geometry.
      CHECK(geometry);
      REQUIRE(data.size() > 2);
      CHECK((uint8_t(data[0]) == 0xFF && uint8_t(data[1]) == 0xD8));
      image = true;
    } else if (data.find("\"type\":\"frame\"") != std::string::npos) {
      CHECK_THAT(data, Catch::Contains("\"image_to_probe\""));
      geometry = true;
    } else if (data.find("\"type\":\"stats\"") != std::string::npos) {
      stats = true;
    }
  }
  CHECK(geometry);
  CHECK(image);
  CHECK(stats);
  ws.shutdown();
}

TEST_CASE("bad parameter changes: 4xx with the reason") {
  Response r = post("{\"node\": \"bmode\", ");
  CHECK(r.status == 400);
  CHECK_THAT(error_of(r), Catch::StartsWith("request body is not JSON"));
  r = post(R"({"node":"bmod","param":"gain_db","value":1})");
  CHECK(r.status == 404);
  CHECK_THAT(error_of(r), Catch::Contains("no node 'bmod'") && Catch::Contains("did you mean 'bmode'"));
  r = post(R"({"node":"bmode","param":"gain","value":1})");
  CHECK(r.status == 400);
  CHECK_THAT(error_of(r), Catch::Contains("has no parameter 'gain'"));
  r = post(R"({"node":"bmode","param":"dynamic_range_db","value":500})");
  CHECK(r.status == 400);
  CHECK(error_of(r) == "parameter 'bmode.dynamic_range_db' must be between 10 and 120 dB, got 500");
  r = post(R"({"node":"bmode","param":"reference","value":"brightest"})");
  CHECK(r.status == 400);
  CHECK_THAT(error_of(r), Catch::Contains("must be one of"));
  r = post(R"({"node":"probe","param":"preset","value":"hip_anterior"})");
  CHECK(r.status == 400);
  CHECK(error_of(r) == "parameter 'probe.preset' cannot change while the pipeline runs");
  CHECK(http(pipeline->port, "GET", "/api/params?node=nobody", "", kAuth).status == 404);
}

TEST_CASE("a good change is reported back and applied") {
  CHECK(post(R"({"node":"bmode","param":"dynamic_range_db","value":45})").status == 200);
  CHECK(param_value("bmode", "dynamic_range_db") == 45);
  auto pipeline_json = json(http(pipeline->port, "GET", "/api/pipeline", "", kAuth));
  CHECK(pipeline_json->getValue<std::string>("name") == "knee-viewer");
  CHECK(pipeline_json->getArray("nodes")->size() == 4);
}

TEST_CASE("no path reaches a file") {
  for (const char* uri : {"/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                          "/api/../../../etc/passwd", "/index.html/../../etc/passwd",
                          "/..%2f..%2f..%2fetc%2fpasswd", "/etc/passwd", "/CMakeLists.txt",
                          "/api/params/../../../../etc/passwd?node=bmode"}) {
    INFO(uri);
    Response r = http(pipeline->port, "GET", uri, "", kAuth);
    CHECK(r.status == 404);
    CHECK(r.body.find("root:") == std::string::npos);
  }
}

TEST_CASE("statistics as JSON and as Prometheus text") {
  auto stats = json(http(pipeline->port, "GET", "/api/stats", "", kAuth));
  CHECK(stats->getObject("nodes")->has("viewer"));
  Response m = http(pipeline->port, "GET", "/metrics", "", kAuth);
  CHECK(m.status == 200);
  CHECK_THAT(m.body, Catch::Contains("sonoflow_node_frames_in_total{pipeline=\"knee-viewer\",node=\"bmode\""));
}
