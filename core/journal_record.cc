// journal_record: canonical serialisation of a record, the SHA-256 of its
// line, and parsing a line back (simdjson On-Demand). See journal_record.h
// and docs/journal-format.md.
#include "core/journal_record.h"

#include <simdjson.h>

#include <charconv>
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
  } else {
    err = "type: \"" + type + "\" is not genesis, opportunity, checkpoint or state";
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
