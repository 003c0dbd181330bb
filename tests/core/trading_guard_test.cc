// Unit tests of trading_guard: each transition and refusal, the repeat guard's
// window edge, the rate guard's warm-up, floor and baseline, feed health's
// arming and groups, resume, the verdicts and counters, validate()'s messages.
// (properties/trading_guard_properties.cc checks the repeat and rate guards
// against a from-scratch reference on generated sequences.)
#include "core/trading_guard.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/journal_record.h"
#include "core/trading_state_replay.h"

namespace triarb {
namespace {

constexpr std::int64_t kSec = 1'000'000'000;

// A guard with the rate guard out of the way unless a test sets it.
guard_config quiet_cfg() {
  guard_config c;
  c.repeat_reports = 3;
  c.repeat_window_ns = 10 * kSec;
  c.rate_window_ns = kSec;
  c.rate_floor = 1'000'000;
  c.rate_warmup_windows = 1;
  c.start_ns = 0;
  return c;
}

opportunity opp(triangle_id t, std::int64_t ns, std::uint64_t id0, std::uint64_t id1 = 100,
                std::uint64_t id2 = 200) {
  opportunity o;
  o.triangle = t;
  o.decided_ns = ns;
  o.legs[0].symbol = 10;
  o.legs[1].symbol = 11;
  o.legs[2].symbol = 12;
  o.legs[0].update_id = id0;
  o.legs[1].update_id = id1;
  o.legs[2].update_id = id2;
  return o;
}

feed_health health(std::uint32_t symbols, std::uint32_t invalid) {
  feed_health h;
  h.symbols = symbols;
  h.invalid = invalid;
  return h;
}

TEST(TradingGuard, Names) {
  EXPECT_EQ(to_string(trading_state::active), "active");
  EXPECT_EQ(to_string(trading_state::reducing), "reducing");
  EXPECT_EQ(to_string(trading_state::halted), "halted");
  EXPECT_EQ(to_string(guard_trigger::repeat), "repeat");
  EXPECT_EQ(to_string(guard_trigger::rate), "rate");
  EXPECT_EQ(to_string(guard_trigger::feed_health), "feed_health");
  EXPECT_EQ(to_string(guard_trigger::journal), "journal");
  EXPECT_EQ(to_string(guard_trigger::manual), "manual");
  EXPECT_EQ(to_string(suppress_reason::none), "");
  EXPECT_EQ(to_string(suppress_reason::reducing), "reducing");
  EXPECT_EQ(to_string(suppress_reason::halted), "halted");
  EXPECT_EQ(to_string(suppress_reason::quarantined), "quarantined");
}

TEST(TradingGuard, ValidateNamesTheKnobAndTheValue) {
  EXPECT_EQ(validate(guard_config{}), "");
  const auto msg = [](auto edit) {
    guard_config c;
    edit(c);
    return validate(c);
  };
  EXPECT_EQ(msg([](guard_config& c) { c.repeat_reports = 1; }),
            "guard.repeat_reports must be from 2 to 1000000 (got 1)");
  EXPECT_EQ(msg([](guard_config& c) { c.repeat_reports = 1'000'001; }),
            "guard.repeat_reports must be from 2 to 1000000 (got 1000001)");
  EXPECT_EQ(msg([](guard_config& c) { c.repeat_reports = 1'000'000; }), "");
  EXPECT_EQ(msg([](guard_config& c) { c.repeat_window_ns = 0; }),
            "guard.repeat_window_ns must be > 0 (got 0)");
  EXPECT_EQ(msg([](guard_config& c) { c.rate_window_ns = -5; }),
            "guard.rate_window_ns must be > 0 (got -5)");
  EXPECT_EQ(msg([](guard_config& c) { c.rate_factor = 0; }),
            "guard.rate_factor must be >= 1 (got 0)");
  EXPECT_EQ(msg([](guard_config& c) { c.rate_floor = 0; }),
            "guard.rate_floor must be >= 1 (got 0)");
  EXPECT_EQ(msg([](guard_config& c) { c.rate_warmup_windows = 0; }),
            "guard.rate_warmup_windows must be >= 1 (got 0)");
  EXPECT_EQ(msg([](guard_config& c) { c.feed_invalid_max_permille = 0; }),
            "guard.feed_invalid_max_permille must be from 1 to 1000 (got 0)");
  EXPECT_EQ(msg([](guard_config& c) { c.feed_invalid_max_permille = 1001; }),
            "guard.feed_invalid_max_permille must be from 1 to 1000 (got 1001)");
  EXPECT_EQ(msg([](guard_config& c) { c.feed_resume_permille = 500; }),
            "guard.feed_resume_permille must be below feed_invalid_max_permille (500) (got 500)");
  EXPECT_EQ(msg([](guard_config& c) {
              c.feed_invalid_max_permille = 200;
              c.feed_resume_permille = 199;
            }),
            "");
  guard_config c;
  c.rate_factor = 0;
  try {
    trading_guard g(c);
    FAIL() << "constructed with rate_factor 0";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "guard.rate_factor must be >= 1 (got 0)");
  }
}

TEST(TradingGuard, StartsActiveAndPassesOpportunities) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  EXPECT_EQ(g.state(), trading_state::active);
  EXPECT_EQ(g.on_opportunity(opp(1, kSec, 5), ev), suppress_reason::none);
  EXPECT_EQ(g.on_opportunity(opp(1, 2 * kSec, 6), ev), suppress_reason::none);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(g.verdicts(suppress_reason::none), 2u);
  EXPECT_FALSE(g.resume(3 * kSec, "http", ev)) << "active with nothing quarantined";
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(g.transitions(guard_trigger::manual), 0u);
}

// ---------------------------------------------------------------- repeat guard

TEST(TradingGuard, RepeatQuarantinesAtTheNthReportWithAFrozenLeg) {
  trading_guard g(quiet_cfg());  // 3 reports within 10 s
  std::vector<guard_event> ev;
  // Leg 1 frozen at 100 while leg 0 moves.
  EXPECT_EQ(g.on_opportunity(opp(7, 1 * kSec, 1), ev), suppress_reason::none);
  EXPECT_EQ(g.on_opportunity(opp(7, 2 * kSec, 2), ev), suppress_reason::none);
  EXPECT_EQ(g.on_opportunity(opp(8, 2 * kSec, 2), ev), suppress_reason::none)
      << "another triangle: its own runs";
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(g.on_opportunity(opp(7, 3 * kSec, 3), ev), suppress_reason::quarantined);
  ASSERT_EQ(ev.size(), 1u);
  const guard_event& e = ev[0];
  EXPECT_EQ(e.time_ns, 3 * kSec);
  EXPECT_EQ(e.from, trading_state::active);
  EXPECT_EQ(e.to, trading_state::active);
  EXPECT_EQ(e.trigger, guard_trigger::repeat);
  EXPECT_EQ(e.by, "guard");
  EXPECT_EQ(e.triangle, 7u);
  EXPECT_EQ(e.evidence,
            "{\"leg\":1,\"symbol\":11,\"update_id\":100,\"reports\":3,\"first_ns\":1000000000,"
            "\"window_ns\":10000000000,\"run\":3}");
  EXPECT_TRUE(g.quarantined(7));
  EXPECT_FALSE(g.quarantined(8));
  EXPECT_EQ(g.quarantined_count(), 1u);
  EXPECT_EQ(g.state(), trading_state::active);
  EXPECT_EQ(g.transitions(guard_trigger::repeat), 1u);
  // Suppressed from now on, with no second event, even with every leg moving.
  ev.clear();
  EXPECT_EQ(g.on_opportunity(opp(7, 4 * kSec, 4), ev), suppress_reason::quarantined);
  EXPECT_EQ(g.on_opportunity(opp(7, 5 * kSec, 5, 101, 201), ev), suppress_reason::quarantined);
  EXPECT_EQ(g.on_opportunity(opp(8, 5 * kSec, 5, 101, 201), ev), suppress_reason::none);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(g.transitions(guard_trigger::repeat), 1u);
  EXPECT_EQ(g.verdicts(suppress_reason::quarantined), 3u);
  EXPECT_EQ(g.verdicts(suppress_reason::none), 4u);
}

TEST(TradingGuard, RepeatNamesTheLowestLegThatQualifies) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  for (int i = 0; i < 3; ++i) (void)g.on_opportunity(opp(2, i * kSec, 9), ev);  // all frozen
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].evidence.rfind("{\"leg\":0,\"symbol\":10,\"update_id\":9,", 0), 0u)
      << ev[0].evidence;
}

TEST(TradingGuard, RepeatRunBreaksWhenTheUpdateIdChanges) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  // Leg 1: 100, 100, 101, 100, 100, 100 (legs 0 and 2 always move): the
  // first three equal in a row are the last three.
  (void)g.on_opportunity(opp(1, 1, 1, 100, 1001), ev);
  (void)g.on_opportunity(opp(1, 2, 2, 100, 1002), ev);
  (void)g.on_opportunity(opp(1, 3, 3, 101, 1003), ev);
  (void)g.on_opportunity(opp(1, 4, 4, 100, 1004), ev);
  EXPECT_EQ(g.on_opportunity(opp(1, 5, 5, 100, 1005), ev), suppress_reason::none);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(g.on_opportunity(opp(1, 6, 6, 100, 1006), ev), suppress_reason::quarantined);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].evidence.find("\"first_ns\":4,"), std::string::npos) << ev[0].evidence;
}

TEST(TradingGuard, RepeatWindowEdgeIsNotCounted) {
  // t == now - window is outside: the first report at 0 does not count for a
  // report at exactly 10 s, and does one nanosecond earlier.
  {
    trading_guard g(quiet_cfg());
    std::vector<guard_event> ev;
    (void)g.on_opportunity(opp(1, 0, 1), ev);
    (void)g.on_opportunity(opp(1, 5 * kSec, 2), ev);
    EXPECT_EQ(g.on_opportunity(opp(1, 10 * kSec, 3), ev), suppress_reason::none);
    EXPECT_TRUE(ev.empty());
    EXPECT_FALSE(g.quarantined(1));
    // The run goes on: 5 s, 10 s and 11 s are within 10 s of 11 s.
    EXPECT_EQ(g.on_opportunity(opp(1, 11 * kSec, 4), ev), suppress_reason::quarantined);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_NE(ev[0].evidence.find("\"first_ns\":5000000000,"), std::string::npos);
    EXPECT_NE(ev[0].evidence.find("\"run\":4}"), std::string::npos);
  }
  {
    trading_guard g(quiet_cfg());
    std::vector<guard_event> ev;
    (void)g.on_opportunity(opp(1, 0, 1), ev);
    (void)g.on_opportunity(opp(1, 5 * kSec, 2), ev);
    EXPECT_EQ(g.on_opportunity(opp(1, 10 * kSec - 1, 3), ev), suppress_reason::quarantined);
  }
}

TEST(TradingGuard, RepeatCountsOutOfOrderReportsByTheirOwnTime) {
  // Times 95, 0, 95, 100 (window 10): at 100 the run holds 95, 95, 100 after
  // 90 though the report just before it (0) does not count; the last three
  // arrivals alone would be 0, 95, 100.
  guard_config c = quiet_cfg();
  c.repeat_window_ns = 10;
  trading_guard g(c);
  std::vector<guard_event> ev;
  (void)g.on_opportunity(opp(1, 95, 1), ev);
  (void)g.on_opportunity(opp(1, 0, 2), ev);
  EXPECT_EQ(g.on_opportunity(opp(1, 95, 3), ev), suppress_reason::none) << "0 <= 95 - 10";
  EXPECT_EQ(g.on_opportunity(opp(1, 100, 4), ev), suppress_reason::quarantined);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].evidence.find("\"first_ns\":95,"), std::string::npos) << ev[0].evidence;
}

// ---------------------------------------------------------------- rate guard

guard_config rate_cfg() {
  guard_config c;
  c.repeat_reports = 1'000'000;  // out of the way
  c.rate_window_ns = 100;
  c.rate_factor = 2;
  c.rate_floor = 3;
  c.rate_warmup_windows = 2;
  c.start_ns = 0;
  return c;
}

// n opportunities at time t on distinct triangles (no repeat runs matter).
std::vector<suppress_reason> burst(trading_guard& g, std::int64_t t, int n,
                                   std::vector<guard_event>& ev) {
  static std::uint64_t id = 0;
  std::vector<suppress_reason> r;
  for (int i = 0; i < n; ++i) {
    ++id;
    r.push_back(g.on_opportunity(opp(static_cast<triangle_id>(i), t, id, id, id), ev));
  }
  return r;
}

TEST(TradingGuard, RateDuringWarmupHaltsAboveTheFloorOnly) {
  trading_guard g(rate_cfg());
  std::vector<guard_event> ev;
  (void)burst(g, 10, 3, ev);  // c = 3 = floor: not above
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(g.state(), trading_state::active);
  EXPECT_EQ(g.on_opportunity(opp(50, 99, 1), ev), suppress_reason::halted);  // c = 4
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].trigger, guard_trigger::rate);
  EXPECT_EQ(ev[0].from, trading_state::active);
  EXPECT_EQ(ev[0].to, trading_state::halted);
  EXPECT_EQ(ev[0].by, "guard");
  EXPECT_EQ(ev[0].time_ns, 99);
  EXPECT_EQ(ev[0].triangle, kNoTriangle);
  EXPECT_EQ(ev[0].evidence,
            "{\"window_start_ns\":0,\"count\":4,\"past_windows\":0,\"past_sum\":0,\"factor\":2,"
            "\"floor\":3,\"warmup_windows\":2}");
  EXPECT_EQ(g.transitions(guard_trigger::rate), 1u);
  EXPECT_EQ(g.verdicts(suppress_reason::halted), 1u);
}

TEST(TradingGuard, RateWarmupBoundary) {
  // Warm-up is 2 windows: in window 1 (n = 1) 4 > floor halts; in window 2
  // (n = 2, mean (3 + 3) / 2) 4 does not: 4 * 2 = 8 <= 2 * 6.
  {
    trading_guard g(rate_cfg());
    std::vector<guard_event> ev;
    (void)burst(g, 0, 3, ev);
    (void)burst(g, 100, 3, ev);  // window 1 starts exactly at 100
    EXPECT_TRUE(ev.empty());
    EXPECT_EQ(g.on_opportunity(opp(60, 199, 1), ev), suppress_reason::halted);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_NE(ev[0].evidence.find("\"window_start_ns\":100,\"count\":4,\"past_windows\":1,"
                                  "\"past_sum\":3,"),
              std::string::npos)
        << ev[0].evidence;
  }
  {
    trading_guard g(rate_cfg());
    std::vector<guard_event> ev;
    (void)burst(g, 0, 3, ev);
    (void)burst(g, 100, 3, ev);
    (void)burst(g, 200, 4, ev);
    EXPECT_TRUE(ev.empty()) << "4 * 2 windows = 8 <= 2 * 6";
    (void)burst(g, 250, 2, ev);  // c = 6: 12 <= 12, c = 7 is the first above
    ASSERT_EQ(ev.size(), 0u);
    EXPECT_EQ(g.on_opportunity(opp(61, 299, 1), ev), suppress_reason::halted);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_NE(ev[0].evidence.find("\"count\":7,\"past_windows\":2,\"past_sum\":6,"),
              std::string::npos)
        << ev[0].evidence;
  }
}

TEST(TradingGuard, RateFloorHoldsAfterWarmupWhateverTheBaseline) {
  guard_config c = rate_cfg();
  c.rate_floor = 5;
  trading_guard g(c);
  std::vector<guard_event> ev;
  // Warm-up windows 0 and 1 hold nothing (empty windows count): after them
  // any c > 0 is K times the mean, yet c <= floor never halts.
  (void)burst(g, 200, 5, ev);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(g.on_opportunity(opp(70, 201, 1), ev), suppress_reason::halted);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].evidence,
            "{\"window_start_ns\":200,\"count\":6,\"past_windows\":2,\"past_sum\":0,\"factor\":2,"
            "\"floor\":5,\"warmup_windows\":2}");
}

TEST(TradingGuard, RateEmptyWindowsLowerTheBaseline) {
  // 6 in window 0, nothing in windows 1 and 2, 7 in window 3: 7 * 3 > 2 * 6
  // halts; counting only the windows that held something, 7 * 1 <= 2 * 6.
  guard_config c = rate_cfg();
  c.rate_floor = 6;
  c.rate_warmup_windows = 1;
  trading_guard g2(c);
  std::vector<guard_event> ev;
  (void)burst(g2, 0, 6, ev);
  ASSERT_TRUE(ev.empty());
  (void)burst(g2, 399, 6, ev);  // window 3: c = 6, not above the floor
  ASSERT_TRUE(ev.empty());
  EXPECT_EQ(g2.on_opportunity(opp(80, 399, 1), ev), suppress_reason::halted);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].evidence,
            "{\"window_start_ns\":300,\"count\":7,\"past_windows\":3,\"past_sum\":6,\"factor\":2,"
            "\"floor\":6,\"warmup_windows\":1}");
}

TEST(TradingGuard, RateLateTimeCountsInTheCurrentWindow) {
  guard_config c = rate_cfg();
  c.rate_warmup_windows = 1;
  c.rate_floor = 1;
  trading_guard g(c);
  std::vector<guard_event> ev;
  (void)g.on_opportunity(opp(1, 50, 1), ev);   // window 0: c = 1
  (void)g.on_opportunity(opp(2, 150, 2), ev);  // window 1: c = 1, 1 * 1 <= 2 * 1
  ASSERT_TRUE(ev.empty());
  // A time from window 0 arrives late: it counts in window 1 (c = 2: 2 <= 2).
  (void)g.on_opportunity(opp(3, 20, 3), ev);
  ASSERT_TRUE(ev.empty());
  EXPECT_EQ(g.on_opportunity(opp(4, -1000, 4), ev), suppress_reason::halted);  // c = 3 > 2
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].evidence.find("{\"window_start_ns\":100,\"count\":3,\"past_windows\":1,"
                                "\"past_sum\":1,"),
            std::string::npos)
      << ev[0].evidence;
}

TEST(TradingGuard, RateStartsAtTheFirstOpportunityWhenStartIsUnset) {
  guard_config c = rate_cfg();
  c.start_ns = INT64_MIN;
  c.rate_floor = 1;
  trading_guard g(c);
  std::vector<guard_event> ev;
  g.on_feed_health(5, health(10, 0), ev);  // not an opportunity: does not start the windows
  (void)g.on_opportunity(opp(1, 1030, 1), ev);
  EXPECT_EQ(g.on_opportunity(opp(2, 1129, 2), ev), suppress_reason::halted);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].evidence.find("{\"window_start_ns\":1030,\"count\":2,\"past_windows\":0,"),
            std::string::npos)
      << ev[0].evidence;
}

TEST(TradingGuard, RateHugeTimesDoNotOverflow) {
  guard_config c = rate_cfg();
  c.start_ns = INT64_MIN + 1;
  c.rate_window_ns = 1;
  c.rate_factor = UINT64_MAX;
  c.rate_floor = 1;
  c.rate_warmup_windows = 1;
  trading_guard g(c);
  std::vector<guard_event> ev;
  // 2^64 - 2 empty windows, then c = 2: 2 * (2^64 - 2) > (2^64 - 1) * 0 halts.
  (void)g.on_opportunity(opp(1, INT64_MAX, 1), ev);
  EXPECT_EQ(g.on_opportunity(opp(2, INT64_MAX, 2), ev), suppress_reason::halted);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].evidence,
            "{\"window_start_ns\":9223372036854775807,\"count\":2,\"past_windows\":"
            "18446744073709551614,\"past_sum\":0,\"factor\":18446744073709551615,\"floor\":1,"
            "\"warmup_windows\":1}");
}

TEST(TradingGuard, RateFactorTimesSumDoesNotOverflow) {
  // factor * sum = 2^63 * 2 would wrap to 0 in 64 bits, below c * n = 3.
  guard_config c = rate_cfg();
  c.rate_factor = std::uint64_t{1} << 63;
  c.rate_floor = 2;
  c.rate_warmup_windows = 1;
  trading_guard g(c);
  std::vector<guard_event> ev;
  (void)burst(g, 0, 2, ev);
  (void)burst(g, 100, 3, ev);  // c = 3 > floor; 3 * 1 vs 2^63 * 2
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(g.state(), trading_state::active);
}

TEST(TradingGuard, HaltedRateGuardMakesNoSecondEventButStillCounts) {
  trading_guard g(rate_cfg());
  std::vector<guard_event> ev;
  (void)burst(g, 0, 4, ev);
  ASSERT_EQ(ev.size(), 1u);
  const auto r = burst(g, 1, 10, ev);
  EXPECT_EQ(ev.size(), 1u);
  for (suppress_reason x : r) EXPECT_EQ(x, suppress_reason::halted);
  EXPECT_EQ(g.transitions(guard_trigger::rate), 1u);
  // Resumed in the same hot window: the next opportunity halts again (c = 15).
  EXPECT_TRUE(g.resume(2, "http", ev));
  ev.clear();
  EXPECT_EQ(g.on_opportunity(opp(90, 3, 1), ev), suppress_reason::halted);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].evidence.find("\"count\":15,"), std::string::npos) << ev[0].evidence;
}

// ---------------------------------------------------------------- feed health

TEST(TradingGuard, FeedHealthArmsOnTheFirstGoodSample) {
  trading_guard g(quiet_cfg());  // poor above 500 per mille
  std::vector<guard_event> ev;
  g.on_feed_health(1, health(0, 0), ev);      // no symbols yet: not good
  g.on_feed_health(2, health(100, 100), ev);  // start-up: all invalid, not armed
  EXPECT_EQ(g.state(), trading_state::active);
  g.on_feed_health(3, health(100, 50), ev);  // 500 per mille: not poor, arms
  EXPECT_TRUE(ev.empty());
  g.on_feed_health(4, health(100, 51), ev);
  EXPECT_EQ(g.state(), trading_state::reducing);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].time_ns, 4);
  EXPECT_EQ(ev[0].from, trading_state::active);
  EXPECT_EQ(ev[0].to, trading_state::reducing);
  EXPECT_EQ(ev[0].trigger, guard_trigger::feed_health);
  EXPECT_EQ(ev[0].by, "guard");
  EXPECT_EQ(ev[0].evidence, "{\"symbols\":100,\"invalid\":51}");
  // Opportunities are suppressed as reducing; still poor: no second event.
  EXPECT_EQ(g.on_opportunity(opp(1, 5, 1), ev), suppress_reason::reducing);
  g.on_feed_health(6, health(100, 90), ev);
  EXPECT_EQ(ev.size(), 1u);
  // Good again: back to active (auto-resume on by default).
  g.on_feed_health(7, health(100, 10), ev);
  EXPECT_EQ(g.state(), trading_state::active);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].from, trading_state::reducing);
  EXPECT_EQ(ev[1].to, trading_state::active);
  EXPECT_EQ(ev[1].evidence, "{\"symbols\":100,\"invalid\":10}");
  EXPECT_EQ(g.transitions(guard_trigger::feed_health), 2u);
  EXPECT_EQ(g.verdicts(suppress_reason::reducing), 1u);
}

// Hysteresis: poor above feed_invalid_max_permille (500), recovered only at
// or below feed_resume_permille (250 by default): a feed whose invalid share
// wanders around the threshold (it flapped at 47.7 % around 50 %) stays
// reducing until it is really better.
TEST(TradingGuard, FeedHealthAroundTheThresholdDoesNotFlap) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  g.on_feed_health(0, health(1000, 100), ev);  // arms
  for (std::int64_t t = 1; t <= 40; ++t) {
    g.on_feed_health(t, health(1000, t % 2 == 1 ? 501 : 499), ev);
  }
  ASSERT_EQ(ev.size(), 1u) << "one move to reducing, no flapping";
  EXPECT_EQ(g.state(), trading_state::reducing);
  g.on_feed_health(41, health(1000, 251), ev);  // better, not recovered
  EXPECT_EQ(g.state(), trading_state::reducing);
  g.on_feed_health(42, health(1000, 250), ev);  // at the resume level: recovered
  EXPECT_EQ(g.state(), trading_state::active);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].evidence, "{\"symbols\":1000,\"invalid\":250}");
  // Between the two levels an active guard stays active.
  g.on_feed_health(43, health(1000, 499), ev);
  EXPECT_EQ(g.state(), trading_state::active);
  EXPECT_EQ(g.transitions(guard_trigger::feed_health), 2u);
}

TEST(TradingGuard, FeedHealthWithoutSymbolsDoesNotRecover) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  g.on_feed_health(1, health(10, 0), ev);
  g.on_feed_health(2, health(10, 9), ev);
  ASSERT_EQ(g.state(), trading_state::reducing);
  g.on_feed_health(3, health(0, 0), ev);  // not poor, but not good either
  EXPECT_EQ(g.state(), trading_state::reducing);
}

TEST(TradingGuard, FeedHealthPerStartAssetGroup) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  g.on_feed_health(1, health(1000, 0), ev);
  feed_health h = health(1000, 30);       // the universe is fine
  h.start_assets.push_back({3, 40, 20});  // 500 per mille: fine
  h.start_assets.push_back({4, 40, 21});  // above
  h.start_assets.push_back({5, 10, 10});  // above too, not named
  g.on_feed_health(2, h, ev);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].evidence, "{\"symbols\":40,\"invalid\":21,\"asset\":4}");
  EXPECT_EQ(g.state(), trading_state::reducing);
  // A poor group also keeps a reducing guard there.
  h.start_assets.erase(h.start_assets.begin() + 1);
  g.on_feed_health(3, h, ev);
  EXPECT_EQ(g.state(), trading_state::reducing);
  h.start_assets.pop_back();
  g.on_feed_health(4, h, ev);  // group 3 at 500 per mille: not poor, not recovered either
  EXPECT_EQ(g.state(), trading_state::reducing);
  h.start_assets[0].invalid = 10;  // 250 per mille: recovered everywhere
  g.on_feed_health(5, h, ev);
  EXPECT_EQ(g.state(), trading_state::active);
}

TEST(TradingGuard, FeedHealthWithoutAutoResumeWaitsForTheOperator) {
  guard_config c = quiet_cfg();
  c.feed_auto_resume = false;
  c.feed_invalid_max_permille = 1;  // poor above 0.1 %
  c.feed_resume_permille = 0;       // recovered with none invalid
  trading_guard g(c);
  std::vector<guard_event> ev;
  g.on_feed_health(1, health(1000, 1), ev);  // exactly 1 per mille: good, arms
  g.on_feed_health(2, health(1000, 2), ev);
  ASSERT_EQ(g.state(), trading_state::reducing);
  g.on_feed_health(3, health(1000, 0), ev);
  EXPECT_EQ(g.state(), trading_state::reducing);
  EXPECT_EQ(ev.size(), 1u);
  EXPECT_TRUE(g.resume(4, "signal", ev));
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].from, trading_state::reducing);
  EXPECT_EQ(ev[1].to, trading_state::active);
  EXPECT_EQ(ev[1].trigger, guard_trigger::manual);
  EXPECT_EQ(ev[1].by, "signal");
  EXPECT_EQ(ev[1].evidence, "{\"released\":0,\"from\":\"reducing\"}");
  // Still armed: poor again moves it back.
  g.on_feed_health(5, health(1000, 500), ev);
  EXPECT_EQ(g.state(), trading_state::reducing);
}

// ---------------------------------------------------------------- halts and resume

TEST(TradingGuard, HaltedIsAbsorbingUntilResume) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  g.on_feed_health(1, health(10, 0), ev);
  g.on_feed_health(2, health(10, 9), ev);
  ASSERT_EQ(g.state(), trading_state::reducing);
  g.halt(3, "http", "operator \"x\"\n", ev);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].from, trading_state::reducing);
  EXPECT_EQ(ev[1].to, trading_state::halted);
  EXPECT_EQ(ev[1].trigger, guard_trigger::manual);
  EXPECT_EQ(ev[1].by, "http");
  EXPECT_EQ(ev[1].evidence, "{\"reason\":\"operator \\\"x\\\"\\n\"}");
  // Feed health good again: no move; a second halt, a journal failure: no event.
  g.on_feed_health(4, health(10, 0), ev);
  g.on_feed_health(5, health(10, 9), ev);
  g.halt(6, "signal", "again", ev);
  g.on_journal_failure(7, "journal_full", ev);
  EXPECT_EQ(ev.size(), 2u);
  EXPECT_EQ(g.state(), trading_state::halted);
  EXPECT_EQ(g.on_opportunity(opp(1, 8, 1), ev), suppress_reason::halted);
  EXPECT_EQ(g.transitions(guard_trigger::manual), 1u);
  EXPECT_EQ(g.transitions(guard_trigger::journal), 0u);
  // Resume: to active, from halted.
  EXPECT_TRUE(g.resume(9, "halt_file", ev));
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[2].time_ns, 9);
  EXPECT_EQ(ev[2].from, trading_state::halted);
  EXPECT_EQ(ev[2].to, trading_state::active);
  EXPECT_EQ(ev[2].by, "halt_file");
  EXPECT_EQ(ev[2].evidence, "{\"released\":0,\"from\":\"halted\"}");
  EXPECT_EQ(g.on_opportunity(opp(1, 10, 2), ev), suppress_reason::none);
  EXPECT_EQ(g.transitions(guard_trigger::manual), 2u);
}

TEST(TradingGuard, JournalFailureHalts) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  g.on_journal_failure(5, "write_failed: No space left on device", ev);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].from, trading_state::active);
  EXPECT_EQ(ev[0].to, trading_state::halted);
  EXPECT_EQ(ev[0].trigger, guard_trigger::journal);
  EXPECT_EQ(ev[0].by, "guard");
  EXPECT_EQ(ev[0].evidence, "{\"what\":\"write_failed: No space left on device\"}");
  EXPECT_EQ(g.transitions(guard_trigger::journal), 1u);
}

// The journal takes a state record only if its evidence is one JSON object
// (valid UTF-8): an operator's reason or a failure's text with bad bytes must
// not make the record it explains unwritable. Each bad byte becomes U+FFFD.
TEST(TradingGuard, EvidenceStringsAreValidUtf8ForTheJournal) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  g.halt(1, "http", "bad \xff\xc3( \xed\xa0\x80 ok \xc3\xa9\xe2\x82\xac", ev);
  ASSERT_TRUE(g.resume(2, "http", ev));
  g.on_journal_failure(3, "write_failed: \xc0\xaf \xf4\x90\x80\x80 \xe2\x82", ev);
  ASSERT_EQ(ev.size(), 3u);
  const std::string r = "\xef\xbf\xbd";  // U+FFFD
  EXPECT_EQ(ev[0].evidence,
            "{\"reason\":\"bad " + r + r + "( " + r + r + r + " ok \xc3\xa9\xe2\x82\xac\"}");
  EXPECT_EQ(ev[2].evidence,
            "{\"what\":\"write_failed: " + r + r + " " + r + r + r + r + " " + r + r + "\"}");
  for (const guard_event& e : ev) {
    state_record rec;
    rec.from = e.from;
    rec.to = e.to;
    rec.trigger = e.trigger;
    rec.by = e.by;
    rec.evidence_json = e.evidence;
    EXPECT_EQ(invalid_reason(rec), "") << e.evidence;
  }
}

TEST(TradingGuard, ResumeReleasesEveryQuarantine) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  for (int i = 0; i < 3; ++i) {
    (void)g.on_opportunity(opp(1, i, 50 + i), ev);
    (void)g.on_opportunity(opp(2, i, 60 + i), ev);
  }
  ASSERT_EQ(g.quarantined_count(), 2u);
  ev.clear();
  // Active with quarantines: resume releases them.
  EXPECT_TRUE(g.resume(10, "http", ev));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].from, trading_state::active);
  EXPECT_EQ(ev[0].to, trading_state::active);
  EXPECT_EQ(ev[0].triangle, kNoTriangle);
  EXPECT_EQ(ev[0].evidence, "{\"released\":2,\"from\":\"active\"}");
  EXPECT_EQ(g.quarantined_count(), 0u);
  EXPECT_FALSE(g.quarantined(1));
  EXPECT_FALSE(g.quarantined(2));
  EXPECT_FALSE(g.resume(11, "http", ev));
  // The run was kept: leg 1 still frozen, the next report re-quarantines.
  ev.clear();
  EXPECT_EQ(g.on_opportunity(opp(1, 12, 70), ev), suppress_reason::quarantined);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_NE(ev[0].evidence.find("\"run\":4}"), std::string::npos) << ev[0].evidence;
  // A fresh update id on leg 1 and 2 starts new runs: triangle 2 reports freely.
  EXPECT_EQ(g.on_opportunity(opp(2, 13, 71, 101, 201), ev), suppress_reason::none);
}

TEST(TradingGuard, TriggeringReportTakesItsOwnReason) {
  // Reducing, the report that quarantines is "quarantined", the next ones
  // "reducing"; the report that halts is "halted".
  guard_config c = quiet_cfg();
  c.rate_floor = 4;
  c.rate_warmup_windows = 5;
  trading_guard g(c);
  std::vector<guard_event> ev;
  g.on_feed_health(0, health(10, 0), ev);
  g.on_feed_health(0, health(10, 9), ev);
  ASSERT_EQ(g.state(), trading_state::reducing);
  ev.clear();
  EXPECT_EQ(g.on_opportunity(opp(1, 1, 1), ev), suppress_reason::reducing);
  EXPECT_EQ(g.on_opportunity(opp(1, 2, 2), ev), suppress_reason::reducing);
  EXPECT_EQ(g.on_opportunity(opp(1, 3, 3), ev), suppress_reason::quarantined);
  EXPECT_EQ(g.on_opportunity(opp(1, 4, 4), ev), suppress_reason::reducing)
      << "state before quarantine";
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].from, trading_state::reducing);
  EXPECT_EQ(ev[0].to, trading_state::reducing);
  // The window's fifth report halts: "halted" over reducing, and after it.
  ev.clear();
  EXPECT_EQ(g.on_opportunity(opp(2, 5, 1), ev), suppress_reason::halted);
  EXPECT_EQ(g.on_opportunity(opp(1, 6, 2), ev), suppress_reason::halted);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].trigger, guard_trigger::rate);
  EXPECT_EQ(ev[0].from, trading_state::reducing);
  EXPECT_EQ(g.verdicts(suppress_reason::halted), 2u);
  EXPECT_EQ(g.verdicts(suppress_reason::reducing), 3u);
  EXPECT_EQ(g.verdicts(suppress_reason::quarantined), 1u);
}

TEST(TradingGuard, QuarantineAndHaltByOneReport) {
  guard_config c = quiet_cfg();
  c.rate_floor = 2;
  c.rate_warmup_windows = 5;
  trading_guard g(c);
  std::vector<guard_event> ev;
  (void)g.on_opportunity(opp(1, 1, 1), ev);
  (void)g.on_opportunity(opp(1, 2, 2), ev);
  EXPECT_EQ(g.on_opportunity(opp(1, 3, 3), ev), suppress_reason::halted);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].trigger, guard_trigger::repeat);
  EXPECT_EQ(ev[0].from, trading_state::active);
  EXPECT_EQ(ev[0].to, trading_state::active);
  EXPECT_EQ(ev[1].trigger, guard_trigger::rate);
  EXPECT_EQ(ev[1].to, trading_state::halted);
  EXPECT_TRUE(g.quarantined(1));
  // Resumed: halted state gone, quarantine released; the verdict counters add up.
  EXPECT_TRUE(g.resume(4, "http", ev));
  EXPECT_EQ(ev.back().evidence, "{\"released\":1,\"from\":\"halted\"}");
  EXPECT_EQ(g.verdicts(suppress_reason::none), 2u);
  EXPECT_EQ(g.verdicts(suppress_reason::halted), 1u);
  EXPECT_EQ(g.verdicts(suppress_reason::quarantined), 0u);
}

// A continued journal's state, restored at start: no event, no counter, and
// the halt holds until an operator's resume (never automatic).
TEST(TradingGuard, RestoreSetsStateAndQuarantinesWithoutEvents) {
  trading_guard g(quiet_cfg());
  std::vector<guard_event> ev;
  const std::vector<triangle_id> q = {3, 5, 3};
  g.restore(trading_state::halted, q);
  EXPECT_EQ(g.state(), trading_state::halted);
  EXPECT_TRUE(g.quarantined(3));
  EXPECT_TRUE(g.quarantined(5));
  EXPECT_FALSE(g.quarantined(4));
  EXPECT_EQ(g.quarantined_count(), 2u);
  for (std::size_t t = 0; t < static_cast<std::size_t>(guard_trigger::kCount); ++t) {
    EXPECT_EQ(g.transitions(static_cast<guard_trigger>(t)), 0u);
  }
  EXPECT_EQ(g.on_opportunity(opp(4, 1, 1), ev), suppress_reason::halted);
  g.on_feed_health(2, health(10, 0), ev);
  g.on_feed_health(3, health(10, 0), ev);
  EXPECT_TRUE(ev.empty());
  EXPECT_EQ(g.state(), trading_state::halted);
  ASSERT_TRUE(g.resume(4, "http", ev));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].from, trading_state::halted);
  EXPECT_EQ(ev[0].evidence, R"({"released":2,"from":"halted"})");
  EXPECT_FALSE(g.quarantined(3));
  // A second restore replaces the quarantine set.
  g.restore(trading_state::reducing, std::vector<triangle_id>{5});
  EXPECT_EQ(g.state(), trading_state::reducing);
  EXPECT_EQ(g.quarantined_count(), 1u);
  g.restore(trading_state::active, {});
  EXPECT_EQ(g.quarantined_count(), 0u);
  EXPECT_FALSE(g.quarantined(5));
}

journal_record rec(std::uint64_t seq, record_body b) {
  journal_record r;
  r.seq = seq;
  r.body = std::move(b);
  return r;
}

state_record st(trading_state from, trading_state to, guard_trigger t, std::string by,
                std::string triangle = "") {
  state_record s;
  s.from = from;
  s.to = to;
  s.trigger = t;
  s.by = std::move(by);
  s.triangle_name = std::move(triangle);
  s.evidence_json = "{}";
  return s;
}

genesis_record gen(genesis_reason why) {
  genesis_record g;
  g.reason = why;
  return g;
}

// The tracker the live bot restores with: a restart keeps the state and the
// quarantines; only a new chain (start) starts active.
TEST(TradingStateTracker, RestartKeepsStateAndQuarantinesStartResets) {
  trading_state_tracker t;
  EXPECT_EQ(t.apply(rec(0, gen(genesis_reason::start))), "");
  EXPECT_EQ(t.apply(rec(1, st(trading_state::active, trading_state::active, guard_trigger::repeat,
                              "guard", "USDT>BTC>ETH>USDT"))),
            "");
  EXPECT_EQ(t.apply(rec(2, st(trading_state::active, trading_state::halted, guard_trigger::manual,
                              "signal"))),
            "");
  EXPECT_EQ(t.apply(rec(3, gen(genesis_reason::restart))), "");
  EXPECT_EQ(t.state(), trading_state::halted);
  EXPECT_EQ(t.quarantined(), std::set<std::string>{"USDT>BTC>ETH>USDT"});
  EXPECT_EQ(t.describe(),
            "halted, 1 quarantined (manual by signal at seq 2, kept by the restart "
            "at seq 3)");
  EXPECT_EQ(t.apply(rec(4, gen(genesis_reason::rotation))), "");
  EXPECT_EQ(t.state(), trading_state::halted);
  EXPECT_EQ(t.state_records(), 2u);
  EXPECT_EQ(t.apply(rec(0, gen(genesis_reason::start))), "");
  EXPECT_EQ(t.state(), trading_state::active);
  EXPECT_TRUE(t.quarantined().empty());
}

}  // namespace
}  // namespace triarb
