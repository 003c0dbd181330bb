// Same decisions before and after the hot path: a fixed-seed simulation's
// recording (faults included) replayed through the book and feed handler,
// every on_symbol call checked against the all-exact per-triangle reference
// (tests/support/evaluator_reference.h) on the same book at the same time:
// the same counters and byte-identical records, call by call.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/dirty_set.h"
#include "core/feed_handler.h"
#include "core/frames_file.h"
#include "core/order_book.h"
#include "core/pipeline.h"
#include "harness/sim_driver.h"
#include "tests/support/evaluator_reference.h"

namespace triarb {
namespace {

// One process of the recording: what sync_pipeline holds, with the drain
// done here so each call can be compared.
struct session {
  session(const universe& u, const triangle_index& idx, const evaluator_config& cfg, telemetry& tel,
          std::size_t per_connection)
      : symbols(make_symbol_table(u)),
        book(u.symbols().size()),
        dirty(u.symbols().size()),
        feed(symbols, book, dirty, tel),
        ev(u, idx, cfg, tel) {
    for (auto& group : split_into_connections(u.symbols().size(), per_connection)) {
      (void)feed.add_connection(group);
    }
  }
  symbol_table symbols;
  order_book book;
  dirty_set dirty;
  feed_handler feed;
  evaluator ev;
};

TEST(EvaluatorSameDecisions, HotPathMatchesTheAllExactReferenceOnASimRecording) {
  const std::string dir = ::testing::TempDir();
  sim_options o;
  o.seed = 21;
  o.duration_ns = 3'000'000'000;
  o.tick_interval_ns = 1'000'000'000;
  o.faults.garbage = o.faults.bad_price = o.faults.duplicate = o.faults.reorder = 0.001;
  o.frames_out = dir + "same_decisions_frames.txt";
  o.exchange_info_out = dir + "same_decisions_exchange_info.json";
  std::ostringstream ticks;
  const sim_report s = run_sim(o, ticks);
  ASSERT_GT(s.opportunities, 0U);

  const bot_config bc;
  const universe u = load_exchange_info_file(o.exchange_info_out);
  const triangle_index idx = triangle_index::build(u, start_asset_ids(bc, u));
  const evaluator_config cfg = to_evaluator_config(bc, u);
  const auto per_connection = static_cast<std::size_t>(bc.symbols_per_connection);
  const std::size_t conn_count = (u.symbols().size() + per_connection - 1) / per_connection;
  telemetry tel;
  std::unique_ptr<session> p = std::make_unique<session>(u, idx, cfg, tel, per_connection);
  const frames_file frames(o.frames_out);
  ASSERT_TRUE(frames.recorded());

  std::uint64_t calls = 0, records = 0, mismatches = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(eval_counter::kCount)> total{};
  const auto drain = [&](std::int64_t now_ns) {
    (void)p->dirty.drain([&](symbol_id sym) {
      const evaluator_reference::result want =
          evaluator_reference::run(p->ev, idx, p->book, sym, now_ns, cfg.max_leg_age_ns,
                                   [](const opportunity&) { return true; });
      std::array<std::uint64_t, static_cast<std::size_t>(eval_counter::kCount)> before{};
      for (std::size_t c = 0; c < before.size(); ++c) {
        before[c] = tel.eval.get(static_cast<eval_counter>(c));
      }
      std::vector<opportunity> got;
      (void)p->ev.on_symbol(p->book, sym, now_ns, [&](const opportunity& op) {
        got.push_back(op);
        return true;
      });
      ++calls;
      bool same = got.size() == want.records.size();
      for (std::size_t c = 0; c < before.size(); ++c) {
        const std::uint64_t moved = tel.eval.get(static_cast<eval_counter>(c)) - before[c];
        same = same && moved == want.counts[c];
        total[c] += want.counts[c];
      }
      for (std::size_t i = 0; same && i < got.size(); ++i) {
        const std::string d = evaluator_reference::difference(got[i], want.records[i]);
        EXPECT_EQ(d, "") << "symbol " << sym << " at " << now_ns;
        same = d.empty();
      }
      records += got.size();
      if (!same && ++mismatches <= 5) ADD_FAILURE() << "symbol " << sym << " at " << now_ns;
    });
  };
  (void)frames.for_each(conn_count, [&](const frame_line& l) {
    switch (l.event) {
      case frame_event::start:
        p = std::make_unique<session>(u, idx, cfg, tel, per_connection);
        break;
      case frame_event::frame:
        (void)p->feed.on_frame_padded(l.connection, l.data, l.size, l.recv_ns);
        break;
      case frame_event::lost:
      case frame_event::quiet:
        (void)p->feed.on_connection_lost(l.connection);
        break;
      case frame_event::reseed: {
        quote q = l.reseed;
        q.symbol = p->symbols.find(l.symbol);
        if (q.symbol != kNoSymbol && p->book.reseed_if_invalid(q, l.reseed_recv_ns)) {
          p->dirty.mark(q.symbol);
        }
        break;
      }
    }
    drain(l.recv_ns);
    return true;
  });
  EXPECT_EQ(mismatches, 0U);
  // The run decided something worth comparing: opportunities as the
  // simulation's own pipeline found them, and the other outcomes too.
  EXPECT_EQ(records, s.opportunities);
  EXPECT_GT(calls, 1000U);
  EXPECT_GT(total[static_cast<std::size_t>(eval_counter::below_threshold)], 0U);
  EXPECT_GT(total[static_cast<std::size_t>(eval_counter::skip_invalid_leg)] +
                total[static_cast<std::size_t>(eval_counter::skip_stale_leg)] +
                total[static_cast<std::size_t>(eval_counter::skip_empty_side)],
            0U);
  std::remove(o.frames_out.c_str());
  std::remove(o.exchange_info_out.c_str());
}

}  // namespace
}  // namespace triarb
