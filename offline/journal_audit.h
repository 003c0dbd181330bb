// journal_audit: `triarb journal audit`. Checks a journal against the frames
// the run really received: it verifies the chain, replays the recorded frames
// through the same pipeline (core/pipeline.h), and for every opportunity
// record checks
//  1. the leg quotes: each leg's symbol and side are the triangle's, and its
//     price, book quantity, update id, age, validity and qty_capped are what
//     the book held at the record's time_ns, right after the frame received
//     at that time (the evaluator decides after applying each frame; when
//     several frames share that time, any of them, in order);
//  2. the decision, re-evaluated in exact rational arithmetic
//     (boost::multiprecision::cpp_rational) from the recorded legs and the
//     fees given here: exact ratio = product of the leg rates (sell: bid *
//     (1 - fee), buy: (1 - fee) / ask) must be > 1 + min_profit; the
//     recorded ratio must be <= the exact ratio and within 1e-6 of it, and
//     > 1 + min_profit itself; profit = amount_out - amount_in > 0 and
//     amount_out <= amount_in * exact ratio (rounding against the trade
//     never overstates); fill_qty <= book_qty.
// A record built from a leg the book no longer held (the previous bot's
// frozen LUNC leg) fails check 1 even though its hash chain is perfect.
//
// A leg marked "reseeded" took its quote from a REST re-seed after a
// reconnect. A v2 recording holds every re-seed with the quote and update id
// the book kept (frames_file.h), so the replayed book holds the same leg and
// it is checked like any other (its reseeded flag included). A v1 recording
// holds frames only: there such a leg is re-seeded from REST (not
// replayable): check 1 checks only its symbol, side, validity, age bound and
// fill_qty, not the book; check 2 is unchanged; it is counted in
// reseeded_legs and the OK message says so; a record with such a leg that
// matches no frame's time is checked against the book as it stood at its
// own time (the re-seed came between frames).
//
// Each writer session (a `start` or `restart` genesis) is audited with an
// empty book. The live bot writes a recording's start event with its
// journal genesis's time, so a session replays the recorded process that
// started when it did; sessions with none (a run without recording) are
// counted as unrecorded, processes with none (a run without a journal) as
// unjournaled, neither audited. A recording whose start events match no
// session (v1 has none; a simulation's starts at 0) is one process that
// serves every session from its beginning (a restarted simulation replays
// its seed from the start); several such processes are an error (not this
// journal's recording). Losses, quiet connections and re-seeds replay as
// they happened. Checkpoints and rotation genesis records are chain-checked
// only.
//
// Execution (issue 15; docs/journal-format.md, "Execution records"): in
// the same pass as the trading state, in both audit paths (no frames
// needed), each record is checked against what came before it. Orders,
// answers and cycle numbers are scoped to a writer session (a `start` or
// `restart` genesis begins one); decisions are any earlier opportunity.
//   order   its decision is the hash of an earlier opportunity record, not
//           suppressed; the tracked state is active and the decision's
//           triangle not quarantined; its symbol and side are the
//           decision's leg's; leg 1's price and quantity are the decision's
//           leg 1 price and fill_qty; legs 2 and 3 come after leg 1 was
//           answered with a fill of more than 0; one order per (cycle, leg),
//           a cycle cites one decision, client ids are unique, no order
//           after its cycle's record. The sizes (no exchange info needed):
//           leg 2 spends (a buy: fill_quote(price, quantity); a sell:
//           quantity) at most what leg 1 delivered net of the commissions
//           charged in that asset; leg 3 spends at most what leg 2
//           delivered net.
//           With the exchange info and configuration (run_audit, and
//           audit_states given a universe and a bot_config): every order
//           passes its symbol's check_filters (core/order.h); legs 2 and 3
//           are not beyond their protective caps (core/cycle.h
//           protective_cap of the decision's leg price, the symbol's tick
//           and [execution] max_slippage_bps: a buy's limit at most it, a
//           sell's at least it). audit_states(journal) alone has neither:
//           it checks everything else and says nothing about these.
//           Sequential legs (core/cycle.h sends leg 3 after leg 2's
//           answer, sized from its fill): leg 3's order follows leg 2's
//           answer with a fill (kLeg3AfterLeg2Answer in the .cc), so leg
//           3's bound is what leg 2 actually delivered.
//   answer  (a fill or a reject) follows an order of the session with its
//           client id, at most one per order; a fill's executed_qty is its
//           trades' qty sum and at most the order's quantity (FILLED: equal),
//           cumulative_quote the sum of fill_quote (core/order.h), and no
//           trade is beyond the order's limit (a buy's above, a sell's below).
//           With the configuration: each trade's commission is charged in
//           the asset the order received (a buy's base, a sell's quote) and
//           is fill_commission(received, fee) with the symbol's fee
//           ([strategy] fee, or its fee_overrides entry).
//   cycle   follows every answer of its orders, one per cycle, names their
//           decision; start_asset is the decision's triangle's first asset,
//           expected_profit the decision's profit; realised_profit and the
//           residual are the cycle's ledger: per trade, a buy receives qty
//           of the leg's to-asset and pays fill_quote of its from-asset, a
//           sell pays qty and receives fill_quote, and each commission is
//           paid in its commission_asset (the fills as journaled, exact:
//           core/order.h's arithmetic; core/ledger.h's apply() would also
//           need the fee rate and the universe's ids, which the journal does
//           not carry); done needs leg 1 filled and legs 2 and 3 filled in
//           full, missed needs leg 1 filling nothing and no other leg.
// Orders never answered and cycles never closed are counted (a run that
// ended mid-cycle), not failures. A violation is audit_result::execution
// naming the record.
// Memory: the audit holds every record of the chain (read_located), and the
// execution check also keeps each opportunity's hash with a pointer to it
// (an unordered_map node: a 64-character string on the heap plus the node,
// about 170 bytes), so ~170 MB more per million opportunities on top of the
// records themselves, which cost more. Acceptable: an audit is an offline
// run over one chain, the records are already all in memory, and an order
// may cite any earlier opportunity of the chain (a restart keeps its
// decisions citable), so no window would be exact.
//
// Layer four (core/trading_guard.h): before the replay, the chain's records
// are replayed in chain order through trading_state_tracker
// (core/trading_state_replay.h, which states the rules), the replay the live
// bot restores its state with: only a `start` genesis (a brand-new chain)
// starts active; a `restart` or `rotation` genesis keeps the state and the
// quarantines (a halt survives a restart). Each state record must be a
// transition its trigger can make from the tracked state; every opportunity
// record while the state is not active, or on a quarantined triangle, must
// be "suppressed", with a reason that holds (not necessarily the one the
// guard's precedence picks). Suppressed records are still checked (1) and (2): the
// evaluator decided them; the guard only stopped them. A violation is an
// audit_result::state naming the record. Each genesis's version (the build
// that wrote the session) is listed in geneses.
//
//   audit_options o;
//   o.journal = "j.jsonl";  o.frames = "frames.txt";  o.exchange_info = "x.json";
//   audit_report r = run_audit(o);            // throws std::runtime_error for unreadable inputs
//   std::puts(r.message().c_str());           // "412 records audited OK" or the first bad one
//
// Thread safety: self-contained; one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/fixed8.h"
#include "core/universe.h"

namespace triarb {

struct audit_options {
  std::string journal;        // the chain's first file
  std::string frames;         // recorded frames (kRecordedFramesHeader format)
  std::string exchange_info;  // the exchangeInfo document of the run
  // The run's configuration: start assets, fees, min_profit, max_leg_age and
  // symbols_per_connection (the split the frames' connection ids follow).
  // Fees and budgets reach the audit through to_evaluator_config, the one
  // mapping every mode uses: an override naming a symbol the exchange does
  // not trade is a config_error here as in `run` and `replay`.
  bot_config config;
};

enum class audit_result : std::uint8_t {
  ok,
  chain,      // the hash chain does not verify (detail: verify_report::message())
  leg,        // a leg is not what the book held
  decision,   // the exact re-evaluation disagrees with the recorded decision
  state,      // a state record or a suppression disagrees with the trading state of the chain
  execution,  // an order, its answer or a cycle record breaks a rule of the execution records
};

// A genesis record of the chain: where the build that wrote it says what it is.
struct audit_genesis {
  std::uint64_t seq = 0;
  std::string reason;   // "start", "restart", "rotation"
  std::string version;  // the genesis's version string, as written
};

struct audit_report {
  audit_result result = audit_result::ok;
  std::uint64_t records = 0;               // opportunity records audited OK
  std::uint64_t checkpoints = 0;           // checkpoint records (chain-checked only)
  std::uint64_t state_records = 0;         // state records replayed
  std::uint64_t suppressed = 0;            // opportunity records suppressed, their reason checked
  std::vector<audit_genesis> geneses;      // every genesis read (up to the first bad record)
  bool states_only = false;                // audit_states(): no frames replayed
  std::uint64_t sessions = 0;              // writer sessions replayed
  std::uint64_t frames = 0;                // frames replayed (all sessions)
  std::uint64_t replay_opportunities = 0;  // what the replayed evaluator itself decided
  // v1 recordings: legs (and the records holding them) re-seeded from REST (not replayable):
  // audited OK, decision checked, quote not compared with the replayed book.
  std::uint64_t reseeded_legs = 0;
  std::uint64_t reseeded_records = 0;
  // Sessions the recording does not cover, and their opportunity records:
  // not audited, and the OK message says so. Recorded processes no session
  // began with (the journal was off, or refused to open).
  std::uint64_t unrecorded_sessions = 0;
  std::uint64_t unrecorded_records = 0;
  std::uint64_t unjournaled_processes = 0;
  // Execution records checked (up to the first bad record): orders, their
  // answers, cycle records; orders never answered and cycles without a
  // cycle record (the run ended first) are counted, not failures.
  std::uint64_t orders = 0;
  std::uint64_t fills = 0;
  std::uint64_t rejects = 0;
  std::uint64_t cycles = 0;
  std::uint64_t unanswered_orders = 0;
  std::uint64_t open_cycles = 0;
  // The orders were also checked against the exchange info and the
  // configuration (filters, protective caps, commissions, leg 3's bound).
  bool plan_checked = false;
  // The first bad record.
  std::string file;
  std::uint64_t line = 0;  // 1-based line in file
  std::uint64_t seq = 0;
  int leg = -1;              // 0..2 when a leg is wrong
  std::string field;         // "price", "update_id", "ratio", ...
  std::string journal_says;  // what the record says
  // What the book held (leg), the exact value (decision), or the state the
  // audit tracked (state).
  std::string book_held;
  std::string detail;

  [[nodiscard]] bool ok() const noexcept { return result == audit_result::ok; }
  // "N records audited OK (S sessions, F frames)" or
  // "j.jsonl line 57 (seq 56): leg 2 (ETHBTC sell): update_id: journal says ..., book held ..."
  // or "j.jsonl line 9 (seq 8): suppressed: journal says actionable; state halted (...)"
  [[nodiscard]] std::string message() const;
  // "; 6 orders (5 fills, 1 reject) and 2 cycles consistent", or "" when the
  // chain has no execution record (older audits print as before).
  [[nodiscard]] std::string execution_text() const;
};

// Only the trading-state part: verifies the chain and replays its state
// records and suppressions (no frames, no exchange info). records stays 0;
// state_records, suppressed and geneses are filled; message() says "state
// records OK ... (frames not replayed)". Throws
// std::runtime_error when a file of the chain cannot be read.
[[nodiscard]] audit_report audit_states(const std::string& journal);
// The same, with the orders also checked against the run's exchange info and
// configuration (filters, caps, commissions; see above). config_error for a
// start asset or a fee override naming an asset or symbol u does not trade.
[[nodiscard]] audit_report audit_states(const std::string& journal, const universe& u,
                                        const bot_config& config);

// Throws std::runtime_error (universe_error...) naming the file for inputs
// that cannot be read or plain (unrecorded) frames; config_error for a start
// asset, fee override or budget the exchange info does not trade.
[[nodiscard]] audit_report run_audit(const audit_options& o);

}  // namespace triarb
