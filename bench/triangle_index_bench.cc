// triangle_index_bench: building the triangle index on a generated
// ~1,350-symbol universe (sim/universe_gen.h, seed 42). Goal <= 1 ms; the
// previous bot took 70 ms for 5,196 cycles.
//
//   build/<dir>/bench/triangle_index_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string_view>
#include <vector>

#include "core/triangle_index.h"
#include "core/universe.h"
#include "sim/universe_gen.h"

namespace {

using namespace triarb;

const universe& generated() {
  static const universe u = load_exchange_info(sim::generate_exchange_info({}, 42));
  return u;
}

std::vector<asset_id> starts(std::initializer_list<std::string_view> names) {
  std::vector<asset_id> out;
  for (const std::string_view n : names) out.push_back(*generated().find_asset(n));
  return out;
}

void run(benchmark::State& state, const std::vector<asset_id>& s) {
  const universe& u = generated();
  std::size_t n = 0;
  for (auto _ : state) {
    triangle_index idx = triangle_index::build(u, s);
    n = idx.size();
    benchmark::DoNotOptimize(idx);
  }
  state.counters["triangles"] = static_cast<double>(n);
  state.counters["symbols"] = static_cast<double>(u.symbols().size());
}

// Start USDT only (~1,900 triangles: the most one start asset can have here).
void BM_BuildStartUsdt(benchmark::State& state) { run(state, starts({"USDT"})); }
BENCHMARK(BM_BuildStartUsdt)->Unit(benchmark::kMicrosecond);

// Six start assets: ~8,000 triangles, the same order as the previous bot's 5,196.
void BM_BuildSixStarts(benchmark::State& state) {
  run(state, starts({"USDT", "BTC", "ETH", "BNB", "FDUSD", "USDC"}));
}
BENCHMARK(BM_BuildSixStarts)->Unit(benchmark::kMicrosecond);

// Every asset a start asset: ~18,000 triangles.
void BM_BuildEveryAsset(benchmark::State& state) {
  std::vector<asset_id> all;
  for (asset_id a = 0; a < generated().assets().size(); ++a) all.push_back(a);
  run(state, all);
}
BENCHMARK(BM_BuildEveryAsset)->Unit(benchmark::kMicrosecond);

}  // namespace
