// sonoflow-bench-graph: what a SonoFlow hop costs compared with a hand-written oneTBB
// flow-graph chain, measured in the same run.
//
// Both sides push the same number of shared frames from one external thread through 10
// serial pass-through nodes and a sink (11 hops). The SonoFlow side goes through the
// real plugin path (registry, pipeline text, validation, Runtime in --fast mode) with its
// statistics and latency tracing as a normal run has them; the raw side is the plainest
// correct oneTBB chain in the same kind of arena, with the same bound on frames in flight.
// The difference between the two is what SonoFlow adds per hop: messages with tickets,
// counters, timing and latency, and whatever its in-flight gate costs beyond a semaphore.
// Machines here are shared and noisy, so the sides alternate over several rounds and the
// medians are compared.
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/version.h>
#include <tbb/flow_graph.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <semaphore>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sonoflow/clock.hpp"
#include "sonoflow/frames.hpp"
#include "sonoflow/framework/pipeline_file.hpp"
#include "sonoflow/framework/plugin_registry.hpp"
#include "sonoflow/framework/runtime.hpp"
#include "sonoflow/framework/validate.hpp"
#include "bench_options.hpp"

namespace {

using namespace sonoflow;
namespace po = boost::program_options;

constexpr int kPassthroughNodes = 10;
constexpr int kHops = kPassthroughNodes + 1;  // the sink is a hop too, on both sides
constexpr double kTargetRatio = 1.5;          // from the issue

// A benchmark that measured a broken run would report a meaningless figure: every
// failure ends the program with exit code 1 and the reason on stderr.
class BenchFailure : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The worker count the runtime picks for `settings.threads: 0` (see Runtime::Impl); the
// raw side must get the same number of workers or the comparison says nothing.
int runtime_threads() {
  return std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
}

struct Sample {
  double seconds = 0;
  double ns_per_hop = 0;
  // What the sink saw. Out of order and gaps count the same thing seen from both sides:
  // one frame overtaking another gives one of each.
  uint64_t frames_seen = 0, gaps = 0, out_of_order = 0;
  // SonoFlow only: latency from acquisition to the sink, and the frames it kept in flight
  // on average by Little's law (throughput x latency), with the median for the mean.
  double latency_p50_ms = 0, latency_p99_ms = 0, in_flight = 0;
};

double ns_per_hop(double seconds, uint64_t frames) {
  return seconds * 1e9 / (static_cast<double>(frames) * kHops);
}

// ---------------------------------------------------------------------------------------
// SonoFlow side

std::string pipeline_yaml(uint64_t frames) {
  std::ostringstream y;
  y << "sonoflow: 1\n"
    << "name: bench-graph\n"
    << "nodes:\n"
    << "  source: { type: test_counter, params: { rate_hz: 0, count: " << frames << " } }\n";
  for (int i = 1; i <= kPassthroughNodes; ++i) y << "  p" << i << ": { type: test_passthrough }\n";
  y << "  sink: { type: test_sink }\n"
    << "edges:\n";
  std::string from = "source";
  for (int i = 1; i <= kPassthroughNodes + 1; ++i) {
    const std::string to = i <= kPassthroughNodes ? "p" + std::to_string(i) : "sink";
    // Lossless is the default of these inputs; spelled out because the benchmark is about
    // lossless hops and must not change meaning if a default does.
    y << "  - { from: " << from << ".out, to: " << to << ".in, policy: lossless }\n";
    from = to;
  }
  return y.str();
}

ValidatedPipeline load_pipeline(const PluginRegistry& registry, uint64_t frames) {
  Diagnostics diags;
  PipelineFile file = parse_pipeline(pipeline_yaml(frames), "<bench-graph>", diags);
  ValidatedPipeline pipeline;
  if (!diags.has_errors()) pipeline = validate(file, registry, diags);
  if (diags.has_errors()) {
    // Plugin problems are the usual cause (test_nodes not built or not found): show them.
    for (const auto& d : registry.problems().all()) std::cerr << format(d) << "\n";
    throw BenchFailure("the benchmark pipeline did not validate:\n" + diags.to_string());
  }
  return pipeline;
}

int64_t result_int(const Results& results, const std::string& key) {
  auto it = results.find(key);
  if (it == results.end() || !std::holds_alternative<int64_t>(it->second))
    throw BenchFailure("the sink reported no integer '" + key + "'");
  return std::get<int64_t>(it->second);
}

Sample run_sonoflow(const ValidatedPipeline& pipeline, uint64_t frames) {
  RunOptions options;
  options.fast = true;
  // Construction (nodes, arena, graph) is set-up, not per-frame cost: it stays outside the
  // timed span, as it does for the raw side.
  Runtime runtime(pipeline, options);
  runtime.start();
  while (!runtime.wait_for(std::chrono::milliseconds(100))) {
  }
  runtime.stop();

  if (auto errors = runtime.fatal_errors(); !errors.empty())
    throw BenchFailure("the SonoFlow run failed: " + errors.front());
  const RunStats stats = runtime.stats();
  const auto results = runtime.results();
  auto sink = results.find("sink");
  if (sink == results.end()) throw BenchFailure("the SonoFlow sink reported no results");
  Sample s;
  s.frames_seen = static_cast<uint64_t>(result_int(sink->second, "frames"));
  s.gaps = static_cast<uint64_t>(result_int(sink->second, "gaps"));
  s.out_of_order = static_cast<uint64_t>(result_int(sink->second, "out_of_order"));
  for (const auto& node : stats.nodes)
    if (node.errors) throw BenchFailure("node '" + node.id + "' reported errors");
  if (stats.frames != frames || s.frames_seen != frames) {
    std::ostringstream why;
    why << "the SonoFlow run was broken: the source emitted " << stats.frames
        << " frames, the sink saw " << s.frames_seen << " of " << frames;
    throw BenchFailure(why.str());
  }
  // The runtime's own duration spans start() to the end of stop()'s drain: exactly the
  // frames' trip, without joining threads and collecting results afterwards.
  s.seconds = stats.duration_s;
  s.ns_per_hop = ns_per_hop(s.seconds, frames);
  s.latency_p50_ms = stats.latency.p50;
  s.latency_p99_ms = stats.latency.p99;
  s.in_flight = frames / s.seconds * s.latency_p50_ms / 1e3;
  return s;
}

// ---------------------------------------------------------------------------------------
// Raw oneTBB side

// `limit` bounds the frames in flight (0: unbounded). See main() for which bound is the
// baseline and why.
Sample run_raw_tbb(uint64_t frames, int limit) {
  using tbb::flow::function_node;
  // The same arena set-up as Runtime::Impl: an explicit arena with no slot reserved for a
  // master thread (the frames come from a thread that never joins it) and a
  // global_control that lets the pool hold one worker more than the arena.
  const int threads = runtime_threads();
  tbb::global_control control(
      tbb::global_control::max_allowed_parallelism,
      std::max<size_t>(threads + 1, tbb::global_control::active_value(
                                        tbb::global_control::max_allowed_parallelism)));
  tbb::task_arena arena(threads, 0);

  // The plainest correct bound a hand-written program would use: the producer takes a
  // slot before putting a frame, the sink gives it back.
  std::counting_semaphore<> slots(limit > 0 ? limit : 1);
  std::unique_ptr<tbb::flow::graph> graph;
  std::vector<std::unique_ptr<function_node<FramePtr, FramePtr>>> stages;
  std::unique_ptr<function_node<FramePtr, tbb::flow::continue_msg>> sink;
  Sample s;
  uint64_t next_sequence = 0;  // touched by the serial sink only
  arena.execute([&] {
    // A graph attaches to the arena it is created in, as in the runtime.
    graph = std::make_unique<tbb::flow::graph>();
    for (int i = 0; i < kPassthroughNodes; ++i)
      stages.push_back(std::make_unique<function_node<FramePtr, FramePtr>>(
          *graph, tbb::flow::serial, [](const FramePtr& frame) { return frame; }));
    sink = std::make_unique<function_node<FramePtr, tbb::flow::continue_msg>>(
        *graph, tbb::flow::serial, [&](const FramePtr& frame) {
          // The same check as test_sink: contiguous, in order.
          const uint64_t sequence = frame->header.sequence;
          if (s.frames_seen++ > 0) {
            if (sequence < next_sequence) ++s.out_of_order;
            if (sequence > next_sequence) ++s.gaps;
          }
          next_sequence = std::max(next_sequence, sequence + 1);
          if (limit > 0) slots.release();
          return tbb::flow::continue_msg{};
        });
    for (int i = 0; i + 1 < kPassthroughNodes; ++i)
      tbb::flow::make_edge(*stages[i], *stages[i + 1]);
    tbb::flow::make_edge(*stages.back(), *sink);
  });

  const int64_t t0 = steady_now_ns();
  graph->reserve_wait();  // the producer is outside the graph: keep wait_for_all honest
  std::thread producer([&] {
    // The same per-frame work as the test_counter source: one small shared frame with a
    // sequence number and a tag, handed to the first node from this thread.
    for (uint64_t i = 0; i < frames; ++i) {
      auto frame = std::make_shared<BlobFrame>();
      frame->header.sequence = i;
      frame->tag = "counter";
      if (limit > 0) slots.acquire();
      stages.front()->try_put(std::move(frame));
    }
  });
  producer.join();
  graph->release_wait();
  graph->wait_for_all();
  const int64_t t1 = steady_now_ns();

  // Nodes before the graph that they refer to.
  sink.reset();
  stages.clear();
  if (s.frames_seen != frames)
    throw BenchFailure("the raw oneTBB run was broken: the sink saw " +
                       std::to_string(s.frames_seen) + " of " + std::to_string(frames) + " frames");
  s.seconds = (t1 - t0) / 1e9;
  s.ns_per_hop = ns_per_hop(s.seconds, frames);
  return s;
}

// ---------------------------------------------------------------------------------------
// Reporting

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      auto colon = line.find(':');
      auto first = line.find_first_not_of(' ', colon + 1);
      if (colon != std::string::npos && first != std::string::npos) return line.substr(first);
    }
  return "unknown";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += std::string("\\") + c;
    else if (static_cast<unsigned char>(c) < 0x20)
      out += ' ';
    else
      out += c;
  }
  return out + "\"";
}

std::string json_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

// The runs of one side over all rounds.
struct Side {
  std::vector<Sample> runs;

  std::vector<double> values(double Sample::*field) const {
    std::vector<double> out;
    for (const auto& r : runs) out.push_back(r.*field);
    return out;
  }
  double median_ns() const { return median(values(&Sample::ns_per_hop)); }
  uint64_t out_of_order() const {
    uint64_t n = 0;
    for (const auto& r : runs) n += r.out_of_order;
    return n;
  }
  std::string json_runs() const {
    std::string out = "[";
    for (size_t i = 0; i < runs.size(); ++i)
      out += (i ? ", " : "") + json_number(runs[i].ns_per_hop);
    return out + "]";
  }
};

struct Report {
  uint64_t frames = 0;
  int rounds = 0, threads = 0, max_in_flight = 0;
  Side sonoflow, tbb, tbb_unbounded;
  double ratio() const { return sonoflow.median_ns() / tbb.median_ns(); }
  double ratio_unbounded() const { return sonoflow.median_ns() / tbb_unbounded.median_ns(); }
  double latency_p50_ms() const { return median(sonoflow.values(&Sample::latency_p50_ms)); }
  double latency_p99_ms() const { return median(sonoflow.values(&Sample::latency_p99_ms)); }
  double in_flight() const { return median(sonoflow.values(&Sample::in_flight)); }
  std::vector<std::string> warnings;
};

// Signs that the SonoFlow run did not do what a lossless pipeline promises, though no
// frame was lost: a figure measured on such a run is not SonoFlow's, so they are fatal.
// (The raw chain may reorder: a serial function_node starts its next queued message
// before it forwards its output. SonoFlow restores the order; the raw chain does not.)
std::vector<std::string> check_sonoflow(const Report& r) {
  std::vector<std::string> out;
  if (const uint64_t n = r.sonoflow.out_of_order())
    out.push_back(std::to_string(n) +
                  " frames reached the sink out of order on SonoFlow's lossless chain");
  // With a working bound the estimate stays near max_in_flight whatever the machine does
  // (throughput and latency scale together); a generous factor keeps the histogram's
  // precision and a skewed latency distribution from raising a false alarm.
  if (r.in_flight() > 4.0 * (r.max_in_flight + 1)) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "SonoFlow kept about %.0f frames in flight (throughput x median latency) "
                  "with max_in_flight %d: its backpressure is not holding",
                  r.in_flight(), r.max_in_flight);
    out.push_back(buf);
  }
  return out;
}

void print_json(const Report& r) {
  std::cout << "{\"benchmark\": \"graph\", \"frames\": " << r.frames << ", \"hops\": " << kHops
            << ", \"rounds\": " << r.rounds
            << ", \"sonoflow_ns_per_hop\": " << json_number(r.sonoflow.median_ns())
            << ", \"tbb_ns_per_hop\": " << json_number(r.tbb.median_ns())
            << ", \"ratio\": " << json_number(r.ratio())
            << ", \"target_ratio\": " << json_number(kTargetRatio)
            << ", \"meets_target\": " << (r.ratio() <= kTargetRatio ? "true" : "false")
            << ", \"tbb_in_flight_limit\": " << r.max_in_flight
            << ", \"tbb_unbounded_ns_per_hop\": " << json_number(r.tbb_unbounded.median_ns())
            << ", \"ratio_vs_unbounded\": " << json_number(r.ratio_unbounded())
            << ", \"sonoflow_rounds_ns_per_hop\": " << r.sonoflow.json_runs()
            << ", \"tbb_rounds_ns_per_hop\": " << r.tbb.json_runs()
            << ", \"tbb_unbounded_rounds_ns_per_hop\": " << r.tbb_unbounded.json_runs()
            << ", \"sonoflow_latency_p50_ms\": " << json_number(r.latency_p50_ms())
            << ", \"sonoflow_latency_p99_ms\": " << json_number(r.latency_p99_ms())
            << ", \"sonoflow_in_flight_estimate\": " << json_number(r.in_flight())
            << ", \"sonoflow_out_of_order\": " << r.sonoflow.out_of_order()
            << ", \"tbb_out_of_order\": " << r.tbb.out_of_order()
            << ", \"tbb_unbounded_out_of_order\": " << r.tbb_unbounded.out_of_order()
            << ", \"max_in_flight\": " << r.max_in_flight << ", \"threads\": " << r.threads
            << ", \"hardware_concurrency\": " << std::thread::hardware_concurrency()
            << ", \"cpu\": " << json_string(cpu_model())
            << ", \"tbb_version\": " << json_string(TBB_VERSION_STRING) << ", \"warnings\": [";
  for (size_t i = 0; i < r.warnings.size(); ++i)
    std::cout << (i ? ", " : "") << json_string(r.warnings[i]);
  std::cout << "]}\n";
}

void print_table(const Report& r) {
  std::printf("sonoflow-bench-graph: %llu frames x %d hops (10 pass-through + sink), %d rounds\n",
              static_cast<unsigned long long>(r.frames), kHops, r.rounds);
  std::printf("machine: %s, %u hardware threads; arena: %d threads; oneTBB %s\n\n",
              cpu_model().c_str(), std::thread::hardware_concurrency(), r.threads,
              TBB_VERSION_STRING);
  std::printf("ns per hop   %10s %12s %12s %8s\n", "SonoFlow", "raw oneTBB", "raw oneTBB", "ratio");
  std::printf("             %10s %12s %12s %8s\n", "", "bounded", "unbounded", "");
  for (int i = 0; i < r.rounds; ++i)
    std::printf("round %-6d %10.1f %12.1f %12.1f %8.2f\n", i + 1, r.sonoflow.runs[i].ns_per_hop,
                r.tbb.runs[i].ns_per_hop, r.tbb_unbounded.runs[i].ns_per_hop,
                r.sonoflow.runs[i].ns_per_hop / r.tbb.runs[i].ns_per_hop);
  std::printf("median       %10.1f %12.1f %12.1f %8.2f\n\n", r.sonoflow.median_ns(),
              r.tbb.median_ns(), r.tbb_unbounded.median_ns(), r.ratio());
  std::printf(
      "SonoFlow: stats and latency tracing on, max_in_flight %d; latency p50 %.3f ms, "
      "p99 %.3f ms; ~%.1f frames in flight\n",
      r.max_in_flight, r.latency_p50_ms(), r.latency_p99_ms(), r.in_flight());
  std::printf("raw oneTBB bounded: at most %d frames in flight, as SonoFlow (the baseline)\n",
              r.max_in_flight);
  std::printf(
      "frames out of order (all rounds): SonoFlow %llu, raw bounded %llu, raw "
      "unbounded %llu\n",
      static_cast<unsigned long long>(r.sonoflow.out_of_order()),
      static_cast<unsigned long long>(r.tbb.out_of_order()),
      static_cast<unsigned long long>(r.tbb_unbounded.out_of_order()));
  std::printf(
      "ratio of medians SonoFlow / raw bounded: %.2f (target <= %.1f: %s); "
      "/ raw unbounded: %.2f\n",
      r.ratio(), kTargetRatio, r.ratio() <= kTargetRatio ? "met" : "NOT met", r.ratio_unbounded());
}

int run(int argc, char** argv) {
  int64_t frames_arg = 200000;  // signed, so that a negative count is refused, not wrapped
  int rounds = 3;
  po::options_description options(
      "sonoflow-bench-graph: per-hop cost of a SonoFlow pipeline against a raw oneTBB "
      "flow-graph chain\n(10 pass-through nodes + a sink, shared frames, as fast as they "
      "go)\n\nOptions");
  options.add_options()                                                                           //
      ("help,h", "show this help")                                                                //
      ("frames,n", po::value(&frames_arg)->default_value(frames_arg), "frames per run and side")  //
      ("rounds,r", po::value(&rounds)->default_value(rounds),
       "runs of each side, alternating; the medians are compared")  //
      ("json", "print one JSON object instead of the table");
  po::variables_map vm;
  if (auto code = bench::parse_options(argc, argv, options, "sonoflow-bench-graph", vm)) return *code;
  if (frames_arg < 1 || rounds < 1) {
    std::cerr << "sonoflow-bench-graph: --frames and --rounds must be at least 1\n";
    return 2;
  }

  const auto frames = static_cast<uint64_t>(frames_arg);

  PluginRegistry registry;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  for (const auto& folder : PluginRegistry::default_search_path(exe)) registry.load_folder(folder);
  const ValidatedPipeline pipeline = load_pipeline(registry, frames);
  const int limit = pipeline.settings.max_in_flight;

  // The baseline is the raw chain bounded like SonoFlow: at most max_in_flight frames
  // inside, the producer waiting for a free slot. Unbounded, a producer that is faster than
  // the chain queues most frames before they reach the sink: a different workload (the
  // producer is done long before the chain and leaves the CPUs to the workers, the queues
  // hold up to hundreds of thousands of frames), and a program no one may ship, since
  // lossless edges without a bound grow memory without limit. The bound is a semaphore,
  // the plainest correct way to write it, so whatever SonoFlow's gate costs beyond that
  // (an atomic count per source, a ticket per frame) stays in the ratio. The unbounded
  // chain is measured as well and reported beside it, for reference only.
  auto run_side = [&](int which, uint64_t n, Report* r) {
    switch (which) {
      case 0: {
        Sample s = run_sonoflow(n == frames ? pipeline : load_pipeline(registry, n), n);
        if (r) r->sonoflow.runs.push_back(s);
        return s;
      }
      case 1: {
        Sample s = run_raw_tbb(n, limit);
        if (r) r->tbb.runs.push_back(s);
        return s;
      }
      default: {
        Sample s = run_raw_tbb(n, 0);
        if (r) r->tbb_unbounded.runs.push_back(s);
        return s;
      }
    }
  };
  constexpr int kSides = 3;

  // An untimed warm-up of every side: the first run pays for starting oneTBB's workers,
  // faulting in code and growing the allocator's pools, which is not per-hop cost.
  const uint64_t warmup_frames = std::max<uint64_t>(1, frames / 10);
  for (int side = 0; side < kSides; ++side) run_side(side, warmup_frames, nullptr);

  Report r;
  r.frames = frames;
  r.rounds = rounds;
  r.threads = runtime_threads();
  r.max_in_flight = limit;
  // Rotate the order every round, so no side always runs on a machine another side has
  // just warmed up (or heated up).
  for (int i = 0; i < rounds; ++i)
    for (int k = 0; k < kSides; ++k) run_side((i + k) % kSides, frames, &r);

  r.warnings = check_sonoflow(r);
  for (const auto& w : r.warnings) std::cerr << "sonoflow-bench-graph: error: " << w << "\n";
  if (!r.warnings.empty())
    throw BenchFailure("the SonoFlow run was not a correct lossless run (see above)");
  if (vm.count("json"))
    print_json(r);
  else
    print_table(r);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "sonoflow-bench-graph: " << e.what() << "\n";
    return 1;
  }
}
