// Unit tests for the evaluator on hand-computed triangles: the threshold,
// every skip reason and its counter, micro prices, capped quantities, lot
// steps, depth and budget caps. The book is a plain stub with read().
#include "core/evaluator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace triarb {
namespace {

fixed8 f8(const char* s) {
  const fixed8_result r = parse_fixed8(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}

// The book seam: anything with `book_snapshot read(symbol_id) const`.
struct stub_book {
  std::vector<book_snapshot> snaps;
  [[nodiscard]] book_snapshot read(symbol_id s) const { return snaps.at(s); }
};

constexpr std::int64_t kNow = 1'000'000'000'000;

book_snapshot quote_of(const char* bid, const char* bid_qty, const char* ask, const char* ask_qty,
                       std::uint64_t update_id = 1) {
  book_snapshot b;
  b.bid = f8(bid);
  b.bid_qty = f8(bid_qty);
  b.ask = f8(ask);
  b.ask_qty = f8(ask_qty);
  b.update_id = update_id;
  b.recv_ns = kNow - 1'000'000;  // 1 ms old
  b.valid = true;
  return b;
}

symbol_filters steps(const char* step, const char* min_qty = "0") {
  symbol_filters f;
  f.step_size = f8(step);
  f.min_qty = f8(min_qty);
  return f;
}

std::uint64_t count(const telemetry& t, eval_counter c) { return t.eval.get(c); }

// USDT, BTC, ETH with BTCUSDT, ETHBTC, ETHUSDT. Two triangles from USDT:
//   USDT>BTC>ETH>USDT: buy BTCUSDT, buy ETHBTC, sell ETHUSDT
//   USDT>ETH>BTC>USDT: buy ETHUSDT, sell ETHBTC, sell BTCUSDT
struct btc_eth_world {
  explicit btc_eth_world(evaluator_config cfg = {}, symbol_filters btc_usdt = steps("0.00001"),
                         symbol_filters eth_btc = steps("0.0001"),
                         symbol_filters eth_usdt = steps("0.0001"))
      : u({{"BTCUSDT", "BTC", "USDT", btc_usdt},
           {"ETHBTC", "ETH", "BTC", eth_btc},
           {"ETHUSDT", "ETH", "USDT", eth_usdt}}),
        usdt(*u.find_asset("USDT")),
        idx(triangle_index::build(u, std::span<const asset_id>(&usdt, 1))),
        ev(u, idx, std::move(cfg), tel) {
    btcusdt = u.find_symbol("BTCUSDT");
    ethbtc = u.find_symbol("ETHBTC");
    ethusdt = u.find_symbol("ETHUSDT");
    book.snaps.resize(u.symbols().size());
    for (triangle_id t = 0; t < idx.size(); ++t) {
      if (idx.name(t, u) == "USDT>BTC>ETH>USDT") forward = t;
      if (idx.name(t, u) == "USDT>ETH>BTC>USDT") backward = t;
    }
  }
  // Quotes for which the forward triangle is 1010 / (20000 * 0.05) = 1.01
  // before fees, and the backward one 0.049 * 19990 / 1011 < 1.
  void set_profitable_forward() {
    book.snaps[btcusdt] = quote_of("19990", "10", "20000", "10");
    book.snaps[ethbtc] = quote_of("0.049", "100", "0.05", "100");
    book.snaps[ethusdt] = quote_of("1010", "100", "1011", "100");
  }
  std::vector<opportunity> run(symbol_id s, bool accept = true) {
    std::vector<opportunity> got;
    ev.on_symbol(book, s, kNow, [&](const opportunity& o) {
      if (accept) got.push_back(o);
      return accept;
    });
    return got;
  }

  universe u;
  asset_id usdt;
  triangle_index idx;
  telemetry tel;
  evaluator ev;
  stub_book book;
  symbol_id btcusdt = kNoSymbol, ethbtc = kNoSymbol, ethusdt = kNoSymbol;
  triangle_id forward = 0, backward = 0;
};

TEST(Evaluator, ReportsAProfitableTriangleWithHandComputedSizing) {
  btc_eth_world w;
  ASSERT_EQ(w.idx.size(), 2U);
  w.set_profitable_forward();
  const std::vector<opportunity> got = w.run(w.btcusdt);
  ASSERT_EQ(got.size(), 1U);
  const opportunity& o = got[0];
  EXPECT_EQ(o.triangle, w.forward);
  EXPECT_EQ(o.decided_ns, kNow);
  // 1.01 * 0.999^3 = 1.00697302899, rounded down.
  EXPECT_EQ(to_decimal_string(o.ratio, 9), "1.006973028");
  // Budget 1000 USDT: buy 0.05 BTC (pay 1000), receive 0.04995; buy 0.999
  // ETH, receive 0.998001; sell 0.998 (step 0.0001) at 1010 = 1007.98, after
  // the fee 1006.97202.
  EXPECT_EQ(o.amount_in, f8("1000"));
  EXPECT_EQ(o.amount_out, f8("1006.97202"));
  EXPECT_EQ(o.profit, f8("6.97202"));
  EXPECT_EQ(o.legs[0].symbol, w.btcusdt);
  EXPECT_EQ(o.legs[0].dir, side::buy);
  EXPECT_EQ(o.legs[0].price, f8("20000"));
  EXPECT_EQ(o.legs[0].book_qty, f8("10"));
  EXPECT_EQ(o.legs[0].fill_qty, f8("0.05"));
  EXPECT_EQ(o.legs[1].symbol, w.ethbtc);
  EXPECT_EQ(o.legs[1].fill_qty, f8("0.999"));
  EXPECT_EQ(o.legs[2].symbol, w.ethusdt);
  EXPECT_EQ(o.legs[2].dir, side::sell);
  EXPECT_EQ(o.legs[2].price, f8("1010"));
  EXPECT_EQ(o.legs[2].fill_qty, f8("0.998"));
  for (const leg_decision& d : o.legs) {
    EXPECT_TRUE(d.valid);
    EXPECT_EQ(d.age_ns, 1'000'000);
    EXPECT_EQ(d.update_id, 1U);
    EXPECT_FALSE(d.qty_capped);
    EXPECT_FALSE(d.reseeded);
  }
  EXPECT_EQ(count(w.tel, eval_counter::triangles_evaluated), 2U);
  EXPECT_EQ(count(w.tel, eval_counter::below_threshold), 1U);  // the backward cycle
  EXPECT_EQ(count(w.tel, eval_counter::opportunities), 1U);
}

TEST(Evaluator, ReseededLegSaysSoAndIsOtherwiseUsedAsIs) {
  // A leg whose quote came from a REST re-seed (update id = the last frame
  // before it) is a valid leg like any other; the decision carries the flag.
  btc_eth_world w;
  w.set_profitable_forward();
  w.book.snaps[w.ethbtc].reseeded = true;
  w.book.snaps[w.ethbtc].update_id = 7;
  const std::vector<opportunity> got = w.run(w.btcusdt);
  ASSERT_EQ(got.size(), 1U);
  const opportunity& o = got[0];
  EXPECT_EQ(o.legs[1].symbol, w.ethbtc);
  EXPECT_TRUE(o.legs[1].reseeded);
  EXPECT_EQ(o.legs[1].update_id, 7U);
  EXPECT_FALSE(o.legs[0].reseeded);
  EXPECT_FALSE(o.legs[2].reseeded);
  EXPECT_EQ(o.profit, f8("6.97202")) << "the flag does not change the arithmetic";
}

TEST(Evaluator, UnprofitableTriangleIsBelowThreshold) {
  btc_eth_world w;
  w.set_profitable_forward();
  w.book.snaps[w.ethusdt] = quote_of("990", "100", "991", "100");  // forward 0.99
  EXPECT_TRUE(w.run(w.ethusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::triangles_evaluated), 2U);
  EXPECT_EQ(count(w.tel, eval_counter::below_threshold), 2U);
  EXPECT_EQ(count(w.tel, eval_counter::opportunities), 0U);
}

TEST(Evaluator, RatioExactlyAtTheThresholdIsNotAnOpportunity) {
  // Dyadic prices make every rate exact: 1/2 * 2 * 1.25 == 1.25 == 1 + min_profit.
  evaluator_config cfg;
  cfg.default_fee = fixed8::zero();
  cfg.min_profit = f8("0.25");
  btc_eth_world w(cfg);
  w.book.snaps[w.btcusdt] = quote_of("1", "100", "2", "100");
  w.book.snaps[w.ethbtc] = quote_of("0.25", "100", "0.5", "100");
  w.book.snaps[w.ethusdt] = quote_of("1.25", "100", "8", "100");
  EXPECT_EQ(w.ev.threshold(), rate_from_quotient(5, 4, rounding::down));
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::below_threshold), 2U);
  // One raw unit more on the bid crosses it.
  w.book.snaps[w.ethusdt] = quote_of("1.25000001", "100", "8", "100");
  EXPECT_EQ(w.run(w.btcusdt).size(), 1U);
}

TEST(Evaluator, InvalidLegIsSkippedAndCounted) {
  btc_eth_world w;
  w.set_profitable_forward();
  w.book.snaps[w.ethbtc].valid = false;
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_invalid_leg), 2U);
  EXPECT_EQ(count(w.tel, eval_counter::triangles_evaluated), 0U);
  // The updated symbol itself invalid.
  w.book.snaps[w.ethbtc].valid = true;
  w.book.snaps[w.btcusdt].valid = false;
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_invalid_leg), 4U);
}

TEST(Evaluator, EmptySideIsSkippedOnlyWhereThatSideIsNeeded) {
  btc_eth_world w;
  w.set_profitable_forward();
  // No asks on ETHBTC: the forward cycle buys ETHBTC (needs the ask), the
  // backward one sells it (needs the bid) and is still evaluated.
  w.book.snaps[w.ethbtc].ask = fixed8::zero();
  w.book.snaps[w.ethbtc].ask_qty = fixed8::zero();
  EXPECT_TRUE(w.run(w.ethbtc).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_empty_side), 1U);
  EXPECT_EQ(count(w.tel, eval_counter::triangles_evaluated), 1U);
  EXPECT_EQ(count(w.tel, eval_counter::below_threshold), 1U);
}

TEST(Evaluator, NonPositivePriceOnAnUncachedLegIsAnEmptySideEvenAfterOtherCalls) {
  // on_symbol accepts any Book: a bid of raw -1 (or 0) is an empty side. The
  // backward cycle sells ETHBTC. A first call for ETHUSDT fills ETHUSDT's
  // cache slots; the call for BTCUSDT then finds ETHUSDT's buy slot cached
  // and ETHBTC's sell slot never filled: its price must not pass for a
  // cached one (an unfilled slot screens nothing below the threshold).
  for (const std::int64_t raw : {std::int64_t{-1}, std::int64_t{0}}) {
    btc_eth_world w;
    w.set_profitable_forward();
    w.book.snaps[w.ethbtc].bid = fixed8::from_raw(raw);
    EXPECT_EQ(w.run(w.ethusdt).size(), 1U) << raw;
    EXPECT_EQ(count(w.tel, eval_counter::skip_empty_side), 1U) << raw;
    EXPECT_EQ(count(w.tel, eval_counter::triangles_evaluated), 1U) << raw;
    EXPECT_EQ(w.run(w.btcusdt).size(), 1U) << raw;
    EXPECT_EQ(count(w.tel, eval_counter::skip_empty_side), 2U) << raw;
    EXPECT_EQ(count(w.tel, eval_counter::below_threshold), 0U) << raw;
    EXPECT_EQ(count(w.tel, eval_counter::triangles_evaluated), 2U) << raw;
    EXPECT_EQ(count(w.tel, eval_counter::opportunities), 2U) << raw;
  }
}

TEST(Evaluator, ScreenNeverRejectsARatioAboveTheThresholdByRounding) {
  // Sell bid 2^60 + 1, buy ask 2^60, sell bid 10^8 (1.0), no fee, no
  // minimum profit: the exact ratio is 1 + 2^-60 > 1, while the double
  // product rounds to exactly 1.0. The screen must hand it to the exact
  // test, which finds it above the threshold (no fixed8 size can realise a
  // 2^-60 profit, so it ends as skip_no_profit or skip_unsizable, never as
  // below_threshold).
  evaluator_config cfg;
  cfg.default_fee = fixed8::zero();
  cfg.min_profit = fixed8::zero();
  btc_eth_world w(cfg, steps("0.00000001"), steps("0.00000001"), steps("0.00000001"));
  constexpr std::int64_t kTwo60 = std::int64_t{1} << 60;
  // The backward cycle: buy ETHUSDT (ask), sell ETHBTC (bid), sell BTCUSDT (bid).
  w.book.snaps[w.ethusdt] = quote_of("1", "100", "1", "100");
  w.book.snaps[w.ethusdt].ask = fixed8::from_raw(kTwo60);
  w.book.snaps[w.ethbtc] = quote_of("1", "100", "2", "100");
  w.book.snaps[w.ethbtc].bid = fixed8::from_raw(kTwo60 + 1);
  w.book.snaps[w.btcusdt] = quote_of("1", "100", "2", "100");
  const double product = static_cast<double>(kTwo60 + 1) / static_cast<double>(kTwo60) * 1.0;
  EXPECT_EQ(product, 1.0) << "the premise: doubles cannot see the difference";
  const triangle& tri = w.idx.triangle_at(w.backward);
  std::array<book_snapshot, 3> legs;
  for (std::size_t k = 0; k < 3; ++k) legs[k] = w.book.snaps[tri.legs[k].symbol];
  EXPECT_TRUE(greater_nonzero(w.ev.ratio(tri, legs), w.ev.threshold()));
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::triangles_evaluated), 2U);
  EXPECT_EQ(count(w.tel, eval_counter::below_threshold), 1U);  // the forward cycle only
  EXPECT_EQ(count(w.tel, eval_counter::skip_no_profit) +
                count(w.tel, eval_counter::skip_unsizable) +
                count(w.tel, eval_counter::opportunities),
            1U);  // the backward cycle, past the screen
}

TEST(Evaluator, StaleLegIsSkippedAndALegMustBeYoungerThanTheLimit) {
  // docs/design.md, contract 4: "younger than max_leg_age": an age equal to it is stale.
  evaluator_config cfg;
  cfg.max_leg_age_ns = 5'000'000;
  btc_eth_world w(cfg);
  w.set_profitable_forward();
  w.book.snaps[w.ethusdt].recv_ns = kNow - 5'000'000;
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_stale_leg), 2U);
  w.book.snaps[w.ethusdt].recv_ns = kNow - 4'999'999;
  EXPECT_EQ(w.run(w.btcusdt).size(), 1U);
  EXPECT_EQ(count(w.tel, eval_counter::skip_stale_leg), 2U);
  // An age that overflows int64 is stale too, never UB.
  w.book.snaps[w.ethusdt].recv_ns = std::numeric_limits<std::int64_t>::min();
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_stale_leg), 4U);
}

TEST(Evaluator, LegFromTheFutureIsStaleNotFresh) {
  // The receive clock jumped backwards: a leg's recv_ns is after now. Its
  // real age is unknown, so it must not count as fresh (it would stay
  // "fresh" for as long as the jump, frozen or not).
  evaluator_config cfg;
  cfg.max_leg_age_ns = 5'000'000;
  btc_eth_world w(cfg);
  w.set_profitable_forward();
  w.book.snaps[w.ethusdt].recv_ns = kNow + 1;
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_stale_leg), 2U);
  w.book.snaps[w.ethusdt].recv_ns = kNow;  // age zero is fresh
  EXPECT_EQ(w.run(w.btcusdt).size(), 1U);
  EXPECT_EQ(count(w.tel, eval_counter::skip_stale_leg), 2U);
}

TEST(Evaluator, ValidityIsCheckedBeforeTheSideAndTheAge) {
  btc_eth_world w;
  w.set_profitable_forward();
  book_snapshot& b = w.book.snaps[w.btcusdt];
  b.valid = false;
  b.ask = fixed8::zero();
  b.recv_ns = 0;
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_invalid_leg), 2U);
  EXPECT_EQ(count(w.tel, eval_counter::skip_empty_side), 0U);
  EXPECT_EQ(count(w.tel, eval_counter::skip_stale_leg), 0U);
}

TEST(Evaluator, RateCacheFollowsPriceChangesWithTheSameUpdateId) {
  btc_eth_world w;
  w.set_profitable_forward();
  EXPECT_EQ(w.run(w.btcusdt).size(), 1U);
  // Same update id, worse price (a re-seed): the cached rate must not be reused.
  w.book.snaps[w.ethusdt].bid = f8("990");
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  w.book.snaps[w.ethusdt].bid = f8("1010");
  EXPECT_EQ(w.run(w.btcusdt).size(), 1U);
}

TEST(Evaluator, DepthCapsTheSizeThroughThePrecedingLegs) {
  btc_eth_world w;
  w.set_profitable_forward();
  w.book.snaps[w.ethbtc].ask_qty = f8("0.5");  // 0.5 ETH = 0.025 BTC = 500.50050050 USDT
  const std::vector<opportunity> got = w.run(w.btcusdt);
  ASSERT_EQ(got.size(), 1U);
  const opportunity& o = got[0];
  EXPECT_EQ(o.legs[0].fill_qty, f8("0.02502"));
  EXPECT_EQ(o.amount_in, f8("500.4"));
  EXPECT_EQ(o.legs[1].fill_qty, f8("0.4998"));
  EXPECT_EQ(o.legs[1].book_qty, f8("0.5"));
  EXPECT_EQ(o.legs[2].fill_qty, f8("0.4993"));
  EXPECT_EQ(o.amount_out, f8("503.788707"));
  EXPECT_EQ(o.profit, f8("3.388707"));
}

TEST(Evaluator, BudgetCapsTheStartAmount) {
  evaluator_config cfg;
  btc_eth_world probe;
  cfg.budget_by_asset.assign(probe.u.assets().size(), fixed8::zero());
  cfg.budget_by_asset[probe.usdt] = f8("100");
  btc_eth_world w(cfg);
  w.set_profitable_forward();
  const std::vector<opportunity> got = w.run(w.btcusdt);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].amount_in, f8("100"));
  EXPECT_EQ(got[0].legs[0].fill_qty, f8("0.005"));
  EXPECT_EQ(w.ev.budget(w.usdt), f8("100"));
  EXPECT_EQ(w.ev.budget(*w.u.find_asset("BTC")), f8("1000"));  // zero: the default
}

TEST(Evaluator, StepFlooringLeavesDustThatCanKillTheProfit) {
  // Fee 0, ratio 1.0001; ETHBTC trades in steps of 3 ETH: 10 ETH affordable,
  // 9 bought, 0.5 BTC of dust lost, 9 * 1.0001 = 9.0009 < 10 paid.
  evaluator_config cfg;
  cfg.default_fee = fixed8::zero();
  cfg.default_budget = f8("10");
  btc_eth_world w(cfg, steps("0.00001"), steps("3"), steps("0.0001"));
  w.book.snaps[w.btcusdt] = quote_of("1.9", "100", "2", "100");
  w.book.snaps[w.ethbtc] = quote_of("0.4", "100", "0.5", "100");
  w.book.snaps[w.ethusdt] = quote_of("1.0001", "100", "1.1", "100");
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_no_profit), 1U);
  EXPECT_EQ(count(w.tel, eval_counter::below_threshold), 1U);
}

TEST(Evaluator, FillQuantitiesAreFlooredToTheStep) {
  evaluator_config cfg;
  cfg.default_budget = f8("999");
  btc_eth_world w(cfg, steps("0.001"), steps("0.001"), steps("0.001"));
  w.set_profitable_forward();
  const std::vector<opportunity> got = w.run(w.btcusdt);
  ASSERT_EQ(got.size(), 1U);
  // 999 / 20000 = 0.04995 -> 0.049 BTC (pay 980); 0.048951 / 0.05 = 0.97902
  // -> 0.979 ETH; 0.979 * 0.999 = 0.978021 -> 0.978 sold for 987.78 * 0.999.
  EXPECT_EQ(got[0].legs[0].fill_qty, f8("0.049"));
  EXPECT_EQ(got[0].amount_in, f8("980"));
  EXPECT_EQ(got[0].legs[1].fill_qty, f8("0.979"));
  EXPECT_EQ(got[0].legs[2].fill_qty, f8("0.978"));
  EXPECT_EQ(got[0].amount_out, f8("986.79222"));
  EXPECT_EQ(got[0].profit, f8("6.79222"));
}

TEST(Evaluator, MinQtyAboveWhatTheBudgetBuysIsUnsizable) {
  btc_eth_world w(evaluator_config{}, steps("0.00001", "1"));  // at least 1 BTC = 20000 USDT
  w.set_profitable_forward();
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_unsizable), 1U);
}

TEST(Evaluator, FullJournalIsCounted) {
  btc_eth_world w;
  w.set_profitable_forward();
  EXPECT_TRUE(w.run(w.btcusdt, /*accept=*/false).empty());
  EXPECT_EQ(count(w.tel, eval_counter::journal_full), 1U);
  EXPECT_EQ(count(w.tel, eval_counter::opportunities), 0U);
}

// USDT, USDC, LUNC: the micro-priced coin of the old bot's incident.
struct lunc_world {
  explicit lunc_world(evaluator_config cfg = {})
      : u({{"LUNCUSDT", "LUNC", "USDT", steps("1")},
           {"LUNCUSDC", "LUNC", "USDC", steps("1")},
           {"USDCUSDT", "USDC", "USDT", steps("0.01")}}),
        usdt(*u.find_asset("USDT")),
        idx(triangle_index::build(u, std::span<const asset_id>(&usdt, 1))),
        ev(u, idx, std::move(cfg), tel) {
    book.snaps.resize(u.symbols().size());
    for (triangle_id t = 0; t < idx.size(); ++t) {
      if (idx.name(t, u) == "USDT>LUNC>USDC>USDT") forward = t;
    }
  }
  universe u;
  asset_id usdt;
  triangle_index idx;
  telemetry tel;
  evaluator ev;
  stub_book book;
  triangle_id forward = 0;
};

TEST(Evaluator, MicroPricedLegKeepsTheRatioWithinTenToTheMinusSix) {
  lunc_world w;
  const symbol_id lunc_usdt = w.u.find_symbol("LUNCUSDT");
  w.book.snaps[lunc_usdt] = quote_of("0.00000177", "10000000000", "0.00000178", "10000000000");
  w.book.snaps[w.u.find_symbol("LUNCUSDC")] =
      quote_of("0.00000181", "10000000000", "0.00000182", "10000000000");
  w.book.snaps[w.u.find_symbol("USDCUSDT")] = quote_of("0.9999", "100000", "1", "100000");
  std::vector<opportunity> got;
  w.ev.on_symbol(w.book, lunc_usdt, kNow, [&](const opportunity& o) {
    got.push_back(o);
    return true;
  });
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].triangle, w.forward);
  // Exact: 181 * 0.9999 / 178 * 0.999^3 = 1.0137050396894275...; a product of
  // fixed8 leg rates would give 1.00911... (0.00000181 * 0.999 -> 0.00000180).
  EXPECT_EQ(to_decimal_string(got[0].ratio, 12), "1.013705039689");
  // 1000 USDT buys 561797752 LUNC (step 1).
  EXPECT_EQ(got[0].legs[0].fill_qty, f8("561797752"));
  EXPECT_GT(got[0].profit, fixed8::zero());
}

TEST(Evaluator, CappedQuantitiesSizeByTheBudgetWithoutOverflow) {
  lunc_world w;
  const symbol_id lunc_usdt = w.u.find_symbol("LUNCUSDT");
  book_snapshot capped = quote_of("0.00000177", "0", "0.00000178", "0");
  capped.bid_qty = fixed8::max();
  capped.ask_qty = fixed8::max();
  capped.qty_capped = true;
  w.book.snaps[lunc_usdt] = capped;
  capped.bid = f8("0.00000181");
  capped.ask = f8("0.00000182");
  w.book.snaps[w.u.find_symbol("LUNCUSDC")] = capped;
  capped.bid = f8("0.9999");
  capped.ask = f8("1");
  w.book.snaps[w.u.find_symbol("USDCUSDT")] = capped;
  std::vector<opportunity> got;
  w.ev.on_symbol(w.book, lunc_usdt, kNow, [&](const opportunity& o) {
    got.push_back(o);
    return true;
  });
  ASSERT_EQ(got.size(), 1U);
  const opportunity& o = got[0];
  EXPECT_LE(o.amount_in, f8("1000"));
  EXPECT_GT(o.amount_in, f8("999.99"));
  EXPECT_EQ(o.profit, fixed8::from_raw(o.amount_out.raw() - o.amount_in.raw()));
  for (const leg_decision& d : o.legs) {
    EXPECT_TRUE(d.qty_capped);
    EXPECT_EQ(d.book_qty, fixed8::max());
    EXPECT_LT(d.fill_qty, fixed8::max());
  }
}

TEST(Evaluator, ExtremePricesAndCappedQuantitiesNeverOverflow) {
  // Every combination of extreme prices with capped quantities: whatever the
  // outcome, it is counted exactly once per triangle and an emitted record is
  // self-consistent (UBSan builds would flag any overflow).
  const char* prices[] = {"0.00000001", "0.00000178", "1", "92233720368"};
  for (const char* p0 : prices) {
    for (const char* p1 : prices) {
      for (const char* p2 : prices) {
        evaluator_config cfg;
        cfg.default_fee = fixed8::zero();
        btc_eth_world w(cfg, steps("0"), steps("0"), steps("0"));
        const char* ps[] = {p0, p1, p2};
        const symbol_id ids[] = {w.btcusdt, w.ethbtc, w.ethusdt};
        for (int k = 0; k < 3; ++k) {
          book_snapshot b = quote_of(ps[k], "0", ps[k], "0");
          b.bid_qty = fixed8::max();
          b.ask_qty = fixed8::max();
          b.qty_capped = true;
          w.book.snaps[ids[k]] = b;
        }
        std::size_t emitted = 0;
        w.ev.on_symbol(w.book, w.btcusdt, kNow, [&](const opportunity& o) {
          ++emitted;
          EXPECT_GT(o.profit, fixed8::zero());
          EXPECT_LE(o.amount_in, f8("1000"));
          EXPECT_EQ(o.profit.raw(), o.amount_out.raw() - o.amount_in.raw());
          return true;
        });
        std::uint64_t outcomes = 0;
        for (eval_counter c : {eval_counter::below_threshold, eval_counter::skip_unsizable,
                               eval_counter::skip_no_profit, eval_counter::opportunities}) {
          outcomes += count(w.tel, c);
        }
        EXPECT_EQ(outcomes, 2U) << p0 << " " << p1 << " " << p2;
        EXPECT_EQ(count(w.tel, eval_counter::opportunities), emitted);
      }
    }
  }
}

TEST(Evaluator, RejectsImpossibleConfiguration) {
  btc_eth_world probe;
  evaluator_config cfg;
  cfg.default_fee = fixed8::one();
  EXPECT_THROW(evaluator(probe.u, probe.idx, cfg, probe.tel), std::invalid_argument);
  cfg = {};
  cfg.min_profit = f8("-1");
  EXPECT_THROW(evaluator(probe.u, probe.idx, cfg, probe.tel), std::invalid_argument);
  cfg = {};
  cfg.default_budget = fixed8::zero();
  EXPECT_THROW(evaluator(probe.u, probe.idx, cfg, probe.tel), std::invalid_argument);
  cfg = {};
  cfg.fee_by_symbol = {f8("0.002"), f8("-0.001")};
  EXPECT_THROW(evaluator(probe.u, probe.idx, cfg, probe.tel), std::invalid_argument);
}

TEST(Evaluator, PerSymbolFeeOverridesTheDefault) {
  btc_eth_world probe;
  evaluator_config cfg;
  cfg.fee_by_symbol.assign(probe.u.symbols().size(), f8("0.001"));
  cfg.fee_by_symbol[probe.ethusdt] = f8("0.02");  // kills the 1% edge
  btc_eth_world w(cfg);
  w.set_profitable_forward();
  EXPECT_EQ(w.ev.fee(w.ethusdt), f8("0.02"));
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::below_threshold), 2U);
}

}  // namespace
}  // namespace triarb

namespace triarb {
namespace {

TEST(Evaluator, SizedResultMustBeatTheThresholdNotOnlyTheRatio) {
  // Ratio 1.006973028 beats 1 + 0.0069725, but after the ETH step floor the
  // sized result is 1006.97202 for 1000 in: 1006.9725 was required.
  evaluator_config cfg;
  cfg.min_profit = f8("0.0069725");
  btc_eth_world w(cfg);
  w.set_profitable_forward();
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_no_profit), 1U);
  EXPECT_EQ(count(w.tel, eval_counter::opportunities), 0U);
}

TEST(Evaluator, MinNotionalHoldsOnTheExactNotionalNotTheRoundedUpPayment) {
  // Buy 0.05 BTC at 19999.99999999: exactly 999.9999999995 USDT, paid as
  // 1000.00000000 (rounded up). A minNotional of 1000 is not met.
  symbol_filters f = steps("0.00001");
  f.min_notional = f8("1000");
  btc_eth_world w({}, f);
  w.set_profitable_forward();
  w.book.snaps[w.btcusdt].ask = f8("19999.99999999");
  EXPECT_TRUE(w.run(w.btcusdt).empty());
  EXPECT_EQ(count(w.tel, eval_counter::skip_unsizable), 1U);
  f.min_notional = f8("999.99999999");
  btc_eth_world ok({}, f);
  ok.set_profitable_forward();
  ok.book.snaps[ok.btcusdt].ask = f8("19999.99999999");
  ASSERT_EQ(ok.run(ok.btcusdt).size(), 1U);
}

}  // namespace
}  // namespace triarb
