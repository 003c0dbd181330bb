// rest_client_test: a request to a server that accepts and never answers
// ends when the caller says stop (Ctrl-C, --duration), not after the request
// timeout. Loopback only: a listening socket nobody reads.
#include "net/rest_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/error.hpp>
#include <chrono>
#include <string>

namespace triarb {
namespace {

// A TCP listener on 127.0.0.1 that never accepts: the kernel completes the
// handshake from its backlog, so a client connects and then waits forever
// for a TLS ServerHello.
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
  ~silent_server() { ::close(fd_); }
  silent_server(const silent_server&) = delete;
  silent_server& operator=(const silent_server&) = delete;
  [[nodiscard]] std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(RestClient, AStopRequestEndsARequestTheServerNeverAnswers) {
  silent_server server;
  tls_context tls({});
  rest_options o;
  o.request_timeout = std::chrono::minutes(10);  // never reached: the stop ends it
  std::atomic<int> polls{0};
  o.stop = [&polls] { return polls.fetch_add(1) >= 3; };  // stop on the fourth poll
  rest_client rest(tls, server.url(), o);
  boost::system::error_code ec;
  const http_result r = rest.get("/api/v3/exchangeInfo", ec);
  EXPECT_EQ(ec, boost::asio::error::operation_aborted) << ec.message();
  EXPECT_EQ(r.status, 0);
  EXPECT_GE(polls.load(), 4) << "the stop predicate was polled while waiting";
  try {
    (void)rest.get_ok("/api/v3/exchangeInfo");
    ADD_FAILURE() << "get_ok returned";
  } catch (const rest_stopped& e) {
    EXPECT_NE(std::string(e.what()).find("stopped"), std::string::npos) << e.what();
  }
}

TEST(RestClient, WithoutAStopTheRequestTimeoutStillEndsIt) {
  silent_server server;
  tls_context tls({});
  rest_options o;
  o.request_timeout = std::chrono::milliseconds(200);
  rest_client rest(tls, server.url(), o);
  boost::system::error_code ec;
  (void)rest.get("/api/v3/exchangeInfo", ec);
  EXPECT_TRUE(ec) << "a silent server is an error";
  EXPECT_NE(ec, boost::asio::error::operation_aborted) << ec.message();
}

}  // namespace
}  // namespace triarb
