// The `igtl_server` output node: an OpenIGTLink server (3D Slicer's OpenIGTLinkIF connects
// to it as a client) sending the B-mode image, the overlay, the needle tip and target as
// POINT, the needle pose as TRANSFORM, and STATUS on connect, on errors and at shutdown.
//
// Named inputs (all optional, `latest` by default: a server never holds the pipeline back):
//   image   — IMAGE under image_device_name
//   overlay — RGB IMAGE under overlay_device_name
//   needle  — POINT under points_device_name, TRANSFORM under needle_device_name
// Parameters: port, the four device names, probe_to_world, client_timeout_ms, max_clients.
#pragma once

#include <memory>
#include <string>

#include <Eigen/Core>

#include "broadcaster.hpp"
#include "sonoflow/sonoflow.hpp"

namespace sonoflow::igtl_server {

// Device name of the STATUS messages.
inline constexpr const char* kStatusDevice = "SonoFlow";

class IgtlServerNode final : public Node {
 public:
  static NodeSpec spec();

  void configure(const ParamSet& params) override;
  void start(Context& ctx) override;
  void process(const Input& input, Context& ctx) override;
  void stop() override;
  void results(Results& out) const override;

  // The port actually listened on (the system's choice under port: 0); 0 before start.
  int bound_port() const { return broadcaster_ ? broadcaster_->port() : port_; }
  Broadcaster::Stats stats() const { return broadcaster_ ? broadcaster_->stats() : final_; }

 private:
  void publish_error(const std::string& what, int64_t utc_ns);

  int requested_port_ = 18944, port_ = 0;
  std::string image_device_, overlay_device_, points_device_, needle_device_;
  Eigen::Matrix4d probe_to_world_ = Eigen::Matrix4d::Identity();
  int client_timeout_ms_ = 5000, max_clients_ = 8;
  std::string node_id_;

  std::unique_ptr<Broadcaster> broadcaster_;
  Broadcaster::Stats final_;
  int64_t images_ = 0, overlays_ = 0, needles_ = 0;
};

}  // namespace sonoflow::igtl_server
