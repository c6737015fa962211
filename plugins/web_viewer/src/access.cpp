#include "access.hpp"

#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/URI.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>

namespace sonoflow::web_viewer {

ListenAddress parse_listen(const std::string& text) {
  const std::string hint = " (write HOST:PORT, e.g. 127.0.0.1:8080; port 0 picks a free one)";
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    throw std::invalid_argument("listen '" + text + "' is not HOST:PORT" + hint);
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string port_text = text.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5 ||
      std::stoul(port_text) > 65535)
    throw std::invalid_argument("listen '" + text + "': port '" + port_text +
                                "' must be a number from 0 to 65535" + hint);
  ListenAddress out;
  out.host = host;
  out.port = static_cast<uint16_t>(std::stoul(port_text));
  try {
    // Resolves a host name too; "localhost" is loopback like 127.0.0.1.
    Poco::Net::SocketAddress resolved(host, out.port);
    out.loopback = resolved.host().isLoopback();
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("listen '" + text + "': host '" + host +
                                "' is not an address of this machine: " + e.displayText());
  }
  return out;
}

std::string random_token() {
  std::random_device device;  // the kernel's random source, not a seeded generator
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    uint32_t word = device();
    for (int nibble = 0; nibble < 8; ++nibble, word >>= 4) out += hex[word & 0xf];
  }
  return out;
}

std::string token_of(const std::string& uri, const std::string& authorization,
                     const std::string& token_header) {
  if (!token_header.empty()) return token_header;
  const std::string bearer = "Bearer ";
  if (authorization.compare(0, bearer.size(), bearer) == 0) return authorization.substr(bearer.size());
  try {
    for (const auto& [key, value] : Poco::URI(uri).getQueryParameters())
      if (key == "token") return value;
  } catch (const Poco::Exception&) {
    // A URI that does not parse carries no token; the request is refused for that.
  }
  return {};
}

bool token_matches(const std::string& expected, const std::string& given) {
  if (expected.empty()) return true;
  unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i)
    diff |= static_cast<unsigned char>(expected[i] ^ (i < given.size() ? given[i] : 0));
  return diff == 0;
}

bool same_origin(const std::string& origin, const std::string& host) {
  if (origin.empty()) return true;
  for (const char* scheme : {"http://", "https://"})
    if (origin.rfind(scheme, 0) == 0) return !host.empty() && origin.substr(std::strlen(scheme)) == host;
  return false;  // "null" (a file, a sandbox) or anything else
}

}  // namespace sonoflow::web_viewer
