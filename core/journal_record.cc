// journal_record: canonical serialisation of a record, the SHA-256 of its
// line, and parsing a line back (simdjson On-Demand). See journal_record.h
// and docs/journal-format.md.
#include "core/journal_record.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/internal/journal_io.h"
#include "core/internal/sha256.h"

namespace triarb {

using internal::is_decimal;
using internal::kHashKey;
using internal::sha256_hex_to;

std::string_view to_string(journal_errc ec) noexcept {
  switch (ec) {
    case journal_errc::ok:
      return "ok";
    case journal_errc::io_error:
      return "io_error";
    case journal_errc::empty:
      return "empty";
    case journal_errc::truncated_tail:
      return "truncated_tail";
    case journal_errc::line_too_long:
      return "line_too_long";
    case journal_errc::garbage:
      return "garbage";
    case journal_errc::malformed:
      return "malformed";
    case journal_errc::edited:
      return "edited";
    case journal_errc::not_canonical:
      return "not_canonical";
    case journal_errc::no_genesis:
      return "no_genesis";
    case journal_errc::deleted:
      return "deleted";
    case journal_errc::reordered:
      return "reordered";
    case journal_errc::inserted:
      return "inserted";
    case journal_errc::chain_broken:
      return "chain_broken";
    case journal_errc::config_mismatch:
      return "config_mismatch";
    case journal_errc::invalid_record:
      return "invalid_record";
    case journal_errc::write_failed:
      return "write_failed";
    case journal_errc::writer_failed:
      return "writer_failed";
  }
  return "unknown";
}

std::string_view journal_name(trading_state s) noexcept {
  switch (s) {
    case trading_state::active:
      return "active";
    case trading_state::reducing:
      return "reducing";
    case trading_state::halted:
      return "halted";
  }
  return "";
}

std::string_view journal_name(guard_trigger t) noexcept {
  switch (t) {
    case guard_trigger::repeat:
      return "repeat";
    case guard_trigger::rate:
      return "rate";
    case guard_trigger::feed_health:
      return "feed_health";
    case guard_trigger::journal:
      return "journal";
    case guard_trigger::manual:
      return "manual";
    case guard_trigger::kCount:
      break;
  }
  return "";
}

std::string_view journal_name(suppress_reason r) noexcept {
  switch (r) {
    case suppress_reason::none:
      return "";
    case suppress_reason::reducing:
      return "reducing";
    case suppress_reason::halted:
      return "halted";
    case suppress_reason::quarantined:
      return "quarantined";
    case suppress_reason::kCount:
      break;
  }
  return "";
}

namespace {

// Empty when e is exactly one JSON object on one line (what a writer embeds
// verbatim, and the documented checker's json.loads takes), else why not,
// naming the field. Nesting deeper than simdjson's 1,024 levels is refused.
std::string embedded_object_reason(std::string_view field, std::string_view e) {
  if (e.size() < 2 || e.front() != '{' || e.back() != '}' ||
      e.find_first_of("\r\n") != std::string_view::npos) {
    return std::string(field) + ": not one JSON object on one line";
  }
  // Exactly one valid JSON object, so that the reader's raw text is these bytes.
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (const auto err = parser.parse(e.data(), e.size()).get(obj)) {
    return std::string(field) + ": not one JSON object (" + simdjson::error_message(err) + ")";
  }
  return {};
}

}  // namespace

std::string invalid_reason(const state_record& r) {
  if (journal_name(r.from).empty()) return "from: not a trading state";
  if (journal_name(r.to).empty()) return "to: not a trading state";
  if (journal_name(r.trigger).empty()) return "trigger: not a guard trigger";
  if (!simdjson::validate_utf8(r.by)) return "by: not UTF-8";
  if (!simdjson::validate_utf8(r.triangle_name)) return "triangle: not UTF-8";
  return embedded_object_reason("evidence", r.evidence_json);
}

std::string invalid_reason(const checkpoint_record& r) {
  return embedded_object_reason("counters", r.counters_json);
}

std::string invalid_reason(const opportunity_record& r) {
  if (!simdjson::validate_utf8(r.triangle_name)) return "triangle: not UTF-8";
  if (!simdjson::validate_utf8(r.rounding)) return "rounding: not UTF-8";
  if (!is_decimal(r.ratio)) return "ratio: not an exact decimal";
  for (std::size_t i = 0; i < r.legs.size(); ++i) {
    if (!simdjson::validate_utf8(r.legs[i].symbol)) {
      return "legs[" + std::to_string(i) + "].symbol: not UTF-8";
    }
  }
  if (static_cast<std::size_t>(r.suppressed) >= static_cast<std::size_t>(suppress_reason::kCount)) {
    return "suppressed: " + std::to_string(static_cast<unsigned>(r.suppressed)) +
           " is not a suppress_reason";
  }
  return {};
}

namespace {

// Empty when s is a name the journal takes (a symbol, an asset): UTF-8 of
// 1..kMaxJournalName bytes.
std::string name_reason(std::string_view field, std::string_view s) {
  if (s.empty()) return std::string(field) + ": empty";
  if (s.size() > kMaxJournalName) {
    return std::string(field) + ": " + std::to_string(s.size()) + " bytes (at most " +
           std::to_string(kMaxJournalName) + ")";
  }
  if (!simdjson::validate_utf8(s.data(), s.size())) return std::string(field) + ": not UTF-8";
  return {};
}

// Empty when s is UTF-8 of at most kMaxJournalMessage bytes (and not empty when required).
std::string message_reason(std::string_view field, std::string_view s, bool required) {
  if (required && s.empty()) return std::string(field) + ": empty";
  if (s.size() > kMaxJournalMessage) {
    return std::string(field) + ": " + std::to_string(s.size()) + " bytes (at most " +
           std::to_string(kMaxJournalMessage) + "; journal_text cuts it)";
  }
  if (!simdjson::validate_utf8(s.data(), s.size())) {
    return std::string(field) + ": not UTF-8 (journal_text makes it so)";
  }
  return {};
}

std::string client_id_reason(std::string_view id) {
  if (valid_client_order_id(id)) return {};
  return "client_order_id: not 1.." + std::to_string(kMaxClientOrderId) +
         " of [A-Za-z0-9_-] (the exchange's newClientOrderId)";
}

bool lower_hash(std::string_view s) noexcept {
  if (s.size() != 64) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string amount_reason(std::string_view field, fixed8 v, bool positive) {
  if (positive ? v.is_positive() : !v.is_negative()) return {};
  return std::string(field) + ": " + to_string(v) +
         (positive ? " (must be > 0)" : " (must be >= 0)");
}

}  // namespace

std::string invalid_reason(const order_record& r) {
  if (r.leg < 1 || r.leg > 3) return "leg: " + std::to_string(r.leg) + " (must be 1, 2 or 3)";
  if (std::string w = client_id_reason(r.client_order_id); !w.empty()) return w;
  if (std::string w = name_reason("symbol", r.symbol); !w.empty()) return w;
  if (r.dir != side::buy && r.dir != side::sell) return "side: not buy or sell";
  if (r.tif != time_in_force::ioc && r.tif != time_in_force::fok) return "tif: not IOC or FOK";
  if (std::string w = amount_reason("price", r.price, true); !w.empty()) return w;
  if (std::string w = amount_reason("quantity", r.quantity, true); !w.empty()) return w;
  if (!lower_hash(r.decision)) {
    return "decision: not 64 lower-case hex digits (the decision's record hash)";
  }
  return {};
}

std::string invalid_reason(const fill_record& r) {
  if (std::string w = client_id_reason(r.client_order_id); !w.empty()) return w;
  if (to_string(r.status) == "?") {
    return "status: " + std::to_string(static_cast<unsigned>(r.status)) + " is not an order status";
  }
  if (std::string w = amount_reason("executed_qty", r.executed_qty, false); !w.empty()) return w;
  if (std::string w = amount_reason("cumulative_quote", r.cumulative_quote, false); !w.empty()) {
    return w;
  }
  if (r.fills.size() > kMaxJournalFills) {
    return "fills: " + std::to_string(r.fills.size()) + " (at most " +
           std::to_string(kMaxJournalFills) + ")";
  }
  for (std::size_t i = 0; i < r.fills.size(); ++i) {
    const journal_fill& f = r.fills[i];
    const std::string at = "fills[" + std::to_string(i) + "].";
    std::string w = amount_reason(at + "price", f.price, true);
    if (w.empty()) w = amount_reason(at + "qty", f.qty, true);
    if (w.empty()) w = amount_reason(at + "commission", f.commission, false);
    if (w.empty()) w = name_reason(at + "commission_asset", f.commission_asset);
    if (!w.empty()) return w;
  }
  return {};
}

std::string invalid_reason(const reject_record& r) {
  if (std::string w = client_id_reason(r.client_order_id); !w.empty()) return w;
  if (std::string w = message_reason("msg", r.msg, false); !w.empty()) return w;
  if (r.http_status != 0 && (r.http_status < 100 || r.http_status > 599)) {
    return "http_status: " + std::to_string(r.http_status) + " (0: no HTTP answer, or 100..599)";
  }
  return {};
}

std::string invalid_reason(const cycle_record& r) {
  if (!lower_hash(r.decision)) {
    return "decision: not 64 lower-case hex digits (the decision's record hash)";
  }
  if (journal_name(r.outcome).empty()) {
    return "outcome: " + std::to_string(static_cast<unsigned>(r.outcome)) + " is not a cycle end";
  }
  if (std::string w = name_reason("start_asset", r.start_asset); !w.empty()) return w;
  if (r.residual.size() > kMaxJournalResidual) {
    return "residual: " + std::to_string(r.residual.size()) + " assets (at most " +
           std::to_string(kMaxJournalResidual) + ")";
  }
  for (const auto& [asset, amount] : r.residual) {
    if (std::string w = name_reason("residual asset", asset); !w.empty()) return w;
    if (amount.is_zero()) return "residual[" + asset + "]: 0 (only assets with something left)";
  }
  if (r.outcome == cycle_end::done) {
    if (!r.reason.empty()) return "reason: set, but the cycle is done (a reason says why not)";
    return {};
  }
  return message_reason("reason", r.reason, true);
}

std::string_view journal_name(cycle_end o) noexcept {
  switch (o) {
    case cycle_end::done:
      return "done";
    case cycle_end::residual:
      return "residual";
    case cycle_end::missed:
      return "missed";
    case cycle_end::kCount:
      break;
  }
  return "";
}

std::string journal_text(std::string_view raw, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(raw.size(), max_bytes));
  std::size_t i = 0;
  while (i < raw.size()) {
    // The length of the valid UTF-8 sequence at i, or 0 (RFC 3629: no
    // overlong forms, no surrogates, nothing above U+10FFFF).
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(raw[i + k]); };
    const auto cont = [&](std::size_t k) { return i + k < raw.size() && (b(k) & 0xC0) == 0x80; };
    const unsigned char c = b(0);
    std::size_t n = 0;
    if (c < 0x80) {
      n = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = cont(1) ? 2 : 0;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = cont(1) && cont(2) && !(c == 0xE0 && b(1) < 0xA0) && !(c == 0xED && b(1) > 0x9F) ? 3 : 0;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = cont(1) && cont(2) && cont(3) && !(c == 0xF0 && b(1) < 0x90) &&
                  !(c == 0xF4 && b(1) > 0x8F)
              ? 4
              : 0;
    }
    const std::size_t take = n == 0 ? 1 : n;
    if (out.size() + take > max_bytes) break;
    if (n == 0) {
      out += '?';
    } else {
      out.append(raw.data() + i, n);
    }
    i += take;
  }
  return out;
}

namespace {

// `,"hash":"` + 64 hex + `"}`
constexpr std::size_t kHashSuffixLen = 9 + 64 + 2;

}  // namespace

std::string_view to_string(genesis_reason r) noexcept {
  switch (r) {
    case genesis_reason::start:
      return "start";
    case genesis_reason::restart:
      return "restart";
    case genesis_reason::rotation:
      return "rotation";
  }
  return "start";
}

namespace {

std::optional<genesis_reason> parse_reason(std::string_view s) noexcept {
  if (s == "start") return genesis_reason::start;
  if (s == "restart") return genesis_reason::restart;
  if (s == "rotation") return genesis_reason::rotation;
  return std::nullopt;
}

constexpr std::size_t kGuardTriggers = static_cast<std::size_t>(guard_trigger::kCount);
constexpr std::size_t kSuppressReasons = static_cast<std::size_t>(suppress_reason::kCount);
constexpr std::size_t kCycleEnds = static_cast<std::size_t>(cycle_end::kCount);

std::optional<order_status> parse_status(std::string_view s) noexcept {
  for (const order_status st :
       {order_status::new_order, order_status::partially_filled, order_status::filled,
        order_status::canceled, order_status::rejected, order_status::expired,
        order_status::expired_in_match}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

// The enum value whose journal name is s (none's "" is never a name).
template <class Enum, std::size_t N>
std::optional<Enum> parse_name(std::string_view s) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    const auto e = static_cast<Enum>(i);
    if (!journal_name(e).empty() && journal_name(e) == s) return e;
  }
  return std::nullopt;
}

bool is_lower_hex(std::string_view s) noexcept {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_hash(std::string_view s) noexcept { return s.size() == 64 && is_lower_hex(s); }

void append_u64(std::string& out, std::uint64_t v) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}
void append_i64(std::string& out, std::int64_t v) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void append_fixed8(std::string& out, fixed8 v) {
  char buf[fixed8::kMaxChars];
  const std::size_t n = format_to(v, buf);
  out += '"';
  out.append(buf, n);
  out += '"';
}

void append_key(std::string& out, std::string_view key) {
  out += '"';
  out += key;
  out += "\":";
}

void append_bool(std::string& out, bool b) { out += b ? "true" : "false"; }

void serialize_body(std::string& out, const genesis_record& g) {
  out += "\"type\":\"genesis\",";
  append_key(out, "time_ns");
  append_i64(out, g.time_ns);
  out += ',';
  append_key(out, "reason");
  append_json_string(out, to_string(g.reason));
  out += ',';
  append_key(out, "version");
  append_json_string(out, g.version);
  out += ',';
  append_key(out, "config_sha256");
  append_json_string(out, g.config_sha256);
  out += ',';
  append_key(out, "config");
  append_json_string(out, g.config);
  out += ',';
  append_key(out, "universe");
  append_json_string(out, g.universe);
}

void serialize_body(std::string& out, const opportunity_record& o) {
  out += "\"type\":\"opportunity\",";
  append_key(out, "time_ns");
  append_i64(out, o.time_ns);
  out += ',';
  append_key(out, "triangle_id");
  append_u64(out, o.triangle);
  out += ',';
  append_key(out, "triangle");
  append_json_string(out, o.triangle_name);
  out += ',';
  append_key(out, "legs");
  out += '[';
  for (std::size_t i = 0; i < o.legs.size(); ++i) {
    const journal_leg& l = o.legs[i];
    if (i != 0) out += ',';
    out += '{';
    append_key(out, "symbol");
    append_json_string(out, l.symbol);
    out += ',';
    append_key(out, "side");
    out += l.dir == side::buy ? "\"buy\"" : "\"sell\"";
    out += ',';
    append_key(out, "price");
    append_fixed8(out, l.price);
    out += ',';
    append_key(out, "book_qty");
    append_fixed8(out, l.book_qty);
    out += ',';
    append_key(out, "fill_qty");
    append_fixed8(out, l.fill_qty);
    out += ',';
    append_key(out, "update_id");
    append_u64(out, l.update_id);
    out += ',';
    append_key(out, "age_ns");
    append_i64(out, l.age_ns);
    out += ',';
    append_key(out, "valid");
    append_bool(out, l.valid);
    out += ',';
    append_key(out, "qty_capped");
    append_bool(out, l.qty_capped);
    if (l.reseeded) {  // only when set: absent means false (older records stay canonical)
      out += ',';
      append_key(out, "reseeded");
      append_bool(out, true);
    }
    out += '}';
  }
  out += "],";
  append_key(out, "ratio");
  append_json_string(out, o.ratio);
  out += ',';
  append_key(out, "amount_in");
  append_fixed8(out, o.amount_in);
  out += ',';
  append_key(out, "amount_out");
  append_fixed8(out, o.amount_out);
  out += ',';
  append_key(out, "profit");
  append_fixed8(out, o.profit);
  out += ',';
  append_key(out, "rounding");
  append_json_string(out, o.rounding);
  if (o.suppressed != suppress_reason::none) {  // only when set: absent means actionable
    out += ',';
    append_key(out, "suppressed");
    append_json_string(out, journal_name(o.suppressed));
  }
}

void serialize_body(std::string& out, const checkpoint_record& c) {
  out += "\"type\":\"checkpoint\",";
  append_key(out, "time_ns");
  append_i64(out, c.time_ns);
  out += ',';
  append_key(out, "counters");
  out += c.counters_json;
}

void serialize_body(std::string& out, const state_record& st) {
  out += "\"type\":\"state\",";
  append_key(out, "time_ns");
  append_i64(out, st.time_ns);
  out += ',';
  append_key(out, "from");
  append_json_string(out, journal_name(st.from));
  out += ',';
  append_key(out, "to");
  append_json_string(out, journal_name(st.to));
  out += ',';
  append_key(out, "trigger");
  append_json_string(out, journal_name(st.trigger));
  out += ',';
  append_key(out, "by");
  append_json_string(out, st.by);
  if (!st.triangle_name.empty()) {  // only for a quarantine
    out += ',';
    append_key(out, "triangle");
    append_json_string(out, st.triangle_name);
  }
  out += ',';
  append_key(out, "evidence");
  out += st.evidence_json;
}

void serialize_body(std::string& out, const order_record& o) {
  out += "\"type\":\"order\",";
  append_key(out, "time_ns");
  append_i64(out, o.time_ns);
  out += ',';
  append_key(out, "cycle");
  append_u64(out, o.cycle);
  out += ',';
  append_key(out, "leg");
  append_u64(out, o.leg);
  out += ',';
  append_key(out, "client_order_id");
  append_json_string(out, o.client_order_id);
  out += ',';
  append_key(out, "symbol");
  append_json_string(out, o.symbol);
  out += ',';
  append_key(out, "side");
  out += o.dir == side::buy ? "\"buy\"" : "\"sell\"";
  out += ',';
  append_key(out, "tif");
  append_json_string(out, to_string(o.tif));
  out += ',';
  append_key(out, "price");
  append_fixed8(out, o.price);
  out += ',';
  append_key(out, "quantity");
  append_fixed8(out, o.quantity);
  out += ',';
  append_key(out, "decision");
  append_json_string(out, o.decision);
}

void serialize_body(std::string& out, const fill_record& f) {
  out += "\"type\":\"fill\",";
  append_key(out, "time_ns");
  append_i64(out, f.time_ns);
  out += ',';
  append_key(out, "client_order_id");
  append_json_string(out, f.client_order_id);
  out += ',';
  append_key(out, "status");
  append_json_string(out, to_string(f.status));
  out += ',';
  append_key(out, "order_id");
  append_u64(out, f.order_id);
  out += ',';
  append_key(out, "executed_qty");
  append_fixed8(out, f.executed_qty);
  out += ',';
  append_key(out, "cumulative_quote");
  append_fixed8(out, f.cumulative_quote);
  out += ',';
  append_key(out, "fills");
  out += '[';
  for (std::size_t i = 0; i < f.fills.size(); ++i) {
    const journal_fill& t = f.fills[i];
    if (i != 0) out += ',';
    out += '{';
    append_key(out, "price");
    append_fixed8(out, t.price);
    out += ',';
    append_key(out, "qty");
    append_fixed8(out, t.qty);
    out += ',';
    append_key(out, "commission");
    append_fixed8(out, t.commission);
    out += ',';
    append_key(out, "commission_asset");
    append_json_string(out, t.commission_asset);
    out += ',';
    append_key(out, "trade_id");
    append_u64(out, t.trade_id);
    out += '}';
  }
  out += ']';
}

void serialize_body(std::string& out, const reject_record& r) {
  out += "\"type\":\"reject\",";
  append_key(out, "time_ns");
  append_i64(out, r.time_ns);
  out += ',';
  append_key(out, "client_order_id");
  append_json_string(out, r.client_order_id);
  out += ',';
  append_key(out, "code");
  append_i64(out, r.code);
  out += ',';
  append_key(out, "msg");
  append_json_string(out, r.msg);
  out += ',';
  append_key(out, "http_status");
  append_i64(out, r.http_status);
}

void serialize_body(std::string& out, const cycle_record& c) {
  out += "\"type\":\"cycle\",";
  append_key(out, "time_ns");
  append_i64(out, c.time_ns);
  out += ',';
  append_key(out, "cycle");
  append_u64(out, c.cycle);
  out += ',';
  append_key(out, "decision");
  append_json_string(out, c.decision);
  out += ',';
  append_key(out, "outcome");
  append_json_string(out, journal_name(c.outcome));
  out += ',';
  append_key(out, "start_asset");
  append_json_string(out, c.start_asset);
  out += ',';
  append_key(out, "expected_profit");
  append_fixed8(out, c.expected_profit);
  out += ',';
  append_key(out, "realised_profit");
  append_fixed8(out, c.realised_profit);
  out += ',';
  append_key(out, "residual");
  out += '{';
  bool first = true;
  for (const auto& [asset, amount] : c.residual) {  // std::map: byte order of the names
    if (!first) out += ',';
    first = false;
    append_json_string(out, asset);
    out += ':';
    append_fixed8(out, amount);
  }
  out += '}';
  if (!c.reason.empty()) {  // only when not done
    out += ',';
    append_key(out, "reason");
    append_json_string(out, c.reason);
  }
}

}  // namespace

namespace internal {

// digit+ ['.' digit+]
bool is_decimal(std::string_view s) noexcept {
  std::size_t i = 0;
  std::size_t int_digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++int_digits;
  if (int_digits == 0) return false;
  if (i == s.size()) return true;
  if (s[i] != '.') return false;
  ++i;
  const std::size_t frac_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  return i == s.size() && i > frac_start;
}

template <class Rec>
void canonical_body_to(std::string& out, std::uint64_t seq, const Rec& rec,
                       std::string_view prev_hash) {
  out += "{\"seq\":";
  append_u64(out, seq);
  out += ',';
  serialize_body(out, rec);
  out += ",\"prev_hash\":\"";
  out += prev_hash;
  out += "\"}";
}

template void canonical_body_to(std::string&, std::uint64_t, const genesis_record&,
                                std::string_view);
template void canonical_body_to(std::string&, std::uint64_t, const opportunity_record&,
                                std::string_view);
template void canonical_body_to(std::string&, std::uint64_t, const checkpoint_record&,
                                std::string_view);
template void canonical_body_to(std::string&, std::uint64_t, const state_record&, std::string_view);
template void canonical_body_to(std::string&, std::uint64_t, const order_record&, std::string_view);
template void canonical_body_to(std::string&, std::uint64_t, const fill_record&, std::string_view);
template void canonical_body_to(std::string&, std::uint64_t, const reject_record&,
                                std::string_view);
template void canonical_body_to(std::string&, std::uint64_t, const cycle_record&, std::string_view);

}  // namespace internal

namespace {

void canonical_body_to(std::string& out, std::uint64_t seq, const record_body& body,
                       std::string_view prev_hash) {
  // Qualified: unqualified lookup would stop at this overload and recurse.
  std::visit([&](const auto& b) { internal::canonical_body_to(out, seq, b, prev_hash); }, body);
}

// Field-by-field parse of the canonical order with simdjson On-Demand
// (find_field only searches forward, so order is enforced).
class field_reader {
 public:
  explicit field_reader(simdjson::ondemand::object obj) : obj_(obj) {}
  std::string error;

  bool str(std::string_view key, std::string& out) {
    std::string_view v;
    if (auto e = obj_.find_field(key).get_string().get(v)) return fail(key, e);
    out.assign(v);
    return true;
  }
  bool u64(std::string_view key, std::uint64_t& out) {
    if (auto e = obj_.find_field(key).get_uint64().get(out)) return fail(key, e);
    return true;
  }
  bool i64(std::string_view key, std::int64_t& out) {
    if (auto e = obj_.find_field(key).get_int64().get(out)) return fail(key, e);
    return true;
  }
  bool i32(std::string_view key, std::int32_t& out) {
    std::int64_t v = 0;
    if (!i64(key, v)) return false;
    if (v < std::numeric_limits<std::int32_t>::min() ||
        v > std::numeric_limits<std::int32_t>::max()) {
      error = std::string(key) + ": " + std::to_string(v) + " is out of the 32-bit range";
      return false;
    }
    out = static_cast<std::int32_t>(v);
    return true;
  }
  bool boolean(std::string_view key, bool& out) {
    if (auto e = obj_.find_field(key).get_bool().get(out)) return fail(key, e);
    return true;
  }
  // An optional key: absent leaves out false. A present "reseeded":false
  // parses, and the caller's canonical check rejects it (the writer omits it).
  bool optional_boolean(std::string_view key, bool& out) {
    out = false;
    auto field = obj_.find_field(key);
    if (field.error() == simdjson::NO_SUCH_FIELD) return true;
    if (auto e = field.get_bool().get(out)) return fail(key, e);
    return true;
  }
  // An optional key at a fixed place, then the keys after it: absent leaves
  // out empty and the object where it was (find_field_unordered wraps round
  // and stops where it began); present out of place, the caller's canonical
  // check rejects the line.
  bool optional_str(std::string_view key, std::string& out, bool& present) {
    out.clear();
    present = false;
    auto field = obj_.find_field_unordered(key);
    if (field.error() == simdjson::NO_SUCH_FIELD) return true;
    std::string_view v;
    if (auto e = field.get_string().get(v)) return fail(key, e);
    out.assign(v);
    present = true;
    return true;
  }
  // One of an enum's journal names.
  template <class Enum, std::size_t N>
  bool name(std::string_view key, Enum& out, std::string_view names) {
    std::string s;
    if (!str(key, s)) return false;
    const std::optional<Enum> e = parse_name<Enum, N>(s);
    if (!e) {
      error = std::string(key) + ": \"" + s + "\" is not " + std::string(names);
      return false;
    }
    out = *e;
    return true;
  }
  // A JSON object, its raw text (verbatim, as the writer embedded it).
  bool raw_object(std::string_view key, std::string& out) {
    simdjson::ondemand::object o;
    std::string_view raw;
    if (auto e = obj_.find_field(key).get_object().get(o)) return fail(key, e);
    if (auto e = o.raw_json().get(raw)) return fail(key, e);
    out.assign(raw);
    return true;
  }
  bool fix(std::string_view key, fixed8& out) {
    std::string s;
    if (!str(key, s)) return false;
    fixed8_result r = parse_fixed8(s);
    if (!r.ok()) {
      error = std::string(key) + ": " + std::string(to_string(r.ec)) + " in \"" + s + "\"";
      return false;
    }
    out = r.value;
    return true;
  }
  simdjson::ondemand::object& obj() { return obj_; }
  bool fail(std::string_view key, simdjson::error_code e) {
    error = std::string(key) + ": " + simdjson::error_message(e);
    return false;
  }

 private:
  simdjson::ondemand::object obj_;
};

bool parse_leg(simdjson::ondemand::object o, journal_leg& l, std::string& err) {
  field_reader f(o);
  std::string dir;
  bool ok = f.str("symbol", l.symbol) && f.str("side", dir) && f.fix("price", l.price) &&
            f.fix("book_qty", l.book_qty) && f.fix("fill_qty", l.fill_qty) &&
            f.u64("update_id", l.update_id) && f.i64("age_ns", l.age_ns) &&
            f.boolean("valid", l.valid) && f.boolean("qty_capped", l.qty_capped) &&
            f.optional_boolean("reseeded", l.reseeded);
  if (!ok) {
    err = f.error;
    return false;
  }
  if (dir == "buy") {
    l.dir = side::buy;
  } else if (dir == "sell") {
    l.dir = side::sell;
  } else {
    err = "side: \"" + dir + "\" is neither buy nor sell";
    return false;
  }
  return true;
}

// Parses the fields of one record (hash already checked by the caller).
bool parse_fields(std::string_view line, journal_record& rec, std::string& err) {
  thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(line);
  simdjson::ondemand::document doc;
  if (auto e = parser.iterate(padded).get(doc)) {
    err = std::string("not JSON: ") + simdjson::error_message(e);
    return false;
  }
  simdjson::ondemand::object obj;
  if (auto e = doc.get_object().get(obj)) {
    err = std::string("not a JSON object: ") + simdjson::error_message(e);
    return false;
  }
  field_reader f(obj);
  std::string type;
  if (!f.u64("seq", rec.seq) || !f.str("type", type)) {
    err = f.error;
    return false;
  }
  bool ok = false;
  if (type == "genesis") {
    genesis_record g;
    std::string reason;
    ok = f.i64("time_ns", g.time_ns) && f.str("reason", reason) && f.str("version", g.version) &&
         f.str("config_sha256", g.config_sha256) && f.str("config", g.config) &&
         f.str("universe", g.universe);
    if (ok) {
      auto r = parse_reason(reason);
      if (!r) {
        err = "reason: \"" + reason + "\" is not start, restart or rotation";
        return false;
      }
      g.reason = *r;
      if (!is_hash(g.config_sha256)) {
        err = "config_sha256: not 64 lower-case hex digits";
        return false;
      }
      if (sha256_hex(g.config) != g.config_sha256) {
        err = "config_sha256 is not the SHA-256 of config";
        return false;
      }
    }
    rec.body = std::move(g);
  } else if (type == "opportunity") {
    opportunity_record o;
    std::uint64_t tri = 0;
    ok = f.i64("time_ns", o.time_ns) && f.u64("triangle_id", tri) &&
         f.str("triangle", o.triangle_name);
    if (ok && tri > 0xFFFF'FFFFu) {
      err = "triangle_id: out of range";
      return false;
    }
    o.triangle = static_cast<triangle_id>(tri);
    if (ok) {
      simdjson::ondemand::array legs;
      if (auto e = f.obj().find_field("legs").get_array().get(legs)) {
        err = std::string("legs: ") + simdjson::error_message(e);
        return false;
      }
      std::size_t n = 0;
      for (auto leg_value : legs) {
        simdjson::ondemand::object lo;
        if (auto e = leg_value.get_object().get(lo)) {
          err = std::string("legs: ") + simdjson::error_message(e);
          return false;
        }
        if (n == 3) {
          err = "legs: more than 3";
          return false;
        }
        std::string leg_err;
        if (!parse_leg(lo, o.legs[n], leg_err)) {
          err = "legs[" + std::to_string(n) + "]." + leg_err;
          return false;
        }
        ++n;
      }
      if (n != 3) {
        err = "legs: " + std::to_string(n) + " instead of 3";
        return false;
      }
      std::string suppressed;
      bool has_suppressed = false;
      ok = f.str("ratio", o.ratio) && f.fix("amount_in", o.amount_in) &&
           f.fix("amount_out", o.amount_out) && f.fix("profit", o.profit) &&
           f.str("rounding", o.rounding) &&
           f.optional_str("suppressed", suppressed, has_suppressed);
      if (ok && !is_decimal(o.ratio)) {
        err = "ratio: \"" + o.ratio + "\" is not an exact decimal";
        return false;
      }
      if (ok && has_suppressed) {
        // "" (none) is never written: absence means actionable.
        const auto r = parse_name<suppress_reason, kSuppressReasons>(suppressed);
        if (!r) {
          err = "suppressed: \"" + suppressed +
                "\" is not reducing, halted or quarantined (absent means actionable)";
          return false;
        }
        o.suppressed = *r;
      }
    }
    rec.body = std::move(o);
  } else if (type == "checkpoint") {
    checkpoint_record c;
    ok = f.i64("time_ns", c.time_ns);
    if (ok) {
      simdjson::ondemand::object counters;
      std::string_view raw;
      if (auto e = f.obj().find_field("counters").get_object().get(counters)) {
        err = std::string("counters: ") + simdjson::error_message(e);
        return false;
      }
      if (auto e = counters.raw_json().get(raw)) {
        err = std::string("counters: ") + simdjson::error_message(e);
        return false;
      }
      c.counters_json.assign(raw);
    }
    rec.body = std::move(c);
  } else if (type == "state") {
    state_record st;
    bool has_triangle = false;
    ok = f.i64("time_ns", st.time_ns) &&
         f.name<trading_state, kTradingStates>("from", st.from, "active, reducing or halted") &&
         f.name<trading_state, kTradingStates>("to", st.to, "active, reducing or halted") &&
         f.name<guard_trigger, kGuardTriggers>("trigger", st.trigger,
                                               "repeat, rate, feed_health, journal or manual") &&
         f.str("by", st.by) && f.optional_str("triangle", st.triangle_name, has_triangle) &&
         f.raw_object("evidence", st.evidence_json);
    if (ok && has_triangle && st.triangle_name.empty()) {
      err = "triangle: \"\" (absent when the record names no triangle)";
      return false;
    }
    if (!ok) {
      err = f.error;
      return false;
    }
    rec.body = std::move(st);
  } else if (type == "order") {
    order_record o;
    std::uint64_t leg = 0;
    std::string dir, tif;
    ok = f.i64("time_ns", o.time_ns) && f.u64("cycle", o.cycle) && f.u64("leg", leg) &&
         f.str("client_order_id", o.client_order_id) && f.str("symbol", o.symbol) &&
         f.str("side", dir) && f.str("tif", tif) && f.fix("price", o.price) &&
         f.fix("quantity", o.quantity) && f.str("decision", o.decision);
    if (!ok) {
      err = f.error;
      return false;
    }
    if (leg > 3) {
      err = "leg: " + std::to_string(leg) + " (must be 1, 2 or 3)";
      return false;
    }
    o.leg = static_cast<std::uint8_t>(leg);
    if (dir == "buy") {
      o.dir = side::buy;
    } else if (dir == "sell") {
      o.dir = side::sell;
    } else {
      err = "side: \"" + dir + "\" is neither buy nor sell";
      return false;
    }
    if (tif == to_string(time_in_force::ioc)) {
      o.tif = time_in_force::ioc;
    } else if (tif == to_string(time_in_force::fok)) {
      o.tif = time_in_force::fok;
    } else {
      err = "tif: \"" + tif + "\" is neither IOC nor FOK";
      return false;
    }
    rec.body = std::move(o);
  } else if (type == "fill") {
    fill_record fr;
    std::string status;
    ok = f.i64("time_ns", fr.time_ns) && f.str("client_order_id", fr.client_order_id) &&
         f.str("status", status) && f.u64("order_id", fr.order_id) &&
         f.fix("executed_qty", fr.executed_qty) && f.fix("cumulative_quote", fr.cumulative_quote);
    if (!ok) {
      err = f.error;
      return false;
    }
    const std::optional<order_status> st = parse_status(status);
    if (!st) {
      err = "status: \"" + status + "\" is not an order status (FILLED, EXPIRED, ...)";
      return false;
    }
    fr.status = *st;
    simdjson::ondemand::array fills;
    if (auto e = f.obj().find_field("fills").get_array().get(fills)) {
      err = std::string("fills: ") + simdjson::error_message(e);
      return false;
    }
    for (auto fill_value : fills) {
      simdjson::ondemand::object fo;
      if (auto e = fill_value.get_object().get(fo)) {
        err = std::string("fills: ") + simdjson::error_message(e);
        return false;
      }
      if (fr.fills.size() == kMaxJournalFills) {
        err = "fills: more than " + std::to_string(kMaxJournalFills);
        return false;
      }
      journal_fill t;
      field_reader ff(fo);
      if (!(ff.fix("price", t.price) && ff.fix("qty", t.qty) &&
            ff.fix("commission", t.commission) && ff.str("commission_asset", t.commission_asset) &&
            ff.u64("trade_id", t.trade_id))) {
        err = "fills[" + std::to_string(fr.fills.size()) + "]." + ff.error;
        return false;
      }
      fr.fills.push_back(std::move(t));
    }
    rec.body = std::move(fr);
  } else if (type == "reject") {
    reject_record rj;
    ok = f.i64("time_ns", rj.time_ns) && f.str("client_order_id", rj.client_order_id) &&
         f.i32("code", rj.code) && f.str("msg", rj.msg) && f.i32("http_status", rj.http_status);
    if (!ok) {
      err = f.error;
      return false;
    }
    rec.body = std::move(rj);
  } else if (type == "cycle") {
    cycle_record c;
    std::string outcome;
    ok = f.i64("time_ns", c.time_ns) && f.u64("cycle", c.cycle) && f.str("decision", c.decision) &&
         f.str("outcome", outcome) && f.str("start_asset", c.start_asset) &&
         f.fix("expected_profit", c.expected_profit) && f.fix("realised_profit", c.realised_profit);
    if (!ok) {
      err = f.error;
      return false;
    }
    const auto o = parse_name<cycle_end, kCycleEnds>(outcome);
    if (!o) {
      err = "outcome: \"" + outcome + "\" is not done, residual or missed";
      return false;
    }
    c.outcome = *o;
    simdjson::ondemand::object residual;
    if (auto e = f.obj().find_field("residual").get_object().get(residual)) {
      err = std::string("residual: ") + simdjson::error_message(e);
      return false;
    }
    for (auto field : residual) {
      std::string_view key;
      std::string_view value;
      if (auto e = field.unescaped_key().get(key)) {
        err = std::string("residual: ") + simdjson::error_message(e);
        return false;
      }
      const std::string asset(key);
      if (auto e = field.value().get_string().get(value)) {
        err = "residual[" + asset + "]: " + simdjson::error_message(e);
        return false;
      }
      const fixed8_result amount = parse_fixed8(value);
      if (!amount.ok()) {
        err = "residual[" + asset + "]: " + std::string(to_string(amount.ec)) + " in \"" +
              std::string(value) + "\"";
        return false;
      }
      if (c.residual.size() == kMaxJournalResidual) {
        err = "residual: more than " + std::to_string(kMaxJournalResidual) + " assets";
        return false;
      }
      // A repeated or misordered name collapses here: the canonical check refuses the line.
      c.residual[asset] = amount.value;
    }
    bool has_reason = false;
    if (!f.optional_str("reason", c.reason, has_reason)) {
      err = f.error;
      return false;
    }
    if (has_reason && c.reason.empty()) {
      err = "reason: \"\" (absent when the cycle is done)";
      return false;
    }
    rec.body = std::move(c);
  } else {
    err = "type: \"" + type +
          "\" is not genesis, opportunity, checkpoint, state, order, fill, reject or cycle";
    return false;
  }
  if (!ok || !f.str("prev_hash", rec.prev_hash) || !f.str("hash", rec.hash)) {
    err = f.error;
    return false;
  }
  if (!is_hash(rec.prev_hash)) {
    err = "prev_hash: not 64 lower-case hex digits";
    return false;
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------
// Format
// ---------------------------------------------------------------------------

std::string sha256_hex(std::string_view bytes) {
  std::string out(64, '0');
  sha256_hex_to(bytes, out.data());
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the current run of characters written as is
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

std::string canonical_body(std::uint64_t seq, const record_body& body, std::string_view prev_hash) {
  std::string out;
  canonical_body_to(out, seq, body, prev_hash);
  return out;
}

std::string format_line(std::uint64_t seq, const record_body& body, std::string_view prev_hash,
                        std::string* hash_out) {
  std::string line;
  line.reserve(1024);
  canonical_body_to(line, seq, body, prev_hash);
  char hex[64];
  sha256_hex_to(line, hex);
  line.pop_back();  // the final '}'
  line += kHashKey;
  line.append(hex, 64);
  line += "\"}\n";
  if (hash_out != nullptr) hash_out->assign(hex, 64);
  return line;
}

record_parse_result parse_record(std::string_view line) {
  record_parse_result r;
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  const std::size_t n = line.size();
  if (n < kHashSuffixLen + 2 || line.substr(n - kHashSuffixLen, kHashKey.size()) != kHashKey ||
      line.substr(n - 2) != "\"}" || line.front() != '{' ||
      !is_hash(line.substr(n - kHashSuffixLen + kHashKey.size(), 64))) {
    r.ec = journal_errc::garbage;
    r.detail = "not a journal record (no {...,\"hash\":\"<64 hex>\"} form)";
    return r;
  }
  const std::string_view stated = line.substr(n - kHashSuffixLen + kHashKey.size(), 64);
  std::string body(line.substr(0, n - kHashSuffixLen));
  body += '}';
  const std::string actual = sha256_hex(body);
  if (actual != stated) {
    r.ec = journal_errc::edited;
    r.detail = "hash does not match the line (line says " + std::string(stated) +
               ", its bytes hash to " + actual + ")";
    return r;
  }
  std::string err;
  if (!parse_fields(line, r.record, err)) {
    r.ec = journal_errc::malformed;
    r.detail = std::move(err);
    return r;
  }
  // The fields parse structurally (an embedded object is only skipped over):
  // refuse what a writer would refuse ({"a":tru}, {"a":01}, nesting over
  // 1,024), so the reader and the documented checker agree on every line.
  std::string why = std::visit(
      [](const auto& b) -> std::string {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, genesis_record>) {
          return {};
        } else {
          return invalid_reason(b);
        }
      },
      r.record.body);
  if (!why.empty()) {
    r.ec = journal_errc::malformed;
    r.detail = std::move(why);
    return r;
  }
  const std::string canon = canonical_body(r.record.seq, r.record.body, r.record.prev_hash);
  if (canon != body) {
    r.ec = journal_errc::not_canonical;
    r.detail = "the hash matches but the line is not in canonical form";
    return r;
  }
  return r;
}

}  // namespace triarb
