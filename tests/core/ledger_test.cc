// core/ledger.h and core/fill_model.h: each effect of a fill on the ledger
// with concrete numbers, each refusal by name (balances unchanged, counted),
// reconciliation and deltas; the paper fill model's rules case by case; the
// latency model's seeded stream.
#include "core/ledger.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/fill_model.h"
#include "sim/rng.h"

namespace triarb {
namespace {

fixed8 f(std::string_view s) {
  const fixed8_result r = parse_fixed8(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}

// Assets by name: BTC 0, ETH 1, USDT 2. Symbols: BTCUSDT 0, ETHBTC 1.
constexpr asset_id kBtc = 0;
constexpr asset_id kEth = 1;
constexpr asset_id kUsdt = 2;
constexpr symbol_id kBtcUsdt = 0;

universe test_universe() {
  const symbol_filters btcusdt{.tick_size = f("0.01"),
                               .min_qty = f("0.001"),
                               .max_qty = f("1000"),
                               .step_size = f("0.001"),
                               .min_notional = f("10")};
  const symbol_filters ethbtc{.tick_size = f("0.00001"),
                              .min_qty = f("0.01"),
                              .max_qty = f("10000"),
                              .step_size = f("0.01"),
                              .min_notional = f("0.0001")};
  return universe({{"BTCUSDT", "BTC", "USDT", btcusdt}, {"ETHBTC", "ETH", "BTC", ethbtc}});
}

const fixed8 kFee = f("0.001");

order_request buy(std::string_view price, std::string_view qty,
                  time_in_force tif = time_in_force::ioc) {
  return {.client_order_id = "t1",
          .symbol = kBtcUsdt,
          .dir = side::buy,
          .tif = tif,
          .price = f(price),
          .quantity = f(qty)};
}

order_request sell(std::string_view price, std::string_view qty,
                   time_in_force tif = time_in_force::ioc) {
  order_request o = buy(price, qty, tif);
  o.dir = side::sell;
  return o;
}

// A result consistent with `fills` (price, qty) for the order's side.
order_result result_of(const order_request& o, const universe& u,
                       std::vector<std::pair<std::string_view, std::string_view>> fills) {
  order_result r;
  r.order_id = 7;
  const symbol_info& info = u.symbol(o.symbol);
  const bool is_buy = o.dir == side::buy;
  std::uint64_t trade = 100;
  for (const auto& [p, q] : fills) {
    const fixed8 paid = fill_quote(f(p), f(q)).value;
    r.fills.push_back({.price = f(p),
                       .qty = f(q),
                       .commission = fill_commission(is_buy ? f(q) : paid, kFee).value,
                       .commission_asset = is_buy ? info.base : info.quote,
                       .trade_id = trade++});
    r.executed_qty = checked_add(r.executed_qty, f(q)).value;
    r.cumulative_quote = checked_add(r.cumulative_quote, paid).value;
  }
  r.status = r.executed_qty == o.quantity ? order_status::filled : order_status::expired;
  return r;
}

// ------------------------------------------------------------------ ledger

TEST(Ledger, BuyAddsBaseLessCommissionAndSpendsTheTruncatedQuote) {
  const universe u = test_universe();
  const std::array<asset_balance, 1> start{{{kUsdt, f("1000")}}};
  ledger l(u.assets().size(), start);
  const order_request o = buy("50000", "0.01");
  // 0.004 x 49990.12 = 199.96048; 0.006 x 49999.99 = 299.99994; fees 0.1 % of
  // the BTC received: 0.000004 and 0.000006.
  const order_result r = result_of(o, u, {{"49990.12", "0.004"}, {"49999.99", "0.006"}});
  EXPECT_EQ(r.fills[0].commission, f("0.000004"));
  ASSERT_EQ(l.apply(o, r, u, kFee), ledger_errc::ok);
  EXPECT_EQ(l.balance(kBtc), f("0.00999"));
  EXPECT_EQ(l.balance(kUsdt), f("500.03958"));
  EXPECT_EQ(l.balance(kEth), f("0"));
  EXPECT_EQ(l.delta(kUsdt), f("-499.96042"));
  EXPECT_EQ(l.deltas(),
            (std::vector<asset_balance>{{kBtc, f("0.00999")}, {kUsdt, f("-499.96042")}}));
  EXPECT_EQ(l.stats().orders_applied, 1U);
  EXPECT_EQ(l.stats().fills_applied, 2U);
  EXPECT_EQ(l.stats().refused_total(), 0U);
}

TEST(Ledger, SellSpendsBaseAndAddsQuoteLessTheRoundedUpCommission) {
  const universe u = test_universe();
  const std::array<asset_balance, 1> start{{{kBtc, f("1")}}};
  ledger l(u.assets().size(), start);
  const order_request o = sell("50000", "0.5");
  // 0.5 x 50001.23456789 = 25000.617283945, truncated to 25000.61728394;
  // 0.1 % of it = 25.00061728394, rounded up to 25.00061729.
  const order_result r = result_of(o, u, {{"50001.23456789", "0.5"}});
  EXPECT_EQ(r.cumulative_quote, f("25000.61728394"));
  EXPECT_EQ(r.fills[0].commission, f("25.00061729"));
  ASSERT_EQ(l.apply(o, r, u, kFee), ledger_errc::ok);
  EXPECT_EQ(l.balance(kBtc), f("0.5"));
  EXPECT_EQ(l.balance(kUsdt), f("24975.61666665"));
}

TEST(Ledger, AResultWithoutFillsIsAcceptedAndChangesNothing) {
  const universe u = test_universe();
  const std::array<asset_balance, 1> start{{{kUsdt, f("10")}}};
  ledger l(u.assets().size(), start);
  order_result expired;
  expired.status = order_status::expired;
  order_result rejected;
  rejected.error_code = -2010;
  rejected.error_msg = "Account has insufficient balance for requested action.";
  EXPECT_EQ(l.apply(buy("50000", "1"), expired, u, kFee), ledger_errc::ok);
  EXPECT_EQ(l.apply(buy("50000", "1"), rejected, u, kFee), ledger_errc::ok);
  EXPECT_EQ(l.balance(kUsdt), f("10"));
  EXPECT_TRUE(l.deltas().empty());
  EXPECT_EQ(l.stats().orders_applied, 2U);
  EXPECT_EQ(l.stats().fills_applied, 0U);
}

// Each refusal: the named error, every balance unchanged, counted by name.
struct refusal_case {
  const char* what;
  order_request order;
  order_result result;
  ledger_errc expected;
  fixed8 fee = kFee;
};

TEST(Ledger, RefusesEachInconsistentResultByNameAndChangesNothing) {
  const universe u = test_universe();
  const order_request b = buy("50000", "0.01");
  const order_result good_buy = result_of(b, u, {{"49990.12", "0.004"}, {"49999.99", "0.006"}});
  const order_request s = sell("50000", "0.5");
  const order_result good_sell = result_of(s, u, {{"50001", "0.2"}, {"50000", "0.3"}});

  std::vector<refusal_case> cases;
  auto add = [&](const char* what, const order_request& o, order_result r, ledger_errc e) {
    cases.push_back({what, o, std::move(r), e});
  };
  {
    order_result r = good_buy;
    r.executed_qty = f("0.011");
    add("executed_qty above the fills' sum", b, r, ledger_errc::executed_qty_mismatch);
  }
  {
    order_result r = good_buy;
    r.cumulative_quote = f("499.96043");  // the fills' sum is 499.96042
    add("cumulative_quote off the fills' sum", b, r, ledger_errc::cumulative_quote_mismatch);
  }
  {
    const order_request small = buy("50000", "0.008");
    add("executed_qty above the quantity", small, good_buy, ledger_errc::overfilled);
  }
  {
    order_result r = good_buy;
    r.fills[1].price = f("50000.01");
    add("a buy's fill above its limit", b, r, ledger_errc::price_beyond_limit);
  }
  {
    order_result r = good_sell;
    r.fills[1].price = f("49999.99");
    add("a sell's fill below its limit", s, r, ledger_errc::price_beyond_limit);
  }
  {
    order_result r = good_buy;
    r.fills[0].commission_asset = kUsdt;  // a buy receives BTC
    add("a buy's commission in quote", b, r, ledger_errc::commission_asset);
  }
  {
    order_result r = good_sell;
    r.fills[0].commission_asset = kBtc;  // a sell receives USDT
    add("a sell's commission in base", s, r, ledger_errc::commission_asset);
  }
  {
    order_result r = good_buy;
    r.fills[0].commission = f("0.000003");  // 0.1 % of 0.004 is 0.000004
    add("commission one unit short", b, r, ledger_errc::commission_amount);
  }
  {
    order_result r = good_sell;
    r.fills[1].commission = f("0");
    add("no commission", s, r, ledger_errc::commission_amount);
  }
  {
    order_result r = good_buy;
    r.status = order_status::rejected;
    add("rejected with fills", b, r, ledger_errc::rejected_with_fills);
  }
  {
    order_result r;
    r.executed_qty = f("0.01");
    add("rejected with an executed quantity", b, r, ledger_errc::rejected_with_fills);
  }
  {
    order_result r = good_buy;
    r.fills[0].qty = f("0");
    add("a fill of zero", b, r, ledger_errc::fill_not_positive);
  }
  {
    order_request partial = buy("50000", "0.02");
    order_result r = good_buy;  // 0.01 of 0.02
    r.status = order_status::filled;
    add("filled with part of the quantity", partial, r, ledger_errc::status_mismatch);
  }
  {
    order_request fok = buy("50000", "0.02", time_in_force::fok);
    order_result r = good_buy;  // 0.01 of 0.02
    r.status = order_status::expired;
    add("FOK filled in part", fok, r, ledger_errc::status_mismatch);
  }
  {
    order_request unknown = b;
    unknown.symbol = 9;
    add("an unknown symbol", unknown, good_buy, ledger_errc::unknown_symbol);
  }
  {
    order_request huge = buy("90000000000", "2");
    order_result r;
    r.status = order_status::filled;
    r.executed_qty = f("2");
    r.cumulative_quote = f("1");
    r.fills.push_back({.price = f("90000000000"),
                       .qty = f("2"),
                       .commission = f("0"),
                       .commission_asset = kBtc,
                       .trade_id = 1});
    add("a fill whose quote does not fit", huge, r, ledger_errc::overflow);
  }
  {
    refusal_case c{"fee rate 1", b, good_buy, ledger_errc::fee_rate_out_of_range};
    c.fee = f("1");
    cases.push_back(c);
    c.what = "fee rate negative";
    c.fee = f("-0.001");
    cases.push_back(c);
  }

  for (const refusal_case& c : cases) {
    SCOPED_TRACE(c.what);
    const std::array<asset_balance, 2> start{{{kBtc, f("1")}, {kUsdt, f("1000")}}};
    ledger l(u.assets().size(), start);
    const ledger_errc got = l.apply(c.order, c.result, u, c.fee);
    EXPECT_EQ(got, c.expected) << to_string(got);
    EXPECT_EQ(l.apply(c.order, c.result, u, c.fee), c.expected);  // and again
    EXPECT_EQ(l.balance(kBtc), f("1"));
    EXPECT_EQ(l.balance(kUsdt), f("1000"));
    EXPECT_TRUE(l.deltas().empty());
    EXPECT_EQ(l.stats().refused_by(c.expected), 2U);
    EXPECT_EQ(l.stats().refused_total(), 2U);
    EXPECT_EQ(l.stats().orders_applied, 0U);
  }
}

TEST(Ledger, RefusesAnOverdraftAndAnOverflowingBalance) {
  const universe u = test_universe();
  const order_request o = buy("50000", "0.01");
  const order_result r = result_of(o, u, {{"49990.12", "0.004"}, {"49999.99", "0.006"}});
  {
    // 499.96042 needed, one unit short.
    const std::array<asset_balance, 1> start{{{kUsdt, f("499.96041")}}};
    ledger l(u.assets().size(), start);
    EXPECT_EQ(l.apply(o, r, u, kFee), ledger_errc::overdraft);
    EXPECT_EQ(l.balance(kUsdt), f("499.96041"));
    EXPECT_EQ(l.balance(kBtc), f("0"));
    EXPECT_EQ(l.stats().refused_by(ledger_errc::overdraft), 1U);
    // Exactly enough leaves zero.
    ledger exact(u.assets().size(), std::array<asset_balance, 1>{{{kUsdt, f("499.96042")}}});
    EXPECT_EQ(exact.apply(o, r, u, kFee), ledger_errc::ok);
    EXPECT_EQ(exact.balance(kUsdt), f("0"));
  }
  {
    // A sell of base the ledger does not hold.
    const order_request s = sell("50000", "0.5");
    ledger l(u.assets().size(), std::array<asset_balance, 1>{{{kBtc, f("0.49999999")}}});
    EXPECT_EQ(l.apply(s, result_of(s, u, {{"50000", "0.5"}}), u, kFee), ledger_errc::overdraft);
    EXPECT_EQ(l.balance(kBtc), f("0.49999999"));
    EXPECT_EQ(l.balance(kUsdt), f("0"));
  }
  {
    // BTC received on top of a balance at the top of the range.
    const std::array<asset_balance, 2> start{{{kBtc, fixed8::max()}, {kUsdt, f("1000")}}};
    ledger l(u.assets().size(), start);
    EXPECT_EQ(l.apply(o, r, u, kFee), ledger_errc::overflow);
    EXPECT_EQ(l.balance(kBtc), fixed8::max());
    EXPECT_EQ(l.balance(kUsdt), f("1000"));
  }
  {
    // A ledger that does not know the symbol's assets.
    ledger l(1);
    EXPECT_EQ(l.apply(o, r, u, kFee), ledger_errc::unknown_asset);
  }
}

TEST(Ledger, ReconcileNamesEveryAssetOnWhichTheExchangeDisagrees) {
  const universe u = test_universe();
  const std::array<asset_balance, 2> start{{{kBtc, f("1")}, {kUsdt, f("1000")}}};
  ledger l(u.assets().size(), start);
  const std::array<asset_balance, 3> same{{{kBtc, f("1")}, {kUsdt, f("1000")}, {kEth, f("0")}}};
  EXPECT_TRUE(l.reconcile(same).empty());
  // USDT differs by one unit; BTC is not listed; asset 5 (unknown to us) is.
  const std::array<asset_balance, 3> theirs{
      {{kUsdt, f("999.99999999")}, {kEth, f("0")}, {5, f("0.1")}}};
  EXPECT_EQ(
      l.reconcile(theirs),
      (std::vector<balance_mismatch>{
          {kUsdt, f("1000"), f("999.99999999")}, {5, f("0"), f("0.1")}, {kBtc, f("1"), f("0")}}));
}

TEST(Ledger, StartingBalancesAreCheckedAtConstruction) {
  EXPECT_THROW(ledger(3, std::array<asset_balance, 1>{{{3, f("1")}}}), std::invalid_argument);
  EXPECT_THROW(ledger(3, std::array<asset_balance, 1>{{{0, f("-1")}}}), std::invalid_argument);
  EXPECT_THROW(ledger(3, std::array<asset_balance, 2>{{{0, f("1")}, {0, f("2")}}}),
               std::invalid_argument);
  try {
    ledger(3, std::array<asset_balance, 1>{{{1, f("-0.5")}}});
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "ledger: starting balance of asset 1 is negative (-0.5)");
    return;
  }
  ADD_FAILURE() << "a negative starting balance was accepted";
}

TEST(Ledger, EveryErrorHasItsName) {
  EXPECT_EQ(to_string(ledger_errc::overdraft), "overdraft");
  EXPECT_EQ(to_string(ledger_errc::commission_amount), "commission_amount");
  for (std::size_t i = 0; i < static_cast<std::size_t>(ledger_errc::kCount); ++i) {
    EXPECT_NE(to_string(static_cast<ledger_errc>(i)), "?") << i;
  }
}

// ------------------------------------------------------------------ paper fill model

book_snapshot top(std::string_view bid, std::string_view bid_qty, std::string_view ask,
                  std::string_view ask_qty) {
  return {.bid = f(bid),
          .bid_qty = f(bid_qty),
          .ask = f(ask),
          .ask_qty = f(ask_qty),
          .update_id = 1,
          .recv_ns = 0,
          .valid = true};
}

struct paper {
  order_result result;
  paper_outcome why = paper_outcome::kCount;
};

paper run(const order_request& o, const book_snapshot& t, std::uint64_t& id, fixed8 fee = kFee) {
  const universe u = test_universe();
  paper p;
  p.result = paper_fill(o, t, u.symbol(o.symbol), fee, id, &p.why);
  return p;
}

TEST(PaperFill, FilterFailureIsRejectedWithTheExchangesCodeAndMessage) {
  std::uint64_t id = 1;
  const paper p = run(buy("50000", "0.0015"), top("49999", "1", "50000", "1"), id);
  EXPECT_EQ(p.why, paper_outcome::rejected_filter);
  EXPECT_EQ(p.result.status, order_status::rejected);
  EXPECT_EQ(p.result.error_code, -1013);
  EXPECT_EQ(p.result.error_msg, "Filter failure: LOT_SIZE");
  EXPECT_EQ(p.result.order_id, 0U);
  EXPECT_TRUE(p.result.fills.empty());
  EXPECT_EQ(id, 1U);  // no id taken
  // Filters come first: an invalid book does not hide a bad price.
  book_snapshot invalid = top("49999", "1", "50000", "1");
  invalid.valid = false;
  EXPECT_EQ(run(buy("50000.001", "0.01"), invalid, id).result.error_msg,
            "Filter failure: PRICE_FILTER");
}

TEST(PaperFill, AnInvalidLegOrAnEmptySideExpiresWithNothingFilled) {
  std::uint64_t id = 1;
  book_snapshot invalid = top("49999", "1", "50000", "1");
  invalid.valid = false;
  const paper p = run(buy("50000", "0.01"), invalid, id);
  EXPECT_EQ(p.why, paper_outcome::invalid_leg);
  EXPECT_EQ(p.result.status, order_status::expired);
  EXPECT_TRUE(p.result.fills.empty());
  EXPECT_EQ(p.result.executed_qty, f("0"));
  EXPECT_EQ(p.result.order_id, 1U);
  EXPECT_EQ(id, 2U);
  // A buy needs the ask; an empty bid does not matter to it, an empty ask does.
  EXPECT_EQ(run(buy("50000", "0.01"), top("0", "0", "50000", "1"), id).why, paper_outcome::filled);
  EXPECT_EQ(run(buy("50000", "0.01"), top("49999", "1", "0", "0"), id).why,
            paper_outcome::empty_side);
  EXPECT_EQ(run(sell("49999", "0.01"), top("49999", "0", "50000", "1"), id).why,
            paper_outcome::empty_side);
}

TEST(PaperFill, ALimitThatDoesNotCrossTheTopExpires) {
  std::uint64_t id = 1;
  EXPECT_EQ(run(buy("49999.99", "0.01"), top("49999", "1", "50000", "1"), id).why,
            paper_outcome::not_crossed);
  EXPECT_EQ(run(sell("49999.01", "0.01"), top("49999", "1", "50000", "1"), id).why,
            paper_outcome::not_crossed);
  const paper p = run(sell("49999.01", "0.01"), top("49999", "1", "50000", "1"), id);
  EXPECT_EQ(p.result.status, order_status::expired);
  EXPECT_TRUE(p.result.fills.empty());
}

TEST(PaperFill, ACrossingBuyTradesOnceAtTheAskNotAtItsLimit) {
  std::uint64_t id = 10;
  const paper p = run(buy("50100", "0.01"), top("49999", "1", "50000.5", "3"), id);
  EXPECT_EQ(p.why, paper_outcome::filled);
  EXPECT_EQ(p.result.status, order_status::filled);
  ASSERT_EQ(p.result.fills.size(), 1U);
  const order_fill& fl = p.result.fills[0];
  EXPECT_EQ(fl.price, f("50000.5"));
  EXPECT_EQ(fl.qty, f("0.01"));
  EXPECT_EQ(fl.commission, f("0.00001"));  // 0.1 % of 0.01 BTC, in BTC
  EXPECT_EQ(fl.commission_asset, kBtc);
  EXPECT_EQ(p.result.executed_qty, f("0.01"));
  EXPECT_EQ(p.result.cumulative_quote, f("500.005"));
  EXPECT_EQ(p.result.order_id, 10U);
  EXPECT_EQ(fl.trade_id, 11U);
  EXPECT_EQ(id, 12U);
}

TEST(PaperFill, ACrossingSellTradesAtTheBidAndPaysCommissionInQuote) {
  std::uint64_t id = 1;
  // 0.5 x 50001.23456789 = 25000.617283945 -> 25000.61728394; fee 25.00061729.
  const paper p = run(sell("50000", "0.5"), top("50001.23456789", "2", "50002", "1"), id);
  EXPECT_EQ(p.why, paper_outcome::filled);
  ASSERT_EQ(p.result.fills.size(), 1U);
  EXPECT_EQ(p.result.fills[0].price, f("50001.23456789"));
  EXPECT_EQ(p.result.cumulative_quote, f("25000.61728394"));
  EXPECT_EQ(p.result.fills[0].commission, f("25.00061729"));
  EXPECT_EQ(p.result.fills[0].commission_asset, kUsdt);
}

TEST(PaperFill, IocFillsAtMostTheTopsQuantityFlooredToTheStep) {
  std::uint64_t id = 1;
  // 0.0042 at the ask, step 0.001: 0.004 of 0.01.
  const paper p = run(buy("50000", "0.01"), top("49999", "1", "50000", "0.0042"), id);
  EXPECT_EQ(p.why, paper_outcome::partially_filled);
  EXPECT_EQ(p.result.status, order_status::expired);
  ASSERT_EQ(p.result.fills.size(), 1U);
  EXPECT_EQ(p.result.fills[0].qty, f("0.004"));
  EXPECT_EQ(p.result.executed_qty, f("0.004"));
  EXPECT_EQ(p.result.cumulative_quote, f("200"));
  // Below one step at the top: nothing.
  const paper none = run(buy("50000", "0.01"), top("49999", "1", "50000", "0.0009"), id);
  EXPECT_EQ(none.why, paper_outcome::top_below_step);
  EXPECT_EQ(none.result.status, order_status::expired);
  EXPECT_TRUE(none.result.fills.empty());
}

TEST(PaperFill, FokFillsInFullOrNotAtAll) {
  std::uint64_t id = 1;
  const paper short_top =
      run(buy("50000", "0.01", time_in_force::fok), top("49999", "1", "50000", "0.0099"), id);
  EXPECT_EQ(short_top.why, paper_outcome::fok_short);
  EXPECT_EQ(short_top.result.status, order_status::expired);
  EXPECT_TRUE(short_top.result.fills.empty());
  EXPECT_EQ(short_top.result.executed_qty, f("0"));
  const paper full =
      run(buy("50000", "0.01", time_in_force::fok), top("49999", "1", "50000", "0.01"), id);
  EXPECT_EQ(full.why, paper_outcome::filled);
  EXPECT_EQ(full.result.status, order_status::filled);
  EXPECT_EQ(full.result.executed_qty, f("0.01"));
}

TEST(PaperFill, AQuoteThatDoesNotFitAndABadFeeRateExpire) {
  std::uint64_t id = 1;
  // A sell of 2 at a limit of 10 into a bid of 90,000,000,000.
  const paper p = run(sell("10", "2"), top("90000000000", "5", "90000000001", "5"), id);
  EXPECT_EQ(p.why, paper_outcome::overflow);
  EXPECT_TRUE(p.result.fills.empty());
  EXPECT_EQ(run(buy("50000", "0.01"), top("49999", "1", "50000", "1"), id, f("1")).why,
            paper_outcome::bad_fee_rate);
}

TEST(PaperFill, TheLedgerAcceptsEveryPaperResult) {
  const universe u = test_universe();
  const std::array<asset_balance, 2> start{{{kBtc, f("1")}, {kUsdt, f("100000")}}};
  ledger l(u.assets().size(), start);
  std::uint64_t id = 1;
  const book_snapshot t = top("49999", "0.3", "50000", "0.0042");
  for (const order_request& o :
       {buy("50000", "0.01"), buy("50000", "0.01", time_in_force::fok), sell("49999", "0.5"),
        sell("49999", "0.2", time_in_force::fok), buy("49000", "0.01")}) {
    EXPECT_EQ(l.apply(o, paper_fill(o, t, u.symbol(o.symbol), kFee, id), u, kFee), ledger_errc::ok);
  }
  // Bought 0.004 (less 0.000004 fee) for 200; sold 0.3 then 0.2 at 49999.
  EXPECT_EQ(l.balance(kBtc), f("0.503996"));
  // 100000 - 200 + 14999.7 - 14.9997 + 9999.8 - 9.9998
  EXPECT_EQ(l.balance(kUsdt), f("124774.5005"));
}

TEST(PaperFill, EveryOutcomeHasItsName) {
  EXPECT_EQ(to_string(paper_outcome::fok_short), "fok_short");
  for (std::size_t i = 0; i < static_cast<std::size_t>(paper_outcome::kCount); ++i) {
    EXPECT_NE(to_string(static_cast<paper_outcome>(i)), "?") << i;
  }
}

// ------------------------------------------------------------------ latency model

TEST(LatencyModel, SameSeedSameSequenceWithinConstantPlusJitter) {
  latency_model a{.constant_ns = 2'000'000, .jitter_ns = 500'000, .seed = 7};
  latency_model b{.constant_ns = 2'000'000, .jitter_ns = 500'000, .seed = 7};
  latency_model c{.constant_ns = 2'000'000, .jitter_ns = 500'000, .seed = 8};
  int differ = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t x = a.next_ns();
    EXPECT_EQ(x, b.next_ns());
    EXPECT_GE(x, 2'000'000);
    EXPECT_LE(x, 2'500'000);
    if (x != c.next_ns()) ++differ;
  }
  EXPECT_GT(differ, 990);
  latency_model fixed{.constant_ns = 123, .jitter_ns = 0, .seed = 7};
  EXPECT_EQ(fixed.next_ns(), 123);
  EXPECT_EQ(fixed.draws, 0U);
  latency_model huge{.constant_ns = INT64_MAX, .jitter_ns = 10, .seed = 1};
  EXPECT_EQ(huge.next_ns(), INT64_MAX);
}

TEST(LatencyModel, JitterIsSimRngsSplitmixStream) {
  // With 2^10 values (jitter 0..1023) the map is the top 10 bits, no rejection.
  latency_model m{.constant_ns = 5, .jitter_ns = 1023, .seed = 42};
  sim::sim_rng r(42);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(m.next_ns(), 5 + static_cast<std::int64_t>(r.next() >> 54));
  }
}

TEST(LatencyModel, BothEndsOfTheJitterOccurEvenly) {
  latency_model m{.constant_ns = 0, .jitter_ns = 2, .seed = 3};
  std::array<int, 3> seen{};
  for (int i = 0; i < 3000; ++i) {
    const std::int64_t x = m.next_ns();
    ASSERT_GE(x, 0);
    ASSERT_LE(x, 2);
    ++seen[static_cast<std::size_t>(x)];
  }
  for (const int n : seen) {
    EXPECT_GT(n, 900);
    EXPECT_LT(n, 1100);
  }
}

}  // namespace
}  // namespace triarb
