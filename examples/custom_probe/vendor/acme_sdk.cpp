// STAND-IN FOR A REAL VENDOR LIBRARY: the fake Acme probe SDK (see acme_sdk.hpp).
#include "acme_sdk.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <numbers>
#include <thread>
#include <vector>

namespace {

constexpr double kCenterHz = 5e6, kBandwidth = 0.6, kSamplingHz = 4 * kCenterHz;
constexpr double kPitchMm = 0.3, kSoundSpeedMmPerS = 1540e3, kAmplitude = 8000;
constexpr uint32_t kElements = 128, kSamples = 1024;

}  // namespace

struct AcmeDevice {
  uint32_t channels = 0;
  std::atomic<double> frame_rate_hz{0}, scatterer_x_mm{0}, scatterer_depth_mm{0};
  AcmeFrameCallback callback = nullptr;
  void* user = nullptr;
  std::vector<int16_t> samples;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop_requested = false;
};

namespace {

// Plane wave at 0 degrees: the pulse reaches the target after depth / c and its echo
// returns to each element along the direct path, so the echo traces a hyperbola over the
// channels. A Gaussian pulse with the probe's -6 dB fractional bandwidth.
void synthesize(AcmeDevice& d) {
  std::fill(d.samples.begin(), d.samples.end(), int16_t{0});
  const double xs = d.scatterer_x_mm, zs = d.scatterer_depth_mm;
  const double sigma_s = std::sqrt(2 * std::log(2.0)) / (std::numbers::pi * kBandwidth * kCenterHz);
  const int half_width = static_cast<int>(std::ceil(4 * sigma_s * kSamplingHz));
  for (uint32_t c = 0; c < d.channels; ++c) {
    const double x = (c - (d.channels - 1) / 2.0) * kPitchMm;
    const double receive_mm = std::hypot(zs, x - xs);
    const double delay_s = (zs + receive_mm) / kSoundSpeedMmPerS;
    const double gain = kAmplitude * zs / receive_mm;  // obliquity: weaker at wide angles
    const int center = static_cast<int>(std::lround(delay_s * kSamplingHz));
    int16_t* trace = &d.samples[size_t{c} * kSamples];
    for (int s = std::max(0, center - half_width);
         s <= std::min<int>(kSamples - 1, center + half_width); ++s) {
      const double t = s / kSamplingHz - delay_s;
      trace[s] = static_cast<int16_t>(std::lround(gain * std::exp(-0.5 * std::pow(t / sigma_s, 2)) *
                                                  std::cos(2 * std::numbers::pi * kCenterHz * t)));
    }
  }
}

void stream(AcmeDevice* d) {
  using Clock = std::chrono::steady_clock;
  auto next = Clock::now();
  for (uint64_t n = 0;; ++n) {
    synthesize(*d);
    const AcmeFrame frame{n, d->channels, kSamples, kSamplingHz, d->samples.data()};
    d->callback(&frame, d->user);
    const double hz = d->frame_rate_hz;
    const auto period = std::chrono::duration<double>(hz > 0 ? 1 / hz : 0);
    // Hardware does not catch up on frames it missed while the host was slow.
    next = std::max(next + std::chrono::duration_cast<Clock::duration>(period), Clock::now());
    std::unique_lock lock(d->mutex);
    d->wake.wait_until(lock, next, [&] { return d->stop_requested; });
    if (d->stop_requested) return;
  }
}

}  // namespace

extern "C" {

AcmeProbeInfo acme_probe_info(void) {
  return {"Acme L5-128 (simulated)",
          kElements,
          kPitchMm,
          0.27,
          kCenterHz,
          kBandwidth,
          kSamplingHz,
          kSamples};
}

AcmeDevice* acme_open(const AcmeConfig* config) {
  if (!config || config->channel_count == 0 || config->channel_count > kElements) return nullptr;
  auto* d = new AcmeDevice;
  d->channels = config->channel_count;
  d->samples.resize(size_t{d->channels} * kSamples);
  acme_set_frame_rate(d, config->frame_rate_hz);
  acme_set_phantom(d, config->scatterer_x_mm, config->scatterer_depth_mm);
  return d;
}

void acme_set_frame_callback(AcmeDevice* d, AcmeFrameCallback callback, void* user) {
  d->callback = callback;
  d->user = user;
}

int acme_start(AcmeDevice* d) {
  if (!d->callback || d->thread.joinable()) return -1;
  d->stop_requested = false;
  d->thread = std::thread(stream, d);
  return 0;
}

void acme_stop(AcmeDevice* d) {
  {
    std::lock_guard lock(d->mutex);
    d->stop_requested = true;
  }
  d->wake.notify_all();
  if (d->thread.joinable()) d->thread.join();
}

void acme_close(AcmeDevice* d) {
  if (!d) return;
  acme_stop(d);
  delete d;
}

void acme_set_frame_rate(AcmeDevice* d, double frame_rate_hz) {
  d->frame_rate_hz = frame_rate_hz;
}

void acme_set_phantom(AcmeDevice* d, double x_mm, double depth_mm) {
  d->scatterer_x_mm = x_mm;
  d->scatterer_depth_mm = depth_mm;
}

}  // extern "C"
