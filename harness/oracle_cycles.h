// oracle_cycles: the harness's own list of the three-leg cycles from one
// start asset, enumerated by brute force from the asset graph -- each
// symbol's two assets, scanned in full -- without triangle_index or
// universe::symbol_between, so the campaigns' missed-opportunity oracle is
// independent of the indexing it judges: a cycle the bot's index leaves out
// (a fence-post that skips the last neighbour) is a reportable cycle the bot
// never reports, a miss, and a count that differs fails the run outright.
//
// The cycles are S>X>Y>S for every ordered pair (X, Y) of distinct assets
// other than S with all three edges present (both directions of a cycle are
// distinct); where two symbols join the same pair of assets the lower id is
// used, as the exchange's universe promises (universe.h).
//
//   oracle_cycles c(u, usdt);
//   for (std::uint32_t i : c.touching(sym)) judge(c.at(i));
//   bool reported = key_of(op) == oracle_cycles::key_of(c.at(i));
//
// Thread safety: immutable after construction.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/evaluator.h"
#include "core/triangle_index.h"
#include "core/universe.h"

namespace triarb {

class oracle_cycles {
 public:
  // A cycle's legs as (symbol << 1 | sell): what the bot's report must name.
  using key = std::array<std::uint64_t, 3>;

  oracle_cycles(const universe& u, asset_id start);

  [[nodiscard]] std::size_t size() const noexcept { return cycles_.size(); }
  [[nodiscard]] const triangle& at(std::uint32_t i) const { return cycles_[i]; }
  // The cycles that use symbol s (indices for at()).
  [[nodiscard]] std::span<const std::uint32_t> touching(symbol_id s) const { return by_symbol_[s]; }
  // "USDT>BTC>ETH>USDT".
  [[nodiscard]] std::string name(std::uint32_t i, const universe& u) const;

  [[nodiscard]] static key key_of(const triangle& t) noexcept;
  [[nodiscard]] static key key_of(const opportunity& op) noexcept;

 private:
  std::vector<triangle> cycles_;
  std::vector<std::vector<std::uint32_t>> by_symbol_;
};

}  // namespace triarb
