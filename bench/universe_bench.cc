// universe_bench: loading a generated ~2.4 MB exchangeInfo document
// (sim/universe_gen.h, seed 42) into a universe, against simdjson's bare
// DOM parse of the same bytes (the floor), and the generator itself.
//
//   build/<dir>/bench/universe_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <string>

#include "core/universe.h"
#include "sim/universe_gen.h"

namespace {

using namespace triarb;

const std::string& document() {
  static const std::string d = sim::generate_exchange_info({}, 42);
  return d;
}

void BM_LoadExchangeInfo(benchmark::State& state) {
  const std::string& d = document();
  for (auto _ : state) {
    universe u = load_exchange_info(d);
    benchmark::DoNotOptimize(u);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(d.size()));
}
BENCHMARK(BM_LoadExchangeInfo)->Unit(benchmark::kMillisecond);

void BM_SimdjsonDomParseOnly(benchmark::State& state) {
  const std::string& d = document();
  simdjson::dom::parser parser;
  for (auto _ : state) {
    const simdjson::padded_string padded(d);
    simdjson::dom::element root;
    if (parser.parse(padded).get(root) != simdjson::SUCCESS) state.SkipWithError("parse");
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(d.size()));
}
BENCHMARK(BM_SimdjsonDomParseOnly)->Unit(benchmark::kMillisecond);

void BM_GenerateExchangeInfo(benchmark::State& state) {
  for (auto _ : state) {
    sim::generated_universe g = sim::generate_universe({}, 42);
    benchmark::DoNotOptimize(g);
  }
}
BENCHMARK(BM_GenerateExchangeInfo)->Unit(benchmark::kMillisecond);

}  // namespace
