// sim/matching.h: the simulated exchange's matching engine. The depth
// profile and its rules, place()'s checks in order (rate limit, symbol,
// filters, balance) with the exchange's codes, IOC and FOK against the
// depth within the limit, fees in the received asset, exact balances
// (against an independent cpp_int sum), liquidity consumed per quote and
// restored by a new one, determinism, and the ideal-execution ground truth.
#include "sim/matching.h"

#include <gtest/gtest.h>

#include <boost/multiprecision/cpp_int.hpp>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "sim/rng.h"
#include "sim/universe_gen.h"

namespace triarb::sim {
namespace {

using boost::multiprecision::cpp_int;

fixed8 f(std::string_view s) {
  const fixed8_result r = parse_fixed8(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}

// Assets by name: BTC 0, ETH 1, USDT 2. Symbols by name: BTCUSDT 0, ETHBTC 1, ETHUSDT 2.
constexpr asset_id kBtc = 0;
constexpr asset_id kEth = 1;
constexpr asset_id kUsdt = 2;
constexpr symbol_id kBtcUsdt = 0;
constexpr symbol_id kEthBtc = 1;
constexpr symbol_id kEthUsdt = 2;
constexpr std::int64_t kSec = 1'000'000'000;

universe test_universe() {
  return universe({
      {"BTCUSDT", "BTC", "USDT", {f("0.01"), f("0.00001"), f("9000"), f("0.00001"), f("5")}},
      {"ETHBTC",
       "ETH",
       "BTC",
       {f("0.00001"), f("0.0001"), f("100000"), f("0.0001"), f("0.000001")}},
      {"ETHUSDT", "ETH", "USDT", {f("0.01"), f("0.0001"), f("9000"), f("0.0001"), f("5")}},
  });
}

u128 raw_of(std::string_view s) { return static_cast<u128>(f(s).raw()); }

true_quote btc_quote(std::uint64_t update_id = 10) {
  return {f("90000.00"), f("90000.01"), raw_of("0.5"), raw_of("0.5"), update_id, true};
}
true_quote ethbtc_quote(std::uint64_t update_id = 11) {
  return {f("0.03456"), f("0.03457"), raw_of("20"), raw_of("20"), update_id, true};
}
true_quote ethusdt_quote(std::uint64_t update_id = 12) {
  return {f("3111.50"), f("3111.51"), raw_of("10"), raw_of("10"), update_id, true};
}

const depth_params kDepth{.seed = 7};

order_request order(symbol_id s, side d, time_in_force tif, std::string_view price,
                    std::string_view qty) {
  return order_request{"c1", s, d, tif, f(price), f(qty)};
}

// "0.5@90000.01 1@90000.02 ..." for readable failures.
std::string show(const depth_side& d) {
  std::string out;
  for (int k = 0; k < d.count; ++k) {
    if (k > 0) out += ' ';
    out += to_string(d.level[k].qty) + "@" + to_string(d.level[k].price);
  }
  return out;
}

// ---------------------------------------------------------------------------
// depth
// ---------------------------------------------------------------------------

// The profile for seed 7 is fixed: the ground truth recomputes it, so a change
// here changes every recorded ideal execution.
TEST(MatchingDepth, TheSeededProfileBehindAQuote) {
  const universe u = test_universe();
  const auto& fb = u.symbol(kBtcUsdt).filters;
  EXPECT_EQ(show(depth_of(kDepth, kBtcUsdt, fb, btc_quote(), side::buy)),
            "0.5@90000.01 1@90000.02 1.25@90000.04 2.1875@90000.05 3.82812@90000.08");
  EXPECT_EQ(show(depth_of(kDepth, kBtcUsdt, fb, btc_quote(), side::sell)),
            "0.5@90000 1@89999.97 1.75@89999.96 3.0625@89999.93 6.125@89999.92");
  EXPECT_EQ(
      show(depth_of(kDepth, kEthUsdt, u.symbol(kEthUsdt).filters, ethusdt_quote(), side::sell)),
      "10@3111.5 12.5@3111.49 15.625@3111.47 23.4375@3111.46 46.875@3111.44");
}

TEST(MatchingDepth, LevelZeroIsTheTopDeeperLevelsAreOneToThreeTicksWorseWithMoreQuantity) {
  const universe u = test_universe();
  int gaps_seen[4] = {0, 0, 0, 0};
  for (symbol_id s = 0; s < 3; ++s) {
    const symbol_filters& fl = u.symbol(s).filters;
    for (std::uint64_t id = 1; id <= 300; ++id) {
      true_quote q = s == kBtcUsdt  ? btc_quote(id)
                     : s == kEthBtc ? ethbtc_quote(id)
                                    : ethusdt_quote(id);
      for (const side sd : {side::buy, side::sell}) {
        const depth_side d = depth_of(kDepth, s, fl, q, sd);
        ASSERT_EQ(d.count, 5);
        EXPECT_EQ(d.level[0].price, sd == side::buy ? q.ask : q.bid);
        EXPECT_EQ(static_cast<u128>(d.level[0].qty.raw()),
                  sd == side::buy ? q.ask_qty_raw : q.bid_qty_raw);
        for (int k = 1; k < d.count; ++k) {
          const std::int64_t worse = sd == side::buy
                                         ? d.level[k].price.raw() - d.level[k - 1].price.raw()
                                         : d.level[k - 1].price.raw() - d.level[k].price.raw();
          ASSERT_EQ(worse % fl.tick_size.raw(), 0);
          const std::int64_t ticks = worse / fl.tick_size.raw();
          ASSERT_GE(ticks, 1);
          ASSERT_LE(ticks, 3);
          ++gaps_seen[ticks];
          EXPECT_GT(d.level[k].qty, d.level[k - 1].qty) << show(d);
          EXPECT_EQ(d.level[k].qty.raw() % fl.step_size.raw(), 0) << show(d);
        }
      }
    }
  }
  // Every gap of 1, 2 and 3 ticks happens.
  EXPECT_GT(gaps_seen[1], 0);
  EXPECT_GT(gaps_seen[2], 0);
  EXPECT_GT(gaps_seen[3], 0);
}

TEST(MatchingDepth, SameSeedSymbolAndUpdateIdSameDepthOtherwiseNot) {
  const universe u = test_universe();
  const auto& fb = u.symbol(kBtcUsdt).filters;
  const depth_side a = depth_of(kDepth, kBtcUsdt, fb, btc_quote(10), side::buy);
  EXPECT_EQ(a, depth_of(kDepth, kBtcUsdt, fb, btc_quote(10), side::buy));
  // Another update id, another seed or another symbol index: some of 20 differ.
  int differ_id = 0, differ_seed = 0, differ_symbol = 0;
  for (std::uint64_t i = 0; i < 20; ++i) {
    differ_id += a != depth_of(kDepth, kBtcUsdt, fb, btc_quote(11 + i), side::buy);
    differ_seed += a != depth_of({.seed = 8 + i}, kBtcUsdt, fb, btc_quote(10), side::buy);
    differ_symbol +=
        a != depth_of(kDepth, static_cast<symbol_id>(3 + i), fb, btc_quote(10), side::buy);
  }
  EXPECT_GT(differ_id, 10);
  EXPECT_GT(differ_seed, 10);
  EXPECT_GT(differ_symbol, 10);
}

TEST(MatchingDepth, QuantitiesAboveFixed8AreCappedAndFlooredToTheStep) {
  // LUNC-like: 10^12 units at the top, step 1.
  const symbol_filters fl{f("0.00000001"), f("1"), f("92233720368"), f("1"), f("1")};
  const u128 huge = static_cast<u128>(1'000'000'000'000ULL) * 100'000'000U;  // 10^12 units
  const true_quote q{f("0.00009"), f("0.00010"), huge, huge, 5, true};
  const depth_side d = depth_of(kDepth, 0, fl, q, side::buy);
  ASSERT_EQ(d.count, 5);
  for (int k = 0; k < d.count; ++k) {
    EXPECT_EQ(d.level[k].qty, f("92233720368")) << k;  // fixed8::max() floored to 1
  }
}

TEST(MatchingDepth, EmptySidesAndBidsNearZero) {
  const universe u = test_universe();
  const auto& fb = u.symbol(kBtcUsdt).filters;
  true_quote q = btc_quote();
  q.present = false;
  EXPECT_EQ(depth_of(kDepth, kBtcUsdt, fb, q, side::buy).count, 0);
  q = btc_quote();
  q.bid = fixed8::zero();
  q.bid_qty_raw = 0;
  EXPECT_EQ(depth_of(kDepth, kBtcUsdt, fb, q, side::sell).count, 0);
  EXPECT_EQ(depth_of(kDepth, kBtcUsdt, fb, q, side::buy).count, 5);
  // A bid of two ticks: at most two levels, every price positive.
  q.bid = f("0.02");
  q.bid_qty_raw = raw_of("1");
  int two = 0;
  for (std::uint64_t id = 1; id <= 50; ++id) {
    q.update_id = id;
    const depth_side d = depth_of(kDepth, kBtcUsdt, fb, q, side::sell);
    ASSERT_GE(d.count, 1);
    ASSERT_LE(d.count, 2);
    two += d.count == 2;
    for (int k = 0; k < d.count; ++k) EXPECT_TRUE(d.level[k].price.is_positive());
  }
  EXPECT_GT(two, 0);
}

// ---------------------------------------------------------------------------
// place
// ---------------------------------------------------------------------------

struct engine_fixture : ::testing::Test {
  universe u = test_universe();
  matching_engine eng{u, {.depth = kDepth}};
  account_id acc = eng.add_account("key-a", "secret-a",
                                   {{kUsdt, f("300000")}, {kBtc, f("10")}, {kEth, f("100")}});
  fixed8 bal(asset_id a) const { return eng.account_at(acc).balance[a]; }
};

using MatchingPlace = engine_fixture;

TEST_F(MatchingPlace, IocBuyWalksLevelsWithinItsLimitAndExpiresWithThePartialFill) {
  // Asks: 0.5@90000.01 1@90000.02 1.25@90000.04 2.1875@90000.05 ...; limit 90000.04.
  const place_outcome out = eng.place(
      acc, order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.04", "3"), btc_quote(), 0);
  ASSERT_TRUE(out.ok()) << out.error->msg;
  const order_result& r = out.result;
  EXPECT_EQ(r.status, order_status::expired);
  EXPECT_EQ(r.order_id, 1U);
  EXPECT_EQ(r.executed_qty, f("2.75"));            // nothing at 90000.05: beyond the limit
  EXPECT_EQ(r.cumulative_quote, f("247500.075"));  // 45000.005 + 90000.02 + 112500.05
  ASSERT_EQ(r.fills.size(), 3U);
  EXPECT_EQ(r.fills[0], (order_fill{f("90000.01"), f("0.5"), f("0.0005"), kBtc, 1}));
  EXPECT_EQ(r.fills[1], (order_fill{f("90000.02"), f("1"), f("0.001"), kBtc, 2}));
  EXPECT_EQ(r.fills[2], (order_fill{f("90000.04"), f("1.25"), f("0.00125"), kBtc, 3}));
  EXPECT_EQ(bal(kBtc), f("12.74725"));    // 10 + 2.75 - 0.00275
  EXPECT_EQ(bal(kUsdt), f("52499.925"));  // 300000 - 247500.075
  EXPECT_EQ(bal(kEth), f("100"));
  EXPECT_EQ(eng.remaining(kBtcUsdt, btc_quote(), side::buy).level[3].qty, f("2.1875"));
}

TEST_F(MatchingPlace, IocFilledWhenTheDepthWithinTheLimitSufficesAndExpiredEmptyWhenNone) {
  place_outcome out = eng.place(
      acc, order(kBtcUsdt, side::sell, time_in_force::ioc, "89999.97", "1.2"), btc_quote(), 0);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.result.status, order_status::filled);
  ASSERT_EQ(out.result.fills.size(), 2U);
  EXPECT_EQ(out.result.fills[0], (order_fill{f("90000"), f("0.5"), f("45"), kUsdt, 1}));
  EXPECT_EQ(out.result.fills[1], (order_fill{f("89999.97"), f("0.7"), f("62.999979"), kUsdt, 2}));
  EXPECT_EQ(bal(kBtc), f("8.8"));
  // 300000 + (45000 - 45) + (62999.979 - 62.999979)
  EXPECT_EQ(bal(kUsdt), f("407891.979021"));
  // A buy limited below the best ask trades nothing: expired, no fills, nothing moves.
  out = eng.place(acc, order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.00", "0.1"),
                  btc_quote(), 1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.result.status, order_status::expired);
  EXPECT_EQ(out.result.executed_qty, fixed8::zero());
  EXPECT_TRUE(out.result.fills.empty());
  EXPECT_EQ(bal(kBtc), f("8.8"));
}

TEST_F(MatchingPlace, FokFillsAllOrNothing) {
  // 2.75 within 90000.04: 3 cannot fill, so nothing does and nothing is consumed.
  place_outcome out = eng.place(
      acc, order(kBtcUsdt, side::buy, time_in_force::fok, "90000.04", "3"), btc_quote(), 0);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.result.status, order_status::expired);
  EXPECT_EQ(out.result.executed_qty, fixed8::zero());
  EXPECT_TRUE(out.result.fills.empty());
  EXPECT_EQ(bal(kUsdt), f("300000"));
  EXPECT_EQ(bal(kBtc), f("10"));
  EXPECT_EQ(eng.remaining(kBtcUsdt, btc_quote(), side::buy),
            depth_of(kDepth, kBtcUsdt, u.symbol(kBtcUsdt).filters, btc_quote(), side::buy));
  // Exactly what is there fills.
  out = eng.place(acc, order(kBtcUsdt, side::buy, time_in_force::fok, "90000.04", "2.75"),
                  btc_quote(), 1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.result.status, order_status::filled);
  EXPECT_EQ(out.result.executed_qty, f("2.75"));
  EXPECT_EQ(out.result.fills.size(), 3U);
  EXPECT_EQ(bal(kUsdt), f("52499.925"));
}

TEST_F(MatchingPlace, QuoteTruncatedCommissionRoundedUpInTheReceivedAsset) {
  // ETHBTC sell 0.0001 at 0.03456: 0.000003456 BTC truncates to 0.00000345;
  // the fee 0.00000000345 rounds up to 0.00000001 BTC.
  const place_outcome out = eng.place(
      acc, order(kEthBtc, side::sell, time_in_force::ioc, "0.03456", "0.0001"), ethbtc_quote(), 0);
  ASSERT_TRUE(out.ok()) << out.error->msg;
  ASSERT_EQ(out.result.fills.size(), 1U);
  EXPECT_EQ(out.result.fills[0].commission, f("0.00000001"));
  EXPECT_EQ(out.result.fills[0].commission_asset, kBtc);
  EXPECT_EQ(out.result.cumulative_quote, f("0.00000345"));
  EXPECT_EQ(bal(kBtc), f("10.00000344"));
  EXPECT_EQ(bal(kEth), f("99.9999"));
}

TEST_F(MatchingPlace, FiltersUnknownSymbolAndTheirCodes) {
  struct probe {
    order_request req;
    int http;
    int code;
    std::string msg;
  };
  const std::vector<probe> probes = {
      {order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.015", "0.1"), 400, -1013,
       "Filter failure: PRICE_FILTER"},
      {order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.01", "0.000015"), 400, -1013,
       "Filter failure: LOT_SIZE"},
      {order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.01", "9000.00001"), 400, -1013,
       "Filter failure: LOT_SIZE"},
      {order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.01", "0.00005"), 400, -1013,
       "Filter failure: NOTIONAL"},  // 4.5000005 < 5
      {order(kNoSymbol, side::buy, time_in_force::ioc, "1", "1"), 400, -1121, "Invalid symbol."},
      {order(7, side::buy, time_in_force::ioc, "1", "1"), 400, -1121, "Invalid symbol."},
  };
  const std::uint32_t n = 0;
  for (const probe& p : probes) {
    const place_outcome out = eng.place(acc, p.req, btc_quote(), 0);
    ASSERT_FALSE(out.ok()) << p.msg;
    EXPECT_EQ(*out.error, (exchange_error{p.http, p.code, p.msg}));
    EXPECT_EQ(out.result.status, order_status::rejected);
    EXPECT_EQ(out.result.error_code, p.code);
    EXPECT_EQ(out.result.error_msg, p.msg);
    EXPECT_EQ(out.result.order_id, 0U);
    // A refused order is no successful request: it does not count.
    EXPECT_EQ(out.order_count_10s, n);
    EXPECT_EQ(out.order_count_1d, n);
  }
  EXPECT_EQ(bal(kUsdt), f("300000"));
  EXPECT_EQ(eng.orders_placed(), 0U);
}

TEST_F(MatchingPlace, ABuyNeedsItsLimitTimesQuantityRoundedUpASellItsQuantity) {
  // 90000.01 x 0.00011 = 9.9000011: exactly that much is enough, one unit less is not.
  eng.set_balance(acc, kUsdt, f("9.90000109"));
  const order_request buy = order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.01", "0.00011");
  place_outcome out = eng.place(acc, buy, btc_quote(), 0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(*out.error,
            (exchange_error{400, -2010, "Account has insufficient balance for requested action."}));
  eng.set_balance(acc, kUsdt, f("9.9000011"));
  out = eng.place(acc, buy, btc_quote(), 1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(bal(kUsdt), fixed8::zero());
  // Rounded up: 0.03457 x 0.0003 = 0.000010371 exactly; 0.0000103 BTC is not enough.
  eng.set_balance(acc, kBtc, f("0.00001037"));
  out = eng.place(acc, order(kEthBtc, side::buy, time_in_force::ioc, "0.03457", "0.0003"),
                  ethbtc_quote(), 2);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->code, -2010);
  eng.set_balance(acc, kBtc, f("0.00001038"));
  out = eng.place(acc, order(kEthBtc, side::buy, time_in_force::ioc, "0.03457", "0.0003"),
                  ethbtc_quote(), 3);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(bal(kBtc), f("0.00000001"));  // it paid the truncated 0.00001037
  // A sell needs its quantity of the base.
  eng.set_balance(acc, kEth, f("0.0999"));
  out = eng.place(acc, order(kEthUsdt, side::sell, time_in_force::ioc, "3111.50", "0.1"),
                  ethusdt_quote(), 4);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error->code, -2010);
  eng.set_balance(acc, kEth, f("0.1"));
  out = eng.place(acc, order(kEthUsdt, side::sell, time_in_force::ioc, "3111.50", "0.1"),
                  ethusdt_quote(), 5);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(bal(kEth), fixed8::zero());
}

TEST_F(MatchingPlace, ABalanceThatWouldLeaveFixed8RefusesTheOrderAndNothingMoves) {
  // 0.5 BTC more (less 0.0005 fee) would take BTC past fixed8::max().
  const fixed8 near_max = fixed8::from_raw(fixed8::max().raw() - f("0.4").raw());
  eng.set_balance(acc, kBtc, near_max);
  const place_outcome out = eng.place(
      acc, order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.01", "0.5"), btc_quote(), 0);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(*out.error,
            (exchange_error{400, -2010,
                            "Balance overflow: the account's BTC would leave the range of fixed8 "
                            "(max 92233720368.54775807)"}));
  EXPECT_EQ(bal(kBtc), near_max);
  EXPECT_EQ(bal(kUsdt), f("300000"));
  EXPECT_EQ(eng.remaining(kBtcUsdt, btc_quote(), side::buy),
            depth_of(kDepth, kBtcUsdt, u.symbol(kBtcUsdt).filters, btc_quote(), side::buy));
  EXPECT_EQ(eng.orders_placed(), 0U);
  EXPECT_EQ(eng.trades(), 0U);
  EXPECT_EQ(out.order_count_10s, 0U);  // refused: it does not count
}

// The exchange counts UNFILLED orders (its FAQ "Spot Unfilled Order Count
// Rules"): an order's first fill takes it off the count again.
TEST_F(MatchingPlace, OnlyUnfilledOrdersCountTowardTheOrdersLimit) {
  const order_request filled = order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.01", "0.0001");
  const order_request unfilled = order(kBtcUsdt, side::buy, time_in_force::ioc, "45000", "0.0002");
  place_outcome out = eng.place(acc, filled, btc_quote(), kSec);
  ASSERT_TRUE(out.ok());
  ASSERT_FALSE(out.result.fills.empty());
  EXPECT_EQ(out.order_count_10s, 0U);
  EXPECT_EQ(out.order_count_1d, 0U);
  out = eng.place(acc, unfilled, btc_quote(), kSec);
  ASSERT_TRUE(out.ok());
  ASSERT_TRUE(out.result.fills.empty());
  EXPECT_EQ(out.order_count_10s, 1U);
  EXPECT_EQ(out.order_count_1d, 1U);
  // 99 more unfilled fill the window; filled orders still pass, unfilled do not.
  for (int i = 0; i < 99; ++i) ASSERT_TRUE(eng.place(acc, unfilled, btc_quote(), kSec).ok());
  EXPECT_EQ(eng.place(acc, unfilled, btc_quote(), kSec).error->code, -1015);
  const order_request filled_next =
      order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.01", "0.0001");
  EXPECT_EQ(eng.place(acc, filled_next, btc_quote(), kSec).error->code, -1015)
      << "the limit refuses before matching: a full window refuses every new order";
  EXPECT_EQ(eng.order_counts(acc, kSec), std::make_pair(100U, 100U));
}

TEST_F(MatchingPlace, TheDefaultLimitsAreTheOnesTheExchangeServes) {
  EXPECT_EQ(eng.params().orders_per_10s, 100U);
  EXPECT_EQ(eng.params().orders_per_day, 200'000U);
  const std::string info = generate_exchange_info({}, 1);
  EXPECT_NE(info.find(R"("rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,)"
                      R"("limit":100})"),
            std::string::npos);
  EXPECT_NE(info.find(R"("rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,)"
                      R"("limit":200000})"),
            std::string::npos);
}

TEST_F(MatchingPlace, TheTenSecondWindowSlides) {
  // Far below the ask: accepted and never filled, so each one counts.
  const order_request tiny = order(kBtcUsdt, side::buy, time_in_force::ioc, "45000", "0.0002");
  // 50 orders at t = 1 s and 50 at t = 6 s: the window is full.
  for (int i = 0; i < 100; ++i) {
    const place_outcome out = eng.place(acc, tiny, btc_quote(), (i < 50 ? 1 : 6) * kSec);
    ASSERT_TRUE(out.ok()) << i << ": " << out.error->msg;
    EXPECT_EQ(out.order_count_10s, static_cast<std::uint32_t>(i + 1));
  }
  // Just before 11 s the first 50 are still in (now - 10 s, now].
  place_outcome out = eng.place(acc, tiny, btc_quote(), 11 * kSec - 1);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(*out.error,
            (exchange_error{429, -1015,
                            "Too many new orders; current limit is 100 orders per 10 SECOND."}));
  EXPECT_EQ(out.retry_after_s, 1);
  EXPECT_EQ(out.order_count_10s, 100U);  // a refused order does not count
  EXPECT_EQ(out.order_count_1d, 100U);
  EXPECT_EQ(out.result.error_code, -1015);
  // At 11 s they have left: 50 in the window, and this one.
  out = eng.place(acc, tiny, btc_quote(), 11 * kSec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.order_count_10s, 51U);
  EXPECT_EQ(out.order_count_1d, 101U);
  // Fill the window again at 12 s: 49 more; the 101st waits for the ones at 6 s.
  for (int i = 0; i < 49; ++i) ASSERT_TRUE(eng.place(acc, tiny, btc_quote(), 12 * kSec).ok());
  out = eng.place(acc, tiny, btc_quote(), 12 * kSec);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.retry_after_s, 4);  // the orders at 6 s leave at 16 s
  EXPECT_EQ(eng.order_counts(acc, 12 * kSec), std::make_pair(100U, 150U));
  EXPECT_EQ(eng.order_counts(acc, 16 * kSec), std::make_pair(50U, 150U));
  // Another account has its own limits.
  const account_id b = eng.add_account("key-b", "secret-b", {{kUsdt, f("100")}});
  out = eng.place(b, tiny, btc_quote(), 12 * kSec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.order_count_10s, 1U);
}

TEST(MatchingRateLimit, TheDailyLimitResetsWithTheUtcDay) {
  const universe u = test_universe();
  matching_engine eng(u, {.depth = kDepth, .orders_per_day = 5});
  const account_id a = eng.add_account("k", "s", {{kUsdt, f("1000")}});
  const order_request tiny = order(kBtcUsdt, side::buy, time_in_force::ioc, "45000", "0.0002");
  const std::int64_t day = 86'400 * kSec;
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(eng.place(a, tiny, btc_quote(), day + i * 60 * kSec).ok());
  place_outcome out = eng.place(a, tiny, btc_quote(), 2 * day - kSec);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(
      *out.error,
      (exchange_error{429, -1015, "Too many new orders; current limit is 5 orders per 1 DAY."}));
  EXPECT_EQ(out.retry_after_s, 1);
  EXPECT_EQ(out.order_count_1d, 5U);
  out = eng.place(a, tiny, btc_quote(), 2 * day);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.order_count_1d, 1U);
}

TEST_F(MatchingPlace, AnOrderConsumesItsQuotesLiquidityUntilANewUpdateId) {
  place_outcome out = eng.place(
      acc, order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.01", "0.3"), btc_quote(10), 0);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.result.status, order_status::filled);
  EXPECT_EQ(eng.remaining(kBtcUsdt, btc_quote(10), side::buy).level[0].qty, f("0.2"));
  // The second order against the same quote sees what the first left.
  out = eng.place(acc, order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.02", "0.5"),
                  btc_quote(10), 1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.result.status, order_status::filled);
  ASSERT_EQ(out.result.fills.size(), 2U);
  EXPECT_EQ(out.result.fills[0].qty, f("0.2"));
  EXPECT_EQ(out.result.fills[0].price, f("90000.01"));
  EXPECT_EQ(out.result.fills[1].qty, f("0.3"));
  EXPECT_EQ(out.result.fills[1].price, f("90000.02"));
  // Level 0 is gone: a third at 90000.01 gets nothing; FOK at 90000.02 only 0.7.
  out = eng.place(acc, order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.01", "0.1"),
                  btc_quote(10), 2);
  EXPECT_EQ(out.result.executed_qty, fixed8::zero());
  out = eng.place(acc, order(kBtcUsdt, side::buy, time_in_force::fok, "90000.02", "0.8"),
                  btc_quote(10), 3);
  EXPECT_EQ(out.result.status, order_status::expired);
  EXPECT_EQ(out.result.executed_qty, fixed8::zero());
  // The other side of the book is untouched.
  EXPECT_EQ(eng.remaining(kBtcUsdt, btc_quote(10), side::sell),
            depth_of(kDepth, kBtcUsdt, u.symbol(kBtcUsdt).filters, btc_quote(10), side::sell));
  // A new update id restores the profile (its own, seeded by the new id).
  const depth_side fresh =
      depth_of(kDepth, kBtcUsdt, u.symbol(kBtcUsdt).filters, btc_quote(11), side::buy);
  EXPECT_EQ(eng.remaining(kBtcUsdt, btc_quote(11), side::buy), fresh);
  out = eng.place(acc, order(kBtcUsdt, side::buy, time_in_force::ioc, "90000.01", "0.5"),
                  btc_quote(11), 4);
  EXPECT_EQ(out.result.status, order_status::filled);
  EXPECT_EQ(out.result.executed_qty, f("0.5"));
}

TEST(MatchingAccounts, KeysAreUniqueAndFound) {
  const universe u = test_universe();
  matching_engine eng(u, {});
  const account_id a = eng.add_account("ka", "sa", {{kEth, f("1.5")}});
  const account_id b = eng.add_account("kb", "sb", {});
  EXPECT_EQ(eng.find_account("ka"), a);
  EXPECT_EQ(eng.find_account("kb"), b);
  EXPECT_EQ(eng.find_account("kc"), std::nullopt);
  EXPECT_EQ(eng.account_at(a).secret, "sa");
  EXPECT_EQ(eng.account_at(a).balance,
            (std::vector<fixed8>{fixed8::zero(), f("1.5"), fixed8::zero()}));
  EXPECT_THROW((void)eng.add_account("ka", "x", {}), std::invalid_argument);
  EXPECT_THROW((void)eng.add_account("kd", "x", {{3, f("1")}}), std::invalid_argument);
  EXPECT_THROW((void)matching_engine(u, {.depth = {.levels = 0}}), std::invalid_argument);
  EXPECT_THROW((void)matching_engine(u, {.depth = {.levels = 17}}), std::invalid_argument);
  EXPECT_THROW((void)matching_engine(u, {.depth = {}, .fee_rate = fixed8::one()}),
               std::invalid_argument);
}

// ---------------------------------------------------------------------------
// conservation and determinism over generated orders
// ---------------------------------------------------------------------------

struct run_log {
  std::vector<place_outcome> outcomes;
  std::vector<order_request> requests;
  std::vector<fixed8> balances;
};

// n seeded orders on three symbols, the quotes moving now and then (same
// prices, new update ids, so orders both share and restore liquidity).
run_log random_run(const universe& u, std::uint64_t depth_seed, std::uint64_t order_seed, int n,
                   const std::vector<fixed8>& start) {
  matching_engine eng(u, {.depth = {.seed = depth_seed}});
  const account_id a =
      eng.add_account("k", "s", {{kBtc, start[kBtc]}, {kEth, start[kEth]}, {kUsdt, start[kUsdt]}});
  sim_rng rng(order_seed);
  std::uint64_t ids[3] = {10, 11, 12};
  run_log log;
  for (int i = 0; i < n; ++i) {
    const auto s = static_cast<symbol_id>(rng.below(3));
    if (rng.chance(0.3)) ids[s] += 3;
    const true_quote q = s == kBtcUsdt  ? btc_quote(ids[s])
                         : s == kEthBtc ? ethbtc_quote(ids[s])
                                        : ethusdt_quote(ids[s]);
    const symbol_filters& fl = u.symbol(s).filters;
    const side d = rng.chance(0.5) ? side::buy : side::sell;
    // A limit from 2 ticks inside the top to 6 ticks through it.
    const std::int64_t ticks = static_cast<std::int64_t>(rng.below(9)) - 2;
    const fixed8 top = d == side::buy ? q.ask : q.bid;
    const fixed8 limit =
        fixed8::from_raw(top.raw() + (d == side::buy ? 1 : -1) * ticks * fl.tick_size.raw());
    // The minimum plus 0 to 400,000 steps.
    const fixed8 qty = fixed8::from_raw(
        fl.min_qty.raw() + static_cast<std::int64_t>(rng.below(4000)) *
                               static_cast<std::int64_t>(rng.below(100)) * fl.step_size.raw());
    const order_request req{"r" + std::to_string(i),
                            s,
                            d,
                            rng.chance(0.5) ? time_in_force::ioc : time_in_force::fok,
                            limit,
                            qty};
    log.outcomes.push_back(eng.place(a, req, q, i * 200'000'000LL));
    log.requests.push_back(req);
  }
  log.balances = eng.account_at(a).balance;
  return log;
}

TEST(MatchingConservation, BalancesMoveByExactlyTheFillsAndFeesAssetByAsset) {
  const universe u = test_universe();
  const std::vector<fixed8> start = {f("4"), f("120"), f("300000")};  // BTC, ETH, USDT
  const run_log log = random_run(u, 7, 99, 2000, start);
  const cpp_int scale = fixed8::kScale;
  const cpp_int fee = fixed8::from_raw(100'000).raw();  // 0.001
  std::map<asset_id, cpp_int> delta;
  int filled = 0, expired_partial = 0, expired_empty = 0, rejected = 0, fills = 0;
  for (std::size_t i = 0; i < log.outcomes.size(); ++i) {
    const place_outcome& o = log.outcomes[i];
    const order_request& req = log.requests[i];
    if (!o.ok()) {
      ++rejected;
      EXPECT_TRUE(o.result.fills.empty());
      continue;
    }
    const symbol_info& info = u.symbol(req.symbol);
    cpp_int qty_sum = 0, quote_sum = 0;
    for (const order_fill& fl : o.result.fills) {
      ++fills;
      // No trade beyond the limit.
      EXPECT_TRUE(req.dir == side::buy ? fl.price <= req.price : fl.price >= req.price)
          << to_string(fl.price) << " against the limit " << to_string(req.price);
      const cpp_int qty = fl.qty.raw();
      const cpp_int quote = cpp_int(fl.price.raw()) * qty / scale;  // truncated
      const cpp_int received = req.dir == side::buy ? qty : quote;
      const cpp_int commission = (received * fee + scale - 1) / scale;  // rounded up
      ASSERT_EQ(cpp_int(fl.commission.raw()), commission);
      ASSERT_EQ(fl.commission_asset, req.dir == side::buy ? info.base : info.quote);
      if (req.dir == side::buy) {
        delta[info.base] += qty - commission;
        delta[info.quote] -= quote;
      } else {
        delta[info.base] -= qty;
        delta[info.quote] += quote - commission;
      }
      qty_sum += qty;
      quote_sum += quote;
    }
    EXPECT_EQ(cpp_int(o.result.executed_qty.raw()), qty_sum);
    EXPECT_EQ(cpp_int(o.result.cumulative_quote.raw()), quote_sum);
    if (o.result.status == order_status::filled) {
      ++filled;
      EXPECT_EQ(o.result.executed_qty, req.quantity);
    } else {
      ASSERT_EQ(o.result.status, order_status::expired);
      EXPECT_LT(o.result.executed_qty, req.quantity);
      EXPECT_TRUE(req.tif == time_in_force::ioc || o.result.fills.empty());
      ++(o.result.executed_qty.is_zero() ? expired_empty : expired_partial);
    }
  }
  for (asset_id a = 0; a < 3; ++a) {
    EXPECT_EQ(cpp_int(log.balances[a].raw()) - cpp_int(start[a].raw()), delta[a]) << u.assets()[a];
  }
  // The run exercised every outcome.
  EXPECT_GT(filled, 100);
  EXPECT_GT(expired_partial, 50);
  EXPECT_GT(expired_empty, 50);
  EXPECT_GT(rejected, 50);
  EXPECT_GT(fills, 1000);
  std::printf(
      "2000 orders: %d filled, %d expired partial, %d expired empty, %d rejected, %d fills\n",
      filled, expired_partial, expired_empty, rejected, fills);
}

TEST(MatchingDeterminism, SameSeedSameResultsAnotherDepthSeedOtherFills) {
  const universe u = test_universe();
  const std::vector<fixed8> start = {f("4"), f("120"), f("300000")};
  const run_log a = random_run(u, 7, 5, 500, start);
  const run_log b = random_run(u, 7, 5, 500, start);
  ASSERT_EQ(a.outcomes.size(), b.outcomes.size());
  for (std::size_t i = 0; i < a.outcomes.size(); ++i) {
    EXPECT_EQ(a.outcomes[i].result, b.outcomes[i].result) << i;
    EXPECT_EQ(a.outcomes[i].error, b.outcomes[i].error) << i;
  }
  EXPECT_EQ(a.balances, b.balances);
  const run_log c = random_run(u, 8, 5, 500, start);
  int differ = 0;
  for (std::size_t i = 0; i < a.outcomes.size(); ++i) {
    differ += a.outcomes[i].result != c.outcomes[i].result;
  }
  EXPECT_GT(differ, 20);
}

// ---------------------------------------------------------------------------
// the ground truth
// ---------------------------------------------------------------------------

triangle usdt_btc_eth() {
  triangle t;
  t.start = kUsdt;
  t.legs = {leg{kBtcUsdt, side::buy, kUsdt, kBtc}, leg{kEthBtc, side::buy, kBtc, kEth},
            leg{kEthUsdt, side::sell, kEth, kUsdt}};
  return t;
}

const std::array<true_quote, 3> kQuotes = {btc_quote(), ethbtc_quote(), ethusdt_quote()};
const fixed8 kFee = fixed8::from_raw(100'000);

TEST(MatchingIdeal, ConcreteCycleOnTheTopLevels) {
  const universe u = test_universe();
  const ideal_result r = ideal_cycle(u, usdt_btc_eth(), f("1000"), kQuotes, kFee, kDepth);
  ASSERT_TRUE(r.ok()) << to_string(r.ec);
  // Buy BTC at 90000.01: 0.01111 costs 999.9001111, 0.01112 would cost 1000.8001112.
  EXPECT_EQ(r.legs[0].qty, f("0.01111"));
  EXPECT_EQ(r.legs[0].quote, f("999.9001111"));
  EXPECT_EQ(r.legs[0].commission, f("0.00001111"));
  EXPECT_EQ(r.legs[0].received, f("0.01109889"));
  EXPECT_EQ(r.legs[0].left_over, f("0.0998889"));
  // Buy ETH at 0.03457 with 0.01109889 BTC: 0.321 costs 0.01109697.
  EXPECT_EQ(r.legs[1].available, f("0.01109889"));
  EXPECT_EQ(r.legs[1].qty, f("0.321"));
  EXPECT_EQ(r.legs[1].spent, f("0.01109697"));
  EXPECT_EQ(r.legs[1].received, f("0.320679"));
  // Sell 0.3206 ETH at 3111.50: 997.5469, fee 0.9975469.
  EXPECT_EQ(r.legs[2].qty, f("0.3206"));
  EXPECT_EQ(r.legs[2].quote, f("997.5469"));
  EXPECT_EQ(r.legs[2].commission, f("0.9975469"));
  EXPECT_EQ(r.legs[2].left_over, f("0.000079"));
  EXPECT_EQ(r.end_amount, f("996.5493531"));
  EXPECT_EQ(r.profit, f("-3.4506469"));
  for (const ideal_leg_result& l : r.legs) EXPECT_EQ(l.levels_touched, 1);
  // The (symbol, side) form is the same cycle.
  EXPECT_EQ(ideal_cycle(u, {{{kBtcUsdt, side::buy}, {kEthBtc, side::buy}, {kEthUsdt, side::sell}}},
                        f("1000"), kQuotes, kFee, kDepth),
            r);
}

// The cost of buying q walking the depth: sum of truncated per-level quotes.
cpp_int walk_cost(const depth_side& d, std::int64_t q) {
  cpp_int cost = 0;
  for (int k = 0; k < d.count && q > 0; ++k) {
    const std::int64_t t = std::min(q, d.level[k].qty.raw());
    cost += cpp_int(d.level[k].price.raw()) * t / fixed8::kScale;
    q -= t;
  }
  return q > 0 ? cpp_int(-1) : cost;
}

TEST(MatchingIdeal, LegsChainAndEachBuyIsTheLargestAffordableStepMultiple) {
  const universe u = test_universe();
  int checked = 0;
  for (const char* start : {"50", "1000", "44999.99", "45000.005", "123456.78", "200000"}) {
    const ideal_result r = ideal_cycle(u, usdt_btc_eth(), f(start), kQuotes, kFee, kDepth);
    ASSERT_TRUE(r.ok()) << start << ": " << to_string(r.ec) << " leg " << r.failed_leg;
    for (int i = 0; i < 3; ++i) {
      const ideal_leg_result& l = r.legs[i];
      const symbol_filters& fl = u.symbol(l.symbol).filters;
      EXPECT_EQ(l.available, i == 0 ? f(start) : r.legs[i - 1].received);
      EXPECT_EQ(l.spent.raw() + l.left_over.raw(), l.available.raw());
      EXPECT_EQ(l.qty.raw() % fl.step_size.raw(), 0);
      const fixed8 got = l.dir == side::buy ? l.qty : l.quote;
      EXPECT_EQ(l.received.raw() + l.commission.raw(), got.raw());
      const depth_side d = depth_of(kDepth, l.symbol, fl, kQuotes[i], l.dir);
      if (l.dir == side::buy) {
        EXPECT_EQ(walk_cost(d, l.qty.raw()), cpp_int(l.quote.raw()));
        // One more step would cost more than was available (or there is no more).
        const cpp_int more = walk_cost(d, l.qty.raw() + fl.step_size.raw());
        EXPECT_TRUE(more < 0 || more > cpp_int(l.available.raw())) << start << " leg " << i;
      } else {
        EXPECT_EQ(l.qty, floor_to_step(l.available, fl.step_size));
      }
      ++checked;
    }
    EXPECT_EQ(r.profit.raw(), r.end_amount.raw() - f(start).raw());
  }
  EXPECT_EQ(checked, 18);
  // 200000 USDT walks past the top level on every leg.
  const ideal_result big = ideal_cycle(u, usdt_btc_eth(), f("200000"), kQuotes, kFee, kDepth);
  for (const ideal_leg_result& l : big.legs) EXPECT_GT(l.levels_touched, 1);
}

TEST(MatchingIdeal, EqualsWhatTheEngineFillsForTheSameOrders) {
  const universe u = test_universe();
  const ideal_result r = ideal_cycle(u, usdt_btc_eth(), f("200000"), kQuotes, kFee, kDepth);
  ASSERT_TRUE(r.ok());
  matching_engine eng(u, {.depth = kDepth, .fee_rate = kFee});
  const account_id a = eng.add_account("k", "s", {{kUsdt, f("1000000")}, {kBtc, f("100")}});
  for (int i = 0; i < 3; ++i) {
    const ideal_leg_result& l = r.legs[i];
    const depth_side d = depth_of(kDepth, l.symbol, u.symbol(l.symbol).filters, kQuotes[i], l.dir);
    // The limit: the deepest level the ideal leg touched.
    const order_request req{"l" + std::to_string(i),
                            l.symbol,
                            l.dir,
                            time_in_force::ioc,
                            d.level[l.levels_touched - 1].price,
                            l.qty};
    const place_outcome out = eng.place(a, req, kQuotes[i], i);
    ASSERT_TRUE(out.ok()) << out.error->msg;
    EXPECT_EQ(out.result.status, order_status::filled);
    EXPECT_EQ(out.result.executed_qty, l.qty);
    EXPECT_EQ(out.result.cumulative_quote, l.quote);
    fixed8 fees;
    for (const order_fill& fl : out.result.fills) fees = checked_add(fees, fl.commission).value;
    EXPECT_EQ(fees, l.commission) << i;
  }
}

TEST(MatchingIdeal, WhatStopsACycle) {
  const universe u = test_universe();
  // Not a cycle: leg 2 sells ETH for USDT, but leg 1 delivered BTC.
  triangle bad = usdt_btc_eth();
  bad.legs[1] = leg{kEthBtc, side::sell, kBtc, kEth};
  ideal_result r = ideal_cycle(u, bad, f("1000"), kQuotes, kFee, kDepth);
  EXPECT_EQ(r.ec, ideal_errc::not_a_cycle);
  EXPECT_EQ(r.failed_leg, 1);
  r = ideal_cycle(u, {{{kBtcUsdt, side::buy}, {kEthUsdt, side::sell}, {kEthBtc, side::sell}}},
                  f("1000"), kQuotes, kFee, kDepth);
  EXPECT_EQ(r.ec, ideal_errc::not_a_cycle);
  r = ideal_cycle(u, {{{kBtcUsdt, side::buy}, {9, side::buy}, {kEthUsdt, side::sell}}}, f("1000"),
                  kQuotes, kFee, kDepth);
  EXPECT_EQ(r.ec, ideal_errc::unknown_symbol);
  EXPECT_EQ(r.failed_leg, 1);
  // A leg with no asks.
  std::array<true_quote, 3> empty = kQuotes;
  empty[1].ask = fixed8::zero();
  empty[1].ask_qty_raw = 0;
  r = ideal_cycle(u, usdt_btc_eth(), f("1000"), empty, kFee, kDepth);
  EXPECT_EQ(r.ec, ideal_errc::no_liquidity);
  EXPECT_EQ(r.failed_leg, 1);
  EXPECT_EQ(r.profit, fixed8::zero());
  // 0.5 USDT buys no step of BTC; 1 USDT buys 0.00001 for 0.9000001, below the 5 USDT notional.
  r = ideal_cycle(u, usdt_btc_eth(), f("0.5"), kQuotes, kFee, kDepth);
  EXPECT_EQ(r.ec, ideal_errc::filter);
  EXPECT_EQ(r.legs[0].filter, filter_errc::qty_not_positive);
  r = ideal_cycle(u, usdt_btc_eth(), f("1"), kQuotes, kFee, kDepth);
  EXPECT_EQ(r.ec, ideal_errc::filter);
  EXPECT_EQ(r.failed_leg, 0);
  EXPECT_EQ(r.legs[0].filter, filter_errc::notional_min);
  EXPECT_EQ(r.legs[0].quote, f("0.9000001"));
}

}  // namespace
}  // namespace triarb::sim
