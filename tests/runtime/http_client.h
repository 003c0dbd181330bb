// http_client: the raw loopback HTTP client of the metrics server's tests
// (metrics_server_test, metrics_hostile_test): bytes out as given, bytes in
// until the server closes, every receive bounded by a timeout.
//
//   client c(port);  c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
//   const std::string raw = c.read_all();   // c.closed: the server closed
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "runtime/metrics_server.h"

namespace triarb::test {

// A loopback TCP client; every receive waits at most timeout_s.
struct client {
  int fd = -1;
  bool connected = false;
  bool closed = false;  // read_all() saw the server close (not a reset, not the timeout)
  explicit client(std::uint16_t port, int timeout_s = 10) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return;
    timeval tv{timeout_s, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  }
  ~client() {
    if (fd >= 0) ::close(fd);
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  // All of s, or false when the server stopped taking it.
  bool send(const std::string& s) const {
    std::size_t off = 0;
    while (off < s.size()) {
      const ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Everything until the server closes (or the receive timeout: then
  // `closed` stays false).
  std::string read_all() {
    std::string out;
    char buf[8192];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n == 0) closed = true;
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
};

// One GET /metrics and the raw answer ("" when it could not connect).
inline std::string scrape(std::uint16_t port) {
  client c(port);
  if (!c.connected) return "";
  c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  return c.read_all();
}

// Waits (bounded by limit) until n connections are accounted for: the server
// counts a 200 once its write completed, which the client may see first.
inline metrics_server::counters settled(const metrics_server& m, std::uint64_t n,
                                        std::chrono::seconds limit = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (m.stats().connections() < n && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return m.stats();
}

}  // namespace triarb::test
