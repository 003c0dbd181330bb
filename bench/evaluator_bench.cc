// evaluator_bench: the cost of one triangle evaluation on a generated
// ~1,400-symbol universe (sim/universe_gen.h, seed 42, start asset USDT).
//
// Each iteration evaluates every triangle touching one symbol (round robin
// over the symbols that have triangles) with evaluator::on_symbol; the
// counter ns_per_triangle is the time divided by the triangles evaluated.
// The book is a plain array of snapshots (the seqlock read is measured with
// the book and in the pipeline benchmark), quoted one tick around the
// generator's fair prices, so nearly every cycle ends below the threshold:
// the hot path.
//   steady:      prices unchanged, every leg rate is a cache hit
//   with_update: the symbol's bid and ask move by raw 1 (10^-8, not a
//                tick_size) before each call, so its two leg rates are
//                recomputed once per update (the real pattern: one update,
//                then its ~4.5 triangles)
//   uncached:    evaluator::ratio per triangle (three leg-rate divisions, one
//                divq each on x86-64), the naive version, for comparison
//
//   build/<dir>/bench/evaluator_bench --benchmark_repetitions=10
//     --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "core/evaluator.h"
#include "core/universe.h"
#include "sim/universe_gen.h"

namespace triarb {
namespace {

constexpr std::int64_t kNow = 1'000'000'000'000;

struct stub_book {
  std::vector<book_snapshot> snaps;
  [[nodiscard]] book_snapshot read(symbol_id s) const { return snaps[s]; }
};

struct fixture {
  fixture()
      : gen(sim::generate_universe({}, 42)),
        u(load_exchange_info(gen.exchange_info_json)),
        usdt(*u.find_asset("USDT")),
        idx(triangle_index::build(u, std::span<const asset_id>(&usdt, 1))),
        ev(u, idx, evaluator_config{}, tel) {
    book.snaps.resize(u.symbols().size());
    for (symbol_id s = 0; s < u.symbols().size(); ++s) {
      const fixed8 fair = gen.symbols[s].fair_price;
      const fixed8 tick =
          gen.symbols[s].tick_size.is_positive() ? gen.symbols[s].tick_size : fixed8::from_raw(1);
      book_snapshot& b = book.snaps[s];
      b.bid = fixed8::from_raw(std::max<std::int64_t>(fair.raw() - tick.raw(), 1));
      b.ask = fixed8::from_raw(fair.raw() + tick.raw());
      b.bid_qty = fixed8::from_units(100);
      b.ask_qty = fixed8::from_units(100);
      b.update_id = 1;
      b.recv_ns = kNow - 1'000'000;
      b.valid = true;
      if (!idx.touching(s).empty()) active.push_back(s);
    }
  }
  sim::generated_universe gen;
  universe u;
  asset_id usdt;
  triangle_index idx;
  telemetry tel;
  evaluator ev;
  stub_book book;
  std::vector<symbol_id> active;  // symbols with at least one triangle
};

fixture& shared() {
  static fixture f;
  return f;
}

void report(benchmark::State& state, std::uint64_t triangles, const fixture& f) {
  state.counters["ns_per_triangle"] = benchmark::Counter(
      static_cast<double>(triangles), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["triangles_per_call"] =
      static_cast<double>(triangles) / static_cast<double>(state.iterations());
  state.counters["universe_symbols"] = static_cast<double>(f.u.symbols().size());
  state.counters["universe_triangles"] = static_cast<double>(f.idx.size());
}

void BM_EvaluateTouching_steady(benchmark::State& state) {
  fixture& f = shared();
  std::size_t i = 0;
  std::uint64_t triangles = 0;
  std::size_t accepted = 0;
  for (auto _ : state) {
    const symbol_id s = f.active[i];
    i = i + 1 == f.active.size() ? 0 : i + 1;
    accepted += f.ev.on_symbol(f.book, s, kNow, [](const opportunity&) { return true; });
    triangles += f.idx.touching(s).size();
  }
  benchmark::DoNotOptimize(accepted);
  report(state, triangles, f);
}
BENCHMARK(BM_EvaluateTouching_steady);

void BM_EvaluateTouching_with_update(benchmark::State& state) {
  fixture& f = shared();
  std::size_t i = 0;
  std::uint64_t triangles = 0;
  std::size_t accepted = 0;
  std::int64_t flip = 1;
  for (auto _ : state) {
    const symbol_id s = f.active[i];
    i = i + 1 == f.active.size() ? 0 : i + 1;
    book_snapshot& b = f.book.snaps[s];
    // One tick (raw 1) up or down: both cached rates of s miss.
    b.bid = fixed8::from_raw(b.bid.raw() + flip);
    b.ask = fixed8::from_raw(b.ask.raw() + flip);
    ++b.update_id;
    accepted += f.ev.on_symbol(f.book, s, kNow, [](const opportunity&) { return true; });
    triangles += f.idx.touching(s).size();
    if (i == 0) flip = -flip;
  }
  benchmark::DoNotOptimize(accepted);
  report(state, triangles, f);
}
BENCHMARK(BM_EvaluateTouching_with_update);

void BM_RatioUncached(benchmark::State& state) {
  fixture& f = shared();
  triangle_id t = 0;
  for (auto _ : state) {
    const triangle& tri = f.idx.triangle_at(t);
    const std::array<book_snapshot, 3> legs = {f.book.snaps[tri.legs[0].symbol],
                                               f.book.snaps[tri.legs[1].symbol],
                                               f.book.snaps[tri.legs[2].symbol]};
    benchmark::DoNotOptimize(f.ev.ratio(tri, legs));
    t = t + 1 == f.idx.size() ? 0 : t + 1;
  }
  report(state, static_cast<std::uint64_t>(state.iterations()), f);
}
BENCHMARK(BM_RatioUncached);

}  // namespace
}  // namespace triarb
