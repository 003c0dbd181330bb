// The simulated market and the deterministic simulation: frames the market
// writes parse back to exactly its quotes, the same seed gives the same run,
// no phantom under faults, and the oracle bites the old bug.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/frame_parser.h"
#include "core/journal.h"
#include "core/pipeline.h"
#include "harness/sim_driver.h"
#include "offline/replay.h"
#include "sim/market.h"
#include "sim/universe_gen.h"

namespace triarb {
namespace {

struct sim_world {
  sim::generated_universe gen = sim::generate_universe({}, 11);
  universe u = load_exchange_info(gen.exchange_info_json);
  symbol_table table = make_symbol_table(u);
};

// The universe's triangles that start and end at USDT.
triangle_index usdt_triangles(const universe& u) {
  const asset_id usdt = *u.find_asset("USDT");
  return triangle_index::build(u, std::span<const asset_id>(&usdt, 1));
}

TEST(Market, FramesParseBackToTheTrueQuotesIncludingCappedQuantities) {
  sim_world w;
  sim::market m(w.u, sim::reference_prices(w.gen), {.seed = 3});
  m.seed_all();
  frame_parser parser(w.table);
  frame_buffer buf;
  std::size_t capped = 0;
  for (int i = 0; i < 20'000; ++i) {
    const sim::market_update up = m.step();
    for (bool combined : {false, true}) {
      buf.assign(sim::encode_frame(m, up.symbol, combined));
      const frame_result r = parser.parse(buf);
      ASSERT_EQ(r.kind, frame_kind::quote) << buf.view() << " -> " << to_string(r.error);
      const quote want = m.as_quote(up.symbol);
      EXPECT_EQ(r.q.symbol, want.symbol);
      EXPECT_EQ(r.q.update_id, want.update_id);
      EXPECT_EQ(r.q.bid, want.bid);
      EXPECT_EQ(r.q.ask, want.ask);
      EXPECT_EQ(r.q.bid_qty, want.bid_qty) << buf.view();
      EXPECT_EQ(r.q.ask_qty, want.ask_qty) << buf.view();
      EXPECT_EQ(r.q.qty_capped, want.qty_capped) << buf.view();
      capped += r.q.qty_capped ? 1 : 0;
    }
  }
  EXPECT_GT(capped, 0u) << "the market must produce quantities above fixed8::max()";
}

// Hostile input: the generator took any quote-asset name, so the simulated
// exchange served symbols named with quotes, newlines and ESC into every
// journal and terminal downstream. A name is 1 to 20 upper-case letters and
// digits, as the exchange's tickers are; anything else is refused, named.
TEST(UniverseGen, RefusesAQuoteAssetNameThatIsNotATicker) {
  for (const std::string& bad :
       {std::string("US\"DT"), std::string("USDT\n"), std::string("\x1b[2J"), std::string(""),
        std::string("usdt"), std::string(21, 'A'), std::string("US DT")}) {
    sim::universe_gen_params p;
    p.quotes = {{bad, 1'000'000'000'000, 10}, {"BTC", 60'000'000'000'000'000, 5}};
    try {
      (void)sim::generate_universe(p, 1);
      ADD_FAILURE() << "accepted quote asset name of " << bad.size() << " bytes";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("not a ticker"), std::string::npos) << e.what();
    }
  }
  sim::universe_gen_params ok;
  ok.quotes = {{"USDT", 1'000'000'000'000, 10},
               {"BTC", 60'000'000'000'000'000, 5},
               {"A1B2C3D4E5F6G7H8I9J0", 1'000'000'000'000, 3}};
  EXPECT_NO_THROW((void)sim::generate_universe(ok, 1));
}

TEST(Market, QuotesAreNeverCrossedAndOnTick) {
  sim_world w;
  sim::market m(w.u, sim::reference_prices(w.gen), {.seed = 5});
  m.seed_all();
  for (int i = 0; i < 20'000; ++i) {
    const symbol_id s = m.step().symbol;
    const sim::true_quote& q = m.quote_of(s);
    const fixed8 tick = w.u.symbol(s).filters.tick_size;
    ASSERT_LT(q.bid, q.ask) << w.u.symbol(s).name;
    ASSERT_TRUE(q.bid.is_positive());
    if (tick.is_positive()) {
      EXPECT_EQ(q.bid.raw() % tick.raw(), 0) << w.u.symbol(s).name;
      EXPECT_EQ(q.ask.raw() % tick.raw(), 0) << w.u.symbol(s).name;
    }
  }
}

TEST(Market, FormatsHugeQuantitiesExactly) {
  const u128 raw = static_cast<u128>(1'000'000'000'000ULL) * 100'000'000ULL;
  EXPECT_EQ(sim::format_raw_qty(raw, 8), "1000000000000.00000000");
  EXPECT_EQ(sim::format_raw_qty(raw + 12'345'678, 2), "1000000000000.12");
  EXPECT_EQ(sim::format_raw_qty(5, 8), "0.00000005");
  EXPECT_EQ(sim::format_raw_qty(150'000'000, 1), "1.5");
}

sim_options short_run(std::uint64_t seed) {
  sim_options o;
  o.seed = seed;
  o.duration_ns = 2'000'000'000;
  o.tick_interval_ns = 1'000'000'000;
  return o;
}

TEST(SimDriver, SameSeedGivesByteIdenticalOutput) {
  std::ostringstream a, b;
  const sim_report ra = run_sim(short_run(4), a);
  const sim_report rb = run_sim(short_run(4), b);
  EXPECT_EQ(a.str(), b.str());
  EXPECT_EQ(ra.telemetry_json, rb.telemetry_json);
  EXPECT_EQ(ra.opportunities, rb.opportunities);
  std::ostringstream c;
  const sim_report rc = run_sim(short_run(5), c);
  EXPECT_NE(ra.telemetry_json, rc.telemetry_json);
}

TEST(SimDriver, NoPhantomUnderEveryFaultKind) {
  for (std::uint64_t seed : {1, 2, 3}) {
    sim_options o = short_run(seed);
    o.faults.garbage = o.faults.truncated = o.faults.bad_price = 0.002;
    o.faults.duplicate = o.faults.reorder = 0.002;
    std::ostringstream ticks;
    const sim_report r = run_sim(o, ticks);
    EXPECT_GT(r.faults_injected, 0u);
    EXPECT_GT(r.opportunities, 0u) << "seed " << seed << ": nothing to judge";
    EXPECT_EQ(r.phantom, 0u) << "seed " << seed;
    EXPECT_EQ(r.real, r.opportunities);
  }
}

TEST(SimDriver, OracleBitesTheOldDropOnOverflowBug) {
  // The previous bot dropped a frame whose quantity overflowed and left the
  // leg valid on its old price. The same seeds with that behaviour restored
  // must show phantoms, or the oracle proves nothing.
  for (std::uint64_t seed : {1, 2}) {
    sim_options o = short_run(seed);
    o.duration_ns = 3'000'000'000;
    o.faults.mutant_drop_capped = true;
    std::ostringstream ticks;
    EXPECT_GT(run_sim(o, ticks).phantom, 0u) << "seed " << seed;
    o.faults.mutant_drop_capped = false;
    EXPECT_EQ(run_sim(o, ticks).phantom, 0u) << "seed " << seed;
  }
}

}  // namespace
}  // namespace triarb

namespace triarb {
namespace {

TEST(Replay, ReproducesTheSimulationsDecisionsFromItsFrames) {
  const std::string dir = ::testing::TempDir();
  sim_options o = short_run(9);
  o.faults.garbage = o.faults.bad_price = o.faults.duplicate = o.faults.reorder = 0.001;
  o.frames_out = dir + "replay_frames.txt";
  o.exchange_info_out = dir + "replay_exchange_info.json";
  std::ostringstream ticks;
  const sim_report s = run_sim(o, ticks);
  ASSERT_GT(s.opportunities, 0u);

  replay_options ro;
  ro.exchange_info = o.exchange_info_out;
  ro.frames = o.frames_out;
  ro.journal_path = dir + "replay_journal.jsonl";
  std::remove(ro.journal_path.c_str());
  ro.measure_latency = true;
  const replay_report r = run_replay(ro);
  EXPECT_GT(r.latency_p50_ns, 0);  // measured, ordered; never a timing bound
  EXPECT_LE(r.latency_p50_ns, r.latency_p90_ns);
  EXPECT_LE(r.latency_p90_ns, r.latency_p99_ns);
  EXPECT_LE(r.latency_p99_ns, r.latency_p999_ns);
  EXPECT_LE(r.latency_p999_ns, r.latency_max_ns);
  EXPECT_EQ(r.frames, s.frames);
  EXPECT_EQ(r.opportunities, s.opportunities);
  // The counters of the feed and the evaluator agree too, except for time.
  auto without_time = [](const std::string& j) { return j.substr(j.find(",\"feed\"")); };
  EXPECT_EQ(without_time(r.telemetry_json), without_time(s.telemetry_json));
  const verify_report v = verify_journal(ro.journal_path, {});
  EXPECT_TRUE(v.ok()) << v.message();
  EXPECT_EQ(v.records, s.opportunities + 1) << "genesis + one record per opportunity";
}

TEST(Replay, UnknownStartAssetAndMissingFilesAreClearErrors) {
  replay_options ro;
  ro.exchange_info = "/nonexistent/x.json";
  ro.frames = "/nonexistent/f.txt";
  EXPECT_THROW((void)run_replay(ro), std::runtime_error);
}

}  // namespace
}  // namespace triarb

namespace triarb {
namespace {

// What a bot holding the market's current quotes of t's legs would claim.
std::array<sim::market::leg_claim, 3> current_claims(const sim::market& m, const triangle& t) {
  std::array<sim::market::leg_claim, 3> c;
  for (std::size_t i = 0; i < 3; ++i) {
    const sim::true_quote& q = m.quote_of(t.legs[i].symbol);
    c[i] = {t.legs[i].symbol, t.legs[i].dir, t.legs[i].dir == side::buy ? q.ask : q.bid,
            q.update_id};
  }
  return c;
}

TEST(Market, JudgeVouchesForSimultaneousLegsAndCatchesAFrozenOne) {
  sim_world w;
  sim::market m(w.u, sim::reference_prices(w.gen), {.seed = 3});
  m.seed_all();
  const triangle_index idx = usdt_triangles(w.u);
  const triangle& t = idx.triangle_at(0);
  auto claims_now = [&] { return current_claims(m, t); };
  const fixed8 fee = fixed8::from_raw(100'000);
  const sim::exact any(0);  // profitable means ratio > 0 here: the judge's other checks decide
  ASSERT_EQ(m.judge(claims_now(), fee, any), sim::market::verdict::real);
  EXPECT_EQ(m.judge(claims_now(), fee, sim::exact(1000)), sim::market::verdict::not_profitable);

  // Freeze leg 0: keep its claim while its symbol requotes, then another leg moves.
  const sim::market::leg_claim frozen = claims_now()[0];
  auto side_price = [&](const sim::market::leg_claim& l) {
    const sim::true_quote& q = m.quote_of(l.symbol);
    return l.dir == side::buy ? q.ask : q.bid;
  };
  while (side_price(frozen) == frozen.price) (void)m.step();  // replaced by a new price
  const std::uint64_t other_id = m.quote_of(t.legs[1].symbol).update_id;
  while (m.quote_of(t.legs[1].symbol).update_id == other_id || side_price(frozen) == frozen.price) {
    (void)m.step();
  }
  std::array<sim::market::leg_claim, 3> c = claims_now();
  c[0] = frozen;
  EXPECT_EQ(m.judge(c, fee, any), sim::market::verdict::not_simultaneous);
  EXPECT_EQ(m.judge(c, fee, any, 1'000'000'000), sim::market::verdict::real)
      << "within the in-flight allowance it counts as current";
  c = claims_now();
  c[2].price = fixed8::from_raw(c[2].price.raw() + 1);  // a price never sent
  EXPECT_EQ(m.judge(c, fee, any), sim::market::verdict::unknown_quote);
}

// The exchange never sent the updates that replaced a leg (its symbol was
// halted, or a stall dropped their frames): only the bot's own guards can
// catch that, so the judge gives such a quote an allowance of its own (the
// network campaign: max_leg_age), but none past the next update that was
// sent. A quote replaced by a sent update gets the in-flight allowance only.
TEST(Market, AnUpdateNeverSentHasItsOwnAllowanceUntilOneIsSent) {
  sim_world w;
  sim::market m(w.u, sim::reference_prices(w.gen), {.seed = 3});
  m.seed_all();
  const triangle_index idx = usdt_triangles(w.u);
  const triangle& t = idx.triangle_at(0);
  const fixed8 fee = fixed8::from_raw(100'000);
  const sim::exact any(0);
  const std::uint64_t lots = 1'000'000'000;  // an allowance for unsent updates that covers it
  const sim::market::leg_claim frozen = current_claims(m, t)[0];
  const sim::true_quote was = m.quote_of(frozen.symbol);
  auto side_price = [&] {
    const sim::true_quote& q = m.quote_of(frozen.symbol);
    return frozen.dir == side::buy ? q.ask : q.bid;
  };
  // Leg 0's symbol requotes to a new price, then leg 1 requotes; each of
  // leg 0's updates is kept.
  std::vector<std::uint64_t> replacing;
  auto step = [&] {
    if (m.step().symbol == frozen.symbol) replacing.push_back(m.quote_of(frozen.symbol).update_id);
  };
  while (side_price() == frozen.price) step();
  const std::uint64_t other_id = m.quote_of(t.legs[1].symbol).update_id;
  while (m.quote_of(t.legs[1].symbol).update_id == other_id || side_price() == frozen.price) step();
  ASSERT_FALSE(replacing.empty());
  std::array<sim::market::leg_claim, 3> c = current_claims(m, t);
  c[0] = frozen;
  ASSERT_EQ(m.judge(c, fee, any, 0, lots), sim::market::verdict::not_simultaneous)
      << "replaced, and sent: the allowance for unsent updates does not apply";
  // One leg alone, as the network oracle checks a re-seeded leg.
  const sim::true_quote now0 = m.quote_of(frozen.symbol);
  const std::uint64_t newest = m.quote_of(t.legs[1].symbol).update_id;
  EXPECT_TRUE(m.quote_current_from(frozen.symbol, now0.bid, now0.ask, 0, newest, 0, 0));
  EXPECT_FALSE(m.quote_current_from(frozen.symbol, now0.bid, fixed8::from_raw(now0.ask.raw() + 1),
                                    0, newest, 0, 0))
      << "a quote never sent";
  EXPECT_FALSE(
      m.quote_current_from(frozen.symbol, was.bid, was.ask, was.update_id, newest, 0, lots))
      << "replaced by a sent update before the newest";
  for (const std::uint64_t id : replacing) m.mark_unsent(frozen.symbol, id);
  EXPECT_EQ(m.judge(c, fee, any, 0, lots), sim::market::verdict::real)
      << "replaced, but never sent: within the allowance for that";
  EXPECT_TRUE(
      m.quote_current_from(frozen.symbol, was.bid, was.ask, was.update_id, newest, 0, lots));
  EXPECT_EQ(m.judge(c, fee, any), sim::market::verdict::not_simultaneous)
      << "unsent judged as sent (the default)";
  EXPECT_EQ(m.judge(c, fee, any, 0, 1), sim::market::verdict::not_simultaneous)
      << "replaced longer ago than the allowance for unsent updates";
  // Once an update of the symbol is sent, the old quote is replaced for good:
  // a leg quoted after that is never current with it.
  while (m.step().symbol != frozen.symbol) {
  }
  const std::uint64_t sent_id = m.quote_of(t.legs[1].symbol).update_id;
  while (m.quote_of(t.legs[1].symbol).update_id == sent_id) (void)m.step();
  c[1] = current_claims(m, t)[1];
  c[2] = current_claims(m, t)[2];
  EXPECT_EQ(m.judge(c, fee, any, 0, lots), sim::market::verdict::not_simultaneous);
}

// A bot that lags (sanitizers, a loaded machine) holds a quote its symbol
// replaced 100 quotes ago. It was sent: with an in-flight allowance that
// covers the lag the judge must vouch for it, not call it unknown_quote
// because the quote fell out of a history shorter than the lag.
TEST(Market, JudgeRemembersQuotesFurtherBackThanABotLags) {
  sim_world w;
  sim::market m(w.u, sim::reference_prices(w.gen), {.seed = 3});
  m.seed_all();
  const triangle_index idx = usdt_triangles(w.u);
  const triangle& t = idx.triangle_at(0);
  const std::array<sim::market::leg_claim, 3> c = current_claims(m, t);
  // Leg 0's symbol is quoted 100 more times; the claim keeps the old quote.
  const symbol_id s0 = t.legs[0].symbol;
  for (int requotes = 0; requotes < 100;) {
    if (m.step().symbol == s0) ++requotes;
  }
  const fixed8 fee = fixed8::from_raw(100'000);
  EXPECT_EQ(m.judge(c, fee, sim::exact(0), 1'000'000'000), sim::market::verdict::real)
      << "a quote the market sent, within the allowance";
}

TEST(Market, JudgeVouchesForARecurringPriceUnderAnOlderId) {
  // A REST re-seed keeps the leg's older update id while its price is the
  // current one; a price that recurred is current again. The judge looks at
  // every span of the claimed price at or after the claimed id.
  sim_world w;
  sim::market m(w.u, sim::reference_prices(w.gen), {.seed = 5});
  m.seed_all();
  const triangle_index idx = usdt_triangles(w.u);
  const fixed8 fee = fixed8::from_raw(100'000);
  const sim::exact any(0);
  // Watch leg 0 of every triangle at once, for the first whose price leaves
  // and comes back under a newer id (ticks are coarse). A step updates one
  // symbol, so only the triangles whose leg 0 it is are looked at.
  struct watch {
    fixed8 price;
    std::uint64_t id = 0;
    bool left = false;
  };
  auto price0 = [&](const leg& l) {
    const sim::true_quote& q = m.quote_of(l.symbol);
    return l.dir == side::buy ? q.ask : q.bid;
  };
  std::vector<watch> watched;
  std::vector<std::vector<triangle_id>> by_symbol(w.u.symbols().size());
  for (triangle_id ti = 0; ti < idx.size(); ++ti) {
    const leg& l0 = idx.triangle_at(ti).legs[0];
    watched.push_back({price0(l0), m.quote_of(l0.symbol).update_id});
    by_symbol[l0.symbol].push_back(ti);
  }
  std::optional<triangle_id> found;
  for (int steps = 0; steps < 400'000 && !found; ++steps) {
    const sim::market_update up = m.step();
    for (const triangle_id ti : by_symbol[up.symbol]) {
      const leg& l0 = idx.triangle_at(ti).legs[0];
      watch& wt = watched[ti];
      if (price0(l0) != wt.price) {
        wt.left = true;
      } else if (wt.left && m.quote_of(l0.symbol).update_id != wt.id) {
        found = ti;
        break;
      }
    }
  }
  ASSERT_TRUE(found) << "no price recurred; the test needs another seed";
  std::array<sim::market::leg_claim, 3> c = current_claims(m, idx.triangle_at(*found));
  c[0].update_id = watched[*found].id;  // the older id, the price current again
  EXPECT_EQ(m.judge(c, fee, any), sim::market::verdict::real);
  // The same claim with a price the leg never had matches nothing sent.
  c[0].price = fixed8::from_raw(c[0].price.raw() + 1);
  EXPECT_EQ(m.judge(c, fee, any), sim::market::verdict::unknown_quote);
}

}  // namespace
}  // namespace triarb
