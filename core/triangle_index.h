// triangle_index: every three-leg cycle S>X>Y>S that starts and ends in a
// configured start asset, and for each symbol the (triangle, leg) pairs that
// use it, so an update to one symbol evaluates only its own triangles.
//
// A hop A>B uses the symbol between A and B in whichever direction it trades:
// if the symbol is B/A (base B, quote A) the hop buys B at the ask; if it is
// A/B it sells A at the bid. Both directions of a cycle are distinct
// triangles, and so are the rotations of one cycle that start in different
// start assets. For one start asset the count is the number of ordered pairs
// (X, Y) of distinct other assets with all three edges present.
//
//   triangle_index idx = triangle_index::build(u, {usdt});
//   for (const leg_ref& r : idx.touching(sym)) evaluate(idx.triangle_at(r.triangle));
//   idx.name(t, u) == "USDT>BTC>ETH>USDT"
//
// Ids are deterministic: start assets in the order given, then X by asset id,
// then Y by asset id.
//
// Thread safety: immutable after build; share freely.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/quote.h"
#include "core/universe.h"

namespace triarb {

// buy: spend the quote asset, receive the base, at the ask.
// sell: spend the base asset, receive the quote, at the bid.
enum class side : std::uint8_t { buy, sell };

struct leg {
  symbol_id symbol = kNoSymbol;
  side dir = side::buy;
  asset_id from = 0;  // the asset spent on this hop
  asset_id to = 0;    // the asset received
};

struct triangle {
  asset_id start = 0;
  std::array<leg, 3> legs;
};

struct leg_ref {
  triangle_id triangle = 0;
  std::uint8_t leg = 0;  // 0, 1 or 2
};

class triangle_index {
 public:
  // REQUIRES: every start asset < u.assets().size() (else std::invalid_argument).
  // A start asset given twice is enumerated once. Where two symbols join the
  // same pair of assets, the one with the lower id is used (as
  // universe::symbol_between). Start-up only: allocates.
  [[nodiscard]] static triangle_index build(const universe& u,
                                            std::span<const asset_id> start_assets);

  [[nodiscard]] std::size_t size() const noexcept { return triangles_.size(); }
  [[nodiscard]] std::span<const triangle> triangles() const noexcept { return triangles_; }
  [[nodiscard]] const triangle& triangle_at(triangle_id t) const noexcept { return triangles_[t]; }
  // The (triangle, leg) pairs that use symbol s, in ascending triangle id.
  // REQUIRES: s < number of symbols in the universe the index was built from.
  [[nodiscard]] std::span<const leg_ref> touching(symbol_id s) const noexcept {
    return {refs_.data() + offsets_[s], refs_.data() + offsets_[s + 1]};
  }
  // "USDT>BTC>ETH>USDT"
  [[nodiscard]] std::string name(triangle_id t, const universe& u) const;

 private:
  std::vector<triangle> triangles_;
  std::vector<std::uint32_t> offsets_;  // CSR: refs_ of symbol s are [offsets_[s], offsets_[s+1])
  std::vector<leg_ref> refs_;
};

}  // namespace triarb
