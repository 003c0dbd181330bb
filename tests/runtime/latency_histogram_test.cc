// latency_histogram: the frame receive -> decision latency. Only frames
// count: a quote from a REST re-seed carries the request's send time, so
// recording it would mix REST round trips into the frame latency. The
// bucket scheme at its edges (0, 1, powers of two and their neighbours, the
// top of the range, overflow, negative), the quantile it reports, the
// exact `le` export and the exposition's lint. The random-value oracle is
// properties/latency_histogram_properties.cc.
#include "runtime/latency_histogram.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
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
           "triarb_frame_to_decision_quantile_seconds{quantile=\"0.5\"} 0.000001004\n",
           "triarb_frame_to_decision_quantile_seconds{quantile=\"1\"} 0.001\n",
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

}  // namespace
}  // namespace triarb
