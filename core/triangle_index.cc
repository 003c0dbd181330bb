// triangle_index.cc: enumerates S>X>Y>S cycles with a per-asset adjacency
// list (CSR, sorted by neighbour id) and a per-start-asset mark array, so the
// inner loop is two array reads and no hashing.
#include "core/triangle_index.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace triarb {
namespace {

struct edge {
  asset_id to;
  symbol_id symbol;
};

// The leg that spends `from` and receives `to` through symbol s.
leg make_leg(const symbol_info& s, symbol_id id, asset_id from, asset_id to) noexcept {
  // Base `to`, quote `from`: pay the quote, receive the base: buy at the ask.
  // Otherwise base `from`, quote `to`: sell the base at the bid.
  return leg{id, s.base == to ? side::buy : side::sell, from, to};
}

}  // namespace

triangle_index triangle_index::build(const universe& u, std::span<const asset_id> start_assets) {
  const std::span<const symbol_info> symbols = u.symbols();
  const std::size_t n_assets = u.assets().size();
  for (const asset_id s : start_assets) {
    if (s >= n_assets)
      throw std::invalid_argument("triangle_index::build: start asset out of range");
  }

  // Adjacency in CSR form: the edges of asset a are adj[adj_off[a] .. adj_off[a+1]).
  std::vector<std::uint32_t> adj_off(n_assets + 1, 0);
  for (const symbol_info& s : symbols) {
    ++adj_off[s.base + 1];
    ++adj_off[s.quote + 1];
  }
  for (std::size_t a = 0; a < n_assets; ++a) adj_off[a + 1] += adj_off[a];
  std::vector<edge> adj(adj_off[n_assets]);
  {
    std::vector<std::uint32_t> fill(adj_off.begin(), adj_off.end() - 1);
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      const symbol_info& s = symbols[i];
      const auto id = static_cast<symbol_id>(i);
      adj[fill[s.base]++] = edge{s.quote, id};
      adj[fill[s.quote]++] = edge{s.base, id};
    }
  }
  // Sort each list by neighbour; where two symbols join the same pair (both
  // directions listed), keep the lower id, as universe::symbol_between does.
  std::vector<std::uint32_t> adj_end(n_assets);
  for (std::size_t a = 0; a < n_assets; ++a) {
    const auto first = adj.begin() + adj_off[a];
    const auto last = adj.begin() + adj_off[a + 1];
    std::sort(first, last, [](const edge& x, const edge& y) {
      return x.to != y.to ? x.to < y.to : x.symbol < y.symbol;
    });
    const auto end =
        std::unique(first, last, [](const edge& x, const edge& y) { return x.to == y.to; });
    adj_end[a] = static_cast<std::uint32_t>(end - adj.begin());
  }

  triangle_index idx;
  std::vector<symbol_id> mark(n_assets, kNoSymbol);  // symbol joining the start asset to a
  std::vector<bool> done(n_assets, false);           // start assets already enumerated
  for (const asset_id s : start_assets) {
    if (done[s]) continue;  // a repeated start asset adds nothing
    done[s] = true;
    for (std::uint32_t e = adj_off[s]; e < adj_end[s]; ++e) mark[adj[e].to] = adj[e].symbol;
    for (std::uint32_t ex = adj_off[s]; ex < adj_end[s]; ++ex) {
      const asset_id x = adj[ex].to;
      const symbol_id sx = adj[ex].symbol;
      for (std::uint32_t ey = adj_off[x]; ey < adj_end[x]; ++ey) {
        const asset_id y = adj[ey].to;
        const symbol_id ys = mark[y];
        if (ys == kNoSymbol || y == s) continue;  // mark[s] is never set: no self-loop
        const symbol_id xy = adj[ey].symbol;
        triangle t;
        t.start = s;
        t.legs[0] = make_leg(symbols[sx], sx, s, x);
        t.legs[1] = make_leg(symbols[xy], xy, x, y);
        t.legs[2] = make_leg(symbols[ys], ys, y, s);
        idx.triangles_.push_back(t);
      }
    }
    for (std::uint32_t e = adj_off[s]; e < adj_end[s]; ++e) mark[adj[e].to] = kNoSymbol;
  }
  if (idx.triangles_.size() >= std::numeric_limits<triangle_id>::max()) {
    throw std::length_error("triangle_index::build: too many triangles");
  }

  // symbol -> (triangle, leg), CSR; filled in triangle order, so each
  // symbol's refs are in ascending triangle id.
  idx.offsets_.assign(symbols.size() + 1, 0);
  for (const triangle& t : idx.triangles_) {
    for (const leg& l : t.legs) ++idx.offsets_[l.symbol + 1];
  }
  for (std::size_t i = 0; i < symbols.size(); ++i) idx.offsets_[i + 1] += idx.offsets_[i];
  idx.refs_.resize(idx.offsets_[symbols.size()]);
  std::vector<std::uint32_t> fill(idx.offsets_.begin(), idx.offsets_.end() - 1);
  for (std::size_t t = 0; t < idx.triangles_.size(); ++t) {
    for (std::uint8_t k = 0; k < 3; ++k) {
      idx.refs_[fill[idx.triangles_[t].legs[k].symbol]++] = leg_ref{static_cast<triangle_id>(t), k};
    }
  }
  return idx;
}

std::string triangle_index::name(triangle_id t, const universe& u) const {
  const triangle& tr = triangles_.at(t);
  const std::span<const std::string> a = u.assets();
  std::string out;
  out.reserve(32);
  out += a[tr.legs[0].from];
  for (const leg& l : tr.legs) {
    out += '>';
    out += a[l.to];
  }
  return out;
}

}  // namespace triarb
