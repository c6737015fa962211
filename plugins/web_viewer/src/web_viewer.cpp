// web_viewer: the live pipeline in a browser. An output node whose process() only hands
// the newest frame to a server (server.hpp); the page (page.cpp) shows the image and the
// guidance readouts, the statistics, and controls for every live parameter, built from the
// parameter descriptors the pipeline reports (PipelineControl, via Context::control()).
#include <iostream>

#include "server.hpp"
#include "sonoflow/sonoflow.hpp"

namespace {

using namespace sonoflow;
using namespace sonoflow::web_viewer;

enum Port : size_t { kOverlay, kImage, kNeedle };

class WebViewer final : public Node {
 public:
  static NodeSpec spec() {
    return NodeSpec::output("web_viewer",
                            "Live image, guidance readouts, statistics and controls in a browser")
        .input("overlay", port_type::overlay, "Image with guidance drawn in (shown if connected)",
               {false, EdgePolicy::latest})
        .input("image", port_type::image, "Image shown when no overlay is connected",
               {false, EdgePolicy::latest})
        .input("needle", port_type::needle, "Guidance results for the readouts",
               {false, EdgePolicy::latest})
        .param(ParamSpec::string("listen", "127.0.0.1:8080")
                   .doc("HOST:PORT to serve on; port 0 picks a free one (printed at start)"))
        .param(ParamSpec::string("token", "")
                   .doc("Access token required on every request; generated and printed when "
                        "empty and listening beyond loopback"))
        .param(ParamSpec::choice("image_format", "jpeg", {"jpeg", "png"})
                   .doc("How frames are sent to the page (png: lossless, larger)")
                   .live())
        .param(ParamSpec::integer("jpeg_quality", 80)
                   .range(1, 100)
                   .doc("JPEG quality of the frames sent")
                   .live())
        .param(ParamSpec::real("max_fps", 30)
                   .range(0.5, 120)
                   .in("Hz")
                   .doc("At most this many frames per second sent to each page")
                   .live());
  }

  void configure(const ParamSet& p) override {
    address_ = parse_listen(p.get_string("listen"));
    state_ = std::make_shared<ServerState>();
    state_->token = p.get_string("token");
    generated_token_ = state_->token.empty() && !address_.loopback;
    if (generated_token_) state_->token = random_token();
    for (const auto& name : {"image_format", "jpeg_quality", "max_fps"}) update(name, p.get(name));
  }

  void update(const std::string& name, const ParamValue& v) override {
    if (!state_) return;
    if (name == "image_format")
      state_->push.format = std::get<std::string>(v) == "png" ? ImageFormat::png : ImageFormat::jpeg;
    if (name == "jpeg_quality") state_->push.jpeg_quality = static_cast<int>(std::get<int64_t>(v));
    if (name == "max_fps") state_->push.max_fps = std::get<double>(v);
  }

  void start(Context& ctx) override {
    state_->control = ctx.control();
    show_overlay_ = ctx.input_connected(kOverlay);
    server_ = std::make_unique<Server>(address_, state_);
    // One line, so that people and scripts find the address (port 0 became a real one).
    std::string url = "http://" + (address_.host.find(':') != std::string::npos
                                       ? "[" + address_.host + "]"
                                       : address_.host) +
                      ":" + std::to_string(server_->port()) + "/";
    if (!state_->token.empty()) url += "?token=" + state_->token;
    std::cerr << "web_viewer: open " << url
              << (generated_token_ ? "  (access token generated for this run)" : "") << std::endl;
  }

  void process(const Input& in, Context&) override {
    if (in.port == kNeedle) {
      if (auto needle = frame_cast<NeedleFrame>(in.frame)) state_->latest.put_needle(needle);
      return;
    }
    if (in.port != (show_overlay_ ? kOverlay : kImage)) return;
    std::shared_ptr<const Raster> raster;
    if (auto overlay = frame_cast<OverlayFrame>(in.frame))
      raster = std::shared_ptr<const Raster>(overlay, overlay.get());
    else if (auto image = frame_cast<ImageFrame>(in.frame))
      raster = std::shared_ptr<const Raster>(image, image.get());
    if (!raster) return;
    if (auto why = raster->check(); !why.empty())
      throw std::invalid_argument("cannot show frame " + std::to_string(in.frame->header.sequence) +
                                  ": " + why);
    state_->latest.put_image(std::move(raster), in.frame->header);
  }

  void stop() override {
    if (server_) server_->stop();
  }

 private:
  ListenAddress address_;
  std::shared_ptr<ServerState> state_;
  std::unique_ptr<Server> server_;
  bool generated_token_ = false;
  bool show_overlay_ = false;
};

}  // namespace

SONOFLOW_PLUGIN("web_viewer", "1.0.0", "Apache-2.0",
                "Browser viewer and JSON control API over HTTP/WebSocket",
                node_type<WebViewer>())
