// int128: 128-bit integers for exact intermediates (gcc and clang), used by
// fixed8, the rate type and the evaluator, and by the oracles that check them
// (sim/, properties/, fuzz/), with their floor and ceiling division.
// __extension__ keeps -Wpedantic quiet about the non-standard type.
#pragma once

namespace triarb {
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

// Floor and ceiling of a / b for b > 0, any sign of a (the caller keeps
// a / b in range).
[[nodiscard]] constexpr i128 floor_div(i128 a, i128 b) noexcept {
  return a / b - (a % b != 0 && a < 0 ? 1 : 0);
}
[[nodiscard]] constexpr i128 ceil_div(i128 a, i128 b) noexcept {
  return a / b + (a % b != 0 && a > 0 ? 1 : 0);
}
}  // namespace triarb
