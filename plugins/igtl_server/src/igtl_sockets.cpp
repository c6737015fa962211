#include "igtl_sockets.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace sonoflow::igtl_server {

void PeerSocket::shutdown_both() {
  if (m_SocketDescriptor >= 0) ::shutdown(m_SocketDescriptor, SHUT_RDWR);
}

std::string PeerSocket::peer_name() const {
  sockaddr_in addr{};
  socklen_t len = sizeof(addr);
  if (m_SocketDescriptor < 0 ||
      getpeername(m_SocketDescriptor, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return "unknown peer";
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &addr.sin_addr, text, sizeof(text));
  return std::string(text) + ":" + std::to_string(ntohs(addr.sin_port));
}

int Listener::open(int port) {
  CloseSocket();
  m_SocketDescriptor = CreateSocket();
  if (m_SocketDescriptor < 0) return errno;
  // Connections this server closed linger in TIME_WAIT on its port; without this option a
  // restart within a minute cannot bind the same port.
  int on = 1;
  setsockopt(m_SocketDescriptor, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (BindSocket(m_SocketDescriptor, port) != 0 || Listen(m_SocketDescriptor) != 0) {
    const int error = errno;
    CloseSocket();
    return error;
  }
  return 0;
}

PeerSocket::Pointer Listener::accept_peer(unsigned long timeout_ms) {
  if (SelectSocket(m_SocketDescriptor, timeout_ms) != 1) return nullptr;
  const int descriptor = Accept(m_SocketDescriptor);
  if (descriptor < 0) return nullptr;
  auto peer = PeerSocket::New();
  peer->adopt(descriptor);
  return peer;
}

}  // namespace sonoflow::igtl_server
