// conn_policy: every lifecycle decision of one WebSocket connection, with no
// sockets, timers or threads (sans-I/O). ws_connection.cc is its adapter on
// Beast and steady_clock; the in-process campaign (harness/campaign.cc) drives
// the same class on simulated time, so the campaign's seeds exercise the
// policy the bot runs.
//
//   conn_policy p(opts, /*index=*/0, budget, counters);
//   conn_action a = p.on_timer(now);         // start: connect now, or wait
//   ... a.k == conn_action::kind::connect: start the attempt, then one of
//   p.on_open(now);  p.on_connect_failed(now, connect_failure::transport, 0, "tcp");
//   p.on_data(now);  p.on_control(now);       // data frame / ping, pong, close
//   a = p.on_tick(now);                       // every tick_period_ms(): stall,
//                                             // quiet, rotation
//   a = p.on_read_error(now);  a = p.on_server_shutdown(now);
//
// Rules (docs/design.md, contract 3):
// - Every attempt takes a token of the shared connect_budget; with none left
//   the answer is `wait` until one frees up (counted: budget_waits).
// - Backoff: the n-th consecutive failed attempt or unplanned loss waits a
//   uniform draw from [cap/2, cap], cap = min(backoff_initial_ms << n,
//   backoff_max_ms) (jitter spreads reconnects of many connections; the
//   lower half keeps a storm from reconnecting at once). It starts over after
//   a connection that carried data for backoff_reset_after_ms: a server that
//   accepts and drops at once, or a stream that opens silent, keeps growing it.
// - HTTP 429 on the upgrade: the next attempt waits at least backoff_429_ms.
//   HTTP 414 or 400 (too long a target, too many or unknown streams) and a
//   certificate that does not verify: fatal, never retried.
// - Stall: no frame of any kind (data, ping, pong, close) for
//   pong_deadline_ms, or for kQuietReconnectFactor x quiet_ms when quiet is
//   on: lost (stalled), reconnect after backoff.
// - Quiet: no data frame for quiet_ms (pings do not count): `quiet` once (its
//   symbols are invalidated; still open). Still no data at
//   kQuietReconnectFactor x quiet_ms while pings or pongs still arrive: lost
//   (quiet), reconnect after backoff (a stream that stopped sending data
//   while the socket answers pings would otherwise never recover).
// - Rotation: open for rotate_after_ms, or serverShutdown received: lost
//   (rotated / server_shutdown), reconnect at once, no backoff.
//
// Thread safety: one thread (the connection's strand). Counters are written
// by that thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>  // std::mt19937_64 (its output is specified exactly)
#include <string>
#include <string_view>

#include "core/telemetry.h"
#include "net/bot_clock.h"
#include "net/connect_budget.h"

namespace triarb {

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
  stalls,               // no frame at all past pong_deadline_ms (or 4 x quiet_ms)
  quiet,                // no data frame for quiet_ms (symbols invalidated, still open)
  quiet_reconnects,     // still no data at kQuietReconnectFactor x quiet_ms: reconnected
  rotations,            // rotate_after_ms reached
  server_shutdowns,     // serverShutdown received (rotation)
  budget_waits,         // an attempt waited for the connect budget
  fatal_stops,          // connections stopped for good (fatal errors)
  frames,               // text frames received
  kCount,
};
[[nodiscard]] std::string_view to_string(conn_counter c) noexcept;
using conn_counters = counter_block<conn_counter>;

enum class drop_reason : std::uint8_t { error, stalled, rotated, server_shutdown, quiet };
[[nodiscard]] std::string_view to_string(drop_reason r) noexcept;

// A quiet connection is reconnected once its data has been silent this many
// times quiet_ms.
inline constexpr std::int64_t kQuietReconnectFactor = 4;

struct ws_options {
  std::int64_t pong_deadline_ms = 60'000;
  std::int64_t quiet_ms = 0;  // 0: off (see Quiet above)
  std::int64_t rotate_after_ms = 23LL * 3600 * 1000;
  std::int64_t handshake_timeout_ms = 10'000;  // the adapter's, per stage
  std::int64_t backoff_initial_ms = 250;
  std::int64_t backoff_max_ms = 30'000;
  std::int64_t backoff_429_ms = 30'000;
  std::int64_t backoff_reset_after_ms = 5'000;
  std::uint64_t jitter_seed = 0x7419a3;
  // The adapter's: stamps each frame's receive time (nullptr:
  // bot_clock::process()). REQUIRES: outlives the connection.
  const bot_clock* clock = nullptr;
};

// Why an attempt failed, as the adapter saw it.
enum class connect_failure : std::uint8_t {
  transport,         // resolve, TCP, TLS or WebSocket handshake (retried)
  tls_verify,        // the certificate did not verify (fatal)
  upgrade_declined,  // an HTTP status instead of 101 (414/400 fatal, 429 slow, else retried)
};

// What the adapter does next.
struct conn_action {
  enum class kind : std::uint8_t {
    none,     // nothing
    connect,  // start an attempt now (a budget token is taken)
    wait,     // call on_timer at at_ns (a backoff or the budget)
    quiet,    // invalidate the connection's symbols; it stays open
    lose,     // close (cleanly if why == server_shutdown), report the loss,
              // then call on_timer at at_ns
    fatal,    // close, report `what`, stop for good
  };
  kind k = kind::none;
  std::int64_t at_ns = 0;
  drop_reason why = drop_reason::error;
  std::string what;

  static conn_action of(kind k, std::int64_t at_ns, drop_reason why = drop_reason::error) {
    conn_action a;
    a.k = k;
    a.at_ns = at_ns;
    a.why = why;
    return a;
  }
};

class conn_policy {
 public:
  enum class state : std::uint8_t { waiting, connecting, open, stopped, failed };

  // REQUIRES: budget and counters outlive the policy.
  conn_policy(const ws_options& o, std::size_t index, connect_budget& budget,
              conn_counters& counters);

  // The retry timer fired, or the first start: connect or wait.
  // REQUIRES: state() == waiting (otherwise none).
  conn_action on_timer(std::int64_t now_ns);
  // The attempt failed. status: the HTTP status of a declined upgrade;
  // detail: what the adapter knows (the stage and error, the refused
  // target's length, the response body), quoted in a fatal error's text.
  conn_action on_connect_failed(std::int64_t now_ns, connect_failure f, int status,
                                std::string_view detail = {});
  // The upgrade succeeded.
  void on_open(std::int64_t now_ns);
  void on_data(std::int64_t now_ns);     // a text frame
  void on_control(std::int64_t now_ns);  // a ping, pong or close frame
  conn_action on_tick(std::int64_t now_ns);
  conn_action on_read_error(std::int64_t now_ns);
  conn_action on_server_shutdown(std::int64_t now_ns);
  void stop() noexcept;

  // How often the adapter calls on_tick while open.
  [[nodiscard]] std::int64_t tick_period_ms() const noexcept;
  [[nodiscard]] state current() const noexcept { return state_; }
  [[nodiscard]] bool open() const noexcept { return state_ == state::open; }
  [[nodiscard]] std::size_t index() const noexcept { return index_; }
  // Consecutive failures since the backoff last started over.
  [[nodiscard]] int failures() const noexcept { return failures_; }

 private:
  std::int64_t next_backoff_ns();
  conn_action lose(std::int64_t now_ns, drop_reason why);
  conn_action fatal(std::string what);

  ws_options o_;
  std::size_t index_;
  connect_budget& budget_;
  conn_counters& counters_;
  std::mt19937_64 rng_;
  state state_ = state::waiting;
  int failures_ = 0;
  std::int64_t min_wait_ns_ = 0;  // set by a 429
  std::int64_t opened_at_ns_ = 0;
  std::int64_t last_life_ns_ = 0;
  std::int64_t last_data_ns_ = 0;
  bool quiet_reported_ = false;
};

}  // namespace triarb
