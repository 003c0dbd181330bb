// order_api: see order_api.h.
//
// simdjson, as in core/universe.cc: the body is copied into a padded_string
// (SIMDJSON_PADDING readable bytes after it) before parsing, and every
// string_view simdjson hands out points into the parser, so what outlives
// the parse (names, msg) is copied into std::string before returning.
#include "net/order_api.h"

#include <simdjson.h>

#include <climits>

#include "core/hmac.h"

namespace triarb {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// A name or value for a message: at most 40 bytes, non-printables as '?'.
std::string shown(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : static_cast<char>(c);
  }
  if (s.size() > 40) out += "...";
  return out + "\"";
}

[[noreturn]] void fail(std::string_view doc, const std::string& field, const std::string& what) {
  throw order_api_error(std::string(doc) + ": " + field + ": " + what);
}

void check_size(std::string_view doc, std::string_view body, std::size_t limit) {
  if (body.size() > limit) {
    throw order_api_error(std::string(doc) + ": the body is " + std::to_string(body.size()) +
                          " bytes, over the limit of " + std::to_string(limit));
  }
}

element parse_root(std::string_view doc, simdjson::dom::parser& parser,
                   const simdjson::padded_string& padded) {
  element root;
  if (const auto ec = parser.parse(padded).get(root); ec != simdjson::SUCCESS) {
    throw order_api_error(std::string(doc) + ": not JSON (" + simdjson::error_message(ec) + ")");
  }
  if (!root.is_object()) throw order_api_error(std::string(doc) + ": not a JSON object");
  return root;
}

element member(std::string_view doc, element obj, const std::string& path, const char* key) {
  element v;
  if (obj[key].get(v) != simdjson::SUCCESS) fail(doc, path + key, "missing");
  return v;
}

std::string_view string_member(std::string_view doc, element obj, const std::string& path,
                               const char* key) {
  std::string_view s;
  if (member(doc, obj, path, key).get(s) != simdjson::SUCCESS) {
    fail(doc, path + key, "not a string");
  }
  return s;
}

fixed8 decimal_member(std::string_view doc, element obj, const std::string& path, const char* key) {
  const std::string_view s = string_member(doc, obj, path, key);
  const fixed8_result r = parse_unsigned_fixed8(s);
  if (!r.ok()) fail(doc, path + key, std::string(to_string(r.ec)) + " in " + shown(s));
  return r.value;
}

// A non-negative JSON integer (no fraction, no exponent, no sign).
std::uint64_t id_member(std::string_view doc, element obj, const std::string& path,
                        const char* key) {
  const element v = member(doc, obj, path, key);
  if (v.type() == element_type::UINT64) return v.get_uint64().value_unsafe();
  if (v.type() == element_type::INT64) {
    const std::int64_t i = v.get_int64().value_unsafe();
    if (i >= 0) return static_cast<std::uint64_t>(i);
    fail(doc, path + key, "negative");
  }
  fail(doc, path + key, "not a non-negative integer");
}

bool query_safe(std::string_view s) {
  for (const char c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return !s.empty();
}

void check_params(const signed_params& p) {
  if (p.recv_window_ms < 1 || p.recv_window_ms > kMaxRecvWindowMs) {
    throw order_api_error("recvWindow " + std::to_string(p.recv_window_ms) + " ms: must be 1.." +
                          std::to_string(kMaxRecvWindowMs));
  }
  if (p.timestamp_ms <= 0) {
    throw order_api_error("timestamp " + std::to_string(p.timestamp_ms) + " ms: must be > 0");
  }
}

std::string signed_tail(const signed_params& p) {
  return "recvWindow=" + std::to_string(p.recv_window_ms) +
         "&timestamp=" + std::to_string(p.timestamp_ms);
}

std::optional<order_status> status_from(std::string_view s) {
  for (const order_status st :
       {order_status::new_order, order_status::partially_filled, order_status::filled,
        order_status::canceled, order_status::rejected, order_status::expired,
        order_status::expired_in_match}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

}  // namespace

std::string order_query(const order_request& o, const universe& u, const signed_params& p) {
  check_params(p);
  if (o.symbol >= u.symbols().size()) {
    throw order_api_error("order " + shown(o.client_order_id) + ": symbol id " +
                          std::to_string(o.symbol) + " is not in the universe");
  }
  const std::string& name = u.symbol(o.symbol).name;
  if (!query_safe(name)) {
    throw order_api_error("order: symbol " + shown(name) +
                          " has a character a query string would have to encode");
  }
  if (!valid_client_order_id(o.client_order_id)) {
    throw order_api_error("order: newClientOrderId " + shown(o.client_order_id) + ": not 1.." +
                          std::to_string(kMaxClientOrderId) + " of [A-Za-z0-9_-]");
  }
  if (!o.price.is_positive())
    throw order_api_error("order: price " + to_string(o.price) + ": not positive");
  if (!o.quantity.is_positive()) {
    throw order_api_error("order: quantity " + to_string(o.quantity) + ": not positive");
  }
  std::string q;
  q.reserve(200);
  q += "symbol=";
  q += name;
  q += "&side=";
  q += wire_side(o.dir);
  q += "&type=LIMIT&timeInForce=";
  q += to_string(o.tif);
  q += "&quantity=";
  q += to_string(o.quantity);
  q += "&price=";
  q += to_string(o.price);
  q += "&newClientOrderId=";
  q += o.client_order_id;
  q += "&newOrderRespType=FULL&";
  q += signed_tail(p);
  return q;
}

std::string order_status_query(const order_request& o, const universe& u, const signed_params& p) {
  check_params(p);
  if (o.symbol >= u.symbols().size()) {
    throw order_api_error("order query " + shown(o.client_order_id) + ": symbol id " +
                          std::to_string(o.symbol) + " is not in the universe");
  }
  const std::string& name = u.symbol(o.symbol).name;
  if (!query_safe(name)) {
    throw order_api_error("order query: symbol " + shown(name) +
                          " has a character a query string would have to encode");
  }
  if (!valid_client_order_id(o.client_order_id)) {
    throw order_api_error("order query: origClientOrderId " + shown(o.client_order_id) +
                          ": not 1.." + std::to_string(kMaxClientOrderId) + " of [A-Za-z0-9_-]");
  }
  return "symbol=" + name + "&origClientOrderId=" + o.client_order_id + "&" + signed_tail(p);
}

std::string account_query(const signed_params& p) {
  check_params(p);
  return signed_tail(p);
}

std::string sign_query(std::string_view query, std::string_view secret) {
  return std::string(query) + "&signature=" + hmac_sha256_hex(secret, query);
}

order_response parse_order_response(std::string_view body, const universe& u) {
  constexpr std::string_view doc = "order response";
  check_size(doc, body, kMaxOrderResponseBytes);
  const simdjson::padded_string padded(body);
  simdjson::dom::parser parser;
  const element root = parse_root(doc, parser, padded);

  order_response out;
  const std::string_view sym = string_member(doc, root, "", "symbol");
  out.symbol = u.find_symbol(sym);
  if (out.symbol == kNoSymbol) fail(doc, "symbol", "unknown symbol " + shown(sym));
  out.result.order_id = id_member(doc, root, "", "orderId");
  const std::string_view id = string_member(doc, root, "", "clientOrderId");
  if (!valid_client_order_id(id)) fail(doc, "clientOrderId", "not a valid id: " + shown(id));
  out.client_order_id = std::string(id);
  const std::string_view st = string_member(doc, root, "", "status");
  const std::optional<order_status> status = status_from(st);
  if (!status) fail(doc, "status", "unknown status " + shown(st));
  out.result.status = *status;
  out.result.executed_qty = decimal_member(doc, root, "", "executedQty");
  out.result.cumulative_quote = decimal_member(doc, root, "", "cummulativeQuoteQty");

  simdjson::dom::array fills;
  if (member(doc, root, "", "fills").get(fills) != simdjson::SUCCESS) {
    fail(doc, "fills", "not an array");
  }
  if (fills.size() > kMaxFills) {
    fail(doc, "fills",
         std::to_string(fills.size()) + " entries, over the limit of " + std::to_string(kMaxFills));
  }
  fixed8 qty_sum, quote_sum;
  std::size_t i = 0;
  for (const element f : fills) {
    const std::string path = "fills[" + std::to_string(i) + "].";
    if (!f.is_object()) fail(doc, path.substr(0, path.size() - 1), "not an object");
    order_fill fill;
    fill.price = decimal_member(doc, f, path, "price");
    if (!fill.price.is_positive()) fail(doc, path + "price", "not positive");
    fill.qty = decimal_member(doc, f, path, "qty");
    if (!fill.qty.is_positive()) fail(doc, path + "qty", "not positive");
    fill.commission = decimal_member(doc, f, path, "commission");
    const std::string_view asset = string_member(doc, f, path, "commissionAsset");
    const std::optional<asset_id> a = u.find_asset(asset);
    if (!a) fail(doc, path + "commissionAsset", "unknown asset " + shown(asset));
    fill.commission_asset = *a;
    fill.trade_id = id_member(doc, f, path, "tradeId");
    const fixed8_result quote = fill_quote(fill.price, fill.qty);
    if (!quote.ok()) fail(doc, path + "price", "price x qty overflows");
    const fixed8_result q1 = checked_add(qty_sum, fill.qty);
    const fixed8_result q2 = checked_add(quote_sum, quote.value);
    if (!q1.ok() || !q2.ok()) fail(doc, "fills", "the sum overflows at entry " + std::to_string(i));
    qty_sum = q1.value;
    quote_sum = q2.value;
    out.result.fills.push_back(fill);
    ++i;
  }
  if (qty_sum != out.result.executed_qty) {
    fail(doc, "executedQty",
         to_string(out.result.executed_qty) + " but the fills' qty sum to " + to_string(qty_sum));
  }
  if (quote_sum != out.result.cumulative_quote) {
    fail(doc, "cummulativeQuoteQty",
         to_string(out.result.cumulative_quote) + " but the fills' price x qty sum to " +
             to_string(quote_sum));
  }
  // The echo of the order as sent: lenient (order_echo).
  const auto text = [&](const char* key) -> std::optional<std::string> {
    std::string_view v;
    if (root[key].get(v) != simdjson::SUCCESS || v.size() > 16) return std::nullopt;
    return std::string(v);
  };
  const auto decimal = [&](const char* key) -> std::optional<fixed8> {
    std::string_view v;
    if (root[key].get(v) != simdjson::SUCCESS) return std::nullopt;
    const fixed8_result r = parse_unsigned_fixed8(v);
    return r.ok() ? std::optional<fixed8>(r.value) : std::nullopt;
  };
  out.echo.side = text("side");
  out.echo.type = text("type");
  out.echo.time_in_force = text("timeInForce");
  out.echo.price = decimal("price");
  out.echo.orig_qty = decimal("origQty");
  return out;
}

exchange_error parse_exchange_error(std::string_view body) {
  constexpr std::string_view doc = "error response";
  check_size(doc, body, kMaxErrorResponseBytes);
  const simdjson::padded_string padded(body);
  simdjson::dom::parser parser;
  const element root = parse_root(doc, parser, padded);
  exchange_error out;
  const element code = member(doc, root, "", "code");
  std::int64_t c = 0;
  if (code.type() == element_type::INT64) {
    c = code.get_int64().value_unsafe();
  } else if (code.type() == element_type::UINT64) {
    c = INT64_MAX;  // out of int's range below
  } else {
    fail(doc, "code", "not an integer");
  }
  if (c < INT_MIN || c > INT_MAX) fail(doc, "code", "out of range");
  out.code = static_cast<int>(c);
  const std::string_view msg = string_member(doc, root, "", "msg");
  std::size_t cut = msg.size();
  if (cut > kMaxErrorMsgBytes) {
    cut = kMaxErrorMsgBytes;
    while (cut > 0 && (static_cast<unsigned char>(msg[cut]) & 0xC0) == 0x80) --cut;
  }
  out.msg.reserve(cut + 24);
  for (std::size_t k = 0; k < cut; ++k) {
    const auto ch = static_cast<unsigned char>(msg[k]);
    out.msg += (ch < 0x20 || ch == 0x7f) ? '?' : msg[k];
  }
  if (cut < msg.size()) out.msg += "...(" + std::to_string(msg.size()) + " bytes)";
  return out;
}

account_balances parse_account(std::string_view body, const universe& u) {
  constexpr std::string_view doc = "account response";
  check_size(doc, body, kMaxAccountResponseBytes);
  const simdjson::padded_string padded(body);
  simdjson::dom::parser parser;
  const element root = parse_root(doc, parser, padded);
  simdjson::dom::array arr;
  if (member(doc, root, "", "balances").get(arr) != simdjson::SUCCESS) {
    fail(doc, "balances", "not an array");
  }
  account_balances out;
  std::vector<bool> seen(u.assets().size(), false);
  std::size_t i = 0;
  for (const element b : arr) {
    const std::string path = "balances[" + std::to_string(i) + "].";
    if (!b.is_object()) fail(doc, path.substr(0, path.size() - 1), "not an object");
    const std::string_view name = string_member(doc, b, path, "asset");
    account_balance bal;
    bal.free = decimal_member(doc, b, path, "free");
    bal.locked = decimal_member(doc, b, path, "locked");
    ++i;
    const std::optional<asset_id> a = u.find_asset(name);
    if (!a) {
      ++out.unknown_assets;
      continue;
    }
    if (seen[*a]) fail(doc, path + "asset", shown(name) + " listed twice");
    seen[*a] = true;
    bal.asset = *a;
    out.balances.push_back(bal);
  }
  return out;
}

namespace {
std::optional<std::uint64_t> count_value(std::string_view header,
                                         std::optional<std::string_view> v) {
  if (!v) return std::nullopt;
  std::uint64_t n = 0;
  if (v->empty() || v->size() > 19) {
    throw order_api_error(std::string(header) + ": " + shown(*v) + " is not a count");
  }
  for (const char c : *v) {
    if (c < '0' || c > '9') {
      throw order_api_error(std::string(header) + ": " + shown(*v) + " is not a count");
    }
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}
}  // namespace

order_counts read_order_counts(std::optional<std::string_view> count_10s,
                               std::optional<std::string_view> count_1d) {
  return {count_value(kOrderCount10sHeader, count_10s), count_value(kOrderCount1dHeader, count_1d)};
}

send_pause rate_limit_pause(int http_status, std::optional<std::string_view> retry_after,
                            std::int64_t now_ns, const pause_defaults& d) {
  send_pause out;
  if (http_status != 429 && http_status != 418) return out;
  out.pause = true;
  const std::int64_t fallback = http_status == 429 ? d.after_429_s : d.after_418_s;
  std::int64_t seconds = fallback;
  const std::string head = "HTTP " + std::to_string(http_status) + ", ";
  bool parsed = retry_after.has_value() && !retry_after->empty();
  if (parsed) {
    std::int64_t s = 0;
    for (const char c : *retry_after) {
      if (c < '0' || c > '9') {
        parsed = false;
        break;
      }
      s = s * 10 + (c - '0');
      if (s > kMaxRetryAfterS) s = kMaxRetryAfterS + 1;  // stays bounded; capped below
    }
    if (parsed) {
      seconds = s > kMaxRetryAfterS ? kMaxRetryAfterS : s;
      out.reason =
          head + "Retry-After " + std::string(*retry_after).substr(0, 24) +
          (s > kMaxRetryAfterS ? " s, capped to " + std::to_string(kMaxRetryAfterS) + " s" : " s");
    }
  }
  if (!parsed) {
    out.reason = head +
                 (retry_after ? "Retry-After " + shown(*retry_after) + " is not whole seconds"
                              : std::string("no Retry-After")) +
                 ": " + std::to_string(fallback) + " s (default)";
  }
  const std::int64_t delta = seconds * 1'000'000'000;
  out.until_ns = now_ns > INT64_MAX - delta ? INT64_MAX : now_ns + delta;
  return out;
}

}  // namespace triarb
