// campaign: named fault scenarios judged by the market's ground truth. See campaign.h.
#include "harness/campaign.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "core/build_info.h"
#include "core/dirty_set.h"
#include "core/evaluator.h"
#include "core/execution_engine.h"
#include "core/feed_handler.h"
#include "core/journal.h"
#include "core/journal_bridge.h"
#include "core/order_book.h"
#include "core/pipeline.h"
#include "core/symbol_table.h"
#include "core/telemetry.h"
#include "core/trading_guard.h"
#include "core/triangle_index.h"
#include "core/universe.h"
#include "harness/campaign_plan.h"
#include "harness/net_campaign.h"
#include "harness/oracle_cycles.h"
#include "harness/sim_driver.h"
#include "net/conn_policy.h"
#include "net/connect_budget.h"
#include "net/ws_connection.h"  // kMaxTargetBytes, build_stream_target
#include "offline/journal_audit.h"
#include "runtime/feed_session.h"
#include "runtime/order_path_schedule.h"
#include "sim/frame_faults.h"
#include "sim/market.h"
#include "sim/matching.h"
#include "sim/order_faults.h"
#include "sim/rng.h"
#include "sim/universe_gen.h"

namespace triarb {
namespace {

using harness_internal::plan;
using harness_internal::plan_for;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSec = 1'000'000'000;

// The connection layer's time constants, scaled to the simulated market.
// Every connection decision is the runtime's own conn_policy (net/
// conn_policy.h) and every re-seed decision its feed_session (runtime/
// feed_session.h), driven here on simulated time.
constexpr std::int64_t kMaxLegAgeNs = 1 * kSec;
constexpr std::int64_t kPongDeadlineNs = 3 * kSec;
// No data frame for this long on an open connection: its symbols are
// invalidated (quiet_ms). ~7,000 frames/s per connection here.
constexpr std::int64_t kQuietNs = 50 * kMs;
constexpr std::int64_t kBackoffInitialNs = 100 * kMs;
constexpr std::int64_t kBackoffMaxNs = 3'200 * kMs;
constexpr std::int64_t kHandshakeNs = 20 * kMs;  // connect + TLS + upgrade
constexpr std::int64_t kPingNs = 200 * kMs;      // the exchange's pings (< pong deadline)
constexpr std::int64_t kRotateNs = 4 * kSec;     // rotation, so a run sees some
// Data for this long and the backoff starts over: shorter than a rotation, so
// runs see both a growing backoff and its reset.
constexpr std::int64_t kBackoffResetNs = 500 * kMs;
static_assert(kBackoffResetNs < kRotateNs);

// Layer four's knobs (core/trading_guard.h), scaled like the rest. The
// repeat window is 60 max_leg_age, longer than any campaign run: a benign
// run of one leg's update id cannot outlive max_leg_age (the evaluator
// refuses the leg once older), so a longer window adds no benign reports
// (measured: the longest benign run whatever the window, repeat_run_longest,
// is the same 36), while a frozen leg's sparse reports add up. With a 10 s
// window, 43 of 100 lunc-overflow guard checks (20 simulated s) let a frozen
// run through with 72 to 137 actionable reports, spread over more than the
// window. repeat_reports and the rate floor were chosen by measuring
// every scenario on seeds 1..100 (5 simulated s) without mutants, from the
// report's repeat_run_max and rate_windows (docs/design.md, section 8): the
// longest benign run within the window was 36 reports (repeat_reports 72:
// twice that); the busiest window 4,660 opportunities (a calm market's burst
// through a hub asset, 7,300 times its running mean: the factor cannot tell
// it apart, the floor does; floor 10,000: about twice that).
constexpr std::int64_t kGuardRepeatWindowNs = 60 * kMaxLegAgeNs;
constexpr std::uint32_t kGuardRepeatReports = 72;
constexpr std::int64_t kGuardRateWindowNs = 100 * kMs;
constexpr std::uint64_t kGuardRateFactor = 20;
constexpr std::uint64_t kGuardRateFloor = 10'000;
constexpr std::uint64_t kGuardRateWarmupWindows = 10;
// Feed health is sampled from the book this often (simulated).
constexpr std::int64_t kGuardHealthTickNs = 10 * kMs;

guard_config campaign_guard_config() {
  guard_config g;
  g.repeat_reports = kGuardRepeatReports;
  g.repeat_window_ns = kGuardRepeatWindowNs;
  g.rate_window_ns = kGuardRateWindowNs;
  g.rate_factor = kGuardRateFactor;
  g.rate_floor = kGuardRateFloor;
  g.rate_warmup_windows = kGuardRateWarmupWindows;
  g.feed_auto_resume = true;
  g.start_ns = 0;  // the bot's clock starts at 0 with the market
  return g;
}

// Execution (campaign_options::execution), scaled like the rest. An order
// travels kOrderDelayNs plus a seeded jitter each way; the client gives up
// on an answer after kOrderTimeoutNs (the order is then unknown); a timeout
// fault's answer is written kHeldAnswerNs after the order arrived; a 429
// holds every order back for kRetryAfterNs (its Retry-After). When the
// sender sends, queries a lost answer and checks the account is not the
// campaign's to say: it is the production sender's policy,
// runtime/order_path_schedule.h, driven on the campaign's sim clock with
// reconcile_interval kAccountCheckNs and recv_window kOrderRecvWindowNs
// (exec_drive). An order arrives long before its client gives up, so when
// the engine sees it unknown the exchange has decided it (the engine's
// account check may then call an unknown order that moved nothing "did
// nothing": the recvWindow rule, core/execution_engine.h).
constexpr std::int64_t kOrderDelayNs = 1 * kMs;
constexpr std::int64_t kOrderJitterNs = 4 * kMs;
constexpr std::int64_t kOrderTimeoutNs = 100 * kMs;
constexpr std::int64_t kHeldAnswerNs = 300 * kMs;
constexpr std::int64_t kAccountCheckNs = 50 * kMs;
constexpr std::int64_t kRetryAfterNs = 200 * kMs;
// The recvWindow the sender's schedule queries a lost answer by: at its
// send time + this. The schedule only learns an answer is lost when the
// client gives up (kOrderTimeoutNs), so the window is longer than that, by
// 150 ms (what the campaign waited before querying when it timed the query
// itself): the query comes after the timeout, the held answer
// (kHeldAnswerNs after arrival) after the query, as production's defaults
// order them (order_timeout_ms 2000 < recv_window_ms 5000, config/config.h).
constexpr std::int64_t kOrderRecvWindowNs = kOrderTimeoutNs + 150 * kMs;
static_assert(kOrderDelayNs + kOrderJitterNs < kOrderTimeoutNs);
static_assert(kOrderRecvWindowNs > kOrderTimeoutNs);
static_assert(kOrderRecvWindowNs < kOrderDelayNs + kHeldAnswerNs);
// The engine's knobs in the campaign: leg 1 may spend the evaluator's whole
// budget (1000 USDT), so the gate's notional admits what the evaluator sizes.
constexpr std::uint32_t kExecMaxOpenCycles = 4;
constexpr std::uint32_t kExecMaxOrdersPer10s = 90;
constexpr std::int64_t kExecMaxResidualUsdt = 50'000;
// The rate_limited fault's message (the request-weight limit's, as the exchange words it).
constexpr std::string_view kRateLimitMsg =
    "Too much request weight used; current limit is 6000 request weight per 1 MINUTE.";
constexpr std::string_view kPausedMsg = "not sent: inside the exchange's Retry-After";

// The no-validity mutant's view of the book: every snapshot says valid.
struct all_valid_book {
  const order_book& b;
  [[nodiscard]] book_snapshot read(symbol_id s) const noexcept {
    book_snapshot x = b.read(s);
    x.valid = true;
    return x;
  }
};

ws_options campaign_ws_options(std::uint64_t seed) {
  ws_options w;
  w.pong_deadline_ms = kPongDeadlineNs / kMs;
  w.quiet_ms = kQuietNs / kMs;
  w.rotate_after_ms = kRotateNs / kMs;
  w.backoff_initial_ms = kBackoffInitialNs / kMs;
  w.backoff_max_ms = kBackoffMaxNs / kMs;
  w.backoff_429_ms = kBackoffMaxNs / kMs;
  w.backoff_reset_after_ms = kBackoffResetNs / kMs;
  w.jitter_seed = seed;
  return w;
}

constexpr std::array<scenario, static_cast<std::size_t>(scenario::kCount)> kAll = {
    scenario::lunc_overflow,
    scenario::garbage_frames,
    scenario::truncated_frames,
    scenario::duplicate_and_reordered,
    scenario::stall,
    scenario::disconnect_storm,
    scenario::server_shutdown,
    scenario::url_too_long,
    scenario::symbol_halted,
    scenario::clock_jump,
    scenario::mixed,
    scenario::data_stall,
    scenario::reseed_race,
};

enum class event_kind : std::uint8_t {
  // Faults.
  stall_start,
  stall_end,
  data_stall_start,
  drop,
  shutdown,
  halt,
  clock_jump,
  // The connection's own I/O, simulated: conn_policy's timer, an attempt's
  // handshake finishing, the watchdog tick, an exchange ping, and a REST
  // snapshot being taken and arriving.
  timer,
  handshake_done,
  tick,
  ping,
  rest_snapshot,
  rest_reply,
  guard_tick,  // feed health sampled from the book for the trading guard
  // Execution: an order reaching the exchange, its answer reaching the bot
  // (value 1: a held answer, late; 2: the client's own refusal inside a
  // Retry-After), the client giving up on it, the sender's schedule's wake
  // (value: its generation; only the latest armed one runs).
  exec_arrival,
  exec_answer,
  exec_timeout,
  exec_wake,
};

struct event {
  event_kind k;
  std::uint32_t target = 0;  // connection, symbol or REST request
  std::int64_t value = 0;    // stall length, clock delta, or socket generation
};

struct conn_state {
  std::vector<symbol_id> syms;
  std::unique_ptr<conn_policy> policy;
  std::int64_t generation = 0;          // bumps per socket: events of an old one do nothing
  bool stalled = false;                 // this socket sends nothing (frames, pings)
  std::int64_t data_stalled_until = 0;  // sim time: the stream's data stops until then
  bool opened_before = false;
};

// A REST snapshot in flight: the feed session's request, when it was sent
// (bot clock), and the quotes the exchange took.
struct rest_call {
  reseed_request req;
  std::int64_t sent_bot_ns = 0;
  std::int64_t taken_at = -1;  // sim time; -1: not yet
  std::vector<std::pair<symbol_id, quote>> quotes;
};

using sim::exact;

// A quote's prices and quantities equal (update ids aside: a re-seed keeps the old id).
bool same_quote(const book_snapshot& b, const quote& q) {
  return b.bid == q.bid && b.ask == q.ask && b.bid_qty == q.bid_qty && b.ask_qty == q.ask_qty &&
         b.qty_capped == q.qty_capped;
}

std::string ms_text(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fms", static_cast<double>(ns) / 1e6);
  return buf;
}

std::string seconds_text(std::int64_t ns) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, static_cast<double>(ns) / 1e9);
  return std::string(buf, r.ptr);
}

std::string json_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      o += buf;
    } else {
      o += c;
    }
  }
  return o;
}

// The subscription target the bot would request for these symbols: the
// connection layer's own builder, so the check cannot drift from it.
std::size_t stream_target_bytes(const universe& u, const std::vector<symbol_id>& syms) {
  std::vector<std::string> names;
  names.reserve(syms.size());
  for (symbol_id s : syms) names.push_back(u.symbol(s).name);
  return build_stream_target("", names).size();
}

class campaign_run {
 public:
  campaign_run(const campaign_options& o)
      : o_(o),
        p_(plan_for(o.sc)),
        gen_(sim::generate_universe({}, o.seed)),
        u_(load_exchange_info(gen_.exchange_info_json)),
        idx_(build_index(u_)),
        cycles_(u_, *u_.find_asset("USDT")),
        m_(u_, sim::reference_prices(gen_), market_params(o, p_)),
        rng_(o.seed ^ 0xca3a1a16ULL),
        symbols_(make_symbol_table(u_)),
        book_(u_.symbols().size()),
        dirty_(u_.symbols().size()),
        feed_(symbols_, book_, dirty_, tel_),
        eval_(u_, idx_, eval_config(o), tel_),
        budget_(bot_config{}.reconnect_attempts_per_5min),
        guard_(o.guard ? *o.guard : campaign_guard_config()) {}

  campaign_report run();

 private:
  static triangle_index build_index(const universe& u) {
    const auto usdt = u.find_asset("USDT");
    if (!usdt) throw std::runtime_error("generated universe has no USDT");
    const asset_id starts[] = {*usdt};
    return triangle_index::build(u, starts);
  }
  static sim::market_params market_params(const campaign_options& o, const plan& p) {
    sim::market_params mp;
    mp.seed = o.seed * 0x9e3779b97f4a7c15ULL + 1;
    if (p.calm) mp.step_volatility /= 20;
    return mp;
  }
  static evaluator_config eval_config(const campaign_options& o) {
    evaluator_config c;
    c.max_leg_age_ns =
        o.mutant_drop_capped ? std::numeric_limits<std::int64_t>::max() : kMaxLegAgeNs;
    return c;
  }

  std::int64_t bot_now() const { return m_.now_ns() + clock_offset_; }
  quote truth(symbol_id s) const;
  exact true_ratio(const triangle& t) const;
  double true_ratio_double(const triangle& t) const;

  void schedule(std::int64_t at, event e) { events_.emplace(at, e); }
  void plan_events();
  void run_event(std::int64_t at, const event& e);
  void act(std::uint32_t c, const conn_action& a);
  void opened(std::uint32_t c);
  void request_snapshot(const reseed_request& req);
  void snapshot_arrived(std::uint32_t id);
  void invalidate_noted(std::uint32_t c, fault_kind why);
  bool stale_reseed(symbol_id s) const;
  void emit(symbol_id s);
  void deliver(const std::string& frame, symbol_id s, fault_kind kind, bool faulty);
  void evaluate();
  void check_decision(symbol_id s, std::int64_t now);
  bool sink(const opportunity& op);
  bool judge(const opportunity& op);  // true: a phantom
  void measure(const opportunity& op);
  void frozen_accounting(const opportunity& op, bool actionable);
  bool guard_events(std::vector<guard_event>& ev);
  bool journal_state(const guard_event& e);
  void sample_feed_health();
  bool journal_append(const opportunity& op, suppress_reason why);
  void note_invalidated(symbol_id s, fault_kind why, std::int64_t at);
  void note_maybe_revalid(symbol_id s);
  void count(fault_kind k) { ++r_.faults[static_cast<std::size_t>(k)]; }
  // Execution.
  void exec_setup();
  void exec_decide(const opportunity& op, suppress_reason why);
  void exec_drain();
  void exec_submit(const outgoing_order& o);
  void exec_drive(std::int64_t at);
  void exec_send(std::uint32_t i, std::int64_t now);
  void exec_query(std::uint32_t i, std::int64_t now);
  void exec_schedule(std::int64_t at, event e) {
    ++exec_events_;
    schedule(at, e);
  }
  void exec_event(std::int64_t at, const event& e);
  void exec_arrive(std::uint32_t i, std::int64_t at);
  void exec_account(std::int64_t at);
  void exec_finish();
  std::int64_t exec_clock(std::int64_t at) {
    exec_now_ = std::max(exec_now_, at);
    return exec_now_;
  }
  std::int64_t exec_bot(std::int64_t at) { return exec_clock(at) + clock_offset_; }
  std::optional<fixed8> value_in_usdt(asset_id a, fixed8 amount, int hops) const;
  sim::true_quote quote_at(symbol_id s, std::int64_t at) const;

  const campaign_options& o_;
  plan p_;
  sim::generated_universe gen_;
  universe u_;
  triangle_index idx_;
  oracle_cycles cycles_;  // the oracle's own cycles, not the bot's index
  sim::market m_;
  sim::sim_rng rng_;
  telemetry tel_;
  symbol_table symbols_;
  order_book book_;
  dirty_set dirty_;
  feed_handler feed_;
  evaluator eval_;
  connect_budget budget_;
  conn_counters conn_counters_;
  feed_session_counters reseed_counts_;
  std::unique_ptr<feed_session> session_;
  std::vector<rest_call> rest_;
  std::vector<int> in_flight_;  // per connection: snapshots taken, not yet answered
  // Per symbol: the market changed it since its last frame was sent (a
  // closed or stalled stream, a mutant's dropped frame, LUNC's flip).
  std::vector<char> unsent_;
  bool lunc_flipped_ = false;
  std::unique_ptr<journal_writer> journal_;

  campaign_report r_;
  std::vector<conn_state> conns_;
  std::vector<std::uint32_t> conn_of_;
  std::multimap<std::int64_t, event> events_;
  std::int64_t clock_offset_ = 0;
  symbol_id lunc_ = kNoSymbol;
  std::int64_t lunc_from_ = 0;
  std::vector<char> halted_;
  std::vector<std::int64_t> halted_at_bot_;
  std::vector<quote> frozen_;  // a halted symbol's last quote (the exchange's frozen book)
  std::vector<std::string> last_frame_;
  frame_buffer buf_;
  // Recall: one episode per injected dislocation.
  struct episode {
    symbol_id s;
    bool eligible = false;
    bool caught = false;
  };
  std::vector<episode> episodes_;
  std::vector<std::int64_t> open_episode_;  // per symbol: index or -1
  std::vector<int> episode_left_;
  // Revalidation.
  std::vector<std::int64_t> invalid_since_;
  std::vector<fault_kind> invalid_why_;
  std::array<std::vector<std::int64_t>, static_cast<std::size_t>(fault_kind::kCount)> reval_;
  std::vector<oracle_cycles::key> reported_now_;  // this decision's reports, by their legs
  std::vector<std::int64_t> written_at_;          // per symbol: sim time of its book's last write
  exact threshold_;
  double threshold_d_ = 1.0;
  // Layer four.
  trading_guard guard_;
  std::vector<guard_event> guard_ev_;
  std::vector<char> in_group_;  // per symbol: in a start asset's (USDT's) triangles
  std::uint32_t group_symbols_ = 0;
  // The drop-capped mutant dropped a frame of this symbol since the last one
  // it delivered: the book holds a frozen quote.
  std::vector<char> dropped_;
  std::map<std::tuple<triangle_id, std::size_t, std::uint64_t>, std::uint64_t> frozen_runs_;
  // Measurement (campaign_report::repeat_run_max, rate_windows).
  struct leg_watch {
    std::uint64_t id = 0;
    bool started = false;
    std::deque<std::int64_t> times;  // the run's report times within the repeat window
    std::uint64_t length = 0;        // the run's reports, whatever their times
  };
  std::unordered_map<triangle_id, std::array<leg_watch, 3>> watch_;
  // Execution: the production engine, the exchange's matching engine and
  // one account, every order sent with the exchange's record of it.
  struct exec_order {
    outgoing_order o;
    std::int64_t sent_at = 0;  // sim time it left the bot (the schedule's send)
    sim::order_fault fault = sim::order_fault::none;
    bool paused = false;  // held back by the client inside a Retry-After
    order_result result;  // the exchange's answer (its record of the order)
    int http = 0;
  };
  asset_id usdt_ = 0;
  std::unique_ptr<execution_engine> eng_;
  std::unique_ptr<sim::matching_engine> match_;
  sim::account_id acct_ = 0;
  sim::sim_rng exec_rng_{0};
  sim::sim_rng fault_rng_{0};
  sim::order_fault_rates order_faults_;
  std::vector<exec_order> xorders_;
  std::unordered_map<std::string, std::uint32_t> xorder_of_;
  std::unordered_map<std::string, int> answers_;  // client id -> answer records journaled
  std::map<asset_id, fixed8> residual_;
  std::int64_t exec_now_ = 0;  // sim time, never backwards
  // A 429's Retry-After, on sim time: the order client counts it on its
  // monotonic clock (steady_clock in production), as the schedule runs.
  std::int64_t pause_until_ = 0;
  trading_state given_ = trading_state::active;  // the state the guard's events last gave
  // The sender's policy (runtime/order_path_schedule.h) on sim time
  // (exec_clock): what is sent, queried and checked, and when.
  std::optional<order_path_schedule> sched_;
  bool driving_ = false;     // exec_drive is running: a submit inside it just queues
  bool wake_armed_ = false;  // an exec_wake is pending, at wake_at_
  std::int64_t wake_at_ = 0;
  std::int64_t wake_gen_ = 0;      // the pending wake's generation (older ones do nothing)
  std::uint64_t exec_events_ = 0;  // arrivals, answers and timeouts still to come
  bool mutant_fired_ = false;
  std::string exec_journal_;  // a temporary journal when the options name none
  // The quotes of the symbols orders are travelling to, before the last
  // market step (an order arriving before that step's time meets them).
  std::vector<std::uint32_t> travelling_;  // order indices not yet arrived
  std::vector<std::pair<symbol_id, sim::true_quote>> before_step_;
  symbol_id stepped_ = kNoSymbol;
};

quote campaign_run::truth(symbol_id s) const {
  if (halted_[s]) return frozen_[s];
  quote q = m_.as_quote(s);
  if (s == lunc_ && m_.now_ns() >= lunc_from_) {
    q.bid_qty = q.ask_qty = fixed8::max();
    q.qty_capped = true;
  }
  return q;
}

exact campaign_run::true_ratio(const triangle& t) const {
  const exact scale(static_cast<long long>(fixed8::kScale));
  exact ratio(1);
  for (const leg& l : t.legs) {
    const quote q = truth(l.symbol);
    const exact keep =
        exact(static_cast<long long>(fixed8::kScale - eval_.fee(l.symbol).raw())) / scale;
    if (l.dir == side::sell) {
      if (q.bid.raw() <= 0) return exact(0);
      ratio *= exact(static_cast<long long>(q.bid.raw())) / scale * keep;
    } else {
      if (q.ask.raw() <= 0) return exact(0);
      ratio *= keep / (exact(static_cast<long long>(q.ask.raw())) / scale);
    }
  }
  return ratio;
}

double campaign_run::true_ratio_double(const triangle& t) const {
  double ratio = 1.0;
  for (const leg& l : t.legs) {
    const quote q = truth(l.symbol);
    const double keep = 1.0 - eval_.fee(l.symbol).to_double();
    if (l.dir == side::sell) {
      ratio *= q.bid.to_double() * keep;
    } else {
      if (q.ask.raw() <= 0) return 0.0;
      ratio *= keep / q.ask.to_double();
    }
  }
  return ratio;
}

void campaign_run::plan_events() {
  const auto poisson = [&](double per_s, auto&& make) {
    if (per_s <= 0) return;
    double t = 0;
    for (;;) {
      t += rng_.exponential(1e9 / per_s);
      if (t >= static_cast<double>(o_.duration_ns)) break;
      make(static_cast<std::int64_t>(t));
    }
  };
  const auto nconn = static_cast<std::uint64_t>(conns_.size());
  poisson(p_.stalls_per_s, [&](std::int64_t at) {
    // Some stalls end before the pong deadline (frames resume), most do not.
    const auto len = static_cast<std::int64_t>((0.3 + rng_.uniform() * 1.7) *
                                               static_cast<double>(kPongDeadlineNs));
    schedule(at, {event_kind::stall_start, static_cast<std::uint32_t>(rng_.below(nconn)), len});
  });
  const auto data_stall = [&](std::int64_t at) {
    // Each outlasts the quiet reconnect (kQuietReconnectFactor x quiet), so
    // the stream is reopened (and re-seeded) while its data is still stopped.
    const auto len =
        static_cast<std::int64_t>((5.0 + rng_.uniform() * 15.0) * static_cast<double>(kQuietNs));
    schedule(at,
             {event_kind::data_stall_start, static_cast<std::uint32_t>(rng_.below(nconn)), len});
  };
  // The first at a tenth of the run, so a short run (one simulated second
  // under the sanitizers) sees one too; then Poisson.
  if (p_.data_stalls_per_s > 0) data_stall(o_.duration_ns / 10);
  poisson(p_.data_stalls_per_s, data_stall);
  poisson(p_.drops_per_s, [&](std::int64_t at) {
    schedule(at, {event_kind::drop, static_cast<std::uint32_t>(rng_.below(nconn)), 0});
  });
  poisson(p_.shutdowns_per_s, [&](std::int64_t at) { schedule(at, {event_kind::shutdown, 0, 0}); });
  poisson(p_.clock_jumps_per_s, [&](std::int64_t at) {
    // Forward by 0.2 to 3 max_leg_age: the bot's clock is monotonic
    // (net/bot_clock.h), so time can pass in one go (a paused process) but
    // never step back; a backward step of an age clock would make a frozen
    // leg look young, which no age check can see (net_campaign.cc, plan_events).
    const auto delta =
        static_cast<std::int64_t>((0.2 + rng_.uniform() * 2.8) * static_cast<double>(kMaxLegAgeNs));
    schedule(at, {event_kind::clock_jump, 0, delta});
  });
  for (int h = 0; h < p_.halts; ++h) {
    // A symbol with triangles, so halting it matters.
    symbol_id s = kNoSymbol;
    for (int tries = 0; tries < 1000; ++tries) {
      const auto c = static_cast<symbol_id>(rng_.below(u_.symbols().size()));
      if (idx_.touching(c).size() >= 3 && c != lunc_) {
        s = c;
        break;
      }
    }
    if (s == kNoSymbol) continue;
    const auto at = static_cast<std::int64_t>((0.1 + 0.5 * rng_.uniform()) *
                                              static_cast<double>(o_.duration_ns));
    schedule(at, {event_kind::halt, s, 0});
  }
}

void campaign_run::note_invalidated(symbol_id s, fault_kind why, std::int64_t at) {
  if (invalid_since_[s] >= 0) return;  // already counting from an earlier fault
  invalid_since_[s] = at;
  invalid_why_[s] = why;
}

void campaign_run::note_maybe_revalid(symbol_id s) {
  if (invalid_since_[s] < 0 || !book_.read(s).valid) return;
  const std::int64_t d = m_.now_ns() - invalid_since_[s];
  reval_[static_cast<std::size_t>(invalid_why_[s])].push_back(d);
  invalid_since_[s] = -1;
}

// Every valid symbol of c is about to be invalidated by `why`.
void campaign_run::invalidate_noted(std::uint32_t c, fault_kind why) {
  for (symbol_id s : conns_[c].syms) {
    if (book_.read(s).valid) note_invalidated(s, why, m_.now_ns());
  }
}

// Carries out what connection c's policy answered, as ws_connection.cc does
// on sockets: here the I/O is simulated and time is the simulator's.
void campaign_run::act(std::uint32_t c, const conn_action& a) {
  conn_state& cs = conns_[c];
  const std::int64_t now = m_.now_ns();
  switch (a.k) {
    case conn_action::kind::none:
      return;
    case conn_action::kind::connect:
      ++cs.generation;
      schedule(now + kHandshakeNs, {event_kind::handshake_done, c, cs.generation});
      return;
    case conn_action::kind::wait:
      schedule(a.at_ns, {event_kind::timer, c, cs.generation});
      return;
    case conn_action::kind::quiet:
      count(fault_kind::quiet);
      invalidate_noted(c, fault_kind::quiet);
      session_->on_quiet(c);
      evaluate();
      return;
    case conn_action::kind::lose: {
      fault_kind why = fault_kind::drop;
      switch (a.why) {
        case drop_reason::error:
          break;
        case drop_reason::stalled:
          why = fault_kind::stall_detected;
          count(why);
          break;
        case drop_reason::rotated:
        case drop_reason::server_shutdown:
          why = fault_kind::server_shutdown;
          break;
        case drop_reason::quiet:
          why = fault_kind::quiet_reconnect;
          count(why);
          break;
      }
      invalidate_noted(c, why);
      session_->on_lost(c);
      ++cs.generation;
      cs.stalled = false;  // a stall is the socket's: the next one is fresh
      evaluate();
      schedule(a.at_ns, {event_kind::timer, c, cs.generation});
      return;
    }
    case conn_action::kind::fatal:
      if (!r_.fatal_errors.empty()) r_.fatal_errors += "; ";
      r_.fatal_errors += "connection " + std::to_string(c) + ": " + a.what;
      return;
  }
}

// The upgrade succeeded: the policy and the session are told, the watchdog
// and the exchange's pings start, and the session's REST request goes out.
void campaign_run::opened(std::uint32_t c) {
  conn_state& cs = conns_[c];
  const std::int64_t now = m_.now_ns();
  cs.policy->on_open(now);
  if (cs.opened_before) ++r_.reconnects;
  cs.opened_before = true;
  request_snapshot(session_->on_open(c));
  schedule(now + cs.policy->tick_period_ms() * kMs, {event_kind::tick, c, cs.generation});
  schedule(now + kPingNs, {event_kind::ping, c, cs.generation});
}

void campaign_run::request_snapshot(const reseed_request& req) {
  const std::int64_t now = m_.now_ns();
  const auto span_ms = static_cast<double>(p_.rest_max_ms - p_.rest_min_ms);
  const auto latency = (p_.rest_min_ms + static_cast<std::int64_t>(rng_.uniform() * span_ms)) * kMs;
  const auto taken = static_cast<std::int64_t>(rng_.uniform() * static_cast<double>(latency));
  const auto id = static_cast<std::uint32_t>(rest_.size());
  rest_.push_back({req, bot_now(), -1, {}});
  schedule(now + taken, {event_kind::rest_snapshot, id, 0});
  schedule(now + latency, {event_kind::rest_reply, id, 0});
}

// Symbol s holds a re-seeded quote that is no longer the exchange's, on a
// stream that is flowing. In-process, frames arrive as the market moves, so
// the update that replaced the snapshot was delivered (and must have
// superseded it) or lost (and must have kept the symbol invalid): either way
// the bot should have known. A change the exchange never sent (a stalled or
// closed stream's updates, LUNC's quantities overflowing at lunc_from_:
// unsent_) is the quiet window's business (sink's judge).
bool campaign_run::stale_reseed(symbol_id s) const {
  const book_snapshot b = book_.read(s);
  if (!b.valid || !b.reseeded || halted_[s] || unsent_[s]) return false;
  const conn_state& cs = conns_[conn_of_[s]];
  if (cs.stalled || m_.now_ns() < cs.data_stalled_until) return false;
  return !same_quote(b, truth(s));
}

void campaign_run::snapshot_arrived(std::uint32_t id) {
  rest_call& call = rest_[id];
  std::vector<quote> by_symbol(u_.symbols().size());
  std::vector<bool> have(u_.symbols().size(), false);
  for (const auto& [s, q] : call.quotes) {
    by_symbol[s] = q;
    have[s] = true;
  }
  const std::int64_t taken_at = call.taken_at;
  // Right after s took the snapshot (marked dirty already).
  const auto applied = [&](symbol_id s) {
    ++r_.reseeded;
    written_at_[s] = taken_at;  // the quote is the exchange's as of then
    if (stale_reseed(s)) ++r_.reseed_stale_applied;
    note_maybe_revalid(s);
  };
  std::optional<reseed_request> again;
  if (o_.mutant_reseed_unchecked) {
    // The mutant: every still-invalid symbol takes the snapshot, whatever
    // happened on the feed while it was in flight.
    for (const auto& [s, q] : call.quotes) {
      if (!book_.reseed_if_invalid(q, call.sent_bot_ns)) continue;
      dirty_.mark(s);
      applied(s);
    }
  } else {
    again = session_->on_snapshot(call.req, by_symbol, have, call.sent_bot_ns, applied);
  }
  call.quotes.clear();
  evaluate();
  if (again) request_snapshot(*again);
}

void campaign_run::run_event(std::int64_t at, const event& e) {
  switch (e.k) {
    case event_kind::stall_start: {
      conn_state& cs = conns_[e.target];
      if (!cs.policy->open() || cs.stalled) return;
      cs.stalled = true;
      count(fault_kind::stall);
      schedule(at + e.value, {event_kind::stall_end, e.target, cs.generation});
      return;
    }
    case event_kind::stall_end: {
      conn_state& cs = conns_[e.target];
      if (cs.generation == e.value) cs.stalled = false;  // frames and pings resume
      return;
    }
    case event_kind::data_stall_start: {
      conn_state& cs = conns_[e.target];
      if (cs.data_stalled_until > at) return;
      cs.data_stalled_until = at + e.value;
      count(fault_kind::data_stall);
      return;
    }
    case event_kind::drop: {
      conn_state& cs = conns_[e.target];
      if (!cs.policy->open()) return;
      count(fault_kind::drop);
      act(e.target, cs.policy->on_read_error(at));
      return;
    }
    case event_kind::shutdown:
      count(fault_kind::server_shutdown);
      for (std::uint32_t c = 0; c < conns_.size(); ++c) {
        // The serverShutdown frame, then the rotation the bot answers it with.
        if (conns_[c].policy->open()) act(c, conns_[c].policy->on_server_shutdown(at));
      }
      return;
    case event_kind::halt:
      if (halted_[e.target]) return;
      count(fault_kind::halt);
      frozen_[e.target] = truth(e.target);
      halted_[e.target] = 1;
      halted_at_bot_[e.target] = bot_now();
      return;
    case event_kind::clock_jump: {
      clock_offset_ += e.value;
      count(fault_kind::clock_jump);
      return;
    }
    case event_kind::timer: {
      conn_state& cs = conns_[e.target];
      if (cs.generation == e.value) act(e.target, cs.policy->on_timer(at));
      return;
    }
    case event_kind::handshake_done: {
      conn_state& cs = conns_[e.target];
      if (cs.generation != e.value) return;
      if (p_.connect_fail_p > 0 && rng_.uniform() < p_.connect_fail_p) {
        ++r_.connect_failures;
        act(e.target, cs.policy->on_connect_failed(at, connect_failure::transport, 0,
                                                   "simulated connect failure"));
        return;
      }
      opened(e.target);
      return;
    }
    case event_kind::tick: {
      conn_state& cs = conns_[e.target];
      if (cs.generation != e.value || !cs.policy->open()) return;
      act(e.target, cs.policy->on_tick(at));
      if (cs.generation == e.value && cs.policy->open()) {
        schedule(at + cs.policy->tick_period_ms() * kMs, {event_kind::tick, e.target, e.value});
      }
      return;
    }
    case event_kind::ping: {
      conn_state& cs = conns_[e.target];
      if (cs.generation != e.value || !cs.policy->open()) return;
      if (!cs.stalled) cs.policy->on_control(at);  // answered: the peer is alive
      schedule(at + kPingNs, {event_kind::ping, e.target, e.value});
      return;
    }
    case event_kind::rest_snapshot: {
      // The exchange's book now; a halted symbol is not in it.
      rest_call& call = rest_[e.target];
      call.taken_at = at;
      ++in_flight_[call.req.connection];
      for (symbol_id s : conns_[call.req.connection].syms) {
        if (!halted_[s]) call.quotes.emplace_back(s, truth(s));
      }
      return;
    }
    case event_kind::rest_reply:
      --in_flight_[rest_[e.target].req.connection];
      snapshot_arrived(e.target);
      return;
    case event_kind::guard_tick:
      sample_feed_health();
      schedule(at + kGuardHealthTickNs, {event_kind::guard_tick, 0, 0});
      return;
    case event_kind::exec_arrival:
    case event_kind::exec_answer:
    case event_kind::exec_timeout:
    case event_kind::exec_wake:
      exec_event(at, e);
      return;
  }
}

bool campaign_run::sink(const opportunity& op) {
  ++r_.opportunities;
  reported_now_.push_back(oracle_cycles::key_of(op));
  measure(op);
  // Layer four judges it at its decided time; its transitions are journaled
  // before the opportunity.
  suppress_reason why = suppress_reason::none;
  if (!o_.guard_off) {
    guard_ev_.clear();
    why = guard_.on_opportunity(op, guard_ev_);
    if (!guard_events(guard_ev_)) return false;
  }
  const bool actionable = why == suppress_reason::none;
  if (actionable) {
    ++r_.actionable;
  } else {
    ++r_.suppressed[static_cast<std::size_t>(why)];
  }
  const std::int64_t max_age = eval_.config().max_leg_age_ns;
  for (const leg_decision& l : op.legs) {
    if (!l.valid || l.age_ns < 0 || l.age_ns >= max_age) ++r_.contract_violations;
    // Stale by the simulator's clock (the bot's may have jumped).
    if (m_.now_ns() - written_at_[l.symbol] > max_age) ++r_.stale_used;
    if (halted_[l.symbol] && op.decided_ns - halted_at_bot_[l.symbol] > max_age) ++r_.halted_used;
    const std::int64_t e = open_episode_[l.symbol];
    if (e >= 0) episodes_[static_cast<std::size_t>(e)].caught = true;
  }
  bool frozen = false;
  for (const leg_decision& l : op.legs)
    frozen = frozen || (!dropped_.empty() && dropped_[l.symbol]);
  if (frozen) frozen_accounting(op, actionable);
  if (judge(op) && actionable) {
    ++r_.phantom_actionable;
    if (!frozen) ++r_.phantom_actionable_unfrozen;
  }
  if (!journal_append(op, why)) return false;
  if (eng_) exec_decide(op, why);
  return true;
}

// The drop-capped mutant's frozen legs: per (triangle, leg, update id), the
// reports the guard let through (campaign_report, the guard check).
void campaign_run::frozen_accounting(const opportunity& op, bool actionable) {
  ++r_.frozen_reports;
  if (actionable) {
    ++r_.frozen_actionable;
    if (r_.first_guard_action_ns < 0) ++r_.frozen_actionable_before_first_action;
  }
  for (std::size_t i = 0; i < 3; ++i) {
    const leg_decision& l = op.legs[i];
    if (!dropped_[l.symbol]) continue;
    std::uint64_t& n = frozen_runs_[{op.triangle, i, l.update_id}];
    if (actionable) {
      ++n;
      r_.frozen_run_actionable_max = std::max(r_.frozen_run_actionable_max, n);
    }
  }
  r_.frozen_runs = frozen_runs_.size();
}

// What the guard is judged by, whatever it decides: the longest run of a
// triangle's reports with one leg's update id unchanged, within the repeat
// window, and the opportunities per rate window.
void campaign_run::measure(const opportunity& op) {
  auto& legs = watch_[op.triangle];
  for (std::size_t i = 0; i < 3; ++i) {
    leg_watch& w = legs[i];
    if (!w.started || w.id != op.legs[i].update_id) {
      w.started = true;
      w.id = op.legs[i].update_id;
      w.times.clear();
      w.length = 0;
    }
    ++w.length;
    r_.repeat_run_longest = std::max(r_.repeat_run_longest, w.length);
    w.times.push_back(op.decided_ns);
    while (!w.times.empty() &&
           w.times.front() <= op.decided_ns - guard_.config().repeat_window_ns) {
      w.times.pop_front();
    }
    r_.repeat_run_max = std::max<std::uint64_t>(r_.repeat_run_max, w.times.size());
  }
  const auto k = static_cast<std::size_t>(std::max<std::int64_t>(op.decided_ns, 0) /
                                          guard_.config().rate_window_ns);
  if (r_.rate_windows.size() <= k) r_.rate_windows.resize(k + 1, 0);
  ++r_.rate_windows[k];
}

// Counts the guard's transitions, notes the first halt or quarantine and
// journals each (before the opportunity that caused it). False: the journal
// failed (the guard is told, and halts).
bool campaign_run::guard_events(std::vector<guard_event>& ev) {
  for (std::size_t i = 0; i < ev.size(); ++i) {
    const guard_event& e = ev[i];
    const bool quarantine = e.trigger == guard_trigger::repeat && e.triangle != kNoTriangle;
    const bool halt = e.to == trading_state::halted && e.from != trading_state::halted;
    if (quarantine) ++r_.guard_quarantines;
    if (halt) ++r_.guard_halts;
    if (e.trigger == guard_trigger::feed_health) {
      if (e.to == trading_state::reducing) ++r_.feed_reducing;
      if (e.to == trading_state::active) ++r_.feed_resumed;
    }
    if ((quarantine || halt) && r_.first_guard_action_ns < 0) {
      r_.first_guard_action_ns = m_.now_ns();
      r_.actionable_before_first_action = r_.actionable;
      r_.first_guard_action =
          std::string(quarantine ? "quarantine of triangle " + std::to_string(e.triangle) + " (" +
                                       idx_.name(e.triangle, u_) + ")"
                                 : "halt") +
          " by " + std::string(to_string(e.trigger)) + " at t=" + std::to_string(m_.now_ns()) +
          "ns: " + e.evidence;
    }
    if (journal_ && !journal_state(e)) {
      // Not recorded: the guard halts (those events are counted, not journaled).
      std::vector<guard_event> more;
      guard_.on_journal_failure(bot_now(), "write_failed", more);
      ev.clear();
      for (guard_event& m : more) ev.push_back(std::move(m));
      journal_.reset();  // nothing more is written to a journal that failed
      (void)guard_events(ev);
      return false;
    }
    if (eng_) {
      // The engine follows the guard's state, as the runtime forwards it.
      given_ = e.to;
      const trading_state to = e.to;
      eng_->on_trading_state(to, exec_bot(m_.now_ns()), e.triangle);
      exec_drain();
    }
  }
  return true;
}

// A guard event as a state record (core/journal_bridge.h).
bool campaign_run::journal_state(const guard_event& e) {
  return journal_->append(to_record(e, idx_, u_), m_.now_ns()) == journal_errc::ok;
}

void campaign_run::sample_feed_health() {
  feed_health h;
  h.symbols = static_cast<std::uint32_t>(u_.symbols().size());
  feed_health::group g;
  g.asset = *u_.find_asset("USDT");
  g.symbols = group_symbols_;
  for (symbol_id s = 0; s < u_.symbols().size(); ++s) {
    if (book_.read(s).valid) continue;
    ++h.invalid;
    if (in_group_[s]) ++g.invalid;
  }
  h.start_assets.push_back(g);
  guard_ev_.clear();
  guard_.on_feed_health(bot_now(), h, guard_ev_);
  (void)guard_events(guard_ev_);
}

// The oracle's verdict on one report (true: a phantom).
bool campaign_run::judge(const opportunity& op) {
  const triangle& t = idx_.triangle_at(op.triangle);
  // A re-seeded leg the exchange had already replaced, on a flowing stream:
  // a phantom whatever the ratio says (the stale re-seed, contract 3).
  bool stale_leg = false;
  for (const leg& l : t.legs) stale_leg = stale_leg || stale_reseed(l.symbol);
  if (stale_leg) {
    ++r_.phantom_strict;
    ++r_.phantom;
    if (r_.first_phantom.empty()) {
      r_.first_phantom = "t=" + std::to_string(m_.now_ns()) + "ns triangle " +
                         std::to_string(op.triangle) + ": a re-seeded leg the exchange replaced";
    }
    return true;
  }
  // A halted leg is judged on the exchange's frozen book (truth() returns it).
  if (true_ratio(t) > threshold_) {
    ++r_.real;
    return false;
  }
  // Not profitable on the true quotes now. A stall is invisible until the
  // connection has been quiet for kQuietNs (seen at the policy's next tick),
  // so a leg the market replaced within that window is one the bot could
  // not know was gone: the report is judged on quotes the market really
  // sent, current together within that window, and profitable on them
  // (sim::market::judge).
  ++r_.phantom_strict;
  std::array<sim::market::leg_claim, 3> claims;
  for (std::size_t i = 0; i < 3; ++i) {
    claims[i] = {op.legs[i].symbol, op.legs[i].dir, op.legs[i].price, op.legs[i].update_id};
  }
  const std::int64_t quiet_seen_ns = kQuietNs + kQuietNs / 4;  // + conn_policy's tick
  const auto window_updates =
      static_cast<std::uint64_t>(quiet_seen_ns / sim::market_params{}.mean_step_ns);
  if (m_.judge(claims, eval_.config().default_fee, threshold_, window_updates) ==
      sim::market::verdict::real) {
    ++r_.real;
    return false;
  }
  ++r_.phantom;
  if (r_.first_phantom.empty()) {
    r_.first_phantom =
        "t=" + std::to_string(m_.now_ns()) + "ns triangle " + std::to_string(op.triangle) + ":";
    for (const leg& l : t.legs) {
      const book_snapshot b = book_.read(l.symbol);
      const quote q = truth(l.symbol);
      r_.first_phantom += " " + u_.symbol(l.symbol).name + (l.dir == side::buy ? " buy" : " sell") +
                          " book " + to_string(l.dir == side::buy ? b.ask : b.bid) + " true " +
                          to_string(l.dir == side::buy ? q.ask : q.bid) + ";";
    }
  }
  return true;
}

bool campaign_run::journal_append(const opportunity& op, suppress_reason why) {
  if (journal_) {
    const journal_errc ec = journal_->append(to_record(op, idx_, u_, why), m_.now_ns());
    if (ec != journal_errc::ok) {
      guard_ev_.clear();
      guard_.on_journal_failure(bot_now(), to_string(ec), guard_ev_);
      journal_.reset();
      (void)guard_events(guard_ev_);
      return false;
    }
  }
  return true;
}

void campaign_run::check_decision(symbol_id s, std::int64_t now) {
  const double margin_d = threshold_d_ * (1.0 + kMissedMargin) * (1.0 - 1e-9);
  for (const std::uint32_t ci : cycles_.touching(s)) {
    const triangle& t = cycles_.at(ci);
    std::array<book_snapshot, 3> legs;
    bool usable = true;
    for (std::size_t i = 0; i < 3 && usable; ++i) {
      const symbol_id ls = t.legs[i].symbol;
      legs[i] = book_.read(ls);
      const std::int64_t age = now - legs[i].recv_ns;
      usable = legs[i].valid && !halted_[ls] && age >= 0 && age < eval_.config().max_leg_age_ns &&
               same_quote(legs[i], truth(ls));
    }
    if (!usable) continue;
    if (true_ratio_double(t) <= margin_d) continue;  // the fast pre-filter
    ++r_.oracle_candidates;
    const exact margin = threshold_ * (1 + exact(2) / exact(1'000'000));
    static_assert(kMissedMargin == 2e-6);
    if (!(true_ratio(t) > margin)) continue;
    opportunity o;
    if (eval_.size(t, legs, now, o) != eval_counter::opportunities) continue;  // unsizable
    ++r_.oracle_exact;
    for (const leg& l : t.legs) {
      const std::int64_t e = open_episode_[l.symbol];
      if (e >= 0) episodes_[static_cast<std::size_t>(e)].eligible = true;
    }
    if (std::find(reported_now_.begin(), reported_now_.end(), oracle_cycles::key_of(t)) ==
        reported_now_.end()) {
      ++r_.missed;
      if (r_.first_missed.empty()) {
        r_.first_missed = "t=" + std::to_string(m_.now_ns()) + "ns cycle " + cycles_.name(ci, u_);
      }
    }
  }
}

void campaign_run::evaluate() {
  const std::int64_t now = bot_now();
  (void)dirty_.drain([&](symbol_id s) {
    ++r_.decisions;
    tel_.eval.add(eval_counter::symbols_drained);
    reported_now_.clear();
    const auto to_sink = [&](const opportunity& op) { return sink(op); };
    if (o_.mutant_no_validity) {
      eval_.on_symbol(all_valid_book{book_}, s, now, to_sink);
    } else {
      eval_.on_symbol(book_, s, now, to_sink);
    }
    check_decision(s, now);
  });
}

void campaign_run::deliver(const std::string& frame, symbol_id s, fault_kind kind, bool faulty) {
  ++r_.frames;
  const std::uint32_t c = conn_of_[s];
  conns_[c].policy->on_data(m_.now_ns());
  // Which symbols an unattributed error will invalidate: those valid now.
  const bool conn_wide = faulty && (kind == fault_kind::garbage || kind == fault_kind::truncated);
  if (conn_wide) {
    for (symbol_id x : conns_[c].syms) {
      if (book_.read(x).valid) invalid_since_[x] = invalid_since_[x] < 0 ? -2 : invalid_since_[x];
    }
  }
  const book_snapshot before = book_.read(s);
  const bool was_valid = before.valid;
  buf_.assign(frame);
  (void)session_->on_frame_padded(c, buf_.data(), buf_.size(), bot_now());  // as live_bot
  const book_snapshot after = book_.read(s);
  if (after.update_id != before.update_id || after.recv_ns != before.recv_ns) {
    written_at_[s] = m_.now_ns();
  }
  if (conn_wide) {
    for (symbol_id x : conns_[c].syms) {
      if (invalid_since_[x] == -2) {
        invalid_since_[x] = -1;
        if (!book_.read(x).valid) note_invalidated(x, kind, m_.now_ns());
      }
    }
  } else if (faulty && was_valid && !book_.read(s).valid) {
    note_invalidated(s, kind, m_.now_ns());
  }
  note_maybe_revalid(s);
  evaluate();
}

void campaign_run::emit(symbol_id s) {
  std::string frame = sim::encode_frame(m_, s, true);
  const bool overflow_leg = s == lunc_ && m_.now_ns() >= lunc_from_;
  if (overflow_leg) {
    (void)sim::overflow_quantities(frame);  // as LUNC's twelve-zero frames were
    count(fault_kind::qty_overflow);
  }
  if (o_.mutant_drop_capped && truth(s).qty_capped) {
    unsent_[s] = 1;
    dropped_[s] = 1;
    return;  // the old bug
  }
  unsent_[s] = 0;  // sent (faulty or not): the bot is told the truth changed
  if (!dropped_.empty()) dropped_[s] = 0;
  const std::string clean = frame;
  fault_kind kind = fault_kind::kCount;
  sim::frame_fault f = sim::corrupt_frame(frame, p_.frames, rng_);
  if (f == sim::frame_fault::none && p_.race_truncated > 0 && in_flight_[conn_of_[s]] > 0) {
    sim::frame_fault_rates race;  // a snapshot of this connection is in flight
    race.truncated = p_.race_truncated;
    f = sim::corrupt_frame(frame, race, rng_);
  }
  switch (f) {
    case sim::frame_fault::none:
      break;
    case sim::frame_fault::garbage:
      kind = fault_kind::garbage;
      break;
    case sim::frame_fault::truncated:
      kind = fault_kind::truncated;
      break;
    case sim::frame_fault::oversized_qty:  // not in any plan's frame faults (lunc is its own)
      kind = fault_kind::qty_overflow;
      break;
    case sim::frame_fault::bad_price:
      kind = fault_kind::bad_price;
      break;
  }
  if (kind != fault_kind::kCount) count(kind);
  deliver(frame, s, kind, kind != fault_kind::kCount);
  const sim::repeat_faults rep = sim::draw_repeats(p_.frames, !last_frame_[s].empty(), rng_);
  if (rep.duplicate) {
    count(fault_kind::duplicate);
    deliver(frame, s, fault_kind::duplicate, false);
  }
  if (rep.reorder) {
    count(fault_kind::reordered);
    deliver(last_frame_[s], s, fault_kind::reordered, false);  // older: must be dropped
  }
  last_frame_[s] = clean;
}

// ---------------------------------------------------------------------------
// Execution (campaign_options::execution)
// ---------------------------------------------------------------------------

void campaign_run::exec_setup() {
  usdt_ = *u_.find_asset("USDT");
  execution_config cfg;
  cfg.cycle.fee_rate = eval_.config().default_fee;
  cfg.cycle.client_order_id_prefix = "cx";
  cfg.risk.max_notional = eval_.config().default_budget;
  cfg.risk.max_open_cycles = kExecMaxOpenCycles;
  cfg.risk.max_orders_per_10s = kExecMaxOrdersPer10s;
  cfg.risk.max_residual_value = fixed8::from_units(kExecMaxResidualUsdt);
  // One recvWindow for the engine (when an unknown order can no longer have
  // executed) and the schedule (when it is queried), as the runtime takes
  // both from execution.recv_window_ms.
  cfg.recv_window_ms = kOrderRecvWindowNs / kMs;
  const asset_balance start[] = {{usdt_, o_.exec_start_usdt}};
  eng_ = std::make_unique<execution_engine>(
      u_, idx_, cfg, [this](asset_id a, fixed8 x) { return value_in_usdt(a, x, 2); }, start);
  match_ = std::make_unique<sim::matching_engine>(
      u_,
      sim::matching_params{.depth = {.seed = o_.seed ^ 0xde97ULL}, .fee_rate = cfg.cycle.fee_rate});
  acct_ = match_->add_account("campaign", "campaign-secret", {{usdt_, o_.exec_start_usdt}});
  exec_rng_ = sim::sim_rng(o_.seed ^ 0xe8ec0de5ULL);
  fault_rng_ = sim::sim_rng(o_.seed ^ 0x0fde5ULL);
  order_faults_ = o_.order_faults.value_or(campaign_order_faults());
  if (std::string bad = sim::validate(order_faults_); !bad.empty()) {
    throw std::invalid_argument("campaign: " + bad);
  }
  r_.exec.on = true;
  // The first account check is due kAccountCheckNs after the start.
  sched_.emplace(kAccountCheckNs, kOrderRecvWindowNs, 0);
  exec_drive(0);  // arms the first wake
}

// The value of `amount` of asset a in USDT at the market's true quotes: a
// direct USDT pair, else through one more asset (hops left). nullopt: none.
std::optional<fixed8> campaign_run::value_in_usdt(asset_id a, fixed8 amount, int hops) const {
  if (a == usdt_) return amount;
  if (hops == 0) return std::nullopt;
  for (symbol_id s = 0; s < u_.symbols().size(); ++s) {
    const symbol_info& info = u_.symbol(s);
    const sim::true_quote& q = m_.quote_of(s);
    if (!q.present) continue;
    if (info.base == a && q.bid > fixed8::zero()) {
      const fixed8_result v = checked_mul(amount, q.bid, rounding::down);
      if (!v.ok()) continue;
      if (auto r = value_in_usdt(info.quote, v.value, hops - 1)) return r;
    } else if (info.quote == a && q.ask > fixed8::zero()) {
      const fixed8_result v = checked_div(amount, q.ask, rounding::down);
      if (!v.ok()) continue;
      if (auto r = value_in_usdt(info.base, v.value, hops - 1)) return r;
    }
  }
  return std::nullopt;
}

// The symbol's true quote at sim time `at` (<= now): the quote before the
// last step when `at` is before it and the step moved this symbol.
sim::true_quote campaign_run::quote_at(symbol_id s, std::int64_t at) const {
  if (at < m_.now_ns() && s == stepped_) {
    for (const auto& [bs, q] : before_step_) {
      if (bs == s) return q;
    }
  }
  return m_.quote_of(s);
}

// An opportunity the journal holds (its record is the chain's last): the
// engine decides, with the guard's verdict, citing the record's hash.
void campaign_run::exec_decide(const opportunity& op, suppress_reason why) {
  if (!journal_) return;  // a decision the journal could not take causes no order
  const std::uint64_t started = eng_->counter(exec_counter::cycles_started);
  eng_->on_decision(op, journal_->last_hash(), why, exec_bot(m_.now_ns()));
  if (eng_->counter(exec_counter::cycles_started) > started) {
    // The ground truth beside it: the cycle executed ideally, at once.
    const triangle& t = idx_.triangle_at(op.triangle);
    std::array<sim::true_quote, 3> q;
    for (std::size_t i = 0; i < 3; ++i) q[i] = m_.quote_of(t.legs[i].symbol);
    const sim::ideal_result g =
        sim::ideal_cycle(u_, t, op.amount_in, q, match_->params().fee_rate, match_->params().depth);
    if (g.ok()) {
      ++r_.exec.ideal_ok;
      r_.exec.ideal_pnl = saturating_add(r_.exec.ideal_pnl, g.profit).value;
    } else {
      ++r_.exec.ideal_failed;
    }
  }
  exec_drain();
}

// Drains the engine as the runtime does: records into the journal first,
// then the orders, then its halts (a layer-four halt by "reconcile").
void campaign_run::exec_drain() {
  for (const execution_record& rec : eng_->take_records()) {
    std::string answer;  // the client id an answer record answers
    if (const auto* ord = std::get_if<order_record>(&rec)) {
      ++r_.exec.orders;
      answers_.emplace(ord->client_order_id, 0);
    } else if (const auto* f = std::get_if<fill_record>(&rec)) {
      if (o_.mutant_exec == exec_mutant::drop_answer && !mutant_fired_) {
        mutant_fired_ = true;  // the mutant: this answer never reaches the journal
        continue;
      }
      ++r_.exec.fills;
      answer = f->client_order_id;
    } else if (const auto* rj = std::get_if<reject_record>(&rec)) {
      ++r_.exec.rejects;
      answer = rj->client_order_id;
    }
    if (!answer.empty()) ++answers_[answer];
    if (!journal_) continue;
    const journal_errc ec =
        std::visit([&](const auto& x) { return journal_->append(x, m_.now_ns()); }, rec);
    if (ec != journal_errc::ok) {
      std::vector<guard_event> ev;
      guard_.on_journal_failure(bot_now(), to_string(ec), ev);
      journal_.reset();
      (void)guard_events(ev);
    }
  }
  for (const cycle_outcome& c : eng_->take_closed()) {
    r_.exec.expected_pnl = saturating_add(r_.exec.expected_pnl, c.expected_pnl).value;
    r_.exec.realised_pnl = saturating_add(r_.exec.realised_pnl, c.realised_pnl).value;
    for (const asset_amount& a : c.residuals) {
      residual_[a.asset] = saturating_add(residual_[a.asset], a.amount).value;
    }
  }
  bool submitted = false;
  for (const outgoing_order& o : eng_->take_orders()) {
    if (given_ != trading_state::active || guard_.state() != trading_state::active) {
      ++r_.exec.orders_not_active;
    }
    if (!journal_) continue;  // an order not in the journal is never sent
    exec_submit(o);
    submitted = true;
  }
  for (const execution_event& e : eng_->take_events()) {
    std::vector<guard_event> ev;
    guard_.halt(e.time_ns, "reconcile", e.detail, ev);
    (void)guard_events(ev);
  }
  // As the runtime: everything drained first, then the sender's thread
  // (inside a drive, this returns at once and the drive sends them next).
  if (submitted) exec_drive(m_.now_ns());
}

// The engine's order goes to the sender's schedule, which sends it at the
// next drive (orders come first, runtime/order_path_schedule.h).
void campaign_run::exec_submit(const outgoing_order& o) {
  const auto i = static_cast<std::uint32_t>(xorders_.size());
  exec_order x;
  x.o = o;
  xorder_of_[o.order.client_order_id] = i;
  xorders_.push_back(std::move(x));
  sched_->submit(o.order);
}

// The sender's thread, in sim time: the schedule's steps due now, each done
// as the sender does it (send, query, account check), then one wake armed
// at the schedule's wake time. A submit while a step runs (the engine
// answers inside it) only queues: this loop sends it next.
void campaign_run::exec_drive(std::int64_t at) {
  if (driving_) return;
  driving_ = true;
  for (;;) {
    const std::int64_t now = exec_clock(at);
    const order_path_step st = sched_->next(now, pause_until_);
    if (st.what == order_path_step::kind::wait) {
      if (!wake_armed_ || st.wake_ns < wake_at_) {
        wake_armed_ = true;
        wake_at_ = st.wake_ns;
        schedule(wake_at_, {event_kind::exec_wake, 0, ++wake_gen_});
      }
      break;
    }
    switch (st.what) {
      case order_path_step::kind::send:
        exec_send(xorder_of_.at(st.order.client_order_id), now);
        break;
      case order_path_step::kind::query:
        exec_query(xorder_of_.at(st.order.client_order_id), now);
        break;
      case order_path_step::kind::check_account:
        exec_account(now);
        sched_->account_checked(exec_now_);
        break;
      case order_path_step::kind::wait:
        break;
    }
  }
  driving_ = false;
}

// The client sends the order (or, inside a 429's Retry-After, holds it back
// and answers it itself: not sent).
void campaign_run::exec_send(std::uint32_t i, std::int64_t now) {
  exec_order& x = xorders_[i];
  x.sent_at = now;
  if (now < pause_until_) {
    x.paused = true;
    x.result.error_code = sim::kFaultRateLimitCode;
    x.result.error_msg = std::string(kPausedMsg);
    ++r_.exec.paused;
    exec_schedule(now, {event_kind::exec_answer, i, 2});
    return;
  }
  travelling_.push_back(i);
  const auto jitter = static_cast<std::int64_t>(exec_rng_.below(kOrderJitterNs + 1));
  exec_schedule(now + kOrderDelayNs + jitter, {event_kind::exec_arrival, i, 0});
}

// The order's status, read back from the exchange once: its record.
void campaign_run::exec_query(std::uint32_t i, std::int64_t now) {
  ++r_.exec.order_queries;
  eng_->on_reconciled(xorders_[i].o.order.client_order_id, xorders_[i].result, exec_bot(now));
  exec_drain();
}

// The order reaches the exchange: a fault is drawn (sim/order_faults.h, as
// the simulated exchange's routes draw it), then the matching engine places
// it against the symbol's true quote at this instant; the answer goes back
// (or is held, or dropped).
void campaign_run::exec_arrive(std::uint32_t i, std::int64_t at) {
  const std::int64_t now = exec_clock(at);
  travelling_.erase(std::find(travelling_.begin(), travelling_.end(), i));
  exec_order& x = xorders_[i];
  const order_request& req = x.o.order;
  x.fault = sim::draw_order_fault(order_faults_, fault_rng_);
  const auto refuse = [&](int http, int code, std::string_view msg) {
    x.http = http;
    x.result = order_result{};
    x.result.error_code = code;
    x.result.error_msg = std::string(msg);
  };
  if (x.fault == sim::order_fault::reject) {
    refuse(400, sim::kFaultRejectCode, sim::kFaultRejectMsg);
  } else if (x.fault == sim::order_fault::rate_limited) {
    refuse(429, sim::kFaultRateLimitCode, kRateLimitMsg);
  } else if (halted_[req.symbol] != 0) {
    refuse(400, sim::kErrRejected, "Market is closed.");
  } else {
    order_request placed = req;
    if (x.fault == sim::order_fault::partial) {
      const symbol_info& info = u_.symbol(req.symbol);
      const std::vector<fixed8>& bal = match_->account_at(acct_).balance;
      const fixed8_result need = checked_mul(req.price, req.quantity, rounding::up);
      const bool covers = req.dir == side::sell ? bal[info.base] >= req.quantity
                                                : need.ok() && bal[info.quote] >= need.value;
      std::optional<fixed8> cap;
      if (covers) cap = sim::partial_quantity(info.filters, req, fault_rng_);
      if (cap) {
        placed.quantity = *cap;
      } else {
        x.fault = sim::order_fault::none;  // nothing to cap: not applied, not counted
      }
    }
    const sim::true_quote q = quote_at(req.symbol, at);
    sim::place_outcome out = match_->place(acct_, placed, q, now);
    x.http = out.ok() ? 200 : out.error->http_status;
    const bool filled = out.ok() && !out.result.fills.empty();
    x.result = std::move(out.result);
    if (x.fault == sim::order_fault::partial && x.http == 200) sim::expire_partial(x.result, req);
    if (o_.mutant_exec == exec_mutant::double_fill && !mutant_fired_ && filled) {
      // The mutant: the exchange takes the order a second time.
      const sim::place_outcome again = match_->place(acct_, placed, q, now);
      mutant_fired_ = again.ok() && !again.result.fills.empty();
    }
  }
  ++r_.exec.faults[static_cast<std::size_t>(x.fault)];
  if (x.fault == sim::order_fault::timeout) {
    exec_schedule(at + kHeldAnswerNs, {event_kind::exec_answer, i, 1});
    exec_schedule(x.sent_at + kOrderTimeoutNs, {event_kind::exec_timeout, i, 0});
  } else if (x.fault == sim::order_fault::dropped) {
    exec_schedule(x.sent_at + kOrderTimeoutNs, {event_kind::exec_timeout, i, 0});
  } else {
    const auto jitter = static_cast<std::int64_t>(exec_rng_.below(kOrderJitterNs + 1));
    exec_schedule(at + kOrderDelayNs + jitter, {event_kind::exec_answer, i, 0});
  }
}

void campaign_run::exec_account(std::int64_t at) {
  const std::int64_t t = exec_bot(at);
  const std::vector<fixed8>& bal = match_->account_at(acct_).balance;
  std::vector<asset_balance> a;
  a.reserve(bal.size());
  for (asset_id k = 0; k < bal.size(); ++k) a.push_back({k, bal[k]});
  eng_->on_account(a, t);
  exec_drain();
}

void campaign_run::exec_event(std::int64_t at, const event& e) {
  switch (e.k) {
    case event_kind::exec_arrival:
      --exec_events_;
      exec_arrive(e.target, at);
      return;
    case event_kind::exec_answer: {
      --exec_events_;
      const exec_order& x = xorders_[e.target];
      const std::int64_t now = exec_clock(at);
      const std::int64_t t = exec_bot(at);
      if (e.value == 1) ++r_.exec.late_answers;
      if (x.http == 429) {
        pause_until_ = std::max(pause_until_, now + kRetryAfterNs);
        // No cycle starts until the client sends again (the engine's clock).
        eng_->on_transport_paused(t + (pause_until_ - now));
      }
      eng_->on_result(x.o.order.client_order_id, x.result, t, x.paused ? 0 : x.http);
      exec_drain();
      return;
    }
    case event_kind::exec_timeout: {
      --exec_events_;
      // The client gave up: the answer is lost, the schedule queries it.
      const exec_order& x = xorders_[e.target];
      sched_->lost(x.o.order, x.sent_at);
      eng_->on_timeout(x.o.order.client_order_id, exec_bot(at));
      exec_drain();
      exec_drive(at);
      return;
    }
    case event_kind::exec_wake:
      if (!wake_armed_ || e.value != wake_gen_) return;  // a wake since replaced
      wake_armed_ = false;
      exec_drive(at);
      return;
    default:
      return;
  }
}

// The run is over: every order still travelling arrives, every answer,
// timeout and query comes (the market stands still; the schedule's wakes
// keep coming, with its account checks), the account is reconciled once
// more; then the checks' figures. The schedule always has a next wake, so
// the run stops when nothing is left to come: no arrival, answer or
// timeout, no query, no order in flight with the engine. Should an order
// stay in flight with nothing left to answer it, the run stops
// kFinishSettleNs (four account checks) later, and the figures say so
// (cycles_open, orders_unanswered). Whatever happens, it stops
// kFinishBudgetNs after it began, as the runtime's finish() is bounded:
// three legs, each an order and a query past a pause, and a second.
void campaign_run::exec_finish() {
  constexpr std::int64_t kFinishSettleNs = 4 * kAccountCheckNs;
  constexpr std::int64_t kFinishBudgetNs =
      3 * (4 * kOrderTimeoutNs + kOrderRecvWindowNs + kRetryAfterNs) + 1000 * kMs;
  const std::int64_t finish_until = exec_now_ + kFinishBudgetNs;
  std::optional<std::int64_t> quiet_since;
  while (!events_.empty() && exec_now_ < finish_until) {
    if (exec_events_ == 0 && sched_->queries_pending() == 0 && !sched_->order_pending()) {
      if (eng_->in_flight() == 0) break;
      if (!quiet_since) quiet_since = exec_now_;
      if (exec_now_ - *quiet_since >= kFinishSettleNs) break;
    } else {
      quiet_since.reset();
    }
    const auto it = events_.begin();
    const std::int64_t at = it->first;
    const event e = it->second;
    events_.erase(it);
    if (e.k >= event_kind::exec_arrival) exec_event(at, e);
  }
  sched_->ask_account();  // the last check, through the schedule
  exec_drive(exec_now_);
  execution_report& x = r_.exec;
  const auto c = [&](exec_counter k) { return eng_->counter(k); };
  x.cycles_attempted = c(exec_counter::cycles_started);
  x.cycles_done = c(exec_counter::cycles_done);
  x.cycles_residual = c(exec_counter::cycles_residual);
  x.cycles_missed = c(exec_counter::cycles_missed) + c(exec_counter::cycles_rejected);
  x.cycles_leg1_rejected = c(exec_counter::cycles_rejected);
  x.cycles_open = eng_->open_cycles();
  x.refused_gate = c(exec_counter::refused_gate);
  x.refused_balance = c(exec_counter::refused_balance);
  x.refused_plan = c(exec_counter::refused_plan);
  x.refused_not_active = c(exec_counter::refused_not_active);
  x.refused_paused = c(exec_counter::refused_paused);
  x.timeouts = c(exec_counter::timeouts);
  x.reconciled = c(exec_counter::reconciled);
  x.reconciled_from_account = c(exec_counter::reconciled_from_account);
  x.account_checks = c(exec_counter::account_checks);
  x.account_pending = c(exec_counter::account_pending);
  x.account_mismatches = c(exec_counter::account_mismatches);
  x.ledger_refused = c(exec_counter::ledger_refused);
  x.ledger_deferred = c(exec_counter::ledger_deferred);
  x.exchange_orders = match_->orders_placed();
  for (const auto& [a, amount] : residual_) {
    if (amount == fixed8::zero()) continue;
    x.residual_by_asset.emplace_back(std::string(u_.assets()[a]), amount);
    // Its value at the market's true quotes at the end (a short position counts against).
    const bool short_position = amount < fixed8::zero();
    const fixed8 magnitude = short_position ? fixed8::from_raw(-amount.raw()) : amount;
    if (const std::optional<fixed8> v = value_in_usdt(a, magnitude, 2)) {
      const fixed8 signed_v = short_position ? fixed8::from_raw(-v->raw()) : *v;
      x.residual_value = saturating_add(x.residual_value, signed_v).value;
    } else {
      ++x.residual_unvalued;
    }
  }
  for (const auto& [id, n] : answers_) {
    if (n == 0) {
      ++x.orders_unanswered;
      if (x.first_unanswered.empty() || id < x.first_unanswered) x.first_unanswered = id;
    }
    if (n > 1) ++x.orders_answered_twice;
  }
  // The engine's ledger against the exchange's account, asset by asset, exactly.
  x.ledger_equal = true;
  const std::vector<fixed8>& bal = match_->account_at(acct_).balance;
  for (asset_id k = 0; k < bal.size(); ++k) {
    if (eng_->balances().balance(k) != bal[k]) {
      x.ledger_equal = false;
      x.ledger_diff = std::string(u_.assets()[k]) + ": ledger " +
                      to_string(eng_->balances().balance(k)) + ", exchange " + to_string(bal[k]);
      break;
    }
  }
}

campaign_report campaign_run::run() {
  const std::size_t n = u_.symbols().size();
  r_.symbols = n;
  r_.triangles = idx_.size();
  r_.oracle_triangles = cycles_.size();
  r_.market = p_.calm ? "calm" : "fast";
  r_.guard = guard_.config();
  const auto groups = split_into_connections(n, p_.symbols_per_connection);
  r_.connections = groups.size();

  // The configuration checks the bot makes before connecting.
  bot_config cfg;
  cfg.symbols_per_connection = static_cast<int>(p_.symbols_per_connection);
  try {
    validate(cfg);
    for (std::size_t c = 0; c < groups.size(); ++c) {
      const std::size_t bytes = stream_target_bytes(u_, groups[c]);
      if (bytes > kMaxTargetBytes) {
        throw config_error(
            "connections.symbols_per_connection = " + std::to_string(p_.symbols_per_connection) +
            ": connection " + std::to_string(c) + "'s subscription URL would be " +
            std::to_string(bytes) + " bytes, over the gateway limit of " +
            std::to_string(kMaxTargetBytes) +
            " bytes (HTTP 414); lower symbols_per_connection (the default " +
            std::to_string(kDefaultSymbolsPerConnection) + " fits)");
      }
    }
  } catch (const config_error& e) {
    r_.config_rejected = true;
    r_.config_error = e.what();
    r_.connections = 0;
    r_.telemetry_json = tel_.render_json(0);
    return r_;
  }

  conn_of_.assign(n, 0);
  const ws_options wo = campaign_ws_options(o_.seed);
  for (const std::vector<symbol_id>& g : groups) {
    const connection_id c = feed_.add_connection(g);
    for (symbol_id s : g) conn_of_[s] = c;
    conn_state cs;
    cs.syms = g;
    cs.policy = std::make_unique<conn_policy>(wo, c, budget_, conn_counters_);
    conns_.push_back(std::move(cs));
  }
  session_ = std::make_unique<feed_session>(feed_, book_, dirty_, groups, n, reseed_counts_);
  in_flight_.assign(conns_.size(), 0);
  unsent_.assign(n, 0);
  halted_.assign(n, 0);
  halted_at_bot_.assign(n, 0);
  frozen_.assign(n, quote{});
  last_frame_.assign(n, std::string());
  open_episode_.assign(n, -1);
  episode_left_.assign(n, 0);
  invalid_since_.assign(n, -1);
  written_at_.assign(n, 0);
  invalid_why_.assign(n, fault_kind::kCount);
  if (o_.mutant_drop_capped) dropped_.assign(n, 0);
  in_group_.assign(n, 0);
  for (symbol_id s = 0; s < n; ++s) {
    if (idx_.touching(s).empty()) continue;
    in_group_[s] = 1;
    ++group_symbols_;
  }
  threshold_ = 1 + exact(static_cast<long long>(eval_.config().min_profit.raw())) /
                       exact(static_cast<long long>(fixed8::kScale));
  threshold_d_ = 1.0 + eval_.config().min_profit.to_double();

  if (p_.lunc) {
    // LUNCUSDT if the universe has it, else the micro-priced USDT symbol in
    // the most triangles.
    std::size_t best = 0;
    for (symbol_id s = 0; s < n; ++s) {
      if (u_.symbol(s).name == "LUNCUSDT") {
        lunc_ = s;
        break;
      }
      if (gen_.symbols[s].is_micro && gen_.symbols[s].quote == "USDT" &&
          idx_.touching(s).size() > best) {
        best = idx_.touching(s).size();
        lunc_ = s;
      }
    }
    lunc_from_ = o_.duration_ns / 10;
  }

  if (o_.execution) {
    exec_setup();
    if (o_.journal_path.empty()) {
      // The engine's orders cite their decisions' records: a journal it is.
      static std::atomic<std::uint64_t> runs{0};
      exec_journal_ = (std::filesystem::temp_directory_path() /
                       ("triarb-campaign-exec-" + std::to_string(::getpid()) + "-" +
                        std::to_string(runs.fetch_add(1)) + ".jsonl"))
                          .string();
      std::filesystem::remove(exec_journal_);
    }
  }
  if (!o_.journal_path.empty() || !exec_journal_.empty()) {
    journal_options jo;
    jo.version = journal_version("campaign");
    jo.config_text = std::string("scenario = ") + std::string(to_string(o_.sc)) +
                     "\nseed = " + std::to_string(o_.seed) +
                     "\nduration_ns = " + std::to_string(o_.duration_ns) +
                     "\nmutant_drop_capped = " + (o_.mutant_drop_capped ? "true" : "false") + "\n" +
                     (o_.mutant_no_validity ? "mutant_no_validity = true\n" : "") +
                     (o_.execution ? "execution = true\n" : "");
    jo.universe = std::to_string(u_.fingerprint());
    jo.fsync = o_.journal_fsync;
    jo.start_new_on_broken = o_.new_journal;
    journal_ = std::make_unique<journal_writer>(
        journal_writer::open(o_.journal_path.empty() ? exec_journal_ : o_.journal_path, jo));
  }

  plan_events();
  m_.seed_all();
  // Every connection starts at once; the book is seeded by each one's REST
  // snapshot, then kept by its frames.
  for (std::uint32_t c = 0; c < conns_.size(); ++c) {
    schedule(0, {event_kind::timer, c, conns_[c].generation});
  }
  if (!o_.guard_off) schedule(0, {event_kind::guard_tick, 0, 0});
  const int disloc_updates = sim::market_params{}.dislocation_updates;
  while (m_.now_ns() < o_.duration_ns) {
    if (!travelling_.empty()) {
      before_step_.clear();
      for (const std::uint32_t i : travelling_) {
        const symbol_id ts = xorders_[i].o.order.symbol;
        before_step_.emplace_back(ts, m_.quote_of(ts));
      }
    }
    const sim::market_update up = m_.step();
    stepped_ = up.symbol;
    // Episodes: a dislocation lasts dislocation_updates of its symbol.
    const symbol_id s = up.symbol;
    if (up.dislocated) {
      if (open_episode_[s] < 0) {
        open_episode_[s] = static_cast<std::int64_t>(episodes_.size());
        episodes_.push_back({s});
        episode_left_[s] = disloc_updates;
      }
    }
    if (lunc_ != kNoSymbol && !lunc_flipped_ && m_.now_ns() >= lunc_from_) {
      lunc_flipped_ = true;  // its quantities overflow from now on, no frame said so yet
      unsent_[lunc_] = 1;
    }
    const conn_state& cs = conns_[conn_of_[s]];
    if (cs.policy->open() && !cs.stalled && up.time_ns >= cs.data_stalled_until && !halted_[s]) {
      emit(s);
    } else {
      unsent_[s] = 1;
    }
    // Events due by now run after the update's frame is delivered: the
    // market has already moved to this update, so judging anything before
    // its frame arrives would count a frame still in flight as a phantom.
    while (!events_.empty() && events_.begin()->first <= up.time_ns) {
      const auto it = events_.begin();
      const std::int64_t at = it->first;
      const event e = it->second;
      events_.erase(it);
      run_event(at, e);
    }
    if (up.dislocated && open_episode_[s] >= 0 && --episode_left_[s] == 0) {
      open_episode_[s] = -1;
    }
  }
  // Still-invalid symbols never revalidated: counted at the end of the run.
  for (std::size_t k = 0; k < reval_.size(); ++k) {
    r_.revalidate[k] = summarize(reval_[k]);
  }
  std::vector<std::int64_t> all;
  for (const auto& v : reval_) all.insert(all.end(), v.begin(), v.end());
  r_.revalidate_all = summarize(std::move(all));
  r_.episodes = episodes_.size();
  for (const episode& e : episodes_) {
    if (e.eligible) {
      ++r_.episodes_eligible;
      if (e.caught) ++r_.episodes_caught;
    }
  }
  r_.reseed_requests = reseed_counts_.reseeds.load(std::memory_order_relaxed);
  r_.reseed_superseded = reseed_counts_.superseded.load(std::memory_order_relaxed);
  r_.reseed_stale = reseed_counts_.stale.load(std::memory_order_relaxed);
  r_.telemetry_json = tel_.render_json(bot_now());
  if (eng_) exec_finish();
  if (journal_) (void)journal_->sync();
  if (eng_) {
    const std::string path = o_.journal_path.empty() ? exec_journal_ : o_.journal_path;
    journal_.reset();
    r_.exec.audited = true;
    try {
      // With the exchange info and the knobs: every order within its
      // filters, legs 2 and 3 within their protective caps.
      bot_config ac;
      ac.fee = eval_.config().default_fee;
      ac.execution.max_slippage_bps = execution_config{}.cycle.max_slippage_bps;
      ac.execution.client_id_prefix = "cx";
      const audit_report a = audit_states(path, u_, ac);
      r_.exec.audit_ok = a.ok();
      r_.exec.audit = a.message();
    } catch (const std::exception& e) {
      r_.exec.audit = e.what();
    }
    if (!exec_journal_.empty()) std::filesystem::remove(exec_journal_);
  }
  return r_;
}

}  // namespace

sim::order_fault_rates campaign_order_faults() noexcept {
  sim::order_fault_rates r;
  r.reject = 0.03;
  r.rate_limited = 0.01;
  r.timeout = 0.03;
  r.partial = 0.05;
  r.dropped = 0.03;
  return r;
}

latency_summary summarize(std::vector<std::int64_t> v) {
  latency_summary s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.count = v.size();
  s.median_ns = v[(v.size() - 1) / 2];
  s.p99_ns = v[std::min(v.size() - 1, (v.size() * 99) / 100)];
  s.max_ns = v.back();
  return s;
}

std::string_view to_string(scenario s) noexcept {
  switch (s) {
    case scenario::lunc_overflow:
      return "lunc-overflow";
    case scenario::garbage_frames:
      return "garbage-frames";
    case scenario::truncated_frames:
      return "truncated-frames";
    case scenario::duplicate_and_reordered:
      return "duplicate-and-reordered";
    case scenario::stall:
      return "stall";
    case scenario::disconnect_storm:
      return "disconnect-storm";
    case scenario::server_shutdown:
      return "server-shutdown";
    case scenario::url_too_long:
      return "url-too-long";
    case scenario::symbol_halted:
      return "symbol-halted";
    case scenario::clock_jump:
      return "clock-jump";
    case scenario::mixed:
      return "mixed";
    case scenario::data_stall:
      return "data-stall";
    case scenario::reseed_race:
      return "reseed-race";
    case scenario::kCount:
      break;
  }
  return "?";
}

std::optional<scenario> parse_scenario(std::string_view name) noexcept {
  for (scenario s : kAll) {
    if (to_string(s) == name) return s;
  }
  return std::nullopt;
}

std::span<const scenario> all_scenarios() noexcept { return kAll; }

std::string_view to_string(fault_kind k) noexcept {
  switch (k) {
    case fault_kind::garbage:
      return "garbage";
    case fault_kind::truncated:
      return "truncated";
    case fault_kind::bad_price:
      return "bad_price";
    case fault_kind::duplicate:
      return "duplicate";
    case fault_kind::reordered:
      return "reordered";
    case fault_kind::qty_overflow:
      return "qty_overflow";
    case fault_kind::stall:
      return "stall";
    case fault_kind::data_stall:
      return "data_stall";
    case fault_kind::quiet_reconnect:
      return "quiet_reconnect";
    case fault_kind::stall_detected:
      return "stall_detected";
    case fault_kind::quiet:
      return "quiet";
    case fault_kind::drop:
      return "drop";
    case fault_kind::server_shutdown:
      return "server_shutdown";
    case fault_kind::halt:
      return "halt";
    case fault_kind::clock_jump:
      return "clock_jump";
    case fault_kind::kCount:
      break;
  }
  return "?";
}

campaign_report run_campaign(const campaign_options& o) {
  if (o.network && (o.mutant_drop_capped || o.mutant_reseed_unchecked)) {
    throw std::invalid_argument(
        "the drop-capped and reseed-unchecked mutants run in-process only (without --network)");
  }
  if (!o.network && o.mutant_no_staleness) {
    throw std::invalid_argument("the no-staleness mutant runs over the network only (--network)");
  }
  if (o.network && (o.execution || o.mutant_exec != exec_mutant::none)) {
    throw std::invalid_argument("execution runs in-process only (without --network)");
  }
  if (!o.execution && o.mutant_exec != exec_mutant::none) {
    throw std::invalid_argument("an execution mutant needs execution on");
  }
  if (o.network && (o.mutant_no_validity || o.guard_off)) {
    throw std::invalid_argument(
        "the no-validity mutant and guard_off run in-process only (without --network)");
  }
  if (!o.exchange_info_out.empty()) {  // the seed's universe, as every run of it has
    write_exchange_info(o.exchange_info_out, sim::generate_universe({}, o.seed).exchange_info_json);
  }
  campaign_report r;
  if (o.network) {
    r = harness_internal::run_network_scenario(o);
  } else {
    campaign_run run(o);
    r = run.run();
  }
  std::string why;
  auto fail = [&](const std::string& w) { why += (why.empty() ? "" : ", ") + w; };
  // The guard check: layers one and three gone (drop-capped: saturation and the age limit;
  // no-validity), the frozen legs must be caught by the trading guard within its bound.
  r.guard_check =
      !o.network && o.mutant_no_validity && o.mutant_drop_capped && o.sc == scenario::lunc_overflow;
  if (r.guard_check) {
    const std::uint64_t per_run = r.guard.repeat_reports - 1;
    r.guard_bound = per_run * r.frozen_runs;
    if (r.frozen_reports == 0) fail("no report used a frozen leg: the check proves nothing");
    if (r.guard_halts + r.guard_quarantines == 0) {
      fail("the guard neither halted nor quarantined (" + std::to_string(r.frozen_actionable) +
           " actionable reports through frozen legs)");
    }
    if (r.frozen_run_actionable_max > per_run) {
      fail("a frozen leg's run had " + std::to_string(r.frozen_run_actionable_max) +
           " actionable reports, over the bound repeat_reports - 1 = " + std::to_string(per_run));
    }
    if (r.frozen_actionable > r.guard_bound) {
      fail(std::to_string(r.frozen_actionable) +
           " actionable reports through frozen legs, over the bound B = " +
           std::to_string(r.guard_bound));
    }
    if (r.phantom_actionable_unfrozen != 0) {
      fail(std::to_string(r.phantom_actionable_unfrozen) +
           " actionable phantoms without a frozen leg");
    }
    r.passed = why.empty();
    r.why = why;
    return r;
  }
  const bool mutant = o.mutant_drop_capped || o.mutant_no_staleness || o.mutant_reseed_unchecked ||
                      o.mutant_no_validity;
  if (!mutant && r.guard_halts + r.guard_quarantines != 0) {
    fail(std::to_string(r.guard_halts) + " false guard halts and " +
         std::to_string(r.guard_quarantines) +
         " false quarantines (first: " + r.first_guard_action + ")");
  }
  if (o.sc == scenario::url_too_long) {
    if (!r.config_rejected) fail("configuration past the URL limit was accepted");
  } else if (r.config_rejected) {
    fail("configuration rejected: " + r.config_error);
  }
  if (r.oracle_triangles != r.triangles) {
    fail("the bot indexed " + std::to_string(r.triangles) + " triangles, the asset graph has " +
         std::to_string(r.oracle_triangles));
  }
  if (r.phantom != 0) fail(std::to_string(r.phantom) + " phantom");
  if (r.missed != 0) fail(std::to_string(r.missed) + " missed");
  if (r.contract_violations != 0)
    fail(std::to_string(r.contract_violations) + " contract-4 violations");
  if (r.stale_used != 0) fail(std::to_string(r.stale_used) + " stale legs used");
  if (r.reseed_stale_applied != 0) {
    fail(std::to_string(r.reseed_stale_applied) + " re-seeds revalidated a replaced quote");
  }
  if (r.halted_used != 0) fail(std::to_string(r.halted_used) + " reports through a halted symbol");
  if (r.recall() < 0.99) fail("recall below 99%");
  if (!r.fatal_errors.empty()) fail("connections stopped for good: " + r.fatal_errors);
  if (r.exec.on) {
    const execution_report& x = r.exec;
    if (x.orders_unanswered != 0) {
      fail(std::to_string(x.orders_unanswered) +
           " orders without an answer in the journal (first: " + x.first_unanswered + ")");
    }
    if (x.orders_answered_twice != 0) {
      fail(std::to_string(x.orders_answered_twice) + " orders answered twice in the journal");
    }
    if (x.orders_not_active != 0) {
      fail(std::to_string(x.orders_not_active) + " orders while the state was not active");
    }
    if (!x.ledger_equal) fail("the ledger differs from the exchange's account: " + x.ledger_diff);
    if (x.account_mismatches != 0) {
      fail(std::to_string(x.account_mismatches) + " account mismatches");
    }
    if (x.ledger_refused != 0) fail(std::to_string(x.ledger_refused) + " ledger refusals");
    if (x.cycles_open != 0) fail(std::to_string(x.cycles_open) + " cycles still open at the end");
    if (x.order_queries != x.timeouts) {
      fail(std::to_string(x.timeouts) + " lost answers but " + std::to_string(x.order_queries) +
           " order queries (each is queried once)");
    }
    if (!x.audit_ok) fail("journal audit: " + x.audit);
  }
  r.passed = why.empty();
  r.why = why;
  return r;
}

std::string reproduce_command(const campaign_options& o) {
  std::string c = "cmake --preset " + o.preset + " && cmake --build --preset " + o.preset +
                  " --target triarb && build/" + o.preset + "/apps/triarb/triarb sim --seed " +
                  std::to_string(o.seed) + " --scenario " + std::string(to_string(o.sc)) +
                  " --duration " + seconds_text(o.duration_ns);
  if (o.mutant_drop_capped) c += " --mutant drop-capped";
  if (o.mutant_no_staleness) c += " --mutant no-staleness";
  if (o.mutant_reseed_unchecked) c += " --mutant reseed-unchecked";
  if (o.mutant_no_validity) c += " --mutant no-validity";
  if (o.network) c += " --network";
  if (o.execution) c += " --execution";
  return c;
}

std::string verdict_line(const campaign_options& o, const campaign_report& r) {
  char recall[32];
  std::snprintf(recall, sizeof recall, "%.1f%%", 100.0 * r.recall());
  std::string v =
      std::string(r.passed ? "PASS " : "FAIL ") + std::string(to_string(o.sc)) +
      " seed=" + std::to_string(o.seed) + " duration=" + seconds_text(o.duration_ns) + "s" +
      (o.network ? " network" : "") + (o.mutant_drop_capped ? " mutant=drop-capped" : "") +
      (o.mutant_no_staleness ? " mutant=no-staleness" : "") +
      (o.mutant_no_validity ? " mutant=no-validity" : "") + (o.guard_off ? " guard=off" : "") +
      " phantoms=" + std::to_string(r.phantom) +
      (r.phantom_strict != 0 ? " (strict " + std::to_string(r.phantom_strict) + ")" : "") +
      " missed=" + std::to_string(r.missed) + " recall=" + recall + " (" +
      std::to_string(r.episodes_caught) + "/" + std::to_string(r.episodes_eligible) + " of " +
      std::to_string(r.episodes) + " dislocations)" +
      " opportunities=" + std::to_string(r.opportunities) + " frames=" + std::to_string(r.frames);
  std::uint64_t faults = 0;
  for (std::uint64_t f : r.faults) faults += f;
  v += " faults=" + std::to_string(faults);
  if (!o.network) {
    std::uint64_t suppressed = 0;
    for (std::uint64_t n : r.suppressed) suppressed += n;
    v += " actionable=" + std::to_string(r.actionable) +
         " suppressed=" + std::to_string(suppressed) +
         " guard_halts=" + std::to_string(r.guard_halts) +
         " quarantines=" + std::to_string(r.guard_quarantines) +
         " feed_reducing=" + std::to_string(r.feed_reducing);
  }
  if (r.guard_check) {
    v += " frozen_run_max=" + std::to_string(r.frozen_run_actionable_max) + "/" +
         std::to_string(r.guard.repeat_reports - 1) +
         " frozen_actionable=" + std::to_string(r.frozen_actionable) + "/" +
         std::to_string(r.guard_bound);
  }
  if (r.revalidate_all.count > 0) {
    v += " revalidate_p50=" + ms_text(r.revalidate_all.median_ns) +
         " p99=" + ms_text(r.revalidate_all.p99_ns);
  }
  if (r.exec.on) {
    const execution_report& x = r.exec;
    char capture[32];
    std::snprintf(capture, sizeof capture, "%.1f%%", 100.0 * x.capture_rate());
    std::uint64_t order_faults = 0;
    for (std::size_t k = 1; k < x.faults.size(); ++k) order_faults += x.faults[k];
    v += " cycles=" + std::to_string(x.cycles_attempted) +
         " done=" + std::to_string(x.cycles_done) +
         " residual=" + std::to_string(x.cycles_residual) +
         " missed_cycles=" + std::to_string(x.cycles_missed) + " capture=" + capture +
         " expected=" + to_string(x.expected_pnl) + " realised=" + to_string(x.realised_pnl) +
         " residual_value=" + to_string(x.residual_value) + " ideal=" + to_string(x.ideal_pnl) +
         " order_faults=" + std::to_string(order_faults) +
         " ledger=" + (x.ledger_equal ? "equal" : "DIFFERS");
  }
  if (r.config_rejected) v += " config=rejected";
  if (!r.passed) v += " [" + r.why + "]";
  return v;
}

std::string report_json(const campaign_options& o, const campaign_report& r) {
  auto lat = [](const latency_summary& l) {
    return "{\"count\":" + std::to_string(l.count) +
           ",\"median_ns\":" + std::to_string(l.median_ns) +
           ",\"p99_ns\":" + std::to_string(l.p99_ns) + ",\"max_ns\":" + std::to_string(l.max_ns) +
           "}";
  };
  std::string j = "{";
  j += "\"verdict\":\"" + std::string(r.passed ? "PASS" : "FAIL") + "\"";
  j += ",\"scenario\":\"" + std::string(to_string(o.sc)) + "\"";
  j += ",\"seed\":" + std::to_string(o.seed);
  j += ",\"duration_ns\":" + std::to_string(o.duration_ns);
  j += ",\"mutant_drop_capped\":" + std::string(o.mutant_drop_capped ? "true" : "false");
  j += ",\"mutant_no_staleness\":" + std::string(o.mutant_no_staleness ? "true" : "false");
  j += ",\"market\":\"" + r.market + "\"";
  j += ",\"network\":" + std::string(o.network ? "true" : "false");
  if (o.network) {
    j += ",\"time_constants_ns\":{\"max_leg_age\":" +
         std::to_string(harness_internal::kNetMaxLegAgeMs * kMs) +
         ",\"pong_deadline\":" + std::to_string(harness_internal::kNetPongDeadlineMs * kMs) +
         ",\"quiet\":" + std::to_string(harness_internal::kNetQuietMs * kMs) +
         ",\"in_flight\":" + std::to_string(harness_internal::kNetInFlightMs * kMs) +
         ",\"backoff_initial\":" + std::to_string(harness_internal::kNetBackoffInitialMs * kMs) +
         ",\"backoff_max\":" + std::to_string(harness_internal::kNetBackoffMaxMs * kMs) + "}";
  } else {
    j += ",\"time_constants_ns\":{\"max_leg_age\":" + std::to_string(kMaxLegAgeNs) +
         ",\"pong_deadline\":" + std::to_string(kPongDeadlineNs) +
         ",\"quiet\":" + std::to_string(kQuietNs) +
         ",\"backoff_initial\":" + std::to_string(kBackoffInitialNs) +
         ",\"backoff_max\":" + std::to_string(kBackoffMaxNs) +
         ",\"handshake\":" + std::to_string(kHandshakeNs) + "}";
  }
  j += ",\"config_rejected\":" + std::string(r.config_rejected ? "true" : "false");
  j += ",\"config_error\":\"" + json_escape(r.config_error) + "\"";
  j += ",\"symbols\":" + std::to_string(r.symbols);
  j += ",\"triangles\":" + std::to_string(r.triangles);
  j += ",\"oracle_triangles\":" + std::to_string(r.oracle_triangles);
  j += ",\"connections\":" + std::to_string(r.connections);
  j += ",\"frames\":" + std::to_string(r.frames);
  j += ",\"decisions\":" + std::to_string(r.decisions);
  j += ",\"opportunities\":" + std::to_string(r.opportunities);
  j += ",\"real\":" + std::to_string(r.real);
  j += ",\"phantom\":" + std::to_string(r.phantom);
  if (!o.network) j += ",\"phantom_strict\":" + std::to_string(r.phantom_strict);
  if (o.network) {
    j += ",\"phantom_unknown_quote\":" + std::to_string(r.unknown_quote);
    j += ",\"phantom_not_profitable\":" + std::to_string(r.not_profitable);
    j += ",\"frozen_but_fresh\":" + std::to_string(r.frozen_fresh);
    j += ",\"still_real_at_decision\":" + std::to_string(r.still_real);
    j += ",\"oracle_raced\":" + std::to_string(r.oracle_raced);
    j += ",\"exchange_max_send_lag_ns\":" + std::to_string(r.max_send_lag_ns);
    j += ",\"fatal_errors\":\"" + json_escape(r.fatal_errors) + "\"";
  }
  j += ",\"missed\":" + std::to_string(r.missed);
  j += ",\"oracle_candidates\":" + std::to_string(r.oracle_candidates);
  j += ",\"oracle_reportable\":" + std::to_string(r.oracle_exact);
  j += ",\"contract_violations\":" + std::to_string(r.contract_violations);
  j += ",\"halted_used\":" + std::to_string(r.halted_used);
  j += ",\"stale_used\":" + std::to_string(r.stale_used);
  char recall[32];
  std::snprintf(recall, sizeof recall, "%.6f", r.recall());
  j += ",\"recall\":" + std::string(recall);
  j += ",\"episodes\":" + std::to_string(r.episodes);
  j += ",\"episodes_eligible\":" + std::to_string(r.episodes_eligible);
  j += ",\"episodes_caught\":" + std::to_string(r.episodes_caught);
  j += ",\"reconnects\":" + std::to_string(r.reconnects);
  j += ",\"reseeded\":" + std::to_string(r.reseeded);
  if (o.network) {
    j += ",\"reseed_stale_applied\":" + std::to_string(r.reseed_stale_applied);
    j += ",\"first_stale_reseed\":\"" + json_escape(r.first_stale_reseed) + "\"";
  } else {
    j += ",\"reseed_requests\":" + std::to_string(r.reseed_requests);
    j += ",\"reseed_superseded\":" + std::to_string(r.reseed_superseded);
    j += ",\"reseed_stale\":" + std::to_string(r.reseed_stale);
    j += ",\"reseed_stale_applied\":" + std::to_string(r.reseed_stale_applied);
    j += ",\"connect_failures\":" + std::to_string(r.connect_failures);
    j += ",\"fatal_errors\":\"" + json_escape(r.fatal_errors) + "\"";
  }
  j += ",\"faults\":{";
  for (std::size_t k = 0; k < r.faults.size(); ++k) {
    j += (k ? "," : "") + std::string("\"") + std::string(to_string(static_cast<fault_kind>(k))) +
         "\":" + std::to_string(r.faults[k]);
  }
  j += "},\"revalidate\":{";
  bool first = true;
  for (std::size_t k = 0; k < r.revalidate.size(); ++k) {
    if (r.revalidate[k].count == 0) continue;
    j += (first ? "" : ",") + std::string("\"") +
         std::string(to_string(static_cast<fault_kind>(k))) + "\":" + lat(r.revalidate[k]);
    first = false;
  }
  j += "},\"revalidate_all\":" + lat(r.revalidate_all);
  if (!o.network) {
    j += ",\"mutant_no_validity\":" + std::string(o.mutant_no_validity ? "true" : "false");
    j += ",\"guard_off\":" + std::string(o.guard_off ? "true" : "false");
    const guard_config& g = r.guard;
    j += ",\"guard\":{\"repeat_reports\":" + std::to_string(g.repeat_reports) +
         ",\"repeat_window_ns\":" + std::to_string(g.repeat_window_ns) +
         ",\"rate_window_ns\":" + std::to_string(g.rate_window_ns) +
         ",\"rate_factor\":" + std::to_string(g.rate_factor) +
         ",\"rate_floor\":" + std::to_string(g.rate_floor) +
         ",\"rate_warmup_windows\":" + std::to_string(g.rate_warmup_windows) +
         ",\"feed_invalid_max_permille\":" + std::to_string(g.feed_invalid_max_permille) +
         ",\"health_tick_ns\":" + std::to_string(kGuardHealthTickNs) + "}";
    j += ",\"actionable\":" + std::to_string(r.actionable);
    j += ",\"phantom_actionable\":" + std::to_string(r.phantom_actionable);
    j += ",\"suppressed\":{";
    for (std::size_t k = 1; k < r.suppressed.size(); ++k) {
      j += (k > 1 ? "," : "") + std::string("\"") +
           std::string(to_string(static_cast<suppress_reason>(k))) +
           "\":" + std::to_string(r.suppressed[k]);
    }
    j += "},\"guard_halts\":" + std::to_string(r.guard_halts);
    j += ",\"guard_quarantines\":" + std::to_string(r.guard_quarantines);
    j += ",\"feed_reducing\":" + std::to_string(r.feed_reducing);
    j += ",\"feed_resumed\":" + std::to_string(r.feed_resumed);
    j += ",\"first_guard_action_ns\":" + std::to_string(r.first_guard_action_ns);
    j += ",\"actionable_before_first_action\":" + std::to_string(r.actionable_before_first_action);
    j += ",\"first_guard_action\":\"" + json_escape(r.first_guard_action) + "\"";
    j += ",\"guard_check\":" + std::string(r.guard_check ? "true" : "false");
    j += ",\"frozen_reports\":" + std::to_string(r.frozen_reports);
    j += ",\"frozen_actionable\":" + std::to_string(r.frozen_actionable);
    j += ",\"frozen_runs\":" + std::to_string(r.frozen_runs);
    j += ",\"frozen_run_actionable_max\":" + std::to_string(r.frozen_run_actionable_max);
    j += ",\"frozen_actionable_before_first_action\":" +
         std::to_string(r.frozen_actionable_before_first_action);
    j += ",\"guard_bound\":" + std::to_string(r.guard_bound);
    j += ",\"phantom_actionable_unfrozen\":" + std::to_string(r.phantom_actionable_unfrozen);
    j += ",\"repeat_run_max\":" + std::to_string(r.repeat_run_max);
    j += ",\"repeat_run_longest\":" + std::to_string(r.repeat_run_longest);
    j += ",\"rate_windows\":[";
    for (std::size_t k = 0; k < r.rate_windows.size(); ++k) {
      j += (k ? "," : "") + std::to_string(r.rate_windows[k]);
    }
    j += "]";
  }
  if (r.exec.on) {
    const execution_report& x = r.exec;
    auto dec = [](fixed8 v) { return "\"" + to_string(v) + "\""; };
    j += ",\"execution\":{\"cycles_attempted\":" + std::to_string(x.cycles_attempted);
    j += ",\"cycles_done\":" + std::to_string(x.cycles_done);
    j += ",\"cycles_residual\":" + std::to_string(x.cycles_residual);
    j += ",\"cycles_missed\":" + std::to_string(x.cycles_missed);
    j += ",\"cycles_leg1_rejected\":" + std::to_string(x.cycles_leg1_rejected);
    j += ",\"cycles_open\":" + std::to_string(x.cycles_open);
    j += ",\"refused_gate\":" + std::to_string(x.refused_gate);
    j += ",\"refused_balance\":" + std::to_string(x.refused_balance);
    j += ",\"refused_plan\":" + std::to_string(x.refused_plan);
    j += ",\"refused_not_active\":" + std::to_string(x.refused_not_active);
    j += ",\"refused_paused\":" + std::to_string(x.refused_paused);
    j += ",\"expected_pnl\":" + dec(x.expected_pnl);
    j += ",\"realised_pnl\":" + dec(x.realised_pnl);
    j += ",\"ideal_pnl\":" + dec(x.ideal_pnl);
    j += ",\"residual_value\":" + dec(x.residual_value);
    j += ",\"residual_unvalued\":" + std::to_string(x.residual_unvalued);
    j += ",\"ideal_ok\":" + std::to_string(x.ideal_ok);
    j += ",\"ideal_failed\":" + std::to_string(x.ideal_failed);
    j += ",\"residual_by_asset\":{";
    for (std::size_t k = 0; k < x.residual_by_asset.size(); ++k) {
      j += (k ? "," : "") + std::string("\"") + json_escape(x.residual_by_asset[k].first) +
           "\":" + dec(x.residual_by_asset[k].second);
    }
    j += "},\"orders\":" + std::to_string(x.orders);
    j += ",\"fills\":" + std::to_string(x.fills);
    j += ",\"rejects\":" + std::to_string(x.rejects);
    j += ",\"orders_unanswered\":" + std::to_string(x.orders_unanswered);
    j += ",\"orders_answered_twice\":" + std::to_string(x.orders_answered_twice);
    j += ",\"orders_not_active\":" + std::to_string(x.orders_not_active);
    j += ",\"faults\":{";
    for (std::size_t k = 1; k < x.faults.size(); ++k) {
      j += (k > 1 ? "," : "") + std::string("\"") +
           std::string(sim::to_string(static_cast<sim::order_fault>(k))) +
           "\":" + std::to_string(x.faults[k]);
    }
    j += "},\"paused\":" + std::to_string(x.paused);
    j += ",\"timeouts\":" + std::to_string(x.timeouts);
    j += ",\"late_answers\":" + std::to_string(x.late_answers);
    j += ",\"order_queries\":" + std::to_string(x.order_queries);
    j += ",\"reconciled\":" + std::to_string(x.reconciled);
    j += ",\"reconciled_from_account\":" + std::to_string(x.reconciled_from_account);
    j += ",\"account_checks\":" + std::to_string(x.account_checks);
    j += ",\"account_pending\":" + std::to_string(x.account_pending);
    j += ",\"account_mismatches\":" + std::to_string(x.account_mismatches);
    j += ",\"ledger_refused\":" + std::to_string(x.ledger_refused);
    j += ",\"ledger_deferred\":" + std::to_string(x.ledger_deferred);
    j += ",\"exchange_orders\":" + std::to_string(x.exchange_orders);
    j += ",\"ledger_equal\":" + std::string(x.ledger_equal ? "true" : "false");
    j += ",\"ledger_diff\":\"" + json_escape(x.ledger_diff) + "\"";
    j += ",\"audit_ok\":" + std::string(x.audit_ok ? "true" : "false");
    j += ",\"audit\":\"" + json_escape(x.audit) + "\"}";
  }
  j += ",\"first_phantom\":\"" + json_escape(r.first_phantom) + "\"";
  j += ",\"first_missed\":\"" + json_escape(r.first_missed) + "\"";
  j += ",\"why\":\"" + json_escape(r.why) + "\"";
  j += ",\"reproduce\":\"" + json_escape(reproduce_command(o)) + "\"";
  j += ",\"telemetry\":" + r.telemetry_json;
  j += "}\n";
  return j;
}

}  // namespace triarb
