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
// - TLS with SNI and host-name verification (tls_client.h); a certificate
//   that does not verify is a fatal error for the connection (retrying
//   cannot fix a wrong trust anchor), reported once through on_fatal.
// - Pings are answered with pongs carrying the same payload (Beast does it
//   while a read is pending, and a read is always pending while open). Any
//   frame, ping or pong counts as life; silence past pong_deadline_ms is a
//   dead connection (stalled): dropped and reconnected.
// - Quiet: no data frame for quiet_ms (pings do not count) while open: the
//   handler's on_quiet is called once (its symbols are then invalidated
//   until each gets a fresh frame), counted; the connection stays open. A
//   busy group of streams is never that quiet, so it is the fast sign of a
//   stall: the pong deadline (a minute on Binance) is far longer than
//   max_leg_age, and legs frozen by a stalled connection would stay usable
//   until then.
// - Rotation: after rotate_after_ms open (before the server's 24 h limit),
//   and when the handler calls request_rotation() (serverShutdown), the
//   connection is closed and reopened at once (no backoff). After
//   serverShutdown the close is clean (a close frame, no read pending); a
//   timed rotation and stop() close the socket at once, since a read is
//   pending then (see close_cleanly in the .cc).
// - Reconnects: exponential backoff with full jitter (backoff_initial_ms
//   doubling to backoff_max_ms), and every attempt of every connection takes
//   one token of the shared connect_budget (the exchange allows
//   reconnect_attempts_per_5min per IP); with no token left it waits.
// - Upgrade refused with HTTP 414 or 400: a configuration error (too long a
//   URL, too many or unknown streams): counted, reported through on_fatal,
//   the connection stops -- no retry storm. HTTP 429: counted, and the next
//   attempt waits at least backoff_429_ms.
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

#include "core/telemetry.h"
#include "net/bot_clock.h"
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

enum class conn_counter : std::uint8_t {
  connect_attempts,     // TCP connects started
  connects_opened,      // WebSocket upgrades that succeeded
  connect_failures,     // resolve/TCP/TLS/handshake failures (any)
  tls_verify_failures,  // the peer's certificate did not verify (fatal)
  http_414,             // upgrade refused: URI too long (fatal, configuration)
  http_400,             // upgrade refused: bad request, e.g. too many streams (fatal)
  http_429,             // upgrade refused: too many connection attempts (backs off)
  http_other,           // upgrade refused with another status
  drops,                // an open connection failed (read error, reset, close)
  stalls,               // silence past pong_deadline_ms
  quiet,                // no data frame for quiet_ms (symbols invalidated, still open)
  rotations,            // rotate_after_ms reached
  server_shutdowns,     // serverShutdown received (rotation)
  budget_waits,         // an attempt waited for the connect budget
  fatal_stops,          // connections stopped for good (fatal errors)
  frames,               // text frames received
  kCount,
};
[[nodiscard]] std::string_view to_string(conn_counter c) noexcept;
using conn_counters = counter_block<conn_counter>;

enum class drop_reason : std::uint8_t { error, stalled, rotated, server_shutdown };
[[nodiscard]] std::string_view to_string(drop_reason r) noexcept;

struct ws_options {
  std::int64_t pong_deadline_ms = 60'000;
  std::int64_t quiet_ms = 0;  // 0: off (see Quiet above)
  std::int64_t rotate_after_ms = 23LL * 3600 * 1000;
  std::int64_t handshake_timeout_ms = 10'000;
  std::int64_t backoff_initial_ms = 250;
  std::int64_t backoff_max_ms = 30'000;
  std::int64_t backoff_429_ms = 30'000;
  std::uint64_t jitter_seed = 0x7419a3;
  // Stamps each frame's receive time (nullptr: bot_clock::process()).
  // REQUIRES: outlives the connection.
  const bot_clock* clock = nullptr;
};

// Called on the feed thread.
class ws_handler {
 public:
  virtual ~ws_handler() = default;
  // Subscribed (upgrade accepted): a good moment to re-seed from REST.
  virtual void on_open(std::size_t index) = 0;
  // One text frame; data[0, size + kFramePadding) readable until return.
  virtual void on_frame(std::size_t index, const char* data, std::size_t size,
                        std::int64_t recv_ns) = 0;
  // The open connection is gone (its symbols must be invalidated).
  virtual void on_lost(std::size_t index, drop_reason why) = 0;
  // No data frame for quiet_ms; still open (its symbols must be invalidated).
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
