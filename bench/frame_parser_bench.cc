// Benchmarks for frame_parser: frame bytes -> quote, against simdjson
// On-Demand pulling the same seven fields (u, s, b, B, a, A, and stream for
// the combined shape) out of the same frame bytes in the same binary, so the
// ratio parser / simdjson comes from one run (goal: <= 1.0x).
//
//   BM_FrameParse_Raw, BM_FrameParse_Combined       parse(): fast path, then general
//   BM_SimdjsonOnDemand_Raw, _Combined              the baseline: the fields as
//                                                   uint64 + string views, no fixed8
//                                                   conversion, no symbol lookup, no
//                                                   end-of-document check (it does
//                                                   less: the ratio is conservative)
//   BM_FrameParse_Mixed, BM_SimdjsonOnDemand_Mixed  the same over 1,024 combined
//                                                   frames (varied symbols and digits)
//   BM_FrameParseValidating_Raw, _Combined          the general path alone (simdjson
//                                                   On-Demand + exact decimals)
//   BM_ParseCrossedFrameSlowPath                    an error frame (slow step)
//   BM_SymbolLookup*                                the symbol table
//
//   build/default/bench/frame_parser_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/frame_parser.h"

namespace {

using namespace triarb;

// A universe shaped like the real one: ~1,400 symbols.
const std::vector<std::string>& names() {
  static const std::vector<std::string> n = [] {
    std::vector<std::string> v = {"BNBUSDT", "BTCUSDT", "LUNCUSDT", "ETHBTC"};
    for (int i = 0; v.size() < 1400; ++i) v.push_back("C" + std::to_string(i * 37) + "USDT");
    return v;
  }();
  return n;
}

const symbol_table& universe() {
  static const symbol_table t(names());
  return t;
}

constexpr std::string_view kCombined =
    R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})";
constexpr std::string_view kRaw =
    R"({"u":400900217,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})";
constexpr std::string_view kCrossed =
    R"({"stream":"bnbusdt@bookTicker","data":{"u":400900217,"s":"BNBUSDT","b":"25.37190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}})";

// 1,024 combined frames over the universe, with prices and quantities of
// varied lengths (as a replay sees them), each in its own padded buffer of
// the frame's size (together ~250 KB, cache-resident like a replay's stream,
// not 1,024 default 4 KB buffers that would measure cache misses).
const std::vector<frame_buffer>& mixed_frames() {
  static const std::vector<frame_buffer> frames = [] {
    std::vector<frame_buffer> v;
    v.reserve(1024);
    std::uint64_t x = 0x9E3779B97F4A7C15ULL;
    auto next = [&x] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    for (std::size_t i = 0; i < 1024; ++i) {
      const std::string& name = names()[next() % names().size()];
      std::string lower = name;
      for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
      const std::uint64_t units = next() % 100000;
      const std::uint64_t frac = next() % 100000000;
      char price[32];
      char ask[32];
      char qty[32];
      std::snprintf(price, sizeof price, "%llu.%08llu", static_cast<unsigned long long>(units),
                    static_cast<unsigned long long>(frac));
      std::snprintf(ask, sizeof ask, "%llu.%08llu", static_cast<unsigned long long>(units + 1),
                    static_cast<unsigned long long>(frac));
      std::snprintf(qty, sizeof qty, "%llu.%02llu",
                    static_cast<unsigned long long>(next() % 10000000),
                    static_cast<unsigned long long>(next() % 100));
      const std::string f = "{\"stream\":\"" + lower + "@bookTicker\",\"data\":{\"u\":" +
                            std::to_string(next() % 100000000000ULL) + ",\"s\":\"" + name +
                            "\",\"b\":\"" + price + "\",\"B\":\"" + qty + "\",\"a\":\"" + ask +
                            "\",\"A\":\"" + qty + "\"}}";
      v.emplace_back(f.size()).assign(f);
    }
    return v;
  }();
  return frames;
}

// The bytes of the first n frames the Mixed benchmarks visit (frames[i & 1023]
// in turn), for SetBytesProcessed: exact, not n times a mean.
std::int64_t mixed_bytes(std::int64_t n) {
  static const std::vector<std::int64_t> prefix = [] {
    std::vector<std::int64_t> v(1025, 0);  // v[k]: bytes of frames [0, k)
    const std::vector<frame_buffer>& f = mixed_frames();
    for (std::size_t k = 0; k < 1024; ++k) {
      v[k + 1] = v[k] + static_cast<std::int64_t>(f[k].size());
    }
    return v;
  }();
  return (n / 1024) * prefix[1024] + prefix[static_cast<std::size_t>(n % 1024)];
}

void set_mixed_counters(benchmark::State& state) {
  const std::int64_t n = static_cast<std::int64_t>(state.iterations());
  state.SetBytesProcessed(mixed_bytes(n));
  state.SetLabel("1,024 frames, mean " + std::to_string(mixed_bytes(1024) / 1024) + " bytes");
}

// ------------------------------------------------------------ the parser

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

void BM_FrameParse_Combined(benchmark::State& state) { run(state, kCombined, frame_kind::quote); }
void BM_FrameParse_Raw(benchmark::State& state) { run(state, kRaw, frame_kind::quote); }
void BM_ParseCrossedFrameSlowPath(benchmark::State& state) {
  run(state, kCrossed, frame_kind::attributed_error);
}

void run_validating(benchmark::State& state, std::string_view frame) {
  frame_parser parser(universe());
  frame_buffer buf;
  buf.assign(frame);
  for (auto _ : state) {
    frame_result r = parser.parse_validating(buf);
    benchmark::DoNotOptimize(r);
    if (r.kind != frame_kind::quote) state.SkipWithError("unexpected result");
  }
  state.SetLabel(std::to_string(frame.size()) + " bytes");
}

void BM_FrameParseValidating_Combined(benchmark::State& state) { run_validating(state, kCombined); }
void BM_FrameParseValidating_Raw(benchmark::State& state) { run_validating(state, kRaw); }

void BM_FrameParse_Mixed(benchmark::State& state) {
  frame_parser parser(universe());
  const std::vector<frame_buffer>& frames = mixed_frames();
  std::size_t i = 0;
  for (auto _ : state) {
    frame_result r = parser.parse(frames[i++ & 1023]);
    benchmark::DoNotOptimize(r);
    if (r.kind != frame_kind::quote) state.SkipWithError("unexpected result");
  }
  set_mixed_counters(state);
}

// ------------------------------------------------------------ simdjson On-Demand

// What the baseline pulls out of a frame: the seven fields, no conversion.
struct od_fields {
  std::uint64_t u = 0;
  std::string_view stream, s, b, bq, a, aq;
};

// The body's six fields, in the exchange's order (On-Demand's ordered
// lookup is fastest when the fields come in the order asked).
bool read_body(simdjson::ondemand::object body, od_fields& out) {
  return body["u"].get_uint64().get(out.u) == simdjson::SUCCESS &&
         body["s"].get_string().get(out.s) == simdjson::SUCCESS &&
         body["b"].get_string().get(out.b) == simdjson::SUCCESS &&
         body["B"].get_string().get(out.bq) == simdjson::SUCCESS &&
         body["a"].get_string().get(out.a) == simdjson::SUCCESS &&
         body["A"].get_string().get(out.aq) == simdjson::SUCCESS;
}

bool od_read(simdjson::ondemand::parser& parser, const frame_buffer& buf, bool combined,
             od_fields& out) {
  simdjson::ondemand::document doc;
  if (parser.iterate(buf.data(), buf.size(), buf.size() + kFramePadding).get(doc) !=
      simdjson::SUCCESS) {
    return false;
  }
  simdjson::ondemand::object top;
  if (doc.get_object().get(top) != simdjson::SUCCESS) return false;
  if (!combined) return read_body(top, out);
  simdjson::ondemand::object data;
  return top["stream"].get_string().get(out.stream) == simdjson::SUCCESS &&
         top["data"].get_object().get(data) == simdjson::SUCCESS && read_body(data, out);
}

void run_simdjson(benchmark::State& state, std::string_view frame, bool combined) {
  simdjson::ondemand::parser parser;
  frame_buffer buf;
  buf.assign(frame);
  for (auto _ : state) {
    od_fields f;
    const bool ok = od_read(parser, buf, combined, f);
    benchmark::DoNotOptimize(f);
    if (!ok) state.SkipWithError("simdjson failed");
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * frame.size()));
  state.SetLabel(std::to_string(frame.size()) + " bytes");
}

void BM_SimdjsonOnDemand_Combined(benchmark::State& state) { run_simdjson(state, kCombined, true); }
void BM_SimdjsonOnDemand_Raw(benchmark::State& state) { run_simdjson(state, kRaw, false); }

void BM_SimdjsonOnDemand_Mixed(benchmark::State& state) {
  simdjson::ondemand::parser parser;
  const std::vector<frame_buffer>& frames = mixed_frames();
  std::size_t i = 0;
  for (auto _ : state) {
    od_fields f;
    const bool ok = od_read(parser, frames[i++ & 1023], true, f);
    benchmark::DoNotOptimize(f);
    if (!ok) state.SkipWithError("simdjson failed");
  }
  set_mixed_counters(state);
}

// ------------------------------------------------------------ symbol table

void BM_SymbolLookupHit(benchmark::State& state) {
  const symbol_table& t = universe();
  const std::string_view n[] = {"BNBUSDT", "LUNCUSDT", "C37000USDT", "ETHBTC"};
  std::size_t i = 0;
  for (auto _ : state) {
    symbol_id id = t.find(n[i++ & 3]);
    benchmark::DoNotOptimize(id);
  }
}

void BM_SymbolLookupMiss(benchmark::State& state) {
  const symbol_table& t = universe();
  const std::string_view n[] = {"DOGEUSDT", "LUNCUSDC", "C37001USDT", "ETHBNB"};
  std::size_t i = 0;
  for (auto _ : state) {
    symbol_id id = t.find(n[i++ & 3]);
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

BENCHMARK(BM_FrameParse_Raw);
BENCHMARK(BM_SimdjsonOnDemand_Raw);
BENCHMARK(BM_FrameParse_Combined);
BENCHMARK(BM_SimdjsonOnDemand_Combined);
BENCHMARK(BM_FrameParse_Mixed);
BENCHMARK(BM_SimdjsonOnDemand_Mixed);
BENCHMARK(BM_FrameParseValidating_Raw);
BENCHMARK(BM_FrameParseValidating_Combined);
BENCHMARK(BM_ParseCrossedFrameSlowPath);
BENCHMARK(BM_SymbolLookupHit);
BENCHMARK(BM_SymbolLookupPaddedHit);
BENCHMARK(BM_SymbolLookupMiss);

}  // namespace
