// RapidCheck properties of fixed8, each against an oracle written with
// Boost.Multiprecision (cpp_int / cpp_rational), never with fixed8 itself:
//   - format -> parse round trip and the canonical form, for raw values biased
//     to min, max, max-1, 0, +-1, multiples of 10^8 and 8-digit fractions;
//   - parse accepts/rejects exactly like a reference built from the grammar,
//     with the same error cause and the same value, on strings built from
//     pieces (signs, long digit runs, leading zeros, 0-10 fraction digits,
//     stray 'e' 'E' '+' ' ' 'x') and on strings at the range boundaries;
//   - parse_qty_capped is monotone and saturates exactly above max;
//   - mul/div: down <= exact < down + 1 unit, up >= exact > up - 1 unit, and
//     overflow exactly when the rounded result is out of range;
//   - add/sub vs __int128; floor_to_step/ceil_to_step vs a cpp_int reference.
//
// Reproduce a failure: RC_PARAMS="reproduce=<string printed on failure>"
//   build/default/properties/fixed8_properties --gtest_filter='Fixed8Props.<name>'
// More cases: RC_PARAMS="max_success=100000" build/default/properties/fixed8_properties
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fixed8.h"
#include "core/int128.h"

namespace triarb {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

constexpr std::int64_t kMaxRaw = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinRaw = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kScale = fixed8::kScale;
constexpr std::int64_t kMaxUnits = kMaxRaw / kScale;  // 92233720368

// ---------------------------------------------------------------- generators

// Raw values, with the boundaries hit on purpose.
rc::Gen<std::int64_t> gen_raw() {
  using G = rc::Gen<std::int64_t>;
  const G boundary = rc::gen::elementOf(
      std::vector<std::int64_t>{kMinRaw, kMinRaw + 1, kMaxRaw, kMaxRaw - 1, 0, 1, -1, kScale,
                                -kScale, kScale - 1, kMaxUnits * kScale, -kMaxUnits * kScale});
  const G near_max = rc::gen::map(rc::gen::inRange<std::int64_t>(0, 1000),
                                  [](std::int64_t d) { return kMaxRaw - d; });
  const G near_min = rc::gen::map(rc::gen::inRange<std::int64_t>(0, 1000),
                                  [](std::int64_t d) { return kMinRaw + d; });
  const G whole_units = rc::gen::map(rc::gen::inRange<std::int64_t>(-kMaxUnits, kMaxUnits + 1),
                                     [](std::int64_t u) { return u * kScale; });
  // 8 significant fraction digits: the last fraction digit is not zero.
  const G eight_digits = rc::gen::map(
      rc::gen::tuple(rc::gen::inRange<std::int64_t>(-(kMaxUnits - 1), kMaxUnits),
                     rc::gen::inRange<std::int64_t>(0, kScale / 10),
                     rc::gen::inRange<std::int64_t>(1, 10)),
      [](const std::tuple<std::int64_t, std::int64_t, std::int64_t>& t) {
        const std::int64_t frac = std::get<1>(t) * 10 + std::get<2>(t);
        return std::get<0>(t) < 0 ? std::get<0>(t) * kScale - frac : std::get<0>(t) * kScale + frac;
      });
  const G small = rc::gen::inRange<std::int64_t>(-100'000'000'000, 100'000'000'000);
  const G anything = rc::gen::inRange<std::int64_t>(kMinRaw, kMaxRaw);
  return rc::gen::weightedOneOf<std::int64_t>({{3, boundary},
                                               {2, near_max},
                                               {1, near_min},
                                               {2, whole_units},
                                               {3, eight_digits},
                                               {2, small},
                                               {3, anything}});
}

rc::Gen<std::string> gen_digits(int min_len, int max_len) {
  return rc::gen::mapcat(rc::gen::inRange(min_len, max_len + 1), [](int n) {
    return rc::gen::container<std::string>(static_cast<std::size_t>(n),
                                           rc::gen::inRange('0', static_cast<char>('9' + 1)));
  });
}

// A decimal-looking string built from pieces. Must be called inside a property.
std::string draw_decimal_string() {
  std::string s = *rc::gen::weightedElement<std::string>({{8, ""}, {3, "-"}, {1, "+"}});
  switch (*rc::gen::inRange(0, 7)) {
    case 0:
      break;  // no integer digits
    case 1:
      s += "0";
      break;
    case 2:
      s += *gen_digits(1, 11);
      break;
    case 3:
      s += *gen_digits(1, 6) + *gen_digits(1, 11);
      break;  // often leading zeros
    case 4:
      s += *gen_digits(12, 40);
      break;  // too long
    case 5:
      s +=
          std::string(static_cast<std::size_t>(*rc::gen::inRange(1, 20)), '0') + *gen_digits(1, 11);
      break;
    default:
      s += *rc::gen::element<std::string>("92233720368", "92233720369", "92233720367");
      break;
  }
  if (*rc::gen::weightedElement<int>({{4, 1}, {1, 0}}) == 1) {
    s += '.';
    const int frac_len = *rc::gen::weightedElement<int>(
        {{1, 0}, {2, 1}, {2, 2}, {1, 3}, {1, 5}, {5, 8}, {3, 9}, {1, 10}});
    s += *gen_digits(frac_len, frac_len);
  }
  if (*rc::gen::weightedElement<int>({{5, 0}, {1, 1}}) == 1) {
    const char bad = *rc::gen::element('e', 'E', '+', ' ', 'x', '-', '.');
    const std::size_t at = *rc::gen::inRange<std::size_t>(0, s.size() + 1);
    s.insert(at, 1, bad);
  }
  return s;
}

// A decimal string for an exact value in units of 10^-8 (may be outside the
// range), with optional leading zeros and the fraction padded to a chosen
// width (9 or 10 digits make it too long). Must be called inside a property.
std::string draw_decimal_for(const cpp_int& units, bool allow_too_wide = true) {
  std::string s = units < 0 ? "-" : "";
  const cpp_int mag = units < 0 ? cpp_int(-units) : units;
  const cpp_int ip = mag / kScale;
  std::string frac = cpp_int(mag % kScale).str();
  frac.insert(0, 8 - frac.size(), '0');
  std::size_t needed = 8;
  while (needed > 0 && frac[needed - 1] == '0') --needed;
  s += std::string(
      static_cast<std::size_t>(*rc::gen::weightedElement<int>({{6, 0}, {1, 1}, {1, 5}})), '0');
  s += ip.str();
  const std::size_t max_width = allow_too_wide ? 10 : 8;
  const std::size_t width = *rc::gen::inRange<std::size_t>(needed, max_width + 1);
  if (width > 0) {
    frac.resize(width, '0');
    s += '.' + frac;
  }
  return s;
}

// ---------------------------------------------------------------- references

// A cpp_int from decimal digits. (cpp_int's string constructor reads a leading
// '0' as octal, so leading zeros are stripped first.)
cpp_int from_decimal(std::string_view digits) {
  while (digits.size() > 1 && digits[0] == '0') digits.remove_prefix(1);
  return digits.empty() ? cpp_int(0) : cpp_int(std::string(digits));
}

struct reference_parse {
  fixed8_errc ec;
  cpp_int value;  // exact, in units of 10^-8, when ec is ok or overflow
};

// Straight from the grammar in fixed8.h: the first character outside
// ['-'] digit* ['.' digit*] decides the error; then missing digits; then more
// than 8 fraction digits; then the range (limit depends on the sign).
reference_parse reference(std::string_view s, bool minus_allowed) {
  if (s.empty()) return {fixed8_errc::empty, 0};
  std::string int_digits;
  std::string frac_digits;
  bool negative = false;
  bool seen_dot = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      (seen_dot ? frac_digits : int_digits) += c;
    } else if (c == '.' && !seen_dot) {
      seen_dot = true;
    } else if (c == '-' && i == 0 && minus_allowed) {
      negative = true;
    } else if (c == '+' || c == '-') {
      return {fixed8_errc::sign, 0};
    } else if (c == 'e' || c == 'E') {
      return {fixed8_errc::exponent, 0};
    } else {
      return {fixed8_errc::bad_char, 0};
    }
  }
  if (int_digits.empty() || (seen_dot && frac_digits.empty())) {
    return {fixed8_errc::missing_digits, 0};
  }
  if (frac_digits.size() > 8) return {fixed8_errc::too_many_fraction_digits, 0};
  frac_digits.resize(8, '0');
  cpp_int v = from_decimal(int_digits + frac_digits);
  if (negative) v = -v;
  if (v > kMaxRaw || v < kMinRaw) return {fixed8_errc::overflow, v};
  return {fixed8_errc::ok, v};
}

std::string reference_format(std::int64_t raw) {
  const cpp_int v(raw);
  const cpp_int mag = v < 0 ? cpp_int(-v) : v;
  std::string out = v < 0 ? "-" : "";
  out += cpp_int(mag / kScale).str();
  const cpp_int fp = mag % kScale;
  if (fp != 0) {
    std::string frac = fp.str();
    frac.insert(0, 8 - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    out += '.' + frac;
  }
  return out;
}

cpp_int floor_of(const cpp_rational& x) {
  const cpp_int n = boost::multiprecision::numerator(x);
  const cpp_int d = boost::multiprecision::denominator(x);  // > 0
  cpp_int q = n / d;
  if (q * d > n) --q;
  return q;
}

cpp_int ceil_of(const cpp_rational& x) {
  const cpp_int f = floor_of(x);
  return cpp_rational(f) == x ? f : f + 1;
}

bool in_range(const cpp_int& v) { return v >= kMinRaw && v <= kMaxRaw; }

void check_parse_matches_reference(std::string_view s) {
  const reference_parse ref_signed = reference(s, true);
  const fixed8_result got_signed = parse_fixed8(s);
  RC_ASSERT(got_signed.ec == ref_signed.ec);
  if (got_signed.ok()) RC_ASSERT(cpp_int(got_signed.value.raw()) == ref_signed.value);

  const reference_parse ref_unsigned = reference(s, false);
  const fixed8_result got_unsigned = parse_unsigned_fixed8(s);
  RC_ASSERT(got_unsigned.ec == ref_unsigned.ec);
  if (got_unsigned.ok()) RC_ASSERT(cpp_int(got_unsigned.value.raw()) == ref_unsigned.value);

  const qty_result capped = parse_qty_capped(s);
  if (ref_unsigned.ec == fixed8_errc::overflow) {
    RC_ASSERT(capped.ok());
    RC_ASSERT(capped.capped);
    RC_ASSERT(capped.value == fixed8::max());
  } else {
    RC_ASSERT(capped.ec == ref_unsigned.ec);
    RC_ASSERT(!capped.capped);
    if (capped.ok()) RC_ASSERT(cpp_int(capped.value.raw()) == ref_unsigned.value);
  }
}

rounding draw_rounding() { return *rc::gen::arbitrary<bool>() ? rounding::up : rounding::down; }

// got must be exact rounded in direction r, or overflow exactly when that
// rounded value is out of range.
void check_rounded(const fixed8_result& got, const cpp_rational& exact, rounding r) {
  const cpp_int expected = r == rounding::down ? floor_of(exact) : ceil_of(exact);
  if (!in_range(expected)) {
    RC_ASSERT(got.ec == fixed8_errc::overflow);
    return;
  }
  RC_ASSERT(got.ok());
  const cpp_rational q(got.value.raw());
  if (r == rounding::down) {
    RC_ASSERT(q <= exact);
    RC_ASSERT(exact < q + 1);
  } else {
    RC_ASSERT(q >= exact);
    RC_ASSERT(exact > q - 1);
  }
}

// ---------------------------------------------------------------- properties

RC_GTEST_PROP(Fixed8Props, FormatThenParseRoundTripsInCanonicalForm, ()) {
  const std::int64_t raw = *gen_raw();
  const fixed8 v = fixed8::from_raw(raw);
  const std::string text = to_string(v);
  RC_ASSERT(text == reference_format(raw));
  RC_ASSERT(text.size() <= fixed8::kMaxChars);
  const fixed8_result back = parse_fixed8(text);
  RC_ASSERT(back.ok());
  RC_ASSERT(back.value.raw() == raw);
  if (raw >= 0) {
    const fixed8_result ub = parse_unsigned_fixed8(text);
    RC_ASSERT(ub.ok());
    RC_ASSERT(ub.value.raw() == raw);
  }
}

RC_GTEST_PROP(Fixed8Props, ParseAgreesWithExactReferenceOnPieceStrings, ()) {
  const std::string s = draw_decimal_string();
  RC_TAG(reference(s, true).ec == fixed8_errc::ok ? "accepted" : "rejected");
  check_parse_matches_reference(s);
}

RC_GTEST_PROP(Fixed8Props, ParseAgreesWithExactReferenceAtTheBoundaries, ()) {
  // A boundary raw value nudged by a few units, possibly out of range.
  const cpp_int units = cpp_int(*gen_raw()) + *rc::gen::inRange(-3, 4);
  const std::string s = draw_decimal_for(units);
  check_parse_matches_reference(s);
}

RC_GTEST_PROP(Fixed8Props, CappedParseIsMonotoneAndSaturatesExactlyAboveMax, ()) {
  // Non-negative exact values around and far above max.
  const auto draw_units = []() -> cpp_int {
    switch (*rc::gen::inRange(0, 4)) {
      case 0:
        return cpp_int(kMaxRaw) + *rc::gen::inRange<std::int64_t>(-5, 6);
      case 1:
        return *rc::gen::inRange<std::int64_t>(0, kMaxRaw);
      case 2:
        return from_decimal(*gen_digits(12, 30) + "00000000");
      default:
        return cpp_int(kMaxRaw) + *rc::gen::inRange<std::int64_t>(0, kMaxRaw);
    }
  };
  const cpp_int x = draw_units();
  const cpp_int y = draw_units();
  const std::string sx = draw_decimal_for(x, false);
  const std::string sy = draw_decimal_for(y, false);
  const qty_result qx = parse_qty_capped(sx);
  const qty_result qy = parse_qty_capped(sy);
  RC_ASSERT(qx.ok());
  RC_ASSERT(qy.ok());
  RC_ASSERT(qx.capped == (x > kMaxRaw));
  RC_ASSERT(qy.capped == (y > kMaxRaw));
  RC_ASSERT(cpp_int(qx.value.raw()) == std::min(x, cpp_int(kMaxRaw)));
  if (x <= y) {
    RC_ASSERT(qx.value <= qy.value);
  } else {
    RC_ASSERT(qx.value >= qy.value);
  }
}

RC_GTEST_PROP(Fixed8Props, MulRoundsInItsDirectionAndReportsOverflowExactly, ()) {
  const std::int64_t a = *gen_raw();
  const std::int64_t b = *gen_raw();
  const rounding r = draw_rounding();
  const cpp_rational exact(cpp_int(cpp_int(a) * b), cpp_int(kScale));
  check_rounded(checked_mul(fixed8::from_raw(a), fixed8::from_raw(b), r), exact, r);

  const saturated s = saturating_mul(fixed8::from_raw(a), fixed8::from_raw(b), r);
  const cpp_int expected = r == rounding::down ? floor_of(exact) : ceil_of(exact);
  RC_ASSERT(s.saturated == !in_range(expected));
  const cpp_int clamped = std::clamp(expected, cpp_int(kMinRaw), cpp_int(kMaxRaw));
  RC_ASSERT(cpp_int(s.value.raw()) == clamped);
}

RC_GTEST_PROP(Fixed8Props, DivRoundsInItsDirectionAndReportsOverflowExactly, ()) {
  const std::int64_t a = *gen_raw();
  const std::int64_t b = *gen_raw();
  const rounding r = draw_rounding();
  const fixed8_result got = checked_div(fixed8::from_raw(a), fixed8::from_raw(b), r);
  if (b == 0) {
    RC_ASSERT(got.ec == fixed8_errc::division_by_zero);
    return;
  }
  check_rounded(got, cpp_rational(cpp_int(cpp_int(a) * kScale), cpp_int(b)), r);
}

RC_GTEST_PROP(Fixed8Props, AddSubMatchWideIntegers, ()) {
  const std::int64_t a = *gen_raw();
  const std::int64_t b = *gen_raw();
  const fixed8 fa = fixed8::from_raw(a);
  const fixed8 fb = fixed8::from_raw(b);
  const std::pair<i128, std::pair<fixed8_result, saturated>> cases[] = {
      {static_cast<i128>(a) + b, {checked_add(fa, fb), saturating_add(fa, fb)}},
      {static_cast<i128>(a) - b, {checked_sub(fa, fb), saturating_sub(fa, fb)}},
  };
  for (const auto& [exact, got] : cases) {
    const bool fits = exact >= kMinRaw && exact <= kMaxRaw;
    RC_ASSERT(got.first.ok() == fits);
    if (fits) RC_ASSERT(static_cast<i128>(got.first.value.raw()) == exact);
    RC_ASSERT(got.second.saturated == !fits);
    const i128 clamped = exact < kMinRaw ? kMinRaw : (exact > kMaxRaw ? kMaxRaw : exact);
    RC_ASSERT(static_cast<i128>(got.second.value.raw()) == clamped);
  }
}

RC_GTEST_PROP(Fixed8Props, StepRoundingMatchesReference, ()) {
  const std::int64_t q = *gen_raw();
  const std::int64_t step = *rc::gen::weightedOneOf<std::int64_t>(
      {{4, rc::gen::elementOf(std::vector<std::int64_t>{1, 10, 1000, 1'000'000, kScale, 10 * kScale,
                                                        1000 * kScale, 0, -1, -kScale, kMaxRaw,
                                                        kMaxRaw - 1})},
       {2, rc::gen::inRange<std::int64_t>(1, 1'000'000'000)},
       {1, rc::gen::inRange<std::int64_t>(kMinRaw, kMaxRaw)}});
  const fixed8 down = floor_to_step(fixed8::from_raw(q), fixed8::from_raw(step));
  const fixed8 up = ceil_to_step(fixed8::from_raw(q), fixed8::from_raw(step));
  if (q <= 0 || step <= 0) {
    RC_ASSERT(down.raw() == q);
    RC_ASSERT(up.raw() == q);
    return;
  }
  const cpp_int cq(q);
  const cpp_int cs(step);
  const cpp_int ref_down = (cq / cs) * cs;
  const cpp_int ref_up = ((cq + cs - 1) / cs) * cs;
  const cpp_int largest_multiple = (cpp_int(kMaxRaw) / cs) * cs;
  RC_ASSERT(cpp_int(down.raw()) == ref_down);
  RC_ASSERT(cpp_int(up.raw()) == std::min(ref_up, largest_multiple));
}

}  // namespace
}  // namespace triarb
