// sonoflow-bench-dds: what cutting an edge costs. The same frames cross an in-process edge
// (a serial oneTBB function_node fed from a source thread, as the runtime does: the
// shared frame is handed over, never copied) and a DDS cut edge (serialize, Cyclone DDS
// over loopback to a subscriber in a child process, verify and deserialize there, as
// dds_publish and dds_subscribe do), in the same run:
//   latency: one frame in flight at a time (the next is sent 5 ms after the previous one
//            was delivered), from just before it is serialized to the moment the receiver
//            holds the deserialized frame (both processes read the same steady clock);
//   throughput: frames sent back to back (the DDS writer under lossless backpressure),
//            counted from the first to the last frame received.
// Frames: rf of 128 channels x 2000 samples x 3 angles (int16, 1.5 MB) and a 512 x 512 grey
// image (256 kB).
#include <sys/wait.h>
#include <unistd.h>
#include <csignal>

#include <dds/version.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <oneapi/tbb/flow_graph.h>

#include "bench_options.hpp"
#include "sonoflow/framework/heap.hpp"
#include "sonoflow/serialize.hpp"
#include "synthetic_frames.hpp"
#include "transport.hpp"

namespace {

using namespace sonoflow;
using Clock = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

struct Workload {
  std::string name;
  std::function<std::shared_ptr<Frame>(uint64_t)> make;
  int latency_frames, throughput_frames;
};

// What the receiving side measured in one phase.
struct Figures {
  size_t frames = 0, bytes_per_frame = 0;
  double p50_us = 0, p99_us = 0, max_us = 0, fps = 0;
};

class Receiver {
 public:
  void add(int64_t sent_ns) {
    const int64_t t = now_ns();
    if (latency_us_.empty()) first_ns_ = t;
    last_ns_ = t;
    latency_us_.push_back((t - sent_ns) / 1e3);
  }
  Figures figures(size_t bytes_per_frame) {
    Figures f;
    f.frames = latency_us_.size();
    f.bytes_per_frame = bytes_per_frame;
    if (latency_us_.empty()) return f;
    std::sort(latency_us_.begin(), latency_us_.end());
    auto at = [&](double p) {
      return latency_us_[static_cast<size_t>(p / 100 * (latency_us_.size() - 1) + 0.5)];
    };
    f.p50_us = at(50);
    f.p99_us = at(99);
    f.max_us = latency_us_.back();
    if (f.frames > 1 && last_ns_ > first_ns_) f.fps = (f.frames - 1) * 1e9 / (last_ns_ - first_ns_);
    return f;
  }

 private:
  std::vector<double> latency_us_;
  int64_t first_ns_ = 0, last_ns_ = 0;
};

auto latency_pace = std::chrono::milliseconds(40);
constexpr size_t kPoolSize = 8;

std::vector<std::shared_ptr<Frame>> make_pool(const Workload& w) {
  std::vector<std::shared_ptr<Frame>> pool;
  for (uint64_t i = 0; i < kPoolSize; ++i) pool.push_back(w.make(i));
  return pool;
}

// --- in-process edge --------------------------------------------------------------------

struct Message {
  FramePtr frame;
  int64_t sent_ns = 0;
};

Figures in_process(const Workload& w, bool paced) {
  Receiver r;
  const int n = paced ? w.latency_frames : w.throughput_frames;
  const auto pool = make_pool(w);
  oneapi::tbb::flow::graph g;
  oneapi::tbb::flow::function_node<Message> sink(g, oneapi::tbb::flow::serial,
                                                 [&](const Message& msg) { r.add(msg.sent_ns); });
  for (int i = 0; i < n; ++i) {
    if (paced) std::this_thread::sleep_for(latency_pace);
    sink.try_put({pool[i % kPoolSize], now_ns()});
    if (paced) g.wait_for_all();
  }
  g.wait_for_all();
  return r.figures(serialize(*pool[0]).size());
}

// --- DDS cut edge -----------------------------------------------------------------------

std::string topic_of(const Workload& w, bool paced) {
  return "sonoflow_bench/" + w.name + (paced ? "/latency" : "/throughput");
}

// The child: one reader per phase, in the order the parent writes them; each phase's
// figures go back through `out` as one line. The sender's steady clock time travels in
// the frame's acquisition time (one clock for both processes on one host).
void receive(const std::vector<Workload>& workloads, int domain, FILE* out) {
  for (const auto& w : workloads)
    for (bool paced : {true, false}) {
      dds::Reader reader(domain, topic_of(w, paced), {});
      Receiver r;
      size_t bytes = 0;
      for (;;) {
        dds::ReaderEvent e = reader.next(std::chrono::milliseconds(200));
        if (e.kind == dds::ReaderEvent::Kind::end_of_stream) break;
        if (e.kind != dds::ReaderEvent::Kind::frame) continue;
        std::string why;
        FramePtr frame = deserialize(e.bytes, &why);
        if (!frame) {
          std::fprintf(stderr, "sonoflow-bench-dds: a frame cannot be read: %s\n", why.c_str());
          continue;
        }
        r.add(frame->header.acquisition_ns);
        bytes = e.bytes.size();
      }
      const Figures f = r.figures(bytes);
      std::fprintf(out, "%zu %zu %.3f %.3f %.3f %.3f\n", f.frames, f.bytes_per_frame, f.p50_us,
                   f.p99_us, f.max_us, f.fps);
      std::fflush(out);
    }
}

// The parent's side of one phase: each frame stamped just before it is serialized.
void send(const Workload& w, bool paced, int domain) {
  dds::Writer writer(domain, topic_of(w, paced), {});
  writer.wait_for_reader(std::chrono::seconds(30));
  const int n = paced ? w.latency_frames : w.throughput_frames;
  const auto pool = make_pool(w);
  for (int i = 0; i < n; ++i) {
    if (paced) std::this_thread::sleep_for(latency_pace);
    Frame& frame = *pool[i % kPoolSize];
    frame.header.sequence = static_cast<uint64_t>(i);
    frame.header.acquisition_ns = now_ns();
    const auto bytes = serialize(frame);
    while (!writer.write(frame.header.sequence, bytes)) {
    }
  }
  writer.finish(std::chrono::seconds(30));
}

struct Result {
  std::string frame;
  Figures local_latency, dds_latency, local_rate, dds_rate;
};

void print_table(const std::vector<Result>& results) {
  std::printf("%-6s %-10s %12s %12s %12s %10s %12s\n", "frame", "edge", "p50 us", "p99 us",
              "max us", "frames/s", "MB/s");
  for (const auto& r : results) {
    const double mb = r.dds_rate.bytes_per_frame / 1e6;
    // The in-process edge hands over a pointer: no bytes move.
    std::printf("%-6s %-10s %12.1f %12.1f %12.1f %10.0f %12s\n", r.frame.c_str(), "in-process",
                r.local_latency.p50_us, r.local_latency.p99_us, r.local_latency.max_us,
                r.local_rate.fps, "(shared)");
    std::printf("%-6s %-10s %12.1f %12.1f %12.1f %10.0f %12.1f\n", r.frame.c_str(), "dds",
                r.dds_latency.p50_us, r.dds_latency.p99_us, r.dds_latency.max_us, r.dds_rate.fps,
                r.dds_rate.fps * mb);
    std::printf(
        "%-6s %.2f MB per frame: DDS adds %.1f us at p50 (%.0fx the in-process edge), "
        "carries %.2g times its frame rate\n",
        r.frame.c_str(), mb, r.dds_latency.p50_us - r.local_latency.p50_us,
        r.dds_latency.p50_us / std::max(r.local_latency.p50_us, 1e-3),
        r.dds_rate.fps / std::max(r.local_rate.fps, 1e-9));
  }
}

void print_json(const std::vector<Result>& results) {
  std::printf(
      "{\"benchmark\": \"dds\", \"transport\": \"Cyclone DDS %s, loopback, two "
      "processes\", \"frames\": {",
      DDS_VERSION);
  for (size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    auto side = [](const Figures& lat, const Figures& rate) {
      char text[256];
      std::snprintf(text, sizeof text,
                    "{\"latency_us\": {\"p50\": %.1f, \"p99\": %.1f, \"max\": %.1f}, "
                    "\"frames_per_s\": %.1f, \"frames\": %zu}",
                    lat.p50_us, lat.p99_us, lat.max_us, rate.fps, rate.frames);
      return std::string(text);
    };
    std::printf(
        "%s\"%s\": {\"bytes_per_frame\": %zu, \"in_process\": %s, \"dds\": %s, "
        "\"added_latency_us_p50\": %.1f, \"latency_ratio_p50\": %.1f, "
        "\"throughput_ratio\": %.3g}",
        i ? ", " : "", r.frame.c_str(), r.dds_rate.bytes_per_frame,
        side(r.local_latency, r.local_rate).c_str(), side(r.dds_latency, r.dds_rate).c_str(),
        r.dds_latency.p50_us - r.local_latency.p50_us,
        r.dds_latency.p50_us / std::max(r.local_latency.p50_us, 1e-3),
        r.dds_rate.fps / std::max(r.local_rate.fps, 1e-9));
  }
  std::printf("}}\n");
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  int domain = 198, rf_frames = 200, image_frames = 1000, latency_frames = 200;
  po::options_description options("sonoflow-bench-dds [options]");
  options.add_options()("help,h", "show this help")("json",
                                                    "print one JSON object instead of the table")(
      "rf-frames", po::value(&rf_frames)->default_value(rf_frames), "rf frames for throughput")(
      "image-frames", po::value(&image_frames)->default_value(image_frames),
      "image frames for throughput")("latency-frames",
                                     po::value(&latency_frames)->default_value(latency_frames),
                                     "frames per latency measurement (one every 5 ms)")(
      "domain", po::value(&domain)->default_value(domain),
      "DDS domain id (0-232); CYCLONEDDS_URI configures the rest");
  int pace_ms = 40;
  options.add_options()("pace-ms", po::value(&pace_ms)->default_value(pace_ms),
                        "latency: one frame every this many ms (40: the demo's 25 frames/s)");
  po::variables_map vm;
  if (auto status = bench::parse_options(argc, argv, options, "sonoflow-bench-dds", vm))
    return *status;
  latency_pace = std::chrono::milliseconds(pace_ms);
  // As `sonoflow run` does: megabyte frames from a warm heap, not fresh pages each time.
  framework::keep_large_blocks_in_heap();
  if (domain < 0 || domain > dds::kMaxDomainId || rf_frames < 2 || image_frames < 2 ||
      latency_frames < 1) {
    std::cerr << "sonoflow-bench-dds: --domain must be 0-232, frame counts at least 2\n";
    return 2;
  }
  const std::vector<Workload> workloads = {
      {"rf",
       [](uint64_t s) -> std::shared_ptr<Frame> { return dds::synthetic::rf(3, 128, 2000, s); },
       latency_frames, rf_frames},
      {"image",
       [](uint64_t s) -> std::shared_ptr<Frame> { return dds::synthetic::image(512, 512, s); },
       latency_frames, image_frames}};

  int fds[2];
  if (pipe(fds) != 0) return 1;
  const pid_t child = fork();  // before this process has any DDS entity
  if (child < 0) return 1;
  if (child == 0) {
    close(fds[0]);
    FILE* out = fdopen(fds[1], "w");
    receive(workloads, domain, out);
    std::fclose(out);
    _exit(0);
  }
  close(fds[1]);
  FILE* in = fdopen(fds[0], "r");
  std::vector<Result> results;
  bool complete = true;
  for (const auto& w : workloads) {
    Result r{w.name, in_process(w, true), {}, in_process(w, false), {}};
    for (Figures* f : {&r.dds_latency, &r.dds_rate}) {
      send(w, f == &r.dds_latency, domain);
      if (std::fscanf(in, "%zu %zu %lf %lf %lf %lf", &f->frames, &f->bytes_per_frame, &f->p50_us,
                      &f->p99_us, &f->max_us, &f->fps) != 6) {
        std::cerr << "sonoflow-bench-dds: the receiving process gave no figures\n";
        kill(child, SIGKILL);
        waitpid(child, nullptr, 0);
        return 1;
      }
    }
    const int expected[] = {w.latency_frames, w.throughput_frames};
    complete = complete && r.dds_latency.frames == static_cast<size_t>(expected[0]) &&
               r.dds_rate.frames == static_cast<size_t>(expected[1]);
    results.push_back(r);
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (vm.count("json"))
    print_json(results);
  else
    print_table(results);
  if (!complete) std::cerr << "sonoflow-bench-dds: frames were lost on the lossless DDS edge\n";
  return complete && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
