// reseed_tracker: when a REST snapshot may re-seed a symbol (docs/design.md,
// contract 3), driven with the real feed handler and book, event by event,
// as the live bot's feed thread does.
#include "runtime/reseed_tracker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/feed_handler.h"

namespace triarb {
namespace {

class ReseedTracker : public ::testing::Test {
 protected:
  symbol_table table{"BTCUSDT", "ETHUSDT", "ETHBTC"};
  order_book book{3};
  dirty_set dirty{3};
  telemetry tel;
  feed_handler fh{table, book, dirty, tel};
  connection_id c0 = fh.add_connection({0, 1});
  connection_id c1 = fh.add_connection({2});
  reseed_tracker t{{{0, 1}, {2}}, 3};
  frame_buffer buf;

  // A frame on connection c, through the feed handler, then the tracker.
  void feed(connection_id c, const std::string& frame, std::int64_t now = 1) {
    buf.assign(frame);
    t.on_frame(c, fh.on_frame(c, buf, now));
  }
  void lose(connection_id c) {
    fh.on_connection_lost(c);
    t.on_lost(c);
  }
  static std::string good(std::string_view sym, int u, std::string_view bid = "10.00000000") {
    return "{\"u\":" + std::to_string(u) + ",\"s\":\"" + std::string(sym) + "\",\"b\":\"" +
           std::string(bid) + "\",\"B\":\"1.5\",\"a\":\"10.10000000\",\"A\":\"2.00\"}";
  }
  // The connection drops and reopens; the re-seed request it makes.
  reseed_request reopen(connection_id c, int retries) {
    lose(c);
    t.on_open(c);
    return t.make_request(c, retries);
  }
  // The REST reply to r: the snapshot (bid 10.01 for every symbol) applied.
  reseed_outcome reply(const reseed_request& r, std::int64_t sent_ns = 5) {
    return t.apply(r, qs, have, book, sent_ns, [](symbol_id) {});
  }
  void SetUp() override { snapshot("10.01000000"); }
  std::vector<quote> qs;
  std::vector<bool> have;

  // A REST snapshot holding `bid` for every symbol.
  void snapshot(std::string_view bid) {
    qs.assign(3, quote{});
    have.assign(3, true);
    for (symbol_id s = 0; s < 3; ++s) {
      qs[s].symbol = s;
      qs[s].bid = *parse_price(bid);
      qs[s].bid_qty = fixed8::from_units(1);
      qs[s].ask = *parse_price("10.10000000");
      qs[s].ask_qty = fixed8::from_units(1);
    }
  }
  static std::optional<fixed8> parse_price(std::string_view s) {
    const fixed8_result r = parse_unsigned_fixed8(s);
    if (!r.ok()) return std::nullopt;
    return r.value;
  }
};

TEST_F(ReseedTracker, ReopenedConnectionIsReseededFromTheSnapshot) {
  feed(c0, good("BTCUSDT", 10));
  const reseed_request req = reopen(c0, 1);
  const reseed_outcome o = reply(req);
  EXPECT_FALSE(o.stale);
  EXPECT_EQ(o.applied, (std::vector<symbol_id>{0, 1}));
  EXPECT_TRUE(book.read(0).valid);
  EXPECT_TRUE(book.read(0).reseeded);
  EXPECT_EQ(book.read(0).bid, *parse_price("10.01000000"));
  EXPECT_EQ(book.read(0).update_id, 10u) << "a re-seed keeps the update id";
}

TEST_F(ReseedTracker, RequestMadeBeforeALossIsStale) {
  feed(c0, good("BTCUSDT", 10));
  const reseed_request req = reopen(c0, 1);
  lose(c0);  // lost again before the reply
  const reseed_outcome o = reply(req);
  EXPECT_TRUE(o.stale);
  EXPECT_TRUE(o.applied.empty());
  EXPECT_FALSE(book.read(0).valid);
}

TEST_F(ReseedTracker, NewerGoodFrameSupersedesTheSnapshot) {
  feed(c0, good("BTCUSDT", 10));
  const reseed_request req = reopen(c0, 1);
  feed(c0, good("BTCUSDT", 11, "10.05000000"));  // valid again, newer than the snapshot may be
  const reseed_outcome o = reply(req);
  EXPECT_EQ(o.applied, (std::vector<symbol_id>{1}));
  EXPECT_EQ(book.read(0).bid, *parse_price("10.05000000")) << "the frame's price stays";
}

// Defect: a REST re-seed revalidated a leg that missed its newest update. The
// connection reopens holding id 10; the snapshot is requested; update 11
// arrives truncated (an unattributed error: every symbol of the connection
// invalid, no id changes); the snapshot, taken at any moment between request
// and reply, may predate update 11 -- applying it makes BTCUSDT valid at an
// old price.
TEST_F(ReseedTracker, UnattributedErrorSinceTheRequestSupersedesTheSnapshot) {
  feed(c0, good("BTCUSDT", 10));
  const reseed_request req = reopen(c0, 1);
  const std::string update11 = good("BTCUSDT", 11, "10.05000000");
  feed(c0, update11.substr(0, update11.size() / 2));  // truncated
  // The snapshot (SetUp) may be from before update 11.
  const reseed_outcome o = reply(req);
  EXPECT_TRUE(o.applied.empty());
  EXPECT_FALSE(book.read(0).valid) << "re-seeded over a lost update: a stale leg";
  EXPECT_FALSE(book.read(1).valid);
  EXPECT_EQ(o.superseded, 2u);
  EXPECT_TRUE(o.retry) << "one fresh request for the still-invalid symbols";
}

// The same with an attributed error whose update id could not be read.
TEST_F(ReseedTracker, AttributedErrorWithoutIdSinceTheRequestSupersedesTheSnapshot) {
  feed(c0, good("BTCUSDT", 10));
  const reseed_request req = reopen(c0, 1);
  feed(c0, "{\"u\":\"x\",\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}");
  ASSERT_EQ(tel.feed.get(feed_counter::attributed_errors), 1u);
  const reseed_outcome o = reply(req);
  EXPECT_FALSE(book.read(0).valid) << "re-seeded over a lost update: a stale leg";
  EXPECT_EQ(o.applied, (std::vector<symbol_id>{1})) << "ETHUSDT had no event: it takes it";
}

// A quiet connection (no loss) invalidates its symbols; a snapshot requested
// before that may predate the updates that were not delivered.
TEST_F(ReseedTracker, QuietSinceTheRequestMakesTheSnapshotStale) {
  feed(c1, good("ETHBTC", 3));
  const reseed_request req = reopen(c1, 0);
  fh.on_connection_lost(c1);  // what live_bot does on quiet
  t.on_invalidated(c1);
  const reseed_outcome o = reply(req);
  EXPECT_TRUE(o.stale);
  EXPECT_TRUE(o.applied.empty());
  EXPECT_FALSE(book.read(2).valid);
}

// A quiet connection stays invalid until its frames resume: no snapshot
// requested before the quiet may apply, and none may start a retry whose
// snapshot (fresh, but of a stream that has gone silent) would revalidate the
// legs for max_leg_age and switch the data-silence guard off.
TEST_F(ReseedTracker, NoRetryRevalidatesAQuietConnection) {
  feed(c1, good("ETHBTC", 3));
  const reseed_request req = reopen(c1, 1);  // one retry allowed
  fh.on_connection_lost(c1);                 // quiet
  t.on_invalidated(c1);
  const reseed_outcome o = reply(req);
  EXPECT_FALSE(o.retry) << "a retry would re-seed the quiet connection";
  if (o.retry) {
    const reseed_request again = t.make_request(c1, req.retries_left - 1);
    (void)reply(again, 6);
  }
  EXPECT_FALSE(book.read(2).valid) << "a quiet connection's leg revalidated by REST";
}

// The retry records what the tracker knows when it is made: an event after
// it supersedes the retry too.
TEST_F(ReseedTracker, RetryTakesItsMarksWhenItIsMade) {
  const reseed_request req = reopen(c0, 1);
  feed(c0, "{\"u\":\"x\",\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}");
  const reseed_outcome first = reply(req);
  ASSERT_TRUE(first.retry);
  const reseed_request retry = t.make_request(c0, req.retries_left - 1);
  feed(c0, "{\"u\":\"x\",\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}");
  const reseed_outcome second = reply(retry, 6);
  EXPECT_EQ(second.superseded, 1u);
  EXPECT_FALSE(second.retry);
  EXPECT_FALSE(book.read(0).valid);
}

// What supersedes and what does not, frame kind by frame kind.
TEST_F(ReseedTracker, ControlMessagesAndUnknownSymbolsDoNotSupersedeDuplicatesDo) {
  feed(c0, good("BTCUSDT", 10));
  const reseed_request req = reopen(c0, 0);
  feed(c0, "{\"result\":null,\"id\":1}");  // control
  feed(c0,
       "{\"u\":5,\"s\":\"XYZUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}");  // unknown
  feed(c0, good("ETHUSDT", 0));   // ETHUSDT's first frame: applied
  feed(c0, good("BTCUSDT", 10));  // a duplicate of what the book holds: dropped
  const reseed_outcome o = reply(req);
  EXPECT_FALSE(o.stale);
  EXPECT_TRUE(o.applied.empty()) << "both symbols had a frame since the request";
  EXPECT_EQ(o.superseded, 1u) << "BTCUSDT (invalid; its duplicate frame still counts)";
}

// on_applied runs right after each re-seed, before the next symbol's (record
// mode evaluates there; replay applies the recorded re-seeds one by one).
TEST_F(ReseedTracker, OnAppliedRunsBeforeTheNextSymbolIsReseeded) {
  const reseed_request req = reopen(c0, 0);
  std::vector<bool> next_valid_when_called;
  const reseed_outcome o = t.apply(req, qs, have, book, 5, [&](symbol_id s) {
    if (s == 0) next_valid_when_called.push_back(book.read(1).valid);
  });
  ASSERT_EQ(o.applied.size(), 2u);
  ASSERT_EQ(next_valid_when_called.size(), 1u);
  EXPECT_FALSE(next_valid_when_called[0]);
}

TEST_F(ReseedTracker, EventsOnAnotherConnectionDoNotSupersede) {
  const reseed_request req = reopen(c0, 1);
  feed(c1, "\x01\x02 not json {");  // garbage on c1 only
  const reseed_outcome o = reply(req);
  EXPECT_EQ(o.applied, (std::vector<symbol_id>{0, 1}));
}

}  // namespace
}  // namespace triarb
