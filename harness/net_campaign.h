// net_campaign: a named scenario (campaign.h) through the real network path.
// The simulated exchange (sim_exchange.h) serves on 127.0.0.1 with a fresh
// certificate; the live bot (live_bot.h) connects over TLS WebSocket exactly
// as `triarb demo` does; a driver thread injects the scenario's faults with
// the exchange's knobs on real time (frame faults per update, connection
// kills, stalls, serverShutdown, halted symbols) and jumps the bot's clock
// forward (its clock is monotonic: a wall-clock step back cannot reach it,
// and a backward jump of an age clock is indefensible by any age check).
// Not byte-identical (threads, sockets), but judged by the same oracle:
//
//   phantom  the exchange's judge (sim::market::judge) does not vouch for a
//            reported cycle: a leg price it never sent at or after the leg's
//            update id (unknown_quote), legs that were never current together
//            within the in-flight time (stale_used; a quote replaced by an
//            update the exchange never sent -- a halted symbol's, a stall's
//            dropped frames -- within max_leg_age more), or a cycle not
//            profitable on its legs (not_profitable). In flight:
//            kNetInFlightMs, or the exchange's worst update-to-write lag so
//            far if longer (a frame queued behind a slow reader), plus
//            kNetBurstMs (the market catches up in bursts after a hiccup);
//   stale re-seed  a decision found a re-seeded leg, fresh by the bot's
//            clock and on the deciding frame's connection, whose quote an
//            update sent before that frame had replaced
//            (reseed_stale_applied);
//   missed   around each decision the oracle reads the bot's book before and
//            after the evaluator ran (unchanged, so exactly what it saw); a
//            cycle whose three legs were valid, fresh at the decision time,
//            and equal to the exchange's current quotes (update id, prices,
//            quantities), truly profitable by more than kMissedMargin, and
//            fillable by the evaluator's own sizing, but not reported;
//   recall   over the exchange's dislocation log: an episode is eligible when
//            a reportable cycle (as above) used one of its quotes -- found at
//            a decision, or by the driver's sweep of open episodes every
//            20 ms (the same reportable book state seen by two sweeps in a
//            row), so a bot that stops deciding shows as low recall --
//            caught when a reported cycle did;
//   contract a reported leg invalid or not 0 <= age < max_leg_age;
//   halted   a report through a halted symbol later than max_leg_age (plus
//            the in-flight time) after the halt (the exchange leaves halted
//            symbols out of bookTicker, so no re-seed revives them);
//   revalidate  time from each connection loss until each of its symbols is
//            valid again (polled every 2 ms), by the loss's kind.
//
// Thread safety: run_network_scenario is self-contained (it starts and stops
// the exchange, the bot and its own driver thread); any one thread.
#pragma once

#include "harness/campaign.h"

namespace triarb::harness_internal {

// Runs o.sc over the network; the verdict (passed/why) is left to
// run_campaign. Throws std::runtime_error if the exchange cannot start or
// the bot fails at start-up for a reason other than its configuration.
[[nodiscard]] campaign_report run_network_scenario(const campaign_options& o);

// The time constants the network run uses (for the report).
inline constexpr std::int64_t kNetMaxLegAgeMs = 500;
inline constexpr std::int64_t kNetPongDeadlineMs = 1'500;
inline constexpr std::int64_t kNetQuietMs = 100;  // ~2,800 frames/s per connection here
inline constexpr std::int64_t kNetInFlightMs = 150;
// The simulated exchange catches up after a hiccup with at most 50 ms of
// updates at once (its market loop's max_backlog): a span of N ms may hold
// N + 50 ms of updates, so the judge converts time to updates with this more.
inline constexpr std::int64_t kNetBurstMs = 50;
inline constexpr std::int64_t kNetBackoffInitialMs = 100;
inline constexpr std::int64_t kNetBackoffMaxMs = 1'000;
inline constexpr double kNetUpdatesPerSecond = 20'000;

}  // namespace triarb::harness_internal
