// metrics_server: Prometheus text exposition over plain HTTP on a loopback
// address, on its own thread (never the feed or evaluator thread). The
// renderer reads relaxed counters only.
//
// What it answers (one request per connection, `Connection: close`):
//   GET /metrics (or /)   200, render() followed by the server's own counters
//   HEAD /metrics (or /)  200, the headers a GET gets (its Content-Length), no body
//   another method        405 with `Allow: GET, HEAD` and a one-line body
//   POST /halt, /resume   the operator's control (the constructor's control):
//                         with `Authorization: Bearer <token>` the action's
//                         answer (200, or its own status, e.g. 409), no
//                         Authorization (or not Bearer) 401, a wrong token 403
//                         (both counted in control_refused); no token set:
//                         404 "control disabled"; another method 405 (Allow: POST)
//   another path          404
//   not HTTP/1.x          400, then closed
//   request line and headers above kMaxRequestHeaderBytes: 431, then closed
//   no complete request header (or the answer not sent) by read_timeout_ms: closed
//   max_connections open already: 503 (best effort), closed at once
// A request body is never read: after answering a request with one, or a
// 400 or 431, the server stops sending and reads what the client still
// sends (up to 1 MiB, bounded by the same deadline) before it closes, so the
// client reads the answer instead of a reset.
//
// Clients are served asynchronously, each with that deadline: an idle or
// slow client delays no other scrape, and stop() returns promptly whatever
// the clients do. Every accepted connection is counted once, served or
// refused with its reason (metrics_refusal), and the server exports its own
// counters after render():
//   triarb_metrics_requests_served_total
//   triarb_metrics_requests_refused_total{reason="<to_string(metrics_refusal)>"}
//   triarb_metrics_accept_errors_total
//   triarb_control_requests_total{action="halt|resume"}  (authenticated, answered)
//   triarb_control_refused_total{reason="missing_token|wrong_token"}
// The token is compared in constant time (CRYPTO_memcmp of both SHA-256
// digests: neither its bytes nor its length leak), and never logged.
//
//   metrics_server m("127.0.0.1:9464", [&] { return render_prometheus(...); });  // throws
//   m.start();  m.local_endpoint();  // "127.0.0.1:9464" (the real port if 0 was asked)
//   m.stop();
//
// Also here: the text helpers used by live_bot to render every telemetry
// counter as `triarb_<group>_<name>_total`, each family with its `# HELP`
// and `# TYPE` lines (histograms: latency_histogram.h).
//
// Thread safety: start/stop from one owner thread; render() runs on the
// server's thread; stats(), port() and local_endpoint() from any thread
// (the last two after start()).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "core/frame_error.h"
#include "core/telemetry.h"
#include "net/conn_policy.h"

namespace triarb {

class metrics_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The HELP text of each telemetry counter, one line, never empty. Exhaustive
// switches: a counter added without one is a -Wswitch warning.
[[nodiscard]] std::string_view metric_help(feed_counter c) noexcept;
[[nodiscard]] std::string_view metric_help(eval_counter c) noexcept;
[[nodiscard]] std::string_view metric_help(frame_errc c) noexcept;
[[nodiscard]] std::string_view metric_help(conn_counter c) noexcept;

// `# HELP name help` and `# TYPE name counter` (help escaped as the format
// asks: backslash and newline).
void render_family(std::string& out, std::string_view name, std::string_view help);
// A label value escaped for the text format (backslash, double quote, newline).
[[nodiscard]] std::string escape_label_value(std::string_view v);

// One family per counter of the block from index `first` on (parse_errors
// starts at 1: frame_errc::ok is not an error), named
// triarb_<group>_<to_string(counter)>_total, HELP from metric_help().
template <class Enum>
void render_counters(std::string& out, std::string_view group, const counter_block<Enum>& b,
                     std::size_t first = 0) {
  for (std::size_t i = first; i < counter_block<Enum>::kSize; ++i) {
    const Enum c = static_cast<Enum>(i);
    const std::string name =
        "triarb_" + std::string(group) + "_" + std::string(to_string(c)) + "_total";
    render_family(out, name, metric_help(c));
    out += name + " " + std::to_string(b.get(c)) + "\n";
  }
}
// A plain counter (e.g. from journal stats), its family and its one sample.
void render_counter(std::string& out, std::string_view name, std::string_view help,
                    std::uint64_t v);

// Why a connection was not served (see the table above).
enum class metrics_refusal : std::uint8_t {
  not_found,      // 404: a path other than /metrics or /
  method,         // 405: a method other than GET or HEAD
  malformed,      // 400: not an HTTP/1.x request (or cut short by the client)
  too_large,      // 431: request line and headers above kMaxRequestHeaderBytes
  timeout,        // no complete request, or the answer not sent, by read_timeout_ms
  over_capacity,  // max_connections already open: 503 (best effort), closed at once
  client_closed,  // closed or reset by the client before a request or before its answer
  kCount,
};
[[nodiscard]] std::string_view to_string(metrics_refusal r) noexcept;
inline constexpr std::size_t kMetricsRefusals = static_cast<std::size_t>(metrics_refusal::kCount);

inline constexpr std::size_t kMaxRequestHeaderBytes = 8 * 1024;  // request line + headers

// The operator's control endpoints (POST /halt, POST /resume).
enum class control_action : std::uint8_t { halt, resume, kCount };
[[nodiscard]] std::string_view to_string(control_action a) noexcept;  // "halt", "resume"
// Why an authenticated-endpoint request was refused (401, 403).
enum class control_refusal : std::uint8_t { missing_token, wrong_token, kCount };
[[nodiscard]] std::string_view to_string(control_refusal r) noexcept;
struct control_answer {
  unsigned status = 200;  // 200, or e.g. 409 (a resume refused while the halt file exists)
  std::string body;       // one line or a small JSON object, saying the new state
};
struct control_options {
  // The bearer token; empty: the control endpoints are disabled (404
  // "control disabled").
  std::string token;
  // Runs on the server's thread for an authenticated request.
  std::function<control_answer(control_action)> act;
};

struct metrics_options {
  std::int64_t read_timeout_ms = 2'000;  // a request not read (or answer not sent) by then: closed
  std::size_t max_connections = 16;      // more at once: 503 and closed on accept
};

class metrics_server {
 public:
  // address: "127.0.0.1:PORT" or "[::1]:PORT" (port 0: any). Throws
  // metrics_error naming the address for a non-loopback or unparsable one:
  // exactly what parse_loopback_address (config.h) refuses.
  // control: the operator's POST /halt and /resume (empty token: disabled).
  metrics_server(const std::string& address, std::function<std::string()> render,
                 metrics_options opt = {}, control_options control = {});

  struct counters {
    std::uint64_t served = 0;                               // 200 answers sent (GET, HEAD)
    std::array<std::uint64_t, kMetricsRefusals> refused{};  // by metrics_refusal
    std::uint64_t accept_errors = 0;  // accept() failed (e.g. no file descriptor left): retried
    // Control requests authenticated and answered, by action; refused, by reason.
    std::array<std::uint64_t, static_cast<std::size_t>(control_action::kCount)> control{};
    std::array<std::uint64_t, static_cast<std::size_t>(control_refusal::kCount)> control_refused{};
    [[nodiscard]] std::uint64_t of(metrics_refusal r) const noexcept {
      return refused[static_cast<std::size_t>(r)];
    }
    [[nodiscard]] std::uint64_t of(control_refusal r) const noexcept {
      return control_refused[static_cast<std::size_t>(r)];
    }
    // Connections accounted for: each accepted one once, when it ends.
    [[nodiscard]] std::uint64_t connections() const noexcept;
  };
  [[nodiscard]] counters stats() const noexcept;  // any thread
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

  void start();  // binds (metrics_error if it cannot) and starts the thread
  void stop();   // idempotent
  [[nodiscard]] std::uint16_t port() const noexcept;  // the bound port (after start())
  // The bound address as "127.0.0.1:PORT" or "[::1]:PORT" (after start()).
  [[nodiscard]] std::string local_endpoint() const;
  // The address asked for port 0 (any free port): the caller says which.
  [[nodiscard]] bool any_port() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace triarb
