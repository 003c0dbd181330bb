// metrics_exposition_test: the real bot's metrics endpoint, against the
// simulated exchange on loopback (label integration). With metrics_address
// port 0 the bound address is printed on stderr at start-up (before, the
// port was never shown); the text served there passes prometheus_lint.h
// (before, 61 families had no HELP line). Bounded: the bot runs with a
// duration cap, every wait has a deadline, and the test stops it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/live_bot.h"
#include "sim/exchange/sim_exchange.h"
#include "tests/runtime/prometheus_lint.h"

namespace triarb {
namespace {

using namespace std::chrono_literals;

// Redirects file descriptor 2 into a pipe for its lifetime; a thread copies
// everything to the original stderr and keeps it for text().
class stderr_tap {
 public:
  stderr_tap() {
    saved_ = ::dup(2);
    if (saved_ < 0 || ::pipe(fds_) != 0) return;
    ::dup2(fds_[1], 2);
    reader_ = std::thread([this] {
      char buf[4096];
      for (;;) {
        pollfd p{fds_[0], POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) {
          if (done_.load()) break;
          continue;
        }
        const ssize_t n = ::read(fds_[0], buf, sizeof buf);
        if (n <= 0) break;
        (void)!::write(saved_, buf, static_cast<std::size_t>(n));
        std::lock_guard<std::mutex> lk(mu_);
        text_.append(buf, static_cast<std::size_t>(n));
      }
    });
  }
  ~stderr_tap() {
    if (saved_ >= 0) ::dup2(saved_, 2);
    if (fds_[1] >= 0) ::close(fds_[1]);
    done_.store(true);
    if (reader_.joinable()) reader_.join();
    if (fds_[0] >= 0) ::close(fds_[0]);
    if (saved_ >= 0) ::close(saved_);
  }
  stderr_tap(const stderr_tap&) = delete;
  stderr_tap& operator=(const stderr_tap&) = delete;
  std::string text() {
    std::lock_guard<std::mutex> lk(mu_);
    return text_;
  }

 private:
  int saved_ = -1;
  int fds_[2] = {-1, -1};
  std::atomic<bool> done_{false};
  std::mutex mu_;
  std::string text_;
  std::thread reader_;
};

// GET path on 127.0.0.1:port; everything until the server closes (5 s cap).
std::string http_get(std::uint16_t port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) {
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    char buf[8192];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

TEST(MetricsExposition, PortZeroIsPrintedAndTheEndpointServesWellFormedText) {
  sim_exchange_options xo;
  xo.seed = 3;
  xo.updates_per_second = 2000;
  sim_exchange ex(xo);
  ex.start();
  live_options o;
  o.cfg.rest_url = ex.rest_url();
  o.cfg.ws_url = ex.ws_url();
  o.cfg.metrics_address = "127.0.0.1:0";
  o.cfg.telemetry_interval_ms = 1000;
  o.tls.ca_pem = ex.ca_pem();
  o.journal = false;
  o.duration_ms = 30'000;  // upper bound; the test stops it earlier

  stderr_tap tap;
  live_bot bot(std::move(o));
  std::exception_ptr error;
  std::thread t([&] {
    try {
      (void)bot.run();
    } catch (...) {
      error = std::current_exception();
    }
  });
  // The line naming the bound address, bounded.
  const std::string prefix = "triarb: metrics on 127.0.0.1:";
  std::string port_text;
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (port_text.empty() && std::chrono::steady_clock::now() < until && !error) {
    const std::string err = tap.text();
    const auto at = err.find(prefix);
    const auto nl = at == std::string::npos ? at : err.find('\n', at);
    if (nl != std::string::npos) {
      port_text = err.substr(at + prefix.size(), nl - at - prefix.size());
    } else {
      std::this_thread::sleep_for(10ms);
    }
  }
  std::string body;
  int port = 0;
  if (port_text.empty()) {
    ADD_FAILURE() << "no '" << prefix << "PORT' line on stderr with metrics_address port 0";
  } else {
    port = std::stoi(port_text);
    EXPECT_GT(port, 0) << port_text;
    // Wait until frames flow, so the counters are live, bounded.
    const auto frames_until = std::chrono::steady_clock::now() + 20s;
    while (bot.frames() == 0 && std::chrono::steady_clock::now() < frames_until) {
      std::this_thread::sleep_for(10ms);
    }
    const std::string r = http_get(static_cast<std::uint16_t>(port), "/metrics");
    EXPECT_EQ(r.substr(0, 15), "HTTP/1.1 200 OK") << r.substr(0, 200);
    const auto at = r.find("\r\n\r\n");
    body = at == std::string::npos ? "" : r.substr(at + 4);
  }
  bot.request_stop();
  t.join();
  if (error) std::rethrow_exception(error);
  if (port == 0) return;

  ASSERT_NE(body.find("triarb_feed_frames_received_total "), std::string::npos) << body;
  const std::vector<std::string> problems = prometheus_lint(body);
  std::string all;
  for (const std::string& p : problems) all += "  " + p + "\n";
  EXPECT_TRUE(problems.empty()) << problems.size() << " problems in the exposition, e.g.\n"
                                << all.substr(0, 4000);
  // Every family: count the HELP lines (the lint checked one each, HELP first).
  std::size_t helps = 0, types = 0;
  for (std::size_t p = body.find("# HELP "); p != std::string::npos;
       p = body.find("# HELP ", p + 1)) {
    ++helps;
  }
  for (std::size_t p = body.find("# TYPE "); p != std::string::npos;
       p = body.find("# TYPE ", p + 1)) {
    ++types;
  }
  EXPECT_EQ(helps, types);
  EXPECT_GT(types, 60u) << "every counter group is exported";
  // The frame receive -> decision histogram and its quantile summary.
  EXPECT_NE(body.find("\ntriarb_frame_to_decision_seconds_bucket{le=\"+Inf\"} "), std::string::npos)
      << body;
  EXPECT_NE(body.find("\n# TYPE triarb_frame_to_decision_quantile_seconds summary\n"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find("\ntriarb_frame_to_decision_quantile_seconds_count "), std::string::npos)
      << body;
  // The server's own counters, with the scrape-refusal reasons.
  EXPECT_NE(body.find("triarb_metrics_requests_refused_total{reason=\"method\"} "),
            std::string::npos);
  // The evaluator's wake-up counters (runtime/eval_wakeup.h), each with HELP.
  for (const std::string f : {"spin_found", "recheck_found", "waits", "wakeups", "timeouts",
                              "missed_wakeups", "wait_errors", "notifies"}) {
    EXPECT_NE(body.find("\n# HELP triarb_evaluator_" + f + "_total "), std::string::npos) << f;
    EXPECT_NE(body.find("\ntriarb_evaluator_" + f + "_total "), std::string::npos) << f;
  }
  // Layer four (core/trading_guard.h): the state as a gauge, one sample per
  // state, exactly one of them 1 (which one depends on how many opportunities
  // came first: the simulated exchange's rate may trip the rate guard), and
  // the guard's families, each with HELP and TYPE.
  EXPECT_NE(body.find("\n# TYPE triarb_trading_state gauge\n"), std::string::npos);
  int current = 0;
  for (const char* st : {"active", "reducing", "halted"}) {
    const std::string sample = std::string("\ntriarb_trading_state{state=\"") + st + "\"} ";
    const auto at = body.find(sample);
    ASSERT_NE(at, std::string::npos) << sample;
    const char v = body[at + sample.size()];
    EXPECT_TRUE(v == '0' || v == '1') << sample << v;
    current += v == '1' ? 1 : 0;
  }
  EXPECT_EQ(current, 1);
  for (const std::string f :
       {"triarb_guard_transitions_total{trigger=\"rate\"} ",
        "triarb_opportunities_suppressed_total{reason=\"quarantined\"} ",
        "triarb_guard_quarantined_triangles 0", "triarb_journal_states_total ",
        "triarb_control_refused_total{reason=\"wrong_token\"} 0",
        "triarb_control_requests_total{action=\"resume\"} 0"}) {
    EXPECT_NE(body.find("\n" + f), std::string::npos) << f;
    const std::string family = f.substr(0, f.find_first_of("{ "));
    EXPECT_NE(body.find("\n# HELP " + family + " "), std::string::npos) << family;
  }
}

}  // namespace
}  // namespace triarb
