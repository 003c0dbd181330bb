// oracle_cycles: brute-force cycle enumeration for the campaigns' oracle.
#include "harness/oracle_cycles.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

namespace triarb {
namespace {

std::uint64_t leg_key(symbol_id s, side d) {
  return (static_cast<std::uint64_t>(s) << 1) | (d == side::sell ? 1U : 0U);
}

}  // namespace

oracle_cycles::oracle_cycles(const universe& u, asset_id start) : by_symbol_(u.symbols().size()) {
  // Every symbol, in id order: the first to join a pair of assets keeps it.
  std::map<std::pair<asset_id, asset_id>, symbol_id> join;
  for (symbol_id s = 0; s < u.symbols().size(); ++s) {
    const symbol_info& si = u.symbol(s);
    if (si.base != si.quote) join.emplace(std::minmax(si.base, si.quote), s);
  }
  auto hop = [&](asset_id from, asset_id to) -> std::optional<leg> {
    const auto it = join.find(std::minmax(from, to));
    if (it == join.end()) return std::nullopt;
    // Base `to`, quote `from`: buy `to` at the ask; else sell `from` at the bid.
    const side d = u.symbol(it->second).base == to ? side::buy : side::sell;
    return leg{it->second, d, from, to};
  };
  std::vector<asset_id> others;
  for (asset_id a = 0; a < u.assets().size(); ++a) {
    if (a != start) others.push_back(a);
  }
  for (const asset_id x : others) {
    const auto a = hop(start, x);
    if (!a) continue;
    for (const asset_id y : others) {
      if (x == y) continue;
      const auto b = hop(x, y);
      const auto c = hop(y, start);
      if (!b || !c) continue;
      const auto i = static_cast<std::uint32_t>(cycles_.size());
      cycles_.push_back(triangle{start, {*a, *b, *c}});
      for (const leg& l : cycles_.back().legs) by_symbol_[l.symbol].push_back(i);
    }
  }
}

std::string oracle_cycles::name(std::uint32_t i, const universe& u) const {
  const triangle& t = cycles_[i];
  std::string out = u.assets()[t.start];
  for (const leg& l : t.legs) out += ">" + u.assets()[l.to];
  return out;
}

oracle_cycles::key oracle_cycles::key_of(const triangle& t) noexcept {
  return {leg_key(t.legs[0].symbol, t.legs[0].dir), leg_key(t.legs[1].symbol, t.legs[1].dir),
          leg_key(t.legs[2].symbol, t.legs[2].dir)};
}

oracle_cycles::key oracle_cycles::key_of(const opportunity& op) noexcept {
  return {leg_key(op.legs[0].symbol, op.legs[0].dir), leg_key(op.legs[1].symbol, op.legs[1].dir),
          leg_key(op.legs[2].symbol, op.legs[2].dir)};
}

}  // namespace triarb
