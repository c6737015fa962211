#include "igtl_server_node.hpp"

#include <chrono>
#include <cstdio>
#include <set>
#include <stdexcept>

#include <igtlStatusMessage.h>

namespace sonoflow::igtl_server {
namespace {

enum Port : size_t { kImage = 0, kOverlay = 1, kNeedle = 2 };

const std::vector<double> kIdentity = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};

int64_t utc_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string checked_device_name(const ParamSet& params, const std::string& param) {
  const std::string& name = params.get_string(param);
  if (name.empty() || name.size() > kMaxDeviceNameBytes)
    throw std::invalid_argument("parameter '" + param + "' must be 1 to " +
                                std::to_string(kMaxDeviceNameBytes) +
                                " characters (OpenIGTLink's device name field), got '" + name +
                                "'");
  for (const char c : name)
    if (c < 0x21 || c > 0x7e)
      throw std::invalid_argument("parameter '" + param +
                                  "' must be printable ASCII without spaces, got '" + name + "'");
  return name;
}

// Connection events are not warnings: they go to stderr as plain lines, one call each so
// that lines from several threads do not interleave.
void say(const std::string& node_id, const std::string& text) {
  std::fprintf(stderr, "igtl_server '%s': %s\n", node_id.c_str(), text.c_str());
}

}  // namespace

NodeSpec IgtlServerNode::spec() {
  const InputOptions optional_latest{false, EdgePolicy::latest};
  return NodeSpec::output("igtl_server",
                          "OpenIGTLink server for 3D Slicer: B-mode and overlay IMAGE, needle "
                          "tip and target POINT, needle TRANSFORM, STATUS")
      .input("image", port_type::image, "Sent as IMAGE (grey, or RGB for colour)",
             optional_latest)
      .input("overlay", port_type::overlay, "Sent as RGB IMAGE under overlay_device_name",
             optional_latest)
      .input("needle", port_type::needle,
             "Tip, trajectory end and target as POINT; needle pose as TRANSFORM",
             optional_latest)
      .param(ParamSpec::integer("port", 18944)
                 .range(0, 65535)
                 .doc("TCP port on every interface; 18944 is what Slicer expects; 0 = a free "
                      "port, printed at start"))
      .param(ParamSpec::string("image_device_name", "SonoFlow_BMode")
                 .doc("Device name of the image (a Slicer volume of that name)"))
      .param(ParamSpec::string("overlay_device_name", "SonoFlow_Overlay")
                 .doc("Device name of the overlay image"))
      .param(ParamSpec::string("points_device_name", "SonoFlow_Guidance")
                 .doc("Device name of the POINT message (Tip, TrajectoryEnd, Target)"))
      .param(ParamSpec::string("needle_device_name", "SonoFlow_Needle")
                 .doc("Device name of the needle TRANSFORM (tip position, z along the shaft)"))
      .param(ParamSpec::numbers("probe_to_world", kIdentity)
                 .items(16, 16)
                 .in("mm")
                 .doc("Rigid 4x4 (row by row) from the probe frame (x lateral, y elevation, "
                      "z depth) to the coordinates sent as RAS"))
      .param(ParamSpec::integer("client_timeout_ms", 5000)
                 .range(100, 600000)
                 .in("ms")
                 .doc("A client that accepts no data for this long is disconnected"))
      .param(ParamSpec::integer("max_clients", 8)
                 .range(1, 64)
                 .doc("Clients served at once; more are refused with a STATUS"));
}

void IgtlServerNode::configure(const ParamSet& params) {
  requested_port_ = static_cast<int>(params.get_int("port"));
  image_device_ = checked_device_name(params, "image_device_name");
  overlay_device_ = checked_device_name(params, "overlay_device_name");
  points_device_ = checked_device_name(params, "points_device_name");
  needle_device_ = checked_device_name(params, "needle_device_name");
  const std::set<std::string> distinct{image_device_, overlay_device_, points_device_,
                                       needle_device_, kStatusDevice};
  if (distinct.size() != 5)
    throw std::invalid_argument(
        "the device names image_device_name, overlay_device_name, points_device_name, "
        "needle_device_name must differ from each other and from '" +
        std::string(kStatusDevice) + "' (used for STATUS): Slicer keys its nodes by name");
  probe_to_world_ = rigid_transform(params.get_numbers("probe_to_world"), "probe_to_world");
  client_timeout_ms_ = static_cast<int>(params.get_int("client_timeout_ms"));
  max_clients_ = static_cast<int>(params.get_int("max_clients"));
}

void IgtlServerNode::start(Context& ctx) {
  node_id_ = ctx.node_id();
  images_ = overlays_ = needles_ = 0;
  Broadcaster::Options options;
  options.port = requested_port_;
  options.client_timeout_ms = client_timeout_ms_;
  options.max_clients = max_clients_;
  options.greeting = status_message(
      igtl::StatusMessage::STATUS_OK, "", "SonoFlow igtl_server '" + node_id_ + "': IMAGE " +
      image_device_ + ", IMAGE " + overlay_device_ + ", POINT " + points_device_ +
      ", TRANSFORM " + needle_device_ + "; coordinates in mm",
      kStatusDevice, utc_now_ns());
  options.refusal = status_message(igtl::StatusMessage::STATUS_BUSY, "TooManyClients",
                                   "SonoFlow igtl_server serves at most " +
                                       std::to_string(max_clients_) + " clients (max_clients)",
                                   kStatusDevice, utc_now_ns());
  options.log = [id = node_id_](const std::string& text) { say(id, text); };
  broadcaster_ = std::make_unique<Broadcaster>(std::move(options));
  port_ = broadcaster_->port();
  say(node_id_, "listening on port " + std::to_string(port_) + " (OpenIGTLink)");
}

void IgtlServerNode::publish_error(const std::string& what, int64_t utc_ns) {
  broadcaster_->publish("status", status_message(igtl::StatusMessage::STATUS_UNKNOWN_ERROR,
                                                 "BadFrame", what, kStatusDevice, utc_ns));
}

void IgtlServerNode::process(const Input& input, Context&) {
  const auto& frame = input.frame;
  const char* port_name = input.port == kImage     ? "image"
                          : input.port == kOverlay ? "overlay"
                                                   : "needle";
  try {
    if (input.port == kImage || input.port == kOverlay) {
      const Raster* raster = nullptr;
      if (auto image = frame_cast<ImageFrame>(frame)) raster = image.get();
      if (auto overlay = frame_cast<OverlayFrame>(frame)) raster = overlay.get();
      if (!raster) throw std::invalid_argument("not an image or overlay frame");
      const auto& device = input.port == kImage ? image_device_ : overlay_device_;
      broadcaster_->publish(port_name,
                            image_message(*raster, frame->header, device, probe_to_world_));
      ++(input.port == kImage ? images_ : overlays_);
    } else {
      const auto needle = frame_cast<NeedleFrame>(frame);
      if (!needle) throw std::invalid_argument("not a needle frame");
      broadcaster_->publish("points",
                            points_message(*needle, points_device_, image_device_,
                                           probe_to_world_));
      broadcaster_->publish("needle",
                            needle_transform_message(*needle, needle_device_, probe_to_world_));
      ++needles_;
    }
  } catch (const std::invalid_argument& e) {
    const std::string what = "cannot send the frame on port '" + std::string(port_name) +
                             "' (sequence " + std::to_string(frame->header.sequence) +
                             "): " + e.what();
    publish_error(what, frame->header.utc_ns);
    throw std::invalid_argument(what);
  }
}

void IgtlServerNode::stop() {
  if (!broadcaster_) return;
  broadcaster_->stop(status_message(igtl::StatusMessage::STATUS_SHUT_DOWN, "ShutDown",
                                    "SonoFlow pipeline stopped", kStatusDevice, utc_now_ns()));
  final_ = broadcaster_->stats();
  broadcaster_.reset();
}

void IgtlServerNode::results(Results& out) const {
  const auto s = stats();
  out["port"] = static_cast<int64_t>(port_);
  out["clients_served"] = static_cast<int64_t>(s.clients_served);
  out["clients_refused"] = static_cast<int64_t>(s.clients_refused);
  out["clients_timed_out"] = static_cast<int64_t>(s.clients_timed_out);
  out["clients_lost"] = static_cast<int64_t>(s.clients_lost);
  out["messages_sent"] = static_cast<int64_t>(s.messages_sent);
  out["messages_dropped"] = static_cast<int64_t>(s.messages_dropped);
  out["images"] = images_;
  out["overlays"] = overlays_;
  out["needle_frames"] = needles_;
}

}  // namespace sonoflow::igtl_server
