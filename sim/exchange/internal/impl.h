// internal/impl: the definition of sim_exchange::impl (the exchange's state,
// counters, threads and I/O objects) and the types its parts share. Private
// to sim/exchange/: included only by the .cc files of this folder
// (sim_exchange.cc, http_routes.cc, ws_session.cc) and by ws_session.h.
//
// Threads: the members say who touches them. Everything network-side (the
// acceptor, every session, the housekeeping timer, `sessions`,
// `connects_by_ip`) runs on the single I/O thread; the market loop runs on its
// own thread and touches market state only under market_mu; the counters are
// relaxed atomics bumped from either.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/status.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/universe.h"
#include "sim/exchange/order_routes.h"
#include "sim/exchange/sim_exchange.h"
#include "sim/exchange/tls_cert.h"
#include "sim/frame_faults.h"
#include "sim/market.h"
#include "sim/rng.h"
#include "sim/universe_gen.h"

namespace triarb {
namespace sim_exchange_internal {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

// An outgoing text message; `data` says whether it counts as a data frame.
struct out_msg {
  std::shared_ptr<const std::string> text;
  bool data = true;
  steady::time_point made{};  // data frames: when the market made the update
};

using frame_batch = std::vector<std::pair<symbol_id, std::shared_ptr<const std::string>>>;

class ws_session;  // sim/exchange/ws_session.h

}  // namespace sim_exchange_internal

// These names lived in an unnamed namespace of sim_exchange.cc, which made
// them visible throughout triarb there; the directive keeps that lookup, so
// impl and its member functions (in this folder's .cc files) read as before.
// Only this folder's files include this header.
using namespace sim_exchange_internal;

// ---------------------------------------------------------------------------
struct sim_exchange::impl {
  explicit impl(sim_exchange_options o);

  // Fixed at construction.
  sim_exchange_options opt;
  sim::generated_universe gen;
  universe u;
  tls_identity identity;
  ssl::context ssl_ctx{ssl::context::tls_server};
  net::ip::address bind_address;

  // Market state, guarded by market_mu (the market thread steps it; REST,
  // truth_ratio and the knobs read or set it).
  mutable std::mutex market_mu;
  std::unique_ptr<sim::market> market;
  std::string exchange_info_doc;
  std::vector<char> halted;
  sim::frame_fault_rates fault_rates;  // sim/frame_faults.h
  // set_rest_race (guarded by market_mu, but rest_in_flight: any thread).
  std::int64_t rest_delay_min_ms = 0, rest_delay_max_ms = 0;
  double race_truncate_p = 0;
  sim::sim_rng rest_rng{1};            // the snapshots' delays (seeded from opt.seed)
  std::atomic<int> rest_in_flight{0};  // delayed snapshots not yet answered
  sim::sim_rng fault_rng{1};
  std::vector<std::shared_ptr<const std::string>> last_frame;
  // The order API: accounts, matching, the orders' ground truth (order_routes.h).
  std::unique_ptr<order_desk> desk;

  // Stall flags: stored by stall_connections / stall_data, loaded by the
  // market thread and the I/O thread. Relaxed suffices: they guard no other
  // data, and a stale read only delays the stall by one batch or tick.
  std::atomic<bool> stalled{false};       // frames and pings stop
  std::atomic<bool> data_stalled{false};  // frames stop, pings go on
  [[nodiscard]] bool frames_stopped() const noexcept {
    return stalled.load(std::memory_order_relaxed) || data_stalled.load(std::memory_order_relaxed);
  }

  // Counters: relaxed increments, read by get_stats with relaxed loads; they
  // publish no other data, so no ordering is needed.
  struct counters {
    std::atomic<std::uint64_t> connections_accepted{0}, connections_open{0}, frames_sent{0},
        rejected_414{0}, rejected_too_many_streams{0}, rejected_429{0}, pings_sent{0},
        pongs_received{0}, disconnected_no_pong{0}, disconnected_rate_limit{0},
        disconnected_slow_consumer{0}, rejected_bad_request{0}, tls_handshake_failures{0},
        rest_requests{0}, faults_injected{0}, market_updates{0}, faults_garbage{0},
        faults_truncated{0}, faults_oversized_qty{0}, faults_duplicate{0}, faults_reorder{0},
        faults_bad_price{0};
  } c;
  // Market update -> its frame written to a client, the worst so far (I/O
  // thread writes; relaxed: a statistic, read by get_stats).
  std::atomic<std::int64_t> max_send_lag_ns{0};
  void note_send_lag(steady::duration d) {
    const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    std::int64_t cur = max_send_lag_ns.load(std::memory_order_relaxed);
    while (ns > cur && !max_send_lag_ns.compare_exchange_weak(cur, ns, std::memory_order_relaxed)) {
    }
  }
  static void bump(std::atomic<std::uint64_t>& a) {
    a.fetch_add(1, std::memory_order_relaxed);  // counter only; see `counters`
  }
  void fault(std::atomic<std::uint64_t>& kind) {
    bump(kind);
    bump(c.faults_injected);
  }

  // Market clock thread.
  std::thread market_thread;
  std::mutex clock_mu;
  std::condition_variable clock_cv;
  bool clock_stopping = false;  // guarded by clock_mu

  // I/O. Declared after everything sessions touch, so the io_context (and the
  // handlers it still owns) is destroyed first.
  net::io_context ioc{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  net::steady_timer housekeeping{ioc};
  std::thread io_thread;
  std::vector<std::weak_ptr<ws_session>> sessions;  // I/O thread only, acceptance order
  std::unordered_map<std::string, std::deque<steady::time_point>> connects_by_ip;  // I/O only
  std::uint16_t bound_port = 0;
  bool started = false;
  bool stopped = false;

  // Runs fn on the I/O thread and waits for it. No-op unless running.
  void run_on_io(std::function<void()> fn);

  void do_accept();
  void market_loop();
  // ids: the (symbol, update id) of each market update in the batch, marked
  // unsent in the market if a stall drops the batch (market::judge).
  using update_ids = std::vector<std::pair<symbol_id, std::uint64_t>>;
  void fan_out(const frame_batch& batch, const update_ids& ids, steady::time_point made);
  // A stall dropped these updates: never sent (market::mark_unsent). Takes
  // market_mu.
  void mark_unsent(const update_ids& ids);
  void schedule_housekeeping();
  [[nodiscard]] ms housekeeping_period() const;
  // Live sessions in acceptance order (prunes dead ones). I/O thread only.
  std::vector<std::shared_ptr<ws_session>> live_sessions();

  std::string book_ticker_json(symbol_id s) const;  // REQUIRES: market_mu held
  // The next full snapshot's delay (set_rest_race), 0 if none; any thread.
  std::int64_t rest_delay_ms();
  // REST: status + body for a GET target.
  std::pair<http::status, std::string> rest(std::string_view target);
  // The signed endpoints (order_routes.h): done(reply) runs on the I/O
  // thread, at once or, for an order, order_delay_ms later. Takes market_mu.
  void signed_route(signed_call call, std::function<void(signed_reply)> done);
};

}  // namespace triarb
