// order_routes: the simulated exchange's signed endpoints, as the exchange's
// spot REST API defines them (docs/design.md, "Matching in the simulated
// exchange"):
//   POST /api/v3/order    LIMIT, timeInForce IOC or FOK, newClientOrderId,
//                         newOrderRespType ACK / RESULT / FULL (the default)
//   GET  /api/v3/order    one executed order by origClientOrderId or orderId
//                         (weight 4; 400 -2013 "Order does not exist." when
//                         none: a refused order never existed); query_json
//   GET  /api/v3/account  balances, commission rates (omitZeroBalances)
// Parameters come from the query string and, for POST, a form body; a name
// in both takes the query's value. The signature is HMAC-SHA256 (core/hmac.h)
// of the total parameters (the query string concatenated with the body, the
// signature parameter left out), keyed with the account's secret; the key
// comes in X-MBX-APIKEY. Checks, in order (the first failure answers):
//   418 while the IP is banned; 429 -1003 inside a Retry-After window (after
//   ignored_429_before_ban such requests: a ban, 418); 429 -1003 over
//   max_weight_per_minute (order 1, account 20); 401 -2014 no or malformed
//   key; 401 -2015 unknown key; 400 -1100 a parameter's percent-encoding;
//   400 -1101 a name given twice in the query or in the body (the signature
//   too); 400 -1102 no signature / timestamp; 400 -1022 bad signature; 400
//   -1131 recvWindow over 60000; 400 -1021 timestamp outside recvWindow
//   (timestamp < server + 1000 and server - timestamp <= recvWindow, 5000 by
//   default, up to three decimals: microseconds); then the order's
//   parameters (-1102 missing, -1100 malformed, -1111 more than 8 decimals,
//   -1117 side, -1116 type, -1115 timeInForce, -1014 not LIMIT IOC/FOK). From here the order is in
//   the ground truth (orders()); a fault is drawn; a halted symbol is 400 -2010 "Market is
//   closed."; the matching engine (sim/matching.h) does the rest: -1015 (429), -1121, -1013, -2010,
//   or the fills.
// Every answer carries X-MBX-USED-WEIGHT-1M; every answer to an order that
// reached the ground truth (a fault's refusal, the halt's, the engine's
// answers) carries X-MBX-ORDER-COUNT-10S and -1D: the account's unfilled
// order count (sim/matching.h). Error bodies are printable ASCII (an echoed
// parameter name's other bytes become '?'). Private to sim/exchange/.
//
// Threads: I/O thread (the HTTP sessions call impl::signed_route); the
// order_desk is guarded by impl::market_mu, since orders match against the
// market under the same lock.
#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/universe.h"
#include "sim/exchange/sim_exchange.h"
#include "sim/matching.h"
#include "sim/rng.h"

namespace triarb::sim_exchange_internal {

// One request to a signed endpoint, owned (the session's buffers are reused).
struct signed_call {
  boost::beast::http::verb method = boost::beast::http::verb::get;
  std::string target;                  // path and query as sent
  std::string body;                    // form body (POST)
  std::optional<std::string> api_key;  // X-MBX-APIKEY, if sent
  std::string peer_ip;
  std::chrono::steady_clock::time_point received{};
};

// How an answer leaves the exchange.
enum class delivery : std::uint8_t {
  now,   // written at once
  hold,  // written hold_ms later (a timeout fault)
  drop,  // the connection is closed without an answer (a dropped-response fault)
};

struct signed_reply {
  boost::beast::http::status status = boost::beast::http::status::ok;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Server, Content-Type
  delivery how = delivery::now;
  std::int64_t hold_ms = 0;
};

// The paths served by impl::signed_route.
[[nodiscard]] bool is_signed_path(std::string_view path) noexcept;

// A request's parameters: decoded (name, value) pairs, the query's first,
// then the body's whose name the query lacks (a name given twice within one
// source is `duplicate`). signed_payload is what the signature covers: the raw
// query with its signature pair removed, concatenated with the raw body with
// its signature pair removed. signature: the query's, else the body's.
// malformed names the first parameter whose percent-encoding is invalid.
struct request_params {
  std::vector<std::pair<std::string, std::string>> items;
  std::string signed_payload;
  std::optional<std::string> signature;
  std::optional<std::string> malformed;
  // The first name given twice within one source (the query, or the body),
  // the signature included: the exchange answers 400 -1101.
  std::optional<std::string> duplicate;
  [[nodiscard]] const std::string* find(std::string_view name) const noexcept;
};
[[nodiscard]] request_params parse_params(std::string_view query, std::string_view body);

// The exchange's answer body for an order: ACK, RESULT or FULL (fills).
enum class resp_type : std::uint8_t { ack, result, full };
[[nodiscard]] std::string order_json(const exchange_order& o, const universe& u,
                                     std::int64_t transact_ms, resp_type t);
// GET /api/v3/order's answer for an executed order: the exchange's query
// shape (price, origQty, executedQty, cummulativeQuoteQty, status,
// timeInForce, type, side, time, updateTime, ...) plus "fills" as in a FULL
// answer: the simulator's extension (the exchange gives the trades through
// GET /api/v3/myTrades), so that one request resolves a lost answer.
[[nodiscard]] std::string query_json(const exchange_order& o, const universe& u);

// The order API's state. Guarded by impl::market_mu.
struct order_desk {
  // Throws std::invalid_argument for an account naming an asset the universe
  // lacks, or two accounts with one key.
  order_desk(const universe& u, const sim_exchange_options& o);

  sim::matching_engine engine;
  std::vector<exchange_order> log;       // the ground truth, arrival order
  std::vector<std::int64_t> updated_ms;  // per account: the last balance change (updateTime)

  struct ip_state {
    std::deque<std::pair<std::chrono::steady_clock::time_point, int>> weight;  // last minute
    int used = 0;                                                              // sum of weight
    std::chrono::steady_clock::time_point backoff_until{};  // a 429's Retry-After
    int ignored = 0;  // requests inside the current Retry-After window
    std::chrono::steady_clock::time_point banned_until{};
  };
  std::unordered_map<std::string, ip_state> ips;

  sim::sim_rng fault_rng;
  order_fault_rates faults;
  std::int64_t delay_ms = 0;
  std::int64_t last_now_ns = 0;  // the engine's clock never steps back
  std::uint64_t generated_ids = 0;

  // Counters (stats), under market_mu.
  struct counters {
    std::uint64_t signed_requests = 0, orders_received = 0, orders_executed = 0, orders_refused = 0,
                  account_requests = 0, rejected_api_key = 0, rejected_signature = 0,
                  rejected_timestamp = 0, rejected_bad_parameter = 0, rejected_weight_429 = 0,
                  rejected_order_count_429 = 0, rejected_418 = 0, bans = 0, faults_reject = 0,
                  faults_rate_limited = 0, faults_timeout = 0, faults_partial = 0,
                  faults_dropped = 0, query_requests = 0, query_not_found = 0;
  } c;
};

}  // namespace triarb::sim_exchange_internal
