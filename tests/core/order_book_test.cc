// Unit tests of order_book: update-id ordering, validity, invalidation, the
// single-writer check (docs/design.md, contract 2).
#include "core/order_book.h"

#include <gtest/gtest.h>

#include <array>
#include <thread>
#include <vector>

namespace triarb {
namespace {

quote make_quote(symbol_id s, std::uint64_t u, std::int64_t base = 100) {
  quote q;
  q.symbol = s;
  q.update_id = u;
  q.bid = fixed8::from_units(base);
  q.bid_qty = fixed8::from_units(2);
  q.ask = fixed8::from_units(base + 1);
  q.ask_qty = fixed8::from_units(3);
  return q;
}

TEST(OrderBook, FreshSymbolIsInvalidAndEmpty) {
  order_book book(3);
  EXPECT_EQ(book.size(), 3U);
  const book_snapshot s = book.read(1);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.update_id, 0U);
  EXPECT_TRUE(s.bid.is_zero());
  EXPECT_TRUE(s.ask.is_zero());
}

TEST(OrderBook, AppliedFrameIsReadBackWithValidityAndReceiveTime) {
  order_book book(2);
  quote q = make_quote(1, 42);
  q.qty_capped = true;
  q.bid_qty = fixed8::max();
  ASSERT_EQ(book.write(q, 123456789), write_outcome::applied);
  const book_snapshot s = book.read(1);
  EXPECT_TRUE(s.valid);
  EXPECT_TRUE(s.qty_capped);
  EXPECT_EQ(s.update_id, 42U);
  EXPECT_EQ(s.recv_ns, 123456789);
  EXPECT_EQ(s.bid, q.bid);
  EXPECT_EQ(s.bid_qty, fixed8::max());
  EXPECT_EQ(s.ask, q.ask);
  EXPECT_EQ(s.ask_qty, q.ask_qty);
  EXPECT_FALSE(book.read(0).valid) << "other symbols untouched";
}

TEST(OrderBook, FirstFrameIsAppliedWhateverItsUpdateId) {
  order_book book(1);
  EXPECT_EQ(book.write(make_quote(0, 0), 1), write_outcome::applied);
  EXPECT_TRUE(book.read(0).valid);
  EXPECT_EQ(book.write(make_quote(0, 0), 2), write_outcome::duplicate_dropped);
}

TEST(OrderBook, DropsFrameOlderThanLatest) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 10, 100), 1), write_outcome::applied);
  EXPECT_EQ(book.write(make_quote(0, 9, 200), 2), write_outcome::stale_dropped);
  const book_snapshot s = book.read(0);
  EXPECT_EQ(s.update_id, 10U);
  EXPECT_EQ(s.bid, fixed8::from_units(100));
  EXPECT_EQ(s.recv_ns, 1);
}

TEST(OrderBook, DropsDuplicateFrame) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 10, 100), 1), write_outcome::applied);
  EXPECT_EQ(book.write(make_quote(0, 10, 200), 2), write_outcome::duplicate_dropped);
  EXPECT_EQ(book.read(0).bid, fixed8::from_units(100));
}

TEST(OrderBook, NewerFrameReplacesOlder) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 10, 100), 1), write_outcome::applied);
  ASSERT_EQ(book.write(make_quote(0, 11, 200), 2), write_outcome::applied);
  const book_snapshot s = book.read(0);
  EXPECT_EQ(s.update_id, 11U);
  EXPECT_EQ(s.bid, fixed8::from_units(200));
  EXPECT_EQ(s.recv_ns, 2);
  EXPECT_FALSE(s.qty_capped);
}

TEST(OrderBook, InvalidateKeepsDataButMarksInvalid) {
  order_book book(1);
  quote q = make_quote(0, 7, 100);
  q.qty_capped = true;
  ASSERT_EQ(book.write(q, 5), write_outcome::applied);
  EXPECT_EQ(book.invalidate(0), invalidate_outcome::invalidated);
  const book_snapshot s = book.read(0);
  EXPECT_FALSE(s.valid);
  EXPECT_EQ(s.update_id, 7U);
  EXPECT_EQ(s.bid, fixed8::from_units(100));
  EXPECT_EQ(s.ask, fixed8::from_units(101));
  EXPECT_EQ(s.recv_ns, 5);
  EXPECT_TRUE(s.qty_capped);
  EXPECT_EQ(book.invalidate(0), invalidate_outcome::already_invalid);
  EXPECT_FALSE(book.read(0).valid);
}

TEST(OrderBook, InvalidateOfNeverWrittenSymbolIsAlreadyInvalid) {
  order_book book(1);
  EXPECT_EQ(book.invalidate(0), invalidate_outcome::already_invalid);
}

TEST(OrderBook, DuplicateDoesNotRevalidate) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 7), 1), write_outcome::applied);
  ASSERT_EQ(book.invalidate(0), invalidate_outcome::invalidated);  // frame 8 failed
  EXPECT_EQ(book.write(make_quote(0, 7), 2), write_outcome::duplicate_dropped);
  EXPECT_FALSE(book.read(0).valid);
  EXPECT_EQ(book.write(make_quote(0, 6), 3), write_outcome::stale_dropped);
  EXPECT_FALSE(book.read(0).valid);
  EXPECT_EQ(book.read(0).recv_ns, 1);
}

TEST(OrderBook, NextGoodFrameRevalidates) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 7, 100), 1), write_outcome::applied);
  ASSERT_EQ(book.invalidate(0), invalidate_outcome::invalidated);
  ASSERT_EQ(book.write(make_quote(0, 9, 300), 4), write_outcome::applied);
  const book_snapshot s = book.read(0);
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.update_id, 9U);
  EXPECT_EQ(s.bid, fixed8::from_units(300));
  EXPECT_EQ(s.recv_ns, 4);
}

TEST(OrderBook, InvalidateAllMarksEveryConnectionSymbol) {
  order_book book(6);
  for (symbol_id s = 0; s < 6; ++s)
    ASSERT_EQ(book.write(make_quote(s, 1), 1), write_outcome::applied);
  const std::array<symbol_id, 3> conn{1, 3, 4};
  EXPECT_EQ(book.invalidate_all(conn), 3U);
  for (symbol_id s = 0; s < 6; ++s) {
    const bool on_conn = s == 1 || s == 3 || s == 4;
    EXPECT_EQ(book.read(s).valid, !on_conn) << "symbol " << s;
    EXPECT_EQ(book.read(s).update_id, 1U);
  }
  EXPECT_EQ(book.invalidate_all(conn), 0U) << "already invalid: nothing newly invalidated";
}

TEST(OrderBook, TryReadSucceedsWithoutConcurrentWriter) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 3, 50), 9), write_outcome::applied);
  book_snapshot s;
  ASSERT_TRUE(book.try_read(0, s));
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.update_id, 3U);
  EXPECT_EQ(s.bid, fixed8::from_units(50));
}

TEST(OrderBook, NegativeReceiveTimeRoundTrips) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 1), -5), write_outcome::applied);
  EXPECT_EQ(book.read(0).recv_ns, -5);
}

TEST(OrderBook, RecordIsOneCacheLine) {
  EXPECT_EQ(sizeof(order_book::record), 64U);
  EXPECT_EQ(alignof(order_book::record), 64U);
}

using checked_book = basic_order_book<std_atomics, seqlock_orders, /*CheckWriter=*/true>;

TEST(OrderBook, SameWriterThreadMayWriteFromAnotherThreadFirst) {
  // The writer is whichever thread writes first, e.g. a feed thread started
  // after the book was built on the main thread.
  checked_book book(1);
  std::thread feed([&] {
    EXPECT_EQ(book.write(make_quote(0, 1), 1), write_outcome::applied);
    EXPECT_EQ(book.invalidate(0), invalidate_outcome::invalidated);
  });
  feed.join();
  EXPECT_FALSE(book.read(0).valid) << "reads are allowed from any thread";
}

TEST(OrderBookDeathTest, SecondWriterThreadIsCaught) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        checked_book book(1);
        (void)book.write(make_quote(0, 1), 1);
        std::thread second([&] { (void)book.write(make_quote(0, 2), 2); });
        second.join();
      },
      "second writer thread");
  EXPECT_DEATH(
      {
        checked_book book(1);
        (void)book.write(make_quote(0, 1), 1);
        std::thread second([&] { book.invalidate(0); });
        second.join();
      },
      "second writer thread");
}

TEST(OrderBook, DefaultBookChecksWriterExactlyInDebugBuilds) {
#ifdef NDEBUG
  EXPECT_FALSE(kCheckSingleWriter);
#else
  EXPECT_TRUE(kCheckSingleWriter);
#endif
}

// ---- reseed_if_invalid: REST snapshots (no update id) after a reconnect ----

TEST(OrderBookReseed, ReseedsInvalidSymbolAndKeepsStoredUpdateId) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 50), 10), write_outcome::applied);
  ASSERT_EQ(book.invalidate(0), invalidate_outcome::invalidated);
  quote snap = make_quote(0, 999, 200);  // the snapshot's update id is ignored
  EXPECT_TRUE(book.reseed_if_invalid(snap, 20));
  const book_snapshot s = book.read(0);
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.update_id, 50U) << "the stored update id is kept";
  EXPECT_EQ(s.bid, fixed8::from_units(200));
  EXPECT_EQ(s.ask, fixed8::from_units(201));
  EXPECT_EQ(s.recv_ns, 20);
}

TEST(OrderBookReseed, DoesNotOverwriteSymbolRevalidatedByNewerFrame) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 50), 10), write_outcome::applied);
  ASSERT_EQ(book.invalidate(0), invalidate_outcome::invalidated);
  // A WS frame after the reconnect arrives before the REST snapshot.
  ASSERT_EQ(book.write(make_quote(0, 51, 300), 15), write_outcome::applied);
  EXPECT_FALSE(book.reseed_if_invalid(make_quote(0, 0, 200), 20));
  const book_snapshot s = book.read(0);
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.update_id, 51U);
  EXPECT_EQ(s.bid, fixed8::from_units(300)) << "the older REST snapshot must not win";
  EXPECT_EQ(s.recv_ns, 15);
}

TEST(OrderBookReseed, NewerFrameStillAppliesAfterReseed) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 50), 10), write_outcome::applied);
  (void)book.invalidate(0);
  ASSERT_TRUE(book.reseed_if_invalid(make_quote(0, 0, 200), 20));
  EXPECT_EQ(book.write(make_quote(0, 51, 300), 30), write_outcome::applied);
  EXPECT_EQ(book.read(0).bid, fixed8::from_units(300));
  // ...and the old frame that the stored id guards against is still dropped.
  EXPECT_EQ(book.write(make_quote(0, 51, 100), 40), write_outcome::duplicate_dropped);
  EXPECT_EQ(book.write(make_quote(0, 50, 100), 40), write_outcome::stale_dropped);
  EXPECT_EQ(book.read(0).bid, fixed8::from_units(300));
}

TEST(OrderBookReseed, SeedsNeverWrittenSymbolAndItsFirstFrameStillApplies) {
  order_book book(2);
  EXPECT_TRUE(book.reseed_if_invalid(make_quote(1, 7, 200), 5));
  EXPECT_TRUE(book.read(1).valid);
  EXPECT_EQ(book.read(1).update_id, 0U);
  EXPECT_FALSE(book.read(0).valid) << "other symbols untouched";
  // The first frame of a symbol applies whatever its id, even id 0.
  EXPECT_EQ(book.write(make_quote(1, 0, 300), 6), write_outcome::applied);
  EXPECT_EQ(book.read(1).bid, fixed8::from_units(300));
}

TEST(OrderBookReseed, CarriesCappedFlagAndClearsOldOne) {
  order_book book(1);
  quote capped = make_quote(0, 5);
  capped.qty_capped = true;
  capped.ask_qty = fixed8::max();
  ASSERT_EQ(book.write(capped, 1), write_outcome::applied);
  (void)book.invalidate(0);
  ASSERT_TRUE(book.reseed_if_invalid(make_quote(0, 0), 2));
  EXPECT_FALSE(book.read(0).qty_capped);
  (void)book.invalidate(0);
  ASSERT_TRUE(book.reseed_if_invalid(capped, 3));
  EXPECT_TRUE(book.read(0).qty_capped);
}

TEST(OrderBookReseed, SnapshotSaysReseededUntilTheNextFrame) {
  order_book book(2);
  ASSERT_EQ(book.write(make_quote(0, 50), 10), write_outcome::applied);
  EXPECT_FALSE(book.read(0).reseeded) << "a frame's quote is not a re-seed";
  ASSERT_EQ(book.invalidate(0), invalidate_outcome::invalidated);
  EXPECT_FALSE(book.read(0).reseeded);
  // invalid -> reseed -> valid, and the snapshot says where the prices came from.
  ASSERT_TRUE(book.reseed_if_invalid(make_quote(0, 0, 200), 20));
  book_snapshot s = book.read(0);
  EXPECT_TRUE(s.valid);
  EXPECT_TRUE(s.reseeded) << "the prices are REST's, not frame 50's";
  EXPECT_EQ(s.update_id, 50U);
  EXPECT_EQ(s.bid, fixed8::from_units(200));
  // Invalidating keeps the data, so it keeps saying where the data came from.
  ASSERT_EQ(book.invalidate(0), invalidate_outcome::invalidated);
  EXPECT_TRUE(book.read(0).reseeded);
  ASSERT_TRUE(book.reseed_if_invalid(make_quote(0, 0, 250), 25));
  // A dropped frame changes nothing; the next applied frame clears it.
  EXPECT_EQ(book.write(make_quote(0, 50, 100), 30), write_outcome::duplicate_dropped);
  EXPECT_TRUE(book.read(0).reseeded);
  ASSERT_EQ(book.write(make_quote(0, 51, 300), 40), write_outcome::applied);
  s = book.read(0);
  EXPECT_TRUE(s.valid);
  EXPECT_FALSE(s.reseeded);
  EXPECT_EQ(s.update_id, 51U);
  EXPECT_EQ(s.bid, fixed8::from_units(300));
  book_snapshot t;
  ASSERT_TRUE(book.try_read(0, t));
  EXPECT_FALSE(t.reseeded);
  // A never-written symbol seeded from REST says so too.
  ASSERT_TRUE(book.reseed_if_invalid(make_quote(1, 0, 200), 5));
  EXPECT_TRUE(book.read(1).reseeded);
  ASSERT_EQ(book.write(make_quote(1, 0, 300), 6), write_outcome::applied);
  EXPECT_FALSE(book.read(1).reseeded);
}

TEST(OrderBookReseed, ValidSymbolIsLeftAlone) {
  order_book book(1);
  ASSERT_EQ(book.write(make_quote(0, 5), 1), write_outcome::applied);
  EXPECT_FALSE(book.reseed_if_invalid(make_quote(0, 0, 500), 2));
  EXPECT_EQ(book.read(0).bid, fixed8::from_units(100));
  EXPECT_EQ(book.read(0).recv_ns, 1);
}

}  // namespace
}  // namespace triarb

namespace triarb {
namespace {

TEST(OrderBook, InvalidateWithFailedIdRaisesTheStoredIdSoOlderFramesStayOut) {
  order_book b(1);
  quote q;
  q.symbol = 0;
  q.update_id = 5;
  q.bid = fixed8::from_units(1);
  q.ask = fixed8::from_units(2);
  ASSERT_EQ(b.write(q, 1), write_outcome::applied);
  EXPECT_EQ(b.invalidate(0, 7), invalidate_outcome::invalidated);
  EXPECT_EQ(b.read(0).update_id, 7u);
  EXPECT_EQ(b.read(0).bid, fixed8::from_units(1)) << "the data stays";
  EXPECT_EQ(b.invalidate(0, 6), invalidate_outcome::already_invalid);
  EXPECT_EQ(b.read(0).update_id, 7u) << "never lowered";
  q.update_id = 7;
  EXPECT_EQ(b.write(q, 2), write_outcome::duplicate_dropped);
  q.update_id = 8;
  EXPECT_EQ(b.write(q, 3), write_outcome::applied);
  EXPECT_TRUE(b.read(0).valid);
}

TEST(OrderBook, FailedFirstFrameStillBlocksOlderIds) {
  order_book b(1);
  EXPECT_EQ(b.invalidate(0, 10), invalidate_outcome::already_invalid);
  quote q;
  q.symbol = 0;
  q.update_id = 9;
  q.bid = fixed8::from_units(1);
  q.ask = fixed8::from_units(2);
  EXPECT_EQ(b.write(q, 1), write_outcome::stale_dropped);
  EXPECT_FALSE(b.read(0).valid);
}

}  // namespace
}  // namespace triarb
