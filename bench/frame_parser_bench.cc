// Benchmarks for frame_parser: frame bytes -> quote (goal: a ~150-byte
// combined-stream frame in <= 120 ns median with -march=native), the raw
// shape, an error frame (slow path), and symbol lookup.
//
//   build/default/bench/frame_parser_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/frame_parser.h"

namespace {

using namespace triarb;

// A universe shaped like the real one: ~1,400 symbols.
const symbol_table& universe() {
  static const symbol_table t = [] {
    std::vector<std::string> names = {"BNBUSDT", "BTCUSDT", "LUNCUSDT", "ETHBTC"};
    for (int i = 0; names.size() < 1400; ++i)
      names.push_back("C" + std::to_string(i * 37) + "USDT");
    return symbol_table(names);
  }();
  return t;
}

constexpr std::string_view kCombined =
    R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})";
constexpr std::string_view kRaw =
    R"({"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})";
constexpr std::string_view kCrossed =
    R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.37190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})";

void run(benchmark::State& state, std::string_view frame, frame_kind want) {
  frame_parser parser(universe());
  frame_buffer buf;
  buf.assign(frame);
  for (auto _ : state) {
    frame_result r = parser.parse(buf);
    benchmark::DoNotOptimize(r);
    if (r.kind != want) state.SkipWithError("unexpected result");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
  state.SetLabel(std::to_string(frame.size()) + " bytes");
}

void BM_ParseCombinedFrame(benchmark::State& state) { run(state, kCombined, frame_kind::quote); }
void BM_ParseRawFrame(benchmark::State& state) { run(state, kRaw, frame_kind::quote); }
void BM_ParseCrossedFrameSlowPath(benchmark::State& state) {
  run(state, kCrossed, frame_kind::attributed_error);
}

void BM_SymbolLookupHit(benchmark::State& state) {
  const symbol_table& t = universe();
  const std::string_view names[] = {"BNBUSDT", "LUNCUSDT", "C37000USDT", "ETHBTC"};
  std::size_t i = 0;
  for (auto _ : state) {
    symbol_id id = t.find(names[i++ & 3]);
    benchmark::DoNotOptimize(id);
  }
}

void BM_SymbolLookupMiss(benchmark::State& state) {
  const symbol_table& t = universe();
  const std::string_view names[] = {"DOGEUSDT", "LUNCUSDC", "C37001USDT", "ETHBNB"};
  std::size_t i = 0;
  for (auto _ : state) {
    symbol_id id = t.find(names[i++ & 3]);
    benchmark::DoNotOptimize(id);
  }
}

// What the parser's fast path uses: the name inside a padded frame buffer.
void BM_SymbolLookupPaddedHit(benchmark::State& state) {
  const symbol_table& t = universe();
  frame_buffer buf;
  buf.assign("BNBUSDT\"LUNCUSDT\"C37000USDT\"ETHBTC\"");
  const char* p = buf.data();
  const std::size_t at[] = {0, 8, 17, 28};
  const std::size_t len[] = {7, 8, 10, 6};
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & 3;
    symbol_id id = t.find_padded(p + at[k], len[k]);
    benchmark::DoNotOptimize(id);
  }
}

BENCHMARK(BM_ParseCombinedFrame);
BENCHMARK(BM_ParseRawFrame);
BENCHMARK(BM_ParseCrossedFrameSlowPath);
BENCHMARK(BM_SymbolLookupHit);
BENCHMARK(BM_SymbolLookupPaddedHit);
BENCHMARK(BM_SymbolLookupMiss);

}  // namespace
