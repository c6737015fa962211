#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "messages.hpp"

using namespace sonoflow;
using namespace sonoflow::web_viewer;
using Poco::JSON::Object;

namespace {
Object::Ptr parse(const std::string& s) {
  return Poco::JSON::Parser().parse(s).extract<Object::Ptr>();
}
}  // namespace

TEST_CASE("geometry messages carry what maps a click to mm") {
  ImageFrame f;
  f.width = 200;
  f.height = 400;
  f.origin_mm = {-19.9, 0.5};
  f.spacing_mm = {0.2, 0.1};
  f.set_cartesian_transform();
  FrameHeader h;
  h.sequence = 42;
  auto g = parse(geometry_json(f, h, 7, "image/jpeg", 1234));
  CHECK(g->getValue<std::string>("type") == "frame");
  CHECK(g->getValue<uint64_t>("sequence") == 42);
  CHECK(g->getValue<uint64_t>("version") == 7);
  auto m = g->getArray("image_to_probe");
  REQUIRE(m->size() == 16);
  // Pixel (col 100, row 200) -> x = -19.9 + 100 * 0.2, z = 0.5 + 200 * 0.1.
  const double x = m->getElement<double>(0) * 100 + m->getElement<double>(1) * 200 + m->getElement<double>(3);
  const double z = m->getElement<double>(8) * 100 + m->getElement<double>(9) * 200 + m->getElement<double>(11);
  CHECK(x == Approx(0.1));
  CHECK(z == Approx(20.5));
}

TEST_CASE("needle readouts: NaN becomes null, warnings pass through") {
  NeedleFrame n;
  n.detected = n.measured = true;
  n.tip_mm = {3, 14};
  n.angle_deg = 32.5;
  n.has_target = false;
  n.tip_to_target_mm = std::nan("");
  n.predicted_miss_mm = std::nan("");
  n.out_of_plane_warning = true;
  n.warnings = {"needle leaving the plane"};
  auto o = parse(needle_json(n));
  CHECK(o->getValue<std::string>("type") == "needle");
  CHECK(o->getValue<double>("angle_deg") == 32.5);
  CHECK(o->get("tip_to_target_mm").isEmpty());
  CHECK(o->get("predicted_miss_mm").isEmpty());
  CHECK(o->getArray("tip_mm")->getElement<double>(1) == 14);
  CHECK(o->getValue<bool>("out_of_plane_warning"));
  CHECK(o->getArray("warnings")->getElement<std::string>(0) == "needle leaving the plane");
}

TEST_CASE("statistics as Prometheus text") {
  const std::string stats = R"({"pipeline":"knee \"a\"","frames":30,"duration_s":1.5,"fps":20,
    "latency_ms":{"p50":40,"p99":80,"max":90},"nodes":{"bmode":{"type":"bmode","frames_in":30,
    "frames_out":29,"dropped":1,"errors":0,"process_ms":{"p50":2.5,"p99":4}}}})";
  const std::string text = prometheus_text(stats);
  const std::string p = "pipeline=\"knee \\\"a\\\"\"";
  CHECK_THAT(text, Catch::Contains("# TYPE sonoflow_frames_total counter"));
  CHECK_THAT(text, Catch::Contains("sonoflow_frames_total{" + p + "} 30\n"));
  CHECK_THAT(text, Catch::Contains("sonoflow_latency_ms{" + p + ",stat=\"p99\"} 80\n"));
  CHECK_THAT(text, Catch::Contains("sonoflow_node_frames_out_total{" + p +
                                   ",node=\"bmode\",type=\"bmode\"} 29\n"));
  CHECK_THAT(text, Catch::Contains("sonoflow_node_dropped_total{" + p +
                                   ",node=\"bmode\",type=\"bmode\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("sonoflow_node_process_ms{" + p + ",node=\"bmode\",stat=\"p50\"} 2.5\n"));
  CHECK_THROWS_WITH(prometheus_text("{"), Catch::Contains("not JSON"));
  CHECK_THROWS_WITH(prometheus_text("{}"), Catch::Contains("lack"));
}
