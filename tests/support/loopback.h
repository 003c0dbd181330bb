// loopback: servers that misbehave, on 127.0.0.1, for tests of the clients.
//
//   silent_server s;                 // accepts (from its backlog), never answers
//   rest_client rest(tls, s.url());  // waits for a TLS ServerHello forever
//   int p = closed_port();           // nothing listens there: connect is refused
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace triarb::test {

// A TCP listener on 127.0.0.1 whose connections are never answered: the
// kernel completes each handshake from the backlog; accept_one() takes one
// (to know a client arrived) and holds it open, unanswered.
class silent_server {
 public:
  silent_server() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::listen(fd_, 8) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    port_ = ntohs(a.sin_port);
  }
  ~silent_server() {
    for (const int c : accepted_) ::close(c);
    ::close(fd_);
  }
  silent_server(const silent_server&) = delete;
  silent_server& operator=(const silent_server&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  // Waits up to timeout_ms for a client; true when one connected.
  bool accept_one(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return false;
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return false;
    accepted_.push_back(c);
    return true;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::vector<int> accepted_;
};

// A port nothing listens on: bound, then closed (another process could take
// it in between; on loopback in a test run, none does).
inline int closed_port() {
  const silent_server s;
  return s.port();
}

}  // namespace triarb::test
