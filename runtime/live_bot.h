// live_bot: the bot's runtime against a live (or simulated) exchange.
//
//   exchangeInfo (REST) -> universe, triangle index, book
//   feed thread (the caller of run()): one io_context running every
//     ws_connection, each on its own strand, feeding feed_handler; drops,
//     stalls and rotations -> feed_handler::on_connection_lost (docs/design.md, contract 3);
//     no data frame for cfg.quiet_ms on an open connection -> its symbols
//     invalidated until fresh frames (ws_connection.h "Quiet")
//     every (re)opened connection -> REST bookTicker re-seed of its symbols
//     (reseed_tracker.h decides: only symbols that are still invalid and
//     that nothing touched on the feed since the request -- no frame, good
//     or bad, no invalidation: the snapshot may be older than what was
//     delivered meanwhile, so such a symbol gets one fresh request, then
//     waits for its next frame -- counted as reseed superseded; a snapshot
//     requested before the connection was lost, reopened or went quiet is
//     not applied at all -- reseed stale; a re-seeded leg's receive time is
//     when its request was sent)
//   evaluator thread (optionally pinned): dirty_set -> evaluator::on_symbol,
//     woken by the feed thread (eval_wakeup.h: spin or block), or no thread
//     (inline: the feed thread evaluates after each event)
//   journal writer thread: bounded queue <- evaluator sink; a full queue
//     makes the sink return false (journal_full, in the tick), never a silent drop
//   re-seed thread: blocking REST calls, results posted to the feed thread
//   metrics thread (metrics_server.h), and a telemetry tick on `ticks`.
//
// Layer four (core/trading_guard.h; docs/design.md, "Layer four"): one
// trading_guard behind a mutex judges every opportunity in the sink; the
// opportunity is journaled with its verdict (suppressed: reducing, halted,
// quarantined), and every guard event as a state record, in the guard's
// order (a state record before the opportunity it suppressed). State
// records are never refused by the bounded queue (they are few); a full
// queue (the sink returns false) or a failed write or fsync in the journal
// thread halts (trigger journal). A continued journal's trading state is
// inherited at start (its records replayed, the guard restored: a halt
// survives a restart); a new chain starts active. The feed thread samples feed health (the
// book's validity: the universe and each start asset's symbols) every
// 250 ms and at each tick, polls the halt file (cfg.halt_file) every 100 ms
// and a SIGUSR1 flag (request_halt()) every 20 ms. The operator resumes (only
// resume leaves halted) with POST /resume on the metrics server, which also
// takes POST /halt, both with `Authorization: Bearer <token>` (the token
// read once from cfg.token_file, opened without following a symbolic link,
// which must be a regular file of this process's effective uid, readable by
// its owner only, holding a token of at least 16 bytes, else run() throws
// config_error); a resume is refused (409) while the halt file exists. A
// halt file that cannot be checked (stat fails other than ENOENT/ENOTDIR,
// e.g. EACCES) counts as present: the bot fails closed.
//
// Execution ([execution] mode paper or sim; runtime/executor.h; docs/design.md
// section 12, "In the live bot"): the journal thread owns the one
// execution_engine. After it appended an opportunity it hands the engine the
// decision with journal_writer::last_hash(), writes the engine's records at
// once and only then gives its orders to the transport (paper: the engine's
// paper_transport against this book; sim: a sender thread posting to the
// loopback exchange); every guard event reaches the engine in the guard's
// order; the engine's halts become a manual halt by "reconcile". Needs the
// journal (run() throws config_error otherwise). The tick and the summary
// end with its one `execution:` line; /metrics has triarb_execution_*.
//
// The tick line (`ticks`, every cfg.telemetry_interval_ms), one line:
//   state=active frames/s=812 valid=99.8% opp=3 suppressed=0 p50=1.234µs
//   p99=40.000µs journal_lag=0 moved: conn.drops+1 journal.states+1
// frames/s, opp and suppressed over the interval since the last tick (opp:
// every opportunity decided, suppressed ones included; suppressed: the
// journaled suppressions only -- a decision the full queue refused counts
// under journal.full, not there); valid:
// the valid share of symbols at the last feed-health sample ("-" before
// one); p50/p99: frame receive -> decision over the run; journal_lag:
// opportunities waiting in the journal queue; moved: every counter that
// changed since the last tick, name+delta, except the ones that move on
// every tick of a healthy run (frames, quotes, evaluations, journal writes,
// the evaluator's wake-ups) ("moved: -" when none). json_ticks: the full
// JSON object instead (live_report::telemetry_json is always the JSON).
//
//   live_options o;  o.cfg = load_config_file("bot.toml");  o.duration_ms = 30'000;
//   live_bot bot(std::move(o));
//   live_report r = bot.run();      // blocks; request_stop() from a signal handler ends it
//
// Record mode (record_path set): every event that changes the book is
// written to a frames_recorder (frames_file.h: v2) in the order it is
// applied (a frame, loss or quiet before, a re-seed right after the book
// took it and before it is evaluated; flushed before a decision reaches the
// journal) --
// frames with their receive time and connection, losses, quiet connections,
// each symbol a REST snapshot re-seeded (the quote and update id the book
// then holds), and a start event per process, appended across restarts --
// and the evaluator runs inline on the feed thread, at each frame's receive
// time or the moment a re-seed applied, so `triarb replay` of the file
// decides exactly what the run decided. Failed writes are counted
// (record.write_failures) and make the run's exit status 1.
//
// Thread safety: run() once, from the thread that becomes the feed thread.
// request_stop() from any thread or a signal handler. The accessors marked
// "any thread" read relaxed counters or seqlocked snapshots.
#pragma once

#include <signal.h>  // struct sigaction

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/book_snapshot.h"
#include "core/evaluator.h"
#include "core/frames_file.h"  // frames_recorder::open_mode
#include "core/trading_guard.h"
#include "core/triangle_index.h"
#include "net/bot_clock.h"
#include "net/tls_client.h"
#include "net/ws_connection.h"
#include "runtime/eval_wakeup.h"
#include "runtime/executor.h"
#include "runtime/latency_histogram.h"
#include "runtime/stage_latency.h"

namespace triarb {

struct live_options {
  bot_config cfg;
  tls_options tls;               // empty: cfg.ca_file, else the system store
  std::int64_t duration_ms = 0;  // 0: until request_stop()
  std::string record_path;       // non-empty: record mode (see above)
  frames_recorder::open_mode record_mode = frames_recorder::open_mode::continue_existing;
  bool journal = true;  // write cfg.journal_path
  // The existing journal does not verify, or records other decision knobs
  // (bot_config::decision_toml): set its files aside (*.broken-N) and start
  // a new chain instead of refusing.
  bool new_journal = false;
  // The operator's resume on the command line (`run --resume`): after the
  // continued journal's state was restored, resume to active (releasing
  // every quarantine), journaled as a manual resume by "command_line", like
  // POST /resume. run() refuses (config_error) while the halt file exists.
  // Nothing to resume: nothing happens, no record.
  bool resume_at_start = false;
  // >= 0: pin the evaluator thread to this CPU. run() refuses (config_error)
  // a CPU outside the process's affinity mask, or a pin with no evaluator
  // thread (inline_feed, record mode).
  int evaluator_cpu = -1;
  // How dirty symbols reach the evaluator (docs/design.md, "The evaluator's
  // wake-up"): its own thread spinning or blocking (runtime/eval_wakeup.h),
  // or no thread: the feed thread evaluates after each event (record mode
  // always does). automatic: spin when pinned (evaluator_cpu >= 0), else
  // kUnpinnedDefault: a thread, so that embedders whose decision hooks are
  // heavy (the network campaign's oracle) never slow the feed thread.
  // `triarb run` chooses inline when not pinned (the lowest latency measured).
  enum class evaluator_mode : std::uint8_t { automatic, spin, block, inline_feed };
  static constexpr evaluator_mode kUnpinnedDefault = evaluator_mode::block;
  evaluator_mode evaluator = evaluator_mode::automatic;
  // block: poll this long before blocking (run() checks 0..1 s), and each
  // wait's safety net (run() checks > 0 and <= 1 h; config_error).
  std::int64_t evaluator_spin_ns = 50'000;
  std::int64_t evaluator_wait_timeout_ns = 100'000'000;
  std::uint32_t stage_every = 0;  // > 0: stage latencies of ~1 frame in N (stage_latency.h)
  std::ostream* ticks = nullptr;  // telemetry tick lines (nullptr: none)
  bool json_ticks = false;        // ticks: the full JSON object, not the one human line
  // Opportunities waiting for the journal thread at most (state records are
  // never refused); 0 refuses every opportunity (a test's journal failure).
  std::size_t journal_queue = 4096;
  ws_options ws;  // pong_deadline/rotate_after are taken from cfg
  // Evaluator thread (or feed thread in record mode), for each opportunity,
  // before it is queued for the journal, whatever the guard's verdict. The
  // demo judges it here.
  std::function<void(const opportunity&, const triangle&)> on_opportunity;
  // The same, after the guard judged it: the verdict (none: actionable; a
  // decision the full journal queue refused is halted). Delivered after the
  // guard's mutex is released and before the journal wrote the opportunity
  // (possibly never, if a later write fails): by the time it arrives the
  // state may have moved on. Not for acting on: execution ([execution])
  // acts in the journal thread, after the record is written, in the
  // guard's order (see "Execution" above).
  std::function<void(const opportunity&, suppress_reason)> on_verdict;
  // Feed thread, right after a connection's symbols were invalidated.
  std::function<void(std::size_t connection, drop_reason)> on_connection_lost;
  // Feed thread, right after a quiet connection's symbols were invalidated.
  std::function<void(std::size_t connection)> on_connection_quiet;
  // Evaluator thread (or feed thread in record mode), just before and just
  // after the evaluator decides on a drained symbol at time now (the fault
  // campaign's "missed" oracle looks at the book around each decision).
  std::function<void(symbol_id)> before_decision;
  std::function<void(symbol_id, std::int64_t now)> after_decision;
  // run()'s thread, once start-up is done (the journal opened, its trading
  // state restored, the start-up's state records written) and just before
  // connecting. A test stops the run here.
  std::function<void()> before_connecting;
  // Receive times, leg ages, decision times (nullptr: the bot's own
  // bot_clock). The campaign passes one to inject clock jumps.
  // REQUIRES: outlives run().
  bot_clock* clock = nullptr;
};

struct live_report {
  std::size_t symbols = 0, assets = 0, triangles = 0, connections = 0;
  std::uint64_t frames = 0, opportunities = 0, journal_full = 0, journal_written = 0;
  std::uint64_t reseeds = 0, reseeded_symbols = 0;
  std::uint64_t record_write_failures = 0;  // record mode: events not written
  latency_histogram::stats latency;         // frame receive -> decision (frames only)
  double seconds = 0;
  std::string evaluator;  // the evaluator mode the run used: spin, block, inline
  // stage_every > 0: each stage's distribution and the sample counts.
  std::vector<stage_summary> stages;
  stage_counts stage_samples;
  std::vector<std::string> fatal_errors;  // connections stopped for good
  // Connections that never opened, and the symbols they carry (never
  // subscribed: the run never saw them).
  std::size_t connections_never_opened = 0, symbols_never_subscribed = 0;
  // Non-empty: Ctrl-C or --duration ended the start-up's exchangeInfo request
  // (what was waiting and why); nothing else in the report was reached.
  std::string stopped_during_startup;
  // What the run did not watch, one sentence each (empty: every symbol was
  // subscribed and frames arrived): "N of M symbols were never subscribed
  // (K of C connections never opened)", "no frames were received". `run` and
  // the demo print them and exit 1.
  [[nodiscard]] std::vector<std::string> unwatched() const;
  std::string journal_sync_error;  // the final fsync failed: why (empty: it did not)
  std::string telemetry_json;      // the last tick's full line
  // Layer four: the state at the end, transitions by trigger (quarantines
  // under repeat), opportunities by verdict (none: actionable).
  trading_state trading = trading_state::active;
  std::size_t quarantined = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(guard_trigger::kCount)> transitions{};
  std::array<std::uint64_t, static_cast<std::size_t>(suppress_reason::kCount)> verdicts{};
  // [execution] mode paper or sim: the executor's summary at the end
  // (summary line: execution->line()); empty when off.
  std::optional<execution_summary> execution;
  // "trading: halted at the end; transitions: manual 1, journal 0, ...;
  // suppressed: halted 12, reducing 0, quarantined 0 (of 40 opportunities)".
  [[nodiscard]] std::string trading_summary() const;
};

class live_bot {
 public:
  explicit live_bot(live_options o);
  ~live_bot();
  live_bot(const live_bot&) = delete;
  live_bot& operator=(const live_bot&) = delete;

  // Start-up (throws: tls_error, rest_error, universe_error, config_error,
  // ws_config_error, journal_error, metrics_error), then the feed loop until
  // the duration ends, request_stop(), or every connection failed; then
  // stops the threads, flushes and syncs the journal.
  live_report run();
  void request_stop() noexcept;  // any thread; async-signal-safe
  // Halt trading (by "signal"): any thread; async-signal-safe (a flag the
  // feed thread polls every 20 ms). Only an operator's resume undoes it.
  void request_halt() noexcept;

  // Any thread, once running() is true:
  [[nodiscard]] bool running() const noexcept;
  [[nodiscard]] std::size_t symbol_count() const noexcept;
  [[nodiscard]] std::size_t connection_count() const noexcept;
  [[nodiscard]] std::vector<symbol_id> symbols_of(std::size_t connection) const;
  [[nodiscard]] book_snapshot read(symbol_id s) const noexcept;
  [[nodiscard]] std::size_t open_connections() const noexcept;
  [[nodiscard]] std::uint64_t counter(conn_counter c) const noexcept;
  [[nodiscard]] std::uint64_t reseeds() const noexcept;  // snapshots applied (not stale)
  [[nodiscard]] std::uint64_t reseeded_symbols() const noexcept;
  [[nodiscard]] std::uint64_t frames() const noexcept;
  [[nodiscard]] trading_state trading() const noexcept;  // the guard's state now
  // The metrics server's bound port (0: none); any thread once running().
  [[nodiscard]] std::uint16_t metrics_port() const noexcept;

  struct state;

 private:
  std::unique_ptr<state> s_;
};

// Installs SIGINT/SIGTERM handlers that call bot.request_stop() (and restore
// the default on the second signal: a second Ctrl-C ends the process), and a
// SIGUSR1 handler that calls bot.request_halt(). The returned object, when it
// goes, forgets the bot and puts back the handlers (and the bot) that were
// there before: declare it after the bot so that it goes first.
//
//   live_bot bot(std::move(o));
//   const stop_signals signals = install_stop_signals(bot);
class stop_signals {
 public:
  ~stop_signals();
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

 private:
  friend stop_signals install_stop_signals(live_bot& bot);
  explicit stop_signals(live_bot& bot);
  live_bot* previous_bot_ = nullptr;
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
  struct sigaction previous_usr1_ {};
};
[[nodiscard]] stop_signals install_stop_signals(live_bot& bot);

// Resident high-water mark (VmHWM of /proc/self/status) in kB; 0 if unknown.
[[nodiscard]] std::size_t vm_hwm_kb();

}  // namespace triarb
