// latency_histogram: the frame receive -> decision latency. Only frames
// count: a quote from a REST re-seed carries the request's send time, so
// recording it would mix REST round trips into the frame latency.
#include "runtime/latency_histogram.h"

#include <gtest/gtest.h>

#include <string>

namespace triarb {
namespace {

book_snapshot frame_at(std::int64_t recv_ns) {
  book_snapshot b;
  b.valid = true;
  b.recv_ns = recv_ns;
  return b;
}

TEST(LatencyHistogram, RecordsAFramesReceiveToDecisionTime) {
  latency_histogram h;
  EXPECT_TRUE(h.record_decision(frame_at(1'000), 5'000));
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.sum_ns(), 4'000);
}

TEST(LatencyHistogram, AReseededQuoteIsNotAFrameAndIsNotRecorded) {
  latency_histogram h;
  book_snapshot b = frame_at(1'000);
  b.reseeded = true;  // its recv_ns is when the REST request was sent
  EXPECT_FALSE(h.record_decision(b, 250'000'000));
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.sum_ns(), 0);
}

TEST(LatencyHistogram, QuantileIsTheUpperBoundOfItsBucketAndRendersForPrometheus) {
  latency_histogram h;
  for (int i = 0; i < 99; ++i) h.record(1'000);
  h.record(1'000'000);
  EXPECT_GE(h.quantile_ns(0.5), 1'000);
  EXPECT_LT(h.quantile_ns(0.5), 1'300);  // buckets grow by 2^(1/4)
  EXPECT_GE(h.quantile_ns(1.0), 1'000'000);
  std::string out;
  h.render(out, "triarb_latency_seconds", "frame receive to decision");
  EXPECT_NE(out.find("triarb_latency_seconds_count 100"), std::string::npos) << out;
  EXPECT_NE(out.find("le=\"+Inf\"} 100"), std::string::npos) << out;
}

}  // namespace
}  // namespace triarb
