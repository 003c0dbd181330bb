// core/execution_engine.h on USDT>BTC>ETH>USDT (buy BTCUSDT, buy ETHBTC,
// sell ETHUSDT) with the exchange's filters, the real evaluator deciding
// and the paper transport filling: a decision through to done, residual and
// missed with hand-computed numbers; each refusal sends nothing and is
// counted; a timeout resolved by a reconciliation and by the account; a
// ledger/account mismatch halts the engine until the state is active again.
#include "core/execution_engine.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "core/journal_bridge.h"
#include "core/telemetry.h"
#include "core/trading_state_replay.h"

namespace triarb {
namespace {

fixed8 f(const char* s) {
  const fixed8_result r = parse_fixed8(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}

symbol_filters filters(const char* tick, const char* step, const char* min_notional) {
  return {.tick_size = f(tick),
          .min_qty = f(step),
          .max_qty = f("9000"),
          .step_size = f(step),
          .min_notional = f(min_notional)};
}

constexpr std::int64_t kT0 = 1'000'000'000'000;
constexpr std::int64_t kLatency = 1'000'000;  // 1 ms, no jitter
const std::string kHash(64, 'a');

book_snapshot top(const char* bid, const char* bid_qty, const char* ask, const char* ask_qty) {
  book_snapshot b;
  b.bid = f(bid);
  b.bid_qty = f(bid_qty);
  b.ask = f(ask);
  b.ask_qty = f(ask_qty);
  b.update_id = 1;
  b.recv_ns = kT0 - 1'000'000;
  b.valid = true;
  return b;
}

struct stub_book {
  std::vector<book_snapshot> snaps;
  [[nodiscard]] book_snapshot read(symbol_id s) const { return snaps.at(s); }
};

struct world {
  universe u{{{"BTCUSDT", "BTC", "USDT", filters("0.01", "0.00001", "5")},
              {"ETHBTC", "ETH", "BTC", filters("0.00001", "0.0001", "0.0001")},
              {"ETHUSDT", "ETH", "USDT", filters("0.01", "0.0001", "5")}}};
  asset_id btc = *u.find_asset("BTC");
  asset_id eth = *u.find_asset("ETH");
  asset_id usdt = *u.find_asset("USDT");
  symbol_id btcusdt = u.find_symbol("BTCUSDT");
  symbol_id ethbtc = u.find_symbol("ETHBTC");
  symbol_id ethusdt = u.find_symbol("ETHUSDT");
  std::vector<asset_id> starts{usdt};
  triangle_index idx = triangle_index::build(u, starts);
  telemetry tel;
  evaluator ev{u, idx, evaluator_config{}, tel};  // fee 0.001, budget 1000
  stub_book book;
  // What the paper transport reads at an arrival time: `book`, or `later`
  // from later_ns on.
  stub_book later;
  std::int64_t later_ns = INT64_MAX;

  world() {
    book.snaps.resize(3);
    // Forward: 2600 / (50000 x 0.05) = 1.04 before fees; the reverse
    // 0.04999 x 49990 / 2601 < 1.
    book.snaps[btcusdt] = top("49990", "1", "50000", "1");
    book.snaps[ethbtc] = top("0.04999", "10", "0.05", "10");
    book.snaps[ethusdt] = top("2600", "10", "2601", "10");
    later = book;
  }

  opportunity decide() {
    std::vector<opportunity> got;
    ev.on_symbol(book, btcusdt, kT0, [&](const opportunity& o) {
      got.push_back(o);
      return true;
    });
    EXPECT_EQ(got.size(), 1U);
    return got.empty() ? opportunity{} : got[0];
  }

  execution_config config() const {
    execution_config c;
    c.risk.max_notional = fixed8::from_units(2000);
    return c;
  }
  static residual_valuation any_value() {
    return [](asset_id, fixed8) -> std::optional<fixed8> { return fixed8::zero(); };
  }
  std::vector<asset_balance> start_usdt(const char* amount) const { return {{usdt, f(amount)}}; }
  paper_transport transport() {
    return paper_transport(
        u, f("0.001"), latency_model{.constant_ns = kLatency},
        [this](symbol_id s, std::int64_t at) { return (at >= later_ns ? later : book).read(s); });
  }
};

// Sends what the engine drained to the transport and answers every order
// that has arrived by `until`, one at a time (each answer reaches the
// ledger before the next order's balance check).
void run_until(execution_engine& eng, paper_transport& pt, std::int64_t until) {
  for (;;) {
    for (const outgoing_order& o : eng.take_orders()) pt.submit(o);
    std::optional<paper_delivery> d = pt.pop_due(until, eng.balances());
    if (!d) break;
    eng.on_result(d->client_order_id, d->result, d->at_ns);
  }
}

template <class R>
std::vector<R> only(const std::vector<execution_record>& recs) {
  std::vector<R> out;
  for (const execution_record& r : recs) {
    if (const R* p = std::get_if<R>(&r)) out.push_back(*p);
  }
  return out;
}

TEST(ExecutionEngine, ADecisionRunsToDoneWithTheExactLedger) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  paper_transport pt = w.transport();
  const opportunity op = w.decide();
  // The evaluator: buy 0.02 BTC for 1000 USDT, buy 0.3996 ETH, sell 0.3992 ETH
  // for 1037.92 - 1.03792 = 1036.88208: profit 36.88208.
  ASSERT_EQ(op.amount_in, f("1000"));
  ASSERT_EQ(op.profit, f("36.88208"));

  eng.on_decision(op, kHash, suppress_reason::none, kT0);
  std::vector<execution_record> recs = eng.take_records();
  ASSERT_EQ(recs.size(), 1U);
  const order_record leg1 = std::get<order_record>(recs[0]);
  EXPECT_EQ(leg1.cycle, 1U);
  EXPECT_EQ(leg1.leg, 1);
  EXPECT_EQ(leg1.client_order_id, "tb-1-1");
  EXPECT_EQ(leg1.symbol, "BTCUSDT");
  EXPECT_EQ(leg1.dir, side::buy);
  EXPECT_EQ(leg1.price, f("50000"));
  EXPECT_EQ(leg1.quantity, f("0.02"));
  EXPECT_EQ(leg1.decision, kHash);
  EXPECT_EQ(leg1.time_ns, kT0);

  run_until(eng, pt, kT0 + 10 * kLatency);
  recs = eng.take_records();
  // fill 1, orders 2 and 3 (sent together), fill 2, fill 3, the cycle.
  ASSERT_EQ(recs.size(), 6U);
  const std::vector<order_record> orders = only<order_record>(recs);
  ASSERT_EQ(orders.size(), 2U);
  // Leg 2: held 0.02 - 0.00002 = 0.01998 BTC; cap floor_tick(0.05 x 1.001) =
  // 0.05005; 0.01998 / 0.05005 = 0.39920... -> 0.3992 ETH.
  EXPECT_EQ(orders[0].symbol, "ETHBTC");
  EXPECT_EQ(orders[0].price, f("0.05005"));
  EXPECT_EQ(orders[0].quantity, f("0.3992"));
  EXPECT_EQ(orders[0].time_ns, kT0 + kLatency);
  // Leg 3: sells leg 2's worst output 0.3992 - 0.0003992 = 0.3988008 -> 0.3988
  // at cap ceil_tick(2600 x 0.999) = 2597.4.
  EXPECT_EQ(orders[1].symbol, "ETHUSDT");
  EXPECT_EQ(orders[1].dir, side::sell);
  EXPECT_EQ(orders[1].price, f("2597.4"));
  EXPECT_EQ(orders[1].quantity, f("0.3988"));
  for (const order_record& o : orders) EXPECT_EQ(o.decision, kHash);
  const std::vector<fill_record> fills = only<fill_record>(recs);
  ASSERT_EQ(fills.size(), 3U);
  for (const fill_record& x : fills) EXPECT_EQ(x.status, order_status::filled);
  EXPECT_EQ(fills[2].cumulative_quote, f("1036.88"));
  EXPECT_EQ(fills[2].fills.at(0).commission, f("1.03688"));
  EXPECT_EQ(fills[2].fills.at(0).commission_asset, "USDT");

  const cycle_record c = std::get<cycle_record>(recs.back());
  EXPECT_EQ(c.outcome, cycle_end::done);
  EXPECT_EQ(c.reason, "");
  EXPECT_EQ(c.decision, kHash);
  EXPECT_EQ(c.start_asset, "USDT");
  EXPECT_EQ(c.expected_profit, f("36.88208"));
  // 1036.88 - 1.03688 - 1000.
  EXPECT_EQ(c.realised_profit, f("35.84312"));
  // Dust: 0.01998 - fill_quote(0.05, 0.3992) = 0.00002 BTC; 0.3988008 - 0.3988 ETH.
  EXPECT_EQ(c.residual,
            (std::map<std::string, fixed8>{{"BTC", f("0.00002")}, {"ETH", f("0.0000008")}}));

  EXPECT_EQ(eng.balances().balance(w.usdt), f("10035.84312"));
  EXPECT_EQ(eng.balances().balance(w.btc), f("0.00002"));
  EXPECT_EQ(eng.balances().balance(w.eth), f("0.0000008"));
  EXPECT_EQ(eng.counter(exec_counter::cycles_done), 1U);
  EXPECT_EQ(eng.counter(exec_counter::orders_sent), 3U);
  EXPECT_EQ(eng.counter(exec_counter::fills), 3U);
  EXPECT_EQ(eng.open_cycles(), 0U);
  EXPECT_EQ(eng.in_flight(), 0U);
  EXPECT_EQ(eng.gate().open_cycles(), 0U);
  EXPECT_EQ(eng.take_closed().size(), 1U);
  EXPECT_TRUE(eng.take_events().empty());

  // Each record is one the journal takes.
  for (const execution_record& r : recs) {
    EXPECT_TRUE(parse_record(format_line(1, to_record_body(r), kZeroHash)).ok());
  }
}

TEST(ExecutionEngine, AShortLegThreeEndsResidualHoldingWhatItCouldNotSell) {
  world w;
  // Only 0.1 ETH bid at ETHUSDT when leg 3 arrives.
  w.later.snaps[w.ethusdt] = top("2600", "0.1", "2601", "10");
  w.later_ns = kT0 + kLatency + 1;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  paper_transport pt = w.transport();
  eng.on_decision(w.decide(), kHash, suppress_reason::none, kT0);
  run_until(eng, pt, kT0 + 10 * kLatency);
  const std::vector<execution_record> recs = eng.take_records();
  const cycle_record c = std::get<cycle_record>(recs.back());
  EXPECT_EQ(c.outcome, cycle_end::residual);
  EXPECT_EQ(c.reason, "short_fill: leg 3");
  // Leg 3 sold 0.1 of 0.3988: 260 - 0.26 received; ETH 0.3988008 - 0.1 held.
  EXPECT_EQ(c.realised_profit, f("-740.26"));
  EXPECT_EQ(c.residual.at("ETH"), f("0.2988008"));
  EXPECT_EQ(eng.balances().balance(w.usdt), f("9259.74"));
  EXPECT_EQ(eng.balances().balance(w.eth), f("0.2988008"));
  const std::vector<fill_record> fills = only<fill_record>(recs);
  ASSERT_EQ(fills.size(), 3U);
  EXPECT_EQ(fills[2].status, order_status::expired);
  EXPECT_EQ(fills[2].executed_qty, f("0.1"));
  EXPECT_EQ(eng.counter(exec_counter::cycles_residual), 1U);
  // The residual is in the gate's inventory.
  EXPECT_EQ(eng.gate().inventory().at(w.eth), f("0.2988008"));
}

TEST(ExecutionEngine, LegOneNotCrossedAtArrivalIsMissedAndNothingMoves) {
  world w;
  // The ask moved above the limit during leg 1's flight.
  w.later.snaps[w.btcusdt] = top("50090", "1", "50100", "1");
  w.later_ns = kT0 + 1;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  paper_transport pt = w.transport();
  eng.on_decision(w.decide(), kHash, suppress_reason::none, kT0);
  run_until(eng, pt, kT0 + 10 * kLatency);
  const std::vector<execution_record> recs = eng.take_records();
  ASSERT_EQ(recs.size(), 3U);  // order, fill (expired, empty), cycle
  EXPECT_EQ(std::get<fill_record>(recs[1]).status, order_status::expired);
  EXPECT_TRUE(std::get<fill_record>(recs[1]).fills.empty());
  const cycle_record c = std::get<cycle_record>(recs[2]);
  EXPECT_EQ(c.outcome, cycle_end::missed);
  EXPECT_EQ(c.reason, "leg1_unfilled");
  EXPECT_EQ(c.realised_profit, fixed8::zero());
  EXPECT_TRUE(c.residual.empty());
  EXPECT_EQ(eng.balances().balance(w.usdt), f("10000"));
  EXPECT_EQ(eng.counter(exec_counter::cycles_missed), 1U);
  EXPECT_EQ(pt.outcomes(paper_outcome::not_crossed), 1U);
}

TEST(ExecutionEngine, RefusedDecisionsSendNothingAndAreCountedByName) {
  world w;
  const opportunity op = w.decide();
  {  // The guard's verdict: not actionable.
    execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
    eng.on_decision(op, kHash, suppress_reason::halted, kT0);
    eng.on_decision(op, kHash, suppress_reason::quarantined, kT0);
    EXPECT_EQ(eng.counter(exec_counter::refused_suppressed), 2U);
    EXPECT_TRUE(eng.take_orders().empty());
    EXPECT_TRUE(eng.take_records().empty());
  }
  {  // The state given is not active (the verdict came before the halt).
    execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
    eng.on_trading_state(trading_state::halted, kT0);
    eng.on_decision(op, kHash, suppress_reason::none, kT0);
    eng.on_trading_state(trading_state::reducing, kT0);
    eng.on_decision(op, kHash, suppress_reason::none, kT0);
    EXPECT_EQ(eng.counter(exec_counter::refused_not_active), 2U);
    EXPECT_TRUE(eng.take_orders().empty());
    EXPECT_TRUE(eng.take_records().empty());
    eng.on_trading_state(trading_state::active, kT0);
    eng.on_decision(op, kHash, suppress_reason::none, kT0);
    EXPECT_EQ(eng.take_orders().size(), 1U);
  }
  {  // The risk gate: 1000 USDT above a 500 USDT notional limit.
    execution_config c = w.config();
    c.risk.max_notional = fixed8::from_units(500);
    execution_engine eng(w.u, w.idx, c, world::any_value(), w.start_usdt("10000"));
    eng.on_decision(op, kHash, suppress_reason::none, kT0);
    EXPECT_EQ(eng.counter(exec_counter::refused_gate), 1U);
    EXPECT_EQ(eng.gate().verdicts(risk_verdict::notional), 1U);
    EXPECT_EQ(eng.last_refusal(), "risk_gate: notional");
    EXPECT_TRUE(eng.take_orders().empty());
    EXPECT_TRUE(eng.take_records().empty());
  }
  {  // The risk gate: one open cycle at most; the second waits for none.
    execution_config c = w.config();
    c.risk.max_open_cycles = 1;
    execution_engine eng(w.u, w.idx, c, world::any_value(), w.start_usdt("10000"));
    eng.on_decision(op, kHash, suppress_reason::none, kT0);
    eng.on_decision(op, kHash, suppress_reason::none, kT0);
    EXPECT_EQ(eng.counter(exec_counter::cycles_started), 1U);
    EXPECT_EQ(eng.gate().verdicts(risk_verdict::open_cycles), 1U);
    EXPECT_EQ(eng.take_orders().size(), 1U);
  }
  {  // The balance: 1500 USDT covers one 1000 USDT leg 1, not two at once.
    execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("1500"));
    eng.on_decision(op, kHash, suppress_reason::none, kT0);
    eng.on_decision(op, kHash, suppress_reason::none, kT0);
    EXPECT_EQ(eng.counter(exec_counter::refused_balance), 1U);
    EXPECT_EQ(eng.last_refusal(), "balance: USDT available 500 below notional 1000");
    EXPECT_EQ(eng.take_orders().size(), 1U);
  }
  {  // A decision that cannot be cited.
    execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
    eng.on_decision(op, "not-a-hash", suppress_reason::none, kT0);
    eng.on_decision(op, std::string(64, 'A'), suppress_reason::none, kT0);
    EXPECT_EQ(eng.counter(exec_counter::refused_bad_decision), 2U);
    EXPECT_TRUE(eng.take_orders().empty());
  }
}

TEST(ExecutionEngine, AHaltAfterLegOneHoldsLegsTwoAndThree) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  paper_transport pt = w.transport();
  eng.on_decision(w.decide(), kHash, suppress_reason::none, kT0);
  for (const outgoing_order& o : eng.take_orders()) pt.submit(o);
  eng.on_trading_state(trading_state::halted, kT0 + 1);
  run_until(eng, pt, kT0 + 10 * kLatency);
  const std::vector<execution_record> recs = eng.take_records();
  EXPECT_EQ(only<order_record>(recs).size(), 1U);
  const cycle_record c = std::get<cycle_record>(recs.back());
  EXPECT_EQ(c.outcome, cycle_end::residual);
  EXPECT_EQ(c.reason, "not_active");
  EXPECT_EQ(c.residual.at("BTC"), f("0.01998"));
  EXPECT_EQ(eng.counter(exec_counter::legs_held_not_active), 1U);
  EXPECT_EQ(eng.counter(exec_counter::orders_sent), 1U);
}

TEST(ExecutionEngine, ATimedOutLegWaitsUntilReconciled) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  paper_transport pt = w.transport();
  eng.on_decision(w.decide(), kHash, suppress_reason::none, kT0);
  for (const outgoing_order& o : eng.take_orders()) pt.submit(o);
  // The answer is lost: the exchange filled leg 1 (the paper transport says
  // how), the bot never heard.
  ledger exchange(3, std::vector<asset_balance>{{w.usdt, f("10000")}});
  const std::optional<paper_delivery> lost = pt.pop_due(kT0 + kLatency, exchange);
  ASSERT_TRUE(lost.has_value());
  ASSERT_EQ(lost->result.status, order_status::filled);
  eng.on_timeout("tb-1-1", kT0 + 500 * kLatency);
  EXPECT_EQ(eng.counter(exec_counter::timeouts), 1U);
  EXPECT_EQ(eng.unknown(), 1U);
  EXPECT_TRUE(eng.take_records().size() == 1U);  // only the order: no answer yet
  // The account differs on USDT and BTC, both touched by the unknown order:
  // pending, not a mismatch.
  const std::vector<asset_balance> account = {{w.usdt, f("9000")}, {w.btc, f("0.01998")}};
  eng.on_account(account, kT0 + 600 * kLatency);
  EXPECT_EQ(eng.counter(exec_counter::account_pending), 1U);
  EXPECT_EQ(eng.counter(exec_counter::account_mismatches), 0U);
  EXPECT_TRUE(eng.take_events().empty());
  EXPECT_EQ(eng.unknown(), 1U);
  // The caller learns what became of it: leg 2 goes out.
  eng.on_reconciled("tb-1-1", lost->result, kT0 + 700 * kLatency);
  EXPECT_EQ(eng.counter(exec_counter::reconciled), 1U);
  const std::vector<execution_record> recs = eng.take_records();
  ASSERT_EQ(recs.size(), 2U);  // the fill, order 2
  EXPECT_EQ(std::get<fill_record>(recs[0]).time_ns, kT0 + 700 * kLatency);
  EXPECT_EQ(eng.take_orders().size(), 1U);
  EXPECT_EQ(eng.balances().balance(w.btc), f("0.01998"));
  // A late answer to the same order changes nothing.
  eng.on_result("tb-1-1", lost->result, kT0 + 800 * kLatency);
  EXPECT_EQ(eng.counter(exec_counter::results_duplicate), 1U);
  EXPECT_EQ(eng.balances().balance(w.btc), f("0.01998"));
}

TEST(ExecutionEngine, AnUnknownLegTheAccountShowsDidNothingIsMissed) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  eng.on_decision(w.decide(), kHash, suppress_reason::none, kT0);
  ASSERT_EQ(eng.take_orders().size(), 1U);
  eng.on_timeout("tb-1-1", kT0 + kLatency);
  // The request never reached the exchange: the account is the ledger, at
  // its send time + recvWindow (5 s), when it can no longer execute.
  const std::vector<asset_balance> account = {{w.usdt, f("10000")}};
  eng.on_account(account, kT0 + 5000 * kLatency);
  EXPECT_EQ(eng.counter(exec_counter::reconciled_from_account), 1U);
  const std::vector<execution_record> recs = eng.take_records();
  ASSERT_EQ(recs.size(), 3U);
  EXPECT_EQ(std::get<fill_record>(recs[1]).status, order_status::expired);
  EXPECT_EQ(std::get<cycle_record>(recs[2]).outcome, cycle_end::missed);
  EXPECT_EQ(eng.in_flight(), 0U);
  EXPECT_TRUE(eng.take_events().empty());
}

TEST(ExecutionEngine, AnAccountMismatchHaltsUntilTheStateIsActiveAgain) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  const std::vector<asset_balance> account = {{w.usdt, f("9999.5")}};
  eng.on_account(account, kT0);
  EXPECT_EQ(eng.counter(exec_counter::account_mismatches), 1U);
  const std::vector<execution_event> ev = eng.take_events();
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_EQ(ev[0].kind, execution_event_kind::account_mismatch);
  EXPECT_EQ(ev[0].detail, "account mismatch: USDT ours 10000 theirs 9999.5");
  EXPECT_TRUE(eng.self_halted());
  // The caller's halt: layer four's manual trigger by "reconcile", a
  // transition the chain's state replay (and so the audit) accepts.
  trading_guard guard(guard_config{});
  std::vector<guard_event> halted;
  guard.halt(ev[0].time_ns, "reconcile", ev[0].detail, halted);
  ASSERT_EQ(halted.size(), 1U);
  EXPECT_EQ(halted[0].trigger, guard_trigger::manual);
  trading_state_tracker replay;
  EXPECT_EQ(replay.apply({.seq = 0,
                          .body = genesis_record{},
                          .prev_hash = std::string(kZeroHash),
                          .hash = std::string(kZeroHash)}),
            "");
  EXPECT_EQ(replay.apply({.seq = 1,
                          .body = to_record(halted[0], w.idx, w.u),
                          .prev_hash = std::string(kZeroHash),
                          .hash = std::string(kZeroHash)}),
            "");
  EXPECT_EQ(replay.state(), trading_state::halted);
  const opportunity op = w.decide();
  eng.on_decision(op, kHash, suppress_reason::none, kT0 + 1);
  EXPECT_EQ(eng.counter(exec_counter::refused_not_active), 1U);
  // The caller halted the guard (manual, by "reconcile"); an operator resumed.
  eng.on_trading_state(trading_state::halted, kT0 + 2);
  EXPECT_TRUE(eng.self_halted());
  eng.on_trading_state(trading_state::active, kT0 + 3);
  EXPECT_FALSE(eng.self_halted());
  eng.on_decision(op, kHash, suppress_reason::none, kT0 + 4);
  EXPECT_EQ(eng.take_orders().size(), 1U);
}

// The guard quarantined the triangle while leg 1 was out (the repeat
// guard): leg 2 is held, the cycle ends residual not_active, and the
// audit's rule "no order on a quarantined triangle" holds for the engine's
// own chain. An operator's resume releases the quarantine.
TEST(ExecutionEngine, AQuarantineAfterLegOneHoldsLegTwo) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  paper_transport pt = w.transport();
  const opportunity op = w.decide();
  eng.on_decision(op, kHash, suppress_reason::none, kT0);
  for (const outgoing_order& o : eng.take_orders()) pt.submit(o);
  // The guard's quarantine event: the state stays active.
  eng.on_trading_state(trading_state::active, kT0 + 1, op.triangle);
  run_until(eng, pt, kT0 + 10 * kLatency);
  const std::vector<execution_record> recs = eng.take_records();
  EXPECT_EQ(only<order_record>(recs).size(), 1U);
  ASSERT_FALSE(recs.empty());
  const cycle_record* c = std::get_if<cycle_record>(&recs.back());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->reason, "not_active");
  EXPECT_EQ(eng.counter(exec_counter::legs_held_not_active), 1U);
  // A decision on it is refused until the resume releases it.
  eng.on_decision(op, kHash, suppress_reason::none, kT0 + 20 * kLatency);
  EXPECT_TRUE(eng.take_orders().empty());
  eng.on_trading_state(trading_state::active, kT0 + 21 * kLatency);
  eng.on_decision(op, kHash, suppress_reason::none, kT0 + 22 * kLatency);
  EXPECT_EQ(eng.take_orders().size(), 1U);
}

// While the transport is paused by a 429/418's Retry-After, leg 1 could not
// be sent: no cycle starts (refused_paused, before the gate), nothing is
// journaled or sent; a shorter pause given later does not shorten it; at its
// end a decision starts a cycle again.
TEST(ExecutionEngine, NoCycleStartsWhileTheTransportIsPaused) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  const opportunity op = w.decide();
  const std::int64_t until = kT0 + 100 * kLatency;
  eng.on_transport_paused(until);
  eng.on_transport_paused(kT0 + 10 * kLatency);  // only extends
  eng.on_decision(op, kHash, suppress_reason::none, kT0);
  eng.on_decision(op, kHash, suppress_reason::none, until - 1);
  EXPECT_EQ(eng.counter(exec_counter::refused_paused), 2U);
  EXPECT_EQ(eng.counter(exec_counter::refused_gate), 0U);
  EXPECT_EQ(eng.counter(exec_counter::cycles_started), 0U);
  EXPECT_TRUE(eng.take_orders().empty());
  EXPECT_TRUE(eng.take_records().empty());
  EXPECT_EQ(eng.balances().balance(w.usdt), f("10000"));
  EXPECT_EQ(to_string(exec_counter::refused_paused), "refused_paused");
  eng.on_decision(op, kHash, suppress_reason::none, until);
  EXPECT_EQ(eng.counter(exec_counter::cycles_started), 1U);
  EXPECT_EQ(eng.take_orders().size(), 1U);
  EXPECT_EQ(eng.counter(exec_counter::refused_paused), 2U);
}

// An unknown order the exchange did execute, seen only in the account: its
// assets are pending while the exchange could still execute it (send time +
// recvWindow), then, past recvWindow + grace, the difference is a mismatch
// and a halt: never pending forever.
TEST(ExecutionEngine, AnUnknownExecutedOrderSeenOnlyInTheAccountHaltsAfterTheWindow) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  eng.on_decision(w.decide(), kHash, suppress_reason::none, kT0);
  ASSERT_EQ(eng.take_orders().size(), 1U);
  eng.on_timeout("tb-1-1", kT0 + 500 * kLatency);
  const std::vector<asset_balance> account = {{w.usdt, f("9000")}, {w.btc, f("0.01998")}};
  eng.on_account(account, kT0 + 1000 * kLatency);  // 1 s: within recvWindow 5 s
  EXPECT_EQ(eng.counter(exec_counter::account_pending), 1U);
  EXPECT_TRUE(eng.take_events().empty());
  eng.on_account(account, kT0 + 7000 * kLatency);  // 7 s: within recvWindow + grace 10 s
  EXPECT_EQ(eng.counter(exec_counter::account_pending), 2U);
  EXPECT_TRUE(eng.take_events().empty());
  eng.on_account(account, kT0 + 10'001 * kLatency);
  EXPECT_EQ(eng.counter(exec_counter::account_pending), 2U);
  EXPECT_EQ(eng.counter(exec_counter::account_mismatches), 1U);
  const std::vector<execution_event> ev = eng.take_events();
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_EQ(ev[0].kind, execution_event_kind::account_mismatch);
  EXPECT_NE(ev[0].detail.find("USDT ours 10000 theirs 9000"), std::string::npos) << ev[0].detail;
  EXPECT_NE(ev[0].detail.find("tb-1-1"), std::string::npos) << ev[0].detail;
  EXPECT_TRUE(eng.self_halted());
}

// An unknown order sent less than recvWindow ago may still execute: the
// account agreeing with the ledger does not make it "did nothing" yet.
TEST(ExecutionEngine, ARecentUnknownOrderIsNotClosedAsDidNothing) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  eng.on_decision(w.decide(), kHash, suppress_reason::none, kT0);
  ASSERT_EQ(eng.take_orders().size(), 1U);
  eng.on_timeout("tb-1-1", kT0 + 500 * kLatency);
  const std::vector<asset_balance> account = {{w.usdt, f("10000")}};
  eng.on_account(account, kT0 + 4999 * kLatency);
  EXPECT_EQ(eng.counter(exec_counter::reconciled_from_account), 0U);
  EXPECT_EQ(eng.unknown(), 1U);
  eng.on_account(account, kT0 + 5000 * kLatency);  // send + recvWindow: it can no longer execute
  EXPECT_EQ(eng.counter(exec_counter::reconciled_from_account), 1U);
  EXPECT_EQ(eng.in_flight(), 0U);
}

// Leg 2's answer is refused by the ledger (commission 10^-8 too high): a
// halt, and leg 3 is never sent (it waits for leg 2's answer). After the
// resume, the account check is never pending on an answer nobody waits
// for: the ledger's missing leg 2 shows as a mismatch.
TEST(ExecutionEngine, ARefusedLegTwoAnswerHaltsAndLeavesNothingPending) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  paper_transport pt = w.transport();
  eng.on_decision(w.decide(), kHash, suppress_reason::none, kT0);
  for (const outgoing_order& o : eng.take_orders()) pt.submit(o);
  std::optional<paper_delivery> d = pt.pop_due(kT0 + kLatency, eng.balances());
  ASSERT_TRUE(d.has_value());
  eng.on_result(d->client_order_id, d->result, d->at_ns);  // leg 1: 0.01998 BTC
  const std::vector<outgoing_order> next = eng.take_orders();
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].leg, 2U);
  pt.submit(next[0]);
  ledger exchange = eng.balances();
  std::optional<paper_delivery> leg2 = pt.pop_due(kT0 + 2 * kLatency, exchange);
  ASSERT_TRUE(leg2.has_value());
  ASSERT_EQ(exchange.apply(next[0].order, leg2->result, w.u, f("0.001")), ledger_errc::ok);
  order_result bad = leg2->result;
  ASSERT_FALSE(bad.fills.empty());
  bad.fills[0].commission = checked_add(bad.fills[0].commission, fixed8::from_raw(1)).value;
  eng.on_result(leg2->client_order_id, bad, leg2->at_ns);
  EXPECT_EQ(eng.counter(exec_counter::ledger_refused), 1U);
  const std::vector<execution_event> ev = eng.take_events();
  ASSERT_EQ(ev.size(), 1U);
  EXPECT_EQ(ev[0].detail, "ledger refused tb-1-2: commission_amount");
  EXPECT_TRUE(eng.take_orders().empty());
  EXPECT_EQ(eng.in_flight(), 0U);
  EXPECT_EQ(eng.open_cycles(), 0U);
  eng.on_trading_state(trading_state::halted, kT0 + 3 * kLatency);
  eng.on_trading_state(trading_state::active, kT0 + 4 * kLatency);
  std::vector<asset_balance> account;
  for (asset_id a = 0; a < 3; ++a) account.push_back({a, exchange.balance(a)});
  eng.on_account(account, kT0 + 5 * kLatency);
  EXPECT_EQ(eng.counter(exec_counter::account_pending), 0U);
  EXPECT_EQ(eng.counter(exec_counter::account_mismatches), 1U);
}

TEST(ExecutionEngine, ResultsForUnknownIdsAreCountedAndIgnored) {
  world w;
  execution_engine eng(w.u, w.idx, w.config(), world::any_value(), w.start_usdt("10000"));
  order_result r;
  r.status = order_status::filled;
  eng.on_result("tb-9-1", r, kT0);
  eng.on_timeout("tb-9-1", kT0);
  EXPECT_EQ(eng.counter(exec_counter::results_unknown_id), 1U);
  EXPECT_EQ(eng.counter(exec_counter::timeouts_ignored), 1U);
  EXPECT_TRUE(eng.take_records().empty());
  EXPECT_EQ(to_string(exec_counter::refused_gate), "refused_gate");
  EXPECT_EQ(to_string(exec_counter::cycles_missed), "cycles_missed");
}

TEST(PaperTransport, AnOrderTheLedgerCannotPayIsRejectedAsTheExchangeWould) {
  world w;
  paper_transport pt = w.transport();
  const ledger empty(3);
  outgoing_order o;
  o.order = {.client_order_id = "x-1-1",
             .symbol = w.btcusdt,
             .dir = side::buy,
             .price = f("50000"),
             .quantity = f("0.02")};
  o.send_ns = kT0;
  EXPECT_EQ(pt.submit(o), kT0 + kLatency);
  EXPECT_FALSE(pt.pop_due(kT0 + kLatency - 1, empty).has_value());
  const std::optional<paper_delivery> d = pt.pop_due(kT0 + kLatency, empty);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->result.status, order_status::rejected);
  EXPECT_EQ(d->result.error_code, -2010);
  EXPECT_TRUE(d->insufficient_balance);
  EXPECT_EQ(pt.insufficient_balance(), 1U);
  EXPECT_EQ(pt.pending(), 0U);
}

}  // namespace
}  // namespace triarb
