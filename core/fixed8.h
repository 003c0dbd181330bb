// fixed8: a signed 64-bit decimal fixed-point number with 8 fractional digits,
// the unit of every price and quantity in triarb.
//
// raw value r means r / 10^8; the range is
// [-92233720368.54775808, 92233720368.54775807].
//
// Parsing is exact (no floating point), arithmetic uses 128-bit intermediates
// with an explicit rounding direction, and overflow is never undefined
// behaviour: the checked_* functions report it as an error, the saturating_*
// functions clamp and say so. Formatting is canonical and round-trips:
// parse_fixed8(to_string(x)) == x for every raw value.
//
//   fixed8_result p = parse_unsigned_fixed8("25.35190000");   // a price
//   if (!p.ok()) return p.ec;                                   // never saturates
//   qty_result q = parse_qty_capped("1000000000000.00000000");  // q.capped == true
//   fixed8_result notional = checked_mul(p.value, q.value, rounding::up);
//
// Thread safety: all functions are pure.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace triarb {

// Direction of rounding for a result that is not exactly representable.
// down: toward negative infinity (floor); up: toward positive infinity (ceil).
// The evaluator rounds what it receives down and what it pays up.
enum class rounding : std::uint8_t { down, up };

// One value per cause. ok is zero so a result can be tested cheaply.
enum class fixed8_errc : std::uint8_t {
  ok = 0,
  empty,                     // no characters at all
  sign,                      // '+' anywhere, or '-' where no sign is allowed
  exponent,                  // 'e' or 'E': exponents are never accepted
  bad_char,                  // any other character that is not a digit or one '.'
  missing_digits,            // no integer digits ("." ".5" "-"), or a '.' with none after ("5.")
  too_many_fraction_digits,  // more than 8 digits after the '.'
  overflow,                  // the value (or a result) is outside the range
  division_by_zero,
};

// A short, stable, human-readable name for an error ("too_many_fraction_digits").
[[nodiscard]] std::string_view to_string(fixed8_errc ec) noexcept;

class fixed8 {
 public:
  static constexpr std::int64_t kScale = 100'000'000;
  static constexpr int kDecimals = 8;
  // Longest canonical string: '-' + 11 integer digits + '.' + 8 digits.
  static constexpr std::size_t kMaxChars = 21;

  constexpr fixed8() noexcept = default;
  [[nodiscard]] static constexpr fixed8 from_raw(std::int64_t raw) noexcept {
    fixed8 f;
    f.raw_ = raw;
    return f;
  }
  // REQUIRES: |units| * 10^8 fits (|units| <= 92233720368).
  [[nodiscard]] static constexpr fixed8 from_units(std::int64_t units) noexcept {
    return from_raw(units * kScale);
  }
  [[nodiscard]] static constexpr fixed8 max() noexcept {
    return from_raw(std::numeric_limits<std::int64_t>::max());
  }
  [[nodiscard]] static constexpr fixed8 min() noexcept {
    return from_raw(std::numeric_limits<std::int64_t>::min());
  }
  [[nodiscard]] static constexpr fixed8 zero() noexcept { return from_raw(0); }
  [[nodiscard]] static constexpr fixed8 one() noexcept { return from_raw(kScale); }

  [[nodiscard]] constexpr std::int64_t raw() const noexcept { return raw_; }
  [[nodiscard]] constexpr bool is_zero() const noexcept { return raw_ == 0; }
  [[nodiscard]] constexpr bool is_positive() const noexcept { return raw_ > 0; }
  [[nodiscard]] constexpr bool is_negative() const noexcept { return raw_ < 0; }

  // For display and metrics only; never used for a decision.
  [[nodiscard]] double to_double() const noexcept {
    return static_cast<double>(raw_) / static_cast<double>(kScale);
  }

  friend constexpr bool operator==(fixed8, fixed8) noexcept = default;
  friend constexpr auto operator<=>(fixed8, fixed8) noexcept = default;

 private:
  std::int64_t raw_ = 0;
};
static_assert(sizeof(fixed8) == 8);

struct [[nodiscard]] fixed8_result {
  fixed8 value;
  fixed8_errc ec = fixed8_errc::ok;
  [[nodiscard]] constexpr bool ok() const noexcept { return ec == fixed8_errc::ok; }
};

struct [[nodiscard]] qty_result {
  fixed8 value;
  fixed8_errc ec = fixed8_errc::ok;
  bool capped = false;  // the input was above fixed8::max(); value == fixed8::max()
  [[nodiscard]] constexpr bool ok() const noexcept { return ec == fixed8_errc::ok; }
};

struct [[nodiscard]] saturated {
  fixed8 value;
  bool saturated = false;  // the exact result was out of range and was clamped
};

// Grammar: ['-'] digit+ ['.' digit{1,8}]. Leading zeros are allowed.
// Signed: a leading '-' is accepted (configuration values, profits).
fixed8_result parse_fixed8(std::string_view s) noexcept;
// Unsigned: any sign is fixed8_errc::sign. Prices use this: they never saturate.
fixed8_result parse_unsigned_fixed8(std::string_view s) noexcept;
// Unsigned, and a syntactically valid value above fixed8::max() gives
// {fixed8::max(), ok, capped = true} instead of overflow. The caller counts it.
// Other errors (syntax, sign, too many digits) are errors as usual.
qty_result parse_qty_capped(std::string_view s) noexcept;

// Arithmetic. checked_* report overflow as fixed8_errc::overflow (value is
// then unspecified); saturating_* clamp to min()/max() and say so.
fixed8_result checked_add(fixed8 a, fixed8 b) noexcept;
fixed8_result checked_sub(fixed8 a, fixed8 b) noexcept;
saturated saturating_add(fixed8 a, fixed8 b) noexcept;
saturated saturating_sub(fixed8 a, fixed8 b) noexcept;
// a * b, exact product rounded in direction r.
fixed8_result checked_mul(fixed8 a, fixed8 b, rounding r) noexcept;
saturated saturating_mul(fixed8 a, fixed8 b, rounding r) noexcept;
// a / b, exact quotient rounded in direction r. b == 0 is division_by_zero.
fixed8_result checked_div(fixed8 a, fixed8 b, rounding r) noexcept;

// The largest multiple of step that is <= q (q >= 0). step <= 0 returns q.
[[nodiscard]] fixed8 floor_to_step(fixed8 q, fixed8 step) noexcept;
// The smallest multiple of step that is >= q (q >= 0). step <= 0 returns q.
// Saturates to the largest representable multiple if the next one overflows.
[[nodiscard]] fixed8 ceil_to_step(fixed8 q, fixed8 step) noexcept;

// Canonical form: '-' if negative, integer digits without leading zeros ("0"
// for none), then '.' and the fraction without trailing zeros, omitted when
// the fraction is zero. "25.3519", "14655285543", "0.00000896", "-1.5".
// REQUIRES: out has room for fixed8::kMaxChars characters. Returns the length.
std::size_t format_to(fixed8 v, char* out) noexcept;
[[nodiscard]] std::string to_string(fixed8 v);

}  // namespace triarb
