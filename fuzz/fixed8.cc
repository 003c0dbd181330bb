// Fuzz target for fixed8: every input is checked against exact references,
// not just for crashes.
//   1. The whole input, as a string, through parse_fixed8 / parse_unsigned_fixed8
//      / parse_qty_capped, against a digit-by-digit __int128 reference written
//      from the grammar in fixed8.h (same accept/reject decision, same error
//      cause, same value); accepted values must survive format -> parse.
//   2. The same bytes, consumed as two values and a step, through add/sub
//      (checked and saturating), mul/div in both rounding directions, and
//      floor/ceil_to_step, each checked by the defining inequality of its
//      exact result in 128-bit arithmetic (down <= exact < down + 1 unit, ...).
// Any disagreement aborts with a message (TRIARB_FUZZ_CHECK).
//
//   build/fuzz/fuzz/fuzz_fixed8 -dict=fuzz/fixed8.dict corpus/fixed8   # libFuzzer
//   build/default/fuzz/fuzz_fixed8 corpus/fixed8                      # replay
#include "core/fixed8.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/int128.h"
#include "fuzz_support.h"

namespace {

using triarb::fixed8;
using triarb::fixed8_errc;
using triarb::i128;
using triarb::rounding;

constexpr i128 kMax = INT64_MAX;
constexpr i128 kMin = INT64_MIN;
constexpr i128 kScale = fixed8::kScale;

struct reference_result {
  fixed8_errc ec;
  i128 value;  // exact raw value when ec == ok
};

// The grammar of fixed8.h, checked one character at a time: the first
// character that does not fit ['-'] digit* ['.' digit*] decides the error;
// then missing digits, then more than 8 fraction digits, then the range.
reference_result reference_parse(std::string_view s, bool minus_allowed) {
  if (s.empty()) return {fixed8_errc::empty, 0};
  bool negative = false;
  bool seen_dot = false;
  std::size_t int_digits = 0;
  std::size_t frac_digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c >= '0' && c <= '9') {
      ++(seen_dot ? frac_digits : int_digits);
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
  if (int_digits == 0 || (seen_dot && frac_digits == 0)) return {fixed8_errc::missing_digits, 0};
  if (frac_digits > 8) return {fixed8_errc::too_many_fraction_digits, 0};
  // Value in units of 10^-8, clamped far above the range so it cannot overflow.
  constexpr i128 kHuge = static_cast<i128>(1) << 100;
  i128 v = 0;
  for (const char c : s) {
    if (c >= '0' && c <= '9') {
      v = v * 10 + (c - '0');
      if (v > kHuge) v = kHuge;
    }
  }
  for (std::size_t k = frac_digits; k < 8; ++k) {
    v *= 10;
    if (v > kHuge) v = kHuge;
  }
  if (v > (negative ? -kMin : kMax)) return {fixed8_errc::overflow, 0};
  return {fixed8_errc::ok, negative ? -v : v};
}

void check_canonical_round_trip(fixed8 v) {
  char buf[fixed8::kMaxChars];
  const std::size_t n = triarb::format_to(v, buf);
  TRIARB_FUZZ_CHECK(n >= 1 && n <= fixed8::kMaxChars, "formatted length out of bounds");
  const std::string_view text(buf, n);
  const triarb::fixed8_result back = triarb::parse_fixed8(text);
  TRIARB_FUZZ_CHECK(back.ok() && back.value == v, "format -> parse does not round-trip");
  // Canonical: no "-0", no leading zero before another integer digit, no
  // trailing zero in the fraction, no empty fraction.
  const std::string_view mag = text[0] == '-' ? text.substr(1) : text;
  TRIARB_FUZZ_CHECK(!(text[0] == '-' && v.raw() >= 0), "minus sign on a non-negative value");
  TRIARB_FUZZ_CHECK(!(mag.size() > 1 && mag[0] == '0' && mag[1] != '.'), "leading zero");
  const std::size_t dot = mag.find('.');
  if (dot != std::string_view::npos) {
    TRIARB_FUZZ_CHECK(dot + 1 < mag.size() && mag.back() != '0', "non-canonical fraction");
  }
  TRIARB_FUZZ_CHECK(triarb::to_string(v) == text, "to_string differs from format_to");
}

void check_parse(std::string_view s) {
  const reference_result ref_signed = reference_parse(s, true);
  const triarb::fixed8_result got_signed = triarb::parse_fixed8(s);
  TRIARB_FUZZ_CHECK(got_signed.ec == ref_signed.ec, "parse_fixed8 error differs from reference");
  if (ref_signed.ec == fixed8_errc::ok) {
    TRIARB_FUZZ_CHECK(got_signed.value.raw() == ref_signed.value, "parse_fixed8 value differs");
    check_canonical_round_trip(got_signed.value);
  }

  const reference_result ref_unsigned = reference_parse(s, false);
  const triarb::fixed8_result got_unsigned = triarb::parse_unsigned_fixed8(s);
  TRIARB_FUZZ_CHECK(got_unsigned.ec == ref_unsigned.ec, "parse_unsigned_fixed8 error differs");
  if (ref_unsigned.ec == fixed8_errc::ok) {
    TRIARB_FUZZ_CHECK(got_unsigned.value.raw() == ref_unsigned.value,
                      "parse_unsigned_fixed8 value differs");
  }

  const triarb::qty_result got_capped = triarb::parse_qty_capped(s);
  if (ref_unsigned.ec == fixed8_errc::overflow) {
    TRIARB_FUZZ_CHECK(got_capped.ok() && got_capped.capped && got_capped.value == fixed8::max(),
                      "an oversized quantity must be capped to max()");
  } else {
    TRIARB_FUZZ_CHECK(got_capped.ec == ref_unsigned.ec && !got_capped.capped,
                      "parse_qty_capped differs from the unsigned parse");
    if (got_capped.ok()) {
      TRIARB_FUZZ_CHECK(got_capped.value.raw() == ref_unsigned.value, "capped value differs");
    }
  }
}

// A raw value, biased toward the boundaries on purpose.
std::int64_t consume_raw(triarb::fuzz::byte_consumer& in) {
  const std::uint8_t tag = in.integral<std::uint8_t>();
  if (tag < 64) {
    return in.pick<std::int64_t>({INT64_MIN, INT64_MIN + 1, -kScale, -1, 0, 1, kScale - 1, kScale,
                                  kScale + 1, 2 * kScale, INT64_MAX - 1, INT64_MAX,
                                  INT64_MAX / kScale * kScale, 896, 2535190000});
  }
  if (tag < 160) return in.integral<std::int32_t>();
  return in.integral<std::int64_t>();
}

// Floor and ceiling of n / d for d > 0, from truncating division.
i128 floor_div(i128 n, i128 d) { return n / d - ((n % d != 0 && n < 0) ? 1 : 0); }

// result must be the exact quotient num / den rounded in direction r, or
// overflow exactly when that rounded quotient is out of range. den > 0.
void check_rounded(const triarb::fixed8_result& got, i128 num, i128 den, rounding r,
                   const char* what) {
  const i128 fl = floor_div(num, den);
  const i128 expected = (r == rounding::down || num % den == 0) ? fl : fl + 1;
  if (expected < kMin || expected > kMax) {
    TRIARB_FUZZ_CHECK(got.ec == fixed8_errc::overflow, what);
    return;
  }
  TRIARB_FUZZ_CHECK(got.ok(), what);
  const i128 q = got.value.raw();
  // The defining inequalities, written independently of floor_div.
  if (r == rounding::down) {
    TRIARB_FUZZ_CHECK(q * den <= num && num < (q + 1) * den, what);
  } else {
    TRIARB_FUZZ_CHECK(q * den >= num && num > (q - 1) * den, what);
  }
  TRIARB_FUZZ_CHECK(q == expected, what);
}

void check_arithmetic(triarb::fuzz::byte_consumer& in) {
  const fixed8 a = fixed8::from_raw(consume_raw(in));
  const fixed8 b = fixed8::from_raw(consume_raw(in));
  const i128 ar = a.raw();
  const i128 br = b.raw();
  check_canonical_round_trip(a);
  check_canonical_round_trip(b);

  const i128 sum = ar + br;
  const i128 diff = ar - br;
  const triarb::fixed8_result add = triarb::checked_add(a, b);
  const triarb::fixed8_result sub = triarb::checked_sub(a, b);
  const bool sum_fits = sum >= kMin && sum <= kMax;
  const bool diff_fits = diff >= kMin && diff <= kMax;
  TRIARB_FUZZ_CHECK(add.ok() == sum_fits && (!sum_fits || add.value.raw() == sum), "checked_add");
  TRIARB_FUZZ_CHECK(sub.ok() == diff_fits && (!diff_fits || sub.value.raw() == diff),
                    "checked_sub");
  const triarb::saturated sadd = triarb::saturating_add(a, b);
  const triarb::saturated ssub = triarb::saturating_sub(a, b);
  const i128 sum_clamped = sum < kMin ? kMin : (sum > kMax ? kMax : sum);
  const i128 diff_clamped = diff < kMin ? kMin : (diff > kMax ? kMax : diff);
  TRIARB_FUZZ_CHECK(sadd.value.raw() == sum_clamped && sadd.saturated == !sum_fits,
                    "saturating_add");
  TRIARB_FUZZ_CHECK(ssub.value.raw() == diff_clamped && ssub.saturated == !diff_fits,
                    "saturating_sub");

  for (const rounding r : {rounding::down, rounding::up}) {
    check_rounded(triarb::checked_mul(a, b, r), ar * br, kScale, r, "checked_mul");
    const triarb::saturated smul = triarb::saturating_mul(a, b, r);
    const triarb::fixed8_result cmul = triarb::checked_mul(a, b, r);
    if (cmul.ok()) {
      TRIARB_FUZZ_CHECK(!smul.saturated && smul.value == cmul.value, "saturating_mul in range");
    } else {
      const fixed8 clamp = ((ar < 0) != (br < 0)) ? fixed8::min() : fixed8::max();
      TRIARB_FUZZ_CHECK(smul.saturated && smul.value == clamp, "saturating_mul clamp");
    }
    const triarb::fixed8_result div = triarb::checked_div(a, b, r);
    if (br == 0) {
      TRIARB_FUZZ_CHECK(div.ec == fixed8_errc::division_by_zero, "checked_div by zero");
    } else {
      // a / b = (a * 10^8) / b; make the denominator positive for the check.
      const i128 num = br > 0 ? ar * kScale : -ar * kScale;
      check_rounded(div, num, br > 0 ? br : -br, r, "checked_div");
    }
  }

  // Steps: q >= 0 and step > 0 are the documented domain; otherwise q comes back.
  const fixed8 step = fixed8::from_raw(consume_raw(in));
  const i128 sr = step.raw();
  const fixed8 down = triarb::floor_to_step(a, step);
  const fixed8 up = triarb::ceil_to_step(a, step);
  if (sr <= 0 || ar <= 0) {
    TRIARB_FUZZ_CHECK(down == a && up == a, "step outside the domain must return q");
    return;
  }
  const i128 d = down.raw();
  const i128 u = up.raw();
  TRIARB_FUZZ_CHECK(d % sr == 0 && d <= ar && ar - d < sr, "floor_to_step");
  const i128 exact_up = (ar % sr == 0) ? ar : (ar / sr + 1) * sr;
  if (exact_up <= kMax) {
    TRIARB_FUZZ_CHECK(u == exact_up && u % sr == 0 && u >= ar && u - ar < sr, "ceil_to_step");
  } else {
    TRIARB_FUZZ_CHECK(u == d, "ceil_to_step must saturate to the largest multiple");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_parse(text);
  triarb::fuzz::byte_consumer in(data, size);
  check_arithmetic(in);
  return 0;
}
