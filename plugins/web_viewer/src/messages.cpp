#include "messages.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace sonoflow::web_viewer {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr ordered() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

std::string text(const Object::Ptr& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(o, out);
  return out.str();
}

Poco::Dynamic::Var number(double v) {
  if (std::isfinite(v)) return v;
  return Poco::Dynamic::Var();  // null
}

Array::Ptr point(const PointMm& p) {
  Array::Ptr a = new Array;
  a->add(number(p[0]));
  a->add(number(p[1]));
  return a;
}

// Label values escaped as the exposition format requires: backslash, quote, newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return "\"" + out + "\"";
}

}  // namespace

std::string geometry_json(const Raster& r, const FrameHeader& header, uint64_t version,
                          const std::string& mime, size_t bytes) {
  auto o = ordered();
  o->set("type", "frame");
  o->set("version", static_cast<Poco::UInt64>(version));
  o->set("sequence", static_cast<Poco::UInt64>(header.sequence));
  o->set("source_id", static_cast<Poco::UInt64>(header.source_id));
  o->set("width", static_cast<Poco::UInt64>(r.width));
  o->set("height", static_cast<Poco::UInt64>(r.height));
  o->set("channels", static_cast<Poco::UInt64>(r.channels));
  o->set("origin_mm", point(r.origin_mm));
  o->set("spacing_mm", point(r.spacing_mm));
  Array::Ptr m = new Array;
  for (double v : r.image_to_probe) m->add(number(v));
  o->set("image_to_probe", m);
  o->set("sector", r.sector != nullptr);
  o->set("mime", mime);
  o->set("bytes", static_cast<Poco::UInt64>(bytes));
  return text(o);
}

std::string needle_json(const NeedleFrame& n) {
  auto o = ordered();
  o->set("type", "needle");
  o->set("sequence", static_cast<Poco::UInt64>(n.header.sequence));
  o->set("detected", n.detected);
  o->set("measured", n.measured);
  o->set("confidence", number(n.confidence));
  o->set("tip_mm", point(n.tip_mm));
  o->set("shaft_start_mm", point(n.shaft_start_mm));
  o->set("angle_deg", number(n.angle_deg));
  o->set("insertion_side", n.insertion_side);
  o->set("has_target", n.has_target);
  o->set("target_mm", point(n.target_mm));
  o->set("tip_to_target_mm", number(n.tip_to_target_mm));
  o->set("predicted_miss_mm", number(n.predicted_miss_mm));
  o->set("out_of_plane_warning", n.out_of_plane_warning);
  o->set("injectate_monitored", n.injectate_monitored);
  o->set("injectate_present", n.injectate_present);
  o->set("injectate_area_mm2", number(n.injectate_area_mm2));
  o->set("injectate_contained", n.injectate_contained);
  o->set("leak_alert", n.leak_alert);
  Array::Ptr warnings = new Array;
  for (const auto& w : n.warnings) warnings->add(w);
  o->set("warnings", warnings);
  return text(o);
}

std::string stats_message(const std::string& stats_json) {
  return "{\"type\":\"stats\",\"stats\":" + stats_json + "}";
}

std::string prometheus_text(const std::string& stats_json) {
  Object::Ptr s;
  try {
    s = Poco::JSON::Parser().parse(stats_json).extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("statistics are not JSON: " + e.displayText());
  }
  if (!s || !s->getObject("nodes") || !s->getObject("latency_ms"))
    throw std::invalid_argument("statistics lack 'nodes' or 'latency_ms'");
  std::ostringstream out;
  out.precision(9);
  const std::string pipeline = "pipeline=" + label(s->optValue<std::string>("pipeline", ""));
  auto family = [&](const char* name, const char* type, const char* help) {
    out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
  };
  family("sonoflow_frames_total", "counter", "Frames emitted by all sources.");
  out << "sonoflow_frames_total{" << pipeline << "} " << s->optValue<Poco::UInt64>("frames", 0)
      << "\n";
  family("sonoflow_fps", "gauge", "Source frames per second since the start.");
  out << "sonoflow_fps{" << pipeline << "} " << s->optValue<double>("fps", 0) << "\n";
  family("sonoflow_latency_ms", "gauge", "Acquisition to every output, ms.");
  auto latency = s->getObject("latency_ms");
  for (const char* q : {"p50", "p99", "max"})
    out << "sonoflow_latency_ms{" << pipeline << ",stat=\"" << q << "\"} "
        << latency->optValue<double>(q, 0) << "\n";

  auto nodes = s->getObject("nodes");
  struct Counter {
    const char* key;
    const char* name;
    const char* help;
  };
  const Counter counters[] = {
      {"frames_in", "sonoflow_node_frames_in_total", "Frames a node received."},
      {"frames_out", "sonoflow_node_frames_out_total", "Frames a node emitted."},
      {"dropped", "sonoflow_node_dropped_total", "Frames replaced on latest edges into a node."},
      {"errors", "sonoflow_node_errors_total", "Exceptions a node threw."}};
  for (const auto& c : counters) {
    family(c.name, "counter", c.help);
    for (const auto& id : nodes->getNames()) {
      auto n = nodes->getObject(id);
      out << c.name << "{" << pipeline << ",node=" << label(id)
          << ",type=" << label(n->optValue<std::string>("type", "")) << "} "
          << n->optValue<Poco::UInt64>(c.key, 0) << "\n";
    }
  }
  family("sonoflow_node_process_ms", "gauge", "Time in a node's process(), ms.");
  for (const auto& id : nodes->getNames()) {
    auto process = nodes->getObject(id)->getObject("process_ms");
    if (!process) continue;
    for (const char* q : {"p50", "p99"})
      out << "sonoflow_node_process_ms{" << pipeline << ",node=" << label(id) << ",stat=\"" << q
          << "\"} " << process->optValue<double>(q, 0) << "\n";
  }
  return out.str();
}

}  // namespace sonoflow::web_viewer
