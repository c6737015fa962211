// `sonoflow run`: validate, start, show progress, stop cleanly, report.
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <optional>

#include "common.hpp"
#include "sonoflow/framework/describe.hpp"
#include "sonoflow/framework/fragments.hpp"
#include "sonoflow/framework/heap.hpp"
#include "sonoflow/framework/runtime.hpp"

namespace sonoflow::cli {
namespace po = boost::program_options;

namespace {

std::atomic<int> g_signals{0};

// First SIGINT/SIGTERM: stop cleanly (sources stop, lossless edges drain, outputs flush).
// Second: the user wants out now.
extern "C" void on_signal(int) {
  if (g_signals.fetch_add(1) >= 1) _exit(130);
}

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// The part of `whole` (FILE validated as one pipeline) that runs as fragment `name`, with
// DDS nodes for its cut edges, validated; nullopt after printing what was wrong.
std::optional<ValidatedPipeline> select_fragment(const std::string& path,
                                                 const std::vector<std::string>& sets,
                                                 const ValidatedPipeline& whole,
                                                 const std::string& name,
                                                 const PluginRegistry& registry) {
  Diagnostics diags;
  PipelineFile file = read_pipeline_file(path, diags);
  for (size_t i = 0; i < sets.size(); ++i)
    apply_override(file, sets[i], static_cast<int>(i + 1), diags);
  PipelineFile part = fragment_file(file, whole, name, diags);
  ValidatedPipeline pipeline;
  if (!diags.has_errors()) pipeline = validate(part, registry, diags);
  std::cerr << diags.to_string();
  if (diags.has_errors()) {
    std::cerr << path << ": fragment '" << name << "' cannot run; nothing was run\n";
    return std::nullopt;
  }
  return pipeline;
}

}  // namespace

int run_command(const std::vector<std::string>& args) {
  std::vector<std::string> sets;
  int64_t frames = 0;
  double duration_s = 0;
  std::string report_path, file, fragment;
  po::options_description options("sonoflow run FILE [options]");
  options.add_options()("help,h", "show this help")(
      "set", po::value(&sets)->composing(), "override a parameter: node.param=value")(
      "frames", po::value(&frames), "stop after each source has emitted N frames")(
      "duration", po::value(&duration_s), "stop after S seconds")(
      "fast", "sources run as fast as the pipeline takes frames instead of in real time")(
      "report", po::value(&report_path), "write a JSON report of the run to this file")(
      "quiet,q", "no live status line")(
      "fragment", po::value(&fragment),
      "run only this fragment of a split pipeline; its cut edges become DDS topics");
  po::variables_map vm;
  if (auto status = parse_arguments("run", args, options, file, "a pipeline file", true, vm))
    return *status;
  if (duration_s < 0 || frames < 0) {
    std::cerr << "sonoflow run: --" << (frames < 0 ? "frames" : "duration")
              << " must not be negative\n";
    return kUsage;
  }
  // Before loading anything: a Ctrl-C while plugins load (seconds under a sanitizer, or
  // with many plugins) then stops the run as soon as it has started, cleanly and with its
  // report, instead of killing the process by the signal's default action.
  install_signal_handlers();
  framework::keep_large_blocks_in_heap();
  PluginRegistry registry;
  load_default_plugins(registry);
  auto pipeline = load_pipeline(file, sets, registry, /*verb_runs=*/true);
  if (!pipeline) return kFailed;
  if (!fragment.empty()) {
    pipeline = select_fragment(file, sets, *pipeline, fragment, registry);
    if (!pipeline) return kFailed;
  }
  const std::string name = pipeline->name;
  // Opened (and emptied) once the pipeline is valid, before anything runs: an unwritable
  // path fails now, not after a long run, and an earlier run's report cannot pass for
  // this one's.
  std::ofstream report;
  if (!report_path.empty()) {
    report.open(report_path, std::ios::trunc);
    if (!report) {
      std::cerr << "sonoflow run: error: cannot write the report to '" << report_path << "'\n";
      return kFailed;
    }
  }

  RunOptions run_options{vm.count("fast") > 0, static_cast<uint64_t>(frames)};
  // A node that refuses to configure or start ends the run before it began; the report
  // then says so, with no statistics.
  auto failed_before_start = [&](const std::string& why) {
    std::cerr << "sonoflow run: error: " << why << "\n";
    if (report.is_open()) report << report_json(*pipeline, RunStats{}, {}, {why});
    return kFailed;
  };
  std::optional<Runtime> runtime_storage;
  try {
    runtime_storage.emplace(*pipeline, run_options);
    runtime_storage->start();
  } catch (const RuntimeError& e) {
    return failed_before_start(e.what());
  }
  Runtime& runtime = *runtime_storage;

  const bool live = isatty(STDERR_FILENO) && !vm.count("quiet");
  const auto started = std::chrono::steady_clock::now();
  const auto tick = std::chrono::milliseconds(live ? 250 : 100);
  for (;;) {
    if (runtime.wait_for(tick)) break;
    if (g_signals.load()) break;
    if (duration_s > 0 &&
        std::chrono::steady_clock::now() - started >= std::chrono::duration<double>(duration_s))
      break;
    if (live) std::cerr << "\r" << status_line(runtime.stats()) << "\033[K" << std::flush;
  }
  if (live) std::cerr << "\r\033[K";
  if (g_signals.load()) std::cerr << "stopping (draining queued frames)...\n";
  runtime.stop();

  const RunStats stats = runtime.stats();
  const auto fatal = runtime.fatal_errors();
  std::cerr << summary_text(name, stats);
  int status = fatal.empty() ? kOk : kFailed;
  if (report.is_open()) {
    report << report_json(runtime.pipeline(), stats, runtime.results(), fatal);
    report.flush();
    if (!report.good()) {
      std::cerr << "sonoflow run: error: cannot write the report to '" << report_path << "'\n";
      status = kFailed;
    }
  }
  for (const auto& e : fatal) std::cerr << "error: " << e << "\n";
  return status;
}

}  // namespace sonoflow::cli
