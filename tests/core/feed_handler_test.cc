// feed_handler: each frame result becomes exactly one book action, counted
// (docs/design.md, contract 1, consumer side); a lost connection invalidates exactly its
// symbols (docs/design.md, contract 3).
#include "core/feed_handler.h"

#include <gtest/gtest.h>

#include <string>

namespace triarb {
namespace {

class FeedHandler : public ::testing::Test {
 protected:
  symbol_table table{"BTCUSDT", "ETHUSDT", "ETHBTC", "LUNCUSDT"};
  order_book book{4};
  dirty_set dirty{4};
  telemetry tel;
  feed_handler fh{table, book, dirty, tel};
  connection_id c0 = fh.add_connection({0, 1});
  connection_id c1 = fh.add_connection({2, 3});
  frame_buffer buf;

  frame_result feed(connection_id c, const std::string& frame, std::int64_t now = 1) {
    buf.assign(frame);
    return fh.on_frame(c, buf, now);
  }
  static std::string good(std::string_view sym, int u, std::string_view qty = "1.5") {
    return "{\"u\":" + std::to_string(u) + ",\"s\":\"" + std::string(sym) +
           "\",\"b\":\"10.00000000\",\"B\":\"" + std::string(qty) +
           "\",\"a\":\"10.10000000\",\"A\":\"2.00\"}";
  }
  void feed_all_good(int u) {
    (void)feed(c0, good("BTCUSDT", u));
    (void)feed(c0, good("ETHUSDT", u));
    (void)feed(c1, good("ETHBTC", u));
    (void)feed(c1, good("LUNCUSDT", u));
  }
  std::size_t drained() {
    return dirty.drain([](symbol_id) {});
  }
};

TEST_F(FeedHandler, GoodFrameIsWrittenValidAndMarkedDirty) {
  const frame_result r = feed(c0, good("ETHUSDT", 7), 42);
  ASSERT_TRUE(r.is_quote());
  const book_snapshot s = book.read(1);
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.update_id, 7u);
  EXPECT_EQ(s.recv_ns, 42);
  EXPECT_EQ(drained(), 1u);
  EXPECT_EQ(tel.feed.get(feed_counter::quotes_applied), 1u);
}

TEST_F(FeedHandler, CappedQuantityIsAppliedAndCountedNotDropped) {
  (void)feed(c1, good("LUNCUSDT", 1, "1000000000000.00000000"));
  const book_snapshot s = book.read(3);
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(s.bid_qty, fixed8::max());
  EXPECT_TRUE(s.qty_capped);
  EXPECT_EQ(tel.feed.get(feed_counter::qty_capped), 1u);
}

TEST_F(FeedHandler, AttributedErrorInvalidatesOnlyThatSymbol) {
  feed_all_good(1);
  drained();
  const frame_result r = feed(c0,
                              "{\"u\":2,\"s\":\"ETHUSDT\",\"b\":\"1e3\",\"B\":\"1\",\"a\":\"2\","
                              "\"A\":\"1\"}");
  EXPECT_EQ(r.kind, frame_kind::attributed_error);
  EXPECT_TRUE(book.read(0).valid);
  EXPECT_FALSE(book.read(1).valid);
  EXPECT_TRUE(book.read(2).valid);
  EXPECT_EQ(tel.feed.get(feed_counter::invalidated_by_frame), 1u);
  EXPECT_EQ(tel.parse_errors.get(frame_errc::bad_number), 1u);
  EXPECT_EQ(drained(), 0u) << "an invalidated symbol needs no evaluation";
  (void)feed(c0, good("ETHUSDT", 3));
  EXPECT_TRUE(book.read(1).valid) << "the next good frame revalidates";
}

TEST_F(FeedHandler, GarbageInvalidatesEveryConnectionSymbolAndNoOther) {
  feed_all_good(1);
  const frame_result r = feed(c1, "{\"u\":2,\"s\":\"LUNCUS");
  EXPECT_EQ(r.kind, frame_kind::unattributed_error);
  EXPECT_TRUE(book.read(0).valid);
  EXPECT_TRUE(book.read(1).valid);
  EXPECT_FALSE(book.read(2).valid);
  EXPECT_FALSE(book.read(3).valid);
  EXPECT_EQ(tel.feed.get(feed_counter::invalidated_by_garbage), 2u);
}

TEST_F(FeedHandler, UnknownSymbolInvalidatesNothing) {
  feed_all_good(1);
  const frame_result r = feed(c0, good("DOGEUSDT", 9));
  EXPECT_EQ(r.error, frame_errc::unknown_symbol);
  for (symbol_id s = 0; s < 4; ++s) EXPECT_TRUE(book.read(s).valid);
  EXPECT_EQ(tel.parse_errors.get(frame_errc::unknown_symbol), 1u);
}

TEST_F(FeedHandler, MisCasedSymbolOnTrackedStreamInvalidatesTheConnection) {
  feed_all_good(1);
  // The ETHUSDT stream with "s" in lower case: not an untracked symbol but a
  // lost ETHUSDT update, so ETHUSDT must not keep its old quote as valid.
  const frame_result r =
      feed(c0, "{\"stream\":\"ethusdt@bookTicker\",\"data\":" + good("ethusdt", 2) + "}");
  EXPECT_EQ(r.kind, frame_kind::unattributed_error);
  EXPECT_EQ(r.error, frame_errc::stream_mismatch);
  EXPECT_FALSE(book.read(0).valid);
  EXPECT_FALSE(book.read(1).valid);
  EXPECT_TRUE(book.read(2).valid);
  EXPECT_TRUE(book.read(3).valid);
  EXPECT_EQ(tel.feed.get(feed_counter::unattributed_errors), 1u);
  EXPECT_EQ(tel.feed.get(feed_counter::invalidated_by_garbage), 2u);
  EXPECT_EQ(tel.parse_errors.get(frame_errc::stream_mismatch), 1u);
  EXPECT_EQ(tel.parse_errors.get(frame_errc::unknown_symbol), 0u);
}

TEST_F(FeedHandler, OlderAndDuplicateFramesAreDroppedAndCounted) {
  (void)feed(c0, good("BTCUSDT", 5));
  drained();
  (void)feed(c0, good("BTCUSDT", 4));
  (void)feed(c0, good("BTCUSDT", 5));
  EXPECT_EQ(book.read(0).update_id, 5u);
  EXPECT_EQ(tel.feed.get(feed_counter::stale_dropped), 1u);
  EXPECT_EQ(tel.feed.get(feed_counter::duplicate_dropped), 1u);
  EXPECT_EQ(drained(), 0u);
}

TEST_F(FeedHandler, DuplicateOfLastGoodFrameDoesNotRevalidateAfterFailure) {
  (void)feed(c0, good("BTCUSDT", 5));
  (void)feed(c0, "{\"u\":6,\"s\":\"BTCUSDT\",\"b\":\"-1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}");
  ASSERT_FALSE(book.read(0).valid);
  (void)feed(c0, good("BTCUSDT", 5));  // a replay of the old quote: not current
  EXPECT_FALSE(book.read(0).valid);
}

TEST_F(FeedHandler, ConnectionLossInvalidatesExactlyItsSymbolsUntilFresh) {
  feed_all_good(1);
  EXPECT_EQ(fh.on_connection_lost(c0), 2u);
  EXPECT_FALSE(book.read(0).valid);
  EXPECT_FALSE(book.read(1).valid);
  EXPECT_TRUE(book.read(2).valid);
  EXPECT_TRUE(book.read(3).valid);
  EXPECT_EQ(tel.feed.get(feed_counter::invalidated_by_connection), 2u);
  EXPECT_EQ(fh.on_connection_lost(c0), 0u) << "already invalid: counted once";
  (void)feed(c0, good("BTCUSDT", 2));
  EXPECT_TRUE(book.read(0).valid);
  EXPECT_FALSE(book.read(1).valid);
}

TEST_F(FeedHandler, ControlMessagesAreCountedNotErrors) {
  feed_all_good(1);
  const frame_result r = feed(c0, "{\"result\":null,\"id\":1}");
  EXPECT_EQ(r.kind, frame_kind::control);
  EXPECT_EQ(r.control, control_kind::subscription_response);
  EXPECT_EQ(feed(c0, "{\"e\":\"serverShutdown\",\"E\":1}").control, control_kind::server_shutdown);
  EXPECT_EQ(tel.feed.get(feed_counter::control_messages), 2u);
  for (symbol_id s = 0; s < 4; ++s) EXPECT_TRUE(book.read(s).valid);
}

}  // namespace
}  // namespace triarb

namespace triarb {
namespace {

TEST_F(FeedHandler, OlderCleanFrameAfterAFailedNewerOneDoesNotRevalidate) {
  // Frames 6 and 7 fail (bad prices); a clean copy of frame 6 arriving late
  // (reordered) carries a book state the exchange had already replaced.
  (void)feed(c0, good("BTCUSDT", 5));
  const std::string bad6 =
      "{\"u\":6,\"s\":\"BTCUSDT\",\"b\":\"1e1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}";
  const std::string bad7 =
      "{\"u\":7,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"0.5\",\"A\":\"1\"}";
  const frame_result r6 = feed(c0, bad6);
  ASSERT_EQ(r6.kind, frame_kind::attributed_error);
  EXPECT_TRUE(r6.update_id_known);
  EXPECT_EQ(r6.failed_update_id, 6u);
  const frame_result r7 = feed(c0, bad7);
  ASSERT_EQ(r7.error, frame_errc::crossed_book);
  EXPECT_EQ(r7.failed_update_id, 7u);
  (void)feed(c0, good("BTCUSDT", 6));
  EXPECT_FALSE(book.read(0).valid) << "frame 6 is older than the failed frame 7";
  EXPECT_EQ(tel.feed.get(feed_counter::stale_dropped), 1u);
  (void)feed(c0, good("BTCUSDT", 7));
  EXPECT_FALSE(book.read(0).valid) << "a clean frame 7 is a duplicate of the failed one";
  (void)feed(c0, good("BTCUSDT", 8));
  EXPECT_TRUE(book.read(0).valid);
}

TEST_F(FeedHandler, BodyFieldsBeforeTheWrapperAreNotAQuote) {
  // Rules 4-6: a frame with stream/data is combined; its body lacks "s".
  feed_all_good(1);
  const frame_result r =
      feed(c0,
           "{\"u\":5,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\","
           "\"stream\":\"btcusdt@bookTicker\",\"data\":{}}");
  EXPECT_EQ(r.kind, frame_kind::unattributed_error);
  EXPECT_EQ(r.error, frame_errc::missing_field);
  EXPECT_EQ(book.read(0).update_id, 1u);
  const frame_result split =
      feed(c0,
           "{\"u\":999,\"stream\":\"btcusdt@bookTicker\",\"data\":{\"s\":\"BTCUSDT\",\"b\":\"1\","
           "\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}}");
  EXPECT_NE(split.kind, frame_kind::quote);
}

}  // namespace
}  // namespace triarb
