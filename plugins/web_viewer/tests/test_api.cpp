// The routes without a socket: a fake PipelineControl records what reaches it.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include "api.hpp"
#include "page.hpp"

using namespace sonoflow;
using namespace sonoflow::web_viewer;

namespace {

class FakeControl final : public PipelineControl {
 public:
  std::string pipeline_json() const override {
    return R"({"name":"p","nodes":[{"id":"bmode","type":"bmode","params":[{"name":"gain_db",
      "type":"float","min":-200,"max":200,"runtime_mutable":true,"value":0}]}],"edges":[]})";
  }
  std::string stats_json() const override {
    return R"({"pipeline":"p","frames":3,"duration_s":1,"fps":3,"latency_ms":{"p50":1,"p99":2,
      "max":3},"nodes":{"bmode":{"type":"bmode","frames_in":3,"frames_out":3,"dropped":0,
      "errors":0,"process_ms":{"p50":0.5,"p99":0.9}}}})";
  }
  std::string set_param(const std::string& node, const std::string& name,
                        const std::string& value_text) override {
    calls.push_back(node + "." + name + "=" + value_text);
    if (node != "bmode") return "no node '" + node + "'; did you mean 'bmode'?";
    if (value_text == "500") return "parameter 'bmode.gain_db' must be between -200 and 200 dB, got 500";
    return {};
  }
  std::vector<std::string> calls;
};

std::string error_of(const Reply& r) {
  auto o = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
  return o->getValue<std::string>("error");
}

Reply post(FakeControl& c, const std::string& body) {
  return handle({"POST", "/api/params", body}, &c);
}

}  // namespace

TEST_CASE("the page is served at / and is self-contained") {
  FakeControl c;
  for (const char* path : {"/", "/index.html", "/?token=abc"}) {
    Reply r = handle({"GET", path, ""}, &c);
    CHECK(r.status == 200);
    CHECK(r.content_type == "text/html; charset=utf-8");
    CHECK(r.body == page_html());
  }
  const std::string page(page_html());
  // Works offline: nothing is fetched from elsewhere.
  CHECK(page.find("src=\"http") == std::string::npos);
  CHECK(page.find("href=\"http") == std::string::npos);
  CHECK(page.find("@import") == std::string::npos);
}

TEST_CASE("a parameter change reaches the control as its JSON text") {
  FakeControl c;
  CHECK(post(c, R"({"node":"bmode","param":"gain_db","value":-3.5})").status == 200);
  CHECK(post(c, R"({"node":"bmode","param":"gain_db","value":"frame_max"})").status == 200);
  CHECK(post(c, R"({"node":"bmode","param":"gain_db","value":[1, 17.5]})").status == 200);
  REQUIRE(c.calls.size() == 3);
  CHECK(c.calls[0] == "bmode.gain_db=-3.5");
  CHECK(c.calls[1] == "bmode.gain_db=\"frame_max\"");  // a string stays a string
  CHECK(c.calls[2] == "bmode.gain_db=[1,17.5]");
}

TEST_CASE("bad requests get 4xx with the reason") {
  FakeControl c;
  Reply r = post(c, "{not json");
  CHECK(r.status == 400);
  CHECK_THAT(error_of(r), Catch::StartsWith("request body is not JSON"));
  r = post(c, "[1, 2]");
  CHECK(r.status == 400);
  r = post(c, R"({"node":"bmode","value":1})");
  CHECK(r.status == 400);
  CHECK(error_of(r) == "request body lacks \"param\"");
  r = post(c, R"({"node":7,"param":"gain_db","value":1})");
  CHECK(r.status == 400);
  r = post(c, R"({"node":"bmod","param":"gain_db","value":1})");
  CHECK(r.status == 404);
  CHECK(error_of(r) == "no node 'bmod'; did you mean 'bmode'?");
  r = post(c, R"({"node":"bmode","param":"gain_db","value":500})");
  CHECK(r.status == 400);
  CHECK(error_of(r) == "parameter 'bmode.gain_db' must be between -200 and 200 dB, got 500");
  r = post(c, std::string(kMaxBodyBytes + 1, ' '));
  CHECK(r.status == 413);
  r = handle({"DELETE", "/api/params", ""}, &c);
  CHECK(r.status == 405);
  CHECK(r.allow == "GET, POST");
  CHECK(handle({"POST", "/api/stats", "{}"}, &c).status == 405);
  CHECK(handle({"GET", "/api/params", ""}, &c).status == 400);
  r = handle({"GET", "/api/params?node=nobody", ""}, &c);
  CHECK(r.status == 404);
  CHECK(error_of(r) == "no node 'nobody'; the nodes are: bmode");
}

TEST_CASE("paths outside the routes are 404, whatever they try") {
  FakeControl c;
  for (const char* path : {"/nope", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                           "/api/../../../etc/passwd", "/index.html/../../etc/passwd",
                           "//etc/passwd", "/api/pipeline/../../etc/passwd", "/ws/../etc/passwd",
                           "/%2fetc%2fpasswd", "/..%2f..%2fetc%2fpasswd"}) {
    INFO(path);
    Reply r = handle({"GET", path, ""}, &c);
    CHECK(r.status == 404);
    CHECK(r.body.find("root:") == std::string::npos);
  }
}

TEST_CASE("the API reads the control; without one it answers 503") {
  FakeControl c;
  Reply r = handle({"GET", "/api/params?node=bmode", ""}, &c);
  CHECK(r.status == 200);
  CHECK(r.body.find("\"gain_db\"") != std::string::npos);
  CHECK(handle({"GET", "/api/pipeline", ""}, &c).body == c.pipeline_json());
  CHECK(handle({"GET", "/api/stats", ""}, &c).body == c.stats_json());
  r = handle({"GET", "/metrics", ""}, &c);
  CHECK(r.status == 200);
  CHECK_THAT(r.content_type, Catch::StartsWith("text/plain"));
  CHECK(handle({"GET", "/api/stats", ""}, nullptr).status == 503);
  CHECK(handle({"GET", "/", ""}, nullptr).status == 200);
}
