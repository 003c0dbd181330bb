// campaign: the fault campaign (issue 6). One named scenario, one seed: the
// simulated market and its exact ground truth, an in-process model of the
// connection layer (stalls past the pong deadline, drops with backoff and
// REST re-seed, server rotations, the URL-length check before connecting),
// faults on the frames, halted symbols and receive-clock jumps, all feeding
// the bot's real parser, book, evaluator and journal on simulated time. The
// oracle judges every decision:
//   phantom  reported, but by the true current quotes the cycle's ratio does
//            not beat 1 + min_profit -- unless its legs were quotes the market
//            sent, current together within the quiet threshold (a stall the
//            bot cannot see yet), and profitable on them (sim::market::judge).
//            Reports failing only the first test are phantom_strict: the
//            literal oracle, reported beside the verdict;
//   missed   truly profitable by more than kMissedMargin (relative) while all
//            three legs were valid, fresh (0 <= age < max_leg_age) and equal
//            to the truth in the bot's book, and the evaluator's own exact
//            sizing (evaluator::size) fills it -- but not reported;
// plus recall over the injected genuine dislocations, counters by fault kind
// and time-to-revalidate (simulated time) per fault kind.
// In-process, every opportunity also goes through the real trading guard
// (layer four, core/trading_guard.h) on the bot's clock: without a mutant a
// halt or quarantine fails the run; with drop-capped and no-validity on
// lunc-overflow the run is the guard check (campaign_report::guard_check).
// The same options give byte-identical output (no wall clock, no threads).
//
//   campaign_options o;  o.seed = 3;  o.sc = scenario::lunc_overflow;
//   campaign_report r = run_campaign(o);
//   std::cout << verdict_line(o, r) << "\n";     // PASS lunc-overflow seed=3 phantoms=0 ...
//   write_file(path, report_json(o, r));
//
// Time constants are scaled to the simulated market (which makes ~50,000
// updates per simulated second): max_leg_age 1 s, pong deadline 3 s,
// backoff 100 ms doubling to 3.2 s, quiet threshold 50 ms (no data frame on a
// connection for that long invalidates its symbols). Scenarios with frozen-but-fresh legs
// (stall, symbol-halted, clock-jump, mixed) run a calm market (volatility
// /20): a leg frozen for up to max_leg_age is indistinguishable from a quiet
// one, so the phantom-free window the bot can promise depends on how far
// prices move within max_leg_age (see the report's "market" field).
//
// Thread safety: run_campaign is self-contained; any one thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/evaluator.h"
#include "core/fixed8.h"
#include "core/journal.h"
#include "core/trading_guard.h"
#include "sim/order_faults.h"

namespace triarb {

enum class scenario : std::uint8_t {
  lunc_overflow,
  garbage_frames,
  truncated_frames,
  duplicate_and_reordered,
  stall,
  disconnect_storm,
  server_shutdown,
  url_too_long,
  symbol_halted,
  clock_jump,
  mixed,
  data_stall,   // a stream's data stops while its pings go on
  reseed_race,  // REST snapshots in flight while frames are lost (the stale re-seed)
  kCount,
};
[[nodiscard]] std::string_view to_string(scenario s) noexcept;
[[nodiscard]] std::optional<scenario> parse_scenario(std::string_view name) noexcept;
[[nodiscard]] std::span<const scenario> all_scenarios() noexcept;

// A cycle missed only if its exact true ratio beats the threshold by more
// than this (relative): below it, the evaluator's round-down may decide.
inline constexpr double kMissedMargin = 2e-6;

// Test-only breakages of the execution path, each of which a run's
// execution checks must catch (campaign_test).
enum class exec_mutant : std::uint8_t {
  none,
  drop_answer,  // the first fill record is not journaled (an order loses its answer)
  double_fill,  // the first order that fills is placed at the exchange twice
};

// The order-path faults an execution run injects when the options give none:
// per order that reaches the exchange.
[[nodiscard]] sim::order_fault_rates campaign_order_faults() noexcept;

struct campaign_options {
  std::uint64_t seed = 1;
  scenario sc = scenario::mixed;
  std::int64_t duration_ns = 10'000'000'000;  // simulated
  // The previous bot (lunc-overflow's oracle check): a frame with a
  // quantity over fixed8::max() is dropped and nothing is invalidated, and
  // there is no age limit. Must report phantoms.
  bool mutant_drop_capped = false;
  std::string journal_path;  // empty: no journal
  // Non-empty: the run's exchangeInfo document (the universe of `seed`) is
  // written here before the run, for `journal audit --exchange-info`.
  std::string exchange_info_out;
  fsync_policy journal_fsync{fsync_policy::kind::never};
  bool new_journal = false;
  std::string preset = "default";  // build preset, for the reproduce line
  // Network runs: the bot without its staleness defences (max_leg_age, the
  // pong deadline and quiet_ms set to an hour): stalled and halted legs stay
  // usable.
  // Must report phantoms (the network oracle bites).
  bool mutant_no_staleness = false;
  // In-process: REST snapshots applied to every still-invalid symbol,
  // bypassing the re-seed tracker (the campaign's old model, which re-seeded
  // at the instant of reopening). Must fail reseed-race (the stale re-seed
  // oracle bites).
  bool mutant_reseed_unchecked = false;
  // In-process: the evaluator reads the book through a view whose every
  // snapshot says valid (layer two, per-symbol validity, gone). With
  // mutant_drop_capped on lunc-overflow (layers one and three gone too) only
  // the trading guard stands between the frozen legs and an action: the run
  // then passes only if the guard caught them within its bound (the guard
  // check, campaign_report::guard_check).
  bool mutant_no_validity = false;
  // Test-only: no trading guard (every opportunity actionable), to show the
  // guard check fail without it.
  bool guard_off = false;
  // Test-only: these guard knobs instead of the campaign's (campaign.cc,
  // campaign_guard_config), e.g. to see a false halt fail a run.
  std::optional<guard_config> guard;
  // Through the real network path instead (net_campaign.h): the simulated
  // exchange on loopback, the live bot over TLS WebSocket, real time
  // (duration_ns is then real time). Not byte-identical; judged by the same
  // oracle. mutant_drop_capped is in-process only, mutant_no_staleness
  // network only.
  bool network = false;
  // In-process: execution (docs/design.md, section 12, "In the campaign").
  // Every actionable opportunity goes to the production execution engine
  // (core/execution_engine.h) with its opportunity record's hash and the
  // guard's trading state; its orders go, after a seeded network delay, to
  // the simulated exchange's matching engine (sim/matching.h) on the
  // simulated clock, through the order-path faults (sim/order_faults.h).
  // The run then also fails on a lost answer, a ledger that differs from
  // the exchange's account, an order while not active, or execution
  // records the journal's audit refuses.
  bool execution = false;
  fixed8 exec_start_usdt = fixed8::from_units(100'000);  // the account's only balance at start
  std::optional<sim::order_fault_rates> order_faults;    // empty: campaign_order_faults()
  exec_mutant mutant_exec = exec_mutant::none;
};

// Per fault kind: how many were injected and how long (simulated ns) each
// invalidated symbol took to become valid again.
enum class fault_kind : std::uint8_t {
  garbage,          // a frame replaced by non-JSON bytes (unattributed)
  truncated,        // a frame cut short (unattributed)
  bad_price,        // a price with an exponent (attributed)
  duplicate,        // a frame delivered twice
  reordered,        // an older frame of the symbol delivered after a newer one
  qty_overflow,     // a frame whose quantities exceed fixed8::max() (LUNC)
  stall,            // a connection silent (frames and pings) for a while
  data_stall,       // a stream's data frames stop, its pings go on
  stall_detected,   // silence past the pong deadline: connection lost
  quiet,            // no data for the quiet threshold: symbols invalidated, still open
  quiet_reconnect,  // still no data long after: reconnected (conn_policy.h)
  drop,             // a connection dropped (detected at once)
  server_shutdown,  // every connection rotated
  halt,             // a symbol went to BREAK: its frames stop
  clock_jump,       // the receive clock jumped forward (time passed in one go)
  kCount,
};
[[nodiscard]] std::string_view to_string(fault_kind k) noexcept;

struct latency_summary {
  std::uint64_t count = 0;
  std::int64_t median_ns = 0;
  std::int64_t p99_ns = 0;
  std::int64_t max_ns = 0;
};
// Count, median (lower), p99 and max of v (all zero if v is empty).
[[nodiscard]] latency_summary summarize(std::vector<std::int64_t> v);

// What execution did in one run (campaign_options::execution). P&L sums are
// exact (fixed8, start asset USDT), over the cycles closed in the run.
struct execution_report {
  bool on = false;
  std::uint64_t cycles_attempted = 0;  // cycles the engine started (leg 1 sent)
  std::uint64_t cycles_done = 0;
  std::uint64_t cycles_residual = 0;
  std::uint64_t cycles_missed = 0;         // leg 1 filled nothing (rejected or expired)
  std::uint64_t cycles_leg1_rejected = 0;  // ... of which leg 1 was rejected (or not sent)
  std::uint64_t cycles_open = 0;  // still open at the end (a failure: the drain closes them)
  std::uint64_t refused_gate = 0, refused_balance = 0, refused_plan = 0, refused_not_active = 0,
                refused_paused = 0;
  fixed8 expected_pnl;  // sum of the closed cycles' expected profit
  fixed8 realised_pnl;  // ... and realised profit
  // The ground truth (sim/matching.h ideal_cycle): each started cycle executed
  // ideally at its decision's instant with the opportunity's amount in.
  fixed8 ideal_pnl;
  std::uint64_t ideal_ok = 0;
  std::uint64_t ideal_failed = 0;
  std::vector<std::pair<std::string, fixed8>> residual_by_asset;  // non-zero, by name
  // The residuals' value in USDT at the market's true quotes at the end
  // (realised_pnl counts the start asset only: a residual cycle's spend
  // shows there, what it holds instead shows here); assets it could not value.
  fixed8 residual_value;
  std::uint64_t residual_unvalued = 0;
  // Journal: order records, answer records (fill + reject), and the checks.
  std::uint64_t orders = 0, fills = 0, rejects = 0;
  std::uint64_t orders_unanswered = 0;  // order records without an answer record
  std::uint64_t orders_answered_twice = 0;
  std::uint64_t orders_not_active = 0;  // orders emitted while the guard's state was not active
  std::string first_unanswered;
  // Order path: faults applied, by sim::order_fault (index 0, none, unused).
  std::array<std::uint64_t, sim::kOrderFaultKinds> faults{};
  std::uint64_t paused = 0;  // orders the client held back inside a 429's Retry-After
  std::uint64_t timeouts = 0, late_answers = 0, order_queries = 0;
  std::uint64_t reconciled = 0, reconciled_from_account = 0;
  std::uint64_t account_checks = 0, account_pending = 0, account_mismatches = 0;
  std::uint64_t ledger_refused = 0, ledger_deferred = 0;
  std::uint64_t exchange_orders = 0;  // orders the matching engine placed
  bool ledger_equal = false;          // engine ledger == exchange account, every asset, at the end
  std::string ledger_diff;            // the first asset that differs
  bool audited = false;
  bool audit_ok = false;
  std::string audit;  // the audit's message
  [[nodiscard]] double capture_rate() const noexcept {
    return cycles_attempted == 0
               ? 0.0
               : static_cast<double>(cycles_done) / static_cast<double>(cycles_attempted);
  }
};

struct campaign_report {
  // The configuration was rejected before connecting (url-too-long).
  bool config_rejected = false;
  std::string config_error;

  std::size_t symbols = 0;
  std::size_t triangles = 0;         // the bot's index
  std::size_t oracle_triangles = 0;  // the oracle's, by brute force from the asset graph (equal)
  std::size_t connections = 0;
  std::uint64_t frames = 0;     // delivered to the parser
  std::uint64_t decisions = 0;  // symbols drained and evaluated
  std::uint64_t opportunities = 0;
  std::uint64_t real = 0;
  std::uint64_t phantom = 0;
  std::uint64_t phantom_strict = 0;  // not profitable on the truth at decision time (see top)
  std::uint64_t missed = 0;
  std::uint64_t oracle_candidates = 0;    // cycles that passed the double pre-filter
  std::uint64_t oracle_exact = 0;         // ... and beat the margin exactly
  std::uint64_t contract_violations = 0;  // a reported leg invalid or not 0 <= age < max
  std::uint64_t halted_used = 0;          // reports through a halted symbol past max_leg_age
  // Reported legs whose book data was older than max_leg_age by the
  // simulator's clock (the bot's receive clock may have jumped).
  std::uint64_t stale_used = 0;
  std::uint64_t episodes = 0;           // injected dislocations
  std::uint64_t episodes_eligible = 0;  // truly reportable at least once with legs valid
  std::uint64_t episodes_caught = 0;    // eligible and a cycle through it reported
  std::uint64_t reconnects = 0;
  std::uint64_t reseeded = 0;  // symbols re-seeded from the REST snapshot
  // REST re-seeds (in-process runs): snapshots applied, symbols left to their
  // next frame because the feed touched them while the snapshot was in
  // flight, and requests made stale by a loss, reopen or quiet since.
  std::uint64_t reseed_requests = 0;
  std::uint64_t reseed_superseded = 0;
  std::uint64_t reseed_stale = 0;
  // Oracle: re-seeds applied with a quote the exchange had already replaced
  // on a flowing stream (the stale re-seed; must be 0). Over the network:
  // re-seeded legs a decision could use whose quote an update sent on the
  // same connection had replaced before the frame that triggered the
  // decision (that update had reached the bot, or was lost and should have
  // invalidated the leg).
  std::uint64_t reseed_stale_applied = 0;
  std::string first_stale_reseed;      // network: the first such leg
  std::uint64_t connect_failures = 0;  // attempts that failed (in-process: injected)
  std::array<std::uint64_t, static_cast<std::size_t>(fault_kind::kCount)> faults{};
  std::array<latency_summary, static_cast<std::size_t>(fault_kind::kCount)> revalidate{};
  latency_summary revalidate_all;
  // Network runs: why each phantom was judged so (they sum to phantom), and context.
  std::uint64_t unknown_quote = 0;   // a leg price the exchange never sent at or after its id
  std::uint64_t not_profitable = 0;  // legs true and simultaneous, cycle not profitable on them
  std::uint64_t frozen_fresh = 0;    // real only because the update replacing a leg was never sent
                                     // the newest (allowed while younger than max_leg_age)
  std::uint64_t still_real = 0;      // still profitable on the exchange's quotes at decision time
  std::uint64_t oracle_raced = 0;    // decisions whose legs moved during the check (not judged)
  std::string fatal_errors;          // connections the bot stopped for good (a failure)
  std::int64_t max_send_lag_ns = 0;  // the exchange's worst update -> frame written delay
  std::string market;                // "fast" or "calm"
  std::string first_phantom;         // a readable description of the first phantom
  std::string first_missed;
  std::string telemetry_json;

  // Layer four (core/trading_guard.h), in-process runs: every opportunity
  // goes through the guard at its decided time; suppressed ones are still
  // judged (phantom counts every report) but not actionable.
  std::uint64_t actionable = 0;
  std::uint64_t phantom_actionable = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(suppress_reason::kCount)> suppressed{};
  std::uint64_t guard_halts = 0;        // to halted, any trigger
  std::uint64_t guard_quarantines = 0;  // triangles quarantined (repeat)
  std::uint64_t feed_reducing = 0;      // active -> reducing (feed health poor)
  std::uint64_t feed_resumed = 0;       // reducing -> active (feed health good again)
  // The first halt or quarantine: simulated time (-1: none), actionable
  // opportunities reported before it, and what it was.
  std::int64_t first_guard_action_ns = -1;
  std::uint64_t actionable_before_first_action = 0;
  std::string first_guard_action;
  // The guard check (mutant_no_validity with mutant_drop_capped): a frozen
  // leg is a symbol whose frames the mutant dropped, while the book still
  // holds the update id from before the drop. Per (triangle, frozen leg,
  // update id): actionable reports; the bound is repeat_reports - 1 each,
  // and guard_bound = (repeat_reports - 1) x frozen_runs overall.
  guard_config guard;  // the knobs the run's guard had
  bool guard_check = false;
  std::uint64_t frozen_reports = 0;             // reports with a frozen leg
  std::uint64_t frozen_actionable = 0;          // ... not suppressed
  std::uint64_t frozen_runs = 0;                // distinct (triangle, leg, id)
  std::uint64_t frozen_run_actionable_max = 0;  // worst run
  std::uint64_t frozen_actionable_before_first_action = 0;
  std::uint64_t guard_bound = 0;                  // B (overall)
  std::uint64_t phantom_actionable_unfrozen = 0;  // actionable phantoms, no frozen leg
  // Measured, whatever the guard's verdicts (how its knobs were chosen):
  // the longest run of one triangle's reports with one leg's update id
  // unchanged within the repeat window, and the opportunities per rate
  // window (bot clock, windows from 0).
  std::uint64_t repeat_run_max = 0;
  std::uint64_t repeat_run_longest = 0;  // the same, whatever the window
  std::vector<std::uint64_t> rate_windows;

  execution_report exec;  // campaign_options::execution

  bool passed = false;
  std::string why;  // the failed goals, empty when passed

  [[nodiscard]] double recall() const noexcept {
    return episodes_eligible == 0
               ? 1.0
               : static_cast<double>(episodes_caught) / static_cast<double>(episodes_eligible);
  }
};

// Runs one scenario. Throws std::runtime_error for unusable options (a
// journal it cannot open). A configuration the bot rejects is not an
// exception: it is config_rejected in the report.
[[nodiscard]] campaign_report run_campaign(const campaign_options& o);

// "PASS lunc-overflow seed=3 duration=10s phantoms=0 missed=0 recall=100.0% (9/9) ..."
[[nodiscard]] std::string verdict_line(const campaign_options& o, const campaign_report& r);
// The one command that reproduces this run (seed, scenario, duration, preset).
[[nodiscard]] std::string reproduce_command(const campaign_options& o);
// The report as one JSON object (stable key order, deterministic).
[[nodiscard]] std::string report_json(const campaign_options& o, const campaign_report& r);

}  // namespace triarb
