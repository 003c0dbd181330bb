// net_campaign: a named scenario through the real network path. See net_campaign.h.
#include "harness/net_campaign.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/evaluator.h"
#include "core/pipeline.h"
#include "core/telemetry.h"
#include "core/triangle_index.h"
#include "core/universe.h"
#include "harness/campaign_plan.h"
#include "harness/oracle_cycles.h"
#include "net/bot_clock.h"
#include "net/ws_connection.h"
#include "runtime/live_bot.h"
#include "sim/exchange/sim_exchange.h"
#include "sim/market.h"
#include "sim/rng.h"

namespace triarb::harness_internal {
namespace {

using steady = std::chrono::steady_clock;
using sim::exact;

constexpr std::int64_t kMs = 1'000'000;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch())
      .count();
}

// The book holds the exchange's current quote: the same prices and
// quantities, and an update id no newer than the truth's (a REST re-seed
// keeps the older id of the quote it replaced).
bool same_as_truth(const book_snapshot& b, const quote& q, std::uint64_t true_id) {
  return b.update_id <= true_id && b.bid == q.bid && b.ask == q.ask && b.bid_qty == q.bid_qty &&
         b.ask_qty == q.ask_qty;
}

// What the driver thread does, and when (ns after the bot is running).
enum class net_event : std::uint8_t {
  stall_start,
  stall_end,
  data_stall_start,
  data_stall_end,
  kill,
  shutdown,
  halt,
  clock_jump
};
struct scheduled {
  std::int64_t at;
  net_event k;
  std::uint64_t a;  // kill: connection index; halt: symbol
  std::int64_t v;   // clock_jump: delta
};

class net_run {
 public:
  explicit net_run(const campaign_options& o)
      : o_(o), p_(plan_for(o.sc)), ex_(exchange_options(o)), rng_(o.seed ^ 0x4e7ca3ULL) {}

  campaign_report run();

 private:
  static sim_exchange_options exchange_options(const campaign_options& o) {
    sim_exchange_options x;
    x.seed = o.seed;
    x.updates_per_second = kNetUpdatesPerSecond;
    // The bot hears life even on a data-silent connection: pings more often
    // than the quiet give-up (kQuietReconnectFactor x kNetQuietMs), so a
    // data stall is a quiet reconnect and only a full stall is a stall.
    x.ping_interval_ms = kNetQuietMs;
    x.pong_deadline_ms = 5'000;
    x.shutdown_notice_ms = 200;
    return x;
  }
  bot_config bot_cfg() const;
  void plan_events(std::size_t connections);
  void drive(live_bot& bot);
  void poll_revalidation(live_bot& bot);
  void on_opportunity(const opportunity& op, const triangle& t);
  void before_decision(symbol_id s);
  void after_decision(symbol_id s, std::int64_t now);
  // Index in the exchange's dislocation log of the episode that quote
  // (s, update_id) belongs to, or -1. REQUIRES: the market lock (with_market).
  static std::int64_t episode_of(const sim::market& m, symbol_id s, std::uint64_t update_id);
  void mark_episode(std::vector<char>& v, std::int64_t e) {
    if (e < 0) return;
    if (v.size() <= static_cast<std::size_t>(e)) v.resize(static_cast<std::size_t>(e) + 1, 0);
    v[static_cast<std::size_t>(e)] = 1;
  }
  void count(fault_kind k) { ++r_.faults[static_cast<std::size_t>(k)]; }

  const campaign_options& o_;
  plan p_;
  sim_exchange ex_;
  sim::sim_rng rng_;
  bot_clock clock_;
  std::unique_ptr<universe> u_;
  std::unique_ptr<triangle_index> idx_;    // the evaluator's (sizing only)
  std::unique_ptr<oracle_cycles> cycles_;  // the oracle's own cycles, not the bot's index
  telemetry oracle_tel_;
  std::unique_ptr<evaluator> oracle_;  // the same configuration as the bot's: its sizing
  evaluator_config ecfg_;
  exact threshold_;
  double threshold_d_ = 1;
  // Frames in flight: kNetInFlightMs, or the exchange's worst send lag so
  // far if longer (a frame queued behind a slow reader was in flight that
  // long), as update counts at the exchange's rate.
  std::int64_t in_flight_ms() const {
    const std::int64_t lag_ms = ex_.get_stats().max_send_lag_ns / kMs;
    return std::max<std::int64_t>(kNetInFlightMs, lag_ms) + kNetBurstMs;
  }
  static std::uint64_t updates_in(std::int64_t ms) {
    return static_cast<std::uint64_t>(kNetUpdatesPerSecond * static_cast<double>(ms) / 1e3);
  }
  void sweep_episodes();  // driver thread: recall eligibility without a decision
  // Evaluator thread: a valid re-seeded leg on the deciding frame's
  // connection must still have been current at that frame
  // (reseed_stale_applied).
  void check_reseeded(const triangle& t, const std::array<book_snapshot, 3>& legs,
                      std::int64_t now);
  std::set<symbol_id> checked_now_;  // this decision's re-seeded legs already checked
  // The legs equal the exchange's current quotes, the cycle is truly
  // profitable by kMissedMargin, and the evaluator's own sizing fills it at
  // now; episode[i]: leg i's dislocation (episode_of), or -1. Takes the
  // market lock; any thread (size() is const and touches no cache).
  bool reportable_now(const triangle& t, const std::array<book_snapshot, 3>& legs, std::int64_t now,
                      std::array<std::int64_t, 3>& episode) const;
  std::vector<scheduled> events_;
  std::vector<std::atomic<std::int64_t>> halted_at_;  // steady ns, 0: trading (driver -> evaluator)

  // Evaluator thread only (read by run() after the bot has joined it).
  campaign_report r_;
  std::vector<oracle_cycles::key> reported_now_;  // this decision's reports, by their legs
  std::vector<book_snapshot> before_;
  std::uint64_t trigger_id_ = 0;      // before_decision: the deciding frame's id, 0: none
  std::size_t trigger_conn_ = 0;      // ... and its connection
  std::vector<std::size_t> conn_of_;  // the bot's split of symbols over connections
  std::vector<char> eligible_, caught_;
  std::vector<char> swept_eligible_;  // driver thread only (sweep_episodes)
  using sweep_key = std::array<std::pair<std::uint64_t, std::int64_t>, 3>;  // (id, recv) per leg
  std::map<std::uint32_t, sweep_key> seen_before_;  // by oracle cycle: reportable at the last sweep

  // Revalidation (feed thread -> driver).
  std::mutex reval_mu_;
  std::vector<std::int64_t> lost_at_;  // steady ns, -1: not pending
  std::vector<fault_kind> lost_why_;
  std::array<std::vector<std::int64_t>, static_cast<std::size_t>(fault_kind::kCount)> reval_;
  std::atomic<bool> bot_done_{false};
  live_bot* bot_ = nullptr;
};

bot_config net_run::bot_cfg() const {
  bot_config c;
  c.rest_url = ex_.rest_url();
  c.ws_url = ex_.ws_url();
  c.metrics_address.clear();
  // The no-staleness mutant: every staleness guard an hour long (age, pong
  // deadline, data silence), which for a run of seconds is none at all. quiet
  // is an hour, not 0: validate() refuses quiet off with legs usable for an
  // hour (config.h, kMaxLegAgeWithoutQuietMs), and the runtime validates.
  c.max_leg_age_ms = o_.mutant_no_staleness ? 3'600'000 : kNetMaxLegAgeMs;
  c.pong_deadline_ms = o_.mutant_no_staleness ? 3'600'000 : kNetPongDeadlineMs;
  c.quiet_ms = o_.mutant_no_staleness ? 3'600'000 : kNetQuietMs;
  c.symbols_per_connection = static_cast<int>(p_.symbols_per_connection);
  c.telemetry_interval_ms = 60'000;
  if (!o_.journal_path.empty()) {
    c.journal_path = o_.journal_path;
    c.journal_fsync = journal_fsync_mode::never;
  }
  return c;
}

void net_run::plan_events(std::size_t connections) {
  const auto duration = static_cast<double>(o_.duration_ns);
  const auto poisson = [&](double per_s, auto&& make) {
    if (per_s <= 0) return;
    double t = 0;
    for (;;) {
      t += rng_.exponential(1e9 / per_s);
      if (t >= duration) break;
      make(static_cast<std::int64_t>(t));
    }
  };
  const auto nconn = static_cast<std::uint64_t>(std::max<std::size_t>(connections, 1));
  // The exchange's stall knob silences every connection at once (frames and
  // pings), new ones too; stalls do not overlap. Each is seen as quiet, then
  // as a stall (no ping either) at kQuietReconnectFactor x quiet_ms, well
  // before the pong deadline; the first is the longest, so every run sees
  // reconnects into a stall that is still on.
  std::int64_t stall_free_at = 0;
  bool first_stall = true;
  poisson(p_.stalls_per_s, [&](std::int64_t at) {
    auto len = static_cast<std::int64_t>((0.3 + rng_.uniform() * 1.7) *
                                         static_cast<double>(kNetPongDeadlineMs * kMs));
    if (at < stall_free_at) return;
    if (first_stall) len = std::max<std::int64_t>(len, 3 * kNetPongDeadlineMs * kMs / 2);
    first_stall = false;
    events_.push_back({at, net_event::stall_start, 0, 0});
    events_.push_back({at + len, net_event::stall_end, 0, 0});
    stall_free_at = at + len + 500 * kMs;
  });
  // Data stalls: the exchange's data knob, every connection at once, never
  // overlapping; each outlasts the quiet reconnect (kQuietReconnectFactor x
  // quiet_ms), so the bot reopens streams that are still silent.
  std::int64_t data_free_at = 0;
  poisson(p_.data_stalls_per_s, [&](std::int64_t at) {
    if (at < data_free_at) return;
    const auto len = static_cast<std::int64_t>((1.5 + rng_.uniform()) * kQuietReconnectFactor *
                                               static_cast<double>(kNetQuietMs * kMs));
    events_.push_back({at, net_event::data_stall_start, 0, 0});
    events_.push_back({at + len, net_event::data_stall_end, 0, 0});
    data_free_at = at + len + 500 * kMs;
  });
  poisson(p_.drops_per_s, [&](std::int64_t at) {
    events_.push_back({at, net_event::kill, rng_.below(nconn), 0});
  });
  poisson(p_.shutdowns_per_s, [&](std::int64_t at) {
    events_.push_back({at, net_event::shutdown, 0, 0});
  });
  // Forward only: the bot's clock is monotonic (bot_clock.h), so the wall
  // clock's steps back never reach it; what can happen is time passing in
  // one go (the process descheduled, a VM paused): legs must then look
  // older, never younger. (A backward jump of the age clock itself cannot
  // be defended by any age check -- a frozen leg would look young -- which
  // is why the bot does not read the wall clock after start.)
  poisson(p_.clock_jumps_per_s, [&](std::int64_t at) {
    const auto delta = static_cast<std::int64_t>((0.2 + rng_.uniform() * 2.8) *
                                                 static_cast<double>(kNetMaxLegAgeMs * kMs));
    events_.push_back({at, net_event::clock_jump, 0, delta});
  });
  for (int h = 0; h < p_.halts; ++h) {
    for (int tries = 0; tries < 1000; ++tries) {
      const auto c = static_cast<symbol_id>(rng_.below(u_->symbols().size()));
      if (cycles_->touching(c).size() >= 3) {
        const auto at = static_cast<std::int64_t>((0.1 + 0.5 * rng_.uniform()) * duration);
        events_.push_back({at, net_event::halt, c, 0});
        break;
      }
    }
  }
  std::stable_sort(events_.begin(), events_.end(),
                   [](const scheduled& a, const scheduled& b) { return a.at < b.at; });
}

std::int64_t net_run::episode_of(const sim::market& m, symbol_id s, std::uint64_t update_id) {
  const auto& log = m.dislocation_log();
  for (std::size_t i = log.size(); i-- > 0;) {
    const auto& d = log[i];
    if (d.symbol == s && d.first_update_id <= update_id && update_id <= d.last_update_id) {
      return static_cast<std::int64_t>(i);
    }
  }
  return -1;
}

void net_run::on_opportunity(const opportunity& op, const triangle& t) {
  ++r_.opportunities;
  reported_now_.push_back(oracle_cycles::key_of(op));
  const std::int64_t now = steady_ns();
  const std::int64_t flight_ms = in_flight_ms();
  for (const leg_decision& l : op.legs) {
    if (!l.valid || l.age_ns < 0 || l.age_ns >= ecfg_.max_leg_age_ns) ++r_.contract_violations;
    const std::int64_t h = halted_at_[l.symbol].load(std::memory_order_relaxed);
    if (h != 0 && now - h > (kNetMaxLegAgeMs + flight_ms) * kMs) ++r_.halted_used;
  }
  std::array<sim::market::leg_claim, 3> claims;
  for (std::size_t i = 0; i < 3; ++i) {
    claims[i] = {op.legs[i].symbol, op.legs[i].dir, op.legs[i].price, op.legs[i].update_id};
  }
  const fixed8 fee = ecfg_.default_fee;
  // The legs must have been current together within what was in flight. A
  // quote replaced by an update the exchange never sent (a halted symbol's,
  // frames a stall dropped) can only be caught by the bot's own guards, so it
  // may count as current for max_leg_age more (the no-staleness mutant, its
  // guards an hour long, still fails). Nothing excuses a quote replaced by an
  // update that was sent: a re-seed that revalidated one is a phantom here too.
  sim::market::verdict verdict{}, as_the_market_saw{};
  bool still = false;
  ex_.with_market([&](const sim::market& m) {
    verdict = m.judge(claims, fee, threshold_, updates_in(flight_ms),
                      updates_in(kNetMaxLegAgeMs + flight_ms));
    as_the_market_saw = m.judge(claims, fee, threshold_, updates_in(flight_ms));
    still = m.truth_ratio(t, fee) > threshold_;
    for (const leg_decision& l : op.legs)
      mark_episode(caught_, episode_of(m, l.symbol, l.update_id));
    return 0;
  });
  if (still) ++r_.still_real;
  switch (verdict) {
    case sim::market::verdict::real:
      ++r_.real;
      if (as_the_market_saw == sim::market::verdict::not_simultaneous) ++r_.frozen_fresh;
      return;
    case sim::market::verdict::not_profitable:
      ++r_.not_profitable;
      break;
    case sim::market::verdict::not_simultaneous:
      ++r_.stale_used;
      break;
    case sim::market::verdict::unknown_quote:
      ++r_.unknown_quote;
      break;
  }
  ++r_.phantom;
  if (r_.first_phantom.empty()) {
    r_.first_phantom = "triangle " + std::to_string(op.triangle) + " judged " +
                       (verdict == sim::market::verdict::not_profitable     ? "not_profitable"
                        : verdict == sim::market::verdict::not_simultaneous ? "not_simultaneous"
                                                                            : "unknown_quote") +
                       ":";
    for (const leg_decision& l : op.legs) {
      r_.first_phantom += " " + u_->symbol(l.symbol).name +
                          (l.dir == side::buy ? " buy " : " sell ") + to_string(l.price) + " id " +
                          std::to_string(l.update_id) + " age " + std::to_string(l.age_ns / kMs) +
                          "ms;";
    }
  }
}

void net_run::before_decision(symbol_id s) {
  reported_now_.clear();
  before_.clear();
  checked_now_.clear();
  // The deciding symbol's frame: the bot has received it, so every update
  // sent before it on the same connection has reached the bot too (one
  // stream, in order; other connections may lag behind it by any amount).
  const book_snapshot trigger = bot_->read(s);
  trigger_id_ = trigger.valid && !trigger.reseeded ? trigger.update_id : 0;
  trigger_conn_ = conn_of_[s];
  for (const std::uint32_t ci : cycles_->touching(s)) {
    for (const leg& l : cycles_->at(ci).legs) before_.push_back(bot_->read(l.symbol));
  }
}

bool net_run::reportable_now(const triangle& t, const std::array<book_snapshot, 3>& legs,
                             std::int64_t now, std::array<std::int64_t, 3>& episode) const {
  const bool true_and_profitable = ex_.with_market([&](const sim::market& m) {
    for (std::size_t i = 0; i < 3; ++i) {
      const symbol_id ls = t.legs[i].symbol;
      if (!same_as_truth(legs[i], m.as_quote(ls), m.quote_of(ls).update_id)) return false;
    }
    const exact margin = threshold_ * (1 + exact(2) / exact(1'000'000));
    static_assert(kMissedMargin == 2e-6);
    if (!(m.truth_ratio(t, ecfg_.default_fee) > margin)) return false;
    // By the legs' own ids, as `caught` matches them (a re-seeded leg's
    // older id belongs to no episode, for both).
    for (std::size_t i = 0; i < 3; ++i) {
      episode[i] = episode_of(m, t.legs[i].symbol, legs[i].update_id);
    }
    return true;
  });
  opportunity sized;
  return true_and_profitable && oracle_->size(t, legs, now, sized) == eval_counter::opportunities;
}

void net_run::after_decision(symbol_id s, std::int64_t now) {
  ++r_.decisions;
  const double margin_d = threshold_d_ * (1.0 + kMissedMargin) * (1.0 - 1e-9);
  const fixed8 fee = ecfg_.default_fee;
  const double keep = 1.0 - fee.to_double();
  std::size_t k = 0;
  for (const std::uint32_t ci : cycles_->touching(s)) {
    const triangle& t = cycles_->at(ci);
    std::array<book_snapshot, 3> legs;
    bool usable = true, raced = false;
    double ratio = 1;
    for (std::size_t i = 0; i < 3; ++i, ++k) {
      legs[i] = bot_->read(t.legs[i].symbol);
      const book_snapshot& b = before_[k];
      if (legs[i].update_id != b.update_id || legs[i].recv_ns != b.recv_ns ||
          legs[i].valid != b.valid || legs[i].bid != b.bid || legs[i].ask != b.ask) {
        raced = true;
      }
      const std::int64_t age = now - legs[i].recv_ns;
      usable = usable && legs[i].valid && age >= 0 && age < ecfg_.max_leg_age_ns;
      const double p = (t.legs[i].dir == side::buy ? legs[i].ask : legs[i].bid).to_double();
      if (p <= 0) usable = false;
      ratio *= t.legs[i].dir == side::sell ? p * keep : keep / std::max(p, 1e-300);
    }
    if (raced) {
      ++r_.oracle_raced;
      continue;
    }
    check_reseeded(t, legs, now);
    if (!usable || ratio <= margin_d) continue;
    ++r_.oracle_candidates;
    std::array<std::int64_t, 3> episode{-1, -1, -1};
    if (!reportable_now(t, legs, now, episode)) continue;
    ++r_.oracle_exact;
    for (std::int64_t e : episode) mark_episode(eligible_, e);
    if (std::find(reported_now_.begin(), reported_now_.end(), oracle_cycles::key_of(t)) ==
        reported_now_.end()) {
      ++r_.missed;
      if (r_.first_missed.empty()) {
        r_.first_missed =
            "cycle " + cycles_->name(ci, *u_) + " at " + std::to_string(now) + "ns (bot clock)";
      }
    }
  }
}

void net_run::check_reseeded(const triangle& t, const std::array<book_snapshot, 3>& legs,
                             std::int64_t now) {
  if (trigger_id_ == 0) return;
  for (std::size_t i = 0; i < 3; ++i) {
    const book_snapshot& b = legs[i];
    const symbol_id ls = t.legs[i].symbol;
    if (!b.valid || !b.reseeded || conn_of_[ls] != trigger_conn_) continue;
    // Only a leg the decision could use: one the bot's own clock finds fresh.
    const std::int64_t age = now - b.recv_ns;
    if (age < 0 || age >= ecfg_.max_leg_age_ns) continue;
    if (!checked_now_.insert(ls).second) continue;
    // Same connection: no in-flight allowance for an update that was sent.
    // One the exchange never sent (a stall's) gets max_leg_age, as in the
    // judge, with the in-flight allowance for the time-to-updates conversion
    // (the market catches up in bursts after a hiccup).
    const std::int64_t flight_ms = in_flight_ms();
    const bool current = ex_.with_market([&](const sim::market& m) {
      return m.quote_current_from(ls, b.bid, b.ask, b.update_id, trigger_id_, 0,
                                  updates_in(kNetMaxLegAgeMs + flight_ms));
    });
    if (current) continue;
    ++r_.reseed_stale_applied;
    if (r_.first_stale_reseed.empty()) {
      r_.first_stale_reseed = u_->symbol(ls).name + " re-seeded bid " + to_string(b.bid) + " ask " +
                              to_string(b.ask) + " (kept id " + std::to_string(b.update_id) +
                              ") in a decision on update " + std::to_string(trigger_id_);
    }
  }
}

void net_run::sweep_episodes() {
  // Every open dislocation: if a cycle through it is reportable right now --
  // legs valid, fresh on the bot's clock, equal to the exchange's quotes,
  // truly profitable by the margin, fillable -- the episode is eligible,
  // whether or not the bot decides anything (a bot that lost a dirty mark
  // would never decide, and would then be caught here as low recall).
  struct live_episode {
    std::int64_t index;
    symbol_id symbol;
  };
  std::vector<live_episode> open;
  ex_.with_market([&](const sim::market& m) {
    const auto& log = m.dislocation_log();
    for (std::size_t e = 0; e < log.size(); ++e) {
      const std::uint64_t id = m.quote_of(log[e].symbol).update_id;
      if (log[e].first_update_id <= id && id <= log[e].last_update_id) {
        open.push_back({static_cast<std::int64_t>(e), log[e].symbol});
      }
    }
    return 0;
  });
  std::map<std::uint32_t, sweep_key> seen_now;
  for (const live_episode& ep : open) {
    for (const std::uint32_t ci : cycles_->touching(ep.symbol)) {
      const triangle& t = cycles_->at(ci);
      std::array<book_snapshot, 3> legs;
      const std::int64_t now = clock_.now_ns();
      bool usable = true;
      for (std::size_t i = 0; i < 3; ++i) {
        legs[i] = bot_->read(t.legs[i].symbol);
        const std::int64_t age = now - legs[i].recv_ns;
        usable = usable && legs[i].valid && age >= 0 && age < ecfg_.max_leg_age_ns;
      }
      if (!usable) continue;
      std::array<std::int64_t, 3> episode{-1, -1, -1};
      if (!reportable_now(t, legs, now, episode)) continue;
      // Eligible only if the same book state was reportable one sweep ago
      // too: the evaluator then had 20 ms to decide on it, and a kill or a
      // clock jump in between cannot have taken the decision away.
      sweep_key key{};
      for (std::size_t i = 0; i < 3; ++i) key[i] = {legs[i].update_id, legs[i].recv_ns};
      seen_now.emplace(ci, key);
      const auto before = seen_before_.find(ci);
      if (before != seen_before_.end() && before->second == key) {
        for (std::int64_t e : episode) mark_episode(swept_eligible_, e);
      }
    }
  }
  seen_before_ = std::move(seen_now);
}

void net_run::poll_revalidation(live_bot& bot) {
  std::lock_guard<std::mutex> lk(reval_mu_);
  const std::int64_t now = steady_ns();
  for (symbol_id s = 0; s < lost_at_.size(); ++s) {
    if (lost_at_[s] < 0 || !bot.read(s).valid) continue;
    reval_[static_cast<std::size_t>(lost_why_[s])].push_back(now - lost_at_[s]);
    lost_at_[s] = -1;
  }
}

void net_run::drive(live_bot& bot) {
  while (!bot.running() && !bot_done_.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!bot.running()) return;  // start-up failed (the configuration, say)
  const std::int64_t t0 = steady_ns();
  std::size_t next = 0;
  std::uint64_t polls = 0;
  while (!bot_done_.load(std::memory_order_acquire)) {
    const std::int64_t t = steady_ns() - t0;
    if (t >= o_.duration_ns) break;
    for (; next < events_.size() && events_[next].at <= t; ++next) {
      const scheduled& e = events_[next];
      switch (e.k) {
        case net_event::stall_start:
          count(fault_kind::stall);
          ex_.stall_connections(true);
          break;
        case net_event::stall_end:
          ex_.stall_connections(false);
          break;
        case net_event::data_stall_start:
          count(fault_kind::data_stall);
          ex_.stall_data(true);
          break;
        case net_event::data_stall_end:
          ex_.stall_data(false);
          break;
        case net_event::kill: {
          count(fault_kind::drop);
          const std::size_t target = e.a;
          ex_.kill_connections([target](std::size_t i) { return i == target; });
          break;
        }
        case net_event::shutdown:
          count(fault_kind::server_shutdown);
          ex_.send_server_shutdown();
          break;
        case net_event::halt: {
          const auto s = static_cast<symbol_id>(e.a);
          if (halted_at_[s].load(std::memory_order_relaxed) != 0) break;
          count(fault_kind::halt);
          ex_.halt_symbol(u_->symbol(s).name);
          halted_at_[s].store(steady_ns(), std::memory_order_relaxed);  // after its last frame
          break;
        }
        case net_event::clock_jump:
          count(fault_kind::clock_jump);
          clock_.jump(e.v);  // forward: see plan_events
          break;
      }
    }
    poll_revalidation(bot);
    if (++polls % 10 == 0) sweep_episodes();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ex_.stall_connections(false);
  ex_.stall_data(false);
  bot.request_stop();
}

campaign_report net_run::run() {
  ex_.start();
  u_ = std::make_unique<universe>(load_exchange_info(ex_.exchange_info()));
  const auto usdt = u_->find_asset("USDT");
  if (!usdt) throw std::runtime_error("generated universe has no USDT");
  const asset_id starts[] = {*usdt};
  idx_ = std::make_unique<triangle_index>(triangle_index::build(*u_, starts));
  cycles_ = std::make_unique<oracle_cycles>(*u_, *usdt);
  const bot_config cfg = bot_cfg();
  ecfg_ = to_evaluator_config(cfg, *u_);
  oracle_ = std::make_unique<evaluator>(*u_, *idx_, ecfg_, oracle_tel_);
  threshold_ = 1 + exact(static_cast<long long>(ecfg_.min_profit.raw())) /
                       exact(static_cast<long long>(fixed8::kScale));
  threshold_d_ = 1.0 + ecfg_.min_profit.to_double();
  const std::size_t n = u_->symbols().size();
  halted_at_ = std::vector<std::atomic<std::int64_t>>(n);
  lost_at_.assign(n, -1);
  lost_why_.assign(n, fault_kind::drop);
  r_.symbols = n;
  r_.triangles = idx_->size();
  r_.oracle_triangles = cycles_->size();
  r_.market = "fast";

  sim::frame_fault_rates rates = p_.frames;
  rates.oversized_qty = p_.lunc ? 0.002 : 0.0;
  ex_.set_fault_rates(rates);
  if (p_.race_truncated > 0) ex_.set_rest_race(p_.rest_min_ms, p_.rest_max_ms, p_.race_truncated);

  live_options lo;
  lo.cfg = cfg;
  lo.tls.ca_pem = ex_.ca_pem();
  lo.journal = !o_.journal_path.empty();
  lo.clock = &clock_;
  lo.ws.backoff_initial_ms = kNetBackoffInitialMs;
  lo.ws.backoff_max_ms = kNetBackoffMaxMs;
  lo.ws.backoff_429_ms = kNetBackoffMaxMs;
  lo.ws.jitter_seed = o_.seed;
  lo.on_opportunity = [this](const opportunity& op, const triangle& t) { on_opportunity(op, t); };
  lo.before_decision = [this](symbol_id s) { before_decision(s); };
  lo.after_decision = [this](symbol_id s, std::int64_t now) { after_decision(s, now); };
  // Loss -> revalidation clock, by kind (feed thread).
  lo.on_connection_lost = [this](std::size_t c, drop_reason why) {
    const std::int64_t now = steady_ns();
    fault_kind k = fault_kind::drop;
    if (why == drop_reason::stalled) {
      k = fault_kind::stall_detected;
    } else if (why == drop_reason::server_shutdown || why == drop_reason::rotated) {
      k = fault_kind::server_shutdown;
    } else if (why == drop_reason::quiet) {
      k = fault_kind::quiet;
    }
    std::lock_guard<std::mutex> lk(reval_mu_);
    for (symbol_id s : bot_->symbols_of(c)) {
      if (lost_at_[s] < 0) {
        lost_at_[s] = now;
        lost_why_[s] = k;
      }
    }
  };
  lo.on_connection_quiet = [this](std::size_t c) {
    const std::int64_t now = steady_ns();
    std::lock_guard<std::mutex> lk(reval_mu_);
    for (symbol_id s : bot_->symbols_of(c)) {
      if (lost_at_[s] < 0) {
        lost_at_[s] = now;
        lost_why_[s] = fault_kind::quiet;
      }
    }
  };
  live_bot bot(std::move(lo));
  bot_ = &bot;  // before run(): the hooks above run on threads run() starts
  const auto groups = split_into_connections(n, p_.symbols_per_connection);
  conn_of_.assign(n, 0);
  for (std::size_t c = 0; c < groups.size(); ++c) {
    for (const symbol_id s : groups[c]) conn_of_[s] = c;
  }
  plan_events(groups.size());

  std::thread driver([this, &bot] { drive(bot); });
  live_report lr;
  try {
    lr = bot.run();
  } catch (const config_error& e) {
    r_.config_rejected = true;
    r_.config_error = e.what();
  } catch (const ws_config_error& e) {
    r_.config_rejected = true;
    r_.config_error = e.what();
  } catch (...) {
    bot_done_.store(true, std::memory_order_release);
    driver.join();
    ex_.stop();
    throw;
  }
  bot_done_.store(true, std::memory_order_release);  // pairs with the driver's acquire loads
  driver.join();
  const sim_exchange::stats xs = ex_.get_stats();
  ex_.stop();

  if (r_.config_rejected && xs.connections_accepted + xs.rejected_414 > 0) {
    // Rejected, but only after a subscription reached the exchange.
    r_.config_rejected = false;
    r_.config_error += " (but " + std::to_string(xs.connections_accepted + xs.rejected_414) +
                       " WebSocket upgrades reached the exchange first)";
  }
  r_.connections = r_.config_rejected ? 0 : lr.connections;
  r_.frames = lr.frames;
  if (!r_.config_rejected) r_.triangles = lr.triangles;  // the bot's own index
  r_.max_send_lag_ns = xs.max_send_lag_ns;
  r_.reconnects = bot.counter(conn_counter::connects_opened);
  r_.reseeded = lr.reseeded_symbols;
  r_.faults[static_cast<std::size_t>(fault_kind::garbage)] = xs.faults_garbage;
  r_.faults[static_cast<std::size_t>(fault_kind::truncated)] = xs.faults_truncated;
  r_.faults[static_cast<std::size_t>(fault_kind::bad_price)] = xs.faults_bad_price;
  r_.faults[static_cast<std::size_t>(fault_kind::duplicate)] = xs.faults_duplicate;
  r_.faults[static_cast<std::size_t>(fault_kind::reordered)] = xs.faults_reorder;
  r_.faults[static_cast<std::size_t>(fault_kind::qty_overflow)] = xs.faults_oversized_qty;
  r_.faults[static_cast<std::size_t>(fault_kind::stall_detected)] =
      bot.counter(conn_counter::stalls);
  r_.faults[static_cast<std::size_t>(fault_kind::quiet)] = bot.counter(conn_counter::quiet);
  r_.faults[static_cast<std::size_t>(fault_kind::quiet_reconnect)] =
      bot.counter(conn_counter::quiet_reconnects);
  {
    std::lock_guard<std::mutex> lk(reval_mu_);
    std::vector<std::int64_t> all;
    for (std::size_t k = 0; k < reval_.size(); ++k) {
      r_.revalidate[k] = summarize(reval_[k]);
      all.insert(all.end(), reval_[k].begin(), reval_[k].end());
    }
    r_.revalidate_all = summarize(std::move(all));
  }
  r_.episodes = ex_.with_market([](const sim::market& m) { return m.dislocation_log().size(); });
  if (swept_eligible_.size() > eligible_.size()) eligible_.resize(swept_eligible_.size(), 0);
  for (std::size_t e = 0; e < swept_eligible_.size(); ++e) eligible_[e] |= swept_eligible_[e];
  for (std::size_t e = 0; e < eligible_.size(); ++e) {
    if (!eligible_[e]) continue;
    ++r_.episodes_eligible;
    if (e < caught_.size() && caught_[e]) ++r_.episodes_caught;
  }
  r_.telemetry_json = lr.telemetry_json.empty() ? "{}" : lr.telemetry_json;
  for (const std::string& f : lr.fatal_errors) {
    r_.fatal_errors += (r_.fatal_errors.empty() ? "" : "; ") + f;
  }
  return r_;
}

}  // namespace

campaign_report run_network_scenario(const campaign_options& o) {
  net_run run(o);
  return run.run();
}

}  // namespace triarb::harness_internal
