// metrics_server: answers scrapes on loopback whatever other clients do. An
// idle client or one that sends half a header must neither block the next
// scrape nor keep stop() from returning (it once did: a blocking read on the
// server's one thread). GET answers, HEAD answers without the body, other
// methods are 405, other paths 404, malformed requests 400 and oversized
// ones 431 (before: HEAD got the body, DELETE and PUT the metrics, POST with
// a body and bad or oversized requests a bare close), each refusal counted.
// The address it binds is exactly what validation accepts. Hostile
// clients: metrics_hostile_test.cc.
#include "runtime/metrics_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "config/config.h"
#include "tests/runtime/http_client.h"
#include "tests/runtime/prometheus_lint.h"

namespace triarb {
namespace {

using test::client;
using test::scrape;
using test::settled;

// One raw request and what came back before the server closed.
struct reply {
  std::string raw;
  bool closed = false;
  [[nodiscard]] std::string status_line() const { return raw.substr(0, raw.find("\r\n")); }
  [[nodiscard]] std::string head() const { return raw.substr(0, raw.find("\r\n\r\n")); }
  [[nodiscard]] std::string body() const {
    const auto at = raw.find("\r\n\r\n");
    return at == std::string::npos ? "" : raw.substr(at + 4);
  }
  // The value of header `name` (as the server spells it), "" if absent.
  [[nodiscard]] std::string header(const std::string& name) const {
    const std::string h = head();
    const auto at = h.find("\r\n" + name + ": ");
    if (at == std::string::npos) return "";
    const auto from = at + name.size() + 4;
    return h.substr(from, h.find("\r\n", from) - from);
  }
};
reply exchange(std::uint16_t port, const std::string& request) {
  client c(port);
  if (!c.connected) return {};
  c.send(request);
  reply r;
  r.raw = c.read_all();
  r.closed = c.closed;
  return r;
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
  // If it did not return, closing the client lets it, before the future's
  // destructor waits on it: the test stays bounded.
  ::shutdown(half.fd, SHUT_RDWR);
}

// After stop() the port no longer listens: a connection is refused at once
// instead of queuing in the backlog with no answer (the posted close rarely
// ran before the context stopped).
TEST(MetricsServer, StopClosesTheListeningPort) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  const std::uint16_t port = m.port();
  EXPECT_NE(scrape(port).find("triarb_up 1"), std::string::npos);
  m.stop();
  client late(port);
  EXPECT_FALSE(late.connected) << "port " << port << " still accepts after stop()";
}

// This server speaks HTTP/1.0 and 1.1: any other version is a malformed
// request (Beast's parser refuses it), answered 400 as HTTP/1.1 and counted,
// never echoed back as "HTTP/2.0 200 OK".
TEST(MetricsServer, AVersionOtherThanHttp1xIs400) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  for (const char* version : {"HTTP/2.0", "HTTP/0.9", "HTTP/1.2"}) {
    client c(m.port());
    ASSERT_TRUE(c.connected);
    c.send(std::string("GET /metrics ") + version + "\r\nHost: x\r\n\r\n");
    const std::string r = c.read_all();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 400 Bad Request\r\n")) << version << ": " << r;
  }
  for (const char* version : {"HTTP/1.0", "HTTP/1.1"}) {
    client c(m.port());
    ASSERT_TRUE(c.connected);
    c.send(std::string("GET /metrics ") + version + "\r\nHost: x\r\n\r\n");
    EXPECT_NE(c.read_all().find("triarb_up 1"), std::string::npos) << version;
  }
  EXPECT_EQ(m.stats().of(metrics_refusal::malformed), 3u);
  m.stop();
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
  while (m.stats().of(metrics_refusal::timeout) == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(m.stats().of(metrics_refusal::timeout), 1u);
  EXPECT_EQ(m.stats().connections(), 1u) << "counted once";
  m.stop();
}

TEST(MetricsServer, ConnectionsAboveTheBoundAreRefusedAndCounted) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); },
                   {.read_timeout_ms = 5000, .max_connections = 2});
  m.start();
  client a(m.port()), b(m.port());
  ASSERT_TRUE(a.connected && b.connected);
  // Until both are accepted a third may be taken as a session: connect until
  // one is refused (bounded), not after a sleep that a loaded machine outruns.
  std::string r;
  bool refused = false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!refused && std::chrono::steady_clock::now() < until) {
    client c(m.port());
    c.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    r = c.read_all();
    refused = r.starts_with("HTTP/1.1 503 Service Unavailable\r\n") && c.closed;
  }
  EXPECT_TRUE(refused) << "no connection over the bound of 2 got a 503: " << r;
  EXPECT_GE(m.stats().of(metrics_refusal::over_capacity), 1u);
  m.stop();
}

// The method decides: GET answers, HEAD answers the same headers without the
// body, anything else is 405 naming what is allowed. Before, HEAD got the
// body, DELETE the metrics and POST (with a body) no answer at all.
TEST(MetricsServer, GetAnswersTheMetrics) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  const reply r = exchange(m.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status_line(), "HTTP/1.1 200 OK") << r.raw;
  EXPECT_EQ(r.body().substr(0, 12), "triarb_up 1\n") << r.raw;
  EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body().size())) << r.raw;
  EXPECT_TRUE(r.closed);
  m.stop();
}

TEST(MetricsServer, HeadAnswersTheHeadersOfAGetWithoutTheBody) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  const reply get = exchange(m.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  const reply head = exchange(m.port(), "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(head.status_line(), "HTTP/1.1 200 OK") << head.raw;
  EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body().size())) << head.raw;
  EXPECT_NE(head.raw.find("\r\n\r\n"), std::string::npos) << head.raw;
  EXPECT_EQ(head.body(), "") << "HEAD sent a body";
  EXPECT_TRUE(head.closed);
  const metrics_server::counters c = settled(m, 2);
  EXPECT_EQ(c.served, 2u);
  EXPECT_EQ(c.connections(), 2u);
  m.stop();
}

TEST(MetricsServer, AnyOtherMethodIs405WithAllow) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  for (const std::string& req :
       {std::string("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\na=1"),
        std::string("POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("PUT /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
        std::string("DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("PATCH /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("OPTIONS /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("TRACE /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
        std::string("BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n")}) {
    const reply r = exchange(m.port(), req);
    const std::string method = req.substr(0, req.find(' '));
    EXPECT_EQ(r.status_line(), "HTTP/1.1 405 Method Not Allowed") << method << ": " << r.raw;
    EXPECT_EQ(r.header("Allow"), "GET, HEAD") << method << ": " << r.raw;
    EXPECT_NE(r.body(), "") << method;
    EXPECT_EQ(r.raw.find("triarb_up"), std::string::npos) << method << " got the metrics";
    EXPECT_TRUE(r.closed) << method;
  }
  EXPECT_EQ(settled(m, 8).of(metrics_refusal::method), 8u);
  EXPECT_EQ(m.stats().served, 0u);
  m.stop();
}

// POST /halt and /resume: the token compared, every refusal counted, the
// action run only with the right token; without a token set, 404.
TEST(MetricsServerControl, OnlyTheRightBearerTokenReachesTheAction) {
  std::atomic<int> halts{0}, resumes{0};
  control_options co;
  co.token = "s3cret-token";
  co.act = [&](control_action a) {
    (a == control_action::halt ? halts : resumes).fetch_add(1);
    return control_answer{
        200, a == control_action::halt ? "{\"state\":\"halted\"}\n" : "{\"state\":\"active\"}\n"};
  };
  metrics_server m(
      "127.0.0.1:0",
      [] {
        std::string out;
        render_counter(out, "triarb_up_total", "Always 1.", 1);
        return out;
      },
      {}, co);
  m.start();
  const auto post = [&](const std::string& path, const std::string& auth) {
    return exchange(
        m.port(), "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Length: 0\r\n\r\n");
  };
  reply r = post("/halt", "");
  EXPECT_EQ(r.status_line(), "HTTP/1.1 401 Unauthorized") << r.raw;
  EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer") << r.raw;
  r = post("/halt", "Authorization: Basic czNjcmV0\r\n");
  EXPECT_EQ(r.status_line(), "HTTP/1.1 401 Unauthorized") << r.raw;
  r = post("/halt", "Authorization: Bearer s3cret-tokeN\r\n");
  EXPECT_EQ(r.status_line(), "HTTP/1.1 403 Forbidden") << r.raw;
  r = post("/resume", "Authorization: Bearer s3cret\r\n");  // a prefix of it
  EXPECT_EQ(r.status_line(), "HTTP/1.1 403 Forbidden") << r.raw;
  EXPECT_EQ(r.raw.find("s3cret-token"), std::string::npos) << "the token leaked: " << r.raw;
  EXPECT_EQ(halts.load() + resumes.load(), 0) << "a refused request reached the action";
  r = post("/halt", "Authorization: Bearer s3cret-token\r\n");
  EXPECT_EQ(r.status_line(), "HTTP/1.1 200 OK") << r.raw;
  EXPECT_EQ(r.body(), "{\"state\":\"halted\"}\n");
  r = post("/resume", "Authorization: bearer  s3cret-token \r\n");
  EXPECT_EQ(r.status_line(), "HTTP/1.1 200 OK") << r.raw;
  EXPECT_EQ(r.body(), "{\"state\":\"active\"}\n");
  r = exchange(m.port(), "GET /halt HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status_line(), "HTTP/1.1 405 Method Not Allowed") << r.raw;
  EXPECT_EQ(r.header("Allow"), "POST") << r.raw;
  EXPECT_EQ(halts.load(), 1);
  EXPECT_EQ(resumes.load(), 1);
  const metrics_server::counters c = settled(m, 7);
  EXPECT_EQ(c.of(control_refusal::missing_token), 2u);
  EXPECT_EQ(c.of(control_refusal::wrong_token), 2u);
  EXPECT_EQ(c.control[static_cast<std::size_t>(control_action::halt)], 1u);
  EXPECT_EQ(c.control[static_cast<std::size_t>(control_action::resume)], 1u);
  EXPECT_EQ(c.of(metrics_refusal::method), 1u);
  EXPECT_EQ(c.connections(), 7u);
  const reply scraped = exchange(m.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_NE(scraped.body().find("triarb_control_refused_total{reason=\"wrong_token\"} 2"),
            std::string::npos)
      << scraped.body();
  EXPECT_NE(scraped.body().find("triarb_control_requests_total{action=\"halt\"} 1"),
            std::string::npos)
      << scraped.body();
  EXPECT_TRUE(prometheus_lint(scraped.body()).empty())
      << testing::PrintToString(prometheus_lint(scraped.body()));
  m.stop();
}

TEST(MetricsServerControl, WithoutATokenTheEndpointsSayControlDisabled) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  for (const char* path : {"/halt", "/resume"}) {
    const reply r = exchange(m.port(), std::string("POST ") + path +
                                           " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer x"
                                           "\r\nContent-Length: 0\r\n\r\n");
    EXPECT_EQ(r.status_line(), "HTTP/1.1 404 Not Found") << r.raw;
    EXPECT_NE(r.body().find("control disabled"), std::string::npos) << r.raw;
  }
  EXPECT_EQ(settled(m, 2).of(metrics_refusal::not_found), 2u);
  m.stop();
}

TEST(MetricsServer, AnUnknownPathIs404) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  for (const char* path : {"/metricsx", "/metrics/", "/favicon.ico", "*"}) {
    const reply r = exchange(m.port(), std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(r.status_line(), "HTTP/1.1 404 Not Found") << path << ": " << r.raw;
    EXPECT_EQ(r.raw.find("triarb_up"), std::string::npos) << path;
  }
  EXPECT_EQ(settled(m, 4).of(metrics_refusal::not_found), 4u);
  m.stop();
}

// A request that is not HTTP is answered 400 and closed (before: closed
// without a word).
TEST(MetricsServer, AMalformedRequestIs400AndClosed) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  for (const std::string& req :
       {std::string("\x01\x02\x03\r\n\r\n"), std::string("GET /metrics\r\n\r\n"),
        std::string("GET /metrics HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("GET /metrics HTTP/1.1\r\nContent-Length: x\r\n\r\n"),
        std::string("GET  /metrics HTTP/1.1\r\n\r\n"), std::string("GET /metrics HTTP/1.1\n\n")}) {
    const reply r = exchange(m.port(), req);
    EXPECT_EQ(r.status_line(), "HTTP/1.1 400 Bad Request")
        << testing::PrintToString(req) << ": " << r.raw;
    EXPECT_TRUE(r.closed) << testing::PrintToString(req);
  }
  EXPECT_EQ(settled(m, 6).of(metrics_refusal::malformed), 6u);
  m.stop();
}

// A request line or header block above the limit is answered 431 and
// closed (before: closed without a word).
TEST(MetricsServer, AnOversizedRequestLineOrHeaderBlockIs431AndClosed) {
  metrics_server m("127.0.0.1:0", [] { return std::string("triarb_up 1\n"); });
  m.start();
  std::string many_headers = "GET /metrics HTTP/1.1\r\n";
  for (int i = 0; i < 400; ++i)
    many_headers += "X-Filler-" + std::to_string(i) + ": " + std::string(60, 'v') + "\r\n";
  many_headers += "\r\n";
  for (const std::string& req :
       {"GET /" + std::string(20'000, 'a') + " HTTP/1.1\r\n\r\n", many_headers}) {
    const reply r = exchange(m.port(), req);
    EXPECT_EQ(r.status_line(), "HTTP/1.1 431 Request Header Fields Too Large")
        << req.size() << " bytes: " << r.raw.substr(0, 200);
    EXPECT_TRUE(r.closed) << "a reset instead of a close: the answer may be lost";
  }
  EXPECT_EQ(settled(m, 2).of(metrics_refusal::too_large), 2u);
  m.stop();
}

// The server's own families pass the lint, after render()'s, with HELP.
TEST(MetricsServer, ItsOwnCountersAreWellFormedAndNameEachRefusal) {
  metrics_server m("127.0.0.1:0", [] {
    std::string out;
    render_counter(out, "triarb_up_total", "Up.\nTwo lines, a back\\slash.", 1);
    return out;
  });
  m.start();
  (void)exchange(m.port(), "DELETE /metrics HTTP/1.1\r\n\r\n");
  const reply r = exchange(m.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  const std::vector<std::string> problems = prometheus_lint(r.body());
  EXPECT_TRUE(problems.empty()) << testing::PrintToString(problems) << r.body();
  EXPECT_NE(r.body().find("# HELP triarb_up_total Up.\\nTwo lines, a back\\\\slash.\n"),
            std::string::npos)
      << r.body();
  for (std::size_t i = 0; i < kMetricsRefusals; ++i) {
    const std::string reason(to_string(static_cast<metrics_refusal>(i)));
    EXPECT_NE(r.body().find("triarb_metrics_requests_refused_total{reason=\"" + reason + "\"} " +
                            (reason == "method" ? "1" : "0") + "\n"),
              std::string::npos)
        << reason << "\n"
        << r.body();
  }
  m.stop();
}

// The lint itself finds each problem it checks for (so a clean result means
// something).
TEST(PrometheusLint, FindsEachProblem) {
  const std::string ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{l=\"x\\\"y\"} 1\n";
  EXPECT_TRUE(prometheus_lint(ok).empty()) << testing::PrintToString(prometheus_lint(ok));
  for (const char* bad : {
           "# TYPE a_total counter\na_total 1\n",                     // no HELP
           "# HELP a_total \n# TYPE a_total counter\na_total 1\n",    // empty HELP
           "# TYPE a_total counter\n# HELP a_total A.\na_total 1\n",  // HELP after TYPE
           "# HELP a_total A.\n# HELP a_total A.\n# TYPE a_total counter\na_total 1\n",
           "# HELP a_total A.\n# TYPE a_total counter\n# TYPE a_total counter\na_total 1\n",
           "# HELP a_total A.\n# TYPE a_total counter\nb_total 1\n",               // foreign sample
           "# HELP a_total A.\n# TYPE a_total counter\n",                          // no sample
           "# HELP 1a_total A.\n# TYPE 1a_total counter\n1a_total 1\n",            // bad name
           "# HELP a_total A.\n# TYPE a_total counter\na_total{l=\"x\\qy\"} 1\n",  // escape
           "# HELP a_total A.\n# TYPE a_total counter\na_total{l=\"x\"} 1\na_total{l=\"x\"} 2\n",
           "# HELP a_total A.\n# TYPE a_total counter\na_total one\n",  // not a number
           "# HELP a A.\n# TYPE a counter\na 1\n",                      // counter sans _total
           "# HELP h A.\n# TYPE h histogram\nh_bucket 1\nh_sum 1\nh_count 1\n",  // no le
           "triarb_up 1\n",                                                      // no family
       }) {
    EXPECT_FALSE(prometheus_lint(bad).empty()) << bad;
  }
}

// Finding 4: the address parser is strict, and the server binds exactly what
// validate() accepts (parse_loopback_address): before, "127.0.0.01:9464"
// passed validation, then the server refused it as "not loopback".
TEST(MetricsServer, BindsExactlyTheAddressesValidationAccepts) {
  for (const char* bad : {"127.0.0.1:19467abc",
                          "127.0.0.1: 19468",
                          "127.0.0.1:+1",
                          "127.0.0.1:-1",
                          "127.0.0.1:65536",
                          "127.0.0.1:99999999999",
                          "127.0.0.1:",
                          "[::1]:",
                          "127.0.0.1",
                          "[::1]",
                          ":9464",
                          "localhost:9464",
                          "127.0.0.1:0x10",
                          "127.0.0.1:1 ",
                          " 127.0.0.1:1",
                          "127.0.0.01:9464",
                          "127.0.0.1.:9464",
                          "127.0.0:9464",
                          "0.0.0.0:9464",
                          "[::]:9464",
                          "[::ffff:127.0.0.1]:9464",
                          "127.0.0.1:9464\n"}) {
    EXPECT_FALSE(parse_loopback_address(bad).has_value()) << bad;
    try {
      metrics_server m(bad, [] { return std::string(); });
      ADD_FAILURE() << "'" << bad << "' was accepted by the metrics server";
    } catch (const metrics_error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
  for (const char* good : {"127.0.0.1:0", "[::1]:0", "127.1.2.3:0", "127.0.0.1:00"}) {
    EXPECT_TRUE(parse_loopback_address(good).has_value()) << good;
    EXPECT_NO_THROW(metrics_server(good, [] { return std::string(); })) << good;
  }
}

}  // namespace
}  // namespace triarb
