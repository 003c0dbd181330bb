// Fuzz target for the order API's response parsers (net/order_api.h:
// parse_order_response, parse_exchange_error, parse_account), with a
// differential oracle: the same bytes are read by Boost.JSON
// (fuzz/json_oracle.h: a capped max_depth, so the oracle never overflows its
// stack) and each parser's documented rules are applied to that tree
// slowly, with big integers:
//   - a body over the parser's byte limit, not JSON (by simdjson's DOM
//     rules), or not an object: refused;
//   - the first member of each required name is the one read; others ignored;
//   - order: symbol a known symbol; orderId and each tradeId a JSON integer
//     whose value is >= 0 (so "-0" is 0); clientOrderId 1..36 of
//     [A-Za-z0-9_-]; status one of the seven spellings; executedQty,
//     cummulativeQuoteQty, commission unsigned decimals (<= 8 decimals, in
//     fixed8's range); price and qty the same and positive; commissionAsset a
//     known asset; at most kMaxFills fills; each fill's price x qty truncated
//     to 8 decimals in range; the qty sum and the quote sum in range and equal
//     to executedQty and cummulativeQuoteQty;
//   - error: code a JSON integer in int's range; msg a string, kept to
//     kMaxErrorMsgBytes (cut back to a character start) plus
//     "...(N bytes)", control characters as '?';
//   - account: balances an array of objects with asset a string and free and
//     locked unsigned decimals; unknown assets skipped and counted; a known
//     asset twice refused.
// The target aborts when a parser and its oracle disagree on refusal or on
// any value. Any exception but order_api_error is a finding.
//
//   build/fuzz/fuzz/fuzz_order_response -dict=fuzz/order_response.dict corpus/order_response
//   build/default/fuzz/fuzz_order_response corpus/order_response       # replay
#include <boost/json/src.hpp>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "json_oracle.h"
#include "net/order_api.h"

namespace {

using triarb::fuzz::jnode;
using big = boost::multiprecision::cpp_int;

const triarb::universe& u() {
  static const triarb::universe uni({{"BTCUSDT", "BTC", "USDT", {}},
                                     {"LTCBTC", "LTC", "BTC", {}},
                                     {"ETHBTC", "ETH", "BTC", {}},
                                     {"BNBUSDT", "BNB", "USDT", {}}});
  return uni;
}

// Independent name tables (the universe numbers names in ascending order).
std::optional<std::uint32_t> symbol_of(const std::string& s) {
  const char* names[] = {"BNBUSDT", "BTCUSDT", "ETHBTC", "LTCBTC"};
  for (std::uint32_t i = 0; i < 4; ++i) {
    if (s == names[i]) return i;
  }
  return std::nullopt;
}
std::optional<std::uint32_t> asset_of(const std::string& s) {
  const char* names[] = {"BNB", "BTC", "ETH", "LTC", "USDT"};
  for (std::uint32_t i = 0; i < 5; ++i) {
    if (s == names[i]) return i;
  }
  return std::nullopt;
}

const big kMax(INT64_MAX);

const jnode* str(const jnode& obj, const char* key) {
  const jnode* v = obj.first(key);
  return v != nullptr && v->is(jnode::type::string) ? v : nullptr;
}

// A JSON integer (no fraction, no exponent) with value >= lo and <= hi.
std::optional<big> integer(const jnode& obj, const char* key, const big& lo, const big& hi) {
  const jnode* v = obj.first(key);
  if (v == nullptr || !v->is(jnode::type::number)) return std::nullopt;
  if (v->text.find_first_of(".eE") != std::string::npos) return std::nullopt;
  const bool neg = v->text[0] == '-';
  big x = 0;
  for (std::size_t i = neg ? 1 : 0; i < v->text.size(); ++i) x = x * 10 + (v->text[i] - '0');
  if (neg) x = -x;
  if (x < lo || x > hi) return std::nullopt;
  return x;
}

std::optional<big> decimal(const jnode& obj, const char* key, bool positive) {
  const jnode* v = str(obj, key);
  if (v == nullptr) return std::nullopt;
  const triarb::fuzz::decimal_value d = triarb::fuzz::read_decimal(v->text, false);
  if (!d.ok || (positive && d.raw == 0)) return std::nullopt;
  return d.raw;
}

bool valid_id(const std::string& s) {
  if (s.empty() || s.size() > 36) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

struct want_fill {
  big price, qty, commission, trade_id;
  std::uint32_t asset = 0;
};
struct want_order {
  std::uint32_t symbol = 0;
  std::string id;
  big order_id, executed, cumulative;
  std::string status;
  std::vector<want_fill> fills;
};

std::optional<want_order> oracle_order(const jnode& doc) {
  if (!doc.is(jnode::type::object)) return std::nullopt;
  want_order w;
  const jnode* sym = str(doc, "symbol");
  if (sym == nullptr || !symbol_of(sym->text)) return std::nullopt;
  w.symbol = *symbol_of(sym->text);
  const auto oid = integer(doc, "orderId", 0, big(UINT64_MAX));
  if (!oid) return std::nullopt;
  w.order_id = *oid;
  const jnode* id = str(doc, "clientOrderId");
  if (id == nullptr || !valid_id(id->text)) return std::nullopt;
  w.id = id->text;
  const jnode* st = str(doc, "status");
  if (st == nullptr) return std::nullopt;
  bool known = false;
  for (const char* s : {"NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "REJECTED", "EXPIRED",
                        "EXPIRED_IN_MATCH"}) {
    known = known || st->text == s;
  }
  if (!known) return std::nullopt;
  w.status = st->text;
  const auto ex = decimal(doc, "executedQty", false);
  const auto cq = decimal(doc, "cummulativeQuoteQty", false);
  if (!ex || !cq) return std::nullopt;
  w.executed = *ex;
  w.cumulative = *cq;
  const jnode* fills = doc.first("fills");
  if (fills == nullptr || !fills->is(jnode::type::array)) return std::nullopt;
  if (fills->elements.size() > triarb::kMaxFills) return std::nullopt;
  big qty_sum = 0, quote_sum = 0;
  for (const jnode& f : fills->elements) {
    if (!f.is(jnode::type::object)) return std::nullopt;
    want_fill wf;
    const auto p = decimal(f, "price", true);
    const auto q = decimal(f, "qty", true);
    const auto c = decimal(f, "commission", false);
    if (!p || !q || !c) return std::nullopt;
    const jnode* a = str(f, "commissionAsset");
    if (a == nullptr || !asset_of(a->text)) return std::nullopt;
    const auto t = integer(f, "tradeId", 0, big(UINT64_MAX));
    if (!t) return std::nullopt;
    const big quote = (*p * *q) / 100000000;  // truncated: both non-negative
    if (quote > kMax) return std::nullopt;
    qty_sum += *q;
    quote_sum += quote;
    wf.price = *p;
    wf.qty = *q;
    wf.commission = *c;
    wf.asset = *asset_of(a->text);
    wf.trade_id = *t;
    w.fills.push_back(wf);
  }
  if (qty_sum > kMax || quote_sum > kMax) return std::nullopt;
  if (qty_sum != w.executed || quote_sum != w.cumulative) return std::nullopt;
  return w;
}

std::optional<triarb::exchange_error> oracle_error(const jnode& doc) {
  if (!doc.is(jnode::type::object)) return std::nullopt;
  const auto code = integer(doc, "code", big(INT_MIN), big(INT_MAX));
  const jnode* msg = str(doc, "msg");
  if (!code || msg == nullptr) return std::nullopt;
  triarb::exchange_error e;
  e.code = static_cast<int>(*code);
  const std::string& m = msg->text;
  std::size_t keep = m.size();
  if (keep > triarb::kMaxErrorMsgBytes) {
    keep = triarb::kMaxErrorMsgBytes;
    // Back to the first byte of the character the limit falls in.
    while (keep > 0 && (static_cast<unsigned char>(m[keep]) >> 6) == 2) --keep;
  }
  for (std::size_t i = 0; i < keep; ++i) {
    const unsigned char c = static_cast<unsigned char>(m[i]);
    e.msg.push_back(c <= 0x1f || c == 0x7f ? '?' : m[i]);
  }
  if (keep != m.size()) e.msg += "...(" + std::to_string(m.size()) + " bytes)";
  return e;
}

struct want_balance {
  std::uint32_t asset;
  big free, locked;
};
struct want_account {
  std::vector<want_balance> balances;
  std::size_t unknown = 0;
};

std::optional<want_account> oracle_account(const jnode& doc) {
  if (!doc.is(jnode::type::object)) return std::nullopt;
  const jnode* arr = doc.first("balances");
  if (arr == nullptr || !arr->is(jnode::type::array)) return std::nullopt;
  want_account w;
  std::vector<bool> seen(5, false);
  for (const jnode& b : arr->elements) {
    if (!b.is(jnode::type::object)) return std::nullopt;
    const jnode* a = str(b, "asset");
    const auto fr = decimal(b, "free", false);
    const auto lo = decimal(b, "locked", false);
    if (a == nullptr || !fr || !lo) return std::nullopt;
    const auto id = asset_of(a->text);
    if (!id) {
      ++w.unknown;
      continue;
    }
    if (seen[*id]) return std::nullopt;
    seen[*id] = true;
    w.balances.push_back({*id, *fr, *lo});
  }
  return w;
}

big raw(triarb::fixed8 v) { return big(v.raw()); }

void check_order(std::string_view in, const jnode* doc) {
  std::optional<triarb::order_response> got;
  try {
    got = triarb::parse_order_response(in, u());
  } catch (const triarb::order_api_error&) {
  }
  const std::optional<want_order> want =
      (doc == nullptr || in.size() > triarb::kMaxOrderResponseBytes) ? std::nullopt
                                                                     : oracle_order(*doc);
  if (got.has_value() != want.has_value()) {
    std::fprintf(stderr, "parse_order_response %s, oracle %s\n", got ? "accepted" : "refused",
                 want ? "accepted" : "refused");
    TRIARB_FUZZ_CHECK(false, "parse_order_response and the oracle disagree on refusal");
  }
  if (!got) return;
  const triarb::order_result& r = got->result;
  TRIARB_FUZZ_CHECK(got->symbol == want->symbol, "symbol");
  TRIARB_FUZZ_CHECK(got->client_order_id == want->id, "clientOrderId");
  TRIARB_FUZZ_CHECK(big(r.order_id) == want->order_id, "orderId");
  TRIARB_FUZZ_CHECK(triarb::to_string(r.status) == want->status, "status");
  TRIARB_FUZZ_CHECK(raw(r.executed_qty) == want->executed, "executedQty");
  TRIARB_FUZZ_CHECK(raw(r.cumulative_quote) == want->cumulative, "cummulativeQuoteQty");
  TRIARB_FUZZ_CHECK(r.error_code == 0 && r.error_msg.empty(), "no error on an order");
  TRIARB_FUZZ_CHECK(r.fills.size() == want->fills.size(), "fill count");
  for (std::size_t i = 0; i < r.fills.size(); ++i) {
    TRIARB_FUZZ_CHECK(raw(r.fills[i].price) == want->fills[i].price, "fill price");
    TRIARB_FUZZ_CHECK(raw(r.fills[i].qty) == want->fills[i].qty, "fill qty");
    TRIARB_FUZZ_CHECK(raw(r.fills[i].commission) == want->fills[i].commission, "fill commission");
    TRIARB_FUZZ_CHECK(r.fills[i].commission_asset == want->fills[i].asset, "fill asset");
    TRIARB_FUZZ_CHECK(big(r.fills[i].trade_id) == want->fills[i].trade_id, "fill tradeId");
  }
}

void check_error(std::string_view in, const jnode* doc) {
  std::optional<triarb::exchange_error> got;
  try {
    got = triarb::parse_exchange_error(in);
  } catch (const triarb::order_api_error&) {
  }
  const std::optional<triarb::exchange_error> want =
      (doc == nullptr || in.size() > triarb::kMaxErrorResponseBytes) ? std::nullopt
                                                                     : oracle_error(*doc);
  TRIARB_FUZZ_CHECK(got.has_value() == want.has_value(),
                    "parse_exchange_error and the oracle disagree on refusal");
  if (!got) return;
  TRIARB_FUZZ_CHECK(got->code == want->code, "error code");
  TRIARB_FUZZ_CHECK(got->msg == want->msg, "error msg");
}

void check_account(std::string_view in, const jnode* doc) {
  std::optional<triarb::account_balances> got;
  try {
    got = triarb::parse_account(in, u());
  } catch (const triarb::order_api_error&) {
  }
  const std::optional<want_account> want =
      (doc == nullptr || in.size() > triarb::kMaxAccountResponseBytes) ? std::nullopt
                                                                       : oracle_account(*doc);
  TRIARB_FUZZ_CHECK(got.has_value() == want.has_value(),
                    "parse_account and the oracle disagree on refusal");
  if (!got) return;
  TRIARB_FUZZ_CHECK(got->unknown_assets == want->unknown, "unknown asset count");
  TRIARB_FUZZ_CHECK(got->balances.size() == want->balances.size(), "balance count");
  for (std::size_t i = 0; i < got->balances.size(); ++i) {
    TRIARB_FUZZ_CHECK(got->balances[i].asset == want->balances[i].asset, "balance asset");
    TRIARB_FUZZ_CHECK(raw(got->balances[i].free) == want->balances[i].free, "balance free");
    TRIARB_FUZZ_CHECK(raw(got->balances[i].locked) == want->balances[i].locked, "balance locked");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::unique_ptr<jnode> doc;
  const triarb::fuzz::json_verdict v = triarb::fuzz::read_json(in, &doc);
  if (v == triarb::fuzz::json_verdict::undefined) return 0;
  const jnode* tree = v == triarb::fuzz::json_verdict::ok ? doc.get() : nullptr;
  check_order(in, tree);
  check_error(in, tree);
  check_account(in, tree);
  return 0;
}
