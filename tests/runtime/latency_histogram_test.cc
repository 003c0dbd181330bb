// latency_histogram: the frame receive -> decision latency. Only frames
// count: a quote from a REST re-seed carries the request's send time, so
// recording it would mix REST round trips into the frame latency. The
// bucket scheme at its edges (0, 1, powers of two and their neighbours, the
// top of the range, overflow, negative), the quantile it reports, the
// exact `le` export and the exposition's lint. The random-value oracle is
// properties/latency_histogram_properties.cc.
#include "runtime/latency_histogram.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/runtime/prometheus_lint.h"

namespace triarb {
namespace {

using H = latency_histogram;
constexpr std::int64_t kMax64 = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin64 = std::numeric_limits<std::int64_t>::min();

book_snapshot frame_at(std::int64_t recv_ns) {
  book_snapshot b;
  b.valid = true;
  b.recv_ns = recv_ns;
  return b;
}

// 0, 1, 2^k - 1, 2^k, 2^k + 1 up to the top of the range, and the top.
std::vector<std::int64_t> edge_values() {
  std::vector<std::int64_t> v = {0, 1, 2, 3, 63, 64, 65, 126, 127, 128, 129, 130};
  for (int k = 2; k < H::kTopBit; ++k) {
    const std::int64_t p = std::int64_t{1} << k;
    v.insert(v.end(), {p - 1, p, p + 1});
  }
  v.push_back(H::kLimitNs - 2);
  v.push_back(H::kLimitNs - 1);
  return v;
}

TEST(LatencyHistogram, RecordsAFramesReceiveToDecisionTime) {
  latency_histogram h;
  EXPECT_TRUE(h.record_decision(frame_at(1'000), 5'000));
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.sum_ns(), 4'000);
  EXPECT_EQ(h.quantile_ns(0.5), 4'000);  // one value: it is min and max, kept exactly
}

TEST(LatencyHistogram, AReseededQuoteIsNotAFrameAndIsNotRecorded) {
  latency_histogram h;
  book_snapshot b = frame_at(1'000);
  b.reseeded = true;  // its recv_ns is when the REST request was sent
  EXPECT_FALSE(h.record_decision(b, 250'000'000));
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.sum_ns(), 0);
}

TEST(LatencyHistogram, BucketsTileTheRangeEachAtMostA64thOfItsLowerEdgeWide) {
  EXPECT_EQ(H::lower_ns(0), 0);
  EXPECT_EQ(H::upper_ns(H::kBuckets - 1), H::kLimitNs - 1);
  for (std::size_t i = 0; i < H::kBuckets; ++i) {
    const std::int64_t lo = H::lower_ns(i), hi = H::upper_ns(i);
    ASSERT_LE(lo, hi) << "bucket " << i;
    if (i + 1 < H::kBuckets) {
      ASSERT_EQ(H::lower_ns(i + 1), hi + 1) << "bucket " << i;
    }
    if (lo < 128) {
      ASSERT_EQ(lo, hi) << "bucket " << i << ": below 128 ns every value is its own bucket";
    } else {
      ASSERT_LE((hi - lo + 1) * 64, lo) << "bucket " << i;
    }
    ASSERT_EQ(H::index_of(lo), i);
    ASSERT_EQ(H::index_of(hi), i);
  }
}

TEST(LatencyHistogram, EdgeValuesLandInTheirBucketAndAloneAreReportedExactly) {
  for (const std::int64_t v : edge_values()) {
    const std::size_t i = H::index_of(v);
    ASSERT_LT(i, H::kBuckets) << v;
    EXPECT_LE(H::lower_ns(i), v);
    EXPECT_GE(H::upper_ns(i), v);
    latency_histogram h;
    h.record(v);
    EXPECT_EQ(h.bucket(i), 1u) << v;
    EXPECT_EQ(h.count(), 1u) << v;
    EXPECT_EQ(h.sum_ns(), v);
    EXPECT_EQ(h.min_ns(), v);
    EXPECT_EQ(h.max_ns(), v);
    EXPECT_EQ(h.overflow(), 0u) << v;
    EXPECT_EQ(h.quantile_ns(0.0), v);
    EXPECT_EQ(h.quantile_ns(0.5), v);
    EXPECT_EQ(h.quantile_ns(1.0), v);
  }
}

TEST(LatencyHistogram, QuantileIsTheMidpointOfItsBucketWithinA128th) {
  latency_histogram h;
  // 1,000..1,007 ns is one bucket (width 8 in [512, 1024)).
  ASSERT_EQ(H::index_of(1'000), H::index_of(1'007));
  ASSERT_NE(H::index_of(999), H::index_of(1'000));
  for (const std::int64_t v : {1'000, 1'001, 1'002, 5'000}) h.record(v);
  EXPECT_EQ(h.quantile_ns(0.25), 1'000);  // rank 1: the minimum, exact
  EXPECT_EQ(h.quantile_ns(0.5), 1'004);   // rank 2 (1,001): the bucket's midpoint
  EXPECT_EQ(h.quantile_ns(0.75), 1'004);  // rank 3 (1,002): the same bucket
  EXPECT_EQ(h.quantile_ns(1.0), 5'000);   // rank n: the maximum, exact
  // A wider bucket: 999,424..1,007,615 (width 8,192 in [2^19, 2^20)).
  latency_histogram w;
  for (const std::int64_t v : {1'000'000, 1'000'001, 2'000'000}) w.record(v);
  ASSERT_EQ(H::lower_ns(H::index_of(1'000'001)), 999'424);
  EXPECT_EQ(w.quantile_ns(0.5), 999'424 + 4'096);
  EXPECT_LE((w.quantile_ns(0.5) - 1'000'001) * 128, 1'000'001);  // within 1/128
}

TEST(LatencyHistogram, AValueAtOrAboveTheRangeGoesToOverflowAndIsNeverLost) {
  latency_histogram h;
  h.record(10);
  h.record(H::kLimitNs);  // the first value out of range
  h.record(H::kLimitNs + 5);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.overflow(), 2u);
  EXPECT_EQ(h.bucket(H::kOverflow), 2u);
  EXPECT_EQ(h.sum_ns(), 10 + 2 * H::kLimitNs + 5);
  EXPECT_EQ(h.max_ns(), H::kLimitNs + 5);
  EXPECT_EQ(h.quantile_ns(0.5), H::kLimitNs + 5);  // in overflow: reports the maximum
  EXPECT_EQ(h.quantile_ns(1.0), H::kLimitNs + 5);
  EXPECT_EQ(h.quantile_ns(0.0), 10);
  EXPECT_EQ(h.cumulative_at_export(H::kExport - 1), 1u);  // <= 10 s: only the 10 ns
  std::string out;
  h.render(out, "t", "Test span");
  EXPECT_NE(out.find("t_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("t_overflow_total 2\n"), std::string::npos) << out;
}

TEST(LatencyHistogram, TheSumSaturatesInsteadOfWrapping) {
  latency_histogram h;
  h.record(kMax64);
  h.record(kMax64);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.sum_ns(), kMax64);
  EXPECT_EQ(h.max_ns(), kMax64);
}

TEST(LatencyHistogram, ANegativeSpanIsCountedAsSuchAndNotInTheDistribution) {
  latency_histogram h;
  h.record(-1);
  h.record(kMin64);
  EXPECT_TRUE(h.record_decision(frame_at(5'000), 1'000));  // received after the decision
  // Clock values far apart: the difference is computed without overflow.
  EXPECT_TRUE(h.record_decision(frame_at(kMax64), kMin64));
  EXPECT_EQ(h.negative(), 3u);  // the last wraps to +1 ns: a positive span
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.sum_ns(), 1);
  latency_histogram neg;
  neg.record(-7);
  EXPECT_EQ(neg.negative(), 1u);
  EXPECT_EQ(neg.count(), 0u);
  EXPECT_EQ(neg.sum_ns(), 0);
  EXPECT_EQ(neg.quantile_ns(0.5), 0);
  EXPECT_EQ(neg.min_ns(), 0);
  EXPECT_EQ(neg.max_ns(), 0);
  std::string out;
  neg.render(out, "t", "Test span");
  EXPECT_NE(out.find("t_negative_total 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("t_seconds_count 0\n"), std::string::npos) << out;
}

TEST(LatencyHistogram, EachExportBoundCountsExactlyTheValuesAtOrBelowIt) {
  // Each bound, one below and one above: the decimal bounds cut binary fine
  // buckets, so a count summed from those buckets would be off here.
  latency_histogram h;
  std::vector<std::int64_t> values;
  for (const std::int64_t b : H::kExportBoundsNs) values.insert(values.end(), {b - 1, b, b + 1});
  for (const std::int64_t v : values) h.record(v);
  for (std::size_t k = 0; k < H::kExport; ++k) {
    std::uint64_t exact = 0;
    for (const std::int64_t v : values) exact += v <= H::kExportBoundsNs[k] ? 1U : 0U;
    EXPECT_EQ(h.cumulative_at_export(k), exact) << "le " << H::kExportBoundsNs[k] << " ns";
  }
}

TEST(LatencyHistogram, RendersLintCleanWithExactSecondsAndEveryFamilyHelped) {
  latency_histogram empty;
  std::string out;
  empty.render(out, "triarb_frame_to_decision", "Frame receive to decision");
  EXPECT_EQ(prometheus_lint(out), std::vector<std::string>{}) << out;

  latency_histogram h;
  for (int i = 0; i < 99; ++i) h.record(1'000);
  h.record(1'000'000);
  out.clear();
  h.render(out, "triarb_frame_to_decision", "Frame receive to decision");
  EXPECT_EQ(prometheus_lint(out), std::vector<std::string>{}) << out;
  for (const char* line : {
           "triarb_frame_to_decision_seconds_bucket{le=\"0.0000005\"} 0\n",
           "triarb_frame_to_decision_seconds_bucket{le=\"0.000001\"} 99\n",
           "triarb_frame_to_decision_seconds_bucket{le=\"0.0005\"} 99\n",
           "triarb_frame_to_decision_seconds_bucket{le=\"0.001\"} 100\n",
           "triarb_frame_to_decision_seconds_bucket{le=\"10\"} 100\n",
           "triarb_frame_to_decision_seconds_bucket{le=\"+Inf\"} 100\n",
           "triarb_frame_to_decision_seconds_sum 0.001099\n",
           "triarb_frame_to_decision_seconds_count 100\n",
           "# TYPE triarb_frame_to_decision_quantile_seconds summary\n",
           "triarb_frame_to_decision_quantile_seconds{quantile=\"0.5\"} 0.000001004\n",
           "triarb_frame_to_decision_quantile_seconds{quantile=\"1\"} 0.001\n",
           "triarb_frame_to_decision_quantile_seconds_sum 0.001099\n",
           "triarb_frame_to_decision_quantile_seconds_count 100\n",
           "triarb_frame_to_decision_negative_total 0\n",
           "triarb_frame_to_decision_overflow_total 0\n",
       }) {
    EXPECT_NE(out.find(line), std::string::npos) << "missing: " << line << out;
  }
}

TEST(LatencyHistogram, SummaryTextAndTickJsonCarryTheFiveQuantilesInMicroseconds) {
  latency_histogram h;
  for (int i = 1; i <= 1000; ++i) h.record(i * 10);  // 10 ns .. 10 us
  const latency_histogram::stats s = h.summarize();
  EXPECT_EQ(s.count, 1000u);
  EXPECT_EQ(s.min_ns, 10);
  EXPECT_EQ(s.max_ns, 10'000);
  EXPECT_EQ(s.p50_ns, h.quantile_ns(0.5));
  EXPECT_EQ(s.p999_ns, h.quantile_ns(0.999));
  EXPECT_NEAR(static_cast<double>(s.p50_ns), 5'000, 5'000 / 128.0);
  EXPECT_NEAR(static_cast<double>(s.p90_ns), 9'000, 9'000 / 128.0);
  EXPECT_NEAR(static_cast<double>(s.p99_ns), 9'900, 9'900 / 128.0);
  EXPECT_EQ(H::micros_text(1'234), "1.234");
  EXPECT_EQ(H::micros_text(7), "0.007");
  EXPECT_EQ(s.json_us().rfind("{\"p50\":", 0), 0u) << s.json_us();
  EXPECT_NE(s.json_us().find(",\"max\":10.000}"), std::string::npos) << s.json_us();
  EXPECT_NE(s.text().find("max 10.000 us (1000 values)"), std::string::npos) << s.text();
}

TEST(LatencyHistogram, AnEmptyHistogramReportsZeros) {
  // Before the first value: rank 0 of 0 (std::clamp(rank, 1, 0) was called
  // with lo > hi here, undefined; _GLIBCXX_ASSERTIONS aborted).
  latency_histogram h;
  EXPECT_EQ(h.quantile_ns(0.5), 0);
  EXPECT_EQ(h.quantile_ns(1.0), 0);
  const latency_histogram::stats s = h.summarize();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p50_ns, 0);
  EXPECT_EQ(s.max_ns, 0);
  std::string out;
  h.render(out, "t", "Test span");
  EXPECT_EQ(prometheus_lint(out), std::vector<std::string>{}) << out;
  EXPECT_NE(out.find("t_quantile_seconds_count 0\n"), std::string::npos) << out;
}

TEST(LatencyHistogram, TheRankOfADecimalQuantileIsExact) {
  // 1..100 ns: each value its own bucket, so the quantile is the value of
  // its rank. 0.07 * 100 is 7.000000000000001 in doubles: ceil gave rank 8.
  latency_histogram h;
  for (int v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.quantile_ns(0.07), 7);
  EXPECT_EQ(h.quantile_ns(0.29), 29);
  EXPECT_EQ(h.quantile_ns(0.57), 57);
  EXPECT_EQ(h.quantile_ns(0.071), 8);  // 7.1 -> rank 8
  EXPECT_EQ(h.quantile_ns(0.5), 50);
}

TEST(LatencyHistogram, HelpTextIsEscaped) {
  latency_histogram h;
  h.record(1'000);
  std::string out;
  h.render(out, "t", "Span a\\b\nsecond line");
  EXPECT_EQ(prometheus_lint(out), std::vector<std::string>{}) << out;
  EXPECT_NE(out.find("# HELP t_seconds Span a\\\\b\\nsecond line, seconds."), std::string::npos)
      << out;
}

// The lint's histogram and summary rules find what they check for, the old
// exposition's `quantile` label on a gauge included.
TEST(PrometheusLint, FindsQuantileAndLeMisplacedAndBadHistogramBuckets) {
  const std::string ok =
      "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"2\"} 2\n"
      "h_bucket{le=\"+Inf\"} 3\nh_sum 4\nh_count 3\n"
      "# HELP s A.\n# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 4\ns_count 3\n";
  EXPECT_EQ(prometheus_lint(ok), std::vector<std::string>{});
  for (const char* bad : {
           // The old render(): quantile gauges.
           "# HELP q A.\n# TYPE q gauge\nq{quantile=\"0.5\"} 0.000001004\n",
           "# HELP s A.\n# TYPE s summary\ns_sum{quantile=\"0.5\"} 1\ns_count 3\n",
           "# HELP g A.\n# TYPE g gauge\ng{le=\"1\"} 1\n",
           "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum{le=\"1\"} 4\n"
           "h_count 3\n",
           // le not increasing
           "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 2\n"
           "h_bucket{le=\"+Inf\"} 3\nh_sum 4\nh_count 3\n",
           "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"1.0\"} 2\n"
           "h_bucket{le=\"+Inf\"} 3\nh_sum 4\nh_count 3\n",
           // a cumulative count that decreases
           "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"2\"} 1\n"
           "h_bucket{le=\"+Inf\"} 3\nh_sum 4\nh_count 3\n",
           // no +Inf bucket
           "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 4\nh_count 1\n",
           // +Inf other than _count
           "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 4\nh_count 4\n",
           // no _count
           "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 3\nh_sum 4\n",
           // an le that is not a number
           "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"one\"} 1\n"
           "h_bucket{le=\"+Inf\"} 3\nh_sum 4\nh_count 3\n",
       }) {
    EXPECT_FALSE(prometheus_lint(bad).empty()) << bad;
  }
  // Two series of one histogram are checked apart.
  EXPECT_EQ(prometheus_lint("# HELP h A.\n# TYPE h histogram\n"
                            "h_bucket{a=\"x\",le=\"1\"} 5\nh_bucket{a=\"x\",le=\"+Inf\"} 5\n"
                            "h_bucket{a=\"y\",le=\"1\"} 1\nh_bucket{a=\"y\",le=\"+Inf\"} 1\n"
                            "h_sum{a=\"x\"} 1\nh_count{a=\"x\"} 5\nh_sum{a=\"y\"} 1\n"
                            "h_count{a=\"y\"} 1\n"),
            std::vector<std::string>{});
}

// "name{labels} value" -> value, for the lines starting with `start`.
std::vector<std::string_view> values_of(std::string_view text, std::string_view start) {
  std::vector<std::string_view> v;
  while (!text.empty()) {
    const std::string_view line = text.substr(0, text.find('\n'));
    text.remove_prefix(std::min(text.size(), line.size() + 1));
    if (line.starts_with(start)) v.push_back(line.substr(line.rfind(' ') + 1));
  }
  return v;
}

// One writer records while a reader summarises and renders: every read is
// ordered (p50 <= p90 <= p99 <= p99.9 <= max, min below them) and each
// render's `le` counts rise to a +Inf equal to _count, however far apart
// the writer's relaxed stores are seen. Each round starts a new histogram,
// so its first records (min set, max not yet) are read too; before each
// chunk of records the writer waits for one more read, so reads overlap
// writes all along. Bounded by counts (rounds x chunks), not by time.
TEST(LatencyHistogram, AReaderRacingTheWriterSeesOrderedQuantilesAndConsistentBuckets) {
  constexpr int kRounds = 32, kChunks = 20, kPerChunk = 100;
  std::vector<latency_histogram> hs(kRounds);
  std::atomic<int> round{0};
  std::atomic<int> reads{0};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    std::uint64_t x = 88172645463325252ULL;  // xorshift64: spans over every octave
    int waited_for = 0;
    for (int r = 0; r < kRounds; ++r) {
      round.store(r, std::memory_order_release);
      for (int c = 0; c < kChunks; ++c) {
        // One more read started after the last chunk (it runs beside this one).
        ++waited_for;
        while (reads.load(std::memory_order_acquire) < waited_for) std::this_thread::yield();
        for (int i = 0; i < kPerChunk; ++i) {
          x ^= x << 13;
          x ^= x >> 7;
          x ^= x << 17;
          const int e = static_cast<int>(x % 40);  // up to 2^39: overflow too
          hs[static_cast<std::size_t>(r)].record(
              static_cast<std::int64_t>((x >> 8) & ((std::uint64_t{1} << e) - 1)) |
              (std::int64_t{1} << e >> 1));
        }
      }
    }
    done.store(true, std::memory_order_release);
  });
  int bad = 0;
  std::string out;
  while (!done.load(std::memory_order_acquire)) {
    const int n = reads.fetch_add(1, std::memory_order_acq_rel) + 1;
    const latency_histogram& h =
        hs[static_cast<std::size_t>(round.load(std::memory_order_acquire))];
    const latency_histogram::stats s = h.summarize();
    const bool ordered = s.min_ns <= s.p50_ns && s.p50_ns <= s.p90_ns && s.p90_ns <= s.p99_ns &&
                         s.p99_ns <= s.p999_ns && s.p999_ns <= s.max_ns;
    if (!ordered && ++bad <= 10) {
      ADD_FAILURE() << "read " << n << ": min " << s.min_ns << " p50 " << s.p50_ns << " p90 "
                    << s.p90_ns << " p99 " << s.p99_ns << " p99.9 " << s.p999_ns << " max "
                    << s.max_ns << " (" << s.count << " values)";
    }
    out.clear();
    h.render(out, "t", "Race");
    const std::vector<std::string> problems = prometheus_lint(out);  // le order, +Inf == _count
    if (!problems.empty() && ++bad <= 10) {
      ADD_FAILURE() << "read " << n << ": " << ::testing::PrintToString(problems);
    }
    double last = -1;
    for (const std::string_view q : values_of(out, "t_quantile_seconds{")) {
      const double v = std::strtod(std::string(q).c_str(), nullptr);
      if (v < last && ++bad <= 10) {
        ADD_FAILURE() << "read " << n << ": quantiles out of order\n" << out;
      }
      last = v;
    }
  }
  writer.join();
  EXPECT_EQ(bad, 0);
  EXPECT_GE(reads.load(), kRounds * kChunks);
  for (const latency_histogram& h : hs) {
    EXPECT_EQ(h.count(), static_cast<std::uint64_t>(kChunks * kPerChunk));
    EXPECT_EQ(h.summarize().count, static_cast<std::uint64_t>(kChunks * kPerChunk));
  }
  RecordProperty("reads", reads.load());
}

}  // namespace
}  // namespace triarb
