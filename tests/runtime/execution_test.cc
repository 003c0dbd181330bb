// execution_test: [execution] wired into the live bot (runtime/executor.h,
// docs/design.md section 12, "In the live bot") against the simulated
// exchange over TLS on loopback (label integration). Paper mode: cycles are
// attempted; every order record cites a journaled, actionable decision and
// has exactly one answer; the journal verifies and passes the audit's
// execution checks (offline/journal_audit.h, audit_states); the ledger's final
// balances equal the starting balances plus every journaled fill, computed
// here from the journal alone; after a halt no order is journaled. Sim mode:
// the orders go over TLS to the exchange's order API, and at the end the
// exchange's account equals the bot's ledger. Every run is bounded (a
// duration cap, waits with a deadline) and stops by itself.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <variant>

#include "config/config.h"
#include "core/journal.h"
#include "core/order.h"
#include "core/triangle_index.h"
#include "core/universe.h"
#include "offline/journal_audit.h"
#include "runtime/executor.h"
#include "runtime/live_bot.h"
#include "sim/exchange/sim_exchange.h"
#include "tests/runtime/http_client.h"
#include "tests/runtime/prometheus_lint.h"
#include "tests/runtime/running_bot.h"

namespace triarb {
namespace {

using namespace std::chrono_literals;

std::string fresh_dir(const std::string& name) {
  const std::string d = ::testing::TempDir() + "execution_" + name;
  std::error_code ec;
  std::filesystem::remove_all(d, ec);
  std::filesystem::create_directories(d);
  return d;
}

sim_exchange_options fast_exchange() {
  sim_exchange_options o;
  o.seed = 3;
  o.updates_per_second = 5000;
  return o;
}

live_options bot_for(const sim_exchange& ex, const std::string& dir) {
  live_options o;
  o.cfg.rest_url = ex.rest_url();
  o.cfg.ws_url = ex.ws_url();
  o.cfg.metrics_address = "";
  o.cfg.telemetry_interval_ms = 100;
  o.cfg.journal_path = dir + "/journal.jsonl";
  o.cfg.journal_fsync = journal_fsync_mode::never;
  o.cfg.guard.rate_floor = 1'000'000'000;
  o.cfg.guard.repeat_reports = 1'000'000;
  o.cfg.guard.feed_invalid_max_permille = 1000;
  o.cfg.budget = fixed8::from_units(50);  // each cycle within the gate's notional
  o.cfg.execution.max_notional = fixed8::from_units(100);
  o.cfg.execution.max_open_cycles = 4;
  o.tls.ca_pem = ex.ca_pem();
  o.journal = true;
  o.duration_ms = 20'000;  // upper bound; the tests stop earlier
  o.ws.backoff_initial_ms = 50;
  o.ws.backoff_max_ms = 500;
  o.evaluator = live_options::evaluator_mode::inline_feed;
  return o;
}

// bot_for in sim mode: the demo account's keys through the environment,
// an account check every 200 ms.
live_options sim_bot_for(const sim_exchange& ex, const std::string& dir) {
  if (::setenv("TRIARB_EXEC_TEST_KEY", std::string(kDemoApiKey).c_str(), 1) != 0 ||
      ::setenv("TRIARB_EXEC_TEST_SECRET", std::string(kDemoApiSecret).c_str(), 1) != 0) {
    throw std::runtime_error("setenv failed");
  }
  live_options o = bot_for(ex, dir);
  o.cfg.execution.mode = execution_mode::sim;
  o.cfg.execution.api_key_env = "TRIARB_EXEC_TEST_KEY";
  o.cfg.execution.api_secret_env = "TRIARB_EXEC_TEST_SECRET";
  o.cfg.execution.reconcile_interval_ms = 200;
  return o;
}

// symbol -> (base, quote)
using universe_names = std::map<std::string, std::pair<std::string, std::string>>;

// What the journal alone says about execution.
struct journal_view {
  std::vector<journal_record> records;
  std::map<std::string, order_record> orders;  // by client id
  std::map<std::string, int> answers;          // client id -> answers
  std::uint64_t cycles = 0;
  std::uint64_t orders_after_halt = 0;
  std::uint64_t orders_without_decision = 0;
  std::uint64_t answers_without_order = 0;
  bool halted_seen = false;
  // By leg position (the client id's last digit): orders answered, and those
  // whose answer filled something.
  std::array<std::uint64_t, 3> legs_answered{}, legs_filled{};
  // start + every fill (base and quote moves, commission in the received asset)
  std::map<std::string, fixed8> balances;
  std::string arithmetic_error;
};

journal_view read_view(const std::string& path, const universe_names& names,
                       const std::map<std::string, fixed8>& start) {
  journal_view v;
  v.records = read_journal(path);
  v.balances = start;
  std::map<std::string, bool> actionable;  // opportunity hash -> actionable
  const auto add = [&](const std::string& asset, fixed8 amount, bool plus) {
    fixed8& b = v.balances[asset];
    const fixed8_result r = plus ? checked_add(b, amount) : checked_sub(b, amount);
    if (!r.ok()) v.arithmetic_error = "overflow on " + asset;
    b = r.value;
  };
  for (const journal_record& r : v.records) {
    if (const auto* op = std::get_if<opportunity_record>(&r.body)) {
      actionable[r.hash] = op->suppressed == suppress_reason::none;
    } else if (const auto* st = std::get_if<state_record>(&r.body)) {
      if (st->to == trading_state::halted) v.halted_seen = true;
      if (st->to == trading_state::active) v.halted_seen = false;
    } else if (const auto* o = std::get_if<order_record>(&r.body)) {
      v.orders[o->client_order_id] = *o;
      if (v.halted_seen) ++v.orders_after_halt;
      const auto it = actionable.find(o->decision);
      if (it == actionable.end() || !it->second) ++v.orders_without_decision;
    } else if (const auto* f = std::get_if<fill_record>(&r.body)) {
      ++v.answers[f->client_order_id];
      const auto it = v.orders.find(f->client_order_id);
      if (it == v.orders.end()) {
        ++v.answers_without_order;
        continue;
      }
      const char leg = f->client_order_id.empty() ? '0' : f->client_order_id.back();
      if (leg >= '1' && leg <= '3' && !f->fills.empty()) ++v.legs_filled[leg - '1'];
      const auto& [base, quote] = names.at(it->second.symbol);
      for (const journal_fill& x : f->fills) {
        const fixed8_result q = fill_quote(x.price, x.qty);
        if (!q.ok()) v.arithmetic_error = "fill_quote overflow";
        const bool buy = it->second.dir == side::buy;
        add(base, x.qty, buy);
        add(quote, q.value, !buy);
        add(x.commission_asset, x.commission, false);
      }
    } else if (const auto* j = std::get_if<reject_record>(&r.body)) {
      ++v.answers[j->client_order_id];
      if (!v.orders.count(j->client_order_id)) ++v.answers_without_order;
    } else if (std::holds_alternative<cycle_record>(r.body)) {
      ++v.cycles;
    }
  }
  for (const auto& [id, n] : v.answers) {
    if (n > 0 && !id.empty() && id.back() >= '1' && id.back() <= '3') {
      ++v.legs_answered[id.back() - '1'];
    }
  }
  return v;
}

std::map<std::string, fixed8> non_zero(const std::map<std::string, fixed8>& m) {
  std::map<std::string, fixed8> out;
  for (const auto& [k, x] : m) {
    if (!x.is_zero()) out[k] = x;
  }
  return out;
}

// The exchange's account (the demo key's, free + locked) equals the ledger.
void expect_account_is_ledger(const sim_exchange& ex, const execution_summary& x) {
  const auto theirs = ex.balances(std::string(kDemoApiKey));
  ASSERT_TRUE(theirs.has_value());
  std::map<std::string, fixed8> acc;
  for (const auto& [asset, b] : *theirs) acc[asset] = b;
  EXPECT_EQ(non_zero(acc), x.balances);
}

// symbol -> (base, quote), from the exchange's universe.
universe_names names_of(const sim_exchange& ex) {
  const universe u = load_exchange_info(ex.exchange_info());
  universe_names n;
  for (const symbol_info& s : u.symbols()) {
    n[std::string(s.name)] = {u.assets()[s.base], u.assets()[s.quote]};
  }
  return n;
}

void expect_journal_holds(const journal_view& v, const live_report& r) {
  ASSERT_TRUE(r.execution.has_value());
  const execution_summary& x = *r.execution;
  EXPECT_EQ(v.orders.size(), x.count(exec_counter::orders_sent));
  EXPECT_EQ(v.orders_without_decision, 0u);
  EXPECT_EQ(v.answers_without_order, 0u);
  for (const auto& [id, o] : v.orders) {
    const auto it = v.answers.find(id);
    EXPECT_TRUE(it != v.answers.end() && it->second == 1)
        << id << " answers " << (it == v.answers.end() ? 0 : it->second);
  }
  // Every cycle started closed (the shutdown took the answers still due).
  EXPECT_EQ(v.cycles, x.count(exec_counter::cycles_started));
  EXPECT_EQ(x.count(exec_counter::cycles_started),
            x.count(exec_counter::cycles_done) + x.count(exec_counter::cycles_residual) +
                x.count(exec_counter::cycles_missed) + x.count(exec_counter::cycles_rejected));
  EXPECT_EQ(x.in_flight, 0u);
  EXPECT_EQ(v.arithmetic_error, "");
  // The ledger is exactly the journal's fills applied to the start.
  EXPECT_EQ(non_zero(v.balances), x.balances);
}

// A sim run's journal (dir/journal.jsonl, from the demo account's start)
// holds what expect_journal_holds checks and passes audit_states; the
// exchange is stopped once its universe is read.
void expect_sim_journal_holds(sim_exchange& ex, const live_report& r, const std::string& dir) {
  std::map<std::string, fixed8> start;
  for (const auto& [asset, b] : demo_balances()) start[asset] = b;
  const journal_view v = read_view(dir + "/journal.jsonl", names_of(ex), start);
  ex.stop();
  expect_journal_holds(v, r);
  const audit_report a = audit_states(dir + "/journal.jsonl");
  EXPECT_TRUE(a.ok()) << a.message();
}

// The executor hands the guard's quarantines to the engine: those restored
// from the journal at start-up (its constructor) and a guard event's
// triangle (on_trading_state). A decision on a quarantined triangle is
// refused not active and nothing is journaled; a resume (active, no
// triangle) releases it.
TEST(Execution, TheExecutorHandsTheGuardsQuarantinesToTheEngine) {
  const symbol_filters fl{.tick_size = fixed8::from_raw(1'000'000),
                          .min_qty = fixed8::from_raw(1'000),
                          .max_qty = fixed8::from_units(9000),
                          .step_size = fixed8::from_raw(1'000),
                          .min_notional = fixed8::from_raw(10'000)};
  const universe u{{{"BTCUSDT", "BTC", "USDT", fl},
                    {"ETHBTC", "ETH", "BTC", fl},
                    {"ETHUSDT", "ETH", "USDT", fl}}};
  const std::vector<asset_id> starts{*u.find_asset("USDT")};
  const triangle_index idx = triangle_index::build(u, starts);
  ASSERT_GE(idx.size(), 2U);
  bot_config cfg;
  cfg.execution.mode = execution_mode::paper;
  cfg.execution.balances["USDT"] = fixed8::from_units(1000);
  std::size_t written = 0;
  executor_hooks h;
  h.write = [&](const execution_record&, std::int64_t) {
    ++written;
    return journal_errc::ok;
  };
  h.halt = [](const execution_event&) {};
  h.read_book = [](symbol_id) { return book_snapshot{}; };
  h.wake = [] {};
  const std::string hash(64, 'a');
  const std::int64_t t0 = 1'000'000'000;
  const std::vector<triangle_id> restored{0};
  executor ex(cfg, u, idx, trading_state::active, h, nullptr, t0, restored);
  opportunity op;
  op.triangle = 0;
  ex.on_decision(op, hash, suppress_reason::none, t0 + 1);
  EXPECT_EQ(ex.engine().counter(exec_counter::refused_not_active), 1U);
  // A guard event quarantining triangle 1: the state stays active.
  ex.on_trading_state(trading_state::active, t0 + 2, 1);
  op.triangle = 1;
  ex.on_decision(op, hash, suppress_reason::none, t0 + 3);
  EXPECT_EQ(ex.engine().counter(exec_counter::refused_not_active), 2U);
  EXPECT_EQ(written, 0U);
  // The operator's resume releases both: the decision goes past the state
  // check (this empty opportunity is then refused by the plan).
  ex.on_trading_state(trading_state::active, t0 + 4);
  ex.on_decision(op, hash, suppress_reason::none, t0 + 5);
  EXPECT_EQ(ex.engine().counter(exec_counter::refused_not_active), 2U);
  EXPECT_EQ(ex.engine().counter(exec_counter::decisions), 3U);
}

TEST(Execution, PaperModeJournalsEveryOrderWithItsDecisionAndTheLedgerBalances) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("paper");
  live_options o = bot_for(ex, dir);
  o.cfg.execution.mode = execution_mode::paper;
  o.cfg.execution.latency_ns = 2'000'000;
  o.cfg.execution.jitter_ns = 1'000'000;
  o.cfg.execution.seed = 7;
  const std::map<std::string, fixed8> start = {{"USDT", fixed8::from_units(10'000)}};
  o.cfg.execution.balances = start;
  o.cfg.metrics_address = "127.0.0.1:0";
  std::ostringstream ticks;
  o.ticks = &ticks;
  auto rb = std::make_unique<running_bot>(std::move(o));
  ASSERT_TRUE(wait_for([&] { return rb->bot.running(); }, 15s));
  // A couple of seconds of cycles (on a slow machine, until the first one).
  ASSERT_TRUE(wait_for([&] { return rb->bot.frames() > 0; }, 10s));
  std::this_thread::sleep_for(2s);
  ASSERT_TRUE(wait_for(
      [&] {
        const std::string m = test::scrape(rb->bot.metrics_port());
        const std::string name = "\ntriarb_execution_cycles_started_total ";
        const auto at = m.find(name);
        return at != std::string::npos && m.compare(at + name.size(), 2, "0\n") != 0;
      },
      15s));
  // The execution metrics, in a clean exposition.
  const std::string raw = test::scrape(rb->bot.metrics_port());
  const std::string body = raw.substr(std::min(raw.size(), raw.find("\r\n\r\n") + 4));
  EXPECT_EQ(prometheus_lint(body), std::vector<std::string>{});
  for (const char* m :
       {"triarb_execution_cycles_started_total ", "triarb_execution_cycles_total{outcome=\"done\"}",
        "triarb_execution_capture_rate ", "triarb_execution_orders_total ",
        "triarb_execution_events_total{counter=\"refused_gate\"}",
        "triarb_execution_transport_total{counter=\"unsent_journal\"} 0",
        "triarb_execution_realised_pnl{asset=\"USDT\"}",
        "triarb_execution_leg_filled_total{leg=\"1\"} ",
        "triarb_execution_leg_slippage_bps{leg=\"3\",stat=\"worst\"} ",
        "triarb_execution_leg_slippage_bps{leg=\"2\",stat=\"median\"} ",
        "triarb_execution_leg_answered_total{leg=\"2\"} ",
        "triarb_execution_leg_ack_seconds{leg=\"1\",stat=\"max\"} "}) {
    EXPECT_NE(body.find(m), std::string::npos) << m;
  }
  // Then a halt: no order after it.
  rb->bot.request_halt();
  ASSERT_TRUE(wait_for([&] { return rb->bot.trading() == trading_state::halted; }, 5s));
  std::this_thread::sleep_for(500ms);
  const live_report r = rb->finish();
  rb.reset();
  ex.stop();

  ASSERT_TRUE(r.execution.has_value());
  const execution_summary& x = *r.execution;
  std::cout << x.line() << "\n";
  EXPECT_GE(x.count(exec_counter::cycles_started), 1u) << x.line();
  EXPECT_EQ(x.count(exec_counter::cycles_started),
            x.count(exec_counter::cycles_done) + x.count(exec_counter::cycles_residual) +
                x.count(exec_counter::cycles_missed) + x.count(exec_counter::cycles_rejected));
  EXPECT_EQ(x.count(executor_counter::records_failed), 0u);
  EXPECT_EQ(x.count(exec_counter::ledger_refused), 0u);
  EXPECT_FALSE(x.self_halted);

  const verify_report vr = verify_journal(dir + "/journal.jsonl", {});
  EXPECT_TRUE(vr.ok()) << vr.message();
  const audit_report a = audit_states(dir + "/journal.jsonl");
  EXPECT_TRUE(a.ok()) << a.message();
  EXPECT_EQ(a.orders, x.count(exec_counter::orders_sent)) << a.message() << a.execution_text();
  EXPECT_EQ(a.unanswered_orders, 0u);
  EXPECT_EQ(a.open_cycles, 0u);

  const journal_view v = read_view(dir + "/journal.jsonl", names_of(ex), start);
  expect_journal_holds(v, r);
  EXPECT_TRUE(v.halted_seen);
  EXPECT_EQ(v.orders_after_halt, 0u);
  // Per leg position: one slippage sample per leg that filled and one
  // latency sample per leg answered, as the journal holds them; the worst is
  // at least the median, the max at least the median, each at least the
  // paper transport's constant latency (2 ms).
  for (std::size_t k = 0; k < 3; ++k) {
    const leg_execution_stats& l = x.legs[k];
    SCOPED_TRACE("leg " + std::to_string(k + 1));
    EXPECT_EQ(l.filled, v.legs_filled[k]) << x.line();
    EXPECT_EQ(l.slip_beyond, 0u);
    EXPECT_EQ(l.answered, v.legs_answered[k]) << x.line();
    EXPECT_GE(l.slip_worst_e2, l.slip_median_e2);
    EXPECT_GE(l.ack_max_ns, l.ack_median_ns);
    if (l.answered > 0) {
      EXPECT_GE(l.ack_median_ns, 2'000'000) << x.line();
    }
  }
  EXPECT_GE(x.legs[0].answered, 1u) << x.line();
  EXPECT_GE(x.legs[0].answered, x.legs[1].answered);
  EXPECT_NE(x.line().find(" slip bps med/worst "), std::string::npos) << x.line();
  EXPECT_NE(x.line().find(" ack ms med/max "), std::string::npos) << x.line();
  // The tick line says it too.
  EXPECT_NE(ticks.str().find("execution: paper cycles"), std::string::npos);
}

TEST(Execution, SimModeSendsOverTlsAndTheExchangesAccountEqualsTheLedger) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("sim");
  live_options o = sim_bot_for(ex, dir);
  o.cfg.execution.order_timeout_ms = 2000;
  auto rb = std::make_unique<running_bot>(std::move(o));
  ASSERT_TRUE(wait_for([&] { return rb->bot.running(); }, 15s));
  std::this_thread::sleep_for(2500ms);
  // A slow machine may need longer for the first order.
  ASSERT_TRUE(wait_for([&] { return !ex.orders().empty(); }, 15s));
  const live_report r = rb->finish();
  rb.reset();

  ASSERT_TRUE(r.execution.has_value());
  const execution_summary& x = *r.execution;
  std::cout << x.line() << "\n";
  EXPECT_GE(x.count(exec_counter::cycles_started), 1u) << x.line();
  EXPECT_EQ(x.count(exec_counter::account_mismatches), 0u);
  EXPECT_GE(x.count(exec_counter::account_checks), 1u);
  EXPECT_FALSE(x.self_halted);
  // Every order reached the exchange over TLS.
  const std::vector<exchange_order> sent = ex.orders();
  EXPECT_EQ(sent.size(), x.count(exec_counter::orders_sent));
  // The exchange's account is the bot's ledger.
  expect_account_is_ledger(ex, x);

  expect_sim_journal_holds(ex, r, dir);
}

// The order path's answered faults (rejects, 429s with Retry-After, partial
// fills): each reaches the engine as the exchange said it, nothing is lost
// from the journal, and the account still equals the ledger. (Dropped
// answers: SimModeQueriesAnUnknownOrderAndReconcilesIt.)
TEST(Execution, SimModeOrderPathFaultsKeepTheLedgerEqualToTheAccount) {
  sim_exchange_options eo = fast_exchange();
  eo.order_faults.reject = 0.15;
  eo.order_faults.rate_limited = 0.05;
  eo.order_faults.partial = 0.2;
  eo.retry_after_s = 1;
  sim_exchange ex(eo);
  ex.start();
  const std::string dir = fresh_dir("sim_faults");
  live_options o = sim_bot_for(ex, dir);
  auto rb = std::make_unique<running_bot>(std::move(o));
  ASSERT_TRUE(wait_for([&] { return rb->bot.running(); }, 15s));
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(wait_for([&] { return !ex.orders().empty(); }, 15s));
  const live_report r = rb->finish();
  rb.reset();

  ASSERT_TRUE(r.execution.has_value());
  const execution_summary& x = *r.execution;
  std::cout << x.line() << "\n";
  EXPECT_GE(x.count(exec_counter::cycles_started), 1u) << x.line();
  EXPECT_EQ(x.count(exec_counter::account_mismatches), 0u);
  EXPECT_EQ(x.count(exec_counter::ledger_refused), 0u);
  EXPECT_FALSE(x.self_halted);
  // What the exchange refused is what the bot journaled as refused.
  EXPECT_EQ(x.count(executor_counter::sim_rejected) + x.count(executor_counter::sim_paused),
            x.count(exec_counter::rejects) - x.count(executor_counter::sim_not_sent));
  expect_account_is_ledger(ex, x);
  expect_sim_journal_holds(ex, r, dir);
}

// Orders the exchange executed but whose answer never came (the dropped
// fault: the connection closes) are unknown; the sim sender queries each
// once (GET /api/v3/order) at its send time + recvWindow and the answer is
// reconciled into the ledger, so the account still equals the ledger with
// no mismatch.
TEST(Execution, SimModeQueriesAnUnknownOrderAndReconcilesIt) {
  sim_exchange_options eo = fast_exchange();
  eo.order_faults.dropped = 0.3;
  sim_exchange ex(eo);
  ex.start();
  const std::string dir = fresh_dir("sim_query");
  live_options o = sim_bot_for(ex, dir);
  o.cfg.execution.recv_window_ms = 300;
  auto rb = std::make_unique<running_bot>(std::move(o));
  ASSERT_TRUE(wait_for([&] { return rb->bot.running(); }, 15s));
  std::this_thread::sleep_for(2s);
  // At least one answer lost (its query comes at the latest inside finish()).
  ASSERT_TRUE(wait_for(
      [&] {
        for (const auto& e : ex.orders()) {
          if (e.fault == sim::order_fault::dropped) return true;
        }
        return false;
      },
      15s));
  const live_report r = rb->finish();
  rb.reset();

  ASSERT_TRUE(r.execution.has_value());
  const execution_summary& x = *r.execution;
  std::cout << x.line() << " unknown " << x.count(executor_counter::sim_unknown) << " found "
            << x.count(executor_counter::sim_query_found) << " not found "
            << x.count(executor_counter::sim_query_not_found) << " failed "
            << x.count(executor_counter::sim_query_failed) << "\n";
  ASSERT_GE(x.count(executor_counter::sim_unknown), 1u) << x.line();
  EXPECT_GE(x.count(executor_counter::sim_query_found), 1u);
  EXPECT_GE(x.count(exec_counter::reconciled), x.count(executor_counter::sim_query_found));
  EXPECT_EQ(x.count(executor_counter::sim_query_failed), 0u);
  EXPECT_EQ(x.unknown, 0u);
  EXPECT_EQ(x.count(exec_counter::account_mismatches), 0u);
  EXPECT_FALSE(x.self_halted);
  expect_account_is_ledger(ex, x);
  ex.stop();
  const audit_report a = audit_states(dir + "/journal.jsonl");
  EXPECT_TRUE(a.ok()) << a.message();
}

// Every order's answer is lost, so each leg goes on only when its query
// reconciles the leg before: at shutdown a query can still send a cycle's
// next leg, and that leg's answer is lost too. finish() waits for it (its
// query) as for the first, so nothing is left unknown and the exchange's
// account is the ledger.
TEST(Execution, SimModeFinishWaitsForTheLegAReconciledLegSends) {
  sim_exchange_options eo = fast_exchange();
  eo.order_faults.dropped = 1.0;
  sim_exchange ex(eo);
  ex.start();
  const std::string dir = fresh_dir("sim_query_chain");
  live_options o = sim_bot_for(ex, dir);
  o.cfg.execution.recv_window_ms = 300;
  auto rb = std::make_unique<running_bot>(std::move(o));
  ASSERT_TRUE(wait_for([&] { return rb->bot.running(); }, 15s));
  // Shut down as soon as the exchange has the first leg: its answer is lost,
  // and only its query (recv_window_ms later, inside finish) sends leg 2.
  ASSERT_TRUE(wait_for([&] { return !ex.orders().empty(); }, 15s));
  const live_report r = rb->finish();
  rb.reset();

  ASSERT_TRUE(r.execution.has_value());
  const execution_summary& x = *r.execution;
  std::cout << x.line() << " unknown " << x.count(executor_counter::sim_unknown) << " found "
            << x.count(executor_counter::sim_query_found) << "\n";
  // Legs after the first were sent, so some query sent a next leg.
  ASSERT_GT(x.count(exec_counter::orders_sent), x.count(exec_counter::cycles_started)) << x.line();
  EXPECT_EQ(x.count(executor_counter::sim_query_found), x.count(executor_counter::sim_unknown));
  EXPECT_EQ(x.unknown, 0u);
  EXPECT_EQ(x.in_flight, 0u);
  EXPECT_EQ(x.count(exec_counter::account_mismatches), 0u);
  expect_account_is_ledger(ex, x);
  expect_sim_journal_holds(ex, r, dir);
}

// A lost answer's query that falls due inside a 429's pause waits for the
// pause to end and is sent then: the client refuses to send anything
// during the pause, and a query refused unsent would leave the order to
// the account check. Half the orders are dropped, half rate limited with
// a Retry-After longer than recvWindow, so queries fall inside pauses.
TEST(Execution, SimModeQueriesALostAnswerAfterThePauseItFallsIn) {
  sim_exchange_options eo = fast_exchange();
  eo.order_faults.dropped = 0.5;
  eo.order_faults.rate_limited = 0.5;
  eo.retry_after_s = 1;
  sim_exchange ex(eo);
  ex.start();
  const std::string dir = fresh_dir("sim_query_paused");
  live_options o = sim_bot_for(ex, dir);
  o.cfg.execution.recv_window_ms = 300;
  auto rb = std::make_unique<running_bot>(std::move(o));
  ASSERT_TRUE(wait_for([&] { return rb->bot.running(); }, 15s));
  // Until the exchange has dropped one answer and rate limited an order after it.
  ASSERT_TRUE(wait_for(
      [&] {
        bool dropped = false;
        for (const auto& e : ex.orders()) {
          dropped = dropped || e.fault == sim::order_fault::dropped;
          if (dropped && e.fault == sim::order_fault::rate_limited) return true;
        }
        return false;
      },
      15s));
  const live_report r = rb->finish();
  rb.reset();

  ASSERT_TRUE(r.execution.has_value());
  const execution_summary& x = *r.execution;
  std::cout << x.line() << " unknown " << x.count(executor_counter::sim_unknown) << " found "
            << x.count(executor_counter::sim_query_found) << " failed "
            << x.count(executor_counter::sim_query_failed) << " paused "
            << x.count(executor_counter::sim_paused) << "\n";
  ASSERT_GE(x.count(executor_counter::sim_unknown), 1u);
  ASSERT_GE(x.count(executor_counter::sim_paused), 1u);
  EXPECT_EQ(x.count(executor_counter::sim_query_failed), 0u);
  EXPECT_EQ(x.count(executor_counter::sim_query_found), x.count(executor_counter::sim_unknown));
  EXPECT_EQ(x.unknown, 0u);
  EXPECT_EQ(x.in_flight, 0u);
  EXPECT_EQ(x.count(exec_counter::account_mismatches), 0u);
  expect_account_is_ledger(ex, x);
  expect_sim_journal_holds(ex, r, dir);
}

// An order whose answer is lost while the exchange goes away can be neither
// queried nor reconciled: finish() gives up within its bound and says so
// (unanswered_at_exit, and the execution line), never silently.
TEST(Execution, SimModeSaysWhatItLeftUnansweredAtExit) {
  sim_exchange_options eo = fast_exchange();
  eo.order_faults.dropped = 1.0;
  sim_exchange ex(eo);
  ex.start();
  const std::string dir = fresh_dir("sim_unanswered");
  live_options o = sim_bot_for(ex, dir);
  o.cfg.execution.recv_window_ms = 300;
  o.cfg.execution.order_timeout_ms = 200;
  auto rb = std::make_unique<running_bot>(std::move(o));
  ASSERT_TRUE(wait_for([&] { return rb->bot.running(); }, 15s));
  ASSERT_TRUE(wait_for([&] { return !ex.orders().empty(); }, 15s));
  ex.stop();  // the query and the account check find nobody
  const live_report r = rb->finish();
  rb.reset();

  ASSERT_TRUE(r.execution.has_value());
  const execution_summary& x = *r.execution;
  std::cout << x.line() << "\n";
  EXPECT_GE(x.unknown, 1u);
  EXPECT_EQ(x.count(executor_counter::unanswered_at_exit), x.in_flight);
  EXPECT_NE(x.line().find(" unanswered at exit " + std::to_string(x.in_flight)), std::string::npos)
      << x.line();
  const audit_report a = audit_states(dir + "/journal.jsonl");
  EXPECT_TRUE(a.ok()) << a.message();
}

}  // namespace
}  // namespace triarb
