// A test client built on the same library as 3D Slicer's OpenIGTLinkIF: igtl::ClientSocket,
// igtl::MessageHeader and the typed messages, unpacked with their CRC checked. Used by the
// plugin's unit tests and by the pipeline tests in tests/igtl.
#pragma once

#include <optional>
#include <string>

#include <igtlClientSocket.h>
#include <igtlImageMessage.h>
#include <igtlMessageBase.h>

namespace sonoflow::igtl_test {

struct Message {
  std::string type, device;       // e.g. "IMAGE", "SonoFlow_BMode"
  igtl::MessageBase::Pointer body;  // the typed message (ImageMessage, ...), unpacked
  uint64_t timestamp_ns = 0;

  template <class T>
  T* as() const { return dynamic_cast<T*>(body.GetPointer()); }
};

// Unpacks one packed message (header + body) the way a receiver does, CRC checked.
Message decode(const void* bytes, size_t size);

// Where the receiver (3D Slicer's IJK -> RAS) puts pixel (i, j) of an IMAGE: OpenIGTLink's
// matrix holds unit axes and the image *centre*, so pixel (i, j) is at
// centre + (i - (size_i - 1) / 2) * spacing_i * axis_i + (j - (size_j - 1) / 2) * ...
void pixel_position(igtl::ImageMessage& image, double i, double j, double out_mm[3]);

class Client {
 public:
  // Connects to localhost:`port`; false when nobody listens.
  bool connect(int port);
  // The next complete message, or nullopt when none came within `timeout_ms` or the
  // server closed the connection. Throws on a message whose CRC or body does not unpack.
  std::optional<Message> next(int timeout_ms);
  // The next message of `type` (others are skipped), within `timeout_ms` overall.
  std::optional<Message> next_of(const std::string& type, int timeout_ms);
  // Reads exactly `bytes` raw bytes (to stop mid-message on purpose).
  bool read_raw(int bytes, int timeout_ms);
  void close() { socket_->CloseSocket(); }
  bool connected() { return socket_->GetConnected(); }

 private:
  igtl::ClientSocket::Pointer socket_ = igtl::ClientSocket::New();
};

}  // namespace sonoflow::igtl_test
