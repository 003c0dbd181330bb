// Benchmarks of the order book and the dirty-set hand-off: the cost the feed
// thread pays per applied frame and the evaluator per snapshot, on one
// thread (uncontended) and with a concurrent reader/writer.
//   build/<dir>/bench/book_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "core/dirty_set.h"
#include "core/order_book.h"

namespace triarb {
namespace {

constexpr std::size_t kSymbols = 1400;

quote frame(symbol_id s, std::uint64_t u) {
  quote q;
  q.symbol = s;
  q.update_id = u;
  q.bid = fixed8::from_raw(static_cast<std::int64_t>(u * 8 + 1));
  q.bid_qty = fixed8::from_raw(static_cast<std::int64_t>(u * 8 + 2));
  q.ask = fixed8::from_raw(static_cast<std::int64_t>(u * 8 + 3));
  q.ask_qty = fixed8::from_raw(static_cast<std::int64_t>(u * 8 + 4));
  return q;
}

// Feed side: one applied frame (drop checks + seqlock write).
void BM_BookWrite(benchmark::State& state) {
  order_book book(kSymbols);
  std::uint64_t u = 0;
  symbol_id s = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.write(frame(s, ++u), 1));
    s = s + 1 == kSymbols ? 0 : s + 1;
  }
}
BENCHMARK(BM_BookWrite);

// Feed side: a dropped duplicate (no seqlock write).
void BM_BookWriteDuplicate(benchmark::State& state) {
  order_book book(kSymbols);
  (void)book.write(frame(7, 5), 1);
  const quote q = frame(7, 5);
  for (auto _ : state) benchmark::DoNotOptimize(book.write(q, 2));
}
BENCHMARK(BM_BookWriteDuplicate);

// Evaluator side: one uncontended snapshot.
void BM_BookRead(benchmark::State& state) {
  order_book book(kSymbols);
  for (symbol_id s = 0; s < kSymbols; ++s) (void)book.write(frame(s, 1), 1);
  symbol_id s = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.read(s));
    s = s + 1 == kSymbols ? 0 : s + 1;
  }
}
BENCHMARK(BM_BookRead);

// Synchronous (replay) path: write + mark + drain + read, one thread.
void BM_WriteMarkDrainRead(benchmark::State& state) {
  order_book book(kSymbols);
  dirty_set dirty(kSymbols);
  std::uint64_t u = 0;
  symbol_id s = 0;
  for (auto _ : state) {
    (void)book.write(frame(s, ++u), 1);
    dirty.mark(s);
    dirty.drain([&](symbol_id d) { benchmark::DoNotOptimize(book.read(d)); });
    s = s + 1 == kSymbols ? 0 : s + 1;
  }
}
BENCHMARK(BM_WriteMarkDrainRead);

// Evaluator side while a feed thread writes the same few symbols as fast as
// it can (worst case: retries on a hot line).
void BM_BookReadContended(benchmark::State& state) {
  constexpr symbol_id kHot = 4;
  order_book book(kHot);  // the feed thread is its only writer
  std::atomic<bool> stop{false};
  std::thread feed([&] {
    std::uint64_t u = 1;
    // Relaxed: a stop request, publishes nothing.
    while (!stop.load(std::memory_order_relaxed)) {
      ++u;
      for (symbol_id s = 0; s < kHot; ++s) (void)book.write(frame(s, u), 1);
    }
  });
  symbol_id s = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.read(s));
    s = (s + 1) % kHot;
  }
  stop.store(true, std::memory_order_relaxed);  // pairs with the feed's relaxed load
  feed.join();
}
BENCHMARK(BM_BookReadContended)->UseRealTime();

}  // namespace
}  // namespace triarb
