// STAND-IN FOR A REAL VENDOR LIBRARY. This fake "Acme probe SDK" exists only so that the
// custom_probe example has something to wrap: it mimics the C API shape most probe
// vendors ship (opaque handle, a frame callback called on the SDK's own streaming thread,
// start/stop). Instead of talking to hardware it synthesizes the echo of one point target
// for a plane-wave transmit (see acme_set_phantom). Nothing of SonoFlow is used here.
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// The probe's data sheet, available before a device is opened. Channel i of n active
// channels sits at x = (i - (n - 1) / 2) * pitch_mm: the active aperture is centred.
typedef struct AcmeProbeInfo {
  const char* model;
  uint32_t element_count;
  double pitch_mm, element_width_mm;
  double center_frequency_hz, fractional_bandwidth;  // -6 dB bandwidth / centre frequency
  double sampling_rate_hz;                           // always 4x the centre frequency
  uint32_t sample_count;                             // per channel and frame
} AcmeProbeInfo;

// One frame of channel data. `samples` is [channel][sample] and valid only during the
// callback: copy what you keep.
typedef struct AcmeFrame {
  uint64_t frame_number;  // counts from 0 after acme_start
  uint32_t channel_count, sample_count;
  double sampling_rate_hz;
  const int16_t* samples;
} AcmeFrame;

typedef struct AcmeConfig {
  uint32_t channel_count;  // active channels, at most element_count
  double frame_rate_hz;    // 0: as fast as the callback returns
  double scatterer_x_mm, scatterer_depth_mm;
} AcmeConfig;

typedef struct AcmeDevice AcmeDevice;
typedef void (*AcmeFrameCallback)(const AcmeFrame* frame, void* user);

AcmeProbeInfo acme_probe_info(void);
// Null when the configuration is invalid.
AcmeDevice* acme_open(const AcmeConfig* config);
// Set before acme_start. The callback runs on the SDK's streaming thread, one frame at a
// time; while it blocks, the device waits.
void acme_set_frame_callback(AcmeDevice* device, AcmeFrameCallback callback, void* user);
// Starts streaming on the SDK's own thread. 0 on success.
int acme_start(AcmeDevice* device);
// Returns once the streaming thread has ended: no callback runs after it.
void acme_stop(AcmeDevice* device);
void acme_close(AcmeDevice* device);
// May be called while streaming, also from inside the callback.
void acme_set_frame_rate(AcmeDevice* device, double frame_rate_hz);
// Fake-device only: where the point target of the simulated phantom lies.
void acme_set_phantom(AcmeDevice* device, double x_mm, double depth_mm);

#ifdef __cplusplus
}
#endif
