// order_client: the bot's client of the exchange's spot order API over TLS
// (docs/design.md, "The order API client"): `POST /api/v3/order` (a signed
// LIMIT IOC/FOK order, FULL response) and `GET /api/v3/account`, with the
// X-MBX-APIKEY header, the error shape, the order-count headers, and 429 /
// 418 honoured (nothing is sent until Retry-After has passed).
//
//   order_client c(tls, sim.rest_url(), keys, u, {});   // loopback only
//   order_reply r = c.place(o);
//   if (r.outcome == order_outcome::unknown) ...        // later: c.query_order(o)
//
// Only a loopback base URL (127.0.0.0/8, ::1, localhost) is accepted: live
// order placement on a real exchange stays refused (order_client_error).
//
// A request that timed out, was stopped, or lost its connection after it
// began to be sent is `unknown`: the exchange may have taken it. It is never
// retried here; the caller asks query_order() (GET /api/v3/order) no
// earlier than its send time + recvWindow, with the account as the fallback.
//
// Thread safety: one thread at a time (like rest_client).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/order.h"
#include "core/universe.h"
#include "net/api_keys.h"
#include "net/order_api.h"
#include "net/rest_client.h"

namespace triarb {

class order_client_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct order_client_options {
  rest_options rest;  // timeouts, stop, body_limit (capped to the parsers' limits)
  std::int64_t recv_window_ms = 5000;
  pause_defaults pauses;
  // The request's timestamp (ms since the epoch). Empty: system_clock.
  std::function<std::int64_t()> wall_ms;
  // The monotonic clock Retry-After is counted on (ns). Empty: steady_clock.
  std::function<std::int64_t()> mono_ns;
};

enum class order_outcome : std::uint8_t {
  accepted,  // 200 with a FULL response for the order as sent, FILLED or EXPIRED
  rejected,  // the exchange's error shape: error holds code and msg; no order exists
  paused,    // HTTP 429/418, or still inside an earlier pause: not placed, pause says until
  not_sent,  // failed before any byte of the request was written (connect, TLS): no order
  unknown,   // may or may not exist: timeout/stop/connection lost after sending, HTTP 5xx,
             // or a 200 whose body does not read, names another order, differs from the
             // order as sent or has a status not final for IOC/FOK (NEW, PARTIALLY_FILLED,
             // CANCELED, REJECTED, ...); never retried: query_order or the account
};
[[nodiscard]] std::string_view to_string(order_outcome o) noexcept;

struct order_reply {
  order_outcome outcome = order_outcome::not_sent;
  int http_status = 0;      // 0 when no response was read
  order_response response;  // accepted
  exchange_error error;     // rejected (and 429/418 when the body had the shape)
  order_counts counts;      // from the response's headers, when present
  send_pause pause;         // paused
  std::string detail;       // what happened, for logs (never a key or secret)
};

// What GET /api/v3/order said of an order.
enum class query_outcome : std::uint8_t {
  found,      // 200, the order as sent, in a final status: response holds it
  not_found,  // 400 -2013 "Order does not exist.": the exchange never took it
  unknown,    // anything else (transport, pause, another error, an answer that
              // does not read or is not final): ask again later
};
[[nodiscard]] std::string_view to_string(query_outcome o) noexcept;

struct query_reply {
  query_outcome outcome = query_outcome::unknown;
  int http_status = 0;
  order_response response;  // found
  exchange_error error;     // the error shape, when the exchange sent one
  std::string detail;       // why not found, for logs
};

struct account_reply {
  bool ok = false;
  int http_status = 0;
  account_balances balances;  // ok
  exchange_error error;       // the error shape, when the exchange sent one
  std::string detail;         // why not ok
};

class order_client {
 public:
  // REQUIRES: tls and u outlive the client. Throws order_client_error for a
  // base URL that is not https:// on a loopback host, or empty keys.
  order_client(tls_context& tls, std::string_view base_url, api_keys keys, const universe& u,
               order_client_options o = {});

  // Places o (a LIMIT order, FULL response). Throws order_api_error only for
  // an order that cannot be expressed (order_query's checks): nothing sent.
  [[nodiscard]] order_reply place(const order_request& o);
  // GET /api/v3/account (signed). Honours a pause too (ok = false, detail says).
  [[nodiscard]] account_reply account();
  // GET /api/v3/order (signed, weight 4): what became of `sent`, an order
  // placed earlier whose answer was lost (place() said unknown). By its
  // symbol (the exchange requires it) and origClientOrderId; the answer is
  // checked as place() checks one. Honours a pause (unknown, detail says).
  // Not found is final only once the exchange can no longer take the order:
  // ask no earlier than its send time + recv_window_ms (later, the exchange
  // refuses it -1021), then hand a found response.result to
  // execution_engine::on_reconciled, or for not_found an EXPIRED result
  // with no fills. Throws order_api_error as place() does (nothing sent).
  [[nodiscard]] query_reply query_order(const order_request& sent);

  // Send nothing before this (ns on mono_ns); 0 when no pause was asked.
  [[nodiscard]] std::int64_t paused_until_ns() const noexcept { return paused_until_ns_; }

 private:
  std::int64_t now_mono() const;
  std::int64_t now_wall_ms() const;
  void note_pause(const http_reply& r, send_pause* out);
  // "" when a request may go now; else "not sent: paused for another N ms".
  [[nodiscard]] std::string pause_left(std::int64_t now) const;
  // A signed GET of path, as query_order() and account() make it: nothing
  // sent while paused; else query(the signing parameters, timestamped now)
  // signed and sent with the API key header. The reply, when one came with
  // a status other than 429/418; else nullopt, with detail saying why (the
  // pause, the transport's error, or the 429/418's pause, noted). http_status
  // is the reply's status, 0 when none came.
  [[nodiscard]] std::optional<http_reply> signed_get(
      std::string_view path, const std::function<std::string(const signed_params&)>& query,
      int& http_status, std::string& detail);

  rest_client rest_;
  api_keys keys_;
  const universe& u_;
  order_client_options opt_;
  std::int64_t paused_until_ns_ = 0;
};

// True for 127.0.0.0/8 (dotted quad), ::1 and "localhost" (any case).
[[nodiscard]] bool is_loopback_host(std::string_view host) noexcept;

}  // namespace triarb
