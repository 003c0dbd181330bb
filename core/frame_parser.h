// frame_parser: one WebSocket text frame from the bookTicker stream -> exactly
// one frame_result (a quote, an attributed error, an unattributed error, or a
// control message). This is the producer side of docs/design.md, contract 1.
//
//   symbol_table symbols({"BNBUSDT", "BTCUSDT"});
//   frame_parser parser(symbols);
//   frame_buffer buf;
//   std::span<char> room = buf.prepare(n); /* read n bytes into room */ buf.commit(n);
//   frame_result r = parser.parse(buf);
//   switch (r.kind) {
//     case frame_kind::quote:              book.write(r.q); break;           // count qty_capped
//     case frame_kind::attributed_error:   book.invalidate(r.symbol); break;
//     case frame_kind::unattributed_error:
//       if (r.error != frame_errc::unknown_symbol) invalidate_connection(); break;
//     case frame_kind::control:            handle(r.control); break;
//   }
//
// Accepted shapes (field order free, unknown extra fields ignored):
//   raw:      {"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000",
//              "a":"25.36520000","A":"40.66000000"}
//   combined: {"stream":"bnbusdt@bookTicker","data":{<raw>}}
//   control:  {"result":<any>,"id":<any>}  (subscription response)
//             {"e":"serverShutdown",...}
// Ping/pong are WebSocket control frames and never reach this parser.
//
// Two paths, one contract. parse() first tries the fast path (parse_fast):
// the two shapes exactly as the exchange writes them -- fields in the order
// u, s, b, B, a, A, the combined wrapper as above, no white space, no escape,
// nothing else -- read without a JSON parser, a word (8 bytes) at a time where
// it can: literals compared as words, each value's closing quote found by a
// word scan, digits converted eight at a time. It answers only a
// quote and declines everything else (other order, white space, extra
// fields, any error). Then the general path (parse_validating) decides. Where
// the fast path answers, its result equals parse_validating()'s in every
// field (fuzz/frame_parser_fast.cc, properties/frame_parser_properties.cc).
//
// CONTRACT 1 (parser -> book). Every frame ends in exactly one result:
//  - frame_kind::quote: r.q is a quote for a known symbol (r.symbol == r.q.symbol).
//    Prices are exact (parsed from the raw decimal text, never through double)
//    and never saturate; a quantity above fixed8::max() is fixed8::max() and
//    r.q.qty_capped is set (the caller counts feed_counter::qty_capped).
//    A side with price 0 and quantity 0 is an empty side and is valid.
//  - frame_kind::attributed_error: r.error says why; r.symbol is the known
//    symbol the frame named. The caller invalidates that symbol.
//  - frame_kind::unattributed_error: r.error says why; no tracked symbol can be
//    named. The caller invalidates every symbol on the connection — EXCEPT for
//    frame_errc::unknown_symbol: the frame named (readably) a symbol outside
//    the universe, so no tracked update was lost; count it, invalidate nothing.
//  - frame_kind::control: r.control says which message; not an error.
//
// ATTRIBUTION. An error is attributed iff the quote body has exactly one "s",
// its value is a string without backslash escapes, it names a known symbol,
// and (combined shape) the wrapper is well formed and "stream" names that
// same symbol. If "s" is readable but not in the universe, the result is
// unknown_symbol whatever else is wrong with the body -- except in the
// combined shape when the stream names a known symbol (rule 8): "s" differs
// from a tracked symbol only by case ("bnbusdt" on bnbusdt@bookTicker), so a
// tracked update was lost and the result is stream_mismatch, which
// invalidates the connection. A raw frame has no stream to name the symbol:
// there "s":"bnbusdt" stays unknown_symbol (lookup is case-sensitive).
//
// PRECEDENCE (the first rule that applies decides; fields are matched by
// their raw key bytes, so a key written with an escape such as "\u0073" is an
// unknown field, ignored):
//   1. not_json: the input is not valid UTF-8; or contains an unterminated
//      string or a byte below 0x20 inside a string (quotes counted with
//      backslash escapes, over the whole input, trailing bytes included: this
//      is what simdjson's first stage checks); or the first JSON value is missing,
//      malformed, truncated, has a raw control character in a string, or is
//      nested deeper than kMaxDepth. The whole first value is validated,
//      including ignored fields. A top-level number or literal is one token
//      running to the next white space or one of {}[]:, (simdjson 3.0.1
//      also ends a token at the bytes 0x0C and 0x1A), so "21-3" and
//      "1\"a\"" are malformed (not_json), while "\"a\"1" and "1 2" have
//      trailing content.
//   2. trailing_content: anything but JSON white space after the first value.
//   3. not_object: the top value is not an object.
//   4. Shape: the top object has a key "stream" or "data" -> combined;
//      else a key u, s, b, B, a or A -> raw quote; else keys "result" and "id"
//      -> control subscription_response; else a key "e" whose value is the
//      string "serverShutdown" -> control server_shutdown; else
//      unknown_message.
//   5. Combined wrapper (unattributed): "stream" or "data" twice ->
//      duplicate_field; either absent -> missing_field; "stream" not a string
//      -> wrong_type; "stream" with an escape -> escape_in_string; "data" not
//      an object -> not_object.
//   6. The body's "s" (unattributed): twice -> duplicate_field; absent ->
//      missing_field; not a string -> wrong_type; escaped -> escape_in_string.
//   7. Combined: "stream" is not s + "@bookTicker" (ASCII case-insensitive)
//      -> stream_mismatch (unattributed).
//   8. s not in the universe -> unknown_symbol (unattributed); but in the
//      combined shape, if the stream's symbol part ("stream" without its
//      "@bookTicker" suffix, ASCII upper-cased) is in the universe ->
//      stream_mismatch (unattributed): the frame came on a tracked stream.
//   From here errors are attributed to s:
//   9. any of u, b, B, a, A twice -> duplicate_field; then any absent ->
//      missing_field.
//  10. Field by field in the order u, b, B, a, A, the first bad one decides:
//      u: not a number -> wrong_type; a number that is not a plain
//         non-negative integer fitting 64 bits (sign, fraction, exponent,
//         too big) -> bad_update_id.
//      b, B, a, A: not a string -> wrong_type; a backslash -> escape_in_string;
//         then the text is parsed by parse_unsigned_fixed8 (prices b, a) or
//         parse_qty_capped (quantities B, A): a sign -> negative_number;
//         price overflow -> price_overflow; any other error (exponent, bad
//         character, empty, missing digits, more than 8 fraction digits) ->
//         bad_number.
//  11. zero_price: a side with price 0 and quantity != 0 (bid side first).
//  12. crossed_book: bid > ask with both prices non-zero (bid == ask is fine).
//
// Thread safety: a frame_parser is used by one thread (the feed thread); the
// symbol_table it reads is immutable. Different parsers are independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "core/frame_buffer.h"
#include "core/frame_error.h"
#include "core/quote.h"
#include "core/symbol_table.h"

namespace triarb {

enum class frame_kind : std::uint8_t { quote, attributed_error, unattributed_error, control };

enum class control_kind : std::uint8_t {
  none,
  subscription_response,  // {"result":null,"id":1}
  server_shutdown,        // {"e":"serverShutdown",...}
};

[[nodiscard]] std::string_view to_string(frame_kind k) noexcept;
[[nodiscard]] std::string_view to_string(control_kind k) noexcept;

// Exactly one of the four kinds. Only values, no views into the frame.
struct [[nodiscard]] frame_result {
  frame_kind kind = frame_kind::unattributed_error;
  frame_errc error = frame_errc::ok;          // ok iff kind is quote or control
  control_kind control = control_kind::none;  // set iff kind == control
  symbol_id symbol = kNoSymbol;               // set iff kind is quote or attributed_error
  quote q;                                    // meaningful iff kind == quote
  // Attributed errors only: the frame's "u" was read (rules 10-12 failed
  // after it), so failed_update_id is the update id of the book state this
  // frame would have carried. The book must not accept that id or an older
  // one again: an older frame delivered later is not current either.
  bool update_id_known = false;
  std::uint64_t failed_update_id = 0;

  [[nodiscard]] bool is_quote() const noexcept { return kind == frame_kind::quote; }
  [[nodiscard]] bool is_error() const noexcept {
    return kind == frame_kind::attributed_error || kind == frame_kind::unattributed_error;
  }
};

namespace internal {
struct frame_parser_impl;
}

class frame_parser {
 public:
  // Containers nested deeper than this (the top object is depth 1) are not_json.
  static constexpr int kMaxDepth = 32;

  // REQUIRES: symbols outlives the parser.
  explicit frame_parser(const symbol_table& symbols);
  ~frame_parser();
  frame_parser(const frame_parser&) = delete;
  frame_parser& operator=(const frame_parser&) = delete;

  // Parses buf.view(). The result holds no views into buf.
  [[nodiscard]] frame_result parse(const frame_buffer& buf) noexcept;
  // REQUIRES: data[0, size + kFramePadding) is readable.
  [[nodiscard]] frame_result parse_padded(const char* data, std::size_t size) noexcept;

  // The two paths of parse(), apart (tests, the differential fuzz target,
  // benchmarks). parse_fast: the quote, or std::nullopt when it declines.
  // parse_validating: every shape and every rule, without the fast path.
  [[nodiscard]] std::optional<frame_result> parse_fast(const frame_buffer& buf) const noexcept;
  [[nodiscard]] frame_result parse_validating(const frame_buffer& buf) noexcept;

 private:
  std::unique_ptr<internal::frame_parser_impl> impl_;
};

}  // namespace triarb
