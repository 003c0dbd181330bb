// metrics_server: Prometheus text exposition over plain HTTP on a loopback
// address, on its own thread (never the feed or evaluator thread). Every GET
// is answered with render(); the renderer reads relaxed counters only.
// Clients are served asynchronously, each with a deadline for its request
// and its response (read_timeout_ms), at most max_connections at once (more
// are closed at once): an idle or slow client delays no other scrape, and
// stop() returns promptly whatever the clients do. Both are counted.
//
//   metrics_server m("127.0.0.1:9464", [&] { return render_prometheus(...); });  // throws
//   m.start();  ...  m.stop();
//
// Also here: the text helpers used by live_bot to render every telemetry
// counter as `triarb_<group>_<name>_total` (histograms: latency_histogram.h).
//
// Thread safety: start/stop from one owner thread; render() runs on the
// server's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "core/telemetry.h"

namespace triarb {

class metrics_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One `# TYPE name counter` block per counter of the block, named
// triarb_<group>_<to_string(counter)>_total.
template <class Enum>
void render_counters(std::string& out, std::string_view group, const counter_block<Enum>& b) {
  for (std::size_t i = 0; i < counter_block<Enum>::kSize; ++i) {
    const Enum c = static_cast<Enum>(i);
    const std::string name =
        "triarb_" + std::string(group) + "_" + std::string(to_string(c)) + "_total";
    out += "# TYPE " + name + " counter\n" + name + " " + std::to_string(b.get(c)) + "\n";
  }
}
// A plain counter (e.g. from journal stats).
void render_counter(std::string& out, std::string_view name, std::uint64_t v);

struct metrics_options {
  std::int64_t read_timeout_ms = 2'000;  // a request not read (or answer not sent) by then: closed
  std::size_t max_connections = 16;      // more at once: closed on accept
};

class metrics_server {
 public:
  // address: "127.0.0.1:PORT" or "[::1]:PORT" (port 0: any). Throws
  // metrics_error for a non-loopback or unparsable address.
  metrics_server(const std::string& address, std::function<std::string()> render,
                 metrics_options opt = {});

  struct counters {
    std::uint64_t served = 0;     // requests answered
    std::uint64_t timed_out = 0;  // closed at the deadline
    std::uint64_t refused = 0;    // closed on accept: max_connections reached
    std::uint64_t bad = 0;        // not an HTTP request (read error other than the deadline)
  };
  [[nodiscard]] counters stats() const noexcept;  // any thread
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

  void start();  // binds (metrics_error if it cannot) and starts the thread
  void stop();   // idempotent
  [[nodiscard]] std::uint16_t port() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace triarb
