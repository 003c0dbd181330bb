// rate: a positive binary floating-point number m * 2^e with a 64-bit
// mantissa, produced only by exact integer arithmetic with an explicit
// rounding direction. The evaluator multiplies three leg rates with it.
//
// Why not fixed8 or a double: a plain product of per-leg fixed8 rates loses
// ~0.5% on a leg priced at 0.00000178 (1/0.00000178 has only ~3 significant
// digits left at 8 decimals), and a double rounds to nearest, so it can
// overstate a cycle. A rate keeps 64 significant bits whatever the magnitude
// and rounds in the direction asked: a leg rate rounded down is within 2^-63
// relative of the exact value, and each product rounded down loses < 2^-63
// more, so a whole triangle (three leg rates, two products) is below the
// exact ratio by < 5 * 2^-63 < 2^-60 relative, far inside the required
// 10^-6. The evaluator's exact path costs two 64x64->128 multiplies and
// one compare per triangle (most triangles never reach it: a screen in
// doubles proves them below the threshold first, core/evaluator.h). (The other option, a 128-bit
// scaled integer, is both less precise for micro prices and dearer: it needs 128-bit divisions or
// 256-bit products.)
//
//   rate r = rate_from_quotient(99'900'000, 178, rounding::down);  // (1 - 0.001) / 0.00000178
//   rate t = mul(mul(a, b, rounding::down), c, rounding::down);
//   if (t > threshold) ...
//   to_decimal_string(t, 12) == "1.000012345678"
//
// Representation: zero is {mantissa 0, exponent 0}; any other value has the
// top mantissa bit set, so comparison is exponent first, then mantissa, and
// equal values have equal representations.
//
// Thread safety: values; all functions are pure.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

#include "core/fixed8.h"
#include "core/int128.h"

namespace triarb {

class rate {
 public:
  static constexpr std::uint64_t kTopBit = std::uint64_t{1} << 63;

  constexpr rate() noexcept = default;  // zero

  // REQUIRES: mantissa == 0 (then exponent is ignored: zero) or mantissa has
  // its top bit set.
  [[nodiscard]] static constexpr rate from_parts(std::uint64_t mantissa,
                                                 std::int32_t exponent) noexcept {
    rate r;
    if (mantissa != 0) {
      r.mantissa_ = mantissa;
      r.exponent_ = exponent;
    }
    return r;
  }
  // REQUIRES: mantissa has its top bit set.
  [[nodiscard]] static constexpr rate from_normalised(std::uint64_t mantissa,
                                                      std::int32_t exponent) noexcept {
    rate r;
    r.mantissa_ = mantissa;
    r.exponent_ = exponent;
    return r;
  }
  [[nodiscard]] static constexpr rate one() noexcept { return from_parts(kTopBit, -63); }

  [[nodiscard]] constexpr std::uint64_t mantissa() const noexcept { return mantissa_; }
  [[nodiscard]] constexpr std::int32_t exponent() const noexcept { return exponent_; }
  [[nodiscard]] constexpr bool is_zero() const noexcept { return mantissa_ == 0; }

  // For display and metrics only; never used for a decision.
  [[nodiscard]] double to_double() const noexcept;

  friend constexpr bool operator==(rate, rate) noexcept = default;
  // Exact: both operands are normalised (or zero).
  friend constexpr std::strong_ordering operator<=>(rate a, rate b) noexcept {
    if (a.mantissa_ == 0 || b.mantissa_ == 0) return a.mantissa_ <=> b.mantissa_;
    if (a.exponent_ != b.exponent_) return a.exponent_ <=> b.exponent_;
    return a.mantissa_ <=> b.mantissa_;
  }

 private:
  std::uint64_t mantissa_ = 0;
  std::int32_t exponent_ = 0;
};
static_assert(sizeof(rate) == 16);

// num / den rounded in direction r to 64 significant bits (exact floor or
// ceil of the quotient at that precision). num == 0 gives zero.
// REQUIRES: den != 0.
[[nodiscard]] rate rate_from_quotient(u128 num, u128 den, rounding r) noexcept;

// An exact conversion of a non-negative fixed8 (raw / 10^8) would need
// rounding too: this is rate_from_quotient(raw, 10^8, r).
// REQUIRES: v >= 0.
[[nodiscard]] rate rate_from_fixed8(fixed8 v, rounding r) noexcept;

// a * b rounded in direction r to 64 significant bits.
// REQUIRES: the exponents stay within int32 (any product of values built from
// fixed8 quotients does, by a margin of 2^30).
[[nodiscard]] inline rate mul(rate a, rate b, rounding r) noexcept {
  if (a.is_zero() || b.is_zero()) return rate{};
  const u128 p = static_cast<u128>(a.mantissa()) * static_cast<u128>(b.mantissa());
  // Both mantissas are in [2^63, 2^64), so p is in [2^126, 2^128).
  const bool top = (p >> 127) != 0;
  const unsigned shift = top ? 64U : 63U;
  std::uint64_t m = static_cast<std::uint64_t>(p >> shift);
  std::int32_t e = a.exponent() + b.exponent() + static_cast<std::int32_t>(shift);
  if (r == rounding::up) {
    const u128 mask = (u128{1} << shift) - 1;
    if ((p & mask) != 0) {
      ++m;
      if (m == 0) {  // 2^64: renormalise
        m = rate::kTopBit;
        ++e;
      }
    }
  }
  return rate::from_parts(m, e);
}

// mul(a, b, rounding::down) for a and b both non-zero, without the zero
// tests and without a branch: the evaluator's hot path (its cached leg rates
// are never zero). Whether the product has 127 or 128 bits is as good as
// random from one triangle to the next, so mul's branch on it mispredicts
// about half the time; here it is a shift count.
// REQUIRES: !a.is_zero() && !b.is_zero(); exponents as for mul.
[[nodiscard]] inline rate mul_down_nonzero(rate a, rate b) noexcept {
  const u128 p = static_cast<u128>(a.mantissa()) * static_cast<u128>(b.mantissa());
  const auto hi = static_cast<std::uint64_t>(p >> 64);
  const auto lo = static_cast<std::uint64_t>(p);
  // p is in [2^126, 2^128): s = 1 if bit 127 is clear, and the mantissa is
  // the 64 bits from bit 127 - s down (the rest is dropped: rounded down).
  const auto s = static_cast<unsigned>(hi >> 63) ^ 1U;
  const std::uint64_t m = (hi << s) | ((lo >> 1) >> (63U - s));
  return rate::from_normalised(m, a.exponent() + b.exponent() + 64 - static_cast<std::int32_t>(s));
}

// a > b for a and b both non-zero: (exponent, mantissa) in lexicographic
// order, as one 128-bit compare. REQUIRES: !a.is_zero() && !b.is_zero().
[[nodiscard]] constexpr bool greater_nonzero(rate a, rate b) noexcept {
  const auto key = [](rate r) {
    const auto e = static_cast<std::uint32_t>(r.exponent()) ^ 0x8000'0000U;  // order-preserving
    return (static_cast<u128>(e) << 64) | r.mantissa();
  };
  return key(a) > key(b);
}

// The exact decimal value rounded down to `digits` fractional digits, with
// the fraction always written in full: "1.000012345678", "0.000001780000".
// For the journal and logs (allocates; not for the hot path).
[[nodiscard]] std::string to_decimal_string(rate v, int digits);

}  // namespace triarb
