#include "igtl_messages.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include <Eigen/Geometry>
#include <igtlImageMessage.h>
#include <igtlPointMessage.h>
#include <igtlStatusMessage.h>
#include <igtlTimeStamp.h>
#include <igtlTransformMessage.h>
#include <opencv2/imgproc.hpp>

namespace sonoflow::igtl_server {
namespace {

// Relative tolerance for "orthonormal" / "orthogonal": far above float32 rounding of
// hand-written matrices, far below any real shear or scaling.
constexpr double kOrthoTolerance = 1e-6;
// Below this length (mm per pixel) an image axis is degenerate.
constexpr double kMinAxisMm = 1e-9;
// Display radius of the guidance points in Slicer, mm.
constexpr float kPointRadiusMm = 1.0f;

Packed pack(igtl::MessageBase& message) {
  message.Pack();
  const auto* bytes = static_cast<const uint8_t*>(message.GetPackPointer());
  return std::make_shared<const std::vector<uint8_t>>(bytes, bytes + message.GetPackSize());
}

void stamp(igtl::MessageBase& message, int64_t utc_ns) {
  auto ts = igtl::TimeStamp::New();
  ts->SetTimeInNanoseconds(static_cast<igtlUint64>(std::max<int64_t>(utc_ns, 0)));
  message.SetTimeStamp(ts);
}

Eigen::Matrix4d row_major_4x4(const std::array<double, 16>& m) {
  Eigen::Matrix4d out;
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) out(r, c) = m[static_cast<size_t>(r * 4 + c)];
  return out;
}

Eigen::Vector3d to_world(const PointMm& p, const Eigen::Matrix4d& probe_to_world) {
  // The image plane is y = 0 in the probe frame.
  return (probe_to_world * Eigen::Vector4d(p[0], 0, p[1], 1)).head<3>();
}

void fill_matrix(igtl::Matrix4x4& m, const Eigen::Matrix3d& axes, const Eigen::Vector3d& pos) {
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) m[r][c] = static_cast<float>(axes(r, c));
    m[r][3] = static_cast<float>(pos(r));
  }
  m[3][0] = m[3][1] = m[3][2] = 0;
  m[3][3] = 1;
}

}  // namespace

Eigen::Matrix4d rigid_transform(const std::vector<double>& row_major, const std::string& param) {
  if (row_major.size() != 16)
    throw std::invalid_argument("parameter '" + param + "' needs 16 numbers (a 4x4 matrix, " +
                                "row by row), got " + std::to_string(row_major.size()));
  Eigen::Matrix4d m;
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) m(r, c) = row_major[static_cast<size_t>(r * 4 + c)];
  if (m.row(3) != Eigen::RowVector4d(0, 0, 0, 1))
    throw std::invalid_argument("parameter '" + param + "' must end with the row 0, 0, 0, 1");
  const Eigen::Matrix3d rot = m.topLeftCorner<3, 3>();
  if (!(rot.transpose() * rot).isIdentity(kOrthoTolerance) ||
      std::abs(rot.determinant() - 1) > kOrthoTolerance)
    throw std::invalid_argument("parameter '" + param +
                                "' must be rigid: its 3x3 part a rotation (orthonormal, "
                                "determinant +1), translation in mm");
  return m;
}

ImageGeometry image_geometry(const Raster& raster, const Eigen::Matrix4d& probe_to_world) {
  if (const auto why = raster.check(); !why.empty()) throw std::invalid_argument(why);
  if (raster.sector)
    throw std::invalid_argument(
        "the image is a polar sector grid (columns are angles): OpenIGTLink IMAGE needs a "
        "Cartesian raster; put scan_convert before igtl_server");
  const Eigen::Matrix4d world = probe_to_world * row_major_4x4(raster.image_to_probe);
  ImageGeometry g;
  g.size[0] = static_cast<int>(raster.width);
  g.size[1] = static_cast<int>(raster.height);
  const Eigen::Vector3d di = world.block<3, 1>(0, 0), dj = world.block<3, 1>(0, 1);
  g.spacing_mm << di.norm(), dj.norm(), 1.0;
  if (g.spacing_mm(0) < kMinAxisMm || g.spacing_mm(1) < kMinAxisMm)
    throw std::invalid_argument("image_to_probe maps columns or rows to a zero length");
  g.axes.col(0) = di / g.spacing_mm(0);
  g.axes.col(1) = dj / g.spacing_mm(1);
  if (std::abs(g.axes.col(0).dot(g.axes.col(1))) > kOrthoTolerance)
    throw std::invalid_argument("image_to_probe is sheared (columns and rows not orthogonal)");
  // The slice normal: image_to_probe's third column when it is a proper normal (its length
  // is then the slice thickness), else i x j with 1 mm.
  const Eigen::Vector3d dk = world.block<3, 1>(0, 2);
  const Eigen::Vector3d normal = g.axes.col(0).cross(g.axes.col(1));
  if (dk.norm() >= kMinAxisMm && std::abs(std::abs(dk.normalized().dot(normal)) - 1) <
                                     kOrthoTolerance) {
    g.spacing_mm(2) = dk.norm();
    g.axes.col(2) = dk.normalized();
  } else {
    g.axes.col(2) = normal;
  }
  g.first_pixel_mm = world.block<3, 1>(0, 3);
  g.centre_mm = g.first_pixel_mm +
                g.axes.col(0) * g.spacing_mm(0) * (g.size[0] - 1) / 2.0 +
                g.axes.col(1) * g.spacing_mm(1) * (g.size[1] - 1) / 2.0;
  return g;
}

Packed image_message(const Raster& raster, const FrameHeader& header, const std::string& device,
                     const Eigen::Matrix4d& probe_to_world) {
  const ImageGeometry g = image_geometry(raster, probe_to_world);
  auto msg = igtl::ImageMessage::New();
  msg->SetDeviceName(device.c_str());
  msg->SetDimensions(g.size[0], g.size[1], 1);
  msg->SetSpacing(static_cast<float>(g.spacing_mm(0)), static_cast<float>(g.spacing_mm(1)),
                  static_cast<float>(g.spacing_mm(2)));
  msg->SetScalarTypeToUint8();
  msg->SetNumComponents(static_cast<int>(raster.channels));
  msg->SetEndian(igtl::ImageMessage::ENDIAN_LITTLE);
  msg->SetCoordinateSystem(igtl::ImageMessage::COORDINATE_RAS);
  igtl::Matrix4x4 m;
  fill_matrix(m, g.axes, g.centre_mm);
  msg->SetMatrix(m);
  msg->AllocateScalars();
  auto* out = static_cast<uint8_t*>(msg->GetScalarPointer());
  if (raster.channels == 3) {
    // SonoFlow rasters are BGR (OpenCV's order); OpenIGTLink RGB images are R, G, B.
    const cv::Mat bgr(g.size[1], g.size[0], CV_8UC3, const_cast<uint8_t*>(raster.pixels.data()));
    cv::Mat rgb(g.size[1], g.size[0], CV_8UC3, out);
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  } else {
    std::memcpy(out, raster.pixels.data(), raster.pixels.size());
  }
  stamp(*msg, header.utc_ns);
  return pack(*msg);
}

Packed points_message(const NeedleFrame& needle, const std::string& device,
                      const std::string& owner_image, const Eigen::Matrix4d& probe_to_world) {
  auto msg = igtl::PointMessage::New();
  msg->SetDeviceName(device.c_str());
  auto add = [&](const char* name, const PointMm& p, igtlUint8 r, igtlUint8 gr, igtlUint8 b) {
    if (!std::isfinite(p[0]) || !std::isfinite(p[1])) return;
    auto e = igtl::PointElement::New();
    e->SetName(name);
    e->SetGroupName("SonoFlow");
    e->SetRGBA(r, gr, b, 255);
    const Eigen::Vector3d w = to_world(p, probe_to_world);
    e->SetPosition(static_cast<float>(w(0)), static_cast<float>(w(1)), static_cast<float>(w(2)));
    e->SetRadius(kPointRadiusMm);
    e->SetOwner(owner_image.c_str());
    msg->AddPointElement(e);
  };
  if (needle.detected) {
    add("Tip", needle.tip_mm, 255, 64, 64);
    add("TrajectoryEnd", needle.trajectory_end_mm, 255, 200, 0);
  }
  if (needle.has_target) add("Target", needle.target_mm, 64, 255, 64);
  if (msg->GetNumberOfPointElement() == 0) return nullptr;
  stamp(*msg, needle.header.utc_ns);
  return pack(*msg);
}

Packed needle_transform_message(const NeedleFrame& needle, const std::string& device,
                                const Eigen::Matrix4d& probe_to_world) {
  if (!needle.detected) return nullptr;
  // Insertion direction in the probe frame (x, y, z): from the shaft start to the tip, or
  // from the reported angle and side when the visible shaft has no length.
  Eigen::Vector3d dir(needle.tip_mm[0] - needle.shaft_start_mm[0], 0,
                      needle.tip_mm[1] - needle.shaft_start_mm[1]);
  if (dir.norm() < kMinAxisMm) {
    const double a = needle.angle_deg * M_PI / 180;
    dir = Eigen::Vector3d(-needle.insertion_side * std::cos(a), 0, std::sin(a));
  }
  Eigen::Matrix3d axes = Eigen::Matrix3d::Identity();
  if (dir.norm() >= kMinAxisMm) {
    const Eigen::Vector3d z = dir.normalized(), y(0, 1, 0);
    axes.col(0) = y.cross(z);
    axes.col(1) = y;
    axes.col(2) = z;
  }
  auto msg = igtl::TransformMessage::New();
  msg->SetDeviceName(device.c_str());
  igtl::Matrix4x4 m;
  fill_matrix(m, probe_to_world.topLeftCorner<3, 3>() * axes,
              to_world(needle.tip_mm, probe_to_world));
  msg->SetMatrix(m);
  stamp(*msg, needle.header.utc_ns);
  return pack(*msg);
}

Packed status_message(int code, const std::string& error_name, const std::string& text,
                      const std::string& device, int64_t utc_ns) {
  auto msg = igtl::StatusMessage::New();
  msg->SetDeviceName(device.c_str());
  msg->SetCode(code);
  msg->SetSubCode(0);
  msg->SetErrorName(error_name.c_str());
  msg->SetStatusString(text.c_str());
  stamp(*msg, utc_ns);
  return pack(*msg);
}

}  // namespace sonoflow::igtl_server
