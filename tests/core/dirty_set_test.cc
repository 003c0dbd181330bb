// Unit tests of dirty_set: coalescing, order, capacity, synchronous use
// (the concurrent hand-off is checked in tests/model/ and book_stress_test).
#include "core/dirty_set.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/order_book.h"

namespace triarb {
namespace {

std::vector<symbol_id> drain_all(dirty_set& d) {
  std::vector<symbol_id> out;
  d.drain([&](symbol_id s) { out.push_back(s); });
  return out;
}

TEST(DirtySet, EmptySetPopsNothing) {
  dirty_set d(4);
  symbol_id s = kNoSymbol;
  EXPECT_FALSE(d.pop(s));
  EXPECT_EQ(d.drain([](symbol_id) { FAIL(); }), 0U);
}

TEST(DirtySet, DrainsInMarkOrder) {
  dirty_set d(8);
  EXPECT_TRUE(d.mark(5));
  EXPECT_TRUE(d.mark(2));
  EXPECT_TRUE(d.mark(7));
  EXPECT_EQ(drain_all(d), (std::vector<symbol_id>{5, 2, 7}));
  EXPECT_TRUE(drain_all(d).empty());
}

TEST(DirtySet, RepeatedMarksCoalesceUntilPopped) {
  dirty_set d(4);
  EXPECT_TRUE(d.mark(1));
  EXPECT_FALSE(d.mark(1));
  EXPECT_FALSE(d.mark(1));
  EXPECT_EQ(drain_all(d), (std::vector<symbol_id>{1}));
  EXPECT_TRUE(d.mark(1)) << "popped: the next mark queues it again";
  EXPECT_EQ(drain_all(d), (std::vector<symbol_id>{1}));
}

TEST(DirtySet, EverySymbolDirtyFitsWithoutOverflow) {
  // Capacity is exactly what the one-entry-per-id invariant needs, even for
  // a size that is not a power of two; repeat to wrap the ring many times.
  constexpr std::size_t kN = 13;
  dirty_set d(kN);
  for (int round = 0; round < 20; ++round) {
    for (symbol_id s = 0; s < kN; ++s) EXPECT_TRUE(d.mark(s));
    for (symbol_id s = 0; s < kN; ++s) EXPECT_FALSE(d.mark(s));
    const std::vector<symbol_id> got = drain_all(d);
    ASSERT_EQ(got.size(), kN);
    for (symbol_id s = 0; s < kN; ++s) EXPECT_EQ(got[s], s);
  }
}

TEST(DirtySet, MarkDuringDrainIsSeenInSameDrain) {
  dirty_set d(4);
  d.mark(0);
  std::vector<symbol_id> seen;
  d.drain([&](symbol_id s) {
    seen.push_back(s);
    if (seen.size() == 1) {
      EXPECT_TRUE(d.mark(0));  // flag already cleared by pop(): queued again
      EXPECT_TRUE(d.mark(3));
      EXPECT_FALSE(d.mark(3));
    }
  });
  EXPECT_EQ(seen, (std::vector<symbol_id>{0, 0, 3}));
}

TEST(DirtySet, SynchronousReplayUseSeesLatestSnapshot) {
  order_book book(3);
  dirty_set d(3);
  quote q;
  q.symbol = 2;
  for (std::uint64_t u = 1; u <= 5; ++u) {
    q.update_id = u;
    q.bid = fixed8::from_units(static_cast<std::int64_t>(u));
    ASSERT_EQ(book.write(q, 0), write_outcome::applied);
    d.mark(2);
  }
  book.invalidate(2);
  d.mark(2);
  std::vector<book_snapshot> seen;
  d.drain([&](symbol_id s) { seen.push_back(book.read(s)); });
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].update_id, 5U);
  EXPECT_FALSE(seen[0].valid);
}

}  // namespace
}  // namespace triarb
