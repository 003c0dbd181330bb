// int128: 128-bit integers for exact intermediates (gcc and clang), used by
// fixed8, the rate type and the evaluator, and by the oracles that check them
// (sim/, properties/, fuzz/). __extension__ keeps -Wpedantic quiet about the
// non-standard type.
#pragma once

namespace triarb {
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;
}  // namespace triarb
