// internal/frame_shape: the shape-specialised fast path. See frame_shape.h
// for what it accepts; the rules it must agree with are frame_parser.h's.
//
// Every read stays inside [data, data + size + kFramePadding): literals are
// compared only when they fit before end, scans are bounded by end or read a
// fixed number of words (at most 40 bytes) from a position before end.
#include "core/internal/frame_shape.h"

#include <bit>
#include <cstring>

#include "core/frame_buffer.h"

namespace triarb::internal {
namespace {

static_assert(std::endian::native == std::endian::little, "the word scans assume little-endian");
static_assert(kFramePadding >= 40, "the word scans read up to 40 bytes from a position before end");
static_assert(kFramePadding >= symbol_table::kPaddedRead);

inline bool is_digit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }
inline unsigned digit(char c) noexcept { return static_cast<unsigned char>(c - '0'); }

inline std::uint64_t load8(const char* p) noexcept {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// The bytes [from, from + 8) of a literal as a little-endian word, zero
// beyond its end. Called only in constant expressions (see fixed_literal).
template <std::size_t N>
constexpr std::uint64_t literal_word(const char (&s)[N], std::size_t from) noexcept {
  std::uint64_t w = 0;
  for (std::size_t i = 0; i < 8 && from + i < N - 1; ++i) {
    w |= std::uint64_t{static_cast<unsigned char>(s[from + i])} << (8 * i);
  }
  return w;
}

// The low n bytes of a word (n <= 8).
constexpr std::uint64_t low_bytes(std::size_t n) noexcept {
  return n >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * n)) - 1;
}

// A string literal as a template argument, so that its words are constants
// of the template: GCC's -O2 leaves literal_word's loop at run time (eight
// byte loads and shifts a word) when s is a function parameter.
template <std::size_t N>
struct fixed_literal {
  char s[N];
  consteval fixed_literal(const char (&from)[N]) noexcept {  // NOLINT: implicit by design
    for (std::size_t i = 0; i < N; ++i) s[i] = from[i];
  }
};

// Consumes the literal L (at most 16 bytes) at p if it lies wholly before
// end. Compares whole words: reads 16 bytes from p <= end (padding).
template <fixed_literal L>
inline bool eat(const char*& p, const char* end) noexcept {
  constexpr std::size_t n = sizeof(L.s) - 1;
  static_assert(n >= 1 && n <= 16);
  constexpr std::uint64_t w0 = literal_word(L.s, 0);
  constexpr std::uint64_t w1 = literal_word(L.s, 8);
  if (static_cast<std::size_t>(end - p) < n) return false;
  bool same = (load8(p) & low_bytes(n)) == w0;
  if constexpr (n > 8) same = same && (load8(p + 8) & low_bytes(n - 8)) == w1;
  if (!same) return false;
  p += n;
  return true;
}

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
constexpr std::uint64_t kZeros = 0x3030303030303030ULL;  // "00000000"

// The high bit of each byte of w equal to c, as the zero-byte test marks
// them: the lowest marked byte is always a real match (a borrow only marks
// bytes above a real one), so countr_zero of the result, or of an OR of two
// such results, finds the first match exactly.
inline std::uint64_t match(std::uint64_t w, char c) noexcept {
  const std::uint64_t x = w ^ (kOnes * static_cast<unsigned char>(c));
  return (x - kOnes) & ~x & kHigh;
}

inline std::size_t first_index(std::uint64_t marks) noexcept {
  return static_cast<std::size_t>(std::countr_zero(marks) / 8);
}

// The index of the first '"' in the Words words read from p, or 8 * Words.
template <int Words>
inline std::size_t first_quote(const char* p) noexcept {
  for (int k = 0; k < Words; ++k) {
    const std::uint64_t m = match(load8(p + 8 * k), '"');
    if (m != 0) return static_cast<std::size_t>(8 * k) + first_index(m);
  }
  return 8 * Words;
}

// The first k (1..7) bytes of w as the last k digits of an eight-digit
// field led by '0's: "123xxxxx" -> "00000123".
inline std::uint64_t right_align(std::uint64_t w, std::size_t k) noexcept {
  return (w << (8 * (8 - k))) | (kZeros >> (8 * k));
}

// Eight ASCII digits (simdjson's is_made_of_eight_digits_fast).
inline bool eight_digits(std::uint64_t w) noexcept {
  return ((w & 0xF0F0F0F0F0F0F0F0ULL) |
          (((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) == 0x3333333333333333ULL;
}

// Nonzero unless w is eight ASCII digits: eight_digits as a word, so that
// two words are checked with one comparison.
inline std::uint64_t not_digits(std::uint64_t w) noexcept {
  return ((w & 0xF0F0F0F0F0F0F0F0ULL) |
          (((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ^
         0x3333333333333333ULL;
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
// the ',' or nullptr. Byte by byte: the general case of parse_u.
const char* parse_u_bytewise(const char* p, const char* end, std::uint64_t& out) noexcept {
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

// parse_u on words: up to 16 digits found and converted eight at a time.
inline const char* parse_u(const char* p, const char* end, std::uint64_t& out) noexcept {
  const std::uint64_t w = load8(p);
  const std::uint64_t m = match(w, ',');
  std::size_t k = 0;  // digits
  std::uint64_t v = 0;
  if (m != 0) {
    k = first_index(m);
    if (k == 0) return nullptr;
    const std::uint64_t a = right_align(w, k);
    if (!eight_digits(a)) return nullptr;
    v = eight_digits_value(a);
  } else {
    const std::uint64_t w2 = load8(p + 8);
    const std::uint64_t m2 = match(w2, ',');
    if (m2 == 0) return parse_u_bytewise(p, end, out);  // 16 digits or more
    const std::size_t k2 = first_index(m2);
    if (!eight_digits(w)) return nullptr;
    v = eight_digits_value(w);
    if (k2 > 0) {
      const std::uint64_t a = right_align(w2, k2);
      if (!eight_digits(a)) return nullptr;
      v = v * kPow10[8 - k2] + eight_digits_value(a);
    }
    k = 8 + k2;
  }
  if (static_cast<std::size_t>(end - p) <= k) return nullptr;  // the ',' lies past the frame
  if (*p == '0' && k > 1) return nullptr;                      // a leading zero is not JSON
  out = v;
  return p + k;
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

// parse_fast_decimal byte by byte: its general case (eight or more integer
// digits).
const char* decimal_bytewise(const char* p, const char* end, decimal_kind kind, fixed8& value,
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

// stream, of length n + 11, is name (n bytes, printable ASCII) +
// "@bookTicker", compared ASCII case-insensitively: exactly
// symbol_table::stream_names_symbol, on words. A byte of the name may differ
// from the stream's only by the case bit (0x20), and only where the name has
// a letter. Reads 24 bytes from name and 40 from stream.
inline bool stream_names(const char* stream, const char* name, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; i += 8) {
    const std::uint64_t keep = low_bytes(n - i);
    const std::uint64_t nw = load8(name + i) & keep;
    const std::uint64_t x = (load8(stream + i) & keep) ^ nw;
    if (x == 0) continue;
    // Bytes below 0x80 (printable ASCII | 0x20): the sums never carry.
    const std::uint64_t lower = nw | (kOnes * 0x20);
    const std::uint64_t letters =
        (lower + kOnes * (0x80 - 'a')) & ~(lower + kOnes * (0x80 - 'z' - 1)) & kHigh;
    if ((x & ~(letters >> 2)) != 0) return false;
  }
  // "@bookTicker": '@' exactly, the letters in either case.
  constexpr std::uint64_t kCase0 = 0x2020202020202000ULL;
  constexpr std::uint64_t kCase1 = 0x0000000000202020ULL;
  constexpr std::uint64_t kBookTic = literal_word("@booktic", 0);
  constexpr std::uint64_t kKer = literal_word("ker", 0);
  return (load8(stream + n) | kCase0) == kBookTic &&
         ((load8(stream + n + 8) & low_bytes(3)) | kCase1) == kKer;
}

// parse_fast_decimal, inlined into parse_frame_shape's four calls (a call
// saved and restored five registers and passed five arguments).
[[gnu::always_inline]] inline const char* fast_decimal(const char* p, const char* end,
                                                       decimal_kind kind, fixed8& value,
                                                       bool& capped) noexcept {
  // The closing quote first, within 16 bytes: the next field's position
  // depends only on it, so the conversion below runs beside the next
  // field's parse instead of before it.
  const std::uint64_t w0 = load8(p);
  const std::uint64_t w1 = load8(p + 8);
  const std::uint64_t q0 = match(w0, '"');
  const std::uint64_t q1 = match(w1, '"');
  if ((q0 | q1) == 0) return decimal_bytewise(p, end, kind, value, capped);
  const std::size_t n = q0 != 0 ? first_index(q0) : 8 + first_index(q1);  // content length
  if (static_cast<std::size_t>(end - p) <= n) return nullptr;  // the quote lies past the frame
  // The integer digits end at the first '.' of the content, or at its end:
  // the first '.' or '"' of w0. With neither in w0 there are 8 integer
  // digits or more (or a byte that is no digit among the first 8).
  const std::uint64_t stop = match(w0, '.') | q0;
  if (stop == 0) return decimal_bytewise(p, end, kind, value, capped);
  const std::size_t k = first_index(stop);  // 0..7, at most n
  if (k == 0) return nullptr;               // empty or missing_digits
  const std::uint64_t int_word = right_align(w0, k);
  std::uint64_t frac_word = kZeros;
  if (k < n) {
    const std::size_t m = n - k - 1;      // fraction digits
    if (m == 0 || m > 8) return nullptr;  // missing_digits, too_many_fraction_digits
    const std::uint64_t digits = ~std::uint64_t{0} >> (64 - 8 * m);  // low_bytes(m), m >= 1
    frac_word = (load8(p + k + 1) & digits) | (kZeros & ~digits);
  }
  // A sign, an exponent, a second '.', a backslash, any other byte: refused.
  if ((not_digits(int_word) | not_digits(frac_word)) != 0) return nullptr;
  // Below 10^7 units: no overflow, no cap. The fraction's word is filled
  // with '0's after its digits, so its value is already scaled to 10^-8.
  value = fixed8::from_raw(static_cast<std::int64_t>(eight_digits_value(int_word) * kPow10[0] +
                                                     eight_digits_value(frac_word)));
  capped = false;
  return p + n + 1;
}

}  // namespace

const char* parse_fast_decimal(const char* p, const char* end, decimal_kind kind, fixed8& value,
                               bool& capped) noexcept {
  return fast_decimal(p, end, kind, value, capped);
}

bool parse_frame_shape(const symbol_table& symbols, const char* data, std::size_t size,
                       frame_result& out) noexcept {
  const char* p = data;
  const char* const end = data + size;
  std::string_view stream;
  const bool combined = eat<"{\"stream\":\"">(p, end);
  if (combined) {
    const std::size_t n = first_quote<4>(p);
    if (n > symbol_table::kMaxNameLength + symbol_table::kStreamSuffix.size() ||
        static_cast<std::size_t>(end - p) <= n) {
      return false;
    }
    stream = std::string_view(p, n);
    p += n + 1;
    if (!eat<",\"data\":">(p, end)) return false;
  }
  quote& q = out.q;
  if (!eat<"{\"u\":">(p, end)) return false;
  p = parse_u(p, end, q.update_id);
  if (p == nullptr || !eat<",\"s\":\"">(p, end)) return false;
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
  if (!eat<",\"b\":\"">(p, end)) return false;
  p = fast_decimal(p, end, decimal_kind::price, q.bid, ignored);
  if (p == nullptr || !eat<",\"B\":\"">(p, end)) return false;
  p = fast_decimal(p, end, decimal_kind::quantity, q.bid_qty, bid_capped);
  if (p == nullptr || !eat<",\"a\":\"">(p, end)) return false;
  p = fast_decimal(p, end, decimal_kind::price, q.ask, ignored);
  if (p == nullptr || !eat<",\"A\":\"">(p, end)) return false;
  p = fast_decimal(p, end, decimal_kind::quantity, q.ask_qty, ask_capped);
  if (p == nullptr || !eat<"}">(p, end)) return false;
  if (combined && !eat<"}">(p, end)) return false;
  if (p != end) return false;
  // The stream names the symbol: it matched name + "@bookTicker" ASCII
  // case-insensitively, so it too is printable ASCII without quote or
  // backslash.
  if (combined && (stream.size() != name_len + symbol_table::kStreamSuffix.size() ||
                   !stream_names(stream.data(), name.data(), name_len))) {
    return false;
  }
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
