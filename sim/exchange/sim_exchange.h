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
// and the signed order API (sim/exchange/order_routes.h; docs/design.md,
// "Matching in the simulated exchange"):
//   POST /api/v3/order      a LIMIT IOC/FOK order, matched by sim/matching.h
//                           against the market at its arrival (order_delay_ms)
//   GET  /api/v3/account    the account's balances
// HMAC-SHA256 signatures, X-MBX-APIKEY, timestamp/recvWindow, the exchange's
// error shapes, request weight, order counts, 429/418 with Retry-After, and
// seeded order-path faults (order_fault_rates). The exchange keeps the ground
// truth of every order it received (orders()) and every balance (balances()).
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

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fixed8.h"
#include "core/order.h"
#include "core/triangle_index.h"
#include "sim/frame_faults.h"
#include "sim/market.h"
#include "sim/matching.h"
#include "sim/order_faults.h"

namespace triarb {

// Order-path faults of POST /api/v3/order: sim/order_faults.h, the one
// order-path fault injector (each a probability per order that passed
// authentication and the parameter checks; one draw per order from the
// exchange's own seeded stream; each applied is counted, stats::order_faults_*).
using order_fault_rates = sim::order_fault_rates;
using order_fault = sim::order_fault;

// One account of the order API. balances: asset name -> free balance.
struct sim_account_spec {
  std::string api_key;
  std::string secret;
  std::vector<std::pair<std::string, fixed8>> balances;
};

// The account served when sim_exchange_options::accounts is empty (the demo,
// tests): these credentials, demo_balances() (USDT, BTC, ETH, BNB, USDC, FDUSD).
inline constexpr std::string_view kDemoApiKey =
    "triarbSimDemoApiKey000000000000000000000000000000000000000000000";
inline constexpr std::string_view kDemoApiSecret =
    "triarbSimDemoSecret000000000000000000000000000000000000000000000";
[[nodiscard]] std::vector<std::pair<std::string, fixed8>> demo_balances();

// What the exchange did with one order it received (the ground truth): every
// POST /api/v3/order from a known API key with a valid signature and
// timestamp is one, whatever became of it.
enum class order_delivery : std::uint8_t {
  answered,  // the response was written at once
  held,      // a timeout fault: written timeout_hold_ms later (the client has given up)
  dropped,   // the connection was closed without a response
};
struct exchange_order {
  std::uint64_t seq = 0;  // arrival order, from 1
  std::string api_key;
  order_request request;  // as parsed (symbol kNoSymbol if unknown)
  std::string symbol_name;
  order_result result;  // rejected: error_code and error_msg, order_id 0
  int http_status = 200;
  bool executed = false;  // reached the matching engine and was accepted (result.order_id != 0)
  order_fault fault = order_fault::none;
  order_delivery delivery = order_delivery::answered;
  std::int64_t received_unix_ms = 0;  // when the request reached the exchange's socket
  std::int64_t arrival_unix_ms = 0;   // received + order_delay_ms: when it was handled
  std::uint64_t quote_update_id = 0;  // the symbol's true quote it matched against
  std::int64_t market_time_ns = 0;    // the market's clock (sim::market::now_ns) at arrival
};

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

  // The order API (docs/design.md, "Matching in the simulated exchange").
  std::vector<sim_account_spec> accounts;       // empty: one demo account (kDemoApiKey)
  fixed8 fee_rate = fixed8::from_raw(100'000);  // 0.001, the taker fee
  int depth_levels = 5;                         // sim::depth_params::levels
  std::int64_t order_delay_ms = 0;  // network delay: an order is handled this long after receipt
  order_fault_rates order_faults;
  std::int64_t timeout_hold_ms = 10000;    // a timeout fault holds the response this long
  std::int64_t retry_after_s = 1;          // Retry-After of a 429 (-1003)
  int ignored_429_before_ban = 3;          // requests inside a Retry-After window before a 418
  std::int64_t ban_s = 120;                // the 418 ban (the exchange's first: 2 minutes)
  int max_weight_per_minute = 6000;        // REQUEST_WEIGHT per IP per minute
  std::uint32_t max_orders_per_10s = 100;  // ORDERS per account
  std::uint32_t max_orders_per_day = 200'000;
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

  // The order API's knobs: take effect for orders handled from now on.
  void set_order_fault_rates(const order_fault_rates& r);
  void set_order_delay_ms(std::int64_t ms);

  // The ground truth of the order API (takes the market lock): every order
  // received, in arrival order, and an account's balances now (asset name
  // -> free balance, every asset of the universe; nullopt for an unknown key).
  [[nodiscard]] std::vector<exchange_order> orders() const;
  [[nodiscard]] std::optional<std::vector<std::pair<std::string, fixed8>>> balances(
      std::string_view api_key) const;
  // What an ideal, instantaneous execution of the cycle would make now on the
  // exchange's true quotes and depth (sim::ideal_cycle; takes the market lock).
  [[nodiscard]] sim::ideal_result ideal_cycle(const std::array<std::pair<symbol_id, side>, 3>& legs,
                                              fixed8 start_amount) const;

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
    // The order API. signed_requests counts every request to a signed path;
    // each refusal before an order reaches the log is counted by its cause.
    std::uint64_t signed_requests = 0;
    std::uint64_t orders_received = 0;           // entries of orders()
    std::uint64_t orders_executed = 0;           // accepted by the matching engine
    std::uint64_t orders_refused = 0;            // received, answered with an error
    std::uint64_t account_requests = 0;          // GET /api/v3/account answered 200
    std::uint64_t rejected_api_key = 0;          // -2014 / -2015
    std::uint64_t rejected_signature = 0;        // -1022
    std::uint64_t rejected_timestamp = 0;        // -1021 / -1131
    std::uint64_t rejected_bad_parameter = 0;    // -1102, -1100, -1115, -1116, -1117, -1014
    std::uint64_t rejected_weight_429 = 0;       // -1003: weight limit, or inside a Retry-After
    std::uint64_t rejected_order_count_429 = 0;  // -1015
    std::uint64_t rejected_418 = 0;              // banned
    std::uint64_t bans = 0;                      // 418 bans imposed
    std::uint64_t order_faults_reject = 0, order_faults_rate_limited = 0, order_faults_timeout = 0,
                  order_faults_partial = 0, order_faults_dropped = 0;
  };
  [[nodiscard]] stats get_stats() const;

  struct impl;  // opaque: defined in internal/impl.h (keeps Beast out of this header)

 private:
  [[nodiscard]] std::mutex& market_mutex() const;
  [[nodiscard]] const sim::market& market_ref() const;  // REQUIRES: market_mutex() held
  std::unique_ptr<impl> impl_;
};

}  // namespace triarb
