// The frame types the SDK defines: `rf` channel data, `iq` beamformed grids, `image` and
// `overlay` rasters, `needle` guidance results and opaque `any` blobs. Their serialized
// form is sdk/schemas/frames.fbs. Plugins may add their own types by deriving from Frame.
#pragma once

#include <array>
#include <complex>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sonoflow/frame.hpp"

namespace sonoflow {

// The names of the port types. A port of a node is declared with one of these (or a
// plugin's own); an input port of type `any` accepts every type.
namespace port_type {
inline constexpr std::string_view rf = "rf";
inline constexpr std::string_view iq = "iq";
inline constexpr std::string_view beamformed = "beamformed";
inline constexpr std::string_view image = "image";
inline constexpr std::string_view needle = "needle";
inline constexpr std::string_view overlay = "overlay";
inline constexpr std::string_view any = "any";
}  // namespace port_type

// Probe description carried by every rf frame. Coordinates are in the probe frame:
// x lateral (0 at the array centre), z depth (0 at the element surface, into the body),
// y elevation, all in mm.
struct ProbeGeometry {
  std::string model;
  std::vector<std::array<float, 3>> element_positions_mm;  // x, y, z per element
  std::vector<float> element_normal_angles_rad;  // per element, 0 = facing +z (linear)
  float element_width_mm = 0;
  float center_frequency_hz = 0;
  float fractional_bandwidth = 0;  // -6 dB bandwidth / centre frequency
  float radius_mm = 0;             // 0 for a linear array; curvature radius for a convex one
};

// One transmit event of a frame. A plane wave steered by angle_deg has virtual source
// depth 0; a diverging wave has its virtual source behind the array (negative z, mm),
// at virtual_source_z_mm * (sin(angle), cos(angle)).
// Time origin: t = 0 when the transmitted wavefront passes the probe origin (0, 0, 0). The
// wave reaches point p at t_tx = (p.x sin(angle) + p.z cos(angle)) / c for a plane wave and
// t_tx = (|p - s| - |s|) / c for a diverging wave from virtual source s; an echo from p
// reaches element e at t_tx + |p - e| / c. Sample i of a channel is at start_time_s + i / fs.
struct Transmit {
  float angle_deg = 0;
  float virtual_source_z_mm = 0;
};

enum class SampleFormat : uint8_t { int16, float32 };

// Per-channel echo data of one frame: samples[transmit][channel][sample].
struct RfFrame final : Frame {
  static constexpr std::string_view kPortType = port_type::rf;
  std::string_view port_type() const override { return kPortType; }

  std::shared_ptr<const ProbeGeometry> probe;  // shared between frames of one probe
  std::vector<Transmit> transmits;
  uint32_t channel_count = 0;
  uint32_t sample_count = 0;
  SampleFormat format = SampleFormat::int16;
  std::vector<int16_t> samples_int16;  // filled when format == int16
  std::vector<float> samples_float32;  // filled when format == float32
  double sampling_rate_hz = 0;
  double sound_speed_m_per_s = 1540;
  double start_time_s = 0;  // time of the first sample after the transmit event

  size_t transmit_count() const { return transmits.size(); }
  // Empty when the frame is self-consistent; otherwise what is wrong, for errors.
  std::string check() const;
};

// Optional sector geometry of an image still in polar form (convex probes).
struct SectorGeometry {
  float apex_z_mm = 0;  // the virtual apex on the z axis (negative: behind the array)
  float start_angle_rad = 0, end_angle_rad = 0;
  float start_radius_mm = 0, end_radius_mm = 0;
};

// Beamformed complex data (port type `iq`) on a grid of rows x columns, row-major. On a
// Cartesian grid, column j lies at x = origin_mm[0] + j * spacing_mm[0] and row i at
// z = origin_mm[1] + i * spacing_mm[1]. On a polar grid (convex probes, `sector` set)
// columns are angles and rows radii from the sector's apex. Values are baseband I/Q
// (demodulated at demodulation_hz) or, with demodulation_hz 0, the analytic signal.
struct IqFrame final : Frame {
  static constexpr std::string_view kPortType = port_type::iq;
  std::string_view port_type() const override { return kPortType; }

  uint32_t width = 0, height = 0;
  std::vector<std::complex<float>> samples;  // [row][column]
  std::array<double, 2> origin_mm{0, 0};
  std::array<double, 2> spacing_mm{0, 0};
  std::shared_ptr<const SectorGeometry> sector;  // null for a Cartesian grid
  double demodulation_hz = 0;
  std::shared_ptr<const ProbeGeometry> probe;  // the probe it was formed from

  std::string check() const;
};

// A grey (1 channel) or colour (3 channels, BGR) 8-bit raster. Pixel (col, row) lies at
// probe coordinates x = origin_mm[0] + col * spacing_mm[0], z = origin_mm[1] +
// row * spacing_mm[1] unless image_to_probe says otherwise.
struct Raster {
  uint32_t width = 0, height = 0, channels = 1;
  std::vector<uint8_t> pixels;  // row-major, channels interleaved
  std::array<double, 2> origin_mm{0, 0};
  std::array<double, 2> spacing_mm{0, 0};
  // Homogeneous 4x4 (row-major) from image (col, row, 0, 1) to probe coordinates in mm.
  std::array<double, 16> image_to_probe{};
  std::shared_ptr<const SectorGeometry> sector;  // null for Cartesian images

  // Fills image_to_probe from origin and spacing (x lateral, z depth).
  void set_cartesian_transform();
  // Copies size, geometry and transform (not the pixels) from another raster.
  void copy_geometry(const Raster& from);
  std::string check() const;
};

// A B-mode (or any displayable) image: what the beamforming chain and image sources emit.
struct ImageFrame final : Frame, Raster {
  static constexpr std::string_view kPortType = port_type::image;
  std::string_view port_type() const override { return kPortType; }
};

// An image with guidance drawn into it (shaft, tip, trajectory, target, text), usually
// colour, for viewers and writers. Its own port type so that it is never mistaken for an
// image to measure on; the geometry still maps pixels to the probe frame.
struct OverlayFrame final : Frame, Raster {
  static constexpr std::string_view kPortType = port_type::overlay;
  std::string_view port_type() const override { return kPortType; }
};

// A point in the image plane, probe coordinates in mm: x lateral, z depth.
using PointMm = std::array<double, 2>;

// The structured result of needle guidance for one image (port type `needle`), in probe
// coordinates (mm) of the image it was measured on; header copied from that image.
// needle_guidance fills the needle part, injectate_monitor adds the injectate part.
struct NeedleFrame final : Frame {
  static constexpr std::string_view kPortType = port_type::needle;
  std::string_view port_type() const override { return kPortType; }

  // The needle. `detected`: a needle is reported for this image (measured, or carried by
  // the tracker through a brief loss: then `measured` is false).
  bool detected = false;
  bool measured = false;
  double confidence = 0;      // 0..1
  PointMm shaft_start_mm{};   // the visible shaft's end nearest the skin
  PointMm tip_mm{};
  double angle_deg = 0;       // shaft to the probe surface (x axis), 0..90
  int insertion_side = 0;     // +1 enters from +x (right), -1 from -x (left), 0 unknown
  PointMm trajectory_end_mm{};  // the predicted path beyond the tip, to the image border
  // The target and what the trajectory predicts for it (NaN without a target or needle).
  bool has_target = false;
  PointMm target_mm{};
  double tip_to_target_mm = 0;
  double predicted_miss_mm = 0;  // closest approach of the trajectory line to the target
  // Shaft visible but the tip lost: the needle is probably leaving the imaging plane.
  bool out_of_plane_warning = false;

  // The injectate (filled by injectate_monitor; `injectate_monitored` false otherwise).
  bool injectate_monitored = false;
  bool injectate_present = false;     // fluid seen growing around the tip
  double injectate_area_mm2 = 0;
  PointMm injectate_min_mm{}, injectate_max_mm{};  // bounding box of the fluid region
  std::vector<PointMm> injectate_outline_mm;       // closed polygon
  bool injectate_contained = true;  // the spread stays within the target compartment
  bool leak_alert = false;

  std::vector<std::string> warnings;  // human-readable, for viewers and logs
};

// Ground truth of a simulated needle insertion (see Truth in frame.hpp): what a needle
// detector should have found. Only evaluation nodes read it. Probe coordinates, mm.
struct NeedleTruth final : Truth {
  bool needle_present = false;
  std::array<double, 3> tip_mm{0, 0, 0};     // x lateral, y elevation, z depth
  std::array<double, 3> entry_mm{0, 0, 0};   // where the shaft enters the image (z = 0)
  double shaft_angle_deg = 0;                // to the skin surface (x axis)
  double in_plane_offset_mm = 0;             // y of the tip: 0 = in the imaging plane
  std::array<double, 2> target_mm{0, 0};     // x, z
  bool injecting = false;
  double injected_volume_ul = 0;
  std::array<double, 2> fluid_center_mm{0, 0};  // x, z of the anechoic pocket
  double fluid_radius_mm = 0;
};

// Opaque data on `any` ports (test data, plugin-private messages).
struct BlobFrame final : Frame {
  std::string_view port_type() const override { return port_type::any; }
  std::string tag;
  std::vector<uint8_t> bytes;
};

}  // namespace sonoflow
