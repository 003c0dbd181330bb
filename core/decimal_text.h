// decimal_text: an integer count of 10^-decimals units as an exact decimal
// with exactly `decimals` places (decimal_text(-125, 2) is "-1.25",
// decimal_text(5, 3) is "0.005"). For reports: the execution summary's
// slippage and answer times, journal show's quantities and prices.
#pragma once

#include <cstddef>
#include <string>

#include "core/int128.h"

namespace triarb {

// REQUIRES: decimals >= 0. Any v, the most negative i128 included.
[[nodiscard]] inline std::string decimal_text(i128 v, int decimals) {
  const bool neg = v < 0;
  std::string digits;
  do {  // digit by digit with the sign kept: the most negative value has no negation
    const auto d = static_cast<int>(v % 10);
    digits.insert(digits.begin(), static_cast<char>('0' + (d < 0 ? -d : d)));
    v /= 10;
  } while (v != 0);
  const auto n = static_cast<std::size_t>(decimals);
  if (digits.size() <= n) digits.insert(0, n + 1 - digits.size(), '0');
  if (n > 0) digits.insert(digits.size() - n, 1, '.');
  return (neg ? "-" : "") + digits;
}

}  // namespace triarb
