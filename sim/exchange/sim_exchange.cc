// sim_exchange: the simulated exchange over TLS (Boost.Beast + Asio + OpenSSL).
//
// Structure: an accept loop hands each TCP connection to an http_session
// (TLS handshake, then HTTP/1.1 requests: REST answers, or a WebSocket
// upgrade that becomes a ws_session). ws_sessions are registered in
// impl::sessions_ (I/O thread only) for fan-out, housekeeping (pings, pong
// deadlines, lifetime) and the fault knobs. Everything network-side runs on
// the single I/O thread, so sessions need no strand and no lock.
//
// Files: internal/impl.h (impl and the types its parts share), limits.h (the
// fixed limits), http_routes.h/.cc (REST: impl::rest, query helpers),
// ws_session.h/.cc (ws_session, http_session, the accept loop), order_routes.h/.cc
// (the signed order API and its ground truth). This file:
// impl's constructor, run_on_io, the market loop (its own thread, stepping
// the market under market_mu), housekeeping and fan-out (I/O thread), and
// the public sim_exchange members (any thread but the I/O thread).
#include "sim/exchange/sim_exchange.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/universe.h"
#include "sim/exchange/internal/impl.h"
#include "sim/exchange/order_routes.h"
#include "sim/exchange/tls_cert.h"
#include "sim/exchange/ws_session.h"
#include "sim/frame_faults.h"
#include "sim/market.h"
#include "sim/rng.h"
#include "sim/universe_gen.h"

namespace triarb {

// ---------------------------------------------------------------------------
sim_exchange::impl::impl(sim_exchange_options o) : opt(std::move(o)) {
  if (opt.ping_interval_ms <= 0 || opt.pong_deadline_ms <= 0 || opt.lifetime_ms <= 0 ||
      opt.shutdown_notice_ms < 0 || opt.max_streams <= 0 || opt.max_target_bytes == 0 ||
      opt.max_incoming_per_s <= 0 || opt.max_connects_per_5min <= 0 || opt.max_queued_frames == 0 ||
      opt.handshake_timeout_ms <= 0 || !(opt.updates_per_second >= 0)) {
    throw std::invalid_argument("sim_exchange: intervals, limits and rates must be positive");
  }
  const std::string host = opt.host == "localhost" ? "127.0.0.1" : opt.host;
  beast::error_code ec;
  bind_address = net::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("sim_exchange: host '" + opt.host + "' is not an address");
  if (!bind_address.is_loopback() && !opt.allow_non_loopback) {
    throw std::invalid_argument("sim_exchange: host '" + opt.host +
                                "' is not loopback (set allow_non_loopback to serve it)");
  }

  gen = sim::generate_universe({}, opt.seed);
  exchange_info_doc = gen.exchange_info_json;
  u = load_exchange_info(gen.exchange_info_json);
  halted.assign(u.symbols().size(), 0);
  last_frame.resize(u.symbols().size());
  sim::market_params mp;
  mp.seed = opt.seed * 0x9e3779b97f4a7c15ULL + 1;  // as sim_driver
  market = std::make_unique<sim::market>(u, sim::reference_prices(gen), mp);
  market->seed_all();
  desk = std::make_unique<order_desk>(u, opt);  // validates the order API's options
  fault_rng = sim::sim_rng(opt.seed ^ 0xfa017ULL);
  rest_rng = sim::sim_rng(opt.seed ^ 0x7e57ULL);

  identity = make_loopback_identity();
  ssl_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  const std::string chain = identity.leaf_pem + identity.ca_pem;
  ssl_ctx.use_certificate_chain(net::buffer(chain));
  ssl_ctx.use_private_key(net::buffer(identity.leaf_key_pem), ssl::context::pem);
}

void sim_exchange::impl::run_on_io(std::function<void()> fn) {
  if (!started || stopped) return;
  if (ioc.get_executor().running_in_this_thread()) {
    fn();
    return;
  }
  std::promise<void> done;
  std::future<void> f = done.get_future();
  net::post(ioc, [&] {
    fn();
    done.set_value();
  });
  f.wait();
}

std::vector<std::shared_ptr<ws_session>> sim_exchange::impl::live_sessions() {
  std::vector<std::shared_ptr<ws_session>> out;
  out.reserve(sessions.size());
  std::erase_if(sessions, [&](const std::weak_ptr<ws_session>& w) {
    std::shared_ptr<ws_session> s = w.lock();
    if (!s || !s->open()) return true;
    out.push_back(std::move(s));
    return false;
  });
  return out;
}

ms sim_exchange::impl::housekeeping_period() const {
  std::int64_t p = std::min({opt.ping_interval_ms, opt.pong_deadline_ms, opt.lifetime_ms,
                             std::max<std::int64_t>(opt.shutdown_notice_ms, 1)}) /
                   4;
  return ms(std::clamp<std::int64_t>(p, 5, 250));
}

void sim_exchange::impl::schedule_housekeeping() {
  housekeeping.expires_after(housekeeping_period());
  housekeeping.async_wait([this](beast::error_code ec) {
    if (ec) return;
    const steady::time_point now = steady::now();
    for (const auto& s : live_sessions()) s->tick(now);
    schedule_housekeeping();
  });
}

void sim_exchange::impl::mark_unsent(const update_ids& ids) {
  std::lock_guard mlock(market_mu);
  for (const auto& [s, id] : ids) market->mark_unsent(s, id);
}

void sim_exchange::impl::fan_out(const frame_batch& batch, const update_ids& ids,
                                 steady::time_point made) {
  if (frames_stopped()) {  // see `stalled`
    mark_unsent(ids);
    return;
  }
  const auto live = live_sessions();
  if (live.empty()) return;
  for (const auto& [s, frame] : batch) {
    for (const auto& session : live) {
      if (session->subscribed(s)) session->enqueue({frame, true, made});
    }
  }
}

void sim_exchange::impl::market_loop() {
  const steady::time_point t0 = steady::now();
  double done = 0;
  const double max_backlog = std::max(1.0, opt.updates_per_second * 0.05);
  std::unique_lock lock(clock_mu);
  while (!clock_cv.wait_for(lock, ms(1), [&] { return clock_stopping; })) {
    const double elapsed = std::chrono::duration<double>(steady::now() - t0).count();
    const double target = opt.updates_per_second * elapsed;
    if (target - done > max_backlog) done = target - max_backlog;  // never burst after a hiccup
    const auto n = static_cast<std::int64_t>(target - done);
    if (n <= 0) continue;
    done += static_cast<double>(n);
    frame_batch batch;
    batch.reserve(static_cast<std::size_t>(n) + 8);
    update_ids ids;
    ids.reserve(static_cast<std::size_t>(n));
    {
      std::lock_guard mlock(market_mu);
      for (std::int64_t i = 0; i < n; ++i) {
        const sim::market_update up = market->step();
        bump(c.market_updates);
        const symbol_id s = up.symbol;
        if (halted[s]) {  // its book frozen for every client: never sent
          market->mark_unsent(s, market->quote_of(s).update_id);
          continue;
        }
        ids.emplace_back(s, market->quote_of(s).update_id);
        auto clean = std::make_shared<const std::string>(sim::encode_frame(*market, s, true));
        std::shared_ptr<const std::string> sent = clean;
        std::string f = *clean;
        switch (sim::corrupt_frame(f, fault_rates, fault_rng)) {
          case sim::frame_fault::none:
            break;
          case sim::frame_fault::garbage:
            fault(c.faults_garbage);
            break;
          case sim::frame_fault::truncated:
            fault(c.faults_truncated);
            break;
          case sim::frame_fault::oversized_qty:
            fault(c.faults_oversized_qty);
            break;
          case sim::frame_fault::bad_price:
            fault(c.faults_bad_price);
            break;
        }
        // The re-seed race: an update lost on the feed while a snapshot is
        // in flight (set_rest_race). rest_in_flight pairs with nothing: a
        // stale read only moves the race by one update.
        if (f == *clean && race_truncate_p > 0 &&
            rest_in_flight.load(std::memory_order_relaxed) > 0) {
          sim::frame_fault_rates race;
          race.truncated = race_truncate_p;
          if (sim::corrupt_frame(f, race, fault_rng) == sim::frame_fault::truncated) {
            fault(c.faults_truncated);
          }
        }
        if (f != *clean) sent = std::make_shared<const std::string>(std::move(f));
        batch.emplace_back(s, sent);
        const sim::repeat_faults rep =
            sim::draw_repeats(fault_rates, last_frame[s] != nullptr, fault_rng);
        if (rep.duplicate) {
          batch.emplace_back(s, sent);
          fault(c.faults_duplicate);
        }
        if (rep.reorder) {
          batch.emplace_back(s, last_frame[s]);  // older update id after the newer one
          fault(c.faults_reorder);
        }
        last_frame[s] = std::move(clean);
      }
    }
    if (batch.empty()) continue;
    if (frames_stopped()) {  // see `stalled`
      mark_unsent(ids);
      continue;
    }
    net::post(ioc, [this, b = std::move(batch), ids = std::move(ids), made = steady::now()] {
      fan_out(b, ids, made);
    });
  }
}

// ---------------------------------------------------------------------------
sim_exchange::sim_exchange(sim_exchange_options o) : impl_(std::make_unique<impl>(std::move(o))) {}

sim_exchange::~sim_exchange() { stop(); }

void sim_exchange::start() {
  impl& x = *impl_;
  if (x.started) throw std::logic_error("sim_exchange::start called twice");
  const tcp::endpoint ep(x.bind_address, x.opt.port);
  beast::error_code ec;
  x.acceptor.open(ep.protocol(), ec);
  if (!ec) x.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) x.acceptor.bind(ep, ec);
  if (!ec) x.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("sim_exchange: cannot listen on " + x.opt.host + ":" +
                             std::to_string(x.opt.port) + ": " + ec.message());
  }
  x.bound_port = x.acceptor.local_endpoint().port();
  x.started = true;
  x.work.emplace(x.ioc.get_executor());
  x.do_accept();
  x.schedule_housekeeping();
  x.io_thread = std::thread([&x] {
    for (;;) {
      try {
        x.ioc.run();
        return;
      } catch (const std::exception& e) {
        std::cerr << "sim_exchange: I/O handler threw: " << e.what() << "\n";
      }
    }
  });
  x.market_thread = std::thread([&x] { x.market_loop(); });
}

void sim_exchange::stop() {
  impl& x = *impl_;
  if (!x.started || x.stopped) {
    x.stopped = true;
    return;
  }
  {
    std::lock_guard lock(x.clock_mu);
    x.clock_stopping = true;
  }
  x.clock_cv.notify_all();
  x.market_thread.join();
  x.run_on_io([&x] {
    beast::error_code ec;
    x.acceptor.close(ec);
    x.housekeeping.cancel();
    for (const auto& s : x.live_sessions()) s->abort();
  });
  x.stopped = true;
  x.work.reset();
  x.ioc.stop();
  x.io_thread.join();
}

std::uint16_t sim_exchange::port() const { return impl_->bound_port; }
const std::string& sim_exchange::ca_pem() const { return impl_->identity.ca_pem; }

std::string sim_exchange::rest_url() const {
  const std::string h = impl_->bind_address.is_v6() ? "[" + impl_->bind_address.to_string() + "]"
                                                    : impl_->bind_address.to_string();
  return "https://" + h + ":" + std::to_string(port());
}

std::string sim_exchange::ws_url() const { return "wss" + rest_url().substr(5); }

std::string sim_exchange::exchange_info() const {
  std::lock_guard lock(impl_->market_mu);
  return impl_->exchange_info_doc;
}

sim::exact sim_exchange::truth_ratio(const triangle& t, fixed8 fee) const {
  std::lock_guard lock(impl_->market_mu);
  return impl_->market->truth_ratio(t, fee);
}

sim::market::verdict sim_exchange::judge(const std::array<sim::market::leg_claim, 3>& legs,
                                         fixed8 fee, const sim::exact& threshold,
                                         std::uint64_t in_flight_updates) const {
  std::lock_guard lock(impl_->market_mu);
  return impl_->market->judge(legs, fee, threshold, in_flight_updates);
}

void sim_exchange::kill_connections(std::function<bool(std::size_t)> which) {
  impl& x = *impl_;
  x.run_on_io([&] {
    const auto live = x.live_sessions();
    for (std::size_t i = 0; i < live.size(); ++i) {
      if (!which || which(i)) live[i]->abort();
    }
  });
}

void sim_exchange::stall_connections(bool stalled) {
  impl& x = *impl_;
  x.stalled.store(stalled, std::memory_order_relaxed);  // see impl::stalled
  x.run_on_io([] {});  // returns once every batch posted before the store has run
}

void sim_exchange::stall_data(bool stalled) {
  impl& x = *impl_;
  x.data_stalled.store(stalled, std::memory_order_relaxed);  // see impl::stalled
  x.run_on_io([] {});  // returns once every batch posted before the store has run
}

void sim_exchange::send_server_shutdown() {
  impl& x = *impl_;
  x.run_on_io([&x] {
    const steady::time_point now = steady::now();
    for (const auto& s : x.live_sessions()) {
      s->server_shutdown(now + ms(x.opt.shutdown_notice_ms));
    }
  });
}

void sim_exchange::set_fault_rates(double garbage, double truncated, double oversized_qty,
                                   double duplicate, double reorder) {
  set_fault_rates(fault_rates{.garbage = garbage,
                              .truncated = truncated,
                              .oversized_qty = oversized_qty,
                              .duplicate = duplicate,
                              .reorder = reorder});
}

void sim_exchange::set_fault_rates(const fault_rates& r) {
  std::lock_guard lock(impl_->market_mu);
  impl_->fault_rates = r;
}

void sim_exchange::set_rest_race(std::int64_t min_ms, std::int64_t max_ms, double truncate_p) {
  if (min_ms < 0 || max_ms < min_ms || !(truncate_p >= 0 && truncate_p <= 1)) {
    throw std::invalid_argument("set_rest_race: want 0 <= min_ms <= max_ms and 0 <= p <= 1");
  }
  std::lock_guard lock(impl_->market_mu);
  impl_->rest_delay_min_ms = min_ms;
  impl_->rest_delay_max_ms = max_ms;
  impl_->race_truncate_p = truncate_p;
}

std::mutex& sim_exchange::market_mutex() const { return impl_->market_mu; }
const sim::market& sim_exchange::market_ref() const { return *impl_->market; }

void sim_exchange::halt_symbol(const std::string& name) {
  impl& x = *impl_;
  const symbol_id s = x.u.find_symbol(name);
  if (s == kNoSymbol) throw std::invalid_argument("sim_exchange: unknown symbol " + name);
  std::lock_guard lock(x.market_mu);
  if (x.halted[s]) return;
  x.halted[s] = 1;
  const std::string key = "{\"symbol\":\"" + name + "\",\"status\":\"TRADING\"";
  const auto at = x.exchange_info_doc.find(key);
  if (at != std::string::npos) {
    x.exchange_info_doc.replace(at, key.size(),
                                "{\"symbol\":\"" + name + "\",\"status\":\"BREAK\"");
  }
}

sim_exchange::stats sim_exchange::get_stats() const {
  const impl::counters& c = impl_->c;
  auto r = [](const std::atomic<std::uint64_t>& a) {
    return a.load(std::memory_order_relaxed);  // counter only; see `counters`
  };
  stats s;
  s.connections_accepted = r(c.connections_accepted);
  s.connections_open = r(c.connections_open);
  s.frames_sent = r(c.frames_sent);
  s.rejected_414 = r(c.rejected_414);
  s.rejected_too_many_streams = r(c.rejected_too_many_streams);
  s.rejected_429 = r(c.rejected_429);
  s.pings_sent = r(c.pings_sent);
  s.pongs_received = r(c.pongs_received);
  s.disconnected_no_pong = r(c.disconnected_no_pong);
  s.disconnected_rate_limit = r(c.disconnected_rate_limit);
  s.disconnected_slow_consumer = r(c.disconnected_slow_consumer);
  s.rejected_bad_request = r(c.rejected_bad_request);
  s.tls_handshake_failures = r(c.tls_handshake_failures);
  s.rest_requests = r(c.rest_requests);
  s.faults_injected = r(c.faults_injected);
  s.market_updates = r(c.market_updates);
  s.faults_garbage = r(c.faults_garbage);
  s.faults_truncated = r(c.faults_truncated);
  s.faults_oversized_qty = r(c.faults_oversized_qty);
  s.faults_duplicate = r(c.faults_duplicate);
  s.faults_reorder = r(c.faults_reorder);
  s.faults_bad_price = r(c.faults_bad_price);
  s.max_send_lag_ns = impl_->max_send_lag_ns.load(std::memory_order_relaxed);  // a statistic
  std::lock_guard lock(impl_->market_mu);  // the order API's counters live under it
  const auto& o = impl_->desk->c;
  s.signed_requests = o.signed_requests;
  s.orders_received = o.orders_received;
  s.orders_executed = o.orders_executed;
  s.orders_refused = o.orders_refused;
  s.account_requests = o.account_requests;
  s.rejected_api_key = o.rejected_api_key;
  s.rejected_signature = o.rejected_signature;
  s.rejected_timestamp = o.rejected_timestamp;
  s.rejected_bad_parameter = o.rejected_bad_parameter;
  s.rejected_weight_429 = o.rejected_weight_429;
  s.rejected_order_count_429 = o.rejected_order_count_429;
  s.rejected_418 = o.rejected_418;
  s.bans = o.bans;
  s.order_faults_reject = o.faults_reject;
  s.order_faults_rate_limited = o.faults_rate_limited;
  s.order_faults_timeout = o.faults_timeout;
  s.order_faults_partial = o.faults_partial;
  s.order_faults_dropped = o.faults_dropped;
  return s;
}

}  // namespace triarb
