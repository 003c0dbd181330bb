// latency_histogram: a latency distribution in nanoseconds, log-linear
// buckets as HdrHistogram's (64 linear sub-buckets in each power of two), for
// the live bot's frame-receive -> decision span; exported to Prometheus by
// metrics_server, summarised in the tick line and the end-of-run summary.
//
//   latency_histogram h;
//   h.record(done_ns - recv_ns);                   // the single writer thread
//   std::int64_t p99 = h.quantile_ns(0.99);        // any thread
//   latency_histogram::stats s = h.summarize();    // p50/p90/p99/p99.9/min/max, one pass
//
// Buckets (kSubBits = 6): a value v below 128 ns has a bucket of its own
// (exact); above, v with its top bit at 2^e (e >= 7) falls in one of 64
// buckets of width 2^(e-6) that split [2^e, 2^(e+1)), so a bucket is at most
// 1/64 of its lower edge wide. index_of(v) is a count-leading-zeros, a
// shift and an add. Range: 0 to kLimitNs - 1 = 2^37 - 1 ns (~137 s) in
// kBuckets = 2,048 buckets.
//
// Nothing is lost or clamped:
//   - v >= kLimitNs goes in the overflow bucket: counted in count(), sum_ns(),
//     max_ns(), overflow(), the +Inf Prometheus bucket;
//   - v < 0 (a receive time after the decision: a clock fault) is counted in
//     negative() only, never in the distribution.
//
// Quantiles. quantile_ns(q) finds the bucket holding the nearest-rank
// quantile -- the ceil(q * n)-th smallest value (the smallest for q = 0),
// the rank computed in integers for q = k / 10^6 (0.07 of 100 values is
// rank 7, where the double product 7.000000000000001 would make it 8) --
// and reports the bucket's midpoint, lower edge + width / 2, clamped to
// [min, max]: within 1/128 (0.78125 %) of the exact quantile, and exact below
// 128 ns, for q = 0 (min) and q = 1 (max). A quantile in the overflow
// bucket reports max_ns() (the true value is between kLimitNs and max).
// properties/latency_histogram_properties.cc checks these bounds against a
// sorted copy.
//
// Prometheus (render): the fine buckets are not exported. The histogram
// family has the kExportBoundsNs `le` bounds, 1-2-5 per decade from 100 ns
// to 10 s, plus +Inf. Those decimal bounds do not fall on the binary fine
// buckets' edges, so record() also keeps one counter per export bound:
// each `le` count is the exact number of values <= the bound (no rounding).
// Beside it: `<prefix>_quantile_seconds`, a summary (Prometheus puts the
// `quantile` label on summaries only): quantile 0.5, 0.9, 0.99, 0.999 and
// 1 = max, since start (not over a sliding window), from the fine buckets,
// with its `_sum` and its `_count` (the values those quantiles were read
// from); `_negative_total` and `_overflow_total` counters. Every family has
// its HELP (escaped: backslash, newline) and TYPE.
//
// Thread safety: record() and record_decision() from one writer thread;
// every reader from any thread. Each counter is a relaxed atomic written by
// the one writer (load + store, no RMW), so a reader may see the buckets, the
// count, the sum, min and max a few records apart. summarize() and render()
// read every fine bucket once and take n (count, _count) from their sum, so
// every rank is found; max is raised to the lower edge of the highest bucket
// seen and min kept at or below max (a value may be in its bucket before min
// and max are stored): each read's quantiles are ordered, p50 <= ... <= max.
// Quiescent, all of it is exact as above.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/book_snapshot.h"

namespace triarb {

class latency_histogram {
 public:
  static constexpr int kSubBits = 6;  // 64 sub-buckets per octave
  static constexpr int kTopBit = 37;  // values < 2^37 ns (~137 s)
  static constexpr std::int64_t kLimitNs = std::int64_t{1} << kTopBit;
  static constexpr std::size_t kBuckets = std::size_t{kTopBit - kSubBits + 1} << kSubBits;  // 2048
  static constexpr std::size_t kOverflow = kBuckets;  // bucket(kOverflow): v >= kLimitNs

  // The Prometheus `le` bounds, ns (+Inf follows).
  static constexpr std::array<std::int64_t, 25> kExportBoundsNs = {
      100,        200,        500,           1'000,         2'000,       5'000,       10'000,
      20'000,     50'000,     100'000,       200'000,       500'000,     1'000'000,   2'000'000,
      5'000'000,  10'000'000, 20'000'000,    50'000'000,    100'000'000, 200'000'000, 500'000'000,
      1000000000, 2000000000, 5'000'000'000, 10'000'000'000};
  static constexpr std::size_t kExport = kExportBoundsNs.size();

  // The fine bucket of v. REQUIRES: 0 <= v < kLimitNs.
  [[nodiscard]] static constexpr std::size_t index_of(std::int64_t v) noexcept {
    const auto u = static_cast<std::uint64_t>(v);
    // Octave above the linear range: 0 for v < 128, else (top bit) - 6.
    const int shift = 63 - kSubBits - __builtin_clzll(u | ((std::uint64_t{2} << kSubBits) - 1));
    return (static_cast<std::size_t>(shift) << kSubBits) + static_cast<std::size_t>(u >> shift);
  }
  // Bucket i holds [lower_ns(i), upper_ns(i)]. REQUIRES: i < kBuckets.
  [[nodiscard]] static constexpr std::int64_t lower_ns(std::size_t i) noexcept {
    const std::size_t shift = i < (std::size_t{2} << kSubBits) ? 0 : (i >> kSubBits) - 1;
    return static_cast<std::int64_t>((i - (shift << kSubBits)) << shift);
  }
  [[nodiscard]] static constexpr std::int64_t upper_ns(std::size_t i) noexcept {
    return i + 1 < kBuckets ? lower_ns(i + 1) - 1 : kLimitNs - 1;
  }

  // REQUIRES: the single writer thread.
  void record(std::int64_t ns) noexcept;
  // Frame receive -> decision: records decided_ns - before.recv_ns, where
  // `before` is the symbol's book as read before the evaluator ran (a frame
  // applied meanwhile must not shorten the span). A quote from a REST
  // re-seed is not a frame -- its receive time is when the request was sent,
  // so the span would be a REST round trip -- and is not recorded. Returns
  // whether it recorded. REQUIRES: the single writer thread.
  bool record_decision(const book_snapshot& before, std::int64_t decided_ns) noexcept;

  // Values recorded in the distribution (the overflow bucket included,
  // negative values not). Racing the writer, it may differ from the
  // buckets' sum by a record or two (summarize().count is that sum).
  [[nodiscard]] std::uint64_t count() const noexcept;
  [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept;  // REQUIRES: i <= kOverflow
  [[nodiscard]] std::uint64_t overflow() const noexcept { return bucket(kOverflow); }
  [[nodiscard]] std::uint64_t negative() const noexcept;  // values < 0, not in the distribution
  // Sum of the recorded values; saturates at INT64_MAX (~292 years), never wraps.
  [[nodiscard]] std::int64_t sum_ns() const noexcept;
  [[nodiscard]] std::int64_t min_ns() const noexcept;  // exact; 0 if empty
  [[nodiscard]] std::int64_t max_ns() const noexcept;  // exact; 0 if empty
  // Values <= kExportBoundsNs[k] (k < kExport); the +Inf bucket is count().
  [[nodiscard]] std::uint64_t cumulative_at_export(std::size_t k) const noexcept;
  // The bucket midpoint of the nearest-rank quantile q (clamped to 0..1),
  // clamped to [min, max]: see the file comment. 0 if empty.
  [[nodiscard]] std::int64_t quantile_ns(double q) const noexcept;

  struct stats {
    std::uint64_t count = 0, negative = 0, overflow = 0;
    std::int64_t min_ns = 0, p50_ns = 0, p90_ns = 0, p99_ns = 0, p999_ns = 0, max_ns = 0;
    // "p50 1.234 us, p90 ..., p99 ..., p99.9 ..., max ... us (N values[, K
    // negative][, K over 137 s])": the end-of-run summary.
    [[nodiscard]] std::string text() const;
    // {"p50":1.234,"p90":...,"p99":...,"p999":...,"max":...} in µs (ns exact).
    [[nodiscard]] std::string json_us() const;
  };
  // ns as µs with three decimals, exactly: 1234 -> "1.234".
  [[nodiscard]] static std::string micros_text(std::int64_t ns);
  // The five quantiles in one pass over the buckets.
  [[nodiscard]] stats summarize() const noexcept;

  // Families `<prefix>_seconds` (histogram), `<prefix>_quantile_seconds`
  // (summary), `<prefix>_negative_total`, `<prefix>_overflow_total`; `what`
  // says what is measured, e.g. "Frame receive to decision", and starts
  // every HELP text.
  void render(std::string& out, std::string_view prefix, std::string_view what) const;

 private:
  static constexpr std::size_t kQuantiles = 5;
  // The nearest rank of q among n values: ceil(q * n) in 1..n, exact in
  // integers for q = k / 10^6; 0 if n = 0.
  [[nodiscard]] static std::uint64_t rank_of(double q, std::uint64_t n) noexcept;
  struct view {
    std::uint64_t n = 0, overflow = 0;
    std::int64_t min = 0, max = 0;
  };
  // One consistent read for the quantiles qs (see the .cc).
  view read(const double (&qs)[kQuantiles], std::int64_t (&out)[kQuantiles]) const noexcept;

  std::array<std::atomic<std::uint64_t>, kBuckets + 1> buckets_{};  // + the overflow bucket
  std::array<std::atomic<std::uint64_t>, kExport + 1> export_{};    // per le bound, + (.., +Inf)
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> negative_{0};
  std::atomic<std::int64_t> sum_{0};
  std::atomic<std::int64_t> min_{INT64_MAX};
  std::atomic<std::int64_t> max_{-1};
};

}  // namespace triarb
