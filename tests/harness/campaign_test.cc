// The fault campaign (harness/campaign.h): every named scenario on a few seeds
// reports zero phantoms, zero missed and full recall; the same seed gives the
// same report and journal bytes; the previous bot's drop-on-overflow is
// caught by the oracle on the same seed; a configuration past the URL limit
// is rejected before connecting; the trading guard (layer four) never halts
// nor quarantines without a mutant, and with layers one to three removed
// (drop-capped and no-validity) it catches the frozen legs within its bound.
//
// TRIARB_CAMPAIGN_SEEDS (default 2) and TRIARB_CAMPAIGN_DURATION_MS (default
// 2000) shrink or grow the sweep (ci/asan-ubsan.sh runs a reduced set).
#include "harness/campaign.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "offline/journal_audit.h"

namespace triarb {
namespace {

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

campaign_options options(scenario sc, std::uint64_t seed) {
  campaign_options o;
  o.sc = sc;
  o.seed = seed;
  o.duration_ns =
      static_cast<std::int64_t>(env_or("TRIARB_CAMPAIGN_DURATION_MS", 2000)) * 1'000'000;
  return o;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Campaign : public ::testing::TestWithParam<scenario> {};

TEST_P(Campaign, NoPhantomNoMissedFullRecallOnEverySeed) {
  const std::uint64_t seeds = env_or("TRIARB_CAMPAIGN_SEEDS", 2);
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    const campaign_options o = options(GetParam(), seed);
    const campaign_report r = run_campaign(o);
    SCOPED_TRACE(verdict_line(o, r));
    EXPECT_TRUE(r.passed) << r.why << "\nreproduce: " << reproduce_command(o)
                          << "\nfirst phantom: " << r.first_phantom
                          << "\nfirst missed: " << r.first_missed;
    EXPECT_EQ(r.phantom, 0U);
    EXPECT_EQ(r.missed, 0U);
    EXPECT_EQ(r.stale_used, 0U);
    EXPECT_EQ(r.contract_violations, 0U);
    // Layer four: no false halt or quarantine; every report judged by it.
    EXPECT_EQ(r.guard_halts, 0U) << r.first_guard_action;
    EXPECT_EQ(r.guard_quarantines, 0U) << r.first_guard_action;
    std::uint64_t suppressed = 0;
    for (std::uint64_t n : r.suppressed) suppressed += n;
    EXPECT_EQ(r.actionable + suppressed, r.opportunities);
    EXPECT_EQ(r.suppressed[static_cast<std::size_t>(suppress_reason::none)], 0U);
    // A benign repeat run stays under the knob (the margin is design.md's).
    EXPECT_LT(r.repeat_run_max, r.guard.repeat_reports);
    if (GetParam() == scenario::url_too_long) continue;
    EXPECT_GT(r.frames, 10'000U);
    // The oracle saw reportable cycles, so "missed == 0" means something.
    EXPECT_GT(r.oracle_exact, 0U);
    EXPECT_GT(r.real, 0U);
    EXPECT_GE(r.recall(), 0.99);
  }
}

INSTANTIATE_TEST_SUITE_P(AllScenarios, Campaign,
                         ::testing::ValuesIn(all_scenarios().begin(), all_scenarios().end()),
                         [](const ::testing::TestParamInfo<scenario>& i) {
                           std::string n(to_string(i.param));
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

TEST(Campaign, EachScenarioInjectsItsFaults) {
  auto faults = [](scenario sc) {
    const campaign_report r = run_campaign(options(sc, 1));
    return r;
  };
  auto n = [](const campaign_report& r, fault_kind k) {
    return r.faults[static_cast<std::size_t>(k)];
  };
  EXPECT_GT(n(faults(scenario::lunc_overflow), fault_kind::qty_overflow), 0U);
  EXPECT_GT(n(faults(scenario::garbage_frames), fault_kind::garbage), 0U);
  EXPECT_GT(n(faults(scenario::truncated_frames), fault_kind::truncated), 0U);
  const campaign_report dup = faults(scenario::duplicate_and_reordered);
  EXPECT_GT(n(dup, fault_kind::duplicate), 0U);
  EXPECT_GT(n(dup, fault_kind::reordered), 0U);
  const campaign_report storm = faults(scenario::disconnect_storm);
  EXPECT_GT(n(storm, fault_kind::drop), 0U);
  EXPECT_GT(storm.reseeded, 0U);
  EXPECT_GT(storm.revalidate_all.count, 0U);
  EXPECT_GT(n(faults(scenario::symbol_halted), fault_kind::halt), 0U);
  EXPECT_GT(storm.connect_failures, 0U) << "attempts fail too: the backoff grows";
  const campaign_report jump = faults(scenario::clock_jump);
  EXPECT_GT(n(jump, fault_kind::clock_jump), 0U);
  EXPECT_GT(n(jump, fault_kind::halt), 0U);
  // Data stops, pings go on: quiet, then the silent stream is reopened;
  // never a pong-deadline stall.
  const campaign_report data = faults(scenario::data_stall);
  EXPECT_GT(n(data, fault_kind::data_stall), 0U);
  EXPECT_GT(n(data, fault_kind::quiet), 0U);
  EXPECT_GT(n(data, fault_kind::quiet_reconnect), 0U);
  EXPECT_EQ(n(data, fault_kind::stall_detected), 0U);
  // Snapshots in flight while frames arrive and are cut short: symbols are
  // left to their next frame (superseded); snapshots still apply (not
  // stale), though how many symbols take one depends on the run's length.
  const campaign_report race = faults(scenario::reseed_race);
  EXPECT_GT(race.reseed_superseded, 0U);
  EXPECT_GT(race.reseed_requests, 0U);
  EXPECT_GT(n(race, fault_kind::truncated), 0U);
}

// A stall (no frames, no pings) is seen as data silence first (quiet, symbols
// invalid); with no ping either it is a dead socket, replaced at 4 x quiet_ms
// (long before the pong deadline), then re-seeded.
TEST(Campaign, StallIsSeenAsQuietThenDetectedAndReseeded) {
  campaign_options o = options(scenario::stall, 3);
  o.duration_ns = 8'000'000'000;
  const campaign_report r = run_campaign(o);
  EXPECT_GT(r.faults[static_cast<std::size_t>(fault_kind::quiet)], 0U)
      << "data silence is seen first: " << verdict_line(o, r);
  EXPECT_GT(r.faults[static_cast<std::size_t>(fault_kind::stall_detected)], 0U)
      << verdict_line(o, r);
  EXPECT_EQ(r.faults[static_cast<std::size_t>(fault_kind::quiet_reconnect)], 0U)
      << "no ping either: a stall, not a quiet stream";
  EXPECT_GT(r.reseeded, 0U);
  EXPECT_EQ(r.phantom, 0U);
}

TEST(Campaign, SameSeedGivesTheSameReportAndJournalBytes) {
  const std::string j1 = ::testing::TempDir() + "campaign_det_1.jsonl";
  const std::string j2 = ::testing::TempDir() + "campaign_det_2.jsonl";
  std::remove(j1.c_str());
  std::remove(j2.c_str());
  campaign_options a = options(scenario::mixed, 7);
  campaign_options b = a;
  a.journal_path = j1;
  b.journal_path = j2;
  const campaign_report ra = run_campaign(a);
  const campaign_report rb = run_campaign(b);
  a.journal_path = b.journal_path = "";
  EXPECT_EQ(report_json(a, ra), report_json(b, rb));
  const std::string ja = slurp(j1);
  EXPECT_FALSE(ja.empty());
  EXPECT_EQ(ja, slurp(j2));
  const campaign_report rc = run_campaign(options(scenario::mixed, 8));
  EXPECT_NE(report_json(a, ra), report_json(options(scenario::mixed, 8), rc));
}

TEST(Campaign, OracleBitesThePreviousBotsDropOnOverflow) {
  // Same seed, same scenario: the bot passes, the old behaviour (drop a
  // frame whose quantity overflows, nothing invalidated, no age limit) is
  // reported with phantoms and a command that reproduces it.
  campaign_options o = options(scenario::lunc_overflow, 3);
  const campaign_report good = run_campaign(o);
  EXPECT_TRUE(good.passed) << verdict_line(o, good);
  o.mutant_drop_capped = true;
  const campaign_report bad = run_campaign(o);
  EXPECT_FALSE(bad.passed);
  EXPECT_GT(bad.phantom, 0U) << verdict_line(o, bad);
  EXPECT_NE(verdict_line(o, bad).find("FAIL lunc-overflow seed=3"), std::string::npos);
  EXPECT_NE(reproduce_command(o).find("--seed 3 --scenario lunc-overflow"), std::string::npos);
  EXPECT_NE(reproduce_command(o).find("--mutant drop-capped"), std::string::npos);
}

TEST(Campaign, OracleBitesAReseedThatBypassesTheTracker) {
  // reseed-race: the runtime's feed_session passes; REST snapshots applied to
  // every invalid symbol whatever the feed did meanwhile (the campaign's old
  // model) revalidate quotes the exchange had already replaced.
  campaign_options o = options(scenario::reseed_race, 1);
  const campaign_report good = run_campaign(o);
  EXPECT_TRUE(good.passed) << verdict_line(o, good);
  EXPECT_EQ(good.reseed_stale_applied, 0U);
  o.mutant_reseed_unchecked = true;
  const campaign_report bad = run_campaign(o);
  EXPECT_FALSE(bad.passed);
  EXPECT_GT(bad.reseed_stale_applied, 0U) << verdict_line(o, bad);
  EXPECT_NE(reproduce_command(o).find("--mutant reseed-unchecked"), std::string::npos);
  o.network = true;
  EXPECT_THROW((void)run_campaign(o), std::invalid_argument) << "in-process only";
}

// The reproduce line is pasted into a shell from the source tree: the binary
// it names must be the one CMake builds for the preset (TRIARB_BINARY is
// $<TARGET_FILE:triarb> of this build; the default preset's tree is
// build/default under the source directory).
TEST(Campaign, ReproduceLineNamesTheBinaryThisBuildMakes) {
  campaign_options o = options(scenario::mixed, 7);
  o.preset = "default";
  const std::string cmd = reproduce_command(o);
  const std::string binary = TRIARB_BINARY;
  const std::string root = TRIARB_SOURCE_DIR "/";
  ASSERT_EQ(binary.rfind(root, 0), 0u) << binary;
  const std::string relative = binary.substr(root.size());  // build/<dir>/.../triarb
  const std::string expected = "build/default/" + relative.substr(relative.find('/', 6) + 1);
  EXPECT_NE(cmd.find("&& " + expected + " sim --seed 7"), std::string::npos)
      << cmd << "\nexpected the binary at " << expected;
}

// The guard check: the drop-capped mutant freezes the legs whose quantities
// overflow (their frames dropped, nothing invalidated, no age limit) and
// no-validity lets the evaluator use any leg, so layers one to three are
// gone; the trading guard must quarantine (or halt) before any frozen leg's
// run has repeat_reports actionable reports. Suppressed opportunities are
// journaled with their reason.
TEST(Campaign, GuardCatchesFrozenLegsWithinItsBound) {
  const std::string j = ::testing::TempDir() + "campaign_guard.jsonl";
  // Under the sanitizers (TRIARB_CAMPAIGN_SEEDS=1) one seed.
  const std::uint64_t seeds = std::min<std::uint64_t>(2, env_or("TRIARB_CAMPAIGN_SEEDS", 2));
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    campaign_options o = options(scenario::lunc_overflow, seed);
    o.duration_ns = 8'000'000'000;  // sparse frozen runs need time to add up
    o.mutant_drop_capped = o.mutant_no_validity = true;
    std::remove(j.c_str());
    o.journal_path = j;
    const campaign_report r = run_campaign(o);
    SCOPED_TRACE(verdict_line(o, r));
    EXPECT_TRUE(r.guard_check);
    EXPECT_TRUE(r.passed) << r.why;
    EXPECT_GT(r.frozen_reports, 0U);
    EXPECT_GT(r.phantom, 0U) << "the mutants do report phantoms";
    EXPECT_GT(r.guard_quarantines + r.guard_halts, 0U);
    EXPECT_GE(r.first_guard_action_ns, 0);
    EXPECT_FALSE(r.first_guard_action.empty());
    EXPECT_LE(r.frozen_run_actionable_max, r.guard.repeat_reports - 1);
    EXPECT_LE(r.frozen_actionable, r.guard_bound);
    EXPECT_EQ(r.phantom_actionable_unfrozen, 0U);
    EXPECT_GT(r.suppressed[static_cast<std::size_t>(suppress_reason::quarantined)], 0U);
    EXPECT_NE(reproduce_command(o).find("--mutant drop-capped --mutant no-validity"),
              std::string::npos);
    const std::string text = slurp(j);
    std::size_t n = 0;
    for (std::size_t p = 0;
         (p = text.find("\"suppressed\":\"quarantined\"", p)) != std::string::npos; ++p) {
      ++n;
    }
    EXPECT_EQ(n, r.suppressed[static_cast<std::size_t>(suppress_reason::quarantined)]);
    // Every guard event is a state record, and the first quarantine's comes
    // before the first opportunity it suppressed.
    std::size_t states = 0;
    for (std::size_t p = 0; (p = text.find("\"type\":\"state\"", p)) != std::string::npos; ++p) {
      ++states;
    }
    EXPECT_EQ(states, r.guard_quarantines + r.guard_halts + r.feed_reducing + r.feed_resumed);
    EXPECT_LT(text.find("\"trigger\":\"repeat\""), text.find("\"suppressed\":\"quarantined\""));
    // The journal the campaign wrote is one the audit accepts: every state
    // record a transition the guard can make, and no opportunity actionable
    // while its triangle was quarantined or the bot not active.
    const audit_report a = audit_states(j);
    EXPECT_TRUE(a.ok()) << a.message();
    EXPECT_EQ(a.state_records, states);
  }
}

// The same run without the guard: the phantoms go through actionable and
// the check fails, naming the bound.
TEST(Campaign, GuardCheckFailsWithoutTheGuard) {
  campaign_options o = options(scenario::lunc_overflow, 1);
  o.duration_ns = 8'000'000'000;
  o.mutant_drop_capped = o.mutant_no_validity = true;
  o.guard_off = true;
  const campaign_report r = run_campaign(o);
  EXPECT_FALSE(r.passed) << verdict_line(o, r);
  EXPECT_EQ(r.actionable, r.opportunities);
  EXPECT_GT(r.phantom_actionable, 0U);
  EXPECT_GT(r.frozen_run_actionable_max, r.guard.repeat_reports - 1);
  EXPECT_NE(r.why.find("the guard neither halted nor quarantined"), std::string::npos) << r.why;
  EXPECT_NE(r.why.find("over the bound repeat_reports - 1"), std::string::npos) << r.why;
}

// Without mutants a guard halt or quarantine fails the run: knobs tight
// enough to trip on a benign market make it a FAIL naming them.
TEST(Campaign, FalseHaltOrQuarantineFailsTheRun) {
  campaign_options o = options(scenario::garbage_frames, 1);
  guard_config tight;
  tight.repeat_reports = 2;
  tight.repeat_window_ns = 1'000'000'000;
  tight.start_ns = 0;
  o.guard = tight;
  const campaign_report q = run_campaign(o);
  EXPECT_FALSE(q.passed);
  EXPECT_GT(q.guard_quarantines, 0U);
  EXPECT_NE(q.why.find("false quarantines"), std::string::npos) << q.why;
  EXPECT_GT(q.suppressed[static_cast<std::size_t>(suppress_reason::quarantined)], 0U);
  guard_config low_rate;
  low_rate.rate_window_ns = 100'000'000;
  low_rate.rate_floor = 5;
  low_rate.start_ns = 0;
  o.guard = low_rate;
  const campaign_report h = run_campaign(o);
  EXPECT_FALSE(h.passed);
  EXPECT_EQ(h.guard_halts, 1U);
  EXPECT_NE(h.why.find("1 false guard halts"), std::string::npos) << h.why;
  EXPECT_NE(h.first_guard_action.find("halt by rate"), std::string::npos) << h.first_guard_action;
  EXPECT_GT(h.suppressed[static_cast<std::size_t>(suppress_reason::halted)], 0U);
}

// A server shutdown rotates every connection: feed health is poor, the
// guard goes to reducing (reported, not a failure) and back to active.
TEST(Campaign, FeedHealthTransitionsAreReportedNotFailed) {
  campaign_options o = options(scenario::server_shutdown, 1);
  o.duration_ns = 4'500'000'000;  // past the rotation at 4 s
  const campaign_report r = run_campaign(o);
  EXPECT_TRUE(r.passed) << verdict_line(o, r);
  EXPECT_GT(r.feed_reducing, 0U) << verdict_line(o, r);
  EXPECT_EQ(r.feed_resumed, r.feed_reducing);
  EXPECT_GT(r.suppressed[static_cast<std::size_t>(suppress_reason::reducing)], 0U);
  EXPECT_EQ(r.guard_halts + r.guard_quarantines, 0U);
}

TEST(Campaign, UrlPastTheGatewayLimitIsRejectedBeforeConnecting) {
  const campaign_report r = run_campaign(options(scenario::url_too_long, 1));
  EXPECT_TRUE(r.config_rejected);
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(r.frames, 0U);
  EXPECT_NE(r.config_error.find("8192"), std::string::npos) << r.config_error;
  EXPECT_NE(r.config_error.find("symbols_per_connection"), std::string::npos) << r.config_error;
}

// Execution (campaign_options::execution): the production engine's orders
// matched by the simulated exchange's matching engine through seeded
// order-path faults. On every scenario the run's checks hold: every order
// has one answer in the journal, the ledger equals the exchange's account
// exactly, no order while not active, the journal's audit passes.
campaign_options exec_options(scenario sc, std::uint64_t seed) {
  campaign_options o = options(sc, seed);
  o.duration_ns = 1'000'000'000;
  o.execution = true;
  return o;
}

void expect_exec_checks(const campaign_options& o, const campaign_report& r) {
  SCOPED_TRACE(verdict_line(o, r));
  const execution_report& x = r.exec;
  EXPECT_TRUE(r.passed) << r.why << "\nreproduce: " << reproduce_command(o);
  EXPECT_TRUE(x.on);
  EXPECT_EQ(x.orders_unanswered, 0U) << x.first_unanswered;
  EXPECT_EQ(x.orders_answered_twice, 0U);
  EXPECT_EQ(x.orders, x.fills + x.rejects);
  EXPECT_EQ(x.orders_not_active, 0U);
  EXPECT_TRUE(x.ledger_equal) << x.ledger_diff;
  EXPECT_EQ(x.account_mismatches, 0U);
  EXPECT_EQ(x.ledger_refused, 0U);
  EXPECT_EQ(x.cycles_open, 0U);
  EXPECT_EQ(x.cycles_done + x.cycles_residual + x.cycles_missed, x.cycles_attempted);
  EXPECT_TRUE(x.audit_ok) << x.audit;
  EXPECT_GT(x.account_checks, 0U);
}

TEST(CampaignExecution, EveryScenarioKeepsTheJournalAndTheLedgerExact) {
  std::uint64_t cycles = 0, orders = 0, faults = 0;
  for (scenario sc : all_scenarios()) {
    if (sc == scenario::url_too_long) continue;
    const campaign_options o = exec_options(sc, 1);
    const campaign_report r = run_campaign(o);
    expect_exec_checks(o, r);
    cycles += r.exec.cycles_attempted;
    orders += r.exec.orders;
    for (std::size_t k = 1; k < r.exec.faults.size(); ++k) faults += r.exec.faults[k];
  }
  // The sweep did something: cycles started, orders answered, faults injected.
  EXPECT_GT(cycles, 0U);
  EXPECT_GT(orders, cycles);
  EXPECT_GT(faults, 0U);
}

// Every order-path fault kind at a high rate: each is injected, timeouts
// and dropped answers are resolved (by the order's status or the account),
// 429s pause the client, and the checks still hold.
TEST(CampaignExecution, EveryOrderFaultIsInjectedAndReconciled) {
  sim::order_fault_rates f;
  f.reject = 0.12;
  f.rate_limited = 0.03;
  f.timeout = 0.12;
  f.partial = 0.2;
  f.dropped = 0.12;
  execution_report sum;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    campaign_options o = exec_options(scenario::garbage_frames, seed);
    o.duration_ns = 2'000'000'000;
    o.order_faults = f;
    const campaign_report r = run_campaign(o);
    expect_exec_checks(o, r);
    const execution_report& x = r.exec;
    for (std::size_t k = 0; k < x.faults.size(); ++k) sum.faults[k] += x.faults[k];
    EXPECT_EQ(x.timeouts, x.faults[static_cast<std::size_t>(sim::order_fault::timeout)] +
                              x.faults[static_cast<std::size_t>(sim::order_fault::dropped)]);
    EXPECT_EQ(x.order_queries, x.timeouts);
    sum.timeouts += x.timeouts;
    sum.reconciled += x.reconciled;
    sum.reconciled_from_account += x.reconciled_from_account;
    sum.rejects += x.rejects;
    sum.paused += x.paused;
  }
  for (std::size_t k = 1; k < sum.faults.size(); ++k) {
    EXPECT_GT(sum.faults[k], 0U) << sim::to_string(static_cast<sim::order_fault>(k));
  }
  EXPECT_GT(sum.timeouts, 0U);
  EXPECT_GT(sum.reconciled, 0U);
  EXPECT_GT(sum.rejects, 0U);
  EXPECT_GT(sum.paused, 0U);  // orders held back inside a 429's Retry-After
}

TEST(CampaignExecution, SameSeedGivesTheSameReport) {
  const campaign_options o = exec_options(scenario::mixed, 3);
  const std::string a = report_json(o, run_campaign(o));
  EXPECT_EQ(a, report_json(o, run_campaign(o)));
  EXPECT_NE(a.find("\"execution\":{"), std::string::npos);
}

// The checks bite: an answer missing from the journal, and a fill the
// exchange applied twice, each fail the run naming what broke.
TEST(CampaignExecution, ALostAnswerFailsTheRun) {
  campaign_options o = exec_options(scenario::garbage_frames, 1);
  o.mutant_exec = exec_mutant::drop_answer;
  const campaign_report r = run_campaign(o);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.exec.orders_unanswered, 1U);
  EXPECT_NE(r.why.find("1 orders without an answer in the journal"), std::string::npos) << r.why;
}

TEST(CampaignExecution, AFillAppliedTwiceFailsTheRun) {
  campaign_options o = exec_options(scenario::garbage_frames, 1);
  o.mutant_exec = exec_mutant::double_fill;
  const campaign_report r = run_campaign(o);
  EXPECT_FALSE(r.passed);
  EXPECT_FALSE(r.exec.ledger_equal);
  EXPECT_GT(r.exec.account_mismatches, 0U);
  EXPECT_NE(r.why.find("the ledger differs from the exchange's account"), std::string::npos)
      << r.why;
}

TEST(CampaignExecution, RefusedOverTheNetworkAndAsAMutantWithoutExecution) {
  campaign_options o = exec_options(scenario::garbage_frames, 1);
  o.network = true;
  EXPECT_THROW((void)run_campaign(o), std::invalid_argument);
  o = options(scenario::garbage_frames, 1);
  o.mutant_exec = exec_mutant::drop_answer;
  EXPECT_THROW((void)run_campaign(o), std::invalid_argument);
  o = exec_options(scenario::garbage_frames, 1);
  sim::order_fault_rates bad;
  bad.timeout = 1.5;
  o.order_faults = bad;
  try {
    (void)run_campaign(o);
    ADD_FAILURE() << "a fault rate of 1.5 was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("timeout must be in [0, 1] (got 1.5)"), std::string::npos)
        << e.what();
  }
}

TEST(Campaign, ScenarioNamesRoundTrip) {
  for (scenario s : all_scenarios()) EXPECT_EQ(parse_scenario(to_string(s)), s);
  EXPECT_FALSE(parse_scenario("no-such-scenario").has_value());
}

}  // namespace
}  // namespace triarb
