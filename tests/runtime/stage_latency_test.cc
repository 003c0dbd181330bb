// stage_sampler (runtime/stage_latency.h): stamps matched across the two
// threads' records by (symbol, update id, receive time), stage spans, and the
// counts of samples that did not pair. Deterministic, one thread.
#include "runtime/stage_latency.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace triarb {
namespace {

// A (symbol, update id) the sampler picks, searching from u.
std::uint64_t sampled_id(const stage_sampler& st, symbol_id s, std::uint64_t u) {
  while (!st.sampled(s, u)) ++u;
  return u;
}

TEST(StageSampler, SamplesAboutOneInN) {
  stage_sampler st(16, 16);
  int n = 0;
  for (std::uint64_t u = 1; u <= 160'000; ++u) n += st.sampled(7, u) ? 1 : 0;
  EXPECT_GT(n, 9'000);
  EXPECT_LT(n, 11'000);
  stage_sampler all(1, 16);
  EXPECT_TRUE(all.sampled(3, 12345));
}

TEST(StageSampler, PairsStampsIntoStageSpans) {
  stage_sampler st(4, 16);
  const std::uint64_t u = sampled_id(st, 2, 100);
  // recv 1000, handler 1100, applied 1600 (parse again 200), picked 1700, decided 2200.
  st.on_feed({2, u, 1000, 1100, 1600, 200});
  st.on_eval({2, u, 1000, 1700, 2200});
  stage_counts c;
  const std::vector<stage_summary> s = st.summarize(&c);
  ASSERT_EQ(s.size(), 6U);
  EXPECT_EQ(c.matched, 1U);
  EXPECT_EQ(c.coalesced, 0U);
  const std::int64_t want[6] = {100, 500, 200, 100, 500, 1200};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(s[i].count, 1U) << s[i].name;
    EXPECT_EQ(s[i].max_ns, want[i]) << s[i].name;
    EXPECT_EQ(s[i].p50_ns, want[i]) << s[i].name;
  }
}

TEST(StageSampler, CountsCoalescedEarlyPickupAndDropped) {
  stage_sampler st(1, 2);
  // Frame 1 of symbol 0 was replaced before the evaluator took it: the
  // evaluator judged frame 2 (another receive time): coalesced, not paired.
  st.on_feed({0, 1, 1000, 1010, 1100, 10});
  st.on_feed({0, 2, 2000, 2010, 2100, 10});
  st.on_feed({0, 3, 3000, 3010, 3100, 10});  // over capacity 2: dropped
  st.on_eval({0, 2, 2000, 2050, 2300});      // picked before the feed's "applied"
  stage_counts c;
  const std::vector<stage_summary> s = st.summarize(&c);
  EXPECT_EQ(c.feed_samples, 2U);
  EXPECT_EQ(c.eval_samples, 1U);
  EXPECT_EQ(c.matched, 1U);
  EXPECT_EQ(c.coalesced, 1U);
  EXPECT_EQ(c.dropped, 1U);
  EXPECT_EQ(c.picked_before_applied, 1U);
  EXPECT_EQ(s[3].max_ns, 0);    // applied -> picked up: negative, recorded as 0
  EXPECT_EQ(s[5].max_ns, 300);  // receive -> decided
  EXPECT_NE(format_stages(s, c).find("coalesced 1"), std::string::npos);
}

TEST(StageSampler, AReceiveTimeMismatchIsNotPaired) {
  stage_sampler st(1, 4);
  st.on_feed({5, 9, 1000, 1010, 1100, 10});
  st.on_eval({5, 9, 999, 1200, 1300});  // same id, another receive (a re-seed's quote)
  stage_counts c;
  (void)st.summarize(&c);
  EXPECT_EQ(c.matched, 0U);
}

TEST(StageSampler, FramesNotAppliedAreCountedApartNotCoalesced) {
  stage_sampler st(1, 4);
  st.on_feed({5, 9, 1000, 1010, 1100, 10});
  st.on_not_applied();  // a duplicate of update 9: not stamped
  st.on_eval({5, 9, 1000, 1200, 1300});
  stage_counts c;
  (void)st.summarize(&c);
  EXPECT_EQ(c.matched, 1U);
  EXPECT_EQ(c.coalesced, 0U);
  EXPECT_EQ(c.not_applied, 1U);
  EXPECT_NE(format_stages({}, c).find("not applied (duplicate, stale) 1"), std::string::npos);
}

}  // namespace
}  // namespace triarb
