// fixed8 parsing, arithmetic and formatting. See fixed8.h for the contracts.
#include "core/fixed8.h"

#include <cstring>

#include "core/int128.h"

namespace triarb {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
// |min()| as an unsigned raw value.
constexpr std::uint64_t kMagMinRaw = static_cast<std::uint64_t>(kMax) + 1;

constexpr std::uint64_t kPow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

enum class sign_policy : std::uint8_t { none, minus_allowed };

struct raw_parse {
  std::uint64_t magnitude;  // valid when ec == ok
  bool negative;
  fixed8_errc ec;
};

inline bool is_digit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }

// Classifies a character that is not a digit and not the one permitted '.'.
inline fixed8_errc classify_bad(char c) noexcept {
  if (c == '+' || c == '-') return fixed8_errc::sign;
  if (c == 'e' || c == 'E') return fixed8_errc::exponent;
  return fixed8_errc::bad_char;
}

// Parses the magnitude exactly. The whole string is always validated, so an
// oversized value that is also malformed reports the syntax error, not overflow.
raw_parse parse_raw(std::string_view s, sign_policy sp) noexcept {
  raw_parse r{0, false, fixed8_errc::ok};
  if (s.empty()) return {0, false, fixed8_errc::empty};
  std::size_t i = 0;
  if (s[0] == '-' && sp == sign_policy::minus_allowed) {
    r.negative = true;
    i = 1;
  }
  // Integer part: skip leading zeros, then accumulate at most 11 significant
  // digits (10^11 * 10^8 < 2^64); 12 or more significant digits are >= 10^11,
  // above the maximum 92233720368, so they are overflow.
  const std::size_t int_begin = i;
  while (i < s.size() && s[i] == '0') ++i;
  std::uint64_t int_part = 0;
  std::size_t significant = 0;
  while (i < s.size() && is_digit(s[i])) {
    if (significant < 11) int_part = int_part * 10 + static_cast<std::uint64_t>(s[i] - '0');
    ++significant;
    ++i;
  }
  const bool have_int_digits = i > int_begin;
  std::uint64_t frac = 0;
  std::size_t frac_digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t frac_begin = i;
    while (i < s.size() && is_digit(s[i])) {
      if (frac_digits < 8) frac = frac * 10 + static_cast<std::uint64_t>(s[i] - '0');
      ++frac_digits;
      ++i;
    }
    if (i < s.size()) return {0, false, classify_bad(s[i])};
    if (i == frac_begin) return {0, false, fixed8_errc::missing_digits};
  } else if (i < s.size()) {
    return {0, false, classify_bad(s[i])};
  }
  if (!have_int_digits) return {0, false, fixed8_errc::missing_digits};
  if (frac_digits > 8) return {0, false, fixed8_errc::too_many_fraction_digits};
  frac *= kPow10[8 - frac_digits];
  const std::uint64_t limit = r.negative ? kMagMinRaw : static_cast<std::uint64_t>(kMax);
  if (significant > 11) {
    r.ec = fixed8_errc::overflow;
    return r;
  }
  const std::uint64_t mag = int_part * static_cast<std::uint64_t>(fixed8::kScale) + frac;
  if (mag > limit) {
    r.ec = fixed8_errc::overflow;
    return r;
  }
  r.magnitude = mag;
  return r;
}

inline fixed8 from_magnitude(std::uint64_t mag, bool negative) noexcept {
  // Two's complement negation in unsigned arithmetic: defined for kMagMinRaw.
  return fixed8::from_raw(static_cast<std::int64_t>(negative ? (0 - mag) : mag));
}

inline bool fits(i128 v) noexcept { return v >= kMin && v <= kMax; }

// q = n / d (d != 0) rounded in direction r.
inline i128 div_round(i128 n, i128 d, rounding r) noexcept {
  i128 q = n / d;
  const i128 rem = n % d;
  if (rem != 0) {
    const bool exact_negative = (n < 0) != (d < 0);
    if (r == rounding::down && exact_negative) --q;
    if (r == rounding::up && !exact_negative) ++q;
  }
  return q;
}

}  // namespace

std::string_view to_string(fixed8_errc ec) noexcept {
  switch (ec) {
    case fixed8_errc::ok:
      return "ok";
    case fixed8_errc::empty:
      return "empty";
    case fixed8_errc::sign:
      return "sign";
    case fixed8_errc::exponent:
      return "exponent";
    case fixed8_errc::bad_char:
      return "bad_char";
    case fixed8_errc::missing_digits:
      return "missing_digits";
    case fixed8_errc::too_many_fraction_digits:
      return "too_many_fraction_digits";
    case fixed8_errc::overflow:
      return "overflow";
    case fixed8_errc::division_by_zero:
      return "division_by_zero";
  }
  return "unknown";
}

fixed8_result parse_fixed8(std::string_view s) noexcept {
  const raw_parse r = parse_raw(s, sign_policy::minus_allowed);
  if (r.ec != fixed8_errc::ok) return {fixed8{}, r.ec};
  return {from_magnitude(r.magnitude, r.negative), fixed8_errc::ok};
}

fixed8_result parse_unsigned_fixed8(std::string_view s) noexcept {
  const raw_parse r = parse_raw(s, sign_policy::none);
  if (r.ec != fixed8_errc::ok) return {fixed8{}, r.ec};
  return {from_magnitude(r.magnitude, false), fixed8_errc::ok};
}

qty_result parse_qty_capped(std::string_view s) noexcept {
  const raw_parse r = parse_raw(s, sign_policy::none);
  if (r.ec == fixed8_errc::overflow) return {fixed8::max(), fixed8_errc::ok, true};
  if (r.ec != fixed8_errc::ok) return {fixed8{}, r.ec, false};
  return {from_magnitude(r.magnitude, false), fixed8_errc::ok, false};
}

fixed8_result checked_add(fixed8 a, fixed8 b) noexcept {
  std::int64_t out;
  if (__builtin_add_overflow(a.raw(), b.raw(), &out)) return {fixed8{}, fixed8_errc::overflow};
  return {fixed8::from_raw(out), fixed8_errc::ok};
}

fixed8_result checked_sub(fixed8 a, fixed8 b) noexcept {
  std::int64_t out;
  if (__builtin_sub_overflow(a.raw(), b.raw(), &out)) return {fixed8{}, fixed8_errc::overflow};
  return {fixed8::from_raw(out), fixed8_errc::ok};
}

saturated saturating_add(fixed8 a, fixed8 b) noexcept {
  std::int64_t out;
  if (__builtin_add_overflow(a.raw(), b.raw(), &out)) {
    return {b.raw() > 0 ? fixed8::max() : fixed8::min(), true};
  }
  return {fixed8::from_raw(out), false};
}

saturated saturating_sub(fixed8 a, fixed8 b) noexcept {
  std::int64_t out;
  if (__builtin_sub_overflow(a.raw(), b.raw(), &out)) {
    return {b.raw() < 0 ? fixed8::max() : fixed8::min(), true};
  }
  return {fixed8::from_raw(out), false};
}

fixed8_result checked_mul(fixed8 a, fixed8 b, rounding r) noexcept {
  // |a*b| < 2^126: no 128-bit overflow.
  const i128 q = div_round(static_cast<i128>(a.raw()) * b.raw(), fixed8::kScale, r);
  if (!fits(q)) return {fixed8{}, fixed8_errc::overflow};
  return {fixed8::from_raw(static_cast<std::int64_t>(q)), fixed8_errc::ok};
}

saturated saturating_mul(fixed8 a, fixed8 b, rounding r) noexcept {
  const i128 q = div_round(static_cast<i128>(a.raw()) * b.raw(), fixed8::kScale, r);
  if (q > kMax) return {fixed8::max(), true};
  if (q < kMin) return {fixed8::min(), true};
  return {fixed8::from_raw(static_cast<std::int64_t>(q)), false};
}

fixed8_result checked_div(fixed8 a, fixed8 b, rounding r) noexcept {
  if (b.raw() == 0) return {fixed8{}, fixed8_errc::division_by_zero};
  // |a * 10^8| < 2^91: no 128-bit overflow.
  const i128 q = div_round(static_cast<i128>(a.raw()) * fixed8::kScale, b.raw(), r);
  if (!fits(q)) return {fixed8{}, fixed8_errc::overflow};
  return {fixed8::from_raw(static_cast<std::int64_t>(q)), fixed8_errc::ok};
}

fixed8 floor_to_step(fixed8 q, fixed8 step) noexcept {
  if (step.raw() <= 0 || q.raw() <= 0) return q;
  return fixed8::from_raw(q.raw() - q.raw() % step.raw());
}

fixed8 ceil_to_step(fixed8 q, fixed8 step) noexcept {
  if (step.raw() <= 0 || q.raw() <= 0) return q;
  const std::int64_t rem = q.raw() % step.raw();
  if (rem == 0) return q;
  const std::int64_t down = q.raw() - rem;
  std::int64_t out;
  if (__builtin_add_overflow(down, step.raw(), &out)) return fixed8::from_raw(down);
  return fixed8::from_raw(out);
}

std::size_t format_to(fixed8 v, char* out) noexcept {
  char* p = out;
  std::uint64_t mag = static_cast<std::uint64_t>(v.raw());
  if (v.raw() < 0) {
    *p++ = '-';
    mag = 0 - mag;  // defined for min(): gives 2^63
  }
  std::uint64_t ip = mag / static_cast<std::uint64_t>(fixed8::kScale);
  std::uint64_t fp = mag % static_cast<std::uint64_t>(fixed8::kScale);
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + ip % 10);
    ip /= 10;
  } while (ip != 0);
  while (n > 0) *p++ = digits[--n];
  if (fp != 0) {
    *p++ = '.';
    char frac[8];
    for (int i = 7; i >= 0; --i) {
      frac[i] = static_cast<char>('0' + fp % 10);
      fp /= 10;
    }
    int len = 8;
    while (frac[len - 1] == '0') --len;
    std::memcpy(p, frac, static_cast<std::size_t>(len));
    p += len;
  }
  return static_cast<std::size_t>(p - out);
}

std::string to_string(fixed8 v) {
  char buf[fixed8::kMaxChars];
  return std::string(buf, format_to(v, buf));
}

}  // namespace triarb
