// 128-bit integers for exact intermediates (gcc and clang). __extension__
// keeps -Wpedantic quiet about the non-standard type.
#pragma once

namespace triarb::internal {
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;
}  // namespace triarb::internal
