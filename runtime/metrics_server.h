// metrics_server: Prometheus text exposition over plain HTTP on a loopback
// address, on its own thread (never the feed or evaluator thread). Every GET
// is answered with render(); the renderer reads relaxed counters only.
//
//   metrics_server m("127.0.0.1:9464", [&] { return render_prometheus(...); });  // throws
//   m.start();  ...  m.stop();
//
// Also here: latency_histogram (log-spaced buckets, single writer, any reader)
// and the text helpers used by live_bot to render every telemetry counter as
// `triarb_<group>_<name>_total`.
//
// Thread safety: start/stop from one owner thread; render() runs on the
// server's thread. latency_histogram: record() from one writer thread,
// reads from any thread.
#pragma once

#include <array>
#include <atomic>
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

// Bucket i holds values <= bound(i) ns; bounds grow by 2^(1/4) from 250 ns
// to ~70 s; the last bucket is +Inf.
class latency_histogram {
 public:
  static constexpr std::size_t kBuckets = 116;
  [[nodiscard]] static std::int64_t bound(std::size_t i) noexcept;  // REQUIRES: i + 1 < kBuckets
  // REQUIRES: the single writer thread.
  void record(std::int64_t ns) noexcept;
  [[nodiscard]] std::uint64_t count() const noexcept;
  [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept;
  [[nodiscard]] std::int64_t sum_ns() const noexcept;
  // Upper bound of the bucket holding quantile q (0..1); 0 if empty.
  [[nodiscard]] std::int64_t quantile_ns(double q) const noexcept;
  // `name_bucket{le=...}`, `name_sum`, `name_count` in seconds.
  void render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::int64_t> sum_{0};
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

class metrics_server {
 public:
  // address: "127.0.0.1:PORT" or "[::1]:PORT" (port 0: any). Throws
  // metrics_error for a non-loopback or unparsable address.
  metrics_server(const std::string& address, std::function<std::string()> render);
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
