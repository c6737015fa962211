// sonoflow-bench-beamformer: delay-and-sum frame time in the configuration (128
// channels, 2048 samples, a 256 x 512 grid, F# 1.5, 1 and 11 plane-wave angles) against a
// straightforward baseline measured in the same run: a multi-threaded per-pixel loop
// (pixel -> transmit -> element, the same F# pruning, sqrt and phase per combination, no
// further tricks). To keep the ratio honest the baseline already uses the beamformer's
// polynomial sincos (std::polar per combination made it ~10x slower still, as in
// CALIBRATION.md). Work is counted nominally: pixels x 128 channels x transmits.
// The timed frame includes demodulation (rf -> baseband), as the node does per frame.
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <random>
#include <string>

#include "bench_options.hpp"
#include "das_core.hpp"
#include "fast_math.hpp"

namespace {

using namespace sonoflow;
using namespace sonoflow::das;
using Clock = std::chrono::steady_clock;

// Synthetic rf of a linear 128-element, 0.3 mm pitch, 7.6 MHz probe: a few point echoes
// in noise, so that the data are realistic in size and layout (speed does not depend on
// the content).
RfFrame synthetic_rf(const std::vector<float>& angles_deg, uint32_t samples);

RfFrame synthetic_rf(int transmits, uint32_t samples) {
  std::vector<float> angles;
  for (int t = 0; t < transmits; ++t)
    angles.push_back(transmits == 1 ? 0.f : -10.f + 20.f * t / (transmits - 1));
  return synthetic_rf(angles, samples);
}

RfFrame synthetic_rf(const std::vector<float>& angles_deg, uint32_t samples) {
  const int transmits = static_cast<int>(angles_deg.size());
  RfFrame rf;
  auto probe = std::make_shared<ProbeGeometry>();
  probe->model = "bench_linear";
  probe->center_frequency_hz = 7.6e6f;
  probe->fractional_bandwidth = 0.75f;
  for (int e = 0; e < 128; ++e) {
    probe->element_positions_mm.push_back({static_cast<float>((e - 63.5) * 0.3), 0, 0});
    probe->element_normal_angles_rad.push_back(0);
  }
  rf.probe = probe;
  for (float a : angles_deg) rf.transmits.push_back({a, 0});
  rf.channel_count = 128;
  rf.sample_count = samples;
  rf.sampling_rate_hz = 4 * 7.6e6;
  rf.samples_int16.resize(size_t(transmits) * 128 * samples);
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0, 300);
  for (auto& v : rf.samples_int16) v = static_cast<int16_t>(noise(rng));
  return rf;
}

// The baseline: per pixel, per transmit, per element; delays, phase and apodization
// recomputed for every combination. Threads over rows.
void naive(const Baseband& bb, const Geometry& g, const Grid& grid, const Settings& s,
           std::complex<float>* out) {
  const float spm = g.sampling_rate_hz / g.sound_speed_mm_per_s,
              cpm = g.center_frequency_hz / g.sound_speed_mm_per_s;
  const float offset = -g.start_time_s * g.sampling_rate_hz + Baseband::kGuard;
  std::vector<float> sin_a, cos_a;
  for (const auto& t : g.transmits) {
    sin_a.push_back(std::sin(t.angle_deg * M_PI / 180));
    cos_a.push_back(std::cos(t.angle_deg * M_PI / 180));
  }
  tbb::parallel_for(uint32_t{0}, grid.rows, [&](uint32_t row) {
    for (uint32_t col = 0; col < grid.columns; ++col) {
      double xd, zd;
      grid.pixel_mm(col, row, xd, zd);
      const float x = xd, z = zd;
      std::complex<float> sum = 0;
      for (size_t t = 0; t < g.transmits.size(); ++t) {
        const float d_tx = x * sin_a[t] + z * cos_a[t];
        for (size_t e = 0; e < g.channels(); ++e) {
          const float dx = x - g.element_x_mm[e];
          if (std::abs(dx) * 2 * s.f_number > z) continue;
          const float d = d_tx + std::sqrt(dx * dx + z * z);
          const float pos = std::clamp(d * spm + offset, 0.f, float(bb.stride - 2));
          const int i = static_cast<int>(pos);
          const float f = pos - i;
          const size_t row_index = t * g.channels() + e;
          const float* re = bb.re_row(row_index);
          const float* im = bb.im_row(row_index);
          const std::complex<float> v(re[i] + f * (re[i + 1] - re[i]),
                                      im[i] + f * (im[i + 1] - im[i]));
          float wc, ws, pc, ps;
          sincos_cycles(std::abs(dx) * float(s.f_number) / z, wc, ws);  // Hann: cos(pi u)
          sincos_cycles(cpm * (d - 2 * z), pc, ps);
          const float w = 0.5f * (1 + wc);
          sum += std::complex<float>(w * (v.real() * pc - v.imag() * ps),
                                     w * (v.real() * ps + v.imag() * pc));
        }
      }
      out[size_t{row} * grid.columns + col] = sum;
    }
  });
}

// Best wall time of `rounds` runs, in ms; `cpu_ms` receives the process CPU time (all
// threads) of that best run: on a shared machine where another job holds a core, wall time
// doubles but CPU time stays, so CPU time / threads is the idle-machine estimate.
template <typename F>
double best_ms(int rounds, F&& f, double* cpu_ms = nullptr) {
  double best = 1e30;
  for (int i = 0; i < rounds; ++i) {
    const std::clock_t c0 = std::clock();
    const auto t0 = Clock::now();
    f();
    const double wall = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (wall < best && cpu_ms) *cpu_ms = 1e3 * double(std::clock() - c0) / CLOCKS_PER_SEC;
    best = std::min(best, wall);
  }
  return best;
}

// The aperture's width (38.4 mm), 1-40 mm deep (or to the recorded depth).
Grid knee_grid(uint32_t columns, uint32_t rows, uint32_t samples, const Geometry& g) {
  Grid grid;
  grid.columns = columns, grid.rows = rows;
  grid.column_origin = -19.2, grid.column_step = 38.4 / columns;
  const double depth_mm =
      std::min(40.0, samples / g.sampling_rate_hz * g.sound_speed_mm_per_s / 2);
  grid.row_origin_mm = 1, grid.row_step_mm = (depth_mm - 1) / rows;
  return grid;
}

}  // namespace

// The knee's acquisitions, same grid: per frame (demodulation + beamforming), tables.
int needle_mode(uint32_t columns, uint32_t rows, uint32_t samples, int rounds, Settings plain,
                const boost::program_options::variables_map& vm) {
  struct Variant {
    const char* name;
    std::vector<float> angles;
    Settings s;
    double ms = 0, cpu_ms = 0, tables_mb = 0;
  };
  Settings needle = plain;
  needle.rx_steer_deg = {0, 0, 0, 30};
  needle.rx_acceptance_deg = 45;
  needle.transmit_group = {0, 0, 0, 1};
  needle.group_compounding = Settings::GroupCompounding::envelope_max;
  std::vector<Variant> variants{{"plain -8/0/8", {-8, 0, 8}, plain},
                                {"needle -8/0/8+30/rx30", {-8, 0, 8, 30}, needle},
                                {"0/15/30 unsteered rx", {0, 15, 30}, plain}};
  for (auto& v : variants) {
    const RfFrame rf = synthetic_rf(v.angles, samples);
    const Geometry g = Geometry::of(rf);
    const Grid grid = knee_grid(columns, rows, samples, g);
    Baseband bb;
    Beamformer bf;
    std::vector<std::complex<float>> out(grid.pixels());
    demodulate(rf.samples_int16.data(), g, bb);
    bf.beamform(bb, g, grid, v.s, out.data());  // warm-up: builds the receive tables
    v.ms = best_ms(
        rounds,
        [&] {
          demodulate(rf.samples_int16.data(), g, bb);
          bf.beamform(bb, g, grid, v.s, out.data());
        },
        &v.cpu_ms);
    v.tables_mb = bf.table_bytes() / 1e6;
  }
  if (vm.count("json")) {
    std::printf(
        "{\"benchmark\": \"beamformer_needle_mode\", \"columns\": %u, \"rows\": %u, "
        "\"plain_ms\": %.3f, \"plain_cpu_ms\": %.3f, \"needle_ms\": %.3f, "
        "\"needle_cpu_ms\": %.3f, \"steered_0_15_30_ms\": %.3f, \"ratio_needle_vs_plain\": "
        "%.3f, \"cpu_ratio_needle_vs_plain\": %.3f, \"plain_tables_mb\": %.1f, "
        "\"needle_tables_mb\": %.1f}\n",
        columns, rows, variants[0].ms, variants[0].cpu_ms, variants[1].ms, variants[1].cpu_ms,
        variants[2].ms, variants[1].ms / variants[0].ms, variants[1].cpu_ms / variants[0].cpu_ms,
        variants[0].tables_mb, variants[1].tables_mb);
    return 0;
  }
  std::printf(
      "sonoflow-bench-beamformer --needle-mode: 128 channels x %u samples, %u x %u grid\n\n",
      samples, columns, rows);
  std::printf("  %-24s %9s %9s %8s %10s\n", "transmits", "frame_ms", "cpu_ms", "ratio",
              "tables_MB");
  for (const auto& v : variants)
    std::printf("  %-24s %9.2f %9.1f %7.2fx %10.1f\n", v.name, v.ms, v.cpu_ms,
                v.ms / variants[0].ms, v.tables_mb);
  std::printf("\n  ratio = frame time over the plain compound's, measured in the same run.\n");
  return 0;
}

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  uint32_t columns = 256, rows = 512, samples = 2048;
  int rounds = 5;
  std::string kernel = "fastest";
  po::options_description options(
      "sonoflow-bench-beamformer: DAS frame time against a naive loop\n\nOptions");
  options.add_options()("help,h", "show this help")(
      "columns", po::value(&columns)->default_value(columns), "grid columns")(
      "rows", po::value(&rows)->default_value(rows), "grid rows")(
      "samples", po::value(&samples)->default_value(samples), "samples per channel")(
      "rounds", po::value(&rounds)->default_value(rounds), "timed repetitions (best is kept)")(
      "no-baseline", "skip the naive baseline (for profiling; ratio_vs_naive is then 0)")(
      "kernel", po::value(&kernel)->default_value(kernel),
      "depth loop: fastest (AVX-512 > AVX2 > portable, as the CPU allows), avx2, portable")(
      "needle-mode",
      "instead: the knee's plain compound (-8/0/8 deg) against the needle-enhancement mode "
      "(plus a 30 deg transmit received at 30 deg, envelope max) and 0/15/30 unsteered")(
      "json", "print one JSON object instead of the table");
  po::variables_map vm;
  if (auto code = bench::parse_options(argc, argv, options, "sonoflow-bench-beamformer", vm))
    return *code;
  if (columns < 1 || rows < 1 || samples < 16 || rounds < 1) {
    std::cerr
        << "sonoflow-bench-beamformer: --columns, --rows >= 1, --samples >= 16, --rounds >= 1\n";
    return 2;
  }
  Settings settings;  // F# 1.5, Hann
  if (kernel == "avx2")
    settings.kernel = Settings::Kernel::avx2;
  else if (kernel == "portable")
    settings.kernel = Settings::Kernel::portable;
  else if (kernel != "fastest") {
    std::cerr << "sonoflow-bench-beamformer: --kernel takes fastest, avx2 or portable, not '"
              << kernel << "'\n";
    return 2;
  }
  if (vm.count("needle-mode")) return needle_mode(columns, rows, samples, rounds, settings, vm);
  struct Result {
    double fast_ms, demod_ms, naive_ms, beamform_ms, cpu_ms = 0;
    size_t memory_bytes, table_bytes;
  } result[2];
  double checksum = 0;
  for (int k = 0; k < 2; ++k) {
    const int transmits = k == 0 ? 1 : 11;
    const RfFrame rf = synthetic_rf(transmits, samples);
    const Geometry g = Geometry::of(rf);
    const Grid grid = knee_grid(columns, rows, samples, g);
    Baseband bb;
    Beamformer bf;
    std::vector<std::complex<float>> out(grid.pixels()), ref(grid.pixels());
    demodulate(rf.samples_int16.data(), g, bb);
    bf.beamform(bb, g, grid, settings, out.data());  // warm-up
    result[k].demod_ms = best_ms(rounds, [&] { demodulate(rf.samples_int16.data(), g, bb); });
    result[k].beamform_ms =
        best_ms(rounds, [&] { bf.beamform(bb, g, grid, settings, out.data()); });
    result[k].fast_ms = best_ms(
        rounds,
        [&] {
          demodulate(rf.samples_int16.data(), g, bb);
          bf.beamform(bb, g, grid, settings, out.data());
        },
        &result[k].cpu_ms);
    result[k].naive_ms = vm.count("no-baseline") ? 0 : best_ms(std::max(1, rounds / 2), [&] {
      demodulate(rf.samples_int16.data(), g, bb);
      naive(bb, g, grid, settings, ref.data());
    });
    // Baseband planes, output, per-thread scratch, and the receive tables the beamformer
    // keeps across frames (the largest part for many pixels).
    result[k].table_bytes = bf.table_bytes();
    result[k].memory_bytes = (bb.re.size() + bb.im.size()) * sizeof(float) +
                             out.size() * sizeof(out[0]) + bf.scratch_bytes() + bf.table_bytes();
    for (auto& v : out) checksum += std::abs(v);
  }
  const double nominal = double(columns) * rows * 128;
  const double ops_per_s = nominal * 11 / (result[1].fast_ms * 1e-3);
  const double ratio = result[1].naive_ms / result[1].fast_ms;
  const unsigned threads = tbb::this_task_arena::max_concurrency();
  if (vm.count("json")) {
    std::printf(
        "{\"benchmark\": \"beamformer\", \"channels\": 128, \"samples\": %u, \"columns\": %u, "
        "\"rows\": %u, \"f_number\": 1.5, \"threads\": %u, \"frame_ms\": %.3f, "
        "\"frame_ms_1_angle\": %.3f, \"demodulation_ms\": %.3f, \"beamform_only_ms\": %.3f, "
        "\"frame_cpu_ms\": %.3f, \"naive_frame_ms\": %.3f, "
        "\"naive_frame_ms_1_angle\": %.3f, \"ops_per_s\": %.4g, \"naive_ops_per_s\": %.4g, "
        "\"ratio_vs_naive\": %.2f, \"ratio_vs_naive_1_angle\": %.2f, \"memory_mb\": %.1f, "
        "\"receive_tables_mb\": %.1f}\n",
        samples, columns, rows, threads, result[1].fast_ms, result[0].fast_ms, result[1].demod_ms,
        result[1].beamform_ms, result[1].cpu_ms, result[1].naive_ms, result[0].naive_ms, ops_per_s,
        result[1].naive_ms > 0 ? nominal * 11 / (result[1].naive_ms * 1e-3) : 0.0, ratio,
        result[0].naive_ms / result[0].fast_ms, result[1].memory_bytes / 1e6,
        result[1].table_bytes / 1e6);
    return checksum >= 0 ? 0 : 1;
  }
  std::printf(
      "sonoflow-bench-beamformer: 128 channels x %u samples, %u x %u grid, F# 1.5, Hann, %u "
      "threads\n\n",
      samples, columns, rows, threads);
  std::printf("  %-7s %9s %9s %11s %9s %11s %10s %8s %10s %9s\n", "angles", "frame_ms", "(demod)",
              "(beamform)", "(cpu_ms)", "ops/s", "naive_ms", "ratio", "memory_MB", "(tables)");
  for (int k = 0; k < 2; ++k) {
    const int t = k == 0 ? 1 : 11;
    std::printf("  %-7d %9.2f %9.2f %11.2f %9.1f %11.3g %10.1f %7.2fx %10.1f %9.1f\n", t,
                result[k].fast_ms, result[k].demod_ms, result[k].beamform_ms, result[k].cpu_ms,
                nominal * t / (result[k].fast_ms * 1e-3), result[k].naive_ms,
                result[k].naive_ms / result[k].fast_ms, result[k].memory_bytes / 1e6,
                result[k].table_bytes / 1e6);
  }
  std::printf(
      "\n  frame = demodulation (rf -> baseband) + beamforming, as the node runs it; cpu_ms = CPU\n"
      "  time of all threads for that frame. ops = pixels x 128 channels x transmits (nominal).\n");
  return checksum >= 0 ? 0 : 1;
}
