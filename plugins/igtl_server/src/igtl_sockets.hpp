// Thin subclasses of libopenigtlink's sockets for a server that must never hang or die
// because of a client. The library's ServerSocket binds without SO_REUSEADDR (a restart
// within a minute of closing connections fails with "address in use") and hides the client
// descriptor, which a clean stop needs: shutdown() is the only way to wake a thread blocked
// in send() to a client that stopped reading. Everything else (select, accept, send,
// timeouts) is the library's own code, reached through its protected members.
#pragma once

#include <string>

#include <igtlClientSocket.h>
#include <igtlServerSocket.h>

namespace sonoflow::igtl_server {

// A connected client, as the library's ClientSocket, plus its descriptor.
class PeerSocket : public igtl::ClientSocket {
 public:
  typedef PeerSocket Self;
  typedef igtl::ClientSocket Superclass;
  typedef igtl::SmartPointer<Self> Pointer;
  igtlTypeMacro(sonoflow::igtl_server::PeerSocket, igtl::ClientSocket)
  igtlNewMacro(sonoflow::igtl_server::PeerSocket);

  void adopt(int descriptor) { m_SocketDescriptor = descriptor; }
  // Wakes a send() blocked on this socket (it then fails) without closing the descriptor,
  // so the thread that owns the socket still closes it exactly once.
  void shutdown_both();
  std::string peer_name() const;

 protected:
  PeerSocket() = default;
  ~PeerSocket() = default;
};

class Listener : public igtl::ServerSocket {
 public:
  typedef Listener Self;
  typedef igtl::ServerSocket Superclass;
  typedef igtl::SmartPointer<Self> Pointer;
  igtlTypeMacro(sonoflow::igtl_server::Listener, igtl::ServerSocket)
  igtlNewMacro(sonoflow::igtl_server::Listener);

  // Listens on every interface at `port` (0: a free port the system picks). Returns 0 on
  // success, else the errno value of what failed.
  int open(int port);
  // Waits up to `timeout_ms` for a client; null when none came.
  PeerSocket::Pointer accept_peer(unsigned long timeout_ms);

 protected:
  Listener() = default;
  ~Listener() = default;
};

}  // namespace sonoflow::igtl_server
