// Fuzz target for frame_parser, with an oracle: the same bytes are decoded
// independently with Boost.JSON (a SAX handler that keeps duplicate keys and
// raw number text) and the rules of frame_parser.h are applied to that tree
// in a slow, obviously right way. The target aborts if the two disagree on
// the kind, the error, the attributed symbol, the control message, or any
// value of an accepted quote.
//
// Independent parts of the oracle: JSON validity and structure (Boost.JSON),
// UTF-8 validation and the quote/escape scan (written out below), decimal
// conversion (digit by digit into boost::multiprecision::cpp_int), the
// precedence list (re-implemented from the header). Shared: the symbol
// universe (symbol_table) — it has its own unit tests.
//
// Three stage-1 properties of simdjson hold for the WHOLE input, trailing
// bytes included, and are part of the contract (rule 1): invalid UTF-8, an
// unterminated string, and a control character inside a string make the
// frame not_json.
//
//   build/fuzz/fuzz/fuzz_frame_parser -dict=fuzz/frame_parser.dict corpus/frame_parser
//   build/default/fuzz/fuzz_frame_parser corpus/frame_parser       # replay
#include "core/frame_parser.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/src.hpp>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"

namespace {

using triarb::control_kind;
using triarb::frame_errc;
using triarb::frame_kind;
using triarb::frame_result;
using triarb::kNoSymbol;
using triarb::symbol_id;
using big = boost::multiprecision::cpp_int;

// ------------------------------------------------------------ the JSON tree

struct jnode {
  enum class type { object, array, string, number, boolean, null } t = type::null;
  std::vector<std::string> keys;  // object keys, duplicates kept, in order
  std::vector<jnode> values;      // parallel to keys
  std::vector<bool> key_escaped;  // parallel to keys
  std::vector<jnode> elements;
  std::string text;  // decoded string, or the number's exact source text
  bool escaped = false;
};

// Builds a jnode tree from Boost.JSON's SAX events. Escape flags come from
// a separate scan of the raw bytes (Boost reports decoded text only): the
// i-th string or key event is the i-th string in the document.
struct tree_handler {
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  std::vector<jnode> stack;           // open containers
  std::vector<std::string> keys;      // pending key per open object
  std::vector<bool> pending_escaped;  // escape flag of that key
  std::unique_ptr<jnode> root;
  std::string buf;
  std::string number;
  const std::vector<bool>* escapes = nullptr;  // per string, in document order
  std::size_t string_index = 0;

  bool next_escape() {
    const bool e = string_index < escapes->size() && (*escapes)[string_index];
    ++string_index;
    return e;
  }
  void add(jnode n) {
    if (stack.empty()) {
      root = std::make_unique<jnode>(std::move(n));
    } else if (stack.back().t == jnode::type::object) {
      stack.back().keys.push_back(keys.back());
      stack.back().values.push_back(std::move(n));
      stack.back().key_escaped.push_back(pending_escaped.back());
    } else {
      stack.back().elements.push_back(std::move(n));
    }
  }
  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_array_begin(boost::json::error_code&) {
    jnode n;
    n.t = jnode::type::array;
    stack.push_back(std::move(n));
    keys.emplace_back();
    pending_escaped.push_back(false);
    return true;
  }
  bool on_array_end(std::size_t, boost::json::error_code&) { return close(); }
  bool on_object_begin(boost::json::error_code&) {
    jnode n;
    n.t = jnode::type::object;
    stack.push_back(std::move(n));
    keys.emplace_back();
    pending_escaped.push_back(false);
    return true;
  }
  bool on_object_end(std::size_t, boost::json::error_code&) { return close(); }
  bool close() {
    jnode n = std::move(stack.back());
    stack.pop_back();
    keys.pop_back();
    pending_escaped.pop_back();
    add(std::move(n));
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    buf.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    buf.append(s.data(), s.size());
    jnode n;
    n.t = jnode::type::string;
    n.text = std::move(buf);
    buf.clear();
    n.escaped = next_escape();
    add(std::move(n));
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    buf.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    buf.append(s.data(), s.size());
    keys.back() = std::move(buf);
    buf.clear();
    pending_escaped.back() = next_escape();
    return true;
  }
  bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool finish_number(boost::json::string_view s) {
    number.append(s.data(), s.size());
    jnode n;
    n.t = jnode::type::number;
    n.text = std::move(number);
    number.clear();
    add(std::move(n));
    return true;
  }
  bool on_int64(std::int64_t, boost::json::string_view s, boost::json::error_code&) {
    return finish_number(s);
  }
  bool on_uint64(std::uint64_t, boost::json::string_view s, boost::json::error_code&) {
    return finish_number(s);
  }
  bool on_double(double, boost::json::string_view s, boost::json::error_code&) {
    return finish_number(s);
  }
  bool on_bool(bool, boost::json::error_code&) {
    jnode n;
    n.t = jnode::type::boolean;
    add(std::move(n));
    return true;
  }
  bool on_null(boost::json::error_code&) {
    add(jnode{});
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return false; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return false; }
};

// ------------------------------------------------------------ byte-level rules

// RFC 3629 UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    const std::uint32_t min[4] = {0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

// Scans the bytes the way a JSON lexer sees strings: '"' opens and closes,
// a backslash consumes the next byte (anywhere, as simdjson's escape parity
// does). Records, per string in order, whether it contained a backslash.
// Returns false if the input ends inside a string or a string holds a byte
// below 0x20 (escaped or not), anywhere in the input.
bool scan_strings(std::string_view s, std::vector<bool>* escapes) {
  bool in = false;
  bool esc = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (in && static_cast<unsigned char>(s[i]) < 0x20) return false;
    if (s[i] == '\\') {
      if (in) {
        esc = true;
        if (i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0x20) return false;
      }
      ++i;
      continue;
    }
    if (s[i] == '"') {
      if (in && escapes != nullptr) escapes->push_back(esc);
      in = !in;
      esc = false;
    }
  }
  return !in;
}

bool is_json_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int depth_of(const jnode& n) {
  int d = 0;
  for (const auto& v : n.values) d = std::max(d, depth_of(v));
  for (const auto& e : n.elements) d = std::max(d, depth_of(e));
  const bool container = n.t == jnode::type::object || n.t == jnode::type::array;
  return d + (container ? 1 : 0);
}

// ------------------------------------------------------------ semantic rules

struct expectation {
  frame_kind kind = frame_kind::unattributed_error;
  frame_errc error = frame_errc::ok;
  control_kind control = control_kind::none;
  symbol_id symbol = kNoSymbol;
  std::uint64_t u = 0;
  big bid, bid_qty, ask, ask_qty;  // raw units of 10^-8
  bool capped = false;
};

expectation unattributed(frame_errc ec) {
  expectation e;
  e.error = ec;
  return e;
}
expectation attributed(frame_errc ec, symbol_id id) {
  expectation e;
  e.kind = frame_kind::attributed_error;
  e.error = ec;
  e.symbol = id;
  return e;
}

std::vector<const jnode*> members_named(const jnode& obj, std::string_view name) {
  std::vector<const jnode*> out;
  for (std::size_t i = 0; i < obj.keys.size(); ++i) {
    if (!obj.key_escaped[i] && obj.keys[i] == name) out.push_back(&obj.values[i]);
  }
  return out;
}

const big kMax = big(INT64_MAX);

// A price or quantity string, digit by digit: grammar digit+ ('.' digit{1,8})?.
// Returns ok with value (raw units) or the error the contract maps to.
frame_errc decimal(const std::string& s, bool is_price, big& value, bool& capped) {
  capped = false;
  // The first character outside digits-and-one-dot decides a syntax error.
  bool seen_dot = false;
  for (const char c : s) {
    if (c >= '0' && c <= '9') continue;
    if (c == '.' && !seen_dot) {
      seen_dot = true;
      continue;
    }
    return (c == '+' || c == '-') ? frame_errc::negative_number : frame_errc::bad_number;
  }
  const std::size_t dot = s.find('.');
  const std::string int_part = s.substr(0, dot);
  const std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  if (int_part.empty()) return frame_errc::bad_number;
  if (dot != std::string::npos && frac.empty()) return frame_errc::bad_number;
  if (frac.size() > 8) return frame_errc::bad_number;
  big v = 0;
  for (const char c : int_part) v = v * 10 + (c - '0');
  for (std::size_t k = 0; k < 8; ++k) v = v * 10 + (k < frac.size() ? frac[k] - '0' : 0);
  if (v > kMax) {
    if (is_price) return frame_errc::price_overflow;
    capped = true;
    v = kMax;
  }
  value = v;
  return frame_errc::ok;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
std::string lowered(std::string s) {
  for (char& c : s) c = lower(c);
  return s;
}

expectation decide(const triarb::symbol_table& symbols, const jnode& top) {
  const bool combined =
      !members_named(top, "stream").empty() || !members_named(top, "data").empty();
  bool raw_shape = false;
  for (const char* n : {"u", "s", "b", "B", "a", "A"}) raw_shape |= !members_named(top, n).empty();
  if (!combined && !raw_shape) {
    expectation e;
    e.kind = frame_kind::control;
    if (!members_named(top, "result").empty() && !members_named(top, "id").empty()) {
      e.control = control_kind::subscription_response;
      return e;
    }
    for (const jnode* v : members_named(top, "e")) {
      if (v->t == jnode::type::string && !v->escaped && v->text == "serverShutdown") {
        e.control = control_kind::server_shutdown;
        return e;
      }
    }
    return unattributed(frame_errc::unknown_message);
  }
  const jnode* body = &top;
  std::string stream;
  if (combined) {
    const auto st = members_named(top, "stream");
    const auto da = members_named(top, "data");
    if (st.size() > 1 || da.size() > 1) return unattributed(frame_errc::duplicate_field);
    if (st.empty() || da.empty()) return unattributed(frame_errc::missing_field);
    if (st[0]->t != jnode::type::string) return unattributed(frame_errc::wrong_type);
    if (st[0]->escaped) return unattributed(frame_errc::escape_in_string);
    if (da[0]->t != jnode::type::object) return unattributed(frame_errc::not_object);
    stream = st[0]->text;
    body = da[0];
  }
  const auto s = members_named(*body, "s");
  if (s.size() > 1) return unattributed(frame_errc::duplicate_field);
  if (s.empty()) return unattributed(frame_errc::missing_field);
  if (s[0]->t != jnode::type::string) return unattributed(frame_errc::wrong_type);
  if (s[0]->escaped) return unattributed(frame_errc::escape_in_string);
  const std::string& name = s[0]->text;
  if (combined && lowered(stream) != lowered(name + "@bookTicker")) {
    return unattributed(frame_errc::stream_mismatch);
  }
  symbol_id id = kNoSymbol;
  for (symbol_id i = 0; i < symbols.size(); ++i) {
    if (symbols.name(i) == name) id = i;
  }
  if (id == kNoSymbol) {
    // Rule 8: a mis-cased "s" on the stream of a known symbol lost a tracked
    // update. The stream ends in "@bookTicker" (any case) after rule 7.
    if (combined) {
      std::string upper = stream.substr(0, stream.size() - std::string("@bookTicker").size());
      for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      for (symbol_id i = 0; i < symbols.size(); ++i) {
        if (symbols.name(i) == upper) return unattributed(frame_errc::stream_mismatch);
      }
    }
    return unattributed(frame_errc::unknown_symbol);
  }
  const char* const order[] = {"u", "b", "B", "a", "A"};
  for (const char* n : order) {
    if (members_named(*body, n).size() > 1) return attributed(frame_errc::duplicate_field, id);
  }
  for (const char* n : order) {
    if (members_named(*body, n).empty()) return attributed(frame_errc::missing_field, id);
  }
  expectation q;
  q.kind = frame_kind::quote;
  q.symbol = id;
  const jnode* u = members_named(*body, "u")[0];
  if (u->t != jnode::type::number) return attributed(frame_errc::wrong_type, id);
  {
    const std::string& t = u->text;
    bool digits = !t.empty();
    for (const char c : t) digits = digits && c >= '0' && c <= '9';
    big v = 0;
    if (digits) {
      for (const char c : t) v = v * 10 + (c - '0');
    }
    if (!digits || v > big(UINT64_MAX)) return attributed(frame_errc::bad_update_id, id);
    q.u = static_cast<std::uint64_t>(v);
  }
  big* const values[] = {&q.bid, &q.bid_qty, &q.ask, &q.ask_qty};
  for (int i = 0; i < 4; ++i) {
    const jnode* f = members_named(*body, order[i + 1])[0];
    if (f->t != jnode::type::string) return attributed(frame_errc::wrong_type, id);
    if (f->escaped) return attributed(frame_errc::escape_in_string, id);
    bool capped = false;
    const frame_errc ec = decimal(f->text, i % 2 == 0, *values[i], capped);
    if (ec != frame_errc::ok) return attributed(ec, id);
    q.capped = q.capped || capped;
  }
  if (q.bid == 0 && q.bid_qty != 0) return attributed(frame_errc::zero_price, id);
  if (q.ask == 0 && q.ask_qty != 0) return attributed(frame_errc::zero_price, id);
  if (q.bid != 0 && q.ask != 0 && q.bid > q.ask) return attributed(frame_errc::crossed_book, id);
  return q;
}

// The whole contract, slowly.
expectation oracle(const triarb::symbol_table& symbols, std::string_view in, bool& defined) {
  defined = true;
  if (!valid_utf8(in) || !scan_strings(in, nullptr)) return unattributed(frame_errc::not_json);
  boost::json::parse_options opt;
  // The oracle's tree and depth_of() recurse: a cap keeps them far from the
  // stack's end on any input (100,000 '[' overflowed it). Anything deeper
  // than kMaxDepth is not_json for the parser under test, so Boost's too_deep
  // (below, as any other Boost error) is the same verdict; the exact
  // boundary is still judged by depth_of().
  opt.max_depth = triarb::frame_parser::kMaxDepth + 8;
  boost::json::basic_parser<tree_handler> p(opt);
  std::vector<bool> escapes;
  p.handler().escapes = &escapes;
  boost::json::error_code ec;
  // Escape flags first: scan only the bytes Boost accepts as the value.
  boost::json::basic_parser<tree_handler> probe(opt);
  std::vector<bool> ignored;
  probe.handler().escapes = &ignored;
  const std::size_t used = probe.write_some(false, in.data(), in.size(), ec);
  if (ec) {
    // Boost rejects an exponent too large for its integer; the grammar
    // allows it. Not a disagreement worth a crash: leave such inputs out.
    if (ec == boost::json::error::exponent_overflow) defined = false;
    return unattributed(frame_errc::not_json);
  }
  scan_strings(in.substr(0, used), &escapes);
  (void)p.write_some(false, in.data(), in.size(), ec);
  TRIARB_FUZZ_CHECK(!ec, "boost parsed the same bytes twice differently");
  const jnode& root = *p.handler().root;
  if (depth_of(root) > triarb::frame_parser::kMaxDepth) return unattributed(frame_errc::not_json);
  // A top-level number or literal is one token up to white space or one of
  // {}[]:, or the bytes 0x0C and 0x1A, which simdjson 3.0.1's classifier
  // also treats as structural (rule 1): "21-3" or "1\"a\"" is a malformed token, not a value
  // followed by trailing content, although Boost stops after "21".
  const bool bare = root.t == jnode::type::number || root.t == jnode::type::boolean ||
                    root.t == jnode::type::null;
  if (bare && used < in.size() && used > 0 && !is_json_ws(in[used - 1]) && !is_json_ws(in[used]) &&
      std::string_view("{}[]:,\x0c\x1a").find(in[used]) == std::string_view::npos) {
    return unattributed(frame_errc::not_json);
  }
  for (std::size_t i = used; i < in.size(); ++i) {
    if (!is_json_ws(in[i])) return unattributed(frame_errc::trailing_content);
  }
  if (root.t != jnode::type::object) return unattributed(frame_errc::not_object);
  return decide(symbols, root);
}

const triarb::symbol_table& universe() {
  static const triarb::symbol_table t{"BNBUSDT",  "BTCUSDT",  "LUNCUSDT",
                                      "ETHBTC",   "USDCUSDT", "LUNCUSDC",
                                      "SHIBUSDT", "A",        "ABCDEFGHIJKLMNOPQRST"};
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static triarb::frame_parser parser(universe());
  static triarb::frame_buffer buf;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  buf.assign(in);
  const frame_result got = parser.parse(buf);
  bool defined = true;
  const expectation want = oracle(universe(), in, defined);
  if (!defined) return 0;
  if (got.kind != want.kind || got.error != want.error || got.symbol != want.symbol ||
      got.control != want.control) {
    std::fprintf(
        stderr, "parser: %s %s symbol %u control %s\noracle: %s %s symbol %u control %s\n",
        std::string(to_string(got.kind)).c_str(), std::string(to_string(got.error)).c_str(),
        got.symbol, std::string(to_string(got.control)).c_str(),
        std::string(to_string(want.kind)).c_str(), std::string(to_string(want.error)).c_str(),
        want.symbol, std::string(to_string(want.control)).c_str());
    TRIARB_FUZZ_CHECK(false, "frame_parser and the Boost.JSON oracle disagree on the outcome");
  }
  if (got.kind == frame_kind::quote) {
    TRIARB_FUZZ_CHECK(got.q.symbol == want.symbol, "quote symbol");
    TRIARB_FUZZ_CHECK(got.q.update_id == want.u, "update id");
    TRIARB_FUZZ_CHECK(big(got.q.bid.raw()) == want.bid, "bid");
    TRIARB_FUZZ_CHECK(big(got.q.bid_qty.raw()) == want.bid_qty, "bid qty");
    TRIARB_FUZZ_CHECK(big(got.q.ask.raw()) == want.ask, "ask");
    TRIARB_FUZZ_CHECK(big(got.q.ask_qty.raw()) == want.ask_qty, "ask qty");
    TRIARB_FUZZ_CHECK(got.q.qty_capped == want.capped, "qty_capped");
  }
  return 0;
}
