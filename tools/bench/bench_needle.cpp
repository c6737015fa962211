// sonoflow-bench-needle: what needle guidance costs per 512 x 512 B-mode frame on one
// core, for each detector node type, against the B-mode chain (das_beamformer + bmode)
// that makes the frame, measured in the same run on the same core budget.
//
// Every node comes from its plugin library through the PluginRegistry, exactly as the CLI
// loads it, so the benchmark does not depend on any plugin's internals. The simulated knee
// (sim_probe, needle at 30 deg, transmits 0/15/30 deg, tip in the image) gives a few rf frames;
// das_beamformer on a 512 x 512 grid over the 38.4 x 40 mm image and bmode turn them into
// images; each detector then processes the images in turn (the needle moves between them,
// as in a live run). oneTBB is held to one thread for both sides (global_control), so the
// figures are single-core costs and the ratio compares like with like. With one thread
// all the work runs on the calling thread, so its CPU time is the cost; it is what the
// figures are (machines here are shared: wall time is printed beside it, and inflates
// with the load).
#include <oneapi/tbb/global_control.h>

#include <time.h>
#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <vector>

#include "bench_options.hpp"
#include "sonoflow/frames.hpp"
#include "sonoflow/framework/heap.hpp"
#include "sonoflow/framework/plugin_registry.hpp"

namespace {

using namespace sonoflow;
namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kImagePixels = 512;           // the frame size, both axes
constexpr double kImageWidthMm = 38.4;           // the knee probe's aperture (128 x 0.3 mm)
constexpr double kImageDepthMm = 40;             // the knee preset's depth
constexpr double kNeedleSpeedMmPerS = 30;        // fast, so the tip is in view within a second
constexpr uint64_t kFirstFrame = 24;             // at 30 Hz: 24 mm inserted, tip in the image
constexpr double kTargetMsPerFrame = 5;          // from the issue

class BenchFailure : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Stands in for the runtime: keeps what a node emits. A device's frames are kept until
// `wanted` have come; then emit() says the pipeline is stopping. With a `sink`, frames are
// handed to it and released instead, as a pipeline's downstream nodes release them: keeping
// every output of a timed run would grow the heap by an overlay per frame, and the fresh
// pages it faults in would be charged to the node under test.
class CaptureContext final : public Context {
 public:
  using Sink = std::function<void(size_t port, const FramePtr& frame)>;
  explicit CaptureContext(size_t wanted = SIZE_MAX, Sink sink = {})
      : wanted_(wanted), sink_(std::move(sink)) {}
  bool emit(size_t port, FramePtr frame) override {
    std::lock_guard lock(mutex_);
    if (sink_) {
      sink_(port, frame);
      return true;
    }
    if (frames.size() >= wanted_) return false;
    frames.push_back({port, std::move(frame)});
    cv_.notify_all();
    return frames.size() < wanted_;
  }
  FrameHeader stamp() override { return {sequence_++, 0, 0, 0}; }
  void end_of_stream() override {
    std::lock_guard lock(mutex_);
    ended_ = true;
    cv_.notify_all();
  }
  void apply_pending_params() override {}
  void error(std::string_view message) override {
    std::lock_guard lock(mutex_);
    errors.emplace_back(message);
    cv_.notify_all();
  }
  bool stopping() const override { return false; }
  bool fast() const override { return true; }
  const std::string& node_id() const override { return id_; }
  void warn(std::string_view) override {}
  void wait_for_all() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return frames.size() >= wanted_ || ended_ || !errors.empty(); });
  }

  struct Emitted {
    size_t port;
    FramePtr frame;
  };
  std::vector<Emitted> frames;
  std::vector<std::string> errors;

 private:
  size_t wanted_;
  Sink sink_;
  uint64_t sequence_ = 0;
  bool ended_ = false;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::string id_ = "bench";
};

// A node of `type`, configured with its defaults and `overrides` (validated like a
// pipeline file's values).
std::unique_ptr<Node> make_node(const PluginRegistry& registry, const std::string& type,
                                const std::map<std::string, ParamValue>& overrides = {}) {
  const NodeTypeInfo* info = registry.find(type);
  if (!info)
    throw BenchFailure("node type '" + type + "' is not available: is its plugin built into " +
                       "the build tree's plugins/ folder?");
  ParamSet params;
  for (const auto& p : info->spec.params) params.set(p.name, p.normalize(p.default_value));
  for (const auto& [name, value] : overrides) {
    const ParamSpec* spec = info->spec.find_param(name);
    if (!spec) throw BenchFailure(type + " has no parameter '" + name + "'");
    if (auto why = spec->check(value); !why.empty())
      throw BenchFailure(type + "." + name + ": " + why);
    params.set(name, spec->normalize(value));
  }
  auto node = info->entry.create();
  node->configure(params);
  return node;
}

// The one frame a processing node emits for `input` on output `port`.
FramePtr run_once(Node& node, const FramePtr& input, size_t port = 0) {
  CaptureContext ctx;
  node.process(Input{0, input}, ctx);
  for (auto& e : ctx.frames)
    if (e.port == port) return e.frame;
  throw BenchFailure("a node emitted nothing on its output " + std::to_string(port));
}

std::vector<FramePtr> simulate_rf(const PluginRegistry& registry, size_t count, bool needle) {
  auto probe = make_node(registry, "sim_probe",
                         {{"preset", std::string("knee_suprapatellar")},
                          {"needle", std::string(needle ? "on" : "off")},
                          {"needle_angle_deg", 30.0},
                          // The acquisition of the knee demo and tests/needle's pipelines
                          // (das_beamformer's needle-enhancement mode, below): the shaft is
                          // a mirror that the preset's -8/0/8 deg transmits barely see.
                          {"angles_deg", std::vector<double>{-8, 0, 8, 30}},
                          {"transmit_directivity", true},
                          {"needle_speed_mm_s", kNeedleSpeedMmPerS}});
  CaptureContext ctx(kFirstFrame + count);
  probe->start(ctx);
  ctx.wait_for_all();
  probe->stop();
  if (!ctx.errors.empty()) throw BenchFailure("sim_probe: " + ctx.errors.front());
  if (ctx.frames.size() < kFirstFrame + count) throw BenchFailure("sim_probe ended early");
  std::vector<FramePtr> rf;
  for (size_t i = kFirstFrame; i < kFirstFrame + count; ++i) rf.push_back(ctx.frames[i].frame);
  return rf;
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// CPU time of the calling thread, ms: the single-core cost, whatever else runs.
double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

struct Timer {
  Clock::time_point wall0 = Clock::now();
  double cpu0 = thread_cpu_ms();
  double wall_ms() const { return ms_since(wall0); }
  double cpu_ms() const { return thread_cpu_ms() - cpu0; }
};

struct DetectorFigure {
  std::string type;
  double ms_per_frame = 0, wall_ms_per_frame = 0;
  size_t frames = 0, detected = 0;
};

DetectorFigure time_detector(const PluginRegistry& registry, const std::string& type,
                             const std::vector<FramePtr>& images, int rounds) {
  auto node = make_node(registry, type);
  const size_t needle_port = [&] {
    const auto& outs = registry.find(type)->spec.outputs;
    for (size_t i = 0; i < outs.size(); ++i)
      if (outs[i].type == port_type::needle) return i;
    throw BenchFailure(type + " has no output of type 'needle'");
  }();
  DetectorFigure f{type, 0, 0, 0, 0};
  bool counting = false;
  bool wrong_type = false;
  CaptureContext ctx(SIZE_MAX, [&](size_t port, const FramePtr& frame) {
    if (!counting || port != needle_port) return;
    const auto needle = frame_cast<NeedleFrame>(frame);
    wrong_type = wrong_type || !needle;
    ++f.frames;
    f.detected += needle && needle->detected;
  });
  node->start(ctx);
  for (const auto& image : images) node->process(Input{0, image}, ctx);  // warm-up
  counting = true;
  const Timer timer;
  for (int r = 0; r < rounds; ++r)
    for (const auto& image : images) node->process(Input{0, image}, ctx);
  const double n = static_cast<double>(rounds * images.size());
  f.ms_per_frame = timer.cpu_ms() / n;
  f.wall_ms_per_frame = timer.wall_ms() / n;
  node->stop();
  if (wrong_type) throw BenchFailure(type + " emitted a non-needle frame on its needle port");
  if (f.frames != rounds * images.size())
    throw BenchFailure(type + " emitted " + std::to_string(f.frames) + " needle frames for " +
                       std::to_string(rounds * images.size()) + " images");
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int images_count = 8, rounds = 10;
  std::string detectors = "needle_guidance,needle_guidance_ransac";
  po::options_description options(
      "sonoflow-bench-needle: needle guidance ms per 512 x 512 frame on one core, against the "
      "B-mode chain\n\nOptions");
  options.add_options()("help,h", "show this help")(
      "images,n", po::value(&images_count)->default_value(images_count),
      "consecutive simulated frames (the needle moves between them)")(
      "rounds,r", po::value(&rounds)->default_value(rounds), "times each detector sees every image")(
      "detectors", po::value(&detectors)->default_value(detectors), "comma-separated node types")(
      "no-needle", "frames without a needle: every candidate line is judged (the worst case)")(
      "json", "print one JSON object instead of the table");
  po::variables_map vm;
  if (auto code = bench::parse_options(argc, argv, options, "sonoflow-bench-needle", vm)) return *code;
  if (images_count < 1 || rounds < 1) {
    std::cerr << "sonoflow-bench-needle: --images and --rounds must be at least 1\n";
    return 2;
  }
  // As `sonoflow run` does: filter outputs from a warm heap, not fresh pages every frame.
  framework::keep_large_blocks_in_heap();
  std::vector<std::string> types;
  {
    std::istringstream in(detectors);
    for (std::string t; std::getline(in, t, ',');)
      if (!t.empty()) types.push_back(t);
  }

  try {
    PluginRegistry registry;
    const auto exe = std::filesystem::canonical("/proc/self/exe");
    for (const auto& folder : PluginRegistry::default_search_path(exe)) registry.load_folder(folder);

    const auto rf = simulate_rf(registry, static_cast<size_t>(images_count), !vm.count("no-needle"));
    // One core from here on: the chain and the detectors get the same budget.
    tbb::global_control one_core(tbb::global_control::max_allowed_parallelism, 1);
    const double half_pixel = 0.5;  // the grid holds floor(extent / pixel) + 1 pixels
    auto das = make_node(registry, "das_beamformer",
                         {{"x_range_mm", std::vector<double>{-kImageWidthMm / 2, kImageWidthMm / 2}},
                          {"depth_range_mm", std::vector<double>{0, kImageDepthMm}},
                          {"pixel_x_mm", kImageWidthMm / (kImagePixels - half_pixel)},
                          {"pixel_z_mm", kImageDepthMm / (kImagePixels - half_pixel)},
                          {"f_number", 1.5},
                          {"apodization", std::string("hann")},
                          {"rx_steer_deg", std::vector<double>{0, 0, 0, 30}},
                          {"rx_acceptance_deg", 45.0},
                          {"transmit_group", std::vector<double>{0, 0, 0, 1}},
                          {"group_compounding", std::string("envelope_max")},
                          {"group_gain_db", std::vector<double>{0, -10}}});
    auto bmode = make_node(registry, "bmode");
    std::vector<FramePtr> images;
    for (const auto& f : rf) images.push_back(run_once(*bmode, run_once(*das, f)));  // warm-up
    const auto first = frame_cast<ImageFrame>(images.front());
    if (!first || first->width != kImagePixels || first->height != kImagePixels)
      throw BenchFailure("the B-mode chain made a " + std::to_string(first ? first->width : 0) +
                         " x " + std::to_string(first ? first->height : 0) +
                         " image, not 512 x 512");
    const Timer timer;
    for (const auto& f : rf) run_once(*bmode, run_once(*das, f));
    const double chain_ms = timer.cpu_ms() / static_cast<double>(rf.size());
    const double chain_wall_ms = timer.wall_ms() / static_cast<double>(rf.size());

    std::vector<DetectorFigure> figures;
    for (const auto& type : types) figures.push_back(time_detector(registry, type, images, rounds));

    if (vm.count("json")) {
      std::printf("{\"image_pixels\": [%u, %u], \"needle\": %s, \"threads\": 1, \"images\": %zu, \"rounds\": %d,\n"
                  " \"chain_ms_per_frame\": %.3f, \"chain_wall_ms_per_frame\": %.3f,"
                  " \"target_ms_per_frame\": %.1f,\n \"detectors\": {",
                  kImagePixels, kImagePixels, vm.count("no-needle") ? "false" : "true", images.size(),
                  rounds, chain_ms, chain_wall_ms, kTargetMsPerFrame);
      for (size_t i = 0; i < figures.size(); ++i)
        std::printf("%s\n  \"%s\": {\"ms_per_frame\": %.3f, \"wall_ms_per_frame\": %.3f, "
                    "\"ratio_to_chain\": %.4f, \"frames\": %zu, \"detected\": %zu}",
                    i ? "," : "", figures[i].type.c_str(), figures[i].ms_per_frame,
                    figures[i].wall_ms_per_frame, figures[i].ms_per_frame / chain_ms,
                    figures[i].frames, figures[i].detected);
      std::printf("}}\n");
    } else {
      std::printf("512 x 512 knee frames (%s), one core, %zu images x %d rounds\n",
                  vm.count("no-needle") ? "no needle" : "needle 30 deg", images.size(), rounds);
      std::printf("%-26s %12s %12s %16s %10s\n", "", "cpu ms/frame", "wall ms", "ratio to chain",
                  "detected");
      std::printf("%-26s %12.3f %12.3f %16s %10s\n", "B-mode chain (das+bmode)", chain_ms,
                  chain_wall_ms, "1", "");
      for (const auto& f : figures)
        std::printf("%-26s %12.3f %12.3f %16.4f %6zu/%zu\n", f.type.c_str(), f.ms_per_frame,
                    f.wall_ms_per_frame, f.ms_per_frame / chain_ms, f.detected, f.frames);
      std::printf("target: <= %.0f ms per frame per detector\n", kTargetMsPerFrame);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "sonoflow-bench-needle: " << e.what() << "\n";
    return 1;
  }
}
