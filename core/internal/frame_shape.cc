// internal/frame_shape: the shape-specialised fast path. See frame_shape.h
// for what it accepts; the rules it must agree with are frame_parser.h's.
//
// Every read stays inside [data, data + size + kFramePadding): literals are
// compared only when they fit before end, scans are bounded by end or read a
// fixed number of words (at most 32 bytes) from a position before end.
#include "core/internal/frame_shape.h"

#include <bit>
#include <cstring>

#include "core/frame_buffer.h"

namespace triarb::internal {
namespace {

static_assert(std::endian::native == std::endian::little, "the word scans assume little-endian");
static_assert(kFramePadding >= 32, "the word scans read up to 32 bytes from a position before end");
static_assert(kFramePadding >= symbol_table::kPaddedRead);

inline bool is_digit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }
inline unsigned digit(char c) noexcept { return static_cast<unsigned char>(c - '0'); }

inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// Consumes the literal s at p if it lies wholly before end.
template <std::size_t N>
inline bool eat(const char*& p, const char* end, const char (&s)[N]) noexcept {
  constexpr std::size_t n = N - 1;
  if (static_cast<std::size_t>(end - p) < n || std::memcmp(p, s, n) != 0) return false;
  p += n;
  return true;
}

// The index of the first '"' in the words words read from p, or 8 * words.
// The lowest flagged byte of the zero-byte test is always a real zero (a
// borrow only flags bytes above a real one), so the index is exact.
template <int Words>
inline std::size_t first_quote(const char* p) noexcept {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
  constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
  for (int k = 0; k < Words; ++k) {
    const std::uint64_t x = load8(p + 8 * k) ^ (kOnes * '"');
    const std::uint64_t t = (x - kOnes) & ~x & kHigh;
    if (t != 0) return static_cast<std::size_t>(8 * k + std::countr_zero(t) / 8);
  }
  return 8 * Words;
}

// Eight ASCII digits (simdjson's is_made_of_eight_digits_fast).
inline bool eight_digits(std::uint64_t w) noexcept {
  return ((w & 0xF0F0F0F0F0F0F0F0ULL) |
          (((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) == 0x3333333333333333ULL;
}

// Their value, first byte most significant (simdjson's parse_eight_digits_unrolled).
inline std::uint64_t eight_digits_value(std::uint64_t w) noexcept {
  constexpr std::uint64_t kMask = 0x000000FF000000FFULL;
  constexpr std::uint64_t kMul1 = 0x000F424000000064ULL;  // 100 + (1000000 << 32)
  constexpr std::uint64_t kMul2 = 0x0000271000000001ULL;  // 1 + (10000 << 32)
  w -= 0x3030303030303030ULL;
  w = (w * 10) + (w >> 8);
  return (((w & kMask) * kMul1) + (((w >> 16) & kMask) * kMul2)) >> 32;
}

constexpr std::uint64_t kPow10[9] = {100000000, 10000000, 1000000, 100000, 10000, 1000, 100, 10, 1};

// "u": a JSON number that is a plain non-negative integer fitting 64 bits
// (no leading zero, no sign, fraction or exponent), followed by ','. Returns
// the ',' or nullptr.
inline const char* parse_u(const char* p, const char* end, std::uint64_t& out) noexcept {
  const char* const b = p;
  std::uint64_t v = 0;
  // 19 digits never overflow (10^19 - 1 < 2^64).
  while (p < end && is_digit(*p) && p - b < 19) v = v * 10 + digit(*p++);
  if (p == b) return nullptr;
  if (p < end && is_digit(*p)) {
    if (__builtin_mul_overflow(v, std::uint64_t{10}, &v) ||
        __builtin_add_overflow(v, std::uint64_t{digit(*p)}, &v)) {
      return nullptr;
    }
    ++p;
    if (p < end && is_digit(*p)) return nullptr;  // 21 digits
  }
  if (*b == '0' && p - b > 1) return nullptr;  // a leading zero is not JSON
  if (p >= end || *p != ',') return nullptr;
  out = v;
  return p;
}

// The general case of a decimal: the exact routines of fixed8.h on the
// content up to the closing quote.
const char* general_decimal(const char* p, const char* end, decimal_kind kind, fixed8& value,
                            bool& capped) noexcept {
  const char* q = p;
  while (q < end && *q != '"') ++q;
  if (q >= end) return nullptr;
  const std::string_view text(p, static_cast<std::size_t>(q - p));
  if (kind == decimal_kind::price) {
    const fixed8_result r = parse_unsigned_fixed8(text);
    if (!r.ok()) return nullptr;
    value = r.value;
    capped = false;
  } else {
    const qty_result r = parse_qty_capped(text);
    if (!r.ok()) return nullptr;
    value = r.value;
    capped = r.capped;
  }
  return q + 1;
}

}  // namespace

const char* parse_fast_decimal(const char* p, const char* end, decimal_kind kind, fixed8& value,
                               bool& capped) noexcept {
  const char* const b = p;
  // Up to 10 integer digits: below 10^10, so the value stays below
  // fixed8::max() (92233720368.54775807) and neither overflows nor caps.
  std::uint64_t int_part = 0;
  while (p < end && is_digit(*p) && p - b < 10) int_part = int_part * 10 + digit(*p++);
  if (p == b) return nullptr;  // no integer digits: empty, missing_digits or a bad character
  if (p < end && is_digit(*p)) return general_decimal(b, end, kind, value, capped);
  std::uint64_t frac = 0;
  if (p < end && *p == '.') {
    ++p;
    if (end - p >= 9 && p[8] == '"' && eight_digits(load8(p))) {
      // Binance's form: exactly eight fraction digits.
      frac = eight_digits_value(load8(p));
      p += 8;
    } else {
      const char* const fb = p;
      while (p < end && is_digit(*p) && p - fb < 8) frac = frac * 10 + digit(*p++);
      const auto n = static_cast<std::size_t>(p - fb);
      if (n == 0) return nullptr;                   // "5.": missing_digits
      if (p < end && is_digit(*p)) return nullptr;  // too_many_fraction_digits
      frac *= kPow10[n];
    }
  }
  // Anything but the closing quote here is an error for fixed8.h (a second
  // '.', a sign, an exponent, a backslash, any other byte).
  if (p >= end || *p != '"') return nullptr;
  value = fixed8::from_raw(static_cast<std::int64_t>(int_part * kPow10[0] + frac));
  capped = false;
  return p + 1;
}

bool parse_frame_shape(const symbol_table& symbols, const char* data, std::size_t size,
                       frame_result& out) noexcept {
  const char* p = data;
  const char* const end = data + size;
  std::string_view stream;
  const bool combined = eat(p, end, "{\"stream\":\"");
  if (combined) {
    const std::size_t n = first_quote<4>(p);
    if (n > symbol_table::kMaxNameLength + symbol_table::kStreamSuffix.size() ||
        static_cast<std::size_t>(end - p) <= n) {
      return false;
    }
    stream = std::string_view(p, n);
    p += n + 1;
    if (!eat(p, end, ",\"data\":")) return false;
  }
  quote& q = out.q;
  if (!eat(p, end, "{\"u\":")) return false;
  p = parse_u(p, end, q.update_id);
  if (p == nullptr || !eat(p, end, ",\"s\":\"")) return false;
  // The name: a found name is printable ASCII without quote or backslash, a
  // valid unescaped string.
  const std::size_t name_len = first_quote<3>(p);
  if (name_len > symbol_table::kMaxNameLength || static_cast<std::size_t>(end - p) <= name_len) {
    return false;
  }
  const symbol_id id = symbols.find_padded(p, name_len);
  if (id == kNoSymbol) return false;
  const std::string_view name(p, name_len);
  p += name_len + 1;
  bool bid_capped = false;
  bool ask_capped = false;
  bool ignored = false;
  if (!eat(p, end, ",\"b\":\"")) return false;
  p = parse_fast_decimal(p, end, decimal_kind::price, q.bid, ignored);
  if (p == nullptr || !eat(p, end, ",\"B\":\"")) return false;
  p = parse_fast_decimal(p, end, decimal_kind::quantity, q.bid_qty, bid_capped);
  if (p == nullptr || !eat(p, end, ",\"a\":\"")) return false;
  p = parse_fast_decimal(p, end, decimal_kind::price, q.ask, ignored);
  if (p == nullptr || !eat(p, end, ",\"A\":\"")) return false;
  p = parse_fast_decimal(p, end, decimal_kind::quantity, q.ask_qty, ask_capped);
  if (p == nullptr || !eat(p, end, "}")) return false;
  if (combined && !eat(p, end, "}")) return false;
  if (p != end) return false;
  // The stream names the symbol: it matched name + "@bookTicker" ASCII
  // case-insensitively, so it too is printable ASCII without quote or
  // backslash.
  if (combined && !symbol_table::stream_names_symbol(stream, name)) return false;
  // Rules 11-12 (their errors are the general path's to report).
  if (q.bid.is_zero() && !q.bid_qty.is_zero()) return false;
  if (q.ask.is_zero() && !q.ask_qty.is_zero()) return false;
  if (!q.bid.is_zero() && !q.ask.is_zero() && q.bid > q.ask) return false;
  q.symbol = id;
  q.qty_capped = bid_capped || ask_capped;
  out.kind = frame_kind::quote;
  out.error = frame_errc::ok;
  out.control = control_kind::none;
  out.symbol = id;
  out.update_id_known = false;
  out.failed_update_id = 0;
  return true;
}

}  // namespace triarb::internal
