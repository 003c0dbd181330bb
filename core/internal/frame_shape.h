// internal/frame_shape: frame_parser's shape-specialised fast path. It reads
// the two bookTicker shapes exactly as the exchange writes them (Binance's
// spot streams and sim/market.cc's encode_frame), a word (8 bytes) at a time
// where it can: fixed literals compared as masked words, each value's closing
// quote found by a word scan, digits converted eight at a time (reads stay
// within kFramePadding past the end; frame_shape.cc says how):
//
//   raw:      {"u":<digits>,"s":"<NAME>","b":"<dec>","B":"<dec>","a":"<dec>","A":"<dec>"}
//   combined: {"stream":"<name>@bookTicker","data":<raw>}
//
// and answers only when the frame is one of them, with no white space, no
// escape, no other field and nothing after it, and is a quote under every rule
// of frame_parser.h (known symbol, stream naming it, u a plain integer that
// fits 64 bits, decimals the fixed8 grammar accepts, no zero price with a
// quantity, no crossed book). Anything else -- every error frame included --
// is declined, and frame_parser's general path decides. Where it answers, its
// result is the general path's (fuzz/frame_parser_fast.cc and
// properties/frame_parser_properties.cc check this).
//
// Not part of the API: frame_parser::parse() and parse_fast() use it.
//
// Thread safety: pure functions; symbols is read only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/fixed8.h"
#include "core/frame_parser.h"
#include "core/symbol_table.h"

namespace triarb::internal {

// The fast path. True with out set to the quote, or false (declined, out
// unspecified). REQUIRES: data[0, size + kFramePadding) is readable.
[[nodiscard]] bool parse_frame_shape(const symbol_table& symbols, const char* data,
                                     std::size_t size, frame_result& out) noexcept;

// The fast path's decimal: the content of a JSON string starting at p (after
// its opening quote), up to its closing quote, read as parse_unsigned_fixed8
// (price) or parse_qty_capped (quantity) would read that content. Returns the
// byte after the closing quote with value (and capped) set, or nullptr when
// the content is anything those functions refuse, holds a backslash, or has
// no closing quote before end. REQUIRES: p <= end, and [p, end +
// kFramePadding) is readable.
enum class decimal_kind : std::uint8_t { price, quantity };
[[nodiscard]] const char* parse_fast_decimal(const char* p, const char* end, decimal_kind kind,
                                             fixed8& value, bool& capped) noexcept;

}  // namespace triarb::internal
