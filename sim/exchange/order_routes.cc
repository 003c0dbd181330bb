// order_routes: the signed endpoints (POST /api/v3/order, GET
// /api/v3/account), the order API's public members of sim_exchange, and the
// ground truth of orders; see order_routes.h. Runs on the I/O thread; every
// handler holds market_mu for its whole run, so an order matches against one
// consistent market and the ground truth is never seen half-written.
#include "sim/exchange/order_routes.h"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fixed8.h"
#include "core/hmac.h"
#include "core/order.h"
#include "core/universe.h"
#include "sim/exchange/http_routes.h"
#include "sim/exchange/internal/impl.h"
#include "sim/exchange/limits.h"
#include "sim/market.h"
#include "sim/matching.h"
#include "sim/order_faults.h"

namespace triarb {

std::vector<std::pair<std::string, fixed8>> demo_balances() {
  return {{"USDT", fixed8::from_units(10'000)}, {"BTC", fixed8::from_raw(50'000'000)},
          {"ETH", fixed8::from_units(5)},       {"BNB", fixed8::from_units(20)},
          {"USDC", fixed8::from_units(10'000)}, {"FDUSD", fixed8::from_units(10'000)}};
}

namespace sim_exchange_internal {
namespace {

std::int64_t unix_ns_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// HTTP 418, the exchange's "IP banned" (Beast has no name for it).
constexpr http::status kStatusBanned = static_cast<http::status>(418);

std::string fmt8(fixed8 v) { return sim::format_price8(v); }

// An order's trades as the exchange writes them: ,"fills":[{price, qty,
// commission, commissionAsset, tradeId}...].
std::string fills_json(const order_result& res, const universe& u) {
  std::string out = ",\"fills\":[";
  for (std::size_t i = 0; i < res.fills.size(); ++i) {
    const order_fill& f = res.fills[i];
    if (i != 0) out.push_back(',');
    out += "{\"price\":\"" + fmt8(f.price) + "\",\"qty\":\"" + fmt8(f.qty) +
           "\",\"commission\":\"" + fmt8(f.commission) + "\",\"commissionAsset\":\"" +
           u.assets()[f.commission_asset] + "\",\"tradeId\":" + std::to_string(f.trade_id) + "}";
  }
  return out + "]";
}

std::string mandatory(std::string_view name) {
  return "Mandatory parameter '" + std::string(name) +
         "' was not sent, was empty/null, or malformed.";
}

std::string illegal(std::string_view name, std::string_view range) {
  return "Illegal characters found in parameter '" + std::string(name) + "'; legal range is '" +
         std::string(range) + "'.";
}

std::string weight_message(int limit) {
  return "Too much request weight used; current limit is " + std::to_string(limit) +
         " request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid "
         "polling the API.";
}

// GET /api/v3/order's request weight, as the exchange counts it.
constexpr int kQueryWeight = 4;

constexpr std::string_view kDecimalRange = R"(^([0-9]{1,20})(\.[0-9]{1,20})?$)";

// A plain non-negative integer (no sign, at most 18 digits).
std::optional<std::int64_t> parse_count(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::int64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// An API key as the exchange issues them: 1..128 of [A-Za-z0-9].
bool key_format_ok(std::string_view k) {
  if (k.empty() || k.size() > 128) return false;
  return std::all_of(k.begin(), k.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

std::int64_t ceil_seconds(steady::duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return std::max<std::int64_t>(1, (ms + 999) / 1000);
}

signed_reply error_reply(http::status st, int code, std::string_view msg) {
  signed_reply r;
  r.status = st;
  r.body = json_error(code, msg);
  return r;
}

// r becomes the refusal error_reply() makes, keeping the headers r already
// has (the gate's X-MBX-USED-WEIGHT-1M).
void refuse_keeping_headers(signed_reply& r, http::status st, int code, std::string_view msg) {
  auto headers = std::move(r.headers);
  r = error_reply(st, code, msg);
  r.headers = std::move(headers);
}

// A signed call's parameters: its target's query string, then body.
request_params call_params(const signed_call& call, std::string_view body) {
  const std::string_view target = call.target;
  const auto q = target.find('?');
  return parse_params(q == std::string_view::npos ? std::string_view{} : target.substr(q + 1),
                      body);
}

// The request-weight gate of one IP: bans, Retry-After windows, the weight
// per minute. Adds X-MBX-USED-WEIGHT-1M. false: r holds the refusal.
bool gate(sim_exchange::impl& x, order_desk& d, const std::string& ip, steady::time_point now,
          int weight, signed_reply& r) {
  order_desk::ip_state& s = d.ips[ip];
  while (!s.weight.empty() && now - s.weight.front().first >= kWeightWindow) {
    s.used -= s.weight.front().second;
    s.weight.pop_front();
  }
  auto used_header = [&] {
    r.headers.emplace_back("X-MBX-USED-WEIGHT-1M", std::to_string(s.used));
  };
  auto banned = [&] {
    ++d.c.rejected_418;
    const std::int64_t until_ms =
        unix_ns_now() / 1'000'000 +
        std::chrono::duration_cast<std::chrono::milliseconds>(s.banned_until - now).count();
    r = error_reply(kStatusBanned, -1003,
                    "Way too much request weight used; IP banned until " +
                        std::to_string(until_ms) +
                        ". Please use WebSocket Streams for live updates to avoid bans.");
    r.headers.emplace_back("Retry-After", std::to_string(ceil_seconds(s.banned_until - now)));
    used_header();
    return false;
  };
  if (now < s.banned_until) return banned();
  if (now < s.backoff_until) {
    // A client that ignores a 429's Retry-After is banned, as the exchange does.
    if (++s.ignored >= x.opt.ignored_429_before_ban) {
      s.banned_until = now + std::chrono::seconds(x.opt.ban_s);
      s.backoff_until = {};
      s.ignored = 0;
      ++d.c.bans;
      return banned();
    }
    ++d.c.rejected_weight_429;
    r = error_reply(http::status::too_many_requests, -1003,
                    weight_message(x.opt.max_weight_per_minute));
    r.headers.emplace_back("Retry-After", std::to_string(ceil_seconds(s.backoff_until - now)));
    used_header();
    return false;
  }
  s.ignored = 0;
  if (s.used + weight > x.opt.max_weight_per_minute) {
    // Retry when enough of the window's weight has expired; at least retry_after_s.
    const steady::duration wait = std::max<steady::duration>(
        s.weight.empty() ? steady::duration{} : s.weight.front().first + kWeightWindow - now,
        std::chrono::seconds(x.opt.retry_after_s));
    s.backoff_until = now + wait;
    ++d.c.rejected_weight_429;
    r = error_reply(http::status::too_many_requests, -1003,
                    weight_message(x.opt.max_weight_per_minute));
    r.headers.emplace_back("Retry-After", std::to_string(ceil_seconds(wait)));
    used_header();
    return false;
  }
  s.weight.emplace_back(now, weight);
  s.used += weight;
  used_header();
  return true;
}

// API key, signature, timestamp and recvWindow. The account, or nullopt
// with r holding the refusal (r's headers are kept).
std::optional<sim::account_id> authenticate(order_desk& d, const signed_call& call,
                                            const request_params& p, signed_reply& r) {
  auto refuse = [&](http::status st, int code, std::string_view msg) {
    refuse_keeping_headers(r, st, code, msg);
    return std::nullopt;
  };
  if (!call.api_key || !key_format_ok(*call.api_key)) {
    ++d.c.rejected_api_key;
    return refuse(http::status::unauthorized, -2014, "API-key format invalid.");
  }
  const std::optional<sim::account_id> a = d.engine.find_account(*call.api_key);
  if (!a) {
    ++d.c.rejected_api_key;
    return refuse(http::status::unauthorized, -2015,
                  "Invalid API-key, IP, or permissions for action.");
  }
  if (p.malformed) {
    ++d.c.rejected_bad_parameter;
    return refuse(http::status::bad_request, -1100,
                  illegal(*p.malformed, "percent-encoded characters"));
  }
  if (p.duplicate) {
    ++d.c.rejected_bad_parameter;
    return refuse(http::status::bad_request, -1101, "Duplicate values for a parameter detected.");
  }
  if (!p.signature || p.signature->empty()) {
    ++d.c.rejected_signature;
    return refuse(http::status::bad_request, -1102, mandatory("signature"));
  }
  const std::string want = hmac_sha256_hex(d.engine.account_at(*a).secret, p.signed_payload);
  if (!digest_hex_equal(want, *p.signature)) {
    ++d.c.rejected_signature;
    return refuse(http::status::bad_request, -1022, "Signature for this request is not valid.");
  }
  const std::string* ts_text = p.find("timestamp");
  const std::optional<std::int64_t> ts = ts_text ? parse_count(*ts_text) : std::nullopt;
  if (!ts) {
    ++d.c.rejected_timestamp;
    return refuse(http::status::bad_request, -1102, mandatory("timestamp"));
  }
  // recvWindow in microseconds: the exchange takes up to three decimals
  // ("6000.346") so that microseconds may be given.
  std::int64_t recv_window_us = kDefaultRecvWindowMs * 1000;
  if (const std::string* rw = p.find("recvWindow")) {
    const std::string_view text = *rw;
    const auto dot = text.find('.');
    const std::optional<std::int64_t> whole = parse_count(text.substr(0, dot));
    std::optional<std::int64_t> frac = 0;
    if (dot != std::string_view::npos) {
      const std::string_view f = text.substr(dot + 1);
      frac = f.size() > 3 ? std::nullopt : parse_count(f);
      if (frac) {
        for (std::size_t i = f.size(); i < 3; ++i) *frac *= 10;
      }
    }
    if (!whole || !frac) {
      ++d.c.rejected_timestamp;
      return refuse(http::status::bad_request, -1102, mandatory("recvWindow"));
    }
    if (*whole > kMaxRecvWindowMs || (*whole == kMaxRecvWindowMs && *frac > 0)) {
      ++d.c.rejected_timestamp;
      return refuse(http::status::bad_request, -1131, "recvWindow must be less than 60000.");
    }
    recv_window_us = *whole * 1000 + *frac;
  }
  const std::int64_t server_us = unix_ns_now() / 1000;
  const std::int64_t server_ms = server_us / 1000;
  if (*ts >= server_ms + kTimestampAheadMs) {
    ++d.c.rejected_timestamp;
    return refuse(http::status::bad_request, -1021,
                  "Timestamp for this request was 1000ms ahead of the server's time.");
  }
  if (server_us - *ts * 1000 > recv_window_us) {
    ++d.c.rejected_timestamp;
    return refuse(http::status::bad_request, -1021,
                  "Timestamp for this request is outside of the recvWindow.");
  }
  return a;
}

struct parsed_order {
  order_request req;
  std::string symbol_name;
  resp_type resp = resp_type::full;
};

// The order's own parameters; nullopt with r holding the refusal.
std::optional<parsed_order> parse_order(order_desk& d, const universe& u, const request_params& p,
                                        std::uint64_t seq, signed_reply& r) {
  auto refuse = [&](int code, std::string_view msg) {
    ++d.c.rejected_bad_parameter;
    refuse_keeping_headers(r, http::status::bad_request, code, msg);
    return std::nullopt;
  };
  parsed_order o;
  for (const std::string_view name : {"symbol", "side", "type"}) {
    const std::string* v = p.find(name);
    if (v == nullptr || v->empty()) return refuse(-1102, mandatory(name));
  }
  o.symbol_name = *p.find("symbol");
  o.req.symbol = u.find_symbol(o.symbol_name);  // kNoSymbol: the engine answers -1121
  const std::string& side_text = *p.find("side");
  if (side_text == "BUY") {
    o.req.dir = side::buy;
  } else if (side_text == "SELL") {
    o.req.dir = side::sell;
  } else {
    return refuse(-1117, "Invalid side.");
  }
  const std::string& type = *p.find("type");
  if (type != "LIMIT") {
    const bool known = type == "MARKET" || type == "LIMIT_MAKER" || type == "STOP_LOSS" ||
                       type == "STOP_LOSS_LIMIT" || type == "TAKE_PROFIT" ||
                       type == "TAKE_PROFIT_LIMIT";
    return known ? refuse(-1014, "Unsupported order combination.")
                 : refuse(-1116, "Invalid orderType.");
  }
  const std::string* tif = p.find("timeInForce");
  if (tif == nullptr || tif->empty()) return refuse(-1102, mandatory("timeInForce"));
  if (*tif == "IOC") {
    o.req.tif = time_in_force::ioc;
  } else if (*tif == "FOK") {
    o.req.tif = time_in_force::fok;
  } else if (*tif == "GTC") {
    return refuse(-1014, "Unsupported order combination.");  // nothing rests here
  } else {
    return refuse(-1115, "Invalid timeInForce.");
  }
  for (const std::string_view name : {"quantity", "price"}) {
    const std::string* v = p.find(name);
    if (v == nullptr || v->empty()) return refuse(-1102, mandatory(name));
    const fixed8_result f = parse_unsigned_fixed8(*v);
    if (f.ec == fixed8_errc::too_many_fraction_digits) {
      // The exchange's answer to more decimals than the asset has.
      return refuse(-1111, "Precision is over the maximum defined for this asset.");
    }
    if (!f.ok()) return refuse(-1100, illegal(name, kDecimalRange));
    (name == "price" ? o.req.price : o.req.quantity) = f.value;
  }
  if (const std::string* id = p.find("newClientOrderId")) {
    if (!valid_client_order_id(*id)) {
      return refuse(-1100, illegal("newClientOrderId", "^[a-zA-Z0-9-_]{1,36}$"));
    }
    o.req.client_order_id = *id;
  } else {
    o.req.client_order_id = "sim" + std::to_string(seq);  // the exchange names it
  }
  if (const std::string* t = p.find("newOrderRespType")) {
    if (*t == "ACK") {
      o.resp = resp_type::ack;
    } else if (*t == "RESULT") {
      o.resp = resp_type::result;
    } else if (*t == "FULL") {
      o.resp = resp_type::full;
    } else {
      return refuse(-1100, illegal("newOrderRespType", "ACK, RESULT, FULL"));
    }
  }
  return o;
}

void add_order_counts(signed_reply& r, std::uint32_t c10s, std::uint32_t c1d) {
  r.headers.emplace_back("X-MBX-ORDER-COUNT-10S", std::to_string(c10s));
  r.headers.emplace_back("X-MBX-ORDER-COUNT-1D", std::to_string(c1d));
}

// What the account holds enough of for the full order (the engine checks the
// capped one; a partial fault must not admit an order the balance refuses).
bool balance_covers(const order_desk& d, const universe& u, sim::account_id a,
                    const order_request& req) {
  const symbol_info& s = u.symbol(req.symbol);
  const std::vector<fixed8>& bal = d.engine.account_at(a).balance;
  if (req.dir == side::sell) return bal[s.base] >= req.quantity;
  const fixed8_result need = checked_mul(req.price, req.quantity, rounding::up);
  return need.ok() && bal[s.quote] >= need.value;
}

signed_reply handle_order(sim_exchange::impl& x, const signed_call& call) {
  std::lock_guard lock(x.market_mu);
  order_desk& d = *x.desk;
  ++d.c.signed_requests;
  const steady::time_point now = steady::now();
  signed_reply r;
  if (!gate(x, d, call.peer_ip, now, kOrderWeight, r)) return r;
  const request_params p = call_params(call, call.body);
  const std::optional<sim::account_id> a = authenticate(d, call, p, r);
  if (!a) return r;
  const std::uint64_t seq = d.log.size() + 1;
  const std::optional<parsed_order> po = parse_order(d, x.u, p, seq, r);
  if (!po) return r;

  // An order: from here on it is in the ground truth, whatever happens.
  const std::int64_t now_ns = std::max(d.last_now_ns, unix_ns_now());
  d.last_now_ns = now_ns;
  exchange_order rec;
  rec.seq = seq;
  rec.api_key = *call.api_key;
  rec.request = po->req;
  rec.symbol_name = po->symbol_name;
  rec.arrival_unix_ms = now_ns / 1'000'000;
  rec.received_unix_ms =
      rec.arrival_unix_ms -
      std::chrono::duration_cast<std::chrono::milliseconds>(now - call.received).count();
  rec.market_time_ns = x.market->now_ns();
  ++d.c.orders_received;
  rec.fault = sim::draw_order_fault(d.faults, d.fault_rng);
  auto refuse = [&](http::status st, int code, std::string msg) {
    rec.http_status = static_cast<int>(st);
    rec.result = order_result{};
    rec.result.error_code = code;
    rec.result.error_msg = msg;
    refuse_keeping_headers(r, st, code, msg);
  };

  bool handled = false;
  if (rec.fault == order_fault::reject) {
    ++d.c.faults_reject;
    refuse(http::status::bad_request, sim::kFaultRejectCode, std::string(sim::kFaultRejectMsg));
    handled = true;
  } else if (rec.fault == order_fault::rate_limited) {
    ++d.c.faults_rate_limited;
    order_desk::ip_state& s = d.ips[call.peer_ip];
    s.backoff_until = now + std::chrono::seconds(x.opt.retry_after_s);
    s.ignored = 0;
    refuse(http::status::too_many_requests, -1003, weight_message(x.opt.max_weight_per_minute));
    r.headers.emplace_back("Retry-After", std::to_string(x.opt.retry_after_s));
    handled = true;
  } else if (rec.request.symbol != kNoSymbol && x.halted[rec.request.symbol] != 0) {
    refuse(http::status::bad_request, sim::kErrRejected, "Market is closed.");
    handled = true;
  }
  if (handled) {
    const auto [c10, c1d] = d.engine.order_counts(*a, now_ns);
    add_order_counts(r, c10, c1d);
  } else {
    order_request placed = rec.request;
    if (rec.fault == order_fault::partial) {
      std::optional<fixed8> cap;
      if (rec.request.symbol != kNoSymbol && balance_covers(d, x.u, *a, rec.request)) {
        cap =
            sim::partial_quantity(x.u.symbol(rec.request.symbol).filters, rec.request, d.fault_rng);
      }
      if (cap) {
        placed.quantity = *cap;
        ++d.c.faults_partial;
      } else {
        rec.fault = order_fault::none;  // nothing to cap: not applied, not counted
      }
    }
    const sim::true_quote at_arrival = rec.request.symbol == kNoSymbol
                                           ? sim::true_quote{}
                                           : x.market->quote_of(rec.request.symbol);
    rec.quote_update_id = at_arrival.update_id;
    sim::place_outcome out = d.engine.place(*a, placed, at_arrival, now_ns);
    rec.result = std::move(out.result);
    if (out.ok()) {
      rec.executed = true;
      // An IOC capped by the fault filled less than asked: the exchange says EXPIRED.
      if (rec.fault == order_fault::partial) sim::expire_partial(rec.result, rec.request);
      rec.http_status = 200;
      ++d.c.orders_executed;
      if (!rec.result.fills.empty()) d.updated_ms[*a] = rec.arrival_unix_ms;
      r.status = http::status::ok;
      r.body = order_json(rec, x.u, rec.arrival_unix_ms, po->resp);
    } else {
      if (out.error->code == sim::kErrTooManyOrders) ++d.c.rejected_order_count_429;
      // The exchange sends no Retry-After with an order-count 429.
      refuse(static_cast<http::status>(out.error->http_status), out.error->code, out.error->msg);
    }
    add_order_counts(r, out.order_count_10s, out.order_count_1d);
  }
  if (!rec.executed) ++d.c.orders_refused;
  if (rec.fault == order_fault::timeout) {
    ++d.c.faults_timeout;
    rec.delivery = order_delivery::held;
    r.how = delivery::hold;
    r.hold_ms = x.opt.timeout_hold_ms;
  } else if (rec.fault == order_fault::dropped) {
    ++d.c.faults_dropped;
    rec.delivery = order_delivery::dropped;
    r.how = delivery::drop;
  }
  d.log.push_back(std::move(rec));
  return r;
}

std::string account_json(const order_desk& d, const universe& u, sim::account_id a,
                         bool omit_zero) {
  const sim::account& acc = d.engine.account_at(a);
  const fixed8 fee = d.engine.params().fee_rate;
  // makerCommission etc. are in basis points (0.001 -> 10).
  const std::string bps = std::to_string(fee.raw() / 10'000);
  std::string out = "{\"makerCommission\":" + bps + ",\"takerCommission\":" + bps +
                    ",\"buyerCommission\":0,\"sellerCommission\":0,\"commissionRates\":{"
                    "\"maker\":\"" +
                    fmt8(fee) + "\",\"taker\":\"" + fmt8(fee) +
                    "\",\"buyer\":\"0.00000000\",\"seller\":\"0.00000000\"},"
                    "\"canTrade\":true,\"canWithdraw\":true,\"canDeposit\":true,"
                    "\"brokered\":false,\"requireSelfTradePrevention\":false,\"preventSor\":false,"
                    "\"updateTime\":" +
                    std::to_string(d.updated_ms[a]) + ",\"accountType\":\"SPOT\",\"balances\":[";
  bool first = true;
  for (asset_id i = 0; i < acc.balance.size(); ++i) {
    if (omit_zero && acc.balance[i].is_zero()) continue;
    if (!first) out.push_back(',');
    first = false;
    out += "{\"asset\":\"" + u.assets()[i] + "\",\"free\":\"" + fmt8(acc.balance[i]) +
           "\",\"locked\":\"0.00000000\"}";
  }
  out += "],\"permissions\":[\"SPOT\"],\"uid\":" + std::to_string(a + 1) + "}";
  return out;
}

signed_reply handle_account(sim_exchange::impl& x, const signed_call& call) {
  std::lock_guard lock(x.market_mu);
  order_desk& d = *x.desk;
  ++d.c.signed_requests;
  signed_reply r;
  if (!gate(x, d, call.peer_ip, steady::now(), kAccountWeight, r)) return r;
  const request_params p = call_params(call, {});
  const std::optional<sim::account_id> a = authenticate(d, call, p, r);
  if (!a) return r;
  bool omit_zero = false;
  if (const std::string* v = p.find("omitZeroBalances")) {
    if (*v != "true" && *v != "false") {
      ++d.c.rejected_bad_parameter;
      refuse_keeping_headers(r, http::status::bad_request, -1100,
                             illegal("omitZeroBalances", "true, false"));
      return r;
    }
    omit_zero = *v == "true";
  }
  ++d.c.account_requests;
  r.status = http::status::ok;
  r.body = account_json(d, x.u, *a, omit_zero);
  return r;
}

// GET /api/v3/order: an order the exchange executed, by origClientOrderId
// (the latest with that id for this account and symbol) or orderId.
signed_reply handle_query(sim_exchange::impl& x, const signed_call& call) {
  std::lock_guard lock(x.market_mu);
  order_desk& d = *x.desk;
  ++d.c.signed_requests;
  signed_reply r;
  if (!gate(x, d, call.peer_ip, steady::now(), kQueryWeight, r)) return r;
  const request_params p = call_params(call, {});
  const std::optional<sim::account_id> a = authenticate(d, call, p, r);
  if (!a) return r;
  auto refuse = [&](int code, std::string_view msg) {
    refuse_keeping_headers(r, http::status::bad_request, code, msg);
    return r;
  };
  const std::string* sym = p.find("symbol");
  if (sym == nullptr || sym->empty()) {
    ++d.c.rejected_bad_parameter;
    return refuse(-1102, mandatory("symbol"));
  }
  const std::string* coid = p.find("origClientOrderId");
  const std::string* oid_text = p.find("orderId");
  if ((coid == nullptr || coid->empty()) && (oid_text == nullptr || oid_text->empty())) {
    ++d.c.rejected_bad_parameter;
    return refuse(-1102,
                  "Param 'origClientOrderId' or 'orderId' must be sent, but both were "
                  "empty/null!");
  }
  std::optional<std::int64_t> oid;
  if (oid_text != nullptr && !oid_text->empty()) {
    oid = parse_count(*oid_text);
    if (!oid) {
      ++d.c.rejected_bad_parameter;
      return refuse(-1100, illegal("orderId", "^[0-9]{1,18}$"));
    }
  }
  if (x.u.find_symbol(*sym) == kNoSymbol) {
    ++d.c.rejected_bad_parameter;
    return refuse(sim::kErrBadSymbol, "Invalid symbol.");
  }
  ++d.c.query_requests;
  // orderId first when both are given, as the exchange does.
  for (auto it = d.log.rbegin(); it != d.log.rend(); ++it) {
    const exchange_order& o = *it;
    if (!o.executed || o.symbol_name != *sym || d.engine.find_account(o.api_key) != a) continue;
    const bool match = oid ? o.result.order_id == static_cast<std::uint64_t>(*oid)
                           : o.request.client_order_id == *coid;
    if (!match) continue;
    r.status = http::status::ok;
    r.body = query_json(o, x.u);
    return r;
  }
  ++d.c.query_not_found;
  return refuse(-2013, "Order does not exist.");
}

}  // namespace

std::string query_json(const exchange_order& o, const universe& u) {
  const order_result& res = o.result;
  std::string out =
      "{\"symbol\":\"" + o.symbol_name + "\",\"orderId\":" + std::to_string(res.order_id) +
      ",\"orderListId\":-1,\"clientOrderId\":\"" + o.request.client_order_id + "\",\"price\":\"" +
      fmt8(o.request.price) + "\",\"origQty\":\"" + fmt8(o.request.quantity) +
      "\",\"executedQty\":\"" + fmt8(res.executed_qty) + "\",\"cummulativeQuoteQty\":\"" +
      fmt8(res.cumulative_quote) + "\",\"status\":\"" + std::string(to_string(res.status)) +
      "\",\"timeInForce\":\"" + std::string(to_string(o.request.tif)) +
      "\",\"type\":\"LIMIT\",\"side\":\"" + std::string(wire_side(o.request.dir)) +
      "\",\"stopPrice\":\"0.00000000\",\"icebergQty\":\"0.00000000\",\"time\":" +
      std::to_string(o.arrival_unix_ms) + ",\"updateTime\":" + std::to_string(o.arrival_unix_ms) +
      ",\"isWorking\":true,\"workingTime\":" + std::to_string(o.arrival_unix_ms) +
      ",\"origQuoteOrderQty\":\"0.00000000\",\"selfTradePreventionMode\":\"NONE\"";
  // The simulator's extension: the order's trades, which the exchange gives
  // through GET /api/v3/myTrades?orderId=, so that one request resolves it.
  return out + fills_json(res, u) + "}";
}

bool is_signed_path(std::string_view path) noexcept {
  return path == "/api/v3/order" || path == "/api/v3/account";
}

const std::string* request_params::find(std::string_view name) const noexcept {
  for (const auto& [k, v] : items) {
    if (k == name) return &v;
  }
  return nullptr;
}

request_params parse_params(std::string_view query, std::string_view body) {
  request_params out;
  auto take = [&](std::string_view raw) {
    std::string kept;  // raw without its signature pair
    bool first = true;
    bool signed_here = false;
    std::vector<std::string> names;  // decoded names of this source
    auto seen = [&](const std::string& k) {
      if (std::find(names.begin(), names.end(), k) != names.end()) {
        if (!out.duplicate) out.duplicate = k;
        return true;
      }
      names.push_back(k);
      return false;
    };
    while (true) {
      const auto amp = raw.find('&');
      const std::string_view part = raw.substr(0, amp);
      const auto eq = part.find('=');
      const std::string_view name = part.substr(0, eq);
      const std::string_view value =
          eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
      if (name == "signature") {
        if (signed_here && !out.duplicate) out.duplicate = "signature";
        signed_here = true;
        if (!out.signature) out.signature = std::string(value);
      } else {
        if (!first) kept.push_back('&');
        kept.append(part);
        first = false;
        if (!part.empty()) {
          std::optional<std::string> k = url_decode(name);
          std::optional<std::string> v = url_decode(value);
          if (!k || !v) {
            if (!out.malformed) out.malformed = std::string(name.substr(0, 64));
          } else if (!seen(*k) && out.find(*k) == nullptr) {
            out.items.emplace_back(std::move(*k), std::move(*v));
          }
        }
      }
      if (amp == std::string_view::npos) break;
      raw = raw.substr(amp + 1);
    }
    out.signed_payload += kept;
  };
  // The query's names first: a name in both keeps the query's value.
  if (!query.empty()) take(query);
  if (!body.empty()) take(body);
  return out;
}

std::string order_json(const exchange_order& o, const universe& u, std::int64_t transact_ms,
                       resp_type t) {
  const order_result& res = o.result;
  std::string out = "{\"symbol\":\"" + o.symbol_name +
                    "\",\"orderId\":" + std::to_string(res.order_id) +
                    ",\"orderListId\":-1,\"clientOrderId\":\"" + o.request.client_order_id +
                    "\",\"transactTime\":" + std::to_string(transact_ms);
  if (t == resp_type::ack) return out + "}";
  out += ",\"price\":\"" + fmt8(o.request.price) + "\",\"origQty\":\"" + fmt8(o.request.quantity) +
         "\",\"executedQty\":\"" + fmt8(res.executed_qty) +
         "\",\"origQuoteOrderQty\":\"0.00000000\",\"cummulativeQuoteQty\":\"" +
         fmt8(res.cumulative_quote) + "\",\"status\":\"" + std::string(to_string(res.status)) +
         "\",\"timeInForce\":\"" + std::string(to_string(o.request.tif)) +
         "\",\"type\":\"LIMIT\",\"side\":\"" + std::string(wire_side(o.request.dir)) +
         "\",\"workingTime\":" + std::to_string(transact_ms) +
         ",\"selfTradePreventionMode\":\"NONE\"";
  if (t == resp_type::result) return out + "}";
  return out + fills_json(res, u) + "}";
}

order_desk::order_desk(const universe& u, const sim_exchange_options& o)
    : engine(u, sim::matching_params{.depth = {.seed = o.seed ^ 0xde97ULL,
                                               .levels = o.depth_levels,
                                               .max_gap_ticks = 3},
                                     .fee_rate = o.fee_rate,
                                     .orders_per_10s = o.max_orders_per_10s,
                                     .orders_per_day = o.max_orders_per_day}),
      fault_rng(o.seed ^ 0x0fde5ULL),
      faults(o.order_faults),
      delay_ms(o.order_delay_ms) {
  if (const std::string bad = sim::validate(faults); !bad.empty()) {
    throw std::invalid_argument("sim_exchange: " + bad);
  }
  if (!(o.fee_rate >= fixed8::zero() && o.fee_rate < fixed8::one()) || o.depth_levels < 1 ||
      o.depth_levels > sim::kMaxDepthLevels || o.order_delay_ms < 0 || o.timeout_hold_ms <= 0 ||
      o.retry_after_s <= 0 || o.ignored_429_before_ban < 1 || o.ban_s <= 0 ||
      o.max_weight_per_minute <= 0 || o.max_orders_per_10s == 0 || o.max_orders_per_day == 0) {
    throw std::invalid_argument(
        "sim_exchange: order API options out of range (fee_rate in [0, 1), depth_levels 1..16, "
        "order_delay_ms >= 0, the holds, bans, Retry-After and limits positive)");
  }
  std::vector<sim_account_spec> specs = o.accounts;
  if (specs.empty()) {
    specs.push_back({std::string(kDemoApiKey), std::string(kDemoApiSecret), demo_balances()});
  }
  for (const sim_account_spec& spec : specs) {
    if (!key_format_ok(spec.api_key) || spec.secret.empty()) {
      throw std::invalid_argument(
          "sim_exchange: an account's api_key must be 1..128 of [A-Za-z0-9] and its secret "
          "non-empty");
    }
    if (engine.find_account(spec.api_key)) {
      throw std::invalid_argument("sim_exchange: two accounts share one api_key");
    }
    std::vector<std::pair<asset_id, fixed8>> bal;
    for (const auto& [name, amount] : spec.balances) {
      const std::optional<asset_id> id = u.find_asset(name);
      if (!id)
        throw std::invalid_argument("sim_exchange: account balance in unknown asset " + name);
      if (amount.is_negative()) {
        throw std::invalid_argument("sim_exchange: negative starting balance of " + name);
      }
      bal.emplace_back(*id, amount);
    }
    (void)engine.add_account(spec.api_key, spec.secret, bal);
    updated_ms.push_back(0);
  }
}

}  // namespace sim_exchange_internal

// ---------------------------------------------------------------------------
// impl::signed_route and the public members of the order API.
void sim_exchange::impl::signed_route(signed_call call, std::function<void(signed_reply)> done) {
  const std::string_view target = call.target;
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/api/v3/order" && call.method == http::verb::post) {
    std::int64_t delay = 0;
    {
      std::lock_guard lock(market_mu);
      delay = desk->delay_ms;
    }
    if (delay <= 0) {
      done(handle_order(*this, call));
      return;
    }
    // The network delay: the order reaches the exchange (and the market as it
    // is then) delay ms after it was sent, whether or not the client waits.
    auto timer = std::make_shared<net::steady_timer>(ioc, ms(delay));
    timer->async_wait([this, timer, call = std::move(call),
                       done = std::move(done)](boost::system::error_code ec) mutable {
      if (ec) return;
      done(handle_order(*this, call));
    });
    return;
  }
  if (path == "/api/v3/order" && call.method == http::verb::get) {
    done(handle_query(*this, call));
    return;
  }
  if (path == "/api/v3/account" && call.method == http::verb::get) {
    done(handle_account(*this, call));
    return;
  }
  signed_reply r;
  r.status = http::status::method_not_allowed;
  r.body = json_error(-1000, "Method not supported for " + std::string(path) + ".");
  {
    std::lock_guard lock(market_mu);
    ++desk->c.signed_requests;
    ++desk->c.rejected_bad_parameter;
    // Every answer carries the IP's weight, this one too (it costs none).
    const order_desk::ip_state& s = desk->ips[call.peer_ip];
    r.headers.emplace_back("X-MBX-USED-WEIGHT-1M", std::to_string(s.used));
  }
  done(std::move(r));
}

void sim_exchange::set_order_fault_rates(const order_fault_rates& r) {
  if (const std::string bad = sim::validate(r); !bad.empty()) {
    throw std::invalid_argument("set_order_fault_rates: " + bad);
  }
  std::lock_guard lock(impl_->market_mu);
  impl_->desk->faults = r;
}

void sim_exchange::set_order_delay_ms(std::int64_t delay) {
  if (delay < 0) throw std::invalid_argument("set_order_delay_ms: negative delay");
  std::lock_guard lock(impl_->market_mu);
  impl_->desk->delay_ms = delay;
}

std::vector<exchange_order> sim_exchange::orders() const {
  std::lock_guard lock(impl_->market_mu);
  return impl_->desk->log;
}

std::optional<std::vector<std::pair<std::string, fixed8>>> sim_exchange::balances(
    std::string_view api_key) const {
  std::lock_guard lock(impl_->market_mu);
  const sim_exchange_internal::order_desk& d = *impl_->desk;
  const std::optional<sim::account_id> a = d.engine.find_account(api_key);
  if (!a) return std::nullopt;
  std::vector<std::pair<std::string, fixed8>> out;
  const sim::account& acc = d.engine.account_at(*a);
  for (asset_id i = 0; i < acc.balance.size(); ++i) {
    out.emplace_back(impl_->u.assets()[i], acc.balance[i]);
  }
  return out;
}

sim::ideal_result sim_exchange::ideal_cycle(const std::array<std::pair<symbol_id, side>, 3>& legs,
                                            fixed8 start_amount) const {
  std::lock_guard lock(impl_->market_mu);
  std::array<sim::true_quote, 3> quotes{};
  for (std::size_t i = 0; i < 3; ++i) {
    if (legs[i].first < impl_->u.symbols().size()) {
      quotes[i] = impl_->market->quote_of(legs[i].first);
    }
  }
  const sim::matching_engine& e = impl_->desk->engine;
  return sim::ideal_cycle(impl_->u, legs, start_amount, quotes, e.params().fee_rate,
                          e.params().depth);
}

}  // namespace triarb
