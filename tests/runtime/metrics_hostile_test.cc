// metrics_hostile_test: the metrics endpoint under hostile clients (labels
// hostile, integration). Loopback only; every wait is bounded (a deadline
// is a failure, never a speed check) and every test stops its server. What
// must hold whatever the client does: each connection is answered or
// refused and counted once (metrics_server::counters::connections), other
// scrapes still get their answer, and the server keeps serving.
#include <arpa/inet.h>
#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "runtime/metrics_server.h"
#include "tests/runtime/http_client.h"

namespace triarb {
namespace {

using namespace std::chrono_literals;

using test::client;
using test::settled;

std::string status_of(const std::string& raw) { return raw.substr(0, raw.find("\r\n")); }

std::string render() { return "# HELP triarb_up Up.\n# TYPE triarb_up gauge\ntriarb_up 1\n"; }

TEST(MetricsHostile, EveryMethodGetsItsAnswerAndIsCounted) {
  metrics_server m("127.0.0.1:0", render);
  m.start();
  struct probe {
    std::string method;
    std::string status;
  };
  const std::vector<probe> probes = {
      {"GET", "HTTP/1.1 200 OK"},
      {"HEAD", "HTTP/1.1 200 OK"},
      {"POST", "HTTP/1.1 405 Method Not Allowed"},
      {"PUT", "HTTP/1.1 405 Method Not Allowed"},
      {"DELETE", "HTTP/1.1 405 Method Not Allowed"},
      {"PATCH", "HTTP/1.1 405 Method Not Allowed"},
      {"OPTIONS", "HTTP/1.1 405 Method Not Allowed"},
      {"TRACE", "HTTP/1.1 405 Method Not Allowed"},
      {"CONNECT", "HTTP/1.1 405 Method Not Allowed"},
      {"PROPFIND", "HTTP/1.1 405 Method Not Allowed"},
      {"get", "HTTP/1.1 405 Method Not Allowed"},  // methods are case-sensitive
      {std::string(1000, 'M'), "HTTP/1.1 405 Method Not Allowed"},
  };
  for (const probe& p : probes) {
    client c(m.port());
    ASSERT_TRUE(c.connected);
    // A body too, which the server must not need to read to answer.
    c.send(p.method + " /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
           std::string(5000, 'b'));
    const std::string r = c.read_all();
    EXPECT_EQ(status_of(r), p.status) << p.method.substr(0, 20);
    EXPECT_TRUE(c.closed) << p.method.substr(0, 20) << ": reset instead of closed";
    if (p.method == "GET") {
      EXPECT_NE(r.find("triarb_up 1"), std::string::npos);
    } else {
      EXPECT_EQ(r.find("triarb_up 1"), std::string::npos) << p.method.substr(0, 20);
    }
  }
  const metrics_server::counters s = settled(m, probes.size());
  EXPECT_EQ(s.served, 2u);
  EXPECT_EQ(s.of(metrics_refusal::method), probes.size() - 2);
  EXPECT_EQ(s.connections(), probes.size());
  m.stop();
}

TEST(MetricsHostile, OversizedRequestsAre431AndTheServerKeepsServing) {
  metrics_server m("127.0.0.1:0", render);
  m.start();
  std::string header_flood = "GET /metrics HTTP/1.1\r\n";
  for (int i = 0; i < 10'000; ++i) header_flood += "X-" + std::to_string(i) + ": y\r\n";
  header_flood += "\r\n";
  const std::vector<std::string> requests = {
      "GET /" + std::string(1'000'000, 'a') + " HTTP/1.1\r\n\r\n",  // a 1 MB request line
      header_flood,
      "GET /metrics HTTP/1.1\r\nX-Big: " + std::string(100'000, 'v') + "\r\n\r\n",
      // Never ends its request line: answered once the limit is reached.
      std::string(200'000, 'G'),
  };
  for (const std::string& req : requests) {
    client c(m.port());
    ASSERT_TRUE(c.connected);
    std::thread sender([&] { c.send(req); });  // the server may answer before it is all sent
    const std::string r = c.read_all();
    sender.join();
    EXPECT_EQ(status_of(r), "HTTP/1.1 431 Request Header Fields Too Large") << req.size();
    EXPECT_NE(r.find(std::to_string(kMaxRequestHeaderBytes)), std::string::npos)
        << "the answer names the limit: " << r;
  }
  EXPECT_EQ(settled(m, requests.size()).of(metrics_refusal::too_large), requests.size());
  EXPECT_NE(test::scrape(m.port()).find("triarb_up 1"), std::string::npos);
  m.stop();
}

TEST(MetricsHostile, GarbageIs400OrClosedAndTheServerKeepsServing) {
  metrics_server m("127.0.0.1:0", render);
  m.start();
  const std::vector<std::string> garbage = {
      std::string("\0\0\0\0\r\n\r\n", 8),
      "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  // a TLS ClientHello's first bytes
      "GET /metrics HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /metrics HTTP/1.1\r\n\tfolded\r\n\r\n",
      "GET /metrics HTTP/1.1\r\nHost: x\r\n",  // then the client stops sending
  };
  for (const std::string& g : garbage) {
    client c(m.port());
    ASSERT_TRUE(c.connected);
    c.send(g);
    ::shutdown(c.fd, SHUT_WR);  // no more from this client
    const std::string r = c.read_all();
    const std::string st = status_of(r);
    EXPECT_TRUE(st == "HTTP/1.1 400 Bad Request" || st == "HTTP/1.1 200 OK")
        << testing::PrintToString(g) << " -> " << r.substr(0, 200);
    EXPECT_TRUE(c.closed) << testing::PrintToString(g);
  }
  const metrics_server::counters s = settled(m, garbage.size());
  EXPECT_EQ(s.connections(), garbage.size()) << "each counted once";
  EXPECT_GE(s.of(metrics_refusal::malformed), garbage.size() - 1);
  EXPECT_NE(test::scrape(m.port()).find("triarb_up 1"), std::string::npos);
  m.stop();
}

// A client that sends its request a byte at a time holds up no other scrape;
// one that keeps sending bytes forever is closed at the deadline (it is for
// the whole request, not per byte) and counted.
TEST(MetricsHostile, ASlowClientBlocksNoScrapeAndOneThatNeverEndsIsTimedOut) {
  {
    metrics_server m("127.0.0.1:0", render, {.read_timeout_ms = 30'000, .max_connections = 16});
    m.start();
    client slow(m.port());
    ASSERT_TRUE(slow.connected);
    const std::string req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
    for (std::size_t i = 0; i < req.size() / 2; ++i) {
      slow.send(req.substr(i, 1));
      std::this_thread::sleep_for(2ms);
    }
    // Half sent: another scrape is answered meanwhile.
    EXPECT_NE(test::scrape(m.port()).find("triarb_up 1"), std::string::npos);
    for (std::size_t i = req.size() / 2; i < req.size(); ++i) {
      slow.send(req.substr(i, 1));
      std::this_thread::sleep_for(2ms);
    }
    EXPECT_NE(slow.read_all().find("triarb_up 1"), std::string::npos);
    EXPECT_EQ(settled(m, 2).served, 2u);
    m.stop();
  }
  {
    metrics_server m("127.0.0.1:0", render, {.read_timeout_ms = 300, .max_connections = 16});
    m.start();
    client drip(m.port(), 1);
    ASSERT_TRUE(drip.connected);
    drip.send("GET /metrics HTTP/1.1\r\n");
    bool server_closed = false;
    // At most 10 s of one header byte every 5 ms; the server closes first.
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!server_closed && std::chrono::steady_clock::now() < until) {
      if (!drip.send("X")) server_closed = true;
      char b;
      if (::recv(drip.fd, &b, 1, MSG_DONTWAIT) == 0) server_closed = true;
      std::this_thread::sleep_for(5ms);
    }
    EXPECT_TRUE(server_closed) << "a client dripping header bytes was never closed";
    EXPECT_EQ(settled(m, 1).of(metrics_refusal::timeout), 1u);
    EXPECT_NE(test::scrape(m.port()).find("triarb_up 1"), std::string::npos);
    m.stop();
  }
}

TEST(MetricsHostile, AnIdleClientBlocksNoScrapeAndIsTimedOut) {
  metrics_server m("127.0.0.1:0", render, {.read_timeout_ms = 300, .max_connections = 16});
  m.start();
  client idle(m.port());
  ASSERT_TRUE(idle.connected);
  EXPECT_NE(test::scrape(m.port()).find("triarb_up 1"), std::string::npos);
  EXPECT_EQ(idle.read_all(), "");
  EXPECT_TRUE(idle.closed) << "not closed by the server within the 10 s receive cap";
  const metrics_server::counters s = settled(m, 2);
  EXPECT_EQ(s.of(metrics_refusal::timeout), 1u);
  EXPECT_EQ(s.served, 1u);
  m.stop();
}

// 200 connections at once against the default 16: each gets a 200 or a 503,
// or (when the server refused it while the client was still sending) a
// close or reset without one; every one is counted, and the server serves
// on afterwards.
TEST(MetricsHostile, TwoHundredConnectionsAtOnceAreEachAnsweredOrRefused) {
  metrics_server m("127.0.0.1:0", render);
  m.start();
  constexpr std::size_t kClients = 200;
  std::vector<std::unique_ptr<client>> cs;
  for (std::size_t i = 0; i < kClients; ++i) {
    cs.push_back(std::make_unique<client>(m.port()));
    ASSERT_TRUE(cs.back()->connected) << i;
  }
  for (auto& c : cs) c->send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  std::size_t ok = 0, busy = 0, silent = 0;
  for (auto& c : cs) {
    const std::string r = c->read_all();
    const std::string st = status_of(r);
    if (st == "HTTP/1.1 200 OK") {
      ++ok;
    } else if (st == "HTTP/1.1 503 Service Unavailable") {
      ++busy;
    } else {
      EXPECT_EQ(r, "") << "neither 200, 503 nor nothing";
      ++silent;
    }
  }
  EXPECT_EQ(ok + busy + silent, kClients);
  EXPECT_GE(ok, 1u);
  const metrics_server::counters s = settled(m, kClients);
  EXPECT_EQ(s.connections(), kClients) << "each connection counted once";
  EXPECT_EQ(s.served, ok);
  EXPECT_EQ(s.served + s.of(metrics_refusal::over_capacity) + s.of(metrics_refusal::client_closed) +
                s.of(metrics_refusal::timeout),
            kClients);
  cs.clear();
  const std::string after = test::scrape(m.port());
  EXPECT_NE(after.find("triarb_up 1"), std::string::npos) << after;
  // The refusals are in the exposition.
  EXPECT_NE(after.find("triarb_metrics_requests_refused_total{reason=\"over_capacity\"} " +
                       std::to_string(m.stats().of(metrics_refusal::over_capacity))),
            std::string::npos)
      << after;
  m.stop();
}

std::size_t highest_open_fd() {
  std::size_t hi = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (const dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') hi = std::max<std::size_t>(hi, std::stoul(e->d_name));
    }
    ::closedir(d);
  }
  return hi;
}

// Out of file descriptors, accept() fails: counted, and accepting resumes
// once descriptors are free (before, the accept loop ended there and the
// endpoint never answered again).
TEST(MetricsHostile, AcceptingResumesAfterRunningOutOfFileDescriptors) {
  metrics_server m("127.0.0.1:0", render);
  m.start();
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &old), 0);
  rlimit tight = old;
  tight.rlim_cur = highest_open_fd() + 1 + 8;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  // Take every descriptor left, then connect: the server has none to accept with.
  std::vector<int> fds;
  int socket_errno = 0;
  for (int i = 0; i < 4096 && socket_errno == 0; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
      socket_errno = errno;
    } else {
      fds.push_back(fd);
    }
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(m.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (const int fd : fds) (void)::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (m.stats().accept_errors == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(5ms);
  }
  for (const int fd : fds) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &old), 0);
  ASSERT_EQ(socket_errno, EMFILE) << "the descriptors did not run out after " << fds.size();
  EXPECT_GT(m.stats().accept_errors, 0u);
  const std::string r = test::scrape(m.port());
  EXPECT_NE(r.find("triarb_up 1"), std::string::npos)
      << "no answer after the server ran out of file descriptors";
  m.stop();
}

}  // namespace
}  // namespace triarb
