// executor: the live bot's driver of core/execution_engine.h (docs/design.md,
// section 12, "In the live bot"). One owner thread (the journal writer's)
// calls everything but summary(); the engine's logic is never copied here:
// this class only moves its inputs in and its outputs out.
//
//   executor ex(cfg, u, idx, guard_state, hooks, tls, now);    // throws (start-up only)
//   // the writer appended the opportunity record: last_hash() is its hash
//   ex.on_decision(op, writer.last_hash(), verdict, now);
//   ex.on_trading_state(event.to, now, event.triangle);         // each guard event, in order
//   ex.poll(now);                                               // answers due, results, checks
//   wait until min(own deadline, ex.next_due())
//
// After every engine call the records are written at once through
// hooks.write, then (only if every write succeeded) the orders go to the
// transport: an order not in the journal is never sent. If a write fails the
// orders drained with it are not sent: each is answered to the engine as
// rejected (code kNotSentCode, "not sent: the journal did not take its order
// record") so its cycle closes, counted unsent_journal; the journal failure
// itself halts trading (the bot's journal trigger). Halt events the engine
// asks for (a ledger refusal, an account mismatch) go to hooks.halt, which
// the bot makes trading_guard::halt(by "reconcile"), journaled as a state
// record; its event comes back here through on_trading_state.
//
// Transports:
//   paper  core/execution_engine.h's paper_transport: each order answered at
//          send + latency (constant + seeded jitter) by paper_fill against
//          the bot's own book read when poll() finds it due (the seqlocked
//          book, read from this thread). next_due() is the earliest arrival.
//   sim    a sender thread with net/order_client.h (loopback https only:
//          the client refuses any other URL) posting each order to
//          cfg.rest_url; each reply comes back through an inbox that poll()
//          drains (hooks.wake wakes the owner). accepted -> on_result;
//          rejected, paused (429/418) or not sent -> on_result as rejected
//          with the exchange's code (or kNotSentCode); unknown (the request
//          timed out after order_timeout_ms, or its answer was lost) ->
//          on_timeout, then queried once (GET /api/v3/order) at its send
//          time + recv_window_ms: found -> on_reconciled; not found or no
//          answer -> resolved by the account. Every reconcile_interval_ms
//          the sender GETs /api/v3/account -> on_account. The starting
//          balances are the exchange's account, read once at start-up.
//
// Thread safety: summary() from any thread; everything else from the owner.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.h"
#include "config/execution_plan.h"
#include "core/execution_engine.h"
#include "core/journal.h"
#include "core/triangle_index.h"
#include "core/universe.h"
#include "net/tls_client.h"

namespace triarb {

class sim_sender;  // runtime/sim_sender.h

// An order the transport could not place and no exchange code says why.

// The executor's own failure paths (the engine's are exec_counter).
enum class executor_counter : std::uint8_t {
  unsent_journal,       // orders not sent: a record drained with them was not journaled
  records_written,      // execution records journaled
  records_failed,       // execution records whose append failed
  halts_requested,      // engine events handed to the guard (by "reconcile")
  sim_rejected,         // sim: the exchange's error shape (-2010, -1013, ...)
  sim_paused,           // sim: 429/418 or inside an earlier pause: not placed
  sim_not_sent,         // sim: failed before sending (connect, TLS)
  sim_unknown,          // sim: timed out or answer lost: reconciled from the account
  sim_id_mismatch,      // sim: a 200 for another client order id: treated as unknown
  sim_query_found,      // sim: an unknown order queried (GET /api/v3/order): on_reconciled
  sim_query_not_found,  // sim: queried, -2013: left to the account check
  sim_query_failed,     // sim: queried, no final answer: left to the account check
  account_failures,     // sim: GET /api/v3/account failed
  // At shutdown, orders finish() left without a known answer (still in
  // flight, or unknown and not resolved by the last account check): each
  // has an order record and no answer in the journal.
  unanswered_at_exit,
  kCount,
};
[[nodiscard]] std::string_view to_string(executor_counter c) noexcept;  // "sim_paused"

// Per leg position (legs[0] is leg 1) over the closed cycles (the engine's
// cycle_outcome, take_closed()): the slippage of each leg that filled, in
// 10^-2 bps of its planned notional (the outcome's exact slippage_e16 over
// planned price x executed, rounded up: the figure `journal show --orders`
// prints), and the send -> answer time of each answered leg (its sent_ns to
// answered_ns). count, sum, worst and max are over every sample; a median
// is the lower middle of the last kLegSampleWindow samples (bounded memory).
inline constexpr std::size_t kLegSampleWindow = 4096;
// A leg's slippage in 10^-2 bps of its planned notional, rounded up; none if
// it filled nothing, has no planned price, or the figure is beyond int64.
[[nodiscard]] std::optional<std::int64_t> slippage_bps_e2(const leg_outcome& l) noexcept;
struct leg_execution_stats {
  std::uint64_t filled = 0;       // slippage samples: legs that filled
  std::uint64_t slip_beyond = 0;  // legs that filled whose bps is beyond int64: not sampled
  std::int64_t slip_sum_e2 = 0;   // saturating
  std::int64_t slip_median_e2 = 0, slip_worst_e2 = 0;  // 0 when none filled
  std::uint64_t answered = 0;                          // latency samples
  std::int64_t ack_median_ns = 0, ack_max_ns = 0;      // 0 when none answered
};

// A copy of everything the report shows (summary(): any thread).
struct execution_summary {
  execution_mode mode = execution_mode::off;
  std::array<std::uint64_t, static_cast<std::size_t>(exec_counter::kCount)> engine{};
  std::array<std::uint64_t, static_cast<std::size_t>(executor_counter::kCount)> own{};
  // By start asset: the closed cycles' expected and realised profit (exact).
  std::map<std::string, fixed8> expected_pnl, realised_pnl;
  std::map<std::string, fixed8> residual;  // the risk gate's inventory, by asset
  std::map<std::string, fixed8> balances;  // the ledger, by asset (non-zero)
  std::size_t in_flight = 0, unknown = 0, open_cycles = 0;
  bool self_halted = false;
  // Decision -> answer of every answered leg (sent -> answered), ns.
  std::uint64_t acks = 0;
  std::int64_t ack_sum_ns = 0, ack_max_ns = 0;
  std::array<leg_execution_stats, 3> legs{};
  [[nodiscard]] std::uint64_t count(exec_counter c) const noexcept {
    return engine[static_cast<std::size_t>(c)];
  }
  [[nodiscard]] std::uint64_t count(executor_counter c) const noexcept {
    return own[static_cast<std::size_t>(c)];
  }
  // done / cycles started (0 when none started).
  [[nodiscard]] double capture_rate() const noexcept;
  // missed: leg 1 filled nothing, expired (cycles_missed) or rejected (cycles_rejected).
  // "execution: paper cycles 12 (done 9, residual 2, missed 1 of which leg 1 rejected 0)
  //  capture 75.0% orders 31
  //  rejects 1 timeouts 0 realised USDT 0.08 (expected 0.12) residual ETH 0.001"
  //  refused 0 slip bps med/worst 0.00/1.25 0.00/0.00 -/- ack ms med/max
  //  0.800/0.812 0.800/0.800 -/-" (legs 1 2 3; "-/-": no sample; ms floored to us)
  [[nodiscard]] std::string line() const;
};

struct executor_hooks {
  // Appends one execution record (owner thread).
  std::function<journal_errc(const execution_record&, std::int64_t now_ns)> write;
  // A halt the engine asks for (owner thread; the bot takes the guard's mutex).
  std::function<void(const execution_event&)> halt;
  // The bot's book now (seqlock reads).
  std::function<book_snapshot(symbol_id)> read_book;
  // Wakes the owner thread (sim: a reply arrived; from the sender thread).
  std::function<void()> wake;
};

class executor {
 public:
  // cfg.execution.mode must not be off. Throws config_error (the plan's
  // mapping, an engine's refusal of its configuration), api_key_error (sim:
  // the keys), order_client_error (sim: not loopback) or std::runtime_error
  // (sim: the starting account could not be read).
  // initial and quarantined: the guard's state at start-up (restored from
  // the journal: core/trading_state_replay.h), each quarantined triangle
  // handed to the engine so its next legs stay held until a resume.
  executor(const bot_config& cfg, const universe& u, const triangle_index& idx,
           trading_state initial, executor_hooks hooks, tls_context* tls, std::int64_t now_ns,
           std::span<const triangle_id> quarantined = {});
  ~executor();
  executor(const executor&) = delete;
  executor& operator=(const executor&) = delete;

  // A guard event: its `to` and its `triangle` (a quarantine; kNoTriangle otherwise).
  void on_trading_state(trading_state s, std::int64_t now_ns,
                        triangle_id quarantined = kNoTriangle);
  void on_decision(const opportunity& op, std::string_view decision_hash, suppress_reason verdict,
                   std::int64_t now_ns);
  void poll(std::int64_t now_ns);
  // The earliest time poll() has something to do (paper: the next arrival).
  [[nodiscard]] std::optional<std::int64_t> next_due() const;
  // At shutdown (owner thread), bounded: paper answers every order still
  // travelling at its arrival time (legs 2 and 3 they cause too); sim waits
  // until no answer is travelling and every unknown order's query (at its
  // send time + recv_window_ms, or a pause's end) is answered, the legs
  // those answers send included (a query that finds leg 1 sends leg 2), up
  // to 3 legs' worth: a leg's order and its query each take at most 2 x
  // order_timeout_ms (connect, then answer), so 3 x (4 x order_timeout_ms +
  // recv_window_ms) + 1 s; then for one account check (resolving what is
  // still unknown), up to order_timeout_ms + 1 s; then stops the sender.
  // What is still in flight then is counted unanswered_at_exit.
  void finish(const std::function<std::int64_t()>& now);
  // Sim: stops the sender (a request in progress ends at once); idempotent.
  void stop();

  [[nodiscard]] execution_summary summary() const;
  [[nodiscard]] const execution_engine& engine() const noexcept { return *engine_; }

 private:
  void drain(std::int64_t now_ns);
  void publish();
  // Sim, at shutdown: nothing travelling, every lost answer's query answered.
  [[nodiscard]] bool settled() const;
  void count(executor_counter c) noexcept { ++own_[static_cast<std::size_t>(c)]; }

  const universe& u_;
  execution_mode mode_;
  std::int64_t order_timeout_ns_ = 0;
  std::int64_t recv_window_ns_ = 0;
  executor_hooks hooks_;
  std::unique_ptr<execution_engine> engine_;
  std::unique_ptr<paper_transport> paper_;
  std::unique_ptr<sim_sender> sim_;
  std::array<std::uint64_t, static_cast<std::size_t>(executor_counter::kCount)> own_{};
  std::map<asset_id, fixed8> expected_, realised_;
  std::uint64_t accounts_seen_ = 0;
  std::uint64_t acks_ = 0;
  std::int64_t ack_sum_ns_ = 0, ack_max_ns_ = 0;
  std::array<leg_execution_stats, 3> legs_{};
  // The last kLegSampleWindow samples per leg position (ring buffers), for the medians.
  std::array<std::vector<std::int64_t>, 3> slip_window_, ack_window_;
  std::array<std::size_t, 3> slip_next_{}, ack_next_{};
  mutable std::mutex summary_mu_;
  execution_summary summary_;
};

}  // namespace triarb
