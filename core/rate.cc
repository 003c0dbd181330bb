// rate construction from exact quotients and exact decimal formatting. See
// rate.h for the contracts.
#include "core/rate.h"

#include <boost/multiprecision/cpp_int.hpp>
#include <cmath>

namespace triarb {
namespace {

constexpr int bit_length(u128 v) noexcept {
  const auto hi = static_cast<std::uint64_t>(v >> 64);
  if (hi != 0) return 128 - __builtin_clzll(hi);
  const auto lo = static_cast<std::uint64_t>(v);
  return lo == 0 ? 0 : 64 - __builtin_clzll(lo);
}

// q holds the exact floor of the quotient truncated to 64 significant bits
// (top bit set), value q * 2^e; inexact says whether anything was dropped.
rate finish(std::uint64_t q, std::int32_t e, bool inexact, rounding r) noexcept {
  if (r == rounding::up && inexact) {
    ++q;
    if (q == 0) {  // 2^64
      q = rate::kTopBit;
      ++e;
    }
  }
  return rate::from_parts(q, e);
}

}  // namespace

rate rate_from_quotient(u128 num, u128 den, rounding r) noexcept {
  if (num == 0 || den == 0) return rate{};
  if ((den >> 64) == 0) {
    // Fast path, one 128/64 division. den = d * 2^-sd with d's top bit set;
    // num = n * 2^k with n's top bit at 127, or at 126 when n's high word
    // would not be below d (the division's quotient must fit 64 bits).
    // Either way the quotient q = floor(n / d) is in [2^63, 2^64): n >= 2^127
    // > d * 2^63 in the first case, n >= d * 2^63 in the second.
    const auto d64 = static_cast<std::uint64_t>(den);
    const int sd = __builtin_clzll(d64);
    const std::uint64_t d = d64 << sd;
    const int ln = bit_length(num);
    u128 n = num << (128 - ln);
    std::int32_t k = ln - 128;
    bool dropped = false;  // a bit of num shifted out (only when num has 128 bits)
    if (static_cast<std::uint64_t>(n >> 64) >= d) {
      dropped = (n & 1) != 0;
      n >>= 1;
      ++k;
    }
    const auto hi = static_cast<std::uint64_t>(n >> 64);
    const auto lo = static_cast<std::uint64_t>(n);
    std::uint64_t q = 0;
    std::uint64_t rem = 0;
#if defined(__x86_64__)
    // hi < d, so the quotient fits: one divq (the compiler's u128 / u64 calls
    // __udivti3, which divides twice when it cannot know that).
    __asm__("divq %[d]" : "=a"(q), "=d"(rem) : [d] "r"(d), "a"(lo), "d"(hi) : "cc");
#else
    q = static_cast<std::uint64_t>(n / d);
    rem = static_cast<std::uint64_t>(n - static_cast<u128>(q) * d);
#endif
    // floor(floor(num / 2) / d) == floor(num / (2 d)): the dropped bit only
    // makes the result inexact.
    return finish(q, k + sd, rem != 0 || dropped, r);
  }
  // General path: align num and den to the same bit length (exactly, by
  // shifting the shorter one up), then long division, one bit per step. The
  // running remainder is always < den; doubling it may carry out of 128
  // bits, in which case it certainly exceeds den and the wrapped difference
  // is exact.
  const int ln = bit_length(num);
  const int ld = bit_length(den);
  u128 n = num;
  u128 d = den;
  std::int32_t e = 0;  // num / den == (n / d) * 2^e
  if (ln >= ld) {
    d <<= (ln - ld);
    e = ln - ld;
  } else {
    n <<= (ld - ln);
    e = -(ld - ln);
  }
  // n / d is in (1/2, 2).
  u128 rem;
  if (n >= d) {
    rem = n - d;
  } else {
    // 2n >= d, and 2n - d < d: if doubling carries out of 128 bits, the
    // wrapped difference is still exact.
    n <<= 1;
    --e;
    rem = n - d;
  }
  std::uint64_t q = 1;
  for (int i = 0; i < 63; ++i) {
    const bool carry = (rem >> 127) != 0;
    rem <<= 1;
    q <<= 1;
    if (carry || rem >= d) {
      rem -= d;
      q |= 1;
    }
  }
  return finish(q, e - 63, rem != 0, r);
}

rate rate_from_fixed8(fixed8 v, rounding r) noexcept {
  if (v.raw() <= 0) return rate{};
  return rate_from_quotient(static_cast<u128>(v.raw()), static_cast<u128>(fixed8::kScale), r);
}

double rate::to_double() const noexcept {
  return std::ldexp(static_cast<double>(mantissa_), exponent_);
}

std::string to_decimal_string(rate v, int digits) {
  using boost::multiprecision::cpp_int;
  if (digits < 0) digits = 0;
  cpp_int scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  cpp_int scaled = cpp_int(v.mantissa()) * scale;  // floor(m * 2^e * 10^digits)
  if (v.exponent() >= 0) {
    scaled <<= v.exponent();
  } else {
    scaled >>= -v.exponent();
  }
  std::string s = scaled.str();
  const auto d = static_cast<std::size_t>(digits);
  if (s.size() <= d) s.insert(0, d + 1 - s.size(), '0');
  if (d > 0) s.insert(s.size() - d, 1, '.');
  return s;
}

}  // namespace triarb
