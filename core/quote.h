// quote: one symbol's top of book as the exchange sent it, and the ids that
// name symbols, assets and triangles everywhere in triarb.
#pragma once

#include <cstdint>
#include <limits>

#include "core/fixed8.h"

namespace triarb {

// Dense ids, assigned by the universe in a deterministic order.
using symbol_id = std::uint32_t;
using asset_id = std::uint32_t;
using triangle_id = std::uint32_t;
inline constexpr symbol_id kNoSymbol = std::numeric_limits<symbol_id>::max();

// A price of zero with a quantity of zero is an empty side of the book: it is
// a valid quote, and the evaluator skips any cycle that needs that side.
struct quote {
  symbol_id symbol = kNoSymbol;
  std::uint64_t update_id = 0;
  fixed8 bid;
  fixed8 bid_qty;
  fixed8 ask;
  fixed8 ask_qty;
  bool qty_capped = false;  // bid_qty or ask_qty was above fixed8::max() and is max()
};

}  // namespace triarb
