// metrics_server: answers scrapes on loopback whatever other clients do. An
// idle client or one that sends half a header must neither block the next
// scrape nor keep stop() from returning (it once did: a blocking read on the
// server's one thread).
#include "runtime/metrics_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>

namespace triarb {
namespace {

// A loopback TCP client with a receive timeout (the test never waits longer).
struct client {
  int fd = -1;
  explicit client(std::uint16_t port, int timeout_s = 5) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
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
  void send(const std::string& s) const { (void)::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }
  // Everything until the server closes (or the receive timeout).
  std::string read_all() const {
    std::string out;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  bool connected = false;
};

std::string scrape(std::uint16_t port) {
  client c(port);
  if (!c.connected) return "";
  c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  return c.read_all();
}

TEST(MetricsServer, AnswersAScrape) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  const std::string r = scrape(m.port());
  EXPECT_NE(r.find("200 OK"), std::string::npos) << r;
  EXPECT_NE(r.find("triarb_up 1"), std::string::npos) << r;
  m.stop();
}

TEST(MetricsServer, AnIdleClientDoesNotBlockTheNextScrape) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  client idle(m.port());
  ASSERT_TRUE(idle.connected);
  client half(m.port());
  ASSERT_TRUE(half.connected);
  half.send("GET /metr");  // half a request line, then nothing
  const std::string r = scrape(m.port());
  EXPECT_NE(r.find("triarb_up 1"), std::string::npos)
      << "the scrape got no answer while another client was idle";
  m.stop();
}

TEST(MetricsServer, StopReturnsWhileAClientSendsHalfAHeader) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  client half(m.port());
  ASSERT_TRUE(half.connected);
  half.send("GET /metrics HTTP/1.1\r\nHo");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the server is reading it
  auto stopped = std::async(std::launch::async, [&m] { m.stop(); });
  EXPECT_EQ(stopped.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "stop() waited on a client";
  // (If it did not return, closing the client lets it; the test stays bounded.)
}

TEST(MetricsServer, AClientThatNeverFinishesItsRequestIsTimedOutAndCounted) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); },
                   {.read_timeout_ms = 200, .max_connections = 4});
  m.start();
  client half(m.port());
  ASSERT_TRUE(half.connected);
  half.send("GET /metrics HTTP/1.1\r\n");
  EXPECT_EQ(half.read_all(), "") << "closed without an answer";
  // Beast closes the socket when the deadline fires, then completes the read
  // with `timeout`, which is when it is counted: the client can see the close
  // first (it did under ASan), so the count is awaited, bounded.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (m.stats().timed_out == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(m.stats().timed_out, 1u);
  m.stop();
}

TEST(MetricsServer, ConnectionsAboveTheBoundAreRefusedAndCounted) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); },
                   {.read_timeout_ms = 5000, .max_connections = 2});
  m.start();
  client a(m.port()), b(m.port());
  ASSERT_TRUE(a.connected && b.connected);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both accepted
  client c(m.port());
  EXPECT_EQ(c.read_all(), "") << "the third connection is closed at once";
  EXPECT_EQ(m.stats().refused, 1u);
  m.stop();
}

}  // namespace
}  // namespace triarb
