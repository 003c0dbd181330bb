// core/cycle.h and core/risk_gate.h on a real-looking triangle,
// USDT>BTC>ETH>USDT (buy BTCUSDT, buy ETHBTC, sell ETHUSDT) and its reverse,
// with the exchange's filters: every transition, every sizing rule with
// hand-computed numbers, the protective caps' rounding, the outcome's
// arithmetic, and each of the risk gate's refusals.
#include "core/cycle.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/risk_gate.h"

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

struct world {
  universe u{{{"BTCUSDT", "BTC", "USDT", filters("0.01", "0.00001", "5")},
              {"ETHBTC", "ETH", "BTC", filters("0.00001", "0.0001", "0.0001")},
              {"ETHUSDT", "ETH", "USDT", filters("0.01", "0.0001", "10")}}};
  asset_id usdt = *u.find_asset("USDT");
  asset_id btc = *u.find_asset("BTC");
  asset_id eth = *u.find_asset("ETH");
  std::vector<asset_id> starts{usdt};
  triangle_index idx = triangle_index::build(u, starts);
  triangle_id find(const char* name) const {
    for (triangle_id t = 0; t < idx.size(); ++t) {
      if (idx.name(t, u) == name) return t;
    }
    ADD_FAILURE() << name;
    return 0;
  }
  triangle_id forward = find("USDT>BTC>ETH>USDT");
  triangle_id reverse = find("USDT>ETH>BTC>USDT");
};

// What the evaluator reports for 100 USDT at BTCUSDT ask 60000, ETHBTC ask
// 0.05, ETHUSDT bid 3030, fee 0.1 %: buy 0.00166 BTC (99.6 USDT), buy 0.0331
// ETH, sell 0.033 ETH for 99.99 - 0.09999 = 99.89001: profit 0.29001.
opportunity forward_opportunity(const world& w) {
  opportunity o;
  o.triangle = w.forward;
  const triangle& t = w.idx.triangle_at(w.forward);
  const char* prices[] = {"60000", "0.05", "3030"};
  const char* qtys[] = {"0.00166", "0.0331", "0.033"};
  for (std::size_t k = 0; k < 3; ++k) {
    o.legs[k].symbol = t.legs[k].symbol;
    o.legs[k].dir = t.legs[k].dir;
    o.legs[k].price = f(prices[k]);
    o.legs[k].fill_qty = f(qtys[k]);
    o.legs[k].valid = true;
  }
  o.amount_in = f("99.6");
  o.amount_out = f("99.89001");
  o.profit = f("0.29001");
  return o;
}

struct fill_spec {
  const char* price;
  const char* qty;
};

// A result as the exchange would send it for order `o` (received asset
// `to`), commission by order.h's rule at 0.1 %.
order_result result(const order_request& o, asset_id to, std::vector<fill_spec> fills) {
  order_result r;
  r.order_id = 1;
  std::uint64_t trade = 1;
  for (const fill_spec& s : fills) {
    order_fill x;
    x.price = f(s.price);
    x.qty = f(s.qty);
    x.commission_asset = to;
    x.trade_id = trade++;
    const fixed8 quote = fill_quote(x.price, x.qty).value;
    x.commission = fill_commission(o.dir == side::buy ? x.qty : quote, f("0.001")).value;
    r.executed_qty = checked_add(r.executed_qty, x.qty).value;
    r.cumulative_quote = checked_add(r.cumulative_quote, quote).value;
    r.fills.push_back(x);
  }
  r.status = r.executed_qty == o.quantity ? order_status::filled : order_status::expired;
  return r;
}

order_result rejected(int code, const char* msg) {
  order_result r;
  r.status = order_status::rejected;
  r.error_code = code;
  r.error_msg = msg;
  return r;
}

cycle plan_forward(const world& w, std::uint32_t bps = 10, std::uint64_t id = 7) {
  cycle_config cfg;
  cfg.max_slippage_bps = bps;
  cycle_plan_result p =
      cycle::plan(id, forward_opportunity(w), w.idx.triangle_at(w.forward), w.u, cfg);
  EXPECT_TRUE(p.ok()) << p.error;
  return std::move(*p.value);
}

constexpr auto kActive = suppress_reason::none;

fixed8 residual(const cycle_outcome& o, asset_id a) {
  for (const asset_amount& r : o.residuals) {
    if (r.asset == a) return r.amount;
  }
  ADD_FAILURE() << "no residual for asset " << a;
  return {};
}

TEST(Cycle, PlanSendsLegOneAsAnIocAtThePlannedWorstPrice) {
  const world w;
  cycle c = plan_forward(w);
  EXPECT_EQ(c.state(), cycle_state::planned);
  EXPECT_EQ(c.notional(), f("99.6"));
  EXPECT_EQ(c.start_asset(), w.usdt);
  const order_request& o = c.start(100);
  EXPECT_EQ(c.state(), cycle_state::leg1);
  EXPECT_EQ(o.client_order_id, "tb-7-1");
  EXPECT_EQ(o.symbol, w.u.find_symbol("BTCUSDT"));
  EXPECT_EQ(o.dir, side::buy);
  EXPECT_EQ(o.tif, time_in_force::ioc);
  EXPECT_EQ(o.price, f("60000"));
  EXPECT_EQ(o.quantity, f("0.00166"));
  EXPECT_EQ(c.status(0), leg_status::sent);
  EXPECT_EQ(c.status(1), leg_status::not_sent);
}

TEST(Cycle, ProtectiveCapsRoundToTheTickOnTheProtectiveSide) {
  const world w;
  // 10 bps: 0.05 x 1.001 = 0.05005 and 3030 x 0.999 = 3026.97 are on the tick.
  cycle c = plan_forward(w, 10);
  EXPECT_EQ(c.limit(1), f("0.05005"));
  EXPECT_EQ(c.limit(2), f("3026.97"));
  // 7 bps: 0.05 x 1.0007 = 0.050035, floored to 0.05003 (a buy never pays
  // more than the allowance); 3030 x 0.9993 = 3027.879, raised to 3027.88
  // (a sell never takes less).
  cycle d = plan_forward(w, 7);
  EXPECT_EQ(d.limit(1), f("0.05003"));
  EXPECT_EQ(d.limit(2), f("3027.88"));
  // 0 bps: the planned price itself.
  cycle e = plan_forward(w, 0);
  EXPECT_EQ(e.limit(1), f("0.05"));
  EXPECT_EQ(e.limit(2), f("3030"));
  // No tick: 8 decimals, same directions.
  EXPECT_EQ(cycle::protective_cap(side::buy, f("0.00000003"), fixed8::zero(), 5000).value,
            f("0.00000004"));  // 0.000000045 floored
  EXPECT_EQ(cycle::protective_cap(side::sell, f("0.00000003"), fixed8::zero(), 5000).value,
            f("0.00000002"));  // 0.000000015 raised
  EXPECT_FALSE(cycle::protective_cap(side::buy, fixed8::max(), f("0.01"), 10).ok());
}

TEST(Cycle, LegsTwoAndThreeAreSizedFromLegOnesActualFillNetOfCommission) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(100);
  // Leg 1 fills in full: 0.00166 BTC, commission 0.00000166 BTC: holds 0.00165834.
  std::vector<order_request> next =
      c.on_result(200, 0, result(l1, w.btc, {{"60000", "0.00166"}}), kActive);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(c.state(), cycle_state::leg2);
  // Leg 2 buys what 0.00165834 BTC affords at its cap 0.05005: 0.033133...
  // floored to the step 0.0001: 0.0331 (0.0331 x 0.05005 = 0.001656655 <= held).
  EXPECT_EQ(next[0].client_order_id, "tb-7-2");
  EXPECT_EQ(next[0].dir, side::buy);
  EXPECT_EQ(next[0].price, f("0.05005"));
  EXPECT_EQ(next[0].quantity, f("0.0331"));
  // Leg 2 fills in full: 0.0331 - 0.0000331 commission = 0.0330669 ETH; leg 3
  // sells that floored to 0.0001: 0.033, at its cap 3026.97.
  const std::vector<order_request> n3 =
      c.on_result(250, 1, result(next[0], w.eth, {{"0.05", "0.0331"}}), kActive);
  ASSERT_EQ(n3.size(), 1U);
  EXPECT_EQ(c.state(), cycle_state::leg3);
  next.push_back(n3[0]);
  EXPECT_EQ(next[1].client_order_id, "tb-7-3");
  EXPECT_EQ(next[1].dir, side::sell);
  EXPECT_EQ(next[1].price, f("3026.97"));
  EXPECT_EQ(next[1].quantity, f("0.033"));
  EXPECT_EQ(check_filters(w.u.symbol(next[0].symbol).filters, next[0].price, next[0].quantity),
            filter_errc::ok);
  EXPECT_EQ(check_filters(w.u.symbol(next[1].symbol).filters, next[1].price, next[1].quantity),
            filter_errc::ok);
}

TEST(Cycle, ACompleteCycleIsDoneWithExactPnlResidualsAndSlippage) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(100);
  const auto next = c.on_result(200, 0, result(l1, w.btc, {{"60000", "0.00166"}}), kActive);
  ASSERT_EQ(next.size(), 1U);
  const auto n3 = c.on_result(300, 1, result(next[0], w.eth, {{"0.05", "0.0331"}}), kActive);
  ASSERT_EQ(n3.size(), 1U);
  EXPECT_EQ(c.state(), cycle_state::leg3);  // leg 3 still out
  (void)c.on_result(310, 2, result(n3[0], w.usdt, {{"3030", "0.033"}}), kActive);
  EXPECT_EQ(c.state(), cycle_state::done);
  const cycle_outcome o = c.outcome();
  EXPECT_EQ(o.reason, cycle_reason::none);
  EXPECT_EQ(o.orders_sent, 3U);
  EXPECT_EQ(o.expected_pnl, f("0.29001"));
  // 99.99 - 0.09999 received on leg 3, minus 99.6 paid on leg 1.
  EXPECT_EQ(o.realised_pnl, f("0.29001"));
  // BTC: 0.00165834 held - 0.001655 paid on leg 2. ETH: 0.0331 - 0.0000331 - 0.033.
  ASSERT_EQ(o.residuals.size(), 2U);
  EXPECT_EQ(residual(o, w.btc), f("0.00000334"));
  EXPECT_EQ(residual(o, w.eth), f("0.0000669"));
  for (const leg_outcome& l : o.legs) {
    EXPECT_EQ(l.slippage_e16, 0);
    EXPECT_EQ(l.vwap, l.planned_price);
  }
  EXPECT_EQ(o.legs[2].quote, f("99.99"));
  EXPECT_EQ(o.legs[2].commission, f("0.09999"));
  EXPECT_EQ(o.legs[0].sent_ns, 100);
  EXPECT_EQ(o.legs[0].answered_ns, 200);
}

TEST(Cycle, VwapRoundsAgainstUsAndSlippageIsExact) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(100);
  // Two fills below the limit: (0.001 x 59999.99 + 0.0005 x 59999.98) / 0.0015
  // = 59999.98666..., rounded up for a buy: 59999.98666667.
  const auto next = c.on_result(
      200, 0, result(l1, w.btc, {{"59999.99", "0.001"}, {"59999.98", "0.0005"}}), kActive);
  ASSERT_EQ(next.size(), 1U);
  // Leg 2 gets 0.0199 ETH (net 0.0198801): leg 3 sells 0.0198, above its
  // planned 3030 at 3030.5 for 0.01 and below at 3029 for 0.0098.
  const auto n3 = c.on_result(300, 1, result(next[0], w.eth, {{"0.05001", "0.0199"}}), kActive);
  ASSERT_EQ(n3.size(), 1U);
  EXPECT_EQ(n3[0].quantity, f("0.0198"));
  (void)c.on_result(300, 2, result(n3[0], w.usdt, {{"3030.5", "0.01"}, {"3029", "0.0098"}}),
                    kActive);
  const cycle_outcome o = c.outcome();
  EXPECT_EQ(o.legs[0].vwap, f("59999.98666667"));
  // Buy: (59999.99 - 60000) x 0.001 + (59999.98 - 60000) x 0.0005 = -0.00002 quote
  // (better than planned: negative).
  EXPECT_EQ(o.legs[0].slippage_e16, -static_cast<i128>(200'000'000'000));
  EXPECT_EQ(o.legs[0].slippage, f("-0.00002"));
  // Leg 2 bought at 0.05001 for 0.0199: (0.05001 - 0.05) x 0.0199 = 0.000000199
  // exactly, 1.99 x 10^-7: rounded up to 10^-8, 0.0000002.
  EXPECT_EQ(o.legs[1].slippage_e16, static_cast<i128>(1'990'000'000));
  EXPECT_EQ(o.legs[1].slippage, f("0.0000002"));
  // Sell: (3030 - 3030.5) x 0.01 + (3030 - 3029) x 0.0098 = -0.005 + 0.0098 = 0.0048.
  EXPECT_EQ(o.legs[2].slippage, f("0.0048"));
  // (3030.5 x 0.01 + 3029 x 0.0098) / 0.0198 = 59.9892 / 0.0198 = 3029.757575...,
  // rounded down for a sell.
  EXPECT_EQ(o.legs[2].vwap, f("3029.75757575"));
}

TEST(Cycle, LegOneRejectedOrUnfilledIsMissed) {
  const world w;
  cycle c = plan_forward(w);
  (void)c.start(1);
  EXPECT_TRUE(
      c.on_result(2, 0, rejected(-2010, "Account has insufficient balance"), kActive).empty());
  EXPECT_EQ(c.state(), cycle_state::missed);
  EXPECT_EQ(c.outcome().reason, cycle_reason::leg1_rejected);
  EXPECT_EQ(c.outcome().realised_pnl, fixed8::zero());
  EXPECT_EQ(c.outcome().orders_sent, 1U);

  cycle d = plan_forward(w);
  const order_request l1 = d.start(1);
  EXPECT_TRUE(d.on_result(2, 0, result(l1, w.btc, {}), kActive).empty());
  EXPECT_EQ(d.state(), cycle_state::missed);
  EXPECT_EQ(d.outcome().reason, cycle_reason::leg1_unfilled);
  EXPECT_EQ(residual(d.outcome(), w.btc), fixed8::zero());
}

TEST(Cycle, AnUnknownLegWaitsUntilReconciled) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(1);
  c.on_unknown(5, 0);
  EXPECT_EQ(c.status(0), leg_status::unknown);
  EXPECT_EQ(c.state(), cycle_state::leg1);
  // A late answer through on_result is out of turn: nothing happens.
  const order_result r = result(l1, w.btc, {{"60000", "0.00166"}});
  EXPECT_TRUE(c.on_result(6, 0, r, kActive).empty());
  EXPECT_EQ(c.misuse(), 1U);
  EXPECT_EQ(c.state(), cycle_state::leg1);
  const auto next = c.on_reconciled(9, 0, r, kActive);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(c.state(), cycle_state::leg2);
  // Leg 2's answer never comes either: leg 3 waits for it.
  c.on_unknown(10, 1);
  EXPECT_EQ(c.state(), cycle_state::leg2);
  EXPECT_EQ(c.status(2), leg_status::not_sent);
  const auto n3 = c.on_reconciled(11, 1, result(next[0], w.eth, {{"0.05", "0.0331"}}), kActive);
  ASSERT_EQ(n3.size(), 1U);
  EXPECT_EQ(c.state(), cycle_state::leg3);
  c.on_unknown(12, 2);
  EXPECT_EQ(c.state(), cycle_state::leg3);
  (void)c.on_reconciled(20, 2, result(n3[0], w.usdt, {{"3030", "0.033"}}), kActive);
  EXPECT_EQ(c.state(), cycle_state::done);
  EXPECT_EQ(c.outcome().legs[2].answered_ns, 20);
  EXPECT_EQ(c.outcome().realised_pnl, f("0.29001"));
}

TEST(Cycle, LegOnePartialSizesTheRestFromWhatItGot) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(1);
  // 0.001 BTC filled of 0.00166, commission 0.000001: holds 0.000999 BTC.
  // Leg 2: 0.000999 / 0.05005 = 0.019960..., floored: 0.0199. Worst case
  // 0.0199 - 0.0000199 = 0.0198801; leg 3: 0.0198.
  const auto next = c.on_result(2, 0, result(l1, w.btc, {{"60000", "0.001"}}), kActive);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].quantity, f("0.0199"));
  const auto n3 = c.on_result(3, 1, result(next[0], w.eth, {{"0.05", "0.0199"}}), kActive);
  ASSERT_EQ(n3.size(), 1U);
  EXPECT_EQ(n3[0].quantity, f("0.0198"));
}

TEST(Cycle, ALegFailingItsFiltersAfterSizingIsNotSent) {
  const world w;
  {
    // Leg 1 got 0.00001 BTC: leg 2 would buy 0.0001 ETH for 0.000005005 BTC,
    // under ETHBTC's minNotional 0.0001: neither leg 2 nor leg 3 is sent.
    cycle c = plan_forward(w);
    const order_request l1 = c.start(1);
    EXPECT_TRUE(c.on_result(2, 0, result(l1, w.btc, {{"60000", "0.00001"}}), kActive).empty());
    EXPECT_EQ(c.state(), cycle_state::residual);
    const cycle_outcome o = c.outcome();
    EXPECT_EQ(o.reason, cycle_reason::filters);
    EXPECT_EQ(o.reason_leg, 1);
    EXPECT_EQ(o.filter, filter_errc::notional_min);
    EXPECT_EQ(o.orders_sent, 1U);
    EXPECT_EQ(residual(o, w.btc), f("0.00000999"));
    EXPECT_EQ(o.realised_pnl, f("-0.6"));
  }
  {
    // Leg 1 got 0.00012 BTC: leg 2 buys 0.0023 ETH (0.000115115 BTC, over
    // 0.0001), leg 3 would sell 0.0022 ETH at 3026.97 = 6.659334 USDT, under
    // ETHUSDT's minNotional 10: neither is sent.
    cycle c = plan_forward(w);
    const order_request l1 = c.start(1);
    EXPECT_TRUE(c.on_result(2, 0, result(l1, w.btc, {{"60000", "0.00012"}}), kActive).empty());
    const cycle_outcome o = c.outcome();
    EXPECT_EQ(o.state, cycle_state::residual);
    EXPECT_EQ(o.reason, cycle_reason::filters);
    EXPECT_EQ(o.reason_leg, 2);
    EXPECT_EQ(o.filter, filter_errc::notional_min);
    EXPECT_EQ(c.status(1), leg_status::not_sent);
    EXPECT_EQ(residual(o, w.btc), f("0.00011988"));
  }
}

TEST(Cycle, NoLegIsSentAfterTheTradingStateLeftActive) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(1);
  EXPECT_TRUE(c.on_result(2, 0, result(l1, w.btc, {{"60000", "0.00166"}}), suppress_reason::halted)
                  .empty());
  EXPECT_EQ(c.state(), cycle_state::residual);
  EXPECT_EQ(c.outcome().reason, cycle_reason::not_active);
  EXPECT_EQ(residual(c.outcome(), w.btc), f("0.00165834"));
}

TEST(Cycle, ARejectedLegThreeEndsResidualWithTheStartAssetSpent) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(1);
  const auto next = c.on_result(2, 0, result(l1, w.btc, {{"60000", "0.00166"}}), kActive);
  ASSERT_EQ(next.size(), 1U);
  const auto n3 = c.on_result(3, 1, result(next[0], w.eth, {{"0.05", "0.0331"}}), kActive);
  ASSERT_EQ(n3.size(), 1U);
  (void)c.on_result(4, 2, rejected(-1013, "Filter failure: NOTIONAL"), kActive);
  const cycle_outcome o = c.outcome();
  EXPECT_EQ(o.state, cycle_state::residual);
  EXPECT_EQ(o.reason, cycle_reason::short_fill);
  EXPECT_EQ(o.reason_leg, 2);
  EXPECT_EQ(o.realised_pnl, f("-99.6"));
  EXPECT_EQ(residual(o, w.eth), f("0.0330669"));
}

TEST(Cycle, AnInconsistentResultIsAccountedAndEndsTheCycle) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(1);
  // A buy filled above its limit 60000.
  order_result r = result(l1, w.btc, {{"60000.01", "0.00166"}});
  EXPECT_TRUE(c.on_result(2, 0, r, kActive).empty());
  const cycle_outcome o = c.outcome();
  EXPECT_EQ(o.state, cycle_state::residual);
  EXPECT_EQ(o.reason, cycle_reason::inconsistent_result);
  EXPECT_EQ(o.realised_pnl, f("-99.6000166"));  // truncated: 99.6000166 exactly
  // executed_qty that is not the sum of the fills.
  cycle d = plan_forward(w);
  const order_request m1 = d.start(1);
  order_result s = result(m1, w.btc, {{"60000", "0.001"}});
  s.executed_qty = f("0.00166");
  EXPECT_TRUE(d.on_result(2, 0, s, kActive).empty());
  EXPECT_EQ(d.outcome().reason, cycle_reason::inconsistent_result);
}

// The ledger (core/ledger.h) refuses a commission that is not order.h's rule
// at the fee rate, or charged in another asset; the cycle does not size legs
// 2 and 3 from such a result either.
TEST(Cycle, ACommissionOffTheFeeRuleOrInAnotherAssetIsInconsistent) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(1);
  order_result r = result(l1, w.btc, {{"60000", "0.00166"}});
  r.fills[0].commission = f("0.00000165");  // 0.1 % of 0.00166 is 0.00000166
  EXPECT_TRUE(c.on_result(2, 0, r, kActive).empty());
  EXPECT_EQ(c.outcome().reason, cycle_reason::inconsistent_result);
  EXPECT_EQ(residual(c.outcome(), w.btc), f("0.00165835"));  // accounted as given

  cycle d = plan_forward(w);
  const order_request m1 = d.start(1);
  order_result s = result(m1, w.btc, {{"60000", "0.00166"}});
  s.fills[0].commission_asset = w.usdt;  // charged in what the buy paid
  EXPECT_TRUE(d.on_result(2, 0, s, kActive).empty());
  EXPECT_EQ(d.outcome().reason, cycle_reason::inconsistent_result);
  EXPECT_EQ(d.outcome().realised_pnl, f("-99.60000166"));
}

TEST(Cycle, TheReverseTriangleSellsLegTwoAndSizesLegThreeFromItsWorstQuote) {
  const world w;
  opportunity o;
  o.triangle = w.reverse;
  const triangle& t = w.idx.triangle_at(w.reverse);
  const char* prices[] = {"3000", "0.05", "60000"};
  const char* qtys[] = {"0.0333", "0.0332", "0.00165"};
  for (std::size_t k = 0; k < 3; ++k) {
    o.legs[k].symbol = t.legs[k].symbol;
    o.legs[k].dir = t.legs[k].dir;
    o.legs[k].price = f(prices[k]);
    o.legs[k].fill_qty = f(qtys[k]);
  }
  o.amount_in = f("99.9");
  o.profit = f("0.01");
  cycle_plan_result p = cycle::plan(8, o, t, w.u, {});
  ASSERT_TRUE(p.ok()) << p.error;
  cycle& c = *p.value;
  const order_request l1 = c.start(1);
  EXPECT_EQ(l1.symbol, w.u.find_symbol("ETHUSDT"));
  // Holds 0.0333 - 0.0000333 = 0.0332667 ETH; leg 2 sells 0.0332 at cap
  // 0.04995; worst quote 0.0332 x 0.04995 = 0.00165834, commission
  // 0.00000166 (rounded up): 0.00165668 BTC; leg 3 sells 0.00165 at 59940.
  const auto next = c.on_result(2, 0, result(l1, w.eth, {{"3000", "0.0333"}}), kActive);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].dir, side::sell);
  EXPECT_EQ(next[0].price, f("0.04995"));
  EXPECT_EQ(next[0].quantity, f("0.0332"));
  EXPECT_EQ(worst_output(side::sell, f("0.0332"), f("0.04995"), f("0.001")).value, f("0.00165668"));
  // Leg 2 sells at its cap: it delivers exactly that worst case.
  const auto n3 = c.on_result(3, 1, result(next[0], w.btc, {{"0.04995", "0.0332"}}), kActive);
  ASSERT_EQ(n3.size(), 1U);
  EXPECT_EQ(n3[0].price, f("59940"));
  EXPECT_EQ(n3[0].quantity, f("0.00165"));
}

// Legs go one after another: leg 2 after leg 1's answer, leg 3 after leg
// 2's, sized from what leg 2 actually delivered (so leg 3 never reaches the
// exchange before what it sells exists).
TEST(Cycle, LegsAreSequentialAndLegThreeIsSizedFromLegTwosActualFill) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(1);
  const auto n2 = c.on_result(2, 0, result(l1, w.btc, {{"60000", "0.00166"}}), kActive);
  ASSERT_EQ(n2.size(), 1U);
  EXPECT_EQ(to_string(c.state()), "leg2");
  EXPECT_EQ(n2[0].client_order_id, "tb-7-2");
  EXPECT_EQ(n2[0].quantity, f("0.0331"));
  EXPECT_EQ(c.status(2), leg_status::not_sent);
  // Leg 2 got 0.02 ETH of 0.0331 (commission 0.00002): leg 3 sells
  // floor_to_step(0.01998, 0.0001) = 0.0199 at its cap 3026.97.
  const auto n3 = c.on_result(3, 1, result(n2[0], w.eth, {{"0.05", "0.02"}}), kActive);
  ASSERT_EQ(n3.size(), 1U);
  EXPECT_EQ(to_string(c.state()), "leg3");
  EXPECT_EQ(n3[0].client_order_id, "tb-7-3");
  EXPECT_EQ(n3[0].price, f("3026.97"));
  EXPECT_EQ(n3[0].quantity, f("0.0199"));
  (void)c.on_result(4, 2, result(n3[0], w.usdt, {{"3030", "0.0199"}}), kActive);
  const cycle_outcome o = c.outcome();
  EXPECT_EQ(o.state, cycle_state::residual);
  EXPECT_EQ(o.reason, cycle_reason::short_fill);
  EXPECT_EQ(o.reason_leg, 1);
  EXPECT_EQ(residual(o, w.eth), f("0.00008"));  // never negative: 0.01998 - 0.0199
  EXPECT_EQ(o.orders_sent, 3U);
}

// The exchange refuses what a rejected answer claims filled: the cycle counts
// no fill of it either (the engine and the audit count none).
TEST(Cycle, ARejectedAnswerWithFillsCountsNoFills) {
  const world w;
  cycle c = plan_forward(w);
  const order_request l1 = c.start(1);
  order_result r = result(l1, w.btc, {{"60000", "0.00166"}});
  r.status = order_status::rejected;
  r.error_code = -2010;
  EXPECT_TRUE(c.on_result(2, 0, r, kActive).empty());
  const cycle_outcome o = c.outcome();
  EXPECT_EQ(o.state, cycle_state::residual);
  EXPECT_EQ(o.reason, cycle_reason::inconsistent_result);
  EXPECT_EQ(o.realised_pnl, fixed8::zero());
  EXPECT_EQ(o.legs[0].executed, fixed8::zero());
  EXPECT_EQ(residual(o, w.btc), fixed8::zero());
}

TEST(Cycle, PlanRefusesABadConfigALegOneOffItsFiltersAndAForeignTriangle) {
  const world w;
  cycle_config cfg;
  cfg.max_slippage_bps = 6000;
  EXPECT_EQ(validate(cfg), "cycle.max_slippage_bps must be from 0 to 5000 (got 6000)");
  cfg = {};
  cfg.client_order_id_prefix = "a b";
  EXPECT_EQ(validate(cfg),
            "cycle.client_order_id_prefix must be 1 to 13 of [A-Za-z0-9_-] (got \"a b\")");
  cfg = {};
  cfg.fee_rate = f("1");
  EXPECT_EQ(validate(cfg), "cycle.fee_rate must be in [0, 1) (got 1)");
  EXPECT_FALSE(cycle::plan(1, forward_opportunity(w), w.idx.triangle_at(w.forward), w.u, cfg).ok());

  opportunity o = forward_opportunity(w);
  o.legs[0].fill_qty = f("0.000001");  // off BTCUSDT's step
  const cycle_plan_result p = cycle::plan(1, o, w.idx.triangle_at(w.forward), w.u, {});
  EXPECT_EQ(p.error, "leg 1 BTCUSDT: qty_min (Filter failure: LOT_SIZE)");
  const cycle_plan_result q =
      cycle::plan(1, forward_opportunity(w), w.idx.triangle_at(w.reverse), w.u, {});
  EXPECT_FALSE(q.ok());
}

TEST(Cycle, ClientOrderIdsAreDeterministicValidAndUniquePerCycleAndLeg) {
  std::set<std::string> ids;
  for (const std::uint64_t id : {0ULL, 1ULL, 10ULL, 11ULL, 18446744073709551615ULL}) {
    for (std::size_t leg = 0; leg < 3; ++leg) {
      const std::string s = cycle::client_order_id("abcdefghijklm", id, leg);
      EXPECT_TRUE(valid_client_order_id(s)) << s;
      EXPECT_TRUE(ids.insert(s).second) << s;
    }
  }
  EXPECT_EQ(cycle::client_order_id("tb", 42, 2), "tb-42-3");
  EXPECT_EQ(ids.size(), 15U);
}

// ---- the risk gate ----

residual_valuation usdt_prices(const world& w) {
  return [&w](asset_id a, fixed8 amount) -> std::optional<fixed8> {
    if (a == w.usdt) return amount;
    if (a == w.btc) return checked_mul(amount, f("60000"), rounding::up).value;
    if (a == w.eth) return checked_mul(amount, f("3000"), rounding::up).value;
    return std::nullopt;
  };
}

cycle_outcome closed_with(const world& w, std::uint32_t sent, std::vector<asset_amount> res) {
  cycle_outcome o;
  o.start = w.usdt;
  o.orders_sent = sent;
  o.residuals = std::move(res);
  return o;
}

TEST(RiskGate, AdmitsOnlyActionableVerdicts) {
  const world w;
  risk_gate g({}, usdt_prices(w));
  const cycle c = plan_forward(w);
  EXPECT_EQ(g.admit(0, c, suppress_reason::halted), risk_verdict::not_active);
  EXPECT_EQ(g.admit(0, c, suppress_reason::reducing), risk_verdict::not_active);
  EXPECT_EQ(g.admit(0, c, suppress_reason::quarantined), risk_verdict::not_active);
  EXPECT_EQ(g.open_cycles(), 0U);
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::admit);
  EXPECT_EQ(g.open_cycles(), 1U);
  EXPECT_EQ(g.reserved_orders(), 3U);
  EXPECT_EQ(g.verdicts(risk_verdict::not_active), 3U);
  EXPECT_EQ(to_string(risk_verdict::not_active), "not_active");
}

TEST(RiskGate, RefusesANotionalAboveTheStartAssetsLimit) {
  const world w;
  risk_config k;
  k.max_notional = f("99.59999999");  // the plan spends 99.6 USDT
  risk_gate g(k, usdt_prices(w));
  const cycle c = plan_forward(w);
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::notional);
  k.max_notional_by_asset.assign(w.u.assets().size(), fixed8::zero());
  k.max_notional_by_asset[w.usdt] = f("99.6");  // per start asset: exactly enough
  risk_gate h(k, usdt_prices(w));
  EXPECT_EQ(h.admit(0, c, kActive), risk_verdict::admit);
  EXPECT_EQ(to_string(risk_verdict::notional), "notional");
}

TEST(RiskGate, RefusesBeyondMaxOpenCyclesUntilOneCloses) {
  const world w;
  risk_config k;
  k.max_open_cycles = 2;
  risk_gate g(k, usdt_prices(w));
  const cycle c = plan_forward(w);
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::admit);
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::admit);
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::open_cycles);
  g.on_cycle_closed(closed_with(w, 0, {}));
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::admit);
}

TEST(RiskGate, OrderRateCountsSentAndReservedOrdersOverARolling10s) {
  const world w;
  risk_config k;
  k.max_orders_per_10s = 7;
  risk_gate g(k, usdt_prices(w));
  const cycle c = plan_forward(w);
  constexpr std::int64_t s = 1'000'000'000;
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::admit);       // 3 reserved
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::admit);       // 6 reserved
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::order_rate);  // 6 + 3 > 7
  // The first cycle sends leg 1 at 1 s and misses: 1 sent, its 2 others released.
  g.on_order_sent(1 * s);
  g.on_cycle_closed(closed_with(w, 1, {}));
  EXPECT_EQ(g.reserved_orders(), 3U);
  EXPECT_EQ(g.admit(2 * s, c, kActive), risk_verdict::admit);  // 1 + 3 + 3 = 7: fits
  EXPECT_EQ(g.admit(2 * s, c, kActive), risk_verdict::order_rate);
  g.on_cycle_closed(closed_with(w, 0, {}));
  g.on_cycle_closed(closed_with(w, 0, {}));
  EXPECT_EQ(g.reserved_orders(), 0U);
  // Two cycles send their 6 orders at 5 s: 7 in the window.
  ASSERT_EQ(g.admit(3 * s, c, kActive), risk_verdict::admit);
  ASSERT_EQ(g.admit(3 * s, c, kActive), risk_verdict::admit);
  for (int i = 0; i < 6; ++i) g.on_order_sent(5 * s);
  g.on_cycle_closed(closed_with(w, 3, {}));
  g.on_cycle_closed(closed_with(w, 3, {}));
  EXPECT_EQ(g.orders_in_window(11 * s - 1), 7U);
  EXPECT_EQ(g.orders_in_window(11 * s), 6U);  // the 1 s order is out of (1 s, 11 s]
  EXPECT_EQ(g.admit(11 * s, c, kActive), risk_verdict::order_rate);  // 6 + 3 > 7
  EXPECT_EQ(g.admit(15 * s, c, kActive), risk_verdict::admit);       // window (5 s, 15 s] empty
  EXPECT_EQ(g.verdicts(risk_verdict::order_rate), 3U);
  EXPECT_EQ(g.misuse(), 0U);
}

TEST(RiskGate, RefusesWhileResidualInventoryIsWorthMoreThanTheLimit) {
  const world w;
  risk_config k;
  k.max_residual_value = f("10");
  risk_gate g(k, usdt_prices(w));
  const cycle c = plan_forward(w);
  ASSERT_EQ(g.admit(0, c, kActive), risk_verdict::admit);
  // 0.0002 BTC (12 USDT) left behind.
  g.on_cycle_closed(closed_with(w, 1, {{w.btc, f("0.0002")}}));
  EXPECT_EQ(*g.residual_value(), f("12"));
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::residual);
  // A short of 0.0001 BTC counts by its magnitude: 0.0003 would be 18; here
  // the net is 0.0001 BTC = 6 USDT: admitted again.
  g.on_cycle_closed(closed_with(w, 0, {{w.btc, f("-0.0001")}}));
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::admit);
  EXPECT_EQ(g.inventory().at(w.btc), f("0.0001"));
  // An asset the valuation cannot value is over the limit.
  g.on_cycle_closed(closed_with(w, 0, {{99, f("1")}}));
  EXPECT_FALSE(g.residual_value().has_value());
  EXPECT_EQ(g.admit(0, c, kActive), risk_verdict::residual);
}

TEST(RiskGate, KnobsAreValidatedByName) {
  risk_config k;
  k.max_orders_per_10s = 100;
  EXPECT_EQ(validate(k), "risk.max_orders_per_10s must be from 3 to 99 (got 100)");
  k = {};
  k.max_open_cycles = 0;
  EXPECT_EQ(validate(k), "risk.max_open_cycles must be from 1 to 1000 (got 0)");
  k = {};
  k.max_notional = fixed8::zero();
  EXPECT_EQ(validate(k), "risk.max_notional must be positive (got 0)");
  k = {};
  k.max_residual_value = f("-1");
  EXPECT_EQ(validate(k), "risk.max_residual_value must not be negative (got -1)");
  EXPECT_EQ(validate(risk_config{}), "");
  EXPECT_EQ(risk_config{}.max_orders_per_10s, 50U);
  EXPECT_THROW(risk_gate(k, [](asset_id, fixed8 a) { return std::optional<fixed8>(a); }),
               std::invalid_argument);
  EXPECT_THROW(risk_gate(risk_config{}, nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace triarb
