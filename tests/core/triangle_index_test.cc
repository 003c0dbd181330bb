// Unit tests for triangle_index: counts on hand-made universes, the side of
// every hop in both symbol orientations, deterministic ids, touching() as the
// exact inverse of triangles(), and a brute-force oracle on a generated
// ~1,350-symbol universe.
#include "core/triangle_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sim/universe_gen.h"

namespace triarb {
namespace {

// "BTC/USDT" -> symbol "BTCUSDT" with base BTC, quote USDT.
universe make(const std::vector<std::string>& pairs) {
  std::vector<symbol_spec> specs;
  for (const std::string& p : pairs) {
    const std::size_t slash = p.find('/');
    const std::string base = p.substr(0, slash);
    const std::string quote = p.substr(slash + 1);
    specs.push_back({base + quote, base, quote, {}});
  }
  return universe(std::move(specs));
}

asset_id asset(const universe& u, std::string_view name) {
  const std::optional<asset_id> a = u.find_asset(name);
  EXPECT_TRUE(a.has_value()) << name;
  return a.value_or(0);
}

triangle_index build(const universe& u, std::initializer_list<std::string_view> starts) {
  std::vector<asset_id> ids;
  for (const std::string_view s : starts) ids.push_back(asset(u, s));
  return triangle_index::build(u, ids);
}

std::vector<std::string> names(const triangle_index& idx, const universe& u) {
  std::vector<std::string> out;
  for (triangle_id t = 0; t < idx.size(); ++t) out.push_back(idx.name(t, u));
  return out;
}

// Checks the structural invariants every index must satisfy: legs chain
// start>X>Y>start through the symbol joining each pair, with the side the
// symbol's orientation dictates; and touching() is exactly the inverse of
// triangles(), in ascending triangle id.
void check_invariants(const triangle_index& idx, const universe& u) {
  std::vector<std::set<std::pair<triangle_id, int>>> expected(u.symbols().size());
  for (triangle_id t = 0; t < idx.size(); ++t) {
    const triangle& tr = idx.triangle_at(t);
    ASSERT_EQ(tr.legs[0].from, tr.start);
    ASSERT_EQ(tr.legs[2].to, tr.start);
    for (int k = 0; k < 3; ++k) {
      const leg& l = tr.legs[static_cast<std::size_t>(k)];
      if (k > 0) {
        ASSERT_EQ(l.from, tr.legs[static_cast<std::size_t>(k - 1)].to);
      }
      ASSERT_NE(l.from, l.to);
      ASSERT_EQ(l.symbol, u.symbol_between(l.from, l.to));
      const symbol_info& s = u.symbol(l.symbol);
      if (l.dir == side::buy) {
        ASSERT_EQ(s.quote, l.from);
        ASSERT_EQ(s.base, l.to);
      } else {
        ASSERT_EQ(s.base, l.from);
        ASSERT_EQ(s.quote, l.to);
      }
      expected[l.symbol].insert({t, k});
    }
    ASSERT_NE(tr.legs[1].to, tr.start);  // X != Y != start
  }
  std::size_t total = 0;
  for (symbol_id s = 0; s < u.symbols().size(); ++s) {
    std::set<std::pair<triangle_id, int>> got;
    triangle_id prev = 0;
    bool first = true;
    for (const leg_ref& r : idx.touching(s)) {
      ASSERT_TRUE(first || r.triangle > prev) << "touching() not ascending";
      first = false;
      prev = r.triangle;
      ASSERT_LT(r.triangle, idx.size());
      ASSERT_EQ(idx.triangle_at(r.triangle).legs[r.leg].symbol, s);
      got.insert({r.triangle, r.leg});
    }
    ASSERT_EQ(got, expected[s]) << u.symbol(s).name;
    total += got.size();
  }
  ASSERT_EQ(total, 3 * idx.size());
}

TEST(TriangleIndex, ThreeFullyConnectedAssetsGiveTwoTrianglesPerStart) {
  const universe u = make({"BTC/USDT", "ETH/USDT", "ETH/BTC"});
  const triangle_index idx = build(u, {"USDT"});
  EXPECT_EQ(names(idx, u), (std::vector<std::string>{"USDT>BTC>ETH>USDT", "USDT>ETH>BTC>USDT"}));
  check_invariants(idx, u);
}

TEST(TriangleIndex, EachHopHasTheSideItsSymbolsOrientationDictates) {
  const universe u = make({"BTC/USDT", "ETH/USDT", "ETH/BTC"});
  const triangle_index idx = build(u, {"USDT"});
  ASSERT_EQ(idx.size(), 2u);
  const triangle& fwd = idx.triangle_at(0);  // USDT>BTC>ETH>USDT
  EXPECT_EQ(fwd.legs[0].symbol, u.find_symbol("BTCUSDT"));
  EXPECT_EQ(fwd.legs[0].dir, side::buy);  // spend USDT, get BTC
  EXPECT_EQ(fwd.legs[1].symbol, u.find_symbol("ETHBTC"));
  EXPECT_EQ(fwd.legs[1].dir, side::buy);  // spend BTC, get ETH
  EXPECT_EQ(fwd.legs[2].symbol, u.find_symbol("ETHUSDT"));
  EXPECT_EQ(fwd.legs[2].dir, side::sell);    // spend ETH, get USDT
  const triangle& rev = idx.triangle_at(1);  // USDT>ETH>BTC>USDT
  EXPECT_EQ(rev.legs[0].dir, side::buy);
  EXPECT_EQ(rev.legs[1].dir, side::sell);  // spend ETH on ETHBTC
  EXPECT_EQ(rev.legs[2].dir, side::sell);  // spend BTC on BTCUSDT
  EXPECT_EQ(rev.legs[1].from, asset(u, "ETH"));
  EXPECT_EQ(rev.legs[1].to, asset(u, "BTC"));

  // The start asset as the base: USDT/TRY. USDT>TRY sells USDT at the bid.
  const universe v = make({"USDT/TRY", "BTC/TRY", "BTC/USDT"});
  const triangle_index iv = build(v, {"USDT"});
  ASSERT_EQ(iv.size(), 2u);
  EXPECT_EQ(iv.name(0, v), "USDT>BTC>TRY>USDT");
  EXPECT_EQ(iv.triangle_at(0).legs[0].dir, side::buy);   // BTCUSDT: get BTC
  EXPECT_EQ(iv.triangle_at(0).legs[1].dir, side::sell);  // BTCTRY: spend BTC
  EXPECT_EQ(iv.triangle_at(0).legs[2].dir, side::buy);   // USDTTRY: spend TRY, get USDT
  EXPECT_EQ(iv.name(1, v), "USDT>TRY>BTC>USDT");
  EXPECT_EQ(iv.triangle_at(1).legs[0].dir, side::sell);  // USDTTRY: spend USDT
  EXPECT_EQ(iv.triangle_at(1).legs[1].dir, side::buy);   // BTCTRY: get BTC
  EXPECT_EQ(iv.triangle_at(1).legs[2].dir, side::sell);  // BTCUSDT: spend BTC
  check_invariants(iv, v);
}

TEST(TriangleIndex, AFourthAssetConnectedToAllGivesSixForOneStart) {
  // Start USDT: ordered pairs (X, Y) of distinct assets from {BNB, BTC, ETH},
  // all joined to each other: 3 * 2 = 6.
  const universe u = make({"BTC/USDT", "ETH/USDT", "ETH/BTC", "BNB/USDT", "BNB/BTC", "BNB/ETH"});
  const triangle_index idx = build(u, {"USDT"});
  EXPECT_EQ(names(idx, u), (std::vector<std::string>{"USDT>BNB>BTC>USDT", "USDT>BNB>ETH>USDT",
                                                     "USDT>BTC>BNB>USDT", "USDT>BTC>ETH>USDT",
                                                     "USDT>ETH>BNB>USDT", "USDT>ETH>BTC>USDT"}));
  check_invariants(idx, u);
  // Every asset a start: each of the 4 undirected 3-cycles ({4 choose 3}) in
  // 2 directions from each of its 3 assets: 24.
  EXPECT_EQ(build(u, {"USDT", "BTC", "ETH", "BNB"}).size(), 24u);
}

TEST(TriangleIndex, AMissingEdgeRemovesExactlyTheTrianglesThatNeedIt) {
  const universe u =
      make({"BTC/USDT", "ETH/USDT", "ETH/BTC", "BNB/USDT", "BNB/BTC"});  // no BNB/ETH
  const triangle_index idx = build(u, {"USDT"});
  EXPECT_EQ(names(idx, u), (std::vector<std::string>{"USDT>BNB>BTC>USDT", "USDT>BTC>BNB>USDT",
                                                     "USDT>BTC>ETH>USDT", "USDT>ETH>BTC>USDT"}));
  check_invariants(idx, u);
  // Without BNB/USDT, BNB cannot be X or Y for start USDT.
  const universe w = make({"BTC/USDT", "ETH/USDT", "ETH/BTC", "BNB/BTC", "BNB/ETH"});
  EXPECT_EQ(names(build(w, {"USDT"}), w),
            (std::vector<std::string>{"USDT>BTC>ETH>USDT", "USDT>ETH>BTC>USDT"}));
}

TEST(TriangleIndex, APairListedInBothDirectionsUsesTheLowerIdOnce) {
  const universe u = make({"BTC/USDT", "USDT/BTC", "ETH/USDT", "ETH/BTC"});
  const triangle_index idx = build(u, {"USDT"});
  ASSERT_EQ(idx.size(), 2u);
  EXPECT_EQ(idx.triangle_at(0).legs[0].symbol, u.find_symbol("BTCUSDT"));
  EXPECT_TRUE(idx.touching(u.find_symbol("USDTBTC")).empty());
  check_invariants(idx, u);
}

TEST(TriangleIndex, StartAssetsComeInTheOrderGivenAndRepeatsAddNothing) {
  const universe u = make({"BTC/USDT", "ETH/USDT", "ETH/BTC"});
  const triangle_index idx = build(u, {"ETH", "USDT", "ETH"});
  EXPECT_EQ(names(idx, u), (std::vector<std::string>{"ETH>BTC>USDT>ETH", "ETH>USDT>BTC>ETH",
                                                     "USDT>BTC>ETH>USDT", "USDT>ETH>BTC>USDT"}));
  check_invariants(idx, u);
  EXPECT_EQ(build(u, {}).size(), 0u);
  const std::vector<asset_id> bad{99};
  EXPECT_THROW((void)triangle_index::build(u, bad), std::invalid_argument);
}

TEST(TriangleIndex, AnAssetWithoutSymbolsToTheStartGivesNothing) {
  const universe u = make({"BTC/USDT", "ETH/BTC", "BNB/ETH"});  // a path, no cycle
  const triangle_index idx = build(u, {"USDT"});
  EXPECT_EQ(idx.size(), 0u);
  for (symbol_id s = 0; s < u.symbols().size(); ++s) EXPECT_TRUE(idx.touching(s).empty());
}

TEST(TriangleIndex, CorpusFileHasTheLuncCycle) {
  const universe u =
      load_exchange_info_file(TRIARB_SOURCE_DIR "/tests/data/exchange_info/small.json");
  const triangle_index idx = build(u, {"USDT"});
  // Among USDT's neighbours {BNB, BTC, ETH, LUNC, USDC} the edges are BNB-BTC,
  // BNB-ETH, BTC-ETH and LUNC-USDC: 4 pairs, 2 directions each.
  EXPECT_EQ(idx.size(), 8u);
  const std::vector<std::string> n = names(idx, u);
  EXPECT_NE(std::find(n.begin(), n.end(), "USDT>USDC>LUNC>USDT"), n.end());
  EXPECT_NE(std::find(n.begin(), n.end(), "USDT>LUNC>USDC>USDT"), n.end());
  check_invariants(idx, u);
}

// Brute force over all (S, X, Y) with a dense pair matrix: the exact list of
// triangles, in the documented id order.
std::vector<std::tuple<asset_id, asset_id, asset_id>> oracle(const universe& u,
                                                             const std::vector<asset_id>& starts) {
  const std::size_t n = u.assets().size();
  std::vector<symbol_id> between(n * n, kNoSymbol);
  for (asset_id a = 0; a < n; ++a) {
    for (asset_id b = 0; b < n; ++b) between[a * n + b] = u.symbol_between(a, b);
  }
  std::vector<std::tuple<asset_id, asset_id, asset_id>> out;
  for (const asset_id s : starts) {
    for (asset_id x = 0; x < n; ++x) {
      for (asset_id y = 0; y < n; ++y) {
        if (x == s || y == s || x == y) continue;
        if (between[s * n + x] != kNoSymbol && between[x * n + y] != kNoSymbol &&
            between[y * n + s] != kNoSymbol) {
          out.emplace_back(s, x, y);
        }
      }
    }
  }
  return out;
}

std::vector<std::tuple<asset_id, asset_id, asset_id>> listed(const triangle_index& idx) {
  std::vector<std::tuple<asset_id, asset_id, asset_id>> out;
  for (const triangle& t : idx.triangles()) out.emplace_back(t.start, t.legs[0].to, t.legs[1].to);
  return out;
}

TEST(TriangleIndex, GeneratedUniverseMatchesBruteForceOracle) {
  const sim::generated_universe g = sim::generate_universe({}, 42);
  const universe u = load_exchange_info(g.exchange_info_json);

  const std::vector<asset_id> usdt{asset(u, "USDT")};
  const triangle_index one = triangle_index::build(u, usdt);
  EXPECT_EQ(listed(one), oracle(u, usdt));
  check_invariants(one, u);
  // The bound: every triangle from USDT is a symbol between two of USDT's
  // neighbours, taken in both directions, so at most 2 * (symbols - degree).
  EXPECT_GT(one.size(), 1500u);

  const triangle_index majors = build(u, {"USDT", "BTC", "ETH", "BNB", "FDUSD", "USDC"});
  std::vector<asset_id> majors_ids;
  for (const std::string_view s : {"USDT", "BTC", "ETH", "BNB", "FDUSD", "USDC"}) {
    majors_ids.push_back(asset(u, s));
  }
  EXPECT_EQ(listed(majors), oracle(u, majors_ids));
  check_invariants(majors, u);

  std::vector<asset_id> all;
  for (asset_id a = 0; a < u.assets().size(); ++a) all.push_back(a);
  const triangle_index every = triangle_index::build(u, all);
  EXPECT_EQ(listed(every), oracle(u, all));
  check_invariants(every, u);
  EXPECT_EQ(every.size() % 6, 0u);  // each undirected 3-cycle: 3 starts x 2 directions

  std::cout << "[ generated ] seed 42: " << u.symbols().size() << " symbols, " << u.assets().size()
            << " assets; triangles: start USDT " << one.size()
            << ", starts USDT,BTC,ETH,BNB,FDUSD,USDC " << majors.size() << ", every asset "
            << every.size() << "\n";
}

}  // namespace
}  // namespace triarb
