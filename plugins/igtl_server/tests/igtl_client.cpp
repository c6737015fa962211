#include "igtl_client.hpp"

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <igtlMessageHeader.h>
#include <igtlPointMessage.h>
#include <igtlStatusMessage.h>
#include <igtlTransformMessage.h>

namespace sonoflow::igtl_test {
namespace {

igtl::MessageBase::Pointer make_body(const std::string& type) {
  if (type == "IMAGE") return igtl::ImageMessage::New().GetPointer();
  if (type == "POINT") return igtl::PointMessage::New().GetPointer();
  if (type == "TRANSFORM") return igtl::TransformMessage::New().GetPointer();
  if (type == "STATUS") return igtl::StatusMessage::New().GetPointer();
  return nullptr;
}

}  // namespace

Message decode(const void* bytes, size_t size) {
  auto header = igtl::MessageHeader::New();
  header->InitPack();
  if (size < static_cast<size_t>(header->GetPackSize()))
    throw std::runtime_error("message shorter than its header");
  std::memcpy(header->GetPackPointer(), bytes, header->GetPackSize());
  header->Unpack();
  Message m;
  m.type = header->GetDeviceType();
  m.device = header->GetDeviceName();
  auto ts = igtl::TimeStamp::New();
  header->GetTimeStamp(ts);
  m.timestamp_ns = ts->GetTimeStampInNanoseconds();
  m.body = make_body(m.type);
  if (!m.body) throw std::runtime_error("unexpected message type " + m.type);
  m.body->SetMessageHeader(header);
  m.body->AllocatePack();
  if (size != static_cast<size_t>(header->GetPackSize() + m.body->GetPackBodySize()))
    throw std::runtime_error("message size does not match its header");
  std::memcpy(m.body->GetPackBodyPointer(), static_cast<const char*>(bytes) + header->GetPackSize(),
              m.body->GetPackBodySize());
  if (!(m.body->Unpack(1) & igtl::MessageHeader::UNPACK_BODY))
    throw std::runtime_error(m.type + " message failed to unpack (CRC)");
  return m;
}

void pixel_position(igtl::ImageMessage& image, double i, double j, double out_mm[3]) {
  int size[3];
  float spacing[3];
  igtl::Matrix4x4 m;
  image.GetDimensions(size);
  image.GetSpacing(spacing);
  image.GetMatrix(m);
  const double di = (i - (size[0] - 1) / 2.0) * spacing[0];
  const double dj = (j - (size[1] - 1) / 2.0) * spacing[1];
  const double dk = (0 - (size[2] - 1) / 2.0) * spacing[2];
  for (int r = 0; r < 3; ++r) out_mm[r] = m[r][3] + di * m[r][0] + dj * m[r][1] + dk * m[r][2];
}

bool Client::connect(int port) { return socket_->ConnectToServer("127.0.0.1", port) == 0; }

bool Client::read_raw(int bytes, int timeout_ms) {
  socket_->SetReceiveTimeout(timeout_ms);
  std::vector<char> buffer(static_cast<size_t>(bytes));
  return socket_->Receive(buffer.data(), bytes) == bytes;
}

std::optional<Message> Client::next(int timeout_ms) {
  socket_->SetReceiveTimeout(timeout_ms);
  auto header = igtl::MessageHeader::New();
  header->InitPack();
  if (socket_->Receive(header->GetPackPointer(), header->GetPackSize()) !=
      header->GetPackSize())
    return std::nullopt;
  header->Unpack();
  Message m;
  m.type = header->GetDeviceType();
  m.device = header->GetDeviceName();
  auto ts = igtl::TimeStamp::New();
  header->GetTimeStamp(ts);
  m.timestamp_ns = ts->GetTimeStampInNanoseconds();
  m.body = make_body(m.type);
  if (!m.body) {
    socket_->Skip(header->GetBodySizeToRead());
    return m;
  }
  m.body->SetMessageHeader(header);
  m.body->AllocatePack();
  const int size = m.body->GetPackBodySize();
  if (socket_->Receive(m.body->GetPackBodyPointer(), size) != size) return std::nullopt;
  if (!(m.body->Unpack(1) & igtl::MessageHeader::UNPACK_BODY))
    throw std::runtime_error(m.type + " message '" + m.device + "' failed to unpack (CRC)");
  return m;
}

std::optional<Message> Client::next_of(const std::string& type, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    auto m = next(static_cast<int>(std::max<int64_t>(left, 1)));
    if (!m) return std::nullopt;
    if (m->type == type) return m;
  }
  return std::nullopt;
}

}  // namespace sonoflow::igtl_test
