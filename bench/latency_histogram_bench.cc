// latency_histogram: the cost of record() on the evaluator's path (one call
// per decision), and of the readers (a quantile, the five-quantile summary
// of the tick line, the Prometheus text of a scrape).
//   build/default/bench/latency_histogram_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/latency_histogram.h"
#include "sim/rng.h"

namespace triarb {
namespace {

// 4,096 spans log-uniform over 128 ns .. ~2.1 ms (top bit 2^7 .. 2^20: 14 of
// the 31 bucket widths, the live bot's range), seeded.
std::vector<std::int64_t> spans() {
  sim::sim_rng rng(42);
  std::vector<std::int64_t> v(4096);
  for (std::int64_t& x : v) {
    const int e = 7 + static_cast<int>(rng.next() % 14);
    x = (std::int64_t{1} << e) + static_cast<std::int64_t>(rng.next() % (std::uint64_t{1} << e));
  }
  return v;
}

void BM_RecordVaried(benchmark::State& state) {
  const std::vector<std::int64_t> v = spans();
  latency_histogram h;
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(v[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordVaried);

void BM_RecordSameBucket(benchmark::State& state) {
  latency_histogram h;
  std::int64_t ns = 1'500;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ns);
    h.record(ns);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecordSameBucket);

latency_histogram& filled() {
  static latency_histogram h;
  static const bool once = [] {
    for (const std::int64_t x : spans()) h.record(x);
    return true;
  }();
  (void)once;
  return h;
}

void BM_QuantileP99(benchmark::State& state) {
  const latency_histogram& h = filled();
  for (auto _ : state) benchmark::DoNotOptimize(h.quantile_ns(0.99));
}
BENCHMARK(BM_QuantileP99);

void BM_SummarizeFiveQuantiles(benchmark::State& state) {
  const latency_histogram& h = filled();
  for (auto _ : state) benchmark::DoNotOptimize(h.summarize());
}
BENCHMARK(BM_SummarizeFiveQuantiles);

void BM_RenderPrometheus(benchmark::State& state) {
  const latency_histogram& h = filled();
  std::string out;
  for (auto _ : state) {
    out.clear();
    h.render(out, "triarb_frame_to_decision", "Frame receive to decision");
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_RenderPrometheus);

}  // namespace
}  // namespace triarb
