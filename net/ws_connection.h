// ws_connection: one WSS combined-stream connection for a group of symbols
// (Boost.Beast over OpenSSL), the producer side of docs/design.md, contract 3: it tells its
// handler when it is open, hands over every text frame, and reports every
// drop, stall and rotation so the caller invalidates the symbols it carried.
//
//   connect_budget budget(cfg.reconnect_attempts_per_5min);
//   conn_counters counters;
//   auto c = ws_connection::make(ioc, tls, parse_endpoint_url(cfg.ws_url),
//                                {"BNBUSDT", "BTCUSDT"}, /*index=*/0, opts, budget,
//                                counters, handler);    // throws ws_config_error (URL too long)
//   c->start();   // everything else happens on the io_context's thread
//
// Behaviour:
// - Target: `<path>/stream?streams=<lowersym>@bookTicker/...`. Its length is
//   checked against kMaxTargetBytes when the connection is made, BEFORE
//   connecting: a longer target is a ws_config_error naming the length, the
//   limit and the fix (fewer symbols_per_connection).
// - TLS with SNI and host-name verification (tls_client.h).
// - Pings are answered with pongs carrying the same payload (Beast does it
//   while a read is pending, and a read is always pending while open).
// - Every lifecycle decision (connect budget, backoff and jitter, stall,
//   quiet, rotation, serverShutdown, 414/400/429 and certificate failures)
//   is conn_policy's (conn_policy.h): this file feeds it what the socket
//   does, on steady_clock, and carries out what it answers. After
//   serverShutdown the close is clean (a close frame, no read pending); a
//   timed rotation, a stall, a quiet reconnect and stop() close the socket
//   at once, since a read is pending then (see close_cleanly in the .cc).
//
// Thread safety: a connection lives on its own strand of the io_context;
// start/stop/request_rotation and all handler calls happen on the thread
// running that io_context (the feed thread). Counters are written by that
// thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "net/bot_clock.h"
#include "net/conn_policy.h"
#include "net/connect_budget.h"
#include "net/tls_client.h"

namespace boost::asio {
class io_context;
}

namespace triarb {

// The gateway's request-target limit: longer subscription URLs got HTTP 414
// (what taught the old code SYMBOLS_PER_CONNECTION = 200).
inline constexpr std::size_t kMaxTargetBytes = 8192;

class ws_config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `<path>/stream?streams=a@bookTicker/b@bookTicker` with lower-cased names.
[[nodiscard]] std::string build_stream_target(std::string_view path,
                                              const std::vector<std::string>& symbol_names);

// Called on the feed thread.
class ws_handler {
 public:
  virtual ~ws_handler() = default;
  // Subscribed (upgrade accepted): a good moment to re-seed from REST.
  virtual void on_open(std::size_t index) = 0;
  // One text frame; data[0, size + kFramePadding) readable until return.
  virtual void on_frame(std::size_t index, const char* data, std::size_t size,
                        std::int64_t recv_ns) = 0;
  // The open connection is gone (its symbols must be invalidated); a
  // reconnect follows unless it was stopped.
  virtual void on_lost(std::size_t index, drop_reason why) = 0;
  // No data frame for quiet_ms; still open (its symbols must be invalidated).
  // Still none at kQuietReconnectFactor x quiet_ms: on_lost(quiet).
  virtual void on_quiet(std::size_t index) { (void)index; }
  // The connection stopped for good (configuration or trust error).
  virtual void on_fatal(std::size_t index, const std::string& what) = 0;
};

class ws_connection {
 public:
  struct impl;
  // Throws ws_config_error if the target is longer than kMaxTargetBytes
  // (nothing is connected) or symbols is empty.
  [[nodiscard]] static std::shared_ptr<ws_connection> make(
      boost::asio::io_context& ioc, tls_context& tls, const endpoint_url& url,
      const std::vector<std::string>& symbol_names, std::size_t index, const ws_options& o,
      connect_budget& budget, conn_counters& counters, ws_handler& handler);
  ~ws_connection();

  void start();             // posts the first connect to the strand
  void stop();              // closes; no more handler calls after it runs
  void request_rotation();  // from on_frame (serverShutdown): close cleanly, reopen now
  [[nodiscard]] bool is_open() const noexcept;
  [[nodiscard]] bool failed() const noexcept;  // stopped for good by a fatal error
  [[nodiscard]] const std::string& target() const noexcept;

 private:
  explicit ws_connection(std::shared_ptr<impl> p) : impl_(std::move(p)) {}
  std::shared_ptr<impl> impl_;
};

}  // namespace triarb
