// sonoflow-bench-sim: frames per second of the simulated probe in the issue's
// configuration (knee preset: 3 plane-wave angles, 128 channels, 40 mm, >= 100 000
// scatterers, needle and noise on), against the straightforward reference simulator
// (every scatterer, element, transmit and pulse sample evaluated directly, channels in
// parallel) timed on one frame of the same scenario in the same run.
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "reference_synth.hpp"
#include "scenario.hpp"
#include "bench_options.hpp"

namespace {

using namespace sonoflow;
using namespace sonoflow::sim;
namespace po = boost::program_options;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

ParamSet default_params() {
  NodeSpec spec;
  declare_parameters(spec);
  ParamSet set;
  for (auto& p : spec.params) set.set(p.name, p.normalize(p.default_value));
  return set;
}

}  // namespace

int main(int argc, char** argv) {
  int frames = 90;
  po::options_description options("sonoflow-bench-sim: simulated probe frames per second\n\nOptions");
  options.add_options()("help,h", "show this help")(
      "frames,n", po::value(&frames)->default_value(frames), "frames to time (the needle moves)")(
      "json", "print one JSON object instead of the table");
  po::variables_map vm;
  if (auto code = bench::parse_options(argc, argv, options, "sonoflow-bench-sim", vm)) return *code;
  if (frames < 1) {
    std::cerr << "sonoflow-bench-sim: --frames must be at least 1\n";
    return 2;
  }

  const ParamSet params = default_params();  // knee_suprapatellar, as the node defaults
  const auto setup_start = Clock::now();
  Simulation sim(make_scenario(params));
  const double setup_s = seconds_since(setup_start);
  const auto& acq = sim.acquisition();
  const double frame_rate_hz = params.get_real("frame_rate_hz");

  // The timed frames start where the needle is inside the image and moving, with the
  // injection reached within the run only if it is long: the per-frame work is the
  // needle, noise, TGC and quantization over the cached tissue echo.
  std::vector<int16_t> samples;
  NeedleState needle;
  const double start_s = 4.0;
  sim.synthesize(start_s, 0, samples, needle);  // warm-up
  const auto t0 = Clock::now();
  for (int i = 1; i <= frames; ++i) sim.synthesize(start_s + i / frame_rate_hz, i, samples, needle);
  const double frame_s = seconds_since(t0) / frames;

  // The reference: the same scenario's scatterers (tissue and needle) for one frame.
  const auto& scenario = sim.scenario();
  const auto tissue = generate_scatterers(scenario.phantom, scenario.scatterers,
                                          scenario.probe.elevation_sigma_mm, scenario.seed);
  const auto needle_sources = explicit_sources(
      needle_echo(scenario.needle, needle, scenario.probe.wavelength_mm(scenario.sound_speed_m_per_s),
                  acq.physics.sound_speed_mm_per_s));
  std::vector<double> reference;
  const auto r0 = Clock::now();
  reference_rf(acq, tissue, needle_sources, reference);
  const double reference_s = seconds_since(r0);

  const double fps = 1 / frame_s, ratio = reference_s / frame_s;
  const double memory_mb = (acq.values() * (sizeof(float) * 2 + sizeof(int16_t)) +
                            acq.values() / acq.sample_count * (acq.sample_count + 2) * 8.0) / 1e6;
  if (vm.count("json")) {
    std::printf(
        "{\"benchmark\": \"sim\", \"preset\": \"%s\", \"transmits\": %zu, \"channels\": %zu, "
        "\"samples\": %u, \"depth_mm\": %.1f, \"scatterers\": %zu, \"frames\": %d, "
        "\"fps\": %.2f, \"frame_ms\": %.3f, \"reference_frame_ms\": %.1f, "
        "\"ratio_vs_reference\": %.1f, \"setup_s\": %.3f, \"memory_mb\": %.1f, \"threads\": %u}\n",
        scenario.preset.c_str(), acq.transmits.size(), acq.channel_count(), acq.sample_count,
        scenario.phantom.depth_mm, sim.tissue_scatterers(), frames, fps, frame_s * 1e3,
        reference_s * 1e3, ratio, setup_s, memory_mb, std::thread::hardware_concurrency());
    return 0;
  }
  std::printf("sonoflow-bench-sim: %s, %zu transmits x %zu channels x %u samples, %.0f mm, "
              "%zu tissue scatterers + %zu needle sources\n",
              scenario.preset.c_str(), acq.transmits.size(), acq.channel_count(), acq.sample_count,
              scenario.phantom.depth_mm, sim.tissue_scatterers(), needle_sources.size());
  std::printf("machine: %u hardware threads\n\n", std::thread::hardware_concurrency());
  std::printf("  set-up (phantom + cached tissue echo)   %8.3f s (once)\n", setup_s);
  std::printf("  fast simulator, per frame               %8.2f ms  = %.1f frames/s (%d frames)\n",
              frame_s * 1e3, fps, frames);
  std::printf("  reference simulator, one frame          %8.1f ms\n", reference_s * 1e3);
  std::printf("  ratio (reference / fast)                %8.1f x\n", ratio);
  std::printf("  working memory                          %8.1f MB\n", memory_mb);
  return 0;
}
