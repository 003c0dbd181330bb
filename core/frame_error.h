// frame_errc: why a WebSocket frame did not become a quote. One value per
// cause; telemetry keeps one counter per value (parse_errors.<name>).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace triarb {

enum class frame_errc : std::uint8_t {
  ok = 0,
  not_json,          // not a JSON document: syntax, truncation, bad UTF-8, empty
  trailing_content,  // anything but white space after the document
  not_object,        // the document (or "data") is not an object
  unknown_message,   // an object that is neither a quote nor a known control message
  missing_field,     // one of u, s, b, B, a, A (or stream/data) is absent
  duplicate_field,   // a field appears twice
  wrong_type,        // a number where a string is expected, or the reverse
  escape_in_string,  // a backslash escape inside a symbol or numeric string
  bad_update_id,     // "u" is not a non-negative integer that fits 64 bits
  bad_number,        // a price or quantity string that is not a plain decimal
  negative_number,   // a price or quantity with a sign
  price_overflow,    // a price above fixed8::max() (prices never saturate)
  zero_price,        // a price of zero with a non-zero quantity (0/0 is an empty side)
  crossed_book,      // bid > ask with both sides present
  stream_mismatch,   // the combined-stream name disagrees with data.s (also: s is a tracked
                     // symbol mis-cased, frame_parser.h rule 8)
  unknown_symbol,    // a well-formed quote for a symbol not in the universe
  kCount,
};
inline constexpr std::size_t kFrameErrcCount = static_cast<std::size_t>(frame_errc::kCount);

[[nodiscard]] constexpr std::string_view to_string(frame_errc ec) noexcept {
  switch (ec) {
    case frame_errc::ok:
      return "ok";
    case frame_errc::not_json:
      return "not_json";
    case frame_errc::trailing_content:
      return "trailing_content";
    case frame_errc::not_object:
      return "not_object";
    case frame_errc::unknown_message:
      return "unknown_message";
    case frame_errc::missing_field:
      return "missing_field";
    case frame_errc::duplicate_field:
      return "duplicate_field";
    case frame_errc::wrong_type:
      return "wrong_type";
    case frame_errc::escape_in_string:
      return "escape_in_string";
    case frame_errc::bad_update_id:
      return "bad_update_id";
    case frame_errc::bad_number:
      return "bad_number";
    case frame_errc::negative_number:
      return "negative_number";
    case frame_errc::price_overflow:
      return "price_overflow";
    case frame_errc::zero_price:
      return "zero_price";
    case frame_errc::crossed_book:
      return "crossed_book";
    case frame_errc::stream_mismatch:
      return "stream_mismatch";
    case frame_errc::unknown_symbol:
      return "unknown_symbol";
    case frame_errc::kCount:
      break;
  }
  return "unknown";
}

}  // namespace triarb
