// OpenIGTLink messages built from SonoFlow frames: IMAGE from an image or overlay raster,
// POINT (tip, target, trajectory end) and TRANSFORM (needle pose) from a needle result, and
// STATUS. Each builder packs the message once (libopenigtlink does the wire format and the
// CRC); the packed bytes are then shared, unchanged, by every client.
//
// World frame: every position sent is `probe_to_world` applied to probe coordinates (x
// lateral, y elevation, z depth, mm). With the default identity the numbers are probe mm,
// declared as RAS: x -> R, y -> A, z -> S (see the README for the view in 3D Slicer).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "sonoflow/frames.hpp"

namespace sonoflow::igtl_server {

// A packed message (header + body) ready for the socket.
using Packed = std::shared_ptr<const std::vector<uint8_t>>;

// OpenIGTLink device names are at most 20 bytes in the message header.
inline constexpr size_t kMaxDeviceNameBytes = 20;

// The geometry an IMAGE message carries, in OpenIGTLink's convention: unit axis directions
// of i (columns), j (rows) and k (slice normal), spacing along each, and the position of the
// image *centre*, i.e. the first pixel's centre + ((size - 1) / 2) * spacing along each axis.
struct ImageGeometry {
  int size[3] = {0, 0, 1};
  Eigen::Vector3d spacing_mm{0, 0, 0};
  Eigen::Matrix3d axes;  // columns: unit directions of i, j, k in the world frame
  Eigen::Vector3d centre_mm{0, 0, 0};
  Eigen::Vector3d first_pixel_mm{0, 0, 0};
};

// Reads a 4x4 row-major probe -> world transform from a parameter list and checks that it
// is rigid (orthonormal rotation, bottom row 0 0 0 1); throws naming the parameter otherwise.
Eigen::Matrix4d rigid_transform(const std::vector<double>& row_major, const std::string& param);

// The IMAGE geometry of `raster` placed in the world. Throws std::invalid_argument for a
// raster that cannot be sent as a plane (polar sector grid, sheared or degenerate axes).
ImageGeometry image_geometry(const Raster& raster, const Eigen::Matrix4d& probe_to_world);

// IMAGE: grey as 1 component, BGR as RGB (3 components), uint8, timestamp from utc_ns.
Packed image_message(const Raster& raster, const FrameHeader& header, const std::string& device,
                     const Eigen::Matrix4d& probe_to_world);

// POINT with up to three elements, named "Tip", "TrajectoryEnd" (when a needle is reported)
// and "Target" (when the frame has a target). Null when there is nothing to send.
Packed points_message(const NeedleFrame& needle, const std::string& device,
                      const std::string& owner_image, const Eigen::Matrix4d& probe_to_world);

// TRANSFORM of the needle: translation = the tip; local z = insertion direction (shaft
// start -> tip), local y = the image plane's normal (elevation), x = y cross z.
// Null when no needle is reported.
Packed needle_transform_message(const NeedleFrame& needle, const std::string& device,
                                const Eigen::Matrix4d& probe_to_world);

// STATUS with an OpenIGTLink status code (igtl::StatusMessage::STATUS_*).
Packed status_message(int code, const std::string& error_name, const std::string& text,
                      const std::string& device, int64_t utc_ns);

}  // namespace sonoflow::igtl_server
