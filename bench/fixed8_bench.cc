// Fixed8 micro-benchmarks: parse of Binance-width strings, canonical format,
// checked_mul and checked_div. Figures are medians of repetitions, reported in
// notes; nothing here is asserted.
//
//   build/default/bench/fixed8_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true   (one command line)
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <string_view>

#include "core/fixed8.h"

namespace {

using triarb::fixed8;

// The shapes a bookTicker frame carries: prices, quantities, micro prices and
// the twelve-digit LUNC quantity (capped).
constexpr std::array<std::string_view, 8> kInputs = {
    "25.35190000", "31.21000000", "14655285543.00",         "53055234842.0",
    "0.00000896",  "0.00000178",  "1000000000000.00000000", "63972.01000000"};

void BM_ParseUnsigned(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    const triarb::fixed8_result r = triarb::parse_unsigned_fixed8(kInputs[i]);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & 7;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseUnsigned);

void BM_ParseQtyCapped(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    const triarb::qty_result r = triarb::parse_qty_capped(kInputs[i]);
    benchmark::DoNotOptimize(r);
    i = (i + 1) & 7;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseQtyCapped);

// One width only, so the branch pattern is perfectly predictable.
void BM_ParsePrice8dp(benchmark::State& state) {
  std::string_view s = "25.35190000";
  for (auto _ : state) {
    benchmark::DoNotOptimize(s);
    const triarb::fixed8_result r = triarb::parse_unsigned_fixed8(s);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParsePrice8dp);

void BM_Format(benchmark::State& state) {
  std::array<fixed8, 8> values{};
  for (std::size_t k = 0; k < values.size(); ++k) {
    values[k] = triarb::parse_qty_capped(kInputs[k]).value;
  }
  char buf[fixed8::kMaxChars];
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t n = triarb::format_to(values[i], buf);
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
    i = (i + 1) & 7;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Format);

void BM_CheckedMul(benchmark::State& state) {
  const fixed8 price = fixed8::from_raw(2'535'190'000);  // 25.3519
  fixed8 qty = fixed8::from_raw(3'121'000'000);          // 31.21
  for (auto _ : state) {
    benchmark::DoNotOptimize(qty);
    const triarb::fixed8_result r = triarb::checked_mul(price, qty, triarb::rounding::down);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckedMul);

void BM_CheckedDiv(benchmark::State& state) {
  const fixed8 num = fixed8::from_raw(99'900'000);  // 1 - 0.001
  fixed8 ask = fixed8::from_raw(178);               // 0.00000178
  for (auto _ : state) {
    benchmark::DoNotOptimize(ask);
    const triarb::fixed8_result r = triarb::checked_div(num, ask, triarb::rounding::down);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckedDiv);

}  // namespace
