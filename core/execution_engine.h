// execution_engine: the runtime's execution logic as one pure component
// (docs/design.md, "The execution engine"). No threads, no clock, no I/O:
// every input carries its time (ns, the caller's clock) and everything the
// engine wants done comes back as values the caller drains: orders to send,
// journal records to write, events that must halt trading. The live bot,
// the deterministic campaign and the properties drive this same class, so
// they test the production logic, never a model of it.
//
//   execution_engine eng(u, idx, cfg, valuation, start_balances);  // throws std::invalid_argument
//   // the caller journaled the opportunity; hash = journal_writer::last_hash()
//   eng.on_decision(op, hash, verdict, now);
//   for (const execution_record& r : eng.take_records()) write(r);  // FIRST: records
//   for (const outgoing_order& o : eng.take_orders()) send(o);      // THEN: orders
//   for (const execution_event& e : eng.take_events()) guard.halt(e.time_ns, "reconcile", e.detail,
//   ev);
//   ... eng.on_result(id, result, now); eng.on_timeout(id, now); eng.on_account(balances, now);
//
// It composes core/cycle.h (one cycle's state machine: leg 1, then leg 2
// sized from leg 1's fills, then leg 3 sized from leg 2's), core/risk_gate.h (which cycles may
// start), core/ledger.h (the exact balances: every answer is applied to it)
// and core/journal_record.h's execution records.
//
// Inputs (each with its time):
//   on_trading_state(s, now[, quarantined])  the trading guard's state
//       (core/trading_guard.h) after every event, in the guard's order: s
//       is the event's `to`, quarantined its `triangle` (kNoTriangle but
//       for a repeat quarantine). An order goes out only while the last
//       state given is active and its triangle is not quarantined. A
//       triangle given is quarantined until an operator's resume (active
//       given with no triangle: the only such event is resume(), which
//       releases every quarantine).
//   on_transport_paused(until)  the transport sends nothing before until
//       (ns, the engine's clock): a 429/418's Retry-After (net/order_api.h's
//       stop-sending-until). Pauses only extend (the later until holds).
//       While now < until no cycle starts (refused_paused, below): its leg 1
//       could not be sent. Legs 2 and 3 of open cycles still go out (the
//       transport answers them itself, as not sent).
//   on_decision(op, decision_hash, verdict, now)  an opportunity the caller
//       has journaled (decision_hash: that opportunity record's hash, 64
//       lower-case hex; so a decision is in the chain before any order it
//       causes), with the guard's verdict on it. The checks, in this order,
//       each refusal counted under its own name and nothing sent:
//         refused_suppressed   verdict is not none (no record: the
//                              opportunity record's `suppressed` says why)
//         refused_bad_decision decision_hash is not 64 lower-case hex, or
//                              op.triangle is not in the index (no record:
//                              it cannot cite its decision)
//         refused_not_active   the last state given is not active, the
//                              triangle is quarantined, or the engine
//                              halted itself (below)
//         refused_paused       now is before the transport's pause ends
//                              (on_transport_paused): leg 1 could not go out
//         refused_plan         cycle::plan failed (leg 1 fails its filters, ...)
//         refused_balance      the ledger's start-asset balance, less what
//                              open cycles' unanswered first legs may still
//                              spend, is below the plan's notional
//         refused_gate         the risk gate did not admit it; also counted
//                              per verdict in gate().verdicts()
//       A refusal writes no record (nothing was sent; the opportunity record
//       is the decision, the counters say why it went no further);
//       last_refusal() describes the last plan, balance or gate refusal.
//       Admitted: the cycle takes the next number (1, 2, ...: started cycles
//       only), and leg 1's order record and the order to send come out, at now.
//   on_result(client_order_id, result, now[, http_status])  what became of
//       an order. Applied to the ledger (core/ledger.h's apply: all or
//       nothing). A refusal (an overdraft included: each leg is sent only
//       after the answer of the leg it spends from, so no answer waits for
//       another) is ledger_refused and a halt event (the ledger no longer
//       knows the balances). Then journaled (a fill record, or a reject
//       record for status rejected: a rejected answer's fills are neither
//       journaled nor counted by the cycle; one that claims fills is
//       counted rejected_with_fills), then given to the cycle, with the
//       verdict of the last state given and the triangle's quarantine: the
//       next leg goes out only while active and not quarantined (otherwise
//       the cycle ends residual not_active, holding what it holds). An id
//       the engine never sent, or whose cycle has closed:
//       results_unknown_id; one already answered in an open cycle:
//       results_duplicate; nothing else happens for either.
//   on_timeout(client_order_id, now)  the answer never came: the leg is
//       unknown (the cycle waits) until on_reconciled or on_account resolves
//       it, or a late on_result arrives (counted results_late, applied as a
//       reconciliation). Nothing is journaled at the timeout: an order has
//       exactly one answer in the journal, written when it is known.
//   on_reconciled(client_order_id, result, now)  the caller learned what
//       became of an unknown order (the exchange's order query, the
//       simulated exchange's record): as on_result, counted reconciled.
//   on_account(balances, now)  the exchange's account: the ledger is
//       reconciled against it. An asset touched by an order still in flight
//       may differ (the exchange may have executed it): it is counted
//       account_pending (once per check), not a mismatch; an unknown order
//       excuses its assets so only until its send time + recv_window_ms +
//       unknown_grace_ms (config): after that a difference on them is a
//       mismatch (the detail names the order), never pending forever. The
//       caller is expected to query an unknown order (the exchange's order
//       query) and call on_reconciled before then. An unknown order whose
//       two assets both agree, with no other unanswered order on them, did
//       nothing once the exchange can no longer execute it (now >= its
//       send time + recv_window_ms; after that the exchange refuses it,
//       -1021): it is reconciled as EXPIRED with no fills (reconciled,
//       reconciled_from_account); a younger one stays unknown. An order
//       executed after a check that called it nothing shows at the next
//       check as a mismatch: a halt, never a silent gap. Any other
//       difference is a mismatch (account_mismatches) and a halt event.
//
// Outputs, drained by the caller:
//   take_records()  the journal records, in the order they happened: per
//       leg an order record (time: when it may be sent), then its one
//       answer (fill or reject record, time: when it arrived), then the
//       cycle record when the cycle closes. Each order and cycle record
//       cites its decision's hash. Write them all before sending the orders
//       drained with them: an order that is not in the journal is never
//       sent (if a write fails, send nothing; the journal failure halts).
//   take_orders()   the orders to send, each with the time it may be sent
//       (the input's now).
//   take_events()   halts the engine asks for: a ledger refusal or an
//       account mismatch. The engine halts itself at once (refusing new
//       decisions and further legs) until a later on_trading_state(active);
//       the caller makes it a layer-four halt with the manual trigger by
//       channel "reconcile": trading_guard::halt(e.time_ns, "reconcile",
//       e.detail, out), journaled as a state record like any halt, and only
//       an operator's resume ends it. (Not the journal trigger: that one
//       means a decision could not be recorded, and the state replay
//       accepts it only by "guard".)
//
// A closed cycle's record (cycle_record) is its cycle_outcome with names:
// done, residual or missed as its state; the reason its cycle_reason's name
// ("short_fill", "leg1_rejected"; with ": leg N" for a leg's reason and the
// filter for filters), empty when done; expected and realised profit and the
// non-zero residuals as the cycle computed them.
//
// Thread safety: none; one owner calls everything.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/book_snapshot.h"
#include "core/cycle.h"
#include "core/evaluator.h"
#include "core/fill_model.h"
#include "core/journal_record.h"
#include "core/ledger.h"
#include "core/order.h"
#include "core/risk_gate.h"
#include "core/trading_guard.h"
#include "core/triangle_index.h"
#include "core/universe.h"

namespace triarb {

struct execution_config {
  cycle_config cycle;  // fee rate (also the ledger's), legs 2 and 3's caps, client id prefix
  risk_config risk;
  // The recvWindow the orders are sent with (1..60000 ms, the exchange's
  // maximum): an order the exchange has not seen by its send time + this
  // is refused (-1021), never executed.
  std::int64_t recv_window_ms = 5000;
  // An unknown order older than its send time + recv_window_ms + this
  // (0..600000 ms) no longer excuses a difference on its assets (below).
  std::int64_t unknown_grace_ms = 5000;
};

// The records the engine makes (a subset of record_body).
using execution_record = std::variant<order_record, fill_record, reject_record, cycle_record>;
[[nodiscard]] record_body to_record_body(const execution_record& r);

struct outgoing_order {
  order_request order;
  std::int64_t send_ns = 0;  // not before this time
  std::uint64_t cycle = 0;
  std::uint8_t leg = 1;  // 1..3
};

enum class execution_event_kind : std::uint8_t { ledger_refused, account_mismatch };
[[nodiscard]] std::string_view to_string(execution_event_kind k) noexcept;

// A fault that must halt trading (see the header: manual trigger, by "reconcile").
struct execution_event {
  std::int64_t time_ns = 0;
  execution_event_kind kind = execution_event_kind::account_mismatch;
  // "account mismatch: USDT ours 1000 theirs 999.5; ..." or
  // "ledger refused tb-3-2: overdraft"
  std::string detail;
};

enum class exec_counter : std::uint8_t {
  decisions,
  refused_suppressed,
  refused_bad_decision,
  refused_not_active,
  refused_paused,  // the transport is paused (a 429/418's Retry-After): leg 1 could not go out
  refused_plan,
  refused_balance,
  refused_gate,
  cycles_started,
  orders_sent,
  legs_held_not_active,  // a cycle ended residual: its next leg could not go out (state,
                         // quarantine)
  results,
  results_unknown_id,
  results_duplicate,
  results_late,
  fills,
  rejects,
  timeouts,
  timeouts_ignored,  // a timeout for an order not in flight
  reconciled,
  reconciled_from_account,
  ledger_refused,
  ledger_deferred,  // always 0: legs are sequential, no answer waits for another (the
                    // campaign's report still names it)
  account_checks,
  account_pending,
  account_mismatches,
  cycles_done,
  cycles_residual,
  cycles_missed,
  cycles_rejected,
  rejected_with_fills,  // a rejected answer that claims fills: inconsistent, its fills ignored
  kCount,
};
// The enumerator's name ("refused_gate"), for a metric.
[[nodiscard]] std::string_view to_string(exec_counter c) noexcept;

// Every way on_decision refuses a decision, in the order it checks them:
// each decision is counted once, in `decisions`, and then either in one of
// these or in cycles_started (decisions == cycles_started + their sum).
// The first two are the guard's verdict and a decision that cannot be
// cited; the rest (kRefusalsAfterVerdict) refuse a decision the guard let
// through: the "refused" of the execution line and of replay's summary.
inline constexpr std::array<exec_counter, 7> kDecisionRefusals = {
    exec_counter::refused_suppressed, exec_counter::refused_bad_decision,
    exec_counter::refused_not_active, exec_counter::refused_paused,
    exec_counter::refused_plan,       exec_counter::refused_balance,
    exec_counter::refused_gate};
inline constexpr std::span<const exec_counter> kRefusalsAfterVerdict =
    std::span<const exec_counter>(kDecisionRefusals).subspan(2);

// The residual valuation the live bot and replay give the engine's risk
// gate: `amount` of `asset` in the reference asset at the book `read` gives
// now, through the direct pair: its bid (asset/ref) or 1/ask (ref/asset),
// rounded down; nullopt when there is no direct pair, the leg is invalid,
// the side empty or the value overflows. u must outlive the valuation.
[[nodiscard]] residual_valuation book_valuation(const universe& u, asset_id ref,
                                                std::function<book_snapshot(symbol_id)> read);

class execution_engine {
 public:
  // u and idx must outlive the engine. Throws std::invalid_argument (start-up
  // only) with validate()'s message for cfg.cycle or cfg.risk, an empty
  // valuation, or the ledger's message for bad starting balances.
  execution_engine(const universe& u, const triangle_index& idx, execution_config cfg,
                   residual_valuation valuation, std::span<const asset_balance> start = {});

  void on_trading_state(trading_state s, std::int64_t now_ns,
                        triangle_id quarantined = kNoTriangle);
  void on_transport_paused(std::int64_t until_ns) noexcept;
  void on_decision(const opportunity& op, std::string_view decision_hash, suppress_reason verdict,
                   std::int64_t now_ns);
  void on_result(std::string_view client_order_id, const order_result& r, std::int64_t now_ns,
                 std::int32_t http_status = 0);
  void on_timeout(std::string_view client_order_id, std::int64_t now_ns);
  void on_reconciled(std::string_view client_order_id, const order_result& r, std::int64_t now_ns);
  void on_account(std::span<const asset_balance> account, std::int64_t now_ns);

  [[nodiscard]] std::vector<execution_record> take_records();
  [[nodiscard]] std::vector<outgoing_order> take_orders();
  [[nodiscard]] std::vector<execution_event> take_events();

  [[nodiscard]] const ledger& balances() const noexcept { return ledger_; }
  [[nodiscard]] const risk_gate& gate() const noexcept { return gate_; }
  [[nodiscard]] std::uint64_t counter(exec_counter c) const noexcept {
    return counters_[static_cast<std::size_t>(c)];
  }
  // Orders sent and not answered (unknown ones included), and of those unknown.
  [[nodiscard]] std::size_t in_flight() const noexcept { return in_flight_.size(); }
  [[nodiscard]] std::size_t unknown() const noexcept;
  [[nodiscard]] std::size_t open_cycles() const noexcept { return cycles_.size(); }
  // The last state given, and whether the engine halted itself since.
  [[nodiscard]] trading_state state() const noexcept { return state_; }
  [[nodiscard]] bool self_halted() const noexcept { return self_halted_; }
  // The outcomes of the cycles closed since the last call, in closing order
  // (the report's input; drained so a long run holds none).
  [[nodiscard]] std::vector<cycle_outcome> take_closed();
  // Why the last plan, balance or gate refusal refused ("risk_gate: order_rate").
  [[nodiscard]] const std::string& last_refusal() const noexcept { return last_refusal_; }

 private:
  struct open_cycle {
    cycle c;
    std::string decision;
    bool leg1_answered = false;
  };
  struct flight {
    std::uint64_t cycle = 0;
    std::size_t leg = 0;  // 0..2
    order_request order;
    std::int64_t sent_ns = 0;  // when it was handed out (its send_ns)
    bool unknown = false;
  };

  void count(exec_counter c) noexcept { ++counters_[static_cast<std::size_t>(c)]; }
  [[nodiscard]] suppress_reason verdict_now() const noexcept;
  void emit(open_cycle& oc, std::size_t leg, const order_request& o, std::int64_t now_ns);
  void answer(std::string_view client_order_id, const order_result& r, std::int64_t now_ns,
              std::int32_t http_status, bool reconciliation);
  void close_if_done(std::uint64_t id, std::int64_t now_ns);
  void halt(execution_event_kind k, std::string detail, std::int64_t now_ns);

  const universe& u_;
  const triangle_index& idx_;
  execution_config cfg_;
  ledger ledger_;
  risk_gate gate_;
  trading_state state_ = trading_state::active;
  bool self_halted_ = false;
  std::int64_t paused_until_ns_ = 0;  // the transport sends nothing before this
  std::uint64_t next_cycle_ = 1;
  std::map<std::uint64_t, open_cycle> cycles_;
  std::unordered_map<std::string, flight> in_flight_;
  std::set<triangle_id> quarantined_;  // by the guard, until an operator's resume
  std::unordered_map<std::string, std::uint64_t> answered_;  // client id -> cycle
  std::vector<fixed8> committed_;  // per asset: unanswered legs 1 may still spend
  std::vector<cycle_outcome> closed_;
  std::string last_refusal_;
  std::vector<execution_record> records_;
  std::vector<outgoing_order> orders_;
  std::vector<execution_event> events_;
  std::array<std::uint64_t, static_cast<std::size_t>(exec_counter::kCount)> counters_{};
};

// ---------------------------------------------------------------------------
// Paper transport: paper mode's "exchange", also pure.
// ---------------------------------------------------------------------------
//
// An order handed over at send_ns arrives at send_ns + latency.next_ns() and
// is answered then, by core/fill_model.h's paper_fill against the bot's own
// book read at the arrival time (read_book(symbol, arrival_ns): the caller's
// book; the campaign reads its book at that time, the live bot its current
// book when it polls). Before the fill, as the exchange does it (and the
// simulated one: sim/matching.h), filters first (paper_fill's -1013), then
// the balance at arrival: a buy needs price x quantity rounded up of the
// quote asset, a sell quantity of the base, in the ledger given to pop_due
// (the engine's: in paper mode it is the account) -> rejected, -2010
// "Account has insufficient balance for requested action.". Orders arrive
// in (arrival time, hand-over order).
//
//   paper_transport pt(u, fee, latency, read_book);
//   for (const outgoing_order& o : eng.take_orders()) pt.submit(o);
//   while (auto d = pt.pop_due(now, eng.balances())) eng.on_result(d->client_order_id, d->result,
//   d->at_ns);
using book_reader = std::function<book_snapshot(symbol_id, std::int64_t at_ns)>;

struct paper_delivery {
  std::string client_order_id;
  order_result result;
  std::int64_t at_ns = 0;  // the arrival time: when the answer is known
  paper_outcome outcome = paper_outcome::filled;
  bool insufficient_balance = false;  // rejected -2010 before paper_fill
};

inline constexpr int kInsufficientBalanceCode = -2010;
inline constexpr std::string_view kInsufficientBalanceMsg =
    "Account has insufficient balance for requested action.";

class paper_transport {
 public:
  // u must outlive the transport. Throws std::invalid_argument when read_book is empty.
  paper_transport(const universe& u, fixed8 fee_rate, latency_model latency, book_reader read_book,
                  std::uint64_t first_trade_id = 1);

  // Hands an order over at o.send_ns; returns its arrival time.
  std::int64_t submit(const outgoing_order& o);
  // The earliest arrival waiting, if any.
  [[nodiscard]] std::optional<std::int64_t> next_due() const;
  // The earliest order that arrived at or before now_ns, answered (see
  // above) against `account`; nullopt if none is due.
  [[nodiscard]] std::optional<paper_delivery> pop_due(std::int64_t now_ns, const ledger& account);
  [[nodiscard]] std::size_t pending() const noexcept { return pending_.size(); }
  [[nodiscard]] std::uint64_t outcomes(paper_outcome o) const noexcept {
    return outcomes_[static_cast<std::size_t>(o)];
  }
  [[nodiscard]] std::uint64_t insufficient_balance() const noexcept { return insufficient_; }

 private:
  const universe& u_;
  fixed8 fee_;
  latency_model latency_;
  book_reader read_book_;
  std::uint64_t next_trade_id_;
  std::uint64_t next_seq_ = 0;
  std::map<std::pair<std::int64_t, std::uint64_t>, order_request> pending_;
  std::array<std::uint64_t, static_cast<std::size_t>(paper_outcome::kCount)> outcomes_{};
  std::uint64_t insufficient_ = 0;
};

}  // namespace triarb
