// frame_parser: a shape-specialised fast path, then simdjson On-Demand over
// a padded frame buffer, with exact decimal conversion. See frame_parser.h
// for the contract and precedence.
//
// Three layers. The shape path (internal/frame_shape.h) reads the two exact
// byte shapes the exchange sends without a JSON parser and answers only
// quotes; it declines anything else. The general path (parse_validating)
// then decides, in two steps. Its fast step handles any field order: it
// walks the fields once with On-Demand, matches raw keys by their first byte,
// keeps raw tokens and converts them straight into fixed8. It returns a quote
// only when every rule of the contract is met; at the first surprise
// (unknown key, duplicate, wrong type, escape, bad number, zero price,
// crossed book, ...) it gives up, and the slow step re-parses the frame from
// scratch, validates every byte of the first JSON value, and applies the
// precedence list of the header literally. Errors are rare, so only the
// quote paths need to be fast.
#include "core/frame_parser.h"

#include <simdjson.h>

#include <cstring>
#include <new>
#include <vector>

#include "core/fixed8.h"
#include "core/internal/frame_shape.h"

static_assert(triarb::kFramePadding >= simdjson::SIMDJSON_PADDING,
              "frame_buffer padding must cover simdjson's read-ahead");

namespace triarb {

namespace od = simdjson::ondemand;

namespace internal {
namespace {

inline bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
inline bool is_digit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }

// raw_json_token() runs up to the next structural character, so it includes
// trailing white space; this removes it.
inline std::string_view strip(std::string_view t) noexcept {
  while (!t.empty() && is_ws(t.back())) t.remove_suffix(1);
  return t;
}

// The content between the quotes of a stripped string token. REQUIRES: the
// token starts with '"'. Returns false when the token does not end in '"'.
inline bool string_content(std::string_view tok, std::string_view& out) noexcept {
  if (tok.size() < 2 || tok.back() != '"') return false;
  out = tok.substr(1, tok.size() - 2);
  return true;
}

// "u": a plain non-negative integer that fits 64 bits. REQUIRES: tok is a
// grammatically valid JSON number (slow step) or is checked here (fast step:
// digits only, no leading zero).
inline bool parse_update_id(std::string_view tok, std::uint64_t& out) noexcept {
  if (tok.empty() || tok.size() > 20) return false;
  if (tok[0] == '0' && tok.size() > 1) return false;
  std::uint64_t v = 0;
  for (const char c : tok) {
    if (!is_digit(c)) return false;
    if (__builtin_mul_overflow(v, std::uint64_t{10}, &v) ||
        __builtin_add_overflow(v, static_cast<std::uint64_t>(c - '0'), &v)) {
      return false;
    }
  }
  out = v;
  return true;
}

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view t) noexcept {
  std::size_t i = 0;
  const std::size_t n = t.size();
  if (i < n && t[i] == '-') ++i;
  if (i >= n) return false;
  if (t[i] == '0') {
    ++i;
  } else if (is_digit(t[i])) {
    while (i < n && is_digit(t[i])) ++i;
  } else {
    return false;
  }
  if (i < n && t[i] == '.') {
    ++i;
    const std::size_t b = i;
    while (i < n && is_digit(t[i])) ++i;
    if (i == b) return false;
  }
  if (i < n && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < n && (t[i] == '+' || t[i] == '-')) ++i;
    const std::size_t b = i;
    while (i < n && is_digit(t[i])) ++i;
    if (i == b) return false;
  }
  return i == n;
}

// Scans string content (between the quotes): false on a raw control
// character; sets escaped when a backslash appears (the caller then lets
// simdjson check the escapes).
inline bool scan_string(std::string_view content, bool& escaped) noexcept {
  escaped = false;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const auto c = static_cast<unsigned char>(content[i]);
    if (c < 0x20) return false;
    if (c == '\\') {
      escaped = true;
      ++i;  // the escaped character is checked by simdjson's unescaping
    }
  }
  return true;
}

// True when nothing but white space follows the part of the document read
// so far (simdjson 3.0.1's document has no public at_end()).
inline bool at_end(od::document& doc) noexcept {
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

frame_errc price_error(fixed8_errc ec) noexcept {
  switch (ec) {
    case fixed8_errc::sign:
      return frame_errc::negative_number;
    case fixed8_errc::overflow:
      return frame_errc::price_overflow;
    default:
      return frame_errc::bad_number;
  }
}

frame_result make_error(frame_errc ec, symbol_id id = kNoSymbol) noexcept {
  frame_result r;
  r.kind = id == kNoSymbol ? frame_kind::unattributed_error : frame_kind::attributed_error;
  r.error = ec;
  r.symbol = id;
  return r;
}

frame_result make_control(control_kind c) noexcept {
  frame_result r;
  r.kind = frame_kind::control;
  r.control = c;
  return r;
}

// Body field slots, in the order rule 10 checks them (s is handled apart).
enum body_field : int { kU = 0, kS = 1, kBid = 2, kBidQty = 3, kAsk = 4, kAskQty = 5, kBodyFields };

// The common shape of an exchange decimal, converted in one pass: 1-10
// integer digits, optionally '.' and 1-8 fraction digits. Ten integer digits
// keep the value below fixed8::max(), so no overflow check is needed.
// Returns false for anything else (the caller then uses the general parser
// from fixed8.h, which decides the value or the error).
inline bool common_decimal(std::string_view s, std::int64_t& raw) noexcept {
  static constexpr std::uint64_t kPow10[9] = {100000000, 10000000, 1000000, 100000, 10000,
                                              1000,      100,      10,      1};
  const char* p = s.data();
  const char* const end = p + s.size();
  const char* const int_begin = p;
  std::uint64_t int_part = 0;
  while (p < end && is_digit(*p)) int_part = int_part * 10 + static_cast<std::uint64_t>(*p++ - '0');
  const auto int_digits = static_cast<std::size_t>(p - int_begin);
  if (int_digits == 0 || int_digits > 10) return false;
  std::uint64_t frac = 0;
  std::size_t frac_digits = 0;
  if (p < end) {
    if (*p++ != '.') return false;
    const char* const frac_begin = p;
    while (p < end && is_digit(*p)) frac = frac * 10 + static_cast<std::uint64_t>(*p++ - '0');
    frac_digits = static_cast<std::size_t>(p - frac_begin);
    if (frac_digits == 0 || frac_digits > 8 || p != end) return false;
  }
  raw = static_cast<std::int64_t>(int_part * 100000000 + frac * kPow10[frac_digits]);
  return true;
}

inline fixed8_result price_of(std::string_view s) noexcept {
  std::int64_t raw;
  if (common_decimal(s, raw)) return {fixed8::from_raw(raw), fixed8_errc::ok};
  return parse_unsigned_fixed8(s);
}

inline qty_result qty_of(std::string_view s) noexcept {
  std::int64_t raw;
  if (common_decimal(s, raw)) return {fixed8::from_raw(raw), fixed8_errc::ok, false};
  return parse_qty_capped(s);
}

// The semantic checks shared by both paths once the six tokens are known to
// be of the right type: numbers and rules 11-12. Returns ok with q filled,
// or the first error in rule order. prices/quantities are the string
// contents (no escapes, checked by the caller).
frame_errc convert(std::string_view u_tok, const std::string_view (&text)[kBodyFields],
                   quote& q) noexcept {
  if (!parse_update_id(u_tok, q.update_id)) return frame_errc::bad_update_id;
  const fixed8_result bid = price_of(text[kBid]);
  if (!bid.ok()) return price_error(bid.ec);
  const qty_result bid_qty = qty_of(text[kBidQty]);
  if (!bid_qty.ok()) return price_error(bid_qty.ec);
  const fixed8_result ask = price_of(text[kAsk]);
  if (!ask.ok()) return price_error(ask.ec);
  const qty_result ask_qty = qty_of(text[kAskQty]);
  if (!ask_qty.ok()) return price_error(ask_qty.ec);
  if (bid.value.is_zero() && !bid_qty.value.is_zero()) return frame_errc::zero_price;
  if (ask.value.is_zero() && !ask_qty.value.is_zero()) return frame_errc::zero_price;
  if (!bid.value.is_zero() && !ask.value.is_zero() && bid.value > ask.value) {
    return frame_errc::crossed_book;
  }
  q.bid = bid.value;
  q.bid_qty = bid_qty.value;
  q.ask = ask.value;
  q.ask_qty = ask_qty.value;
  q.qty_capped = bid_qty.capped || ask_qty.capped;
  return frame_errc::ok;
}

// ---------------------------------------------------------------- slow step

// One member of an object as the slow step records it.
struct member {
  std::string_view key;  // raw bytes between the quotes
  bool key_escaped = false;
  char type = 0;         // '{' '[' '"' '0' (number) 't' 'f' 'n'
  std::string_view tok;  // stripped raw token; for '{' '[' only the bracket
  bool escaped = false;  // string value with a backslash
};

class slow_walker {
 public:
  // Validates v completely. m (optional) receives its type and token;
  // children (optional) receives the members of v if it is an object.
  bool walk(od::value v, int depth, member* m, std::vector<member>* children) {
    const std::string_view tok = strip(v.raw_json_token());
    if (tok.empty()) return false;
    const char c = tok[0];
    if (m != nullptr) {
      m->tok = tok;
      m->type = (c == '-' || is_digit(c)) ? '0' : c;
    }
    switch (c) {
      case '{': {
        if (depth + 1 > frame_parser::kMaxDepth) return false;
        od::object o;
        if (v.get_object().get(o) != simdjson::SUCCESS) return false;
        return walk_members(o, depth + 1, children);
      }
      case '[': {
        if (depth + 1 > frame_parser::kMaxDepth) return false;
        od::array a;
        if (v.get_array().get(a) != simdjson::SUCCESS) return false;
        for (auto er : a) {
          od::value e;
          if (std::move(er).get(e) != simdjson::SUCCESS) return false;
          if (!walk(e, depth + 1, nullptr, nullptr)) return false;
        }
        return true;
      }
      case '"': {
        std::string_view content;
        bool escaped = false;
        if (!string_content(tok, content) || !scan_string(content, escaped)) return false;
        // Always consume a string: simdjson skips an unconsumed string that
        // is followed by ':' as if it were a key ("[\"a\":1}]" would pass).
        std::string_view unescaped;
        if (v.get_string().get(unescaped) != simdjson::SUCCESS) return false;
        if (m != nullptr) m->escaped = escaped;
        return true;
      }
      default:
        return scalar_ok(tok);
    }
  }

  bool walk_members(od::object o, int depth, std::vector<member>* out) {
    for (auto fr : o) {
      od::field f;
      if (std::move(fr).get(f) != simdjson::SUCCESS) return false;
      member m;
      if (!read_key(f, m)) return false;
      // The first "data" object of the top level is recorded for the body.
      std::vector<member>* grandchildren = nullptr;
      if (depth == 1 && !data_seen_ && !m.key_escaped && m.key == "data") {
        data_seen_ = true;
        grandchildren = &data_;
      }
      if (!walk(f.value(), depth, &m, grandchildren)) return false;
      if (out != nullptr) out->push_back(m);
    }
    return true;
  }

  static bool scalar_ok(std::string_view tok) noexcept {
    return tok == "true" || tok == "false" || tok == "null" || is_json_number(tok);
  }

  std::vector<member>& data() noexcept { return data_; }

 private:
  static bool read_key(od::field& f, member& m) {
    const char* k = f.key().raw();
    std::size_t i = 0;
    bool escaped = false;
    // Stage 1 guarantees the key's closing quote exists.
    for (;;) {
      const auto c = static_cast<unsigned char>(k[i]);
      if (c == '"') break;
      if (c < 0x20) return false;
      if (c == '\\') {
        escaped = true;
        i += 2;
        continue;
      }
      ++i;
    }
    m.key = std::string_view(k, i);
    m.key_escaped = escaped;
    if (escaped) {
      std::string_view unescaped;
      if (f.unescaped_key().get(unescaped) != simdjson::SUCCESS) return false;
    }
    return true;
  }

  bool data_seen_ = false;
  std::vector<member> data_;
};

const member* find_member(const std::vector<member>& v, std::string_view name) noexcept {
  for (const member& m : v) {
    if (!m.key_escaped && m.key == name) return &m;
  }
  return nullptr;
}
std::size_t count_member(const std::vector<member>& v, std::string_view name) noexcept {
  std::size_t n = 0;
  for (const member& m : v) n += (!m.key_escaped && m.key == name) ? 1 : 0;
  return n;
}

constexpr std::string_view kBodyNames[kBodyFields] = {"u", "s", "b", "B", "a", "A"};

// Rule 8's exception: the known symbol a combined stream name subscribes
// ("bnbusdt@bookTicker" -> BNBUSDT: the part before the suffix, ASCII
// upper-cased), or kNoSymbol. REQUIRES: rule 7 passed, so the stream ends in
// the suffix (in any case).
symbol_id stream_symbol(const symbol_table& symbols, std::string_view stream) noexcept {
  if (stream.size() < symbol_table::kStreamSuffix.size()) return kNoSymbol;
  const std::string_view part =
      stream.substr(0, stream.size() - symbol_table::kStreamSuffix.size());
  if (part.size() > symbol_table::kMaxNameLength) return kNoSymbol;
  char upper[symbol_table::kMaxNameLength];
  for (std::size_t i = 0; i < part.size(); ++i) {
    const char c = part[i];
    upper[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return symbols.find(std::string_view(upper, part.size()));
}

// Rules 4-12 on a fully validated document.
frame_result decide(const symbol_table& symbols, const std::vector<member>& top,
                    const std::vector<member>& data) {
  const bool combined = count_member(top, "stream") + count_member(top, "data") > 0;
  bool raw_shape = false;
  for (const std::string_view n : kBodyNames) raw_shape = raw_shape || count_member(top, n) > 0;
  if (!combined && !raw_shape) {
    if (count_member(top, "result") > 0 && count_member(top, "id") > 0) {
      return make_control(control_kind::subscription_response);
    }
    for (const member& m : top) {
      if (!m.key_escaped && m.key == "e" && m.type == '"' && !m.escaped &&
          m.tok == "\"serverShutdown\"") {
        return make_control(control_kind::server_shutdown);
      }
    }
    return make_error(frame_errc::unknown_message);
  }
  std::string_view stream;
  const std::vector<member>* body = &top;
  if (combined) {
    if (count_member(top, "stream") > 1 || count_member(top, "data") > 1) {
      return make_error(frame_errc::duplicate_field);
    }
    const member* st = find_member(top, "stream");
    const member* da = find_member(top, "data");
    if (st == nullptr || da == nullptr) return make_error(frame_errc::missing_field);
    if (st->type != '"') return make_error(frame_errc::wrong_type);
    if (st->escaped) return make_error(frame_errc::escape_in_string);
    if (da->type != '{') return make_error(frame_errc::not_object);
    (void)string_content(st->tok, stream);
    body = &data;
  }
  // Rule 6: the symbol.
  const std::size_t s_count = count_member(*body, "s");
  if (s_count > 1) return make_error(frame_errc::duplicate_field);
  const member* s = find_member(*body, "s");
  if (s == nullptr) return make_error(frame_errc::missing_field);
  if (s->type != '"') return make_error(frame_errc::wrong_type);
  if (s->escaped) return make_error(frame_errc::escape_in_string);
  std::string_view name;
  (void)string_content(s->tok, name);
  if (combined && !symbol_table::stream_names_symbol(stream, name)) {
    return make_error(frame_errc::stream_mismatch);
  }
  const symbol_id id = symbols.find(name);
  if (id == kNoSymbol) {
    // Rule 8: "s" differs only by case from the tracked symbol whose stream
    // this is; a tracked update was lost, so the connection is invalidated.
    if (combined && stream_symbol(symbols, stream) != kNoSymbol) {
      return make_error(frame_errc::stream_mismatch);
    }
    return make_error(frame_errc::unknown_symbol);
  }
  // Rules 9-10, attributed.
  const member* f[kBodyFields] = {};
  for (int i = 0; i < kBodyFields; ++i) {
    if (count_member(*body, kBodyNames[i]) > 1) return make_error(frame_errc::duplicate_field, id);
  }
  for (int i = 0; i < kBodyFields; ++i) {
    f[i] = find_member(*body, kBodyNames[i]);
    if (f[i] == nullptr) return make_error(frame_errc::missing_field, id);
  }
  if (f[kU]->type != '0') return make_error(frame_errc::wrong_type, id);
  std::uint64_t update_id = 0;
  if (!parse_update_id(f[kU]->tok, update_id)) return make_error(frame_errc::bad_update_id, id);
  // From here the update id is known: a failure carries it (see frame_result).
  auto failed = [&](frame_errc ec) {
    frame_result e = make_error(ec, id);
    e.update_id_known = true;
    e.failed_update_id = update_id;
    return e;
  };
  std::string_view text[kBodyFields] = {};
  for (const int i : {kBid, kBidQty, kAsk, kAskQty}) {
    if (f[i]->type != '"') return failed(frame_errc::wrong_type);
    if (f[i]->escaped) return failed(frame_errc::escape_in_string);
    (void)string_content(f[i]->tok, text[i]);
    // Number errors for this field come before type errors of later fields.
    if (i == kBid || i == kAsk) {
      const fixed8_result p = parse_unsigned_fixed8(text[i]);
      if (!p.ok()) return failed(price_error(p.ec));
    } else {
      const qty_result p = parse_qty_capped(text[i]);
      if (!p.ok()) return failed(price_error(p.ec));
    }
  }
  frame_result r;
  const frame_errc ec = convert(f[kU]->tok, text, r.q);
  if (ec != frame_errc::ok) return failed(ec);
  r.kind = frame_kind::quote;
  r.symbol = id;
  r.q.symbol = id;
  return r;
}

}  // namespace

struct frame_parser_impl {
  explicit frame_parser_impl(const symbol_table& s) : symbols(s) {}

  const symbol_table& symbols;
  od::parser parser;

  frame_result parse(const char* data, std::size_t size) noexcept {
    frame_result r;
    if (parse_frame_shape(symbols, data, size, r)) return r;
    return parse_validating(data, size);
  }

  frame_result parse_validating(const char* data, std::size_t size) noexcept {
    frame_result r;
    if (parse_ondemand(data, size, r)) return r;
    return parse_slow(data, size);
  }

  // ------------------------------------------- general path, fast step
  // Records one body field by its one-byte raw key. False at any surprise.
  static bool fast_field(const char* k, od::field& f, std::string_view (&tok)[kBodyFields],
                         unsigned& seen) noexcept {
    if (k[1] != '"') return false;
    int i;
    switch (k[0]) {
      case 'u':
        i = kU;
        break;
      case 's':
        i = kS;
        break;
      case 'b':
        i = kBid;
        break;
      case 'B':
        i = kBidQty;
        break;
      case 'a':
        i = kAsk;
        break;
      case 'A':
        i = kAskQty;
        break;
      default:
        return false;
    }
    const unsigned bit = 1U << i;
    if ((seen & bit) != 0) return false;
    seen |= bit;
    tok[i] = f.value().raw_json_token();
    return followed_by_separator(tok[i]);
  }

  // The fast step never consumes the scalar values it reads as raw tokens,
  // and simdjson's skipping of an unconsumed value is lax: a string followed
  // by ':' is skipped as if it were a key, swallowing what follows
  // ({"A":"1":{}} would parse). A value inside an object must be followed by
  // ',' or '}'; the raw token ends at the next structural character, which is
  // inside the buffer or its padding.
  static bool followed_by_separator(std::string_view raw_tok) noexcept {
    const char next = raw_tok.data()[raw_tok.size()];
    return next == ',' || next == '}';
  }

  static constexpr unsigned kAllBody = (1U << kBodyFields) - 1;

  bool parse_ondemand(const char* data, std::size_t size, frame_result& r) noexcept {
    od::document doc;
    if (parser.iterate(data, size, size + kFramePadding).get(doc) != simdjson::SUCCESS) {
      return false;
    }
    od::object top;
    if (doc.get_object().get(top) != simdjson::SUCCESS) return false;
    std::string_view tok[kBodyFields];
    std::string_view stream_tok;
    unsigned seen = 0;      // body fields seen (raw shape or inside data)
    bool top_body = false;  // body fields seen at the top level (raw shape)
    bool combined = false;  // stream or data seen at the top
    bool have_stream = false;
    bool have_data = false;
    for (auto fr : top) {
      od::field f;
      if (std::move(fr).get(f) != simdjson::SUCCESS) return false;
      const char* k = f.key().raw();
      if (k[0] == 's' && k[1] != '"') {
        // Body fields before the wrapper: not a combined frame the fast step
        // may accept (the slow step applies rules 4-6).
        if (top_body) return false;
        if (std::memcmp(k, "stream\"", 7) != 0 || have_stream) return false;
        have_stream = combined = true;
        stream_tok = f.value().raw_json_token();
        if (!followed_by_separator(stream_tok)) return false;
      } else if (k[0] == 'd') {
        if (top_body) return false;
        if (std::memcmp(k, "data\"", 5) != 0 || have_data) return false;
        have_data = combined = true;
        od::object body;
        if (f.value().get_object().get(body) != simdjson::SUCCESS) return false;
        for (auto br : body) {
          od::field bf;
          if (std::move(br).get(bf) != simdjson::SUCCESS) return false;
          if (!fast_field(bf.key().raw(), bf, tok, seen)) return false;
        }
        if (seen != kAllBody) return false;
      } else {
        if (combined) return false;
        if (!fast_field(k, f, tok, seen)) return false;
        top_body = true;
      }
    }
    if (combined ? !(have_stream && have_data) : seen != kAllBody) return false;
    if (!at_end(doc)) return false;

    std::string_view text[kBodyFields];
    const std::string_view u_tok = strip(tok[kU]);
    for (const int i : {kS, kBid, kBidQty, kAsk, kAskQty}) {
      const std::string_view t = strip(tok[i]);
      if (t.empty() || t[0] != '"' || !string_content(t, text[i])) return false;
    }
    // A found name is printable ASCII without quote or backslash, so the
    // string is valid and unescaped.
    // The name lies inside the frame buffer, followed by at least its
    // closing quote and kFramePadding readable bytes.
    static_assert(kFramePadding >= symbol_table::kPaddedRead);
    const symbol_id id = symbols.find_padded(text[kS].data(), text[kS].size());
    // An unknown name is rare: the slow step decides between unknown_symbol
    // and rule 8's stream_mismatch (a known stream with a mis-cased "s").
    if (id == kNoSymbol) return false;
    if (combined) {
      std::string_view stream;
      const std::string_view st = strip(stream_tok);
      if (st.empty() || st[0] != '"' || !string_content(st, stream)) return false;
      if (!symbol_table::stream_names_symbol(stream, text[kS])) return false;
      // stream matched name + "@bookTicker" case-insensitively: it consists
      // of printable ASCII without quote or backslash, a valid plain string.
    }
    // convert() accepts only digits and '.', so a success also proves the
    // four strings are valid and unescaped.
    if (convert(u_tok, text, r.q) != frame_errc::ok) return false;
    r.kind = frame_kind::quote;
    r.symbol = id;
    r.q.symbol = id;
    return true;
  }

  // ------------------------------------------- general path, slow step
  frame_result parse_slow(const char* data, std::size_t size) noexcept {
    try {
      return parse_slow_throwing(data, size);
    } catch (const std::bad_alloc&) {
      return make_error(frame_errc::not_json);  // out of memory on a frame: drop it loudly
    }
  }

  // simdjson's root getters look at the LAST structural character to catch
  // truncation ("{...} x" fails get_object() as if truncated), so the slow
  // path cannot tell trailing content from a truncated value at the root.
  // It parses "[" + frame + "\n]" instead: the frame's first value is the
  // array's first element, and anything after it (a second element, a
  // missing comma, a stray "]") is trailing content. Stage-1 failures
  // (invalid UTF-8, an unterminated string) fail the whole input either way.
  frame_result parse_slow_throwing(const char* data, std::size_t size) {
    scratch_.assign(size + 3 + kFramePadding, '\0');
    scratch_[0] = '[';
    if (size != 0) std::memcpy(scratch_.data() + 1, data, size);
    scratch_[size + 1] = '\n';
    scratch_[size + 2] = ']';
    const std::size_t len = size + 3;
    od::document doc;
    if (parser.iterate(scratch_.data(), len, scratch_.size()).get(doc) != simdjson::SUCCESS) {
      return make_error(frame_errc::not_json);
    }
    od::array wrapper;
    if (doc.get_array().get(wrapper) != simdjson::SUCCESS) return make_error(frame_errc::not_json);
    slow_walker w;
    std::vector<member> top;
    member root;
    bool first = true;
    bool trailing = false;
    for (auto er : wrapper) {
      od::value e;
      const bool ok = std::move(er).get(e) == simdjson::SUCCESS;
      if (!first) {
        trailing = true;  // a second element, or garbage where ',' or ']' belongs
        break;
      }
      if (!ok) return make_error(frame_errc::not_json);  // nothing valid at all ("", "]")
      first = false;
      std::string_view t = strip(e.raw_json_token());
      if (!t.empty() && t[0] == '{') {
        od::object o;
        if (e.get_object().get(o) != simdjson::SUCCESS) return make_error(frame_errc::not_json);
        if (!w.walk_members(o, 1, &top)) return make_error(frame_errc::not_json);
        root.type = '{';
      } else {
        if (!w.walk(e, 0, &root, nullptr)) return make_error(frame_errc::not_json);
        // A top-level array left open ("[1,2") is closed by the wrapper's
        // ']' and leaves nothing after it: that is truncation, not trailing.
        const char* next = nullptr;
        if (root.type == '[' && doc.current_location().get(next) != simdjson::SUCCESS) {
          return make_error(frame_errc::not_json);
        }
      }
    }
    if (first) return make_error(frame_errc::not_json);  // "[\n]": the frame was empty
    if (trailing || !at_end(doc)) return make_error(frame_errc::trailing_content);
    if (root.type != '{') return make_error(frame_errc::not_object);
    return decide(symbols, top, w.data());
  }

  std::vector<char> scratch_;  // the slow step's wrapped copy of the frame
};

}  // namespace internal

std::string_view to_string(frame_kind k) noexcept {
  switch (k) {
    case frame_kind::quote:
      return "quote";
    case frame_kind::attributed_error:
      return "attributed_error";
    case frame_kind::unattributed_error:
      return "unattributed_error";
    case frame_kind::control:
      return "control";
  }
  return "unknown";
}

std::string_view to_string(control_kind k) noexcept {
  switch (k) {
    case control_kind::none:
      return "none";
    case control_kind::subscription_response:
      return "subscription_response";
    case control_kind::server_shutdown:
      return "server_shutdown";
  }
  return "unknown";
}

frame_buffer::frame_buffer(std::size_t capacity)
    : data_(new char[capacity + kFramePadding]()), capacity_(capacity) {}

std::span<char> frame_buffer::prepare(std::size_t n) {
  if (capacity_ - size_ < n) {
    std::size_t cap = capacity_ * 2;
    if (cap < size_ + n) cap = size_ + n;
    std::unique_ptr<char[]> bigger(new char[cap + kFramePadding]());
    std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = cap;
  }
  return {data_.get() + size_, n};
}

void frame_buffer::assign(std::string_view s) {
  clear();
  const std::span<char> room = prepare(s.size());
  if (!s.empty()) std::memcpy(room.data(), s.data(), s.size());
  commit(s.size());
}

frame_parser::frame_parser(const symbol_table& symbols)
    : impl_(std::make_unique<internal::frame_parser_impl>(symbols)) {}

frame_parser::~frame_parser() = default;

frame_result frame_parser::parse(const frame_buffer& buf) noexcept {
  return impl_->parse(buf.data(), buf.size());
}

frame_result frame_parser::parse_padded(const char* data, std::size_t size) noexcept {
  return impl_->parse(data, size);
}

std::optional<frame_result> frame_parser::parse_fast(const frame_buffer& buf) const noexcept {
  frame_result r;
  if (internal::parse_frame_shape(impl_->symbols, buf.data(), buf.size(), r)) return r;
  return std::nullopt;
}

frame_result frame_parser::parse_validating(const frame_buffer& buf) noexcept {
  return impl_->parse_validating(buf.data(), buf.size());
}

}  // namespace triarb
