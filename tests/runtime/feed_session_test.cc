// feed_session (runtime/feed_session.h): each connection event reaches the
// feed handler and the re-seed tracker together, a superseded snapshot asks
// again exactly once, and the counters say what happened. Driven with the
// real feed handler, book and dirty set, as the live bot's feed thread and
// the in-process campaign drive it.
#include "runtime/feed_session.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace triarb {
namespace {

class FeedSession : public ::testing::Test {
 protected:
  symbol_table table{"BTCUSDT", "ETHUSDT", "ETHBTC"};
  order_book book{3};
  dirty_set dirty{3};
  telemetry tel;
  feed_handler fh{table, book, dirty, tel};
  connection_id c0 = fh.add_connection({0, 1});
  connection_id c1 = fh.add_connection({2});
  feed_session_counters counts;
  feed_session fs{fh, book, dirty, {{0, 1}, {2}}, 3, counts};
  frame_buffer buf;
  std::vector<quote> qs = std::vector<quote>(3);
  std::vector<bool> have = std::vector<bool>(3, true);

  void SetUp() override {
    for (symbol_id s = 0; s < 3; ++s) {
      qs[s].symbol = s;
      qs[s].bid = fixed8::from_units(10);
      qs[s].bid_qty = fixed8::from_units(1);
      qs[s].ask = fixed8::from_units(11);
      qs[s].ask_qty = fixed8::from_units(1);
    }
  }
  frame_result frame(connection_id c, const std::string& text) {
    buf.assign(text);
    return fs.on_frame_padded(c, buf.data(), buf.size(), 1);
  }
  static std::string good(std::string_view sym, int u) {
    return "{\"u\":" + std::to_string(u) + ",\"s\":\"" + std::string(sym) +
           "\",\"b\":\"10.5\",\"B\":\"1\",\"a\":\"10.6\",\"A\":\"1\"}";
  }
  std::optional<reseed_request> reply(const reseed_request& r, std::vector<symbol_id>* applied) {
    return fs.on_snapshot(r, qs, have, 5, [&](symbol_id s) {
      if (applied != nullptr) applied->push_back(s);
    });
  }
  std::vector<symbol_id> drained() {
    std::vector<symbol_id> out;
    (void)dirty.drain([&](symbol_id s) { out.push_back(s); });
    return out;
  }
};

TEST_F(FeedSession, OpenThenSnapshotReseedsMarksDirtyAndCounts) {
  const reseed_request r = fs.on_open(c0);
  EXPECT_EQ(r.retries_left, feed_session::kRetries);
  std::vector<symbol_id> applied;
  EXPECT_FALSE(reply(r, &applied).has_value());
  EXPECT_EQ(applied, (std::vector<symbol_id>{0, 1}));
  EXPECT_TRUE(book.read(0).valid && book.read(0).reseeded);
  EXPECT_FALSE(book.read(2).valid) << "another connection's symbol";
  EXPECT_EQ(drained(), (std::vector<symbol_id>{0, 1}));
  EXPECT_EQ(counts.reseeds.load(), 1U);
  EXPECT_EQ(counts.reseeded.load(), 2U);
  EXPECT_EQ(counts.superseded.load(), 0U);
}

TEST_F(FeedSession, ASupersededSymbolAsksAgainOnceThenWaitsForAFrame) {
  const reseed_request first = fs.on_open(c0);
  // Bytes that are not JSON while the snapshot is in flight: every symbol of
  // the connection may have lost an update newer than it.
  EXPECT_EQ(frame(c0, "not json").kind, frame_kind::unattributed_error);
  std::vector<symbol_id> applied;
  const std::optional<reseed_request> second = reply(first, &applied);
  ASSERT_TRUE(second.has_value()) << "one fresh request";
  EXPECT_TRUE(applied.empty());
  EXPECT_EQ(second->retries_left, feed_session::kRetries - 1);
  (void)frame(c0, "not json either");
  EXPECT_FALSE(reply(*second, &applied).has_value()) << "no third request: wait for frames";
  EXPECT_TRUE(applied.empty());
  EXPECT_FALSE(book.read(0).valid);
  EXPECT_FALSE(book.read(1).valid);
  EXPECT_EQ(counts.reseeds.load(), 2U);
  EXPECT_EQ(counts.superseded.load(), 4U) << "two symbols, twice";
  EXPECT_EQ(counts.reseeded.load(), 0U);
  // A good frame revalidates its symbol the usual way.
  (void)frame(c0, good("BTCUSDT", 7));
  EXPECT_TRUE(book.read(0).valid);
  EXPECT_FALSE(book.read(0).reseeded);
}

TEST_F(FeedSession, LossOrQuietMakesARequestStaleAndInvalidatesTheConnection) {
  (void)frame(c0, good("BTCUSDT", 1));
  (void)frame(c1, good("ETHBTC", 1));
  const reseed_request r = fs.on_open(c0);
  fs.on_quiet(c0);
  EXPECT_FALSE(book.read(0).valid) << "quiet: its symbols are invalid";
  EXPECT_TRUE(book.read(2).valid) << "the other connection's are not";
  std::vector<symbol_id> applied;
  EXPECT_FALSE(reply(r, &applied).has_value()) << "stale: no retry";
  EXPECT_TRUE(applied.empty());
  EXPECT_FALSE(book.read(0).valid);
  EXPECT_EQ(counts.stale.load(), 1U);
  EXPECT_EQ(counts.reseeds.load(), 0U);
  const reseed_request again = fs.on_open(c0);
  fs.on_lost(c0);
  EXPECT_FALSE(reply(again, &applied).has_value());
  EXPECT_EQ(counts.stale.load(), 2U);
}

}  // namespace
}  // namespace triarb
