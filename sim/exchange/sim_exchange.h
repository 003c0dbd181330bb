// sim_exchange: the simulated exchange, speaking the real Binance spot
// protocol over TLS on loopback, so the bot's real network code is what gets
// tested (docs/design.md, "The simulated exchange"). One port serves both:
//   REST  GET /api/v3/exchangeInfo             the generated document (sim/universe_gen.h)
//         GET /api/v3/ticker/bookTicker[?symbol=X]   current true quotes
//                                        (halted symbols left out / HTTP 400)
//   WSS   /stream?streams=<lowersym>@bookTicker/...   combined-stream frames,
//         byte for byte as sim::encode_frame(m, s, true) writes them.
// with the real gateway's limits, each rejection counted in stats:
//   request target > max_target_bytes (8192)   -> HTTP 414, no upgrade
//   more than max_streams (1024) streams        -> HTTP 400 JSON error, no upgrade
//   unknown stream name / malformed query       -> HTTP 400 JSON error, no upgrade
//   > max_connects_per_5min upgrade attempts/IP -> HTTP 429
//   > max_incoming_per_s client messages in 1 s -> connection closed
//   ping every ping_interval_ms (payload: a decimal counter); no pong within
//     pong_deadline_ms of an unanswered ping   -> connection closed
//   lifetime_ms after accept: {"e":"serverShutdown","E":<ms>} is sent
//     shutdown_notice_ms before the close frame
//   a client whose send queue exceeds max_queued_frames -> dropped (slow consumer)
//
//   sim_exchange ex({.seed = 7});
//   ex.start();
//   write_file("ca.pem", ex.ca_pem());
//   // point the bot at ex.rest_url() / ex.ws_url() with --ca-file ca.pem
//   ex.set_fault_rates(0.001, 0.001, 0.001, 0.001, 0.001);
//   bool real = ex.truth_ratio(t, fee) > threshold;
//   ex.stop();
//
// Threads: start() launches one I/O thread (every connection, the acceptor
// and the housekeeping timer run on it, so connection state needs no lock)
// and one market thread, which steps sim::market at updates_per_second,
// encodes each update once (applying faults), and posts the batch to the I/O
// thread, which fans it out to every connection subscribed to the symbol.
// Market state is under a mutex (truth_ratio and REST read it).
//
// Thread safety: every public member function may be called from any thread
// except the I/O thread itself (the fault knobs wait for the I/O thread to
// apply them). start() and stop() must not race each other or any other
// member; port() and the URLs are fixed once start() has returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "core/fixed8.h"
#include "core/triangle_index.h"
#include "sim/frame_faults.h"
#include "sim/market.h"

namespace triarb {

struct sim_exchange_options {
  std::string host = "127.0.0.1";  // loopback only unless allow_non_loopback
  bool allow_non_loopback = false;
  std::uint16_t port = 0;  // 0: any free port
  std::uint64_t seed = 1;
  double updates_per_second = 20000;  // market steps per real second (all symbols)
  std::int64_t ping_interval_ms = 20000;
  std::int64_t pong_deadline_ms = 60000;
  std::int64_t lifetime_ms = 24LL * 3600 * 1000;
  std::int64_t shutdown_notice_ms = 1000;  // serverShutdown this long before a planned close
  int max_streams = 1024;
  std::size_t max_target_bytes = 8192;  // the gateway limit behind the old code's HTTP 414s
  int max_incoming_per_s = 5;
  int max_connects_per_5min = 300;
  std::size_t max_queued_frames = 65536;      // per connection; overflow drops the client
  std::int64_t handshake_timeout_ms = 10000;  // TLS + HTTP request + WebSocket handshake
};

class sim_exchange {
 public:
  // Generates the universe (sim::generate_universe({}, seed)), the market and
  // the certificate (CA + leaf for 127.0.0.1, ::1, localhost). Throws
  // std::invalid_argument for a non-loopback host without allow_non_loopback
  // or non-positive intervals/limits; std::runtime_error if OpenSSL fails.
  explicit sim_exchange(sim_exchange_options o);
  ~sim_exchange();
  sim_exchange(const sim_exchange&) = delete;
  sim_exchange& operator=(const sim_exchange&) = delete;

  // Binds (throws std::runtime_error if it cannot), starts the I/O thread and
  // the market clock. REQUIRES: not started before.
  void start();
  // Closes the acceptor and every connection, joins the threads. Idempotent.
  void stop();

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] const std::string& ca_pem() const;  // trust this (--ca-file)
  [[nodiscard]] std::string rest_url() const;       // "https://127.0.0.1:PORT"
  [[nodiscard]] std::string ws_url() const;         // "wss://127.0.0.1:PORT"
  // The exchangeInfo document as served now (halted symbols say BREAK).
  [[nodiscard]] std::string exchange_info() const;

  // Ground truth (takes the market lock): exact ratio of triangle t on the
  // exchange's current true quotes. t comes from a triangle_index built on
  // the universe loaded from exchange_info() (ids agree: both sort by name).
  [[nodiscard]] sim::exact truth_ratio(const triangle& t, fixed8 fee) const;
  // Judges a decision made from frames in flight (takes the market lock):
  // were its legs quotes the exchange really sent, all current when the
  // newest of them was sent, and profitable on them (sim::market::judge)?
  [[nodiscard]] sim::market::verdict judge(const std::array<sim::market::leg_claim, 3>& legs,
                                           fixed8 fee, const sim::exact& threshold,
                                           std::uint64_t in_flight_updates) const;

  // Fault knobs: take effect immediately (they return once applied).
  // conn_index: the position of a WebSocket connection among the open ones,
  // in the order they were accepted (0 = oldest). Empty `which`: all.
  // The close is abrupt: TCP reset, no WebSocket close frame.
  void kill_connections(std::function<bool(std::size_t conn_index)> which = {});
  // Stop sending frames AND pings (the connection stays open; the market keeps
  // moving; pong deadlines are suspended) until called with false.
  void stall_connections(bool stalled);
  // Stop sending data frames only: pings go on and are answered, so the
  // connection looks alive to anything that counts pings as life (the failure
  // a data-silence detector, quiet_ms, exists for) until called with false.
  void stall_data(bool stalled);
  // {"e":"serverShutdown","E":<ms>} to every connection, then a normal close
  // shutdown_notice_ms later.
  void send_server_shutdown();
  // Probability per update of each fault (applied once, seen by every subscriber):
  // garbage: bytes that are not JSON; truncated: the first half of the frame;
  // oversized_qty: the bid quantity set to "5000000000000.00" (> fixed8::max());
  // duplicate: the frame twice; reorder: the symbol's previous frame again after it.
  void set_fault_rates(double garbage, double truncated, double oversized_qty, double duplicate,
                       double reorder);
  // The same, plus bad_price: the bid price written with an exponent
  // ("1e25.35..."), which the parser must reject as an attributed error.
  // The one frame-fault injector's rates (sim/frame_faults.h).
  using fault_rates = sim::frame_fault_rates;
  void set_fault_rates(const fault_rates& r);
  // The re-seed race (the runtime review's defect 1): every full bookTicker
  // snapshot is taken when its request arrives and answered [min_ms, max_ms]
  // later (uniform); while any is unanswered, each frame is cut short (as a
  // truncated fault, counted as one) with probability truncate_p. So updates
  // newer than a snapshot are lost on the feed while it is in flight, and a
  // bot that applied the snapshot over them would revalidate old prices.
  // REQUIRES: 0 <= min_ms <= max_ms, 0 <= truncate_p <= 1 (else
  // std::invalid_argument). max_ms == 0: answered at once (the default).
  void set_rest_race(std::int64_t min_ms, std::int64_t max_ms, double truncate_p);
  // Status BREAK in exchangeInfo from now on, and no more frames for it.
  // Throws std::invalid_argument for a name not in the universe.
  void halt_symbol(const std::string& name);

  // Runs f on the market under the market lock (f must not call back into
  // this exchange): the fault campaign reads quotes, update ids and the
  // dislocation log as one consistent view. Returns f's result.
  template <class F>
  auto with_market(F&& f) const -> decltype(f(std::declval<const sim::market&>())) {
    std::unique_lock<std::mutex> lock(market_mutex());
    return f(market_ref());
  }

  struct stats {
    std::uint64_t connections_accepted = 0;  // WebSocket upgrades accepted
    std::uint64_t connections_open = 0;      // WebSocket connections open now
    std::uint64_t frames_sent = 0;           // data frames written (faulty ones included)
    std::uint64_t rejected_414 = 0;
    std::uint64_t rejected_too_many_streams = 0;
    std::uint64_t rejected_429 = 0;
    std::uint64_t pings_sent = 0;
    std::uint64_t pongs_received = 0;
    std::uint64_t disconnected_no_pong = 0;
    std::uint64_t disconnected_rate_limit = 0;
    // Beyond the seam spec's list:
    std::uint64_t disconnected_slow_consumer = 0;  // send queue overflow
    std::uint64_t rejected_bad_request = 0;        // 400s: unknown streams, bad query, bad HTTP
    std::uint64_t tls_handshake_failures = 0;      // non-TLS clients, wrong CA, early hang-ups
    std::uint64_t rest_requests = 0;
    std::uint64_t faults_injected = 0;  // the six below, summed
    std::uint64_t faults_garbage = 0, faults_truncated = 0, faults_oversized_qty = 0,
                  faults_duplicate = 0, faults_reorder = 0, faults_bad_price = 0;
    // The longest a data frame took from its market update to being written
    // to a client (queueing behind a slow reader included).
    std::int64_t max_send_lag_ns = 0;
    std::uint64_t market_updates = 0;
  };
  [[nodiscard]] stats get_stats() const;

  struct impl;  // opaque: defined in internal/impl.h (keeps Beast out of this header)

 private:
  [[nodiscard]] std::mutex& market_mutex() const;
  [[nodiscard]] const sim::market& market_ref() const;  // REQUIRES: market_mutex() held
  std::unique_ptr<impl> impl_;
};

}  // namespace triarb
