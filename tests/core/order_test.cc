// core/order.h and core/hmac.h: the exchange's spellings, the one rule for a
// fill's arithmetic, the filter checks, and the request signature against
// the exchange's documented example.
#include "core/order.h"

#include <gtest/gtest.h>

#include "core/hmac.h"

namespace triarb {
namespace {

fixed8 f(std::string_view s) {
  const fixed8_result r = parse_fixed8(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}

// The exchange's API documentation ("SIGNED Endpoint Examples for POST
// /api/v3/order"): this key, this query string, this signature.
TEST(Hmac, MatchesTheExchangesDocumentedExample) {
  const std::string secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
  const std::string query =
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
      "timestamp=1499827319559";
  EXPECT_EQ(hmac_sha256_hex(secret, query),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
  // One byte changed anywhere changes the signature.
  EXPECT_NE(hmac_sha256_hex(secret, query + "0"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

TEST(Hmac, Rfc4231TestCase2AndAnEmptyKey) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(hmac_sha256_hex("", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Hmac, DigestComparisonNeedsEqualLengthAndBytes) {
  EXPECT_TRUE(digest_hex_equal("abc", "abc"));
  EXPECT_FALSE(digest_hex_equal("abc", "abd"));
  EXPECT_FALSE(digest_hex_equal("abc", "abcd"));
  EXPECT_TRUE(digest_hex_equal("", ""));
}

TEST(Order, SpellingsAreTheExchanges) {
  EXPECT_EQ(to_string(time_in_force::ioc), "IOC");
  EXPECT_EQ(to_string(time_in_force::fok), "FOK");
  EXPECT_EQ(to_string(order_status::expired_in_match), "EXPIRED_IN_MATCH");
  EXPECT_EQ(to_string(order_status::partially_filled), "PARTIALLY_FILLED");
  EXPECT_EQ(wire_side(side::buy), "BUY");
  EXPECT_EQ(wire_side(side::sell), "SELL");
}

TEST(Order, ClientOrderIdIsOneTo36OfTheExchangesCharacters) {
  EXPECT_TRUE(valid_client_order_id("tb1-c42_l1"));
  EXPECT_TRUE(valid_client_order_id(std::string(36, 'a')));
  EXPECT_FALSE(valid_client_order_id(std::string(37, 'a')));
  EXPECT_FALSE(valid_client_order_id(""));
  EXPECT_FALSE(valid_client_order_id("a b"));
  EXPECT_FALSE(valid_client_order_id("a.b"));
  EXPECT_FALSE(valid_client_order_id("a&signature=x"));
}

TEST(Order, FillQuoteTruncatesAndCommissionRoundsUp) {
  // 0.05123 x 0.1234 = 0.006321782: nine decimals, truncated to eight.
  EXPECT_EQ(fill_quote(f("0.05123"), f("0.1234")).value, f("0.00632178"));
  // 0.1 % of 0.00632178 = 0.00000632178: rounded up to 0.00000633.
  EXPECT_EQ(fill_commission(f("0.00632178"), f("0.001")).value, f("0.00000633"));
  EXPECT_EQ(fill_commission(f("2"), f("0.001")).value, f("0.002"));  // exact stays exact
  EXPECT_EQ(fill_quote(f("90000000000"), f("2")).ec, fixed8_errc::overflow);
}

TEST(Order, FiltersReportTheFirstFailureInTheExchangesOrder) {
  const symbol_filters fl{.tick_size = f("0.01"),
                          .min_qty = f("0.001"),
                          .max_qty = f("1000"),
                          .step_size = f("0.001"),
                          .min_notional = f("10")};
  EXPECT_EQ(check_filters(fl, f("100"), f("0.5")), filter_errc::ok);
  EXPECT_EQ(check_filters(fl, f("0"), f("0.5")), filter_errc::price_not_positive);
  EXPECT_EQ(check_filters(fl, f("100.001"), f("0.5")), filter_errc::price_tick);
  EXPECT_EQ(check_filters(fl, f("100"), f("0")), filter_errc::qty_not_positive);
  EXPECT_EQ(check_filters(fl, f("100"), f("0.0009")), filter_errc::qty_min);
  EXPECT_EQ(check_filters(fl, f("100"), f("1000.001")), filter_errc::qty_max);
  EXPECT_EQ(check_filters(fl, f("100"), f("0.5005")), filter_errc::qty_step);
  EXPECT_EQ(check_filters(fl, f("100"), f("0.099")), filter_errc::notional_min);
  EXPECT_EQ(check_filters(fl, f("90000000000"), f("2")), filter_errc::notional_overflow);
  // Price is checked before quantity: both wrong reports the price.
  EXPECT_EQ(check_filters(fl, f("100.001"), f("0")), filter_errc::price_tick);
  // A zero filter value is no constraint.
  EXPECT_EQ(check_filters(symbol_filters{}, f("0.00000001"), f("0.00000001")), filter_errc::ok);
  EXPECT_EQ(exchange_message(filter_errc::qty_step), "Filter failure: LOT_SIZE");
  EXPECT_EQ(exchange_message(filter_errc::price_tick), "Filter failure: PRICE_FILTER");
  EXPECT_EQ(exchange_message(filter_errc::notional_min), "Filter failure: NOTIONAL");
}

}  // namespace
}  // namespace triarb
