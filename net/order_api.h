// order_api: the exchange's spot order API as bytes, without any network
// (docs/design.md, "The order API client"). Builds the signed query of
// `POST /api/v3/order`, `GET /api/v3/order` (order_status_query) and
// `GET /api/v3/account`, and reads what comes back:
// the FULL order response, the account's balances, the error shape
// {"code":-1013,"msg":"..."}, the order-count headers and a 429 / 418 with
// Retry-After. Apart from the client (net/order_client.h) so that the fuzz
// preset builds the parsers without Beast.
//
//   std::string q = order_query(o, u, {.recv_window_ms = 5000, .timestamp_ms = now_ms});
//   std::string body = sign_query(q, secret);            // q + "&signature=<hex>"
//   order_response r = parse_order_response(reply, u);   // throws order_api_error
//   send_pause p = rate_limit_pause(429, "7", now_ns);   // p.until_ns = now + 7 s
//
// Thread safety: pure functions; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/fixed8.h"
#include "core/order.h"
#include "core/universe.h"

namespace triarb {

// A request that cannot be built or a response that does not read. The
// message names the field ("fills[2].commissionAsset: unknown asset \"XYZ\""),
// never a key or a secret.
class order_api_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bounds on what is read (a larger body is an error naming the limit, before
// parsing). A FULL response of an IOC order has one entry per trade.
inline constexpr std::size_t kMaxOrderResponseBytes = 256U << 10;
inline constexpr std::size_t kMaxFills = 1000;
inline constexpr std::size_t kMaxAccountResponseBytes = 8U << 20;
inline constexpr std::size_t kMaxErrorResponseBytes = 64U << 10;
// An error's msg is kept up to this many bytes (then cut at a character
// boundary and marked "...(N bytes)"); control characters become '?'.
inline constexpr std::size_t kMaxErrorMsgBytes = 256;
// The exchange's bound on recvWindow.
inline constexpr std::int64_t kMaxRecvWindowMs = 60000;

struct signed_params {
  std::int64_t recv_window_ms = 5000;  // 1..kMaxRecvWindowMs
  std::int64_t timestamp_ms = 0;       // the sender's wall clock, ms since the epoch (> 0)
};

// The order's query string, parameters in this fixed order: symbol, side,
// type=LIMIT, timeInForce, quantity, price, newClientOrderId,
// newOrderRespType=FULL, recvWindow, timestamp. Decimals in fixed8's
// canonical form ("0.1", "1"). Throws order_api_error for an unknown
// symbol, a price or quantity that is not positive, a client order id the
// exchange refuses (core/order.h), or params out of range.
[[nodiscard]] std::string order_query(const order_request& o, const universe& u,
                                      const signed_params& p);
// GET /api/v3/order's query for the order o was sent as: symbol,
// origClientOrderId, recvWindow, timestamp (order_query's checks on the
// symbol, the id and p).
[[nodiscard]] std::string order_status_query(const order_request& o, const universe& u,
                                             const signed_params& p);
// The account's query: recvWindow, timestamp (same checks on p).
[[nodiscard]] std::string account_query(const signed_params& p);
// query + "&signature=" + hmac_sha256_hex(secret, query) (core/hmac.h).
[[nodiscard]] std::string sign_query(std::string_view query, std::string_view secret);

// What the answer says of the order as it was sent: read when present and
// readable, else nullopt (never an error here: what parse_order_response
// refuses is decided by its required members alone). order_client checks
// each against its request.
struct order_echo {
  std::optional<std::string> side;           // "BUY" / "SELL"
  std::optional<std::string> type;           // "LIMIT"
  std::optional<std::string> time_in_force;  // "IOC" / "FOK"
  std::optional<fixed8> price;               // price
  std::optional<fixed8> orig_qty;            // origQty
  friend bool operator==(const order_echo&, const order_echo&) = default;
};

// What a FULL response (or the order query's answer, GET /api/v3/order)
// says of one order. result.status is any of core/order.h's spellings as
// the exchange wrote it (NEW, PARTIALLY_FILLED, CANCELED and REJECTED
// included): it is the caller's to decide which it takes as final
// (order_client takes only FILLED and EXPIRED for an IOC/FOK order, and
// anything else as unknown). A refused order is the error shape
// (parse_exchange_error), never a response.
struct order_response {
  symbol_id symbol = kNoSymbol;
  std::string client_order_id;
  order_result result;
  order_echo echo;
  friend bool operator==(const order_response&, const order_response&) = default;
};

// Reads a FULL order response. Required (other members are ignored; a
// member given twice counts the first time): symbol (a symbol of u), orderId
// (a non-negative JSON integer), clientOrderId (valid_client_order_id),
// status (one of core/order.h's spellings), executedQty and
// cummulativeQuoteQty (unsigned decimal strings, at most 8 decimals), fills
// (an array of at most kMaxFills objects with price and qty (positive
// decimal strings), commission (a decimal string), commissionAsset (an asset
// of u) and tradeId (a non-negative JSON integer)). The fills must sum:
// executedQty == the sum of their qty, cummulativeQuoteQty == the sum of
// fill_quote(price, qty). Throws order_api_error naming the field for
// anything else, and for a body over kMaxOrderResponseBytes or not JSON.
[[nodiscard]] order_response parse_order_response(std::string_view body, const universe& u);

// The exchange's error shape, {"code":-1013,"msg":"Filter failure: LOT_SIZE"}.
struct exchange_error {
  int code = 0;
  std::string msg;  // at most kMaxErrorMsgBytes + the marker; no control characters
  friend bool operator==(const exchange_error&, const exchange_error&) = default;
};
// The codes triarb acts on (the exchange's numbering).
inline constexpr int kErrFilterFailure = -1013;        // a filter refused the order
inline constexpr int kErrTimestamp = -1021;            // timestamp outside recvWindow
inline constexpr int kErrBadSignature = -1022;         // signature not valid
inline constexpr int kErrInsufficientBalance = -2010;  // new order rejected (balance)
inline constexpr int kErrNoSuchOrder = -2013;          // "Order does not exist."
// Reads the error shape: an object with code (a JSON integer in int's
// range) and msg (a string). Throws order_api_error naming the field
// otherwise, or for a body over kMaxErrorResponseBytes.
[[nodiscard]] exchange_error parse_exchange_error(std::string_view body);

// One asset's balance from GET /api/v3/account.
struct account_balance {
  asset_id asset = 0;
  fixed8 free;
  // Held by open orders. triarb only sends IOC and FOK orders, which never
  // rest on the book, so its assets' locked amounts are zero; the value is
  // kept for the caller's reconciliation to compare, never added to free.
  fixed8 locked;
  friend bool operator==(const account_balance&, const account_balance&) = default;
};
struct account_balances {
  std::vector<account_balance> balances;  // the assets of u, in document order
  std::size_t unknown_assets = 0;         // entries for assets u does not trade (skipped)
};
// Reads balances[] (objects with asset (a string), free and locked (unsigned
// decimal strings)). An asset of u listed twice is an error; an asset u
// does not know is skipped and counted (the exchange lists every coin).
// Throws order_api_error naming the field, or for a body over
// kMaxAccountResponseBytes.
[[nodiscard]] account_balances parse_account(std::string_view body, const universe& u);

// X-MBX-ORDER-COUNT-10S and X-MBX-ORDER-COUNT-1D: the account's order count
// in each window, as the response carries it (a rejected order may carry
// none). Each value is a plain non-negative decimal integer; anything else
// is order_api_error naming the header.
struct order_counts {
  std::optional<std::uint64_t> per_10s;
  std::optional<std::uint64_t> per_1d;
};
inline constexpr std::string_view kOrderCount10sHeader = "X-MBX-ORDER-COUNT-10S";
inline constexpr std::string_view kOrderCount1dHeader = "X-MBX-ORDER-COUNT-1D";
[[nodiscard]] order_counts read_order_counts(std::optional<std::string_view> count_10s,
                                             std::optional<std::string_view> count_1d);

// "Stop sending until": what an HTTP 429 (too many requests or orders) or
// 418 (the IP is banned) means for the next order, on the caller's
// monotonic clock (ns). Retry-After is whole seconds; without one (the
// exchange sends none when the order-count limit is hit), or with one that
// is not a plain decimal integer, the default for the status is used (and
// the reason says so). A Retry-After above kMaxRetryAfterS counts as that
// (a ban lasts at most 3 days). Other statuses: no pause.
inline constexpr std::int64_t kMaxRetryAfterS = 3 * 24 * 3600;
struct pause_defaults {
  std::int64_t after_429_s = 10;   // the shortest order-count window
  std::int64_t after_418_s = 120;  // the shortest ban
};
struct send_pause {
  bool pause = false;
  std::int64_t until_ns = 0;  // send nothing before this
  std::string reason;         // "HTTP 429, Retry-After 7 s" / "... no Retry-After: 10 s (default)"
};
[[nodiscard]] send_pause rate_limit_pause(int http_status,
                                          std::optional<std::string_view> retry_after,
                                          std::int64_t now_ns, const pause_defaults& d = {});

}  // namespace triarb
