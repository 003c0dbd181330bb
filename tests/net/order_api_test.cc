// order_api_test: the order API as bytes (net/order_api.h) and the API keys
// (net/api_keys.h): the exchange's documented signature example through the
// query builder, the exact query bytes of an order, the documented FULL
// response, every error code the client acts on, 429/418 with Retry-After,
// the order-count headers, the account, and hostile bodies (label hostile).
// No network. Files only under a fresh temporary directory.
#include "net/order_api.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "core/hmac.h"
#include "net/api_keys.h"

namespace triarb {
namespace {

fixed8 d(std::string_view s) {
  const fixed8_result r = parse_fixed8(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}

const universe& u() {
  static const universe uni({{"BTCUSDT", "BTC", "USDT", {}},
                             {"LTCBTC", "LTC", "BTC", {}},
                             {"BNBUSDT", "BNB", "USDT", {}}});
  return uni;
}

asset_id asset(std::string_view name) { return *u().find_asset(name); }

// Runs f, which must throw order_api_error; returns its message.
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const order_api_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no order_api_error";
  return {};
}

// ---------------------------------------------------------------------------
// Queries and signatures
// ---------------------------------------------------------------------------

constexpr std::string_view kDocSecret =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr std::string_view kDocQuery =
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
    "timestamp=1499827319559";
constexpr std::string_view kDocSignature =
    "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";

// The exchange's documented example ("SIGNED Endpoint Examples for POST
// /api/v3/order"). triarb's orders are IOC or FOK and carry two more
// parameters, so the builder's query is the documented one with GTC for IOC
// and newClientOrderId / newOrderRespType inserted before recvWindow: taking
// those out gives the documented bytes, and signing them the documented
// signature.
TEST(OrderApi, TheDocumentedSignatureExampleThroughTheQueryBuilder) {
  EXPECT_EQ(sign_query(kDocQuery, kDocSecret),
            std::string(kDocQuery) + "&signature=" + std::string(kDocSignature));

  order_request o{.client_order_id = "tb1c42l1",
                  .symbol = u().find_symbol("LTCBTC"),
                  .dir = side::buy,
                  .tif = time_in_force::ioc,
                  .price = d("0.1"),
                  .quantity = d("1")};
  std::string q = order_query(o, u(), {.recv_window_ms = 5000, .timestamp_ms = 1499827319559});
  const std::string extra = "&newClientOrderId=tb1c42l1&newOrderRespType=FULL";
  const std::size_t at = q.find(extra);
  ASSERT_NE(at, std::string::npos) << q;
  std::string doc_form = q;
  doc_form.erase(at, extra.size());
  doc_form.replace(doc_form.find("timeInForce=IOC"), 15, "timeInForce=GTC");
  EXPECT_EQ(doc_form, kDocQuery);
  EXPECT_EQ(hmac_sha256_hex(kDocSecret, doc_form), kDocSignature);
  // The signed form is the query, then its own signature, last.
  EXPECT_EQ(sign_query(q, kDocSecret), q + "&signature=" + hmac_sha256_hex(kDocSecret, q));
}

TEST(OrderApi, TheExactQueryBytesOfAnOrder) {
  const order_request o{.client_order_id = "tb_7-c3l2",
                        .symbol = u().find_symbol("BTCUSDT"),
                        .dir = side::sell,
                        .tif = time_in_force::fok,
                        .price = d("25351.90000000"),
                        .quantity = d("0.00123000")};
  EXPECT_EQ(order_query(o, u(), {.recv_window_ms = 1500, .timestamp_ms = 1700000000123}),
            "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=FOK&quantity=0.00123&price=25351.9&"
            "newClientOrderId=tb_7-c3l2&newOrderRespType=FULL&recvWindow=1500&"
            "timestamp=1700000000123");
  EXPECT_EQ(account_query({.recv_window_ms = 5000, .timestamp_ms = 42}),
            "recvWindow=5000&timestamp=42");
}

TEST(OrderApi, AnOrderThatCannotBeExpressedIsRefusedNamingWhy) {
  const order_request ok{.client_order_id = "a1",
                         .symbol = u().find_symbol("BTCUSDT"),
                         .price = d("1"),
                         .quantity = d("1")};
  const signed_params p{.recv_window_ms = 5000, .timestamp_ms = 1};
  order_request o = ok;
  o.symbol = 99;
  EXPECT_NE(error_of([&] { (void)order_query(o, u(), p); }).find("symbol id 99"),
            std::string::npos);
  o = ok;
  o.client_order_id = "a&signature=x";
  EXPECT_NE(error_of([&] { (void)order_query(o, u(), p); }).find("newClientOrderId"),
            std::string::npos);
  o = ok;
  o.price = fixed8::zero();
  EXPECT_NE(error_of([&] { (void)order_query(o, u(), p); }).find("price 0"), std::string::npos);
  o = ok;
  o.quantity = d("-1");
  EXPECT_NE(error_of([&] { (void)order_query(o, u(), p); }).find("quantity -1"), std::string::npos);
  EXPECT_NE(error_of([&] {
              (void)order_query(ok, u(), {.recv_window_ms = 60001, .timestamp_ms = 1});
            }).find("recvWindow 60001"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              (void)account_query({.recv_window_ms = 0, .timestamp_ms = 1});
            }).find("recvWindow 0"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              (void)account_query({.recv_window_ms = 5000, .timestamp_ms = 0});
            }).find("timestamp 0"),
            std::string::npos);
  const universe odd({{"A&B", "A", "B", {}}});
  o = ok;
  o.symbol = 0;
  EXPECT_NE(error_of([&] { (void)order_query(o, odd, p); }).find("encode"), std::string::npos);
}

// ---------------------------------------------------------------------------
// The FULL order response
// ---------------------------------------------------------------------------

// The exchange's documented FULL response (POST /api/v3/order, "Response
// FULL"), byte for byte but for cummulativeQuoteQty, given as `cumulative`.
std::string doc_full_response(std::string_view cumulative) {
  return R"({
  "symbol": "BTCUSDT",
  "orderId": 28,
  "orderListId": -1,
  "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP",
  "transactTime": 1507725176595,
  "price": "0.00000000",
  "origQty": "10.00000000",
  "executedQty": "10.00000000",
  "cummulativeQuoteQty": ")" +
         std::string(cumulative) + R"(",
  "status": "FILLED",
  "timeInForce": "GTC",
  "type": "MARKET",
  "side": "SELL",
  "workingTime": 1507725176595,
  "selfTradePreventionMode": "NONE",
  "fills": [
    {"price": "4000.00000000", "qty": "1.00000000", "commission": "4.00000000", "commissionAsset": "USDT", "tradeId": 56},
    {"price": "3999.00000000", "qty": "5.00000000", "commission": "19.99500000", "commissionAsset": "USDT", "tradeId": 57},
    {"price": "3998.00000000", "qty": "2.00000000", "commission": "7.99600000", "commissionAsset": "USDT", "tradeId": 58},
    {"price": "3997.00000000", "qty": "1.00000000", "commission": "3.99700000", "commissionAsset": "USDT", "tradeId": 59},
    {"price": "3995.00000000", "qty": "1.00000000", "commission": "3.99500000", "commissionAsset": "USDT", "tradeId": 60}
  ]
})";
}

TEST(OrderApi, TheDocumentedFullResponseParses) {
  const order_response r = parse_order_response(doc_full_response("39983.00000000"), u());
  EXPECT_EQ(r.symbol, u().find_symbol("BTCUSDT"));
  EXPECT_EQ(r.client_order_id, "6gCrw2kRUAF9CvJDGP16IP");
  EXPECT_EQ(r.result.order_id, 28U);
  EXPECT_EQ(r.result.status, order_status::filled);
  EXPECT_EQ(r.result.executed_qty, d("10"));
  EXPECT_EQ(r.result.cumulative_quote, d("39983"));
  ASSERT_EQ(r.result.fills.size(), 5U);
  const order_fill second{.price = d("3999"),
                          .qty = d("5"),
                          .commission = d("19.995"),
                          .commission_asset = asset("USDT"),
                          .trade_id = 57};
  EXPECT_EQ(r.result.fills[1], second);
  EXPECT_EQ(r.result.fills[4].trade_id, 60U);
  EXPECT_EQ(r.result.fills[4].commission, d("3.995"));
  EXPECT_EQ(r.result.error_code, 0);
  // The order as the exchange echoes it, for the client to check.
  EXPECT_EQ(r.echo, (order_echo{.side = "SELL",
                                .type = "MARKET",
                                .time_in_force = "GTC",
                                .price = d("0"),
                                .orig_qty = d("10")}));
}

// The documentation's example says cummulativeQuoteQty "10.00000000" for
// fills whose price x qty sum to 39983: the rule (core/order.h: the sum of
// fill_quote over the fills) refuses it, naming the field and both values.
TEST(OrderApi, TheDocumentedExampleAsPrintedFailsTheQuoteSum) {
  const std::string e =
      error_of([] { (void)parse_order_response(doc_full_response("10.00000000"), u()); });
  EXPECT_NE(e.find("cummulativeQuoteQty: 10 but the fills' price x qty sum to 39983"),
            std::string::npos)
      << e;
}

std::string one_fill(std::string_view symbol, std::string_view executed, std::string_view quote,
                     std::string_view fill) {
  return R"({"symbol":")" + std::string(symbol) + R"(","orderId":7,"clientOrderId":"c1",)" +
         R"("status":"EXPIRED","executedQty":")" + std::string(executed) +
         R"(","cummulativeQuoteQty":")" + std::string(quote) + R"(","fills":[)" +
         std::string(fill) + "]}";
}
constexpr std::string_view kFill =
    R"({"price":"0.1","qty":"2","commission":"0.002","commissionAsset":"LTC","tradeId":9})";

TEST(OrderApi, AnIocThatFilledInPartIsExpiredWithItsFills) {
  const order_response r = parse_order_response(one_fill("LTCBTC", "2", "0.2", kFill), u());
  EXPECT_EQ(r.result.status, order_status::expired);
  EXPECT_EQ(r.result.executed_qty, d("2"));
  ASSERT_EQ(r.result.fills.size(), 1U);
  EXPECT_EQ(r.result.fills[0].commission_asset, asset("LTC"));
  // Nothing filled: no fills, zero sums.
  const order_response none = parse_order_response(one_fill("LTCBTC", "0", "0", ""), u());
  EXPECT_TRUE(none.result.fills.empty());
  EXPECT_TRUE(none.result.executed_qty.is_zero());
}

// The echo is read leniently: absent or unreadable members are nullopt and
// never refuse a response (what is refused is the required members' call).
TEST(OrderApi, TheEchoOfTheOrderIsReadWhenPresentAndNeverRefuses) {
  const order_response bare = parse_order_response(one_fill("LTCBTC", "2", "0.2", kFill), u());
  EXPECT_EQ(bare.echo, order_echo{});
  std::string odd = one_fill("LTCBTC", "2", "0.2", kFill);
  odd.insert(1, R"("side":7,"price":"1e5","origQty":"-1","type":"LIMIT",)");
  const order_response r = parse_order_response(odd, u());
  order_echo want;
  want.type = "LIMIT";
  EXPECT_EQ(r.echo, want);
}

// Each malformed field is refused with an error that names it.
TEST(OrderApi, MalformedResponsesAreErrorsNamingTheField) {
  const auto e = [](const std::string& body) {
    return error_of([&] { (void)parse_order_response(body, u()); });
  };
  EXPECT_NE(e(one_fill("XYZBTC", "2", "0.2", kFill)).find("symbol: unknown symbol \"XYZBTC\""),
            std::string::npos);
  std::string f(kFill);
  f.replace(f.find("LTC"), 3, "DOGE");
  EXPECT_NE(e(one_fill("LTCBTC", "2", "0.2", f)).find("fills[0].commissionAsset: unknown asset"),
            std::string::npos);
  EXPECT_NE(e(one_fill("LTCBTC", "2.x", "0.2", kFill)).find("executedQty: bad_char"),
            std::string::npos);
  EXPECT_NE(
      e(one_fill("LTCBTC", "3", "0.2", kFill)).find("executedQty: 3 but the fills' qty sum to 2"),
      std::string::npos);
  EXPECT_NE(e(one_fill("LTCBTC", "2", "0.2000000001", kFill)).find("cummulativeQuoteQty: too_many"),
            std::string::npos);
  f = kFill;
  f.replace(f.find("\"2\""), 3, "\"0\"");
  EXPECT_NE(e(one_fill("LTCBTC", "0", "0", f)).find("fills[0].qty: not positive"),
            std::string::npos);
  f = kFill;
  f.replace(f.find("9}"), 1, "-9");
  EXPECT_NE(e(one_fill("LTCBTC", "2", "0.2", f)).find("fills[0].tradeId: negative"),
            std::string::npos);
  f = kFill;
  f.replace(f.find("9}"), 1, "9.0");
  EXPECT_NE(e(one_fill("LTCBTC", "2", "0.2", f)).find("fills[0].tradeId: not a non-negative"),
            std::string::npos);
  std::string body = one_fill("LTCBTC", "2", "0.2", kFill);
  body.replace(body.find("EXPIRED"), 7, "GONE");
  EXPECT_NE(e(body).find("status: unknown status \"GONE\""), std::string::npos);
  body = one_fill("LTCBTC", "2", "0.2", kFill);
  body.replace(body.find("\"c1\""), 4, "\"c 1\"");
  EXPECT_NE(e(body).find("clientOrderId: not a valid id"), std::string::npos);
  body = one_fill("LTCBTC", "2", "0.2", kFill);
  body.replace(body.find("\"orderId\":7,"), 12, "");
  EXPECT_NE(e(body).find("orderId: missing"), std::string::npos);
  EXPECT_NE(e(R"({"symbol":"LTCBTC","orderId":7,"clientOrderId":"c1","status":"NEW",)"
              R"("executedQty":"0","cummulativeQuoteQty":"0","fills":{}})")
                .find("fills: not an array"),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// The error shape, every code the client acts on
// ---------------------------------------------------------------------------

TEST(OrderApi, TheErrorShapeKeepsCodeAndMessage) {
  struct c {
    int code;
    const char* msg;
  };
  for (const c& x :
       {c{kErrFilterFailure, "Filter failure: LOT_SIZE"},
        c{kErrInsufficientBalance, "Account has insufficient balance for requested action."},
        c{kErrTimestamp, "Timestamp for this request is outside of the recvWindow."},
        c{kErrBadSignature, "Signature for this request is not valid."}}) {
    const std::string body = R"({"code":)" + std::to_string(x.code) + R"(,"msg":")" + x.msg + "\"}";
    const exchange_error e = parse_exchange_error(body);
    EXPECT_EQ(e.code, x.code);
    EXPECT_EQ(e.msg, x.msg);
  }
  EXPECT_EQ(kErrFilterFailure, -1013);
  EXPECT_EQ(kErrInsufficientBalance, -2010);
  EXPECT_EQ(kErrTimestamp, -1021);
  EXPECT_EQ(kErrBadSignature, -1022);
}

// ---------------------------------------------------------------------------
// 429 / 418 and Retry-After; the order-count headers
// ---------------------------------------------------------------------------

constexpr std::int64_t kS = 1'000'000'000;

TEST(OrderApi, RetryAfterBecomesAStopSendingUntilOnTheCallersClock) {
  const std::int64_t now = 5 * kS;
  send_pause p = rate_limit_pause(429, "7", now);
  EXPECT_TRUE(p.pause);
  EXPECT_EQ(p.until_ns, now + 7 * kS);
  EXPECT_NE(p.reason.find("HTTP 429, Retry-After 7 s"), std::string::npos) << p.reason;

  p = rate_limit_pause(418, "300", now);
  EXPECT_EQ(p.until_ns, now + 300 * kS);

  // The order-count limit's 429 has no Retry-After: the default.
  p = rate_limit_pause(429, std::nullopt, now);
  EXPECT_EQ(p.until_ns, now + 10 * kS);
  EXPECT_NE(p.reason.find("no Retry-After: 10 s (default)"), std::string::npos) << p.reason;
  p = rate_limit_pause(418, "soon", now, {.after_429_s = 1, .after_418_s = 60});
  EXPECT_EQ(p.until_ns, now + 60 * kS);
  EXPECT_NE(p.reason.find("not whole seconds"), std::string::npos) << p.reason;

  // Capped at the longest ban, and no overflow near the clock's end.
  p = rate_limit_pause(418, "99999999999999999999999", now);
  EXPECT_EQ(p.until_ns, now + kMaxRetryAfterS * kS);
  EXPECT_NE(p.reason.find("capped"), std::string::npos) << p.reason;
  p = rate_limit_pause(429, "100", INT64_MAX - 5);
  EXPECT_EQ(p.until_ns, INT64_MAX);

  // Other statuses: no pause.
  EXPECT_FALSE(rate_limit_pause(200, "7", now).pause);
  EXPECT_FALSE(rate_limit_pause(400, "7", now).pause);
  EXPECT_FALSE(rate_limit_pause(503, "7", now).pause);
}

TEST(OrderApi, OrderCountHeaders) {
  const order_counts c = read_order_counts("3", "1204");
  EXPECT_EQ(c.per_10s, 3U);
  EXPECT_EQ(c.per_1d, 1204U);
  const order_counts none = read_order_counts(std::nullopt, std::nullopt);
  EXPECT_FALSE(none.per_10s.has_value());
  EXPECT_FALSE(none.per_1d.has_value());
  EXPECT_NE(error_of([] { (void)read_order_counts("-1", "1"); }).find("X-MBX-ORDER-COUNT-10S"),
            std::string::npos);
  EXPECT_NE(error_of([] { (void)read_order_counts("1", ""); }).find("X-MBX-ORDER-COUNT-1D"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              (void)read_order_counts("1", "99999999999999999999");
            }).find("X-MBX-ORDER-COUNT-1D"),
            std::string::npos);
}

// ---------------------------------------------------------------------------
// The account
// ---------------------------------------------------------------------------

TEST(OrderApi, TheAccountsBalancesFreeAndLockedUnknownAssetsCounted) {
  const account_balances a =
      parse_account(R"({"makerCommission":15,"canTrade":true,"balances":[)"
                    R"({"asset":"BTC","free":"4723846.89208129","locked":"0.00000000"},)"
                    R"({"asset":"DOGE","free":"1","locked":"0"},)"
                    R"({"asset":"USDT","free":"10.5","locked":"2"}]})",
                    u());
  ASSERT_EQ(a.balances.size(), 2U);
  EXPECT_EQ(a.balances[0], (account_balance{asset("BTC"), d("4723846.89208129"), d("0")}));
  EXPECT_EQ(a.balances[1], (account_balance{asset("USDT"), d("10.5"), d("2")}));
  EXPECT_EQ(a.unknown_assets, 1U);
  const auto e = [](const std::string& body) {
    return error_of([&] { (void)parse_account(body, u()); });
  };
  EXPECT_NE(e(R"({"balances":[{"asset":"BTC","free":"1","locked":"0"},)"
              R"({"asset":"BTC","free":"2","locked":"0"}]})")
                .find("balances[1].asset: \"BTC\" listed twice"),
            std::string::npos);
  EXPECT_NE(e(R"({"balances":[{"asset":"BTC","free":"-1","locked":"0"}]})")
                .find("balances[0].free: sign"),
            std::string::npos);
  EXPECT_NE(e(R"({"balances":[{"asset":"BTC","free":"1"}]})").find("balances[0].locked: missing"),
            std::string::npos);
  EXPECT_NE(e(R"({"canTrade":true})").find("balances: missing"), std::string::npos);
}

// ---------------------------------------------------------------------------
// Hostile bodies (this binary carries the hostile label)
// ---------------------------------------------------------------------------

TEST(OrderApiHostile, OversizedDeepAndNonJsonBodiesAreRefusedBeforeOrWhileParsing) {
  const std::string huge(kMaxOrderResponseBytes + 1, ' ');
  EXPECT_NE(
      error_of([&] { (void)parse_order_response(huge, u()); }).find("over the limit of 262144"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              (void)parse_account(std::string(kMaxAccountResponseBytes + 1, ' '), u());
            }).find("over the limit"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              (void)parse_exchange_error(std::string(kMaxErrorResponseBytes + 1, ' '));
            }).find("over the limit"),
            std::string::npos);
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  EXPECT_NE(error_of([&] { (void)parse_order_response(deep, u()); }).find("not JSON"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)parse_order_response("[1,2]", u()); }).find("not a JSON object"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              (void)parse_order_response(std::string("{\"a\":\0}", 7), u());
            }).find("not JSON"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)parse_order_response("", u()); }).find("not JSON"),
            std::string::npos);
}

TEST(OrderApiHostile, TooManyFillsAndOverflowingSums) {
  std::string fills;
  for (std::size_t i = 0; i <= kMaxFills; ++i) fills += (i ? "," : "") + std::string(kFill);
  EXPECT_NE(error_of([&] {
              (void)parse_order_response(one_fill("LTCBTC", "0", "0", fills), u());
            }).find("fills: 1001 entries, over the limit of 1000"),
            std::string::npos);
  const std::string big =
      R"({"price":"92233720368","qty":"92233720368","commission":"0","commissionAsset":"BTC","tradeId":1})";
  EXPECT_NE(error_of([&] {
              (void)parse_order_response(one_fill("LTCBTC", "0", "0", big), u());
            }).find("fills[0].price: price x qty overflows"),
            std::string::npos);
  const std::string half =
      R"({"price":"0.00000001","qty":"50000000000","commission":"0","commissionAsset":"BTC","tradeId":1})";
  EXPECT_NE(error_of([&] {
              (void)parse_order_response(one_fill("LTCBTC", "0", "0", half + "," + half), u());
            }).find("fills: the sum overflows at entry 1"),
            std::string::npos);
}

TEST(OrderApiHostile, AHugeOrControlLadenErrorMessageIsCutAndCleaned) {
  const std::string long_msg(100000, 'x');
  exchange_error e =
      parse_exchange_error(R"({"code":-1013,"msg":")" + long_msg.substr(0, 60000) + "\"}");
  EXPECT_EQ(e.code, -1013);
  EXPECT_EQ(e.msg, std::string(kMaxErrorMsgBytes, 'x') + "...(60000 bytes)");
  // A cut inside a multi-byte character steps back to its start.
  std::string utf = std::string(kMaxErrorMsgBytes - 1, 'y') + "\xc3\xa9" + "zz";
  e = parse_exchange_error(R"({"code":-1,"msg":")" + utf + "\"}");
  EXPECT_EQ(e.msg, std::string(kMaxErrorMsgBytes - 1, 'y') + "...(" + std::to_string(utf.size()) +
                       " bytes)");
  e = parse_exchange_error(R"({"code":-2010,"msg":"a\nb\u001b[31mc"})");
  EXPECT_EQ(e.msg, "a?b?[31mc");
  const auto err = [](const std::string& body) {
    return error_of([&] { (void)parse_exchange_error(body); });
  };
  EXPECT_NE(err(R"({"code":2147483648,"msg":""})").find("code: out of range"), std::string::npos);
  EXPECT_NE(err(R"({"code":18446744073709551615,"msg":""})").find("code: out of range"),
            std::string::npos);
  EXPECT_NE(err(R"({"code":-1013.5,"msg":""})").find("code: not an integer"), std::string::npos);
  EXPECT_NE(err(R"({"code":"-1013","msg":""})").find("code: not an integer"), std::string::npos);
  EXPECT_NE(err(R"({"code":-1013})").find("msg: missing"), std::string::npos);
  EXPECT_NE(err(R"({"code":-1013,"msg":5})").find("msg: not a string"), std::string::npos);
}

TEST(OrderApiHostile, NamesInMessagesAreBoundedAndPrintable) {
  const std::string name = "\x1b[2J" + std::string(5000, 'Q');
  const std::string m =
      error_of([&] { (void)parse_order_response(one_fill(name, "0", "0", ""), u()); });
  EXPECT_LT(m.size(), 200U) << m;
  EXPECT_EQ(m.find('\x1b'), std::string::npos);
}

// ---------------------------------------------------------------------------
// API keys
// ---------------------------------------------------------------------------

template <class T>
concept streamable = requires(std::ostream& os, const T& v) {
  os << v;
};
static_assert(!streamable<secret_string>, "a secret must not print");

constexpr std::string_view kKey =
    "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr std::string_view kSecret = kDocSecret;

api_key_source env_src() {
  api_key_source s;
  s.key_env = "TRIARB_TEST_KEY";
  s.secret_env = "TRIARB_TEST_SECRET";
  return s;
}

class ApiKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/triarb-api-keys-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    ::unsetenv("TRIARB_TEST_KEY");
    ::unsetenv("TRIARB_TEST_SECRET");
  }
  std::string write(const std::string& name, const std::string& content, mode_t mode) {
    const std::string p = dir_ + "/" + name;
    std::ofstream(p) << content;
    EXPECT_EQ(::chmod(p.c_str(), mode), 0);
    return p;
  }
  // The message of load_api_keys's api_key_error; every message is kept.
  std::string refused(const api_key_source& s) {
    try {
      (void)load_api_keys(s);
    } catch (const api_key_error& e) {
      messages_.emplace_back(e.what());
      return e.what();
    }
    ADD_FAILURE() << "loaded";
    return {};
  }
  std::string dir_;
  std::vector<std::string> messages_;
};

TEST_F(ApiKeys, FromTheEnvironmentWithConfigurableNames) {
  ::setenv("TRIARB_TEST_KEY", std::string(kKey).c_str(), 1);
  ::setenv("TRIARB_TEST_SECRET", std::string(kSecret).c_str(), 1);
  const api_keys k = load_api_keys(env_src());
  EXPECT_EQ(k.key.reveal(), kKey);
  EXPECT_EQ(k.secret.reveal(), kSecret);
  EXPECT_EQ(k.secret.to_string(), "<redacted, 64 bytes>");
  const api_key_source defaults;
  EXPECT_EQ(defaults.key_env, "TRIARB_API_KEY");
  EXPECT_EQ(defaults.secret_env, "TRIARB_API_SECRET");

  ::unsetenv("TRIARB_TEST_SECRET");
  EXPECT_NE(
      refused(env_src()).find("API secret: environment variable TRIARB_TEST_SECRET is not set"),
      std::string::npos);
  ::setenv("TRIARB_TEST_SECRET", (std::string(kSecret) + " x").c_str(), 1);
  EXPECT_NE(refused(env_src()).find("TRIARB_TEST_SECRET: byte 64 is not printable ASCII"),
            std::string::npos);
  ::setenv("TRIARB_TEST_SECRET", "", 1);
  EXPECT_NE(refused(env_src()).find("TRIARB_TEST_SECRET: empty"), std::string::npos);
  for (const std::string& m : messages_) {
    EXPECT_EQ(m.find(kSecret.substr(0, 16)), std::string::npos) << m;
    EXPECT_EQ(m.find(kKey.substr(0, 16)), std::string::npos) << m;
  }
}

TEST_F(ApiKeys, FromAnOwnerOnlyFileAndEveryRuleRefusedByName) {
  const std::string good = std::string(kKey) + "\n" + std::string(kSecret) + "\n";
  const std::string p = write("keys", good, 0600);
  const api_keys k = load_api_keys({.file = p});
  EXPECT_EQ(k.key.reveal(), kKey);
  EXPECT_EQ(k.secret.reveal(), kSecret);

  const std::string g = write("group", good, 0640);
  EXPECT_NE(refused({.file = g}).find("mode 0640 lets group or others read"), std::string::npos);
  const std::string o = write("other", good, 0604);
  EXPECT_NE(refused({.file = o}).find("mode 0604"), std::string::npos);
  const std::string link = dir_ + "/link";
  ASSERT_EQ(::symlink(p.c_str(), link.c_str()), 0);
  EXPECT_NE(refused({.file = link}).find("a symbolic link is refused"), std::string::npos);
  EXPECT_NE(refused({.file = write("empty", "", 0600)}).find("empty"), std::string::npos);
  EXPECT_NE(refused({.file = write("one", std::string(kKey) + "\n", 0600)}).find("1 lines"),
            std::string::npos);
  EXPECT_NE(refused({.file = write("three", good + "extra\n", 0600)}).find("3 lines"),
            std::string::npos);
  EXPECT_NE(refused({.file = write("spaced", std::string(kKey) + "\nab cd\n", 0600)})
                .find("line 2 (the secret): byte 2 is not printable"),
            std::string::npos);
  EXPECT_NE(refused({.file = write("big", std::string(5000, 'k'), 0600)}).find("over 4096 bytes"),
            std::string::npos);
  EXPECT_NE(refused({.file = dir_}).find("not a regular file"), std::string::npos);
  EXPECT_NE(refused({.file = dir_ + "/missing"}).find("cannot read it"), std::string::npos);
  if (::geteuid() == 0) {
    const std::string theirs = write("theirs", good, 0600);
    ASSERT_EQ(::chown(theirs.c_str(), 12345, 12345), 0);
    EXPECT_NE(refused({.file = theirs}).find("owned by uid 12345"), std::string::npos);
  }
  // The secret's bytes are in no message and in no formatted output.
  std::vector<std::string> outputs = messages_;
  outputs.push_back(k.secret.to_string());
  outputs.push_back(k.key.to_string());
  for (const std::string& m : outputs) {
    EXPECT_EQ(m.find(kSecret.substr(0, 12)), std::string::npos) << m;
    EXPECT_EQ(m.find(kKey.substr(0, 12)), std::string::npos) << m;
    EXPECT_EQ(m.find("ab cd"), std::string::npos) << m;
  }
  EXPECT_GE(messages_.size(), 9U);
}

}  // namespace
}  // namespace triarb
