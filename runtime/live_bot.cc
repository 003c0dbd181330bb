// live_bot: wiring of the live runtime (see live_bot.h).
#include "runtime/live_bot.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <variant>

#include "core/build_info.h"
#include "core/decimal_text.h"
#include "core/dirty_set.h"
#include "core/feed_handler.h"
#include "core/frame_parser.h"
#include "core/frames_file.h"  // frames_recorder
#include "core/journal.h"
#include "core/journal_bridge.h"
#include "core/order_book.h"
#include "core/pipeline.h"
#include "core/telemetry.h"
#include "core/trading_guard.h"
#include "core/trading_state_replay.h"
#include "core/universe.h"
#include "net/private_file.h"
#include "net/rest_client.h"
#include "runtime/executor.h"
#include "runtime/feed_session.h"
#include "runtime/latency_histogram.h"
#include "runtime/metrics_server.h"
#include "runtime/stage_latency.h"

namespace triarb {
namespace {

namespace net = boost::asio;

// The evaluator's options, before anything starts (config_error: exit 2 in
// the command line): the wait's timeout and poll in range, and a CPU to pin
// to that this process may run on and that has an evaluator thread to pin.
void check_evaluator_options(const live_options& o) {
  constexpr std::int64_t kMaxTimeoutNs = 3'600'000'000'000;  // an hour: far above any use
  constexpr std::int64_t kMaxSpinNs = 1'000'000'000;
  if (o.evaluator_wait_timeout_ns <= 0 || o.evaluator_wait_timeout_ns > kMaxTimeoutNs) {
    throw config_error("evaluator wait timeout " + std::to_string(o.evaluator_wait_timeout_ns) +
                       " ns: must be > 0 and <= " + std::to_string(kMaxTimeoutNs));
  }
  if (o.evaluator_spin_ns < 0 || o.evaluator_spin_ns > kMaxSpinNs) {
    throw config_error("evaluator spin " + std::to_string(o.evaluator_spin_ns) +
                       " ns: must be >= 0 and <= " + std::to_string(kMaxSpinNs));
  }
  if (o.evaluator_cpu < 0) return;
  if (!o.record_path.empty() || o.evaluator == live_options::evaluator_mode::inline_feed) {
    throw config_error("evaluator CPU " + std::to_string(o.evaluator_cpu) +
                       " (--pin-evaluator): the evaluation is inline on the feed thread (" +
                       (o.record_path.empty() ? "inline mode" : "record mode") +
                       "): there is no evaluator thread to pin");
  }
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (::sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    throw config_error("evaluator CPU " + std::to_string(o.evaluator_cpu) +
                       " (--pin-evaluator): cannot read this process's CPU affinity");
  }
  if (o.evaluator_cpu >= CPU_SETSIZE || !CPU_ISSET(o.evaluator_cpu, &allowed)) {
    std::string list;
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &allowed)) list += (list.empty() ? "" : ",") + std::to_string(c);
    }
    throw config_error("evaluator CPU " + std::to_string(o.evaluator_cpu) +
                       " (--pin-evaluator): not a CPU this process may run on (allowed: " + list +
                       ")");
  }
}

// guard.token_file (live_bot.h): read once, before anything starts; never
// printed. Opened without following a symbolic link and checked on the open
// descriptor (no check-then-open race). Refused (config_error naming the
// path, never the token): missing, unreadable or a symbolic link, not a
// regular file, owned by another user than this process's effective uid,
// readable or writable by group or others (the mode is named), over 4096
// bytes, empty, or shorter than kMinTokenBytes (whitespace around the token
// is not part of it).
constexpr std::size_t kMinTokenBytes = 16;
std::string read_token_file(const std::string& path) {
  const std::string what = "guard.token_file " + path + ": ";
  std::string t;
  if (const std::string why =
          read_private_file(path, 4096, "the token must be its owner's only", t);
      !why.empty()) {
    throw config_error(what + why);
  }
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!t.empty() && space(t.back())) t.pop_back();
  std::size_t b = 0;
  while (b < t.size() && space(t[b])) ++b;
  t.erase(0, b);
  if (t.empty()) throw config_error(what + "empty (no token)");
  if (t.size() < kMinTokenBytes) {
    throw config_error(what + "the token is " + std::to_string(t.size()) + " bytes, shorter than " +
                       std::to_string(kMinTokenBytes) + " (too easy to guess)");
  }
  return t;
}

std::string json_string(std::string_view v) {
  std::string out = "\"";
  for (const char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// The halt file (cfg.halt_file): nullopt when it is absent (stat says
// ENOENT or ENOTDIR) or none is configured; else why it counts as present:
// "exists", or, failing closed, "cannot be checked (<errno text>)" for any
// other error (EACCES, ELOOP, EIO, ...).
std::optional<std::string> halt_file_present(const std::string& path) {
  if (path.empty()) return std::nullopt;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return std::string("exists");
  const int err = errno;
  if (err == ENOENT || err == ENOTDIR) return std::nullopt;
  return std::string("cannot be checked (") + std::strerror(err) + "): counted as present";
}

// One opportunity waiting for the journal thread, with the guard's verdict.
struct queued_opportunity {
  opportunity op;
  suppress_reason why = suppress_reason::none;
};
using journal_item = std::variant<queued_opportunity, guard_event>;

// Counters that move on every tick of a healthy run: left out of the tick
// line's "moved:" list (live_bot.h).
bool is_flow_counter(std::string_view name) {
  static const std::set<std::string_view> kFlow = {
      "feed.frames_received", "feed.quotes_applied",      "conn.frames",
      "eval.symbols_drained", "eval.triangles_evaluated", "eval.below_threshold",
      "eval.skip_no_profit",  "eval.skip_unsizable",      "eval.opportunities",
      "journal.written",      "journal.fsyncs",           "journal.checkpoints",
      "evaluator.spin_found", "evaluator.recheck_found",  "evaluator.waits",
      "evaluator.wakeups",    "evaluator.timeouts",       "evaluator.notifies",
      "suppressed.reducing",  "suppressed.halted",        "suppressed.quarantined"};
  return kFlow.count(name) > 0;
}

}  // namespace

struct live_bot::state : ws_handler {
  live_options o;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> running{false};

  std::unique_ptr<tls_context> tls;
  std::unique_ptr<universe> u;
  std::unique_ptr<triangle_index> idx;
  std::unique_ptr<symbol_table> symbols;
  std::unique_ptr<order_book> book;
  std::unique_ptr<dirty_set> dirty;
  telemetry tel;
  std::unique_ptr<feed_handler> feed;
  std::unique_ptr<evaluator> eval;
  conn_counters conn;
  latency_histogram latency;
  net::io_context ioc{1};
  std::unique_ptr<connect_budget> budget;
  std::vector<std::shared_ptr<ws_connection>> conns;
  std::vector<std::vector<symbol_id>> groups;
  std::vector<std::string> fatal_errors;
  std::atomic<std::size_t> open_count{0};
  // Per connection: opened at least once (feed thread; read after it ends).
  std::vector<std::uint8_t> ever_opened;
  // Record mode (feed thread only): every event that changes the book.
  std::unique_ptr<frames_recorder> record;
  // Events the recording failed to write (any thread reads it).
  std::atomic<std::uint64_t> record_failures{0};
  std::string last_tick;

  // evaluator -> journal writer: opportunities (at most o.journal_queue
  // waiting) and guard events (never refused), in the guard's order.
  std::mutex jmu;
  std::condition_variable jcv;
  std::deque<journal_item> jqueue;
  std::size_t jqueue_opportunities = 0;  // of jqueue (under jmu)
  bool jstop = false;
  std::atomic<std::uint64_t> journal_written{0}, journal_errors{0}, journal_states{0};
  // Retries of a record whose write failed (not errors again); records the
  // shutdown dropped after a failed write, and of them state records.
  std::atomic<std::uint64_t> journal_retries{0}, journal_dropped{0}, journal_states_dropped{0};
  bool head_failed_before = false;          // journal thread: jqueue's head failed its last write
  std::atomic<std::size_t> journal_lag{0};  // opportunities waiting (display)
  // The writer's own counters (journal_stats), published by the journal
  // thread after every batch, and what this loop adds: checkpoints written,
  // fsyncs that failed (the interval's and the final one).
  std::atomic<std::uint64_t> journal_rotations{0}, journal_rotation_failures{0},
      journal_torn_moved{0}, journal_chains_set_aside{0}, journal_fsyncs{0}, journal_checkpoints{0},
      journal_sync_errors{0};
  std::string journal_final_sync_error;  // journal thread; read after it joined
  std::unique_ptr<journal_writer> journal;

  // re-seed requests (feed thread -> re-seed thread)
  std::mutex rmu;
  std::condition_variable rcv;
  // Every connection event goes to the feed handler and the re-seed tracker
  // through the session (feed thread only: it sees them all in order), as
  // in the in-process campaign.
  std::unique_ptr<feed_session> session;
  feed_session_counters reseed_counts;  // the session's (display, metrics)
  std::vector<reseed_request> rqueue;
  bool rstop = false;
  std::atomic<std::uint64_t> reseed_failures{0};
  // bookTicker entries that were not usable (fields missing, bad numbers, a
  // crossed book): skipped, their symbols wait for frames.
  std::atomic<std::uint64_t> reseed_malformed{0};

  // The evaluator thread's wait for dirty symbols (null: inline, no thread);
  // the feed thread notifies it after marking (runtime/eval_wakeup.h).
  std::unique_ptr<eval_wakeup> wake;
  bool inline_eval = false;  // the feed thread evaluates (record mode, inline_feed)
  // --stage-latency (null: off): the sampled frames' stamps, and a parser
  // of the feed thread's own to time a sampled frame's parse once more.
  std::unique_ptr<stage_sampler> stages;
  std::unique_ptr<frame_parser> stage_parser;

  // ---- layer four (core/trading_guard.h): the guard and what feeds it.
  // gmu orders every guard call and the queueing of its events (gmu, then jmu).
  std::mutex gmu;
  std::unique_ptr<trading_guard> guard;
  std::vector<guard_event> gev;  // scratch, under gmu
  // Opportunities the guard judged (halted) that the full queue refused:
  // counted under journal.full, taken out of the guard's verdicts (which
  // count journaled opportunities only). Under gmu.
  std::uint64_t verdicts_not_journaled = 0;
  std::atomic<std::uint8_t> trading_now{0};                 // trading_state (display)
  std::atomic<bool> halt_requested{false};                  // SIGUSR1 (request_halt)
  std::vector<std::vector<symbol_id>> start_asset_symbols;  // per start asset
  std::vector<asset_id> start_assets;
  std::atomic<std::uint32_t> health_symbols{0}, health_invalid{0};  // last sample (display)
  std::string control_token;                                        // never printed
  std::unique_ptr<metrics_server> metrics;
  // Execution (runtime/executor.h; null when [execution] mode is off): owned
  // by the journal thread, which journals each decision and then drives it.
  // exec_wake (under jmu): the sim sender has answers waiting.
  std::unique_ptr<executor> exec;
  bool exec_wake = false;
  bool exec_finished = false;  // journal thread: finish() ran at shutdown
  // The tick line's memory (feed thread): the counters at the last tick.
  std::map<std::string, std::uint64_t, std::less<>> last_counters;
  std::int64_t last_tick_ns = 0;

  // Receive times, ages and decision times: monotonic (bot_clock.h).
  bot_clock own_clock;
  const bot_clock& clock;

  explicit state(live_options opt)
      : o(std::move(opt)), clock(o.clock != nullptr ? *o.clock : own_clock) {}
  std::int64_t now_ns() const { return clock.now_ns(); }

  // ---- the evaluator's sink (evaluator thread, or feed thread in record mode)
  bool sink(const opportunity& op) {
    if (o.on_opportunity) o.on_opportunity(op, idx->triangle_at(op.triangle));
    // Record mode (this is the feed thread): the events behind a decision
    // reach the file before the decision reaches the journal, so a crash
    // never leaves a journaled decision the recording cannot replay.
    if (journal && record) {
      (void)record->flush();
      record_failures.store(record->write_failures(), std::memory_order_relaxed);
    }
    suppress_reason why = suppress_reason::none;
    bool queued = true;
    {
      std::lock_guard<std::mutex> g(gmu);
      gev.clear();
      // Room first: a decision that cannot be recorded halts before it is
      // judged, so its own verdict is halted, never actionable (fail closed).
      // Only the sink adds opportunities (the journal thread takes them, or
      // puts back ones it took), so the room seen here holds.
      if (journal) {
        std::lock_guard<std::mutex> lk(jmu);
        queued = jqueue_opportunities < o.journal_queue;
      }
      if (!queued) {
        guard->on_journal_failure(now_ns(), "journal_full", gev);
        queue_guard_events_locked();
      }
      why = guard->on_opportunity(op, gev);
      if (!queued) ++verdicts_not_journaled;  // the guard counted it halted: not journaled
      if (journal) {
        std::lock_guard<std::mutex> lk(jmu);
        for (const guard_event& e : gev) jqueue.push_back(e);  // before the opportunity
        if (queued) {
          jqueue.emplace_back(queued_opportunity{op, why});
          ++jqueue_opportunities;
        }
        journal_lag.store(jqueue_opportunities, std::memory_order_relaxed);
        jcv.notify_one();
      }
      after_guard_events_locked();
    }
    // After gmu is released, before the journal wrote it (live_bot.h).
    if (o.on_verdict) o.on_verdict(op, why);
    return queued;
  }

  // Under gmu: gev (the events of the call just made) to the journal queue,
  // never refused, then shown.
  void queue_guard_events_locked() {
    if (journal && !gev.empty()) {
      std::lock_guard<std::mutex> lk(jmu);
      for (const guard_event& e : gev) jqueue.push_back(e);
      jcv.notify_one();
    }
    after_guard_events_locked();
  }
  // Under gmu: says each event on stderr, publishes the state, clears gev.
  void after_guard_events_locked() {
    for (const guard_event& e : gev) {
      std::cerr << "triarb: trading ";
      if (e.from == e.to && e.triangle != kNoTriangle) {  // a quarantine: the state stays
        std::cerr << to_string(e.to) << ", triangle " << idx->name(e.triangle, *u)
                  << " quarantined";
      } else {
        std::cerr << to_string(e.from) << " -> " << to_string(e.to);
      }
      std::cerr << " (" << to_string(e.trigger) << ", by " << e.by << ")"
                << (e.evidence.empty() ? "" : " " + e.evidence) << "\n";
    }
    gev.clear();
    trading_now.store(static_cast<std::uint8_t>(guard->state()), std::memory_order_relaxed);
  }
  // Any thread: one guard call f(guard, events, now), its events journaled
  // and shown. now is read under gmu: a state record's time is never earlier
  // than an opportunity the guard judged before it (whose decided time was
  // read before it took gmu).
  template <class F>
  auto with_guard(F&& f) {
    std::lock_guard<std::mutex> g(gmu);
    gev.clear();
    auto r = f(*guard, gev, now_ns());
    queue_guard_events_locked();
    return r;
  }

  // Feed thread: the book's validity, the universe and each start asset's
  // symbols (~1,400 seqlock reads), to the guard.
  void sample_feed_health() {
    const std::size_t n = symbols->size();
    std::vector<std::uint8_t> invalid(n, 0);
    feed_health h;
    h.symbols = static_cast<std::uint32_t>(n);
    for (symbol_id s = 0; s < n; ++s) {
      invalid[s] = book->read(s).valid ? 0 : 1;
      h.invalid += invalid[s];
    }
    for (std::size_t i = 0; i < start_assets.size(); ++i) {
      feed_health::group gr;
      gr.asset = start_assets[i];
      gr.symbols = static_cast<std::uint32_t>(start_asset_symbols[i].size());
      for (symbol_id s : start_asset_symbols[i]) gr.invalid += invalid[s];
      h.start_assets.push_back(gr);
    }
    health_symbols.store(h.symbols, std::memory_order_relaxed);
    health_invalid.store(h.invalid, std::memory_order_relaxed);
    with_guard([&](trading_guard& g, std::vector<guard_event>& ev, std::int64_t now) {
      g.on_feed_health(now, h, ev);
      return true;
    });
  }

  // Metrics thread: POST /halt, /resume (authenticated by the server).
  control_answer control(control_action a) {
    const auto answer = [this](unsigned status, bool changed, const std::string& error) {
      const auto st = static_cast<trading_state>(trading_now.load(std::memory_order_relaxed));
      std::string body = "{\"state\":\"" + std::string(to_string(st)) +
                         "\",\"changed\":" + (changed ? "true" : "false");
      if (!error.empty()) body += ",\"error\":" + json_string(error);
      return control_answer{status, body + "}\n"};
    };
    if (a == control_action::halt) {
      const bool changed =
          with_guard([&](trading_guard& g, std::vector<guard_event>& ev, std::int64_t now) {
            g.halt(now, "http", "POST /halt", ev);
            return !ev.empty();
          });
      return answer(200, changed, "");
    }
    if (const auto why = halt_file_present(o.cfg.halt_file)) {
      return answer(409, false,
                    "resume refused: the halt file " + o.cfg.halt_file + " " + *why +
                        "; remove it, then resume");
    }
    const bool changed = with_guard([&](trading_guard& g, std::vector<guard_event>& ev,
                                        std::int64_t now) { return g.resume(now, "http", ev); });
    return answer(200, changed, "");
  }

  void evaluate_symbol(symbol_id s, std::int64_t now) {
    const std::int64_t picked = stages ? now_ns() : 0;
    tel.eval.add(eval_counter::symbols_drained);
    // Frame-to-decision latency from the book the evaluator judges, read
    // before it runs (latency_histogram::record_decision: frames only).
    const book_snapshot before = book->read(s);
    if (o.before_decision) o.before_decision(s);
    eval->on_symbol(*book, s, now, [this](const opportunity& op) { return sink(op); });
    // One decided time for the histogram and the stage sample, before the
    // embedder's after_decision hook (the campaign's oracle is not the bot's
    // latency).
    const std::int64_t decided = now_ns();
    if (stages && before.valid && !before.reseeded && stages->sampled(s, before.update_id)) {
      stages->on_eval({s, before.update_id, before.recv_ns, picked, decided});
    }
    (void)latency.record_decision(before, decided);
    if (o.after_decision) o.after_decision(s, now);
  }
  void drain_inline(std::int64_t now) {
    dirty->drain([&](symbol_id s) { evaluate_symbol(s, now); });
  }

  // ---- ws_handler (feed thread)
  void on_open(std::size_t i) override {
    open_count.fetch_add(1, std::memory_order_relaxed);  // display only
    ever_opened[i] = 1;
    queue_reseed(session->on_open(i));
  }
  // Feed thread: asks the re-seed thread for a snapshot of a connection's symbols.
  void queue_reseed(reseed_request req) {
    std::lock_guard<std::mutex> lk(rmu);
    rqueue.push_back(std::move(req));
    rcv.notify_one();
  }
  void on_frame(std::size_t i, const char* data, std::size_t size, std::int64_t recv) override {
    const std::int64_t handler = stages ? now_ns() : 0;
    if (record) {
      record->frame(recv, i, data, size);
      record_failures.store(record->write_failures(), std::memory_order_relaxed);
    }
    const frame_result r = session->on_frame_padded(i, data, size, recv);
    if (r.kind == frame_kind::control && r.control == control_kind::server_shutdown) {
      conns[i]->request_rotation();
    }
    const std::int64_t applied = stages ? now_ns() : 0;
    if (record) {
      drain_inline(recv);  // at the receive time: replay decides the same
    } else if (inline_eval) {
      drain_inline(now_ns());
    } else if (r.kind == frame_kind::quote) {
      wake->notify();  // spin: nothing; block: a futex wake only if it is parked
    }
    if (stages && r.kind == frame_kind::quote) {
      stamp_frame(r.q, data, size, recv, handler, applied);
    }
  }
  // --stage-latency, feed thread: a quote frame handed to the evaluator.
  // Stamped only if the book applied it (it now holds this update id and
  // receive time: this thread is the book's one writer, and an inline
  // evaluation does not write it); a duplicate or stale frame the book
  // dropped is never evaluated: counted as not applied.
  void stamp_frame(const quote& q, const char* data, std::size_t size, std::int64_t recv,
                   std::int64_t handler, std::int64_t applied) {
    if (!stages->sampled(q.symbol, q.update_id)) return;
    const book_snapshot b = book->read(q.symbol);
    if (!b.valid || b.reseeded || b.update_id != q.update_id || b.recv_ns != recv) {
      stages->on_not_applied();
      return;
    }
    const std::int64_t again = now_ns();
    (void)stage_parser->parse_padded(data, size);  // the same bytes, once more: its parse alone
    const std::int64_t parse_ns = now_ns() - again;
    stages->on_feed({q.symbol, q.update_id, recv, handler, applied, parse_ns});
  }
  // Record mode: an event other than a frame (a loss or quiet before it is
  // applied; a re-seed after the book took it, before its evaluation).
  template <class Write>
  void record_event(Write&& write) {
    if (!record) return;
    write(*record, now_ns());
    record_failures.store(record->write_failures(), std::memory_order_relaxed);
  }
  void on_lost(std::size_t i, drop_reason why) override {
    open_count.fetch_sub(1, std::memory_order_relaxed);  // display only
    record_event([&](frames_recorder& r, std::int64_t now) { r.lost(now, i); });
    session->on_lost(i);  // its symbols invalid; an earlier re-seed request stale
    if (o.on_connection_lost) o.on_connection_lost(i, why);
  }
  void on_quiet(std::size_t i) override {
    // Still open, but no data for quiet_ms: as for a stall (docs/design.md, contract 3), without
    // the reconnect (that follows if the silence lasts, conn_policy.h); each
    // symbol revalidates on its next frame.
    record_event([&](frames_recorder& r, std::int64_t now) { r.quiet(now, i); });
    session->on_quiet(i);
    if (o.on_connection_quiet) o.on_connection_quiet(i);
  }
  void on_fatal(std::size_t i, const std::string& what) override {
    (void)i;
    std::cerr << "triarb: " << what << "\n";
    fatal_errors.push_back(what);
    bool any_alive = false;
    for (const auto& c : conns) any_alive = any_alive || !c->failed();
    if (!any_alive) {
      std::cerr << "triarb: every connection stopped with an error; stopping\n";
      stop_requested.store(true, std::memory_order_relaxed);  // polled by the feed thread
    }
  }

  // Applies a REST snapshot to connection i's symbols (feed thread).
  void apply_reseed(const reseed_request& req, const std::vector<quote>& by_symbol,
                    const std::vector<bool>& have, std::int64_t recv) {
    const std::size_t i = req.connection;
    const auto again = session->on_snapshot(req, by_symbol, have, recv, [&](symbol_id s) {
      // Record mode: the quote the book now holds (its update id kept), and
      // the decision at the moment it applied, as the evaluator thread would.
      record_event([&](frames_recorder& r, std::int64_t now) {
        const book_snapshot b = book->read(s);
        quote q;
        q.update_id = b.update_id;
        q.bid = b.bid;
        q.bid_qty = b.bid_qty;
        q.ask = b.ask;
        q.ask_qty = b.ask_qty;
        q.qty_capped = b.qty_capped;
        r.reseed(now, i, symbols->name(s), q, b.recv_ns);
        drain_inline(now);
      });
    });
    if (again) queue_reseed(*again);
    if (record) return;  // evaluated inline above, as each symbol applied
    if (inline_eval) {
      drain_inline(now_ns());
    } else {
      wake->notify();
    }
  }

  void reseed_loop() {
    // A snapshot still waited for when the run stops is abandoned (the
    // thread is joined at shutdown; a silent server must not hold it).
    rest_options ro;
    ro.stop = [this] { return stop_requested.load(std::memory_order_relaxed); };
    rest_client rest(*tls, o.cfg.rest_url, ro);
    for (;;) {
      std::vector<reseed_request> todo;
      {
        std::unique_lock<std::mutex> lk(rmu);
        rcv.wait(lk, [&] { return rstop || !rqueue.empty(); });
        if (rstop) return;
        todo.swap(rqueue);
      }
      // Stamped before the request: the snapshot is at least this new, so a
      // re-seeded leg's age is never understated by the request's duration.
      const std::int64_t recv = now_ns();
      boost::system::error_code ec;
      http_result r = rest.get("/api/v3/ticker/bookTicker", ec);
      if (ec == boost::asio::error::operation_aborted) return;  // the run is stopping
      if (ec || r.status != 200) {
        reseed_failures.fetch_add(1, std::memory_order_relaxed);
        std::cerr << "triarb: re-seed failed ("
                  << (ec ? ec.message() : "HTTP " + std::to_string(r.status))
                  << "); symbols stay invalid until their next frame\n";
        continue;
      }
      auto qs = std::make_shared<std::vector<quote>>(symbols->size());
      auto have = std::make_shared<std::vector<bool>>(symbols->size(), false);
      try {
        std::size_t bad = 0;
        for (const quote& q : parse_book_ticker(r.body, *symbols, &bad)) {
          (*qs)[q.symbol] = q;
          (*have)[q.symbol] = true;
        }
        reseed_malformed.fetch_add(bad, std::memory_order_relaxed);
      } catch (const std::exception& e) {
        reseed_failures.fetch_add(1, std::memory_order_relaxed);
        std::cerr << "triarb: re-seed: " << e.what() << "\n";
        continue;
      }
      net::post(ioc, [this, todo = std::move(todo), qs, have, recv] {
        if (stop_requested.load(std::memory_order_relaxed)) return;
        for (const reseed_request& req : todo) apply_reseed(req, *qs, *have, recv);
      });
    }
  }

  void journal_loop() {
    const std::int64_t every = o.cfg.journal_checkpoint_ms * 1'000'000;
    std::int64_t next_checkpoint = now_ns() + every;
    // A failed append or fsync halts trading (trigger journal): the first
    // failure's event is queued like any other.
    const auto failed = [this](const std::string& what, journal_errc ec) {
      with_guard([&](trading_guard& g, std::vector<guard_event>& ev, std::int64_t now) {
        g.on_journal_failure(now, what + " (" + std::string(to_string(ec)) + ")", ev);
        return true;
      });
    };
    for (;;) {
      std::deque<journal_item> batch;
      bool stopping = false;
      {
        std::unique_lock<std::mutex> lk(jmu);
        // Wakes for records, at the executor's next paper answer, or when
        // the sim sender has answers.
        auto wait = std::chrono::nanoseconds(100'000'000);
        if (exec) {
          if (const auto due = exec->next_due()) {
            wait = std::min(wait,
                            std::chrono::nanoseconds(std::max<std::int64_t>(*due - now_ns(), 0)));
          }
        }
        jcv.wait_for(lk, wait, [&] { return jstop || !jqueue.empty() || exec_wake; });
        exec_wake = false;
        batch.swap(jqueue);
        jqueue_opportunities = 0;
        journal_lag.store(0, std::memory_order_relaxed);
        stopping = jstop;
        if (batch.empty() && jstop && (!exec || exec_finished)) break;
      }
      std::size_t done = 0;
      bool cut_short = false;  // a write_failed: the rest waits (or, at shutdown, is dropped)
      for (; done < batch.size(); ++done) {
        const auto* q = std::get_if<queued_opportunity>(&batch[done]);
        // The batch's head may be the record that failed last time: a retry.
        const bool retry = done == 0 && head_failed_before;
        if (retry) journal_retries.fetch_add(1, std::memory_order_relaxed);
        head_failed_before = false;
        const journal_errc ec = q != nullptr ? append_opportunity(*q)
                                             : append_state(std::get<guard_event>(batch[done]));
        if (exec && q == nullptr) {
          // The guard's state, in the guard's order (a state record before
          // the opportunities it judged), whether or not its record was written.
          const guard_event& ge = std::get<guard_event>(batch[done]);
          exec->on_trading_state(ge.to, now_ns(), ge.triangle);
        }
        if (ec == journal_errc::ok) {
          (q != nullptr ? journal_written : journal_states).fetch_add(1, std::memory_order_relaxed);
          // The decision is in the chain: last_hash() is its hash, which its
          // orders cite (records before orders: executor.h).
          if (exec && q != nullptr)
            exec->on_decision(q->op, journal->last_hash(), q->why, now_ns());
          continue;
        }
        if (!retry) {  // each record that fails counts once, however often it is retried
          journal_errors.fetch_add(1, std::memory_order_relaxed);
          failed(
              std::string("write_failed: ") + (q != nullptr ? "opportunity" : "state") + " record",
              ec);
        }
        // A write the writer cut back (the chain still whole, e.g. a full
        // disk): this record and the rest of the batch wait, in order, and
        // are tried again after a pause, so the halt's state record lands
        // once writes work again. At shutdown nothing waits: the rest is
        // dropped (counted, said), never written after the failed one, so
        // the journal stays a prefix of the guard's order. Other errors (a
        // record refused, a stopped writer) drop the one record, counted.
        if (ec == journal_errc::write_failed) {
          cut_short = true;
          if (!stopping) head_failed_before = true;
          break;
        }
      }
      if (cut_short && stopping) {
        std::uint64_t states = 0;
        for (std::size_t i = done; i < batch.size(); ++i) {
          states += std::holds_alternative<guard_event>(batch[i]) ? 1 : 0;
        }
        journal_dropped.fetch_add(batch.size() - done, std::memory_order_relaxed);
        journal_states_dropped.fetch_add(states, std::memory_order_relaxed);
        std::cerr << "triarb: at shutdown the journal could not write " << batch.size() - done
                  << " records (" << states
                  << " of them state records) after a failed write: dropped, the journal ends "
                     "before them\n";
        done = batch.size();
      }
      const bool waiting = done < batch.size();  // older records wait for a retry
      if (done < batch.size()) {
        std::unique_lock<std::mutex> lk(jmu);
        std::size_t opportunities = 0;
        for (std::size_t i = done; i < batch.size(); ++i) {
          opportunities += std::holds_alternative<queued_opportunity>(batch[i]) ? 1 : 0;
        }
        // Ahead of what was queued meanwhile (the halt's event among it).
        jqueue.insert(jqueue.begin(), std::make_move_iterator(batch.begin() + done),
                      std::make_move_iterator(batch.end()));
        jqueue_opportunities += opportunities;
        journal_lag.store(jqueue_opportunities, std::memory_order_relaxed);
        jcv.wait_for(lk, std::chrono::milliseconds(100), [&] { return jstop; });
      }
      if (exec) {
        exec->poll(now_ns());
        if (stopping && !exec_finished && !waiting) {
          // Shutdown: the answers still due are taken (executor::finish); the
          // halts it may ask for are queued: the loop runs once more.
          exec->finish([this] { return now_ns(); });
          exec_finished = true;
        }
      }
      const std::int64_t now = now_ns();
      if (now >= next_checkpoint && !waiting) {  // never ahead of records waiting for a retry
        // The telemetry counters, in the chain (docs/design.md, "The journal").
        const journal_errc ec = journal->append(checkpoint_record{now, tel.render_json(now)}, now);
        if (ec == journal_errc::ok) {
          journal_checkpoints.fetch_add(1, std::memory_order_relaxed);
        } else {
          journal_errors.fetch_add(1, std::memory_order_relaxed);
          failed("write_failed: checkpoint record", ec);
        }
        next_checkpoint = now + every;
      }
      if (const journal_errc ec = journal->tick(now); ec != journal_errc::ok) {
        journal_sync_errors.fetch_add(1, std::memory_order_relaxed);
        failed("sync_failed", ec);
      }
      publish_journal_stats();
    }
    const journal_errc ec = journal->sync();
    if (ec != journal_errc::ok) {
      journal_sync_errors.fetch_add(1, std::memory_order_relaxed);
      journal_final_sync_error = std::string(to_string(ec));
      std::cerr << "triarb: the journal's final fsync failed (" << to_string(ec)
                << "): its last records may not be on disk\n";
    }
    publish_journal_stats();
  }

  // run(), after the journal opened, before any thread: replays the chain
  // and restores the guard (see run()).
  void restore_from_journal(const std::string& path) {
    trading_state_tracker t;
    std::uint64_t inconsistent = 0;
    std::string first_problem;
    for (const journal_record& r : read_journal(path)) {  // throws journal_error: it just verified
      if (std::string why = t.apply(r); !why.empty()) {
        if (inconsistent++ == 0) first_problem = "seq " + std::to_string(r.seq) + ": " + why;
      }
    }
    std::map<std::string, triangle_id, std::less<>> by_name;
    for (triangle_id i = 0; i < idx->size(); ++i) by_name.emplace(idx->name(i, *u), i);
    std::vector<triangle_id> ids;
    std::size_t unknown = 0;
    std::string first_unknown;
    for (const std::string& name : t.quarantined()) {
      if (const auto it = by_name.find(name); it != by_name.end()) {
        ids.push_back(it->second);
      } else if (unknown++ == 0) {
        first_unknown = name;
      }
    }
    std::lock_guard<std::mutex> g(gmu);
    guard->restore(t.state(), ids);
    trading_now.store(static_cast<std::uint8_t>(guard->state()), std::memory_order_relaxed);
    if (t.state() != trading_state::active || !t.quarantined().empty()) {
      std::cerr << "triarb: trading: " << to_string(t.state()) << " (restored from the journal "
                << path << ": " << t.describe() << "; " << ids.size()
                << " triangles quarantined; only an operator's resume leaves it)\n";
    }
    if (unknown > 0) {
      std::cerr << "triarb: trading: " << unknown << " of " << t.quarantined().size()
                << " quarantined triangles in the journal are not in today's universe (first: "
                << first_unknown << "): cannot be restored (a resume would release them)\n";
    }
    if (inconsistent > 0) {
      // The chain verifies but its state records do not replay: the state
      // is unknown, so fail closed.
      gev.clear();
      guard->halt(now_ns(), "startup",
                  "the journal's state records do not replay (" + std::to_string(inconsistent) +
                      " inconsistent, first " + first_problem + ")",
                  gev);
      queue_guard_events_locked();
    }
  }

  // run(), before the journal thread starts: whatever is queued (the
  // start-up's state records) written now, in order. A record that fails is
  // counted and said; the guard halts (trigger journal).
  void write_startup_records() {
    std::deque<journal_item> batch;
    {
      std::lock_guard<std::mutex> lk(jmu);
      batch.swap(jqueue);
      jqueue_opportunities = 0;
    }
    for (const journal_item& it : batch) {
      const auto* q = std::get_if<queued_opportunity>(&it);
      const journal_errc ec =
          q != nullptr ? append_opportunity(*q) : append_state(std::get<guard_event>(it));
      if (ec == journal_errc::ok) {
        (q != nullptr ? journal_written : journal_states).fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      journal_errors.fetch_add(1, std::memory_order_relaxed);
      std::cerr << "triarb: the journal did not take a start-up record (" << to_string(ec) << ")\n";
      with_guard([&](trading_guard& g, std::vector<guard_event>& ev, std::int64_t now) {
        g.on_journal_failure(
            now, "write_failed: start-up record (" + std::string(to_string(ec)) + ")", ev);
        return true;
      });
    }
    if (const journal_errc ec = journal->sync(); ec != journal_errc::ok) {
      journal_sync_errors.fetch_add(1, std::memory_order_relaxed);
      std::cerr << "triarb: the journal's start-up fsync failed (" << to_string(ec) << ")\n";
    }
    publish_journal_stats();
  }

  // The two journal calls of layer four (journal thread): an opportunity with
  // its verdict, a guard event as a state record (core/journal_bridge.h).
  journal_errc append_opportunity(const queued_opportunity& q) {
    return journal->append(to_record(q.op, *idx, *u, q.why), now_ns());
  }
  journal_errc append_state(const guard_event& e) {
    return journal->append(to_record(e, *idx, *u), now_ns());
  }

  void publish_journal_stats() {
    const journal_stats& st = journal->stats();
    journal_rotations.store(st.rotations, std::memory_order_relaxed);
    journal_rotation_failures.store(st.rotation_failures, std::memory_order_relaxed);
    journal_torn_moved.store(st.torn_moved, std::memory_order_relaxed);
    journal_chains_set_aside.store(st.chains_set_aside, std::memory_order_relaxed);
    journal_fsyncs.store(st.fsyncs, std::memory_order_relaxed);
  }

  void evaluator_loop() {
    if (o.evaluator_cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(static_cast<unsigned>(o.evaluator_cpu), &set);
      if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
        std::cerr << "triarb: could not pin the evaluator to CPU " << o.evaluator_cpu << "\n";
      }
    }
    // Spins or blocks while nothing is dirty (eval_wakeup.h); false once
    // run()'s shutdown called wake->stop().
    symbol_id s;
    while (wake->wait_for_work([&] { return dirty->pop(s); })) evaluate_symbol(s, now_ns());
    while (dirty->pop(s)) evaluate_symbol(s, now_ns());  // the final drain
  }

  std::string tick_line(std::int64_t now) {
    std::string j = tel.render_json(now);
    if (!j.empty() && j.back() == '}') j.pop_back();
    j += ",\"conn\":{";
    for (std::size_t i = 0; i < conn_counters::kSize; ++i) {
      const auto c = static_cast<conn_counter>(i);
      if (i) j += ',';
      j += "\"" + std::string(to_string(c)) + "\":" + std::to_string(conn.get(c));
    }
    j += ",\"open\":" + std::to_string(open_count.load(std::memory_order_relaxed)) + "}";
    const feed_session_counters& rs = reseed_counts;
    j += ",\"reseed\":{\"requests\":" + std::to_string(rs.reseeds.load(std::memory_order_relaxed)) +
         ",\"symbols\":" + std::to_string(rs.reseeded.load(std::memory_order_relaxed)) +
         ",\"failures\":" + std::to_string(reseed_failures.load(std::memory_order_relaxed)) +
         ",\"superseded\":" + std::to_string(rs.superseded.load(std::memory_order_relaxed)) +
         ",\"stale\":" + std::to_string(rs.stale.load(std::memory_order_relaxed)) +
         ",\"malformed\":" + std::to_string(reseed_malformed.load(std::memory_order_relaxed)) + "}";
    j += ",\"evaluator\":{\"mode\":\"" +
         std::string(inline_eval ? "inline" : to_string(wake->policy())) + "\"";
    for (const wake_count& c : wake_counts()) {
      j += ",\"" + std::string(c.name) + "\":" + std::to_string(c.value);
    }
    j += "}";
    j += ",\"journal\":{";
    bool first = true;
    for (const journal_count& c : journal_counts()) {
      j += (first ? "\"" : ",\"") + std::string(c.name) + "\":" + std::to_string(c.value);
      first = false;
    }
    j += "}";
    j += ",\"record\":{\"write_failures\":" +
         std::to_string(record_failures.load(std::memory_order_relaxed)) + "}";
    j += ",\"trading\":" + trading_json();
    if (exec) j += ",\"execution\":" + execution_json(exec->summary());
    // Frame receive -> decision: quantiles in µs (ns exact), then the counts.
    const latency_histogram::stats ls = latency.summarize();
    j += ",\"latency_us\":" + ls.json_us() + ",\"latency\":{\"count\":" + std::to_string(ls.count) +
         ",\"negative\":" + std::to_string(ls.negative) +
         ",\"overflow\":" + std::to_string(ls.overflow) + "}}";
    return j;
  }

  // The guard's counters, read under gmu (any thread).
  struct guard_counts {
    trading_state state = trading_state::active;
    std::size_t quarantined = 0;
    std::array<std::uint64_t, static_cast<std::size_t>(guard_trigger::kCount)> transitions{};
    std::array<std::uint64_t, static_cast<std::size_t>(suppress_reason::kCount)> verdicts{};
  };
  guard_counts read_guard() {
    guard_counts c;
    if (!guard) return c;
    std::lock_guard<std::mutex> g(gmu);
    c.state = guard->state();
    c.quarantined = guard->quarantined_count();
    for (std::size_t i = 0; i < c.transitions.size(); ++i) {
      c.transitions[i] = guard->transitions(static_cast<guard_trigger>(i));
    }
    for (std::size_t i = 0; i < c.verdicts.size(); ++i) {
      c.verdicts[i] = guard->verdicts(static_cast<suppress_reason>(i));
    }
    c.verdicts[static_cast<std::size_t>(suppress_reason::halted)] -= verdicts_not_journaled;
    return c;
  }
  // {"state":"active","quarantined":0,"transitions":{"repeat":0,...},
  //  "suppressed":{"reducing":0,"halted":0,"quarantined":0}}
  std::string trading_json() {
    const guard_counts c = read_guard();
    std::string j = "{\"state\":\"" + std::string(to_string(c.state)) +
                    "\",\"quarantined\":" + std::to_string(c.quarantined) + ",\"transitions\":{";
    for (std::size_t i = 0; i < c.transitions.size(); ++i) {
      j += (i ? ",\"" : "\"") + std::string(to_string(static_cast<guard_trigger>(i))) +
           "\":" + std::to_string(c.transitions[i]);
    }
    j += "},\"suppressed\":{";
    for (std::size_t i = 1; i < c.verdicts.size(); ++i) {
      j += (i > 1 ? ",\"" : "\"") + std::string(to_string(static_cast<suppress_reason>(i))) +
           "\":" + std::to_string(c.verdicts[i]);
    }
    return j + "}}";
  }

  // {"mode":"paper","cycles_started":3,...,"capture_rate":0.667,"realised":{"USDT":"0.1"},...}
  static std::string execution_json(const execution_summary& x) {
    std::string j = "{\"mode\":\"" + std::string(to_string(x.mode)) + "\"";
    for (std::size_t i = 0; i < x.engine.size(); ++i) {
      j += ",\"" + std::string(to_string(static_cast<exec_counter>(i))) +
           "\":" + std::to_string(x.engine[i]);
    }
    for (std::size_t i = 0; i < x.own.size(); ++i) {
      j += ",\"" + std::string(to_string(static_cast<executor_counter>(i))) +
           "\":" + std::to_string(x.own[i]);
    }
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.6f", x.capture_rate());
    j += ",\"capture_rate\":" + std::string(rate);
    const auto amounts = [&j](std::string_view name, const std::map<std::string, fixed8>& m) {
      j += ",\"" + std::string(name) + "\":{";
      bool first = true;
      for (const auto& [a, v] : m) {
        j += (first ? "\"" : ",\"") + a + "\":\"" + to_string(v) + "\"";
        first = false;
      }
      j += "}";
    };
    amounts("expected", x.expected_pnl);
    amounts("realised", x.realised_pnl);
    amounts("residual", x.residual);
    amounts("balances", x.balances);
    j += ",\"in_flight\":" + std::to_string(x.in_flight) +
         ",\"unknown\":" + std::to_string(x.unknown) +
         ",\"open_cycles\":" + std::to_string(x.open_cycles) +
         ",\"self_halted\":" + (x.self_halted ? "true" : "false") +
         ",\"acks\":" + std::to_string(x.acks) + ",\"ack_max_ns\":" + std::to_string(x.ack_max_ns) +
         "}";
    return j;
  }

  // Every counter of the tick, flat ("feed.frames_received"), for the
  // human line's "moved:" list.
  std::vector<std::pair<std::string, std::uint64_t>> flat_counters() {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    const auto block = [&out]<class E>(std::string_view group, const counter_block<E>& b,
                                       std::size_t first) {
      for (std::size_t i = first; i < counter_block<E>::kSize; ++i) {
        out.emplace_back(std::string(group) + "." + std::string(to_string(static_cast<E>(i))),
                         b.get(static_cast<E>(i)));
      }
    };
    block("feed", tel.feed, 0);
    block("parse_errors", tel.parse_errors, 1);
    block("eval", tel.eval, 0);
    block("conn", conn, 0);
    const feed_session_counters& rs = reseed_counts;
    out.emplace_back("reseed.requests", rs.reseeds.load(std::memory_order_relaxed));
    out.emplace_back("reseed.symbols", rs.reseeded.load(std::memory_order_relaxed));
    out.emplace_back("reseed.failures", reseed_failures.load(std::memory_order_relaxed));
    out.emplace_back("reseed.superseded", rs.superseded.load(std::memory_order_relaxed));
    out.emplace_back("reseed.stale", rs.stale.load(std::memory_order_relaxed));
    out.emplace_back("reseed.malformed", reseed_malformed.load(std::memory_order_relaxed));
    for (const wake_count& c : wake_counts()) {
      out.emplace_back("evaluator." + std::string(c.name), c.value);
    }
    for (const journal_count& c : journal_counts()) {
      out.emplace_back("journal." + std::string(c.name), c.value);
    }
    out.emplace_back("record.write_failures", record_failures.load(std::memory_order_relaxed));
    const guard_counts g = read_guard();
    for (std::size_t i = 0; i < g.transitions.size(); ++i) {
      out.emplace_back("transitions." + std::string(to_string(static_cast<guard_trigger>(i))),
                       g.transitions[i]);
    }
    for (std::size_t i = 1; i < g.verdicts.size(); ++i) {
      out.emplace_back("suppressed." + std::string(to_string(static_cast<suppress_reason>(i))),
                       g.verdicts[i]);
    }
    return out;
  }

  // The one human tick line (live_bot.h, "The tick line"); feed thread.
  std::string human_tick(std::int64_t now) {
    const std::vector<std::pair<std::string, std::uint64_t>> flat = flat_counters();
    const auto delta = [this](const std::string& name, std::uint64_t v) {
      const auto it = last_counters.find(name);
      return v - (it == last_counters.end() ? 0 : it->second);
    };
    std::uint64_t frames_d = 0, opp_d = 0, suppressed_d = 0;
    std::string moved;
    for (const auto& [name, v] : flat) {
      const std::uint64_t d = delta(name, v);
      if (name == "feed.frames_received") frames_d = d;
      if (name == "eval.opportunities") opp_d = d;
      if (name.starts_with("suppressed.")) suppressed_d += d;
      if (d != 0 && !is_flow_counter(name)) moved += " " + name + "+" + std::to_string(d);
    }
    const double secs = last_tick_ns != 0 && now > last_tick_ns
                            ? static_cast<double>(now - last_tick_ns) / 1e9
                            : static_cast<double>(o.cfg.telemetry_interval_ms) / 1e3;
    last_tick_ns = now;
    last_counters.clear();
    for (const auto& [name, v] : flat) last_counters.emplace(name, v);
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.0f", static_cast<double>(frames_d) / secs);
    const std::uint32_t hs = health_symbols.load(std::memory_order_relaxed);
    const std::uint32_t hi = health_invalid.load(std::memory_order_relaxed);
    char valid[32] = "-";
    if (hs > 0) {
      std::snprintf(valid, sizeof valid, "%.1f%%",
                    100.0 * static_cast<double>(hs - hi) / static_cast<double>(hs));
    }
    const latency_histogram::stats ls = latency.summarize();
    const auto st = static_cast<trading_state>(trading_now.load(std::memory_order_relaxed));
    return "state=" + std::string(to_string(st)) + " frames/s=" + rate + " valid=" + valid +
           " opp=" + std::to_string(opp_d) + " suppressed=" + std::to_string(suppressed_d) +
           " p50=" + latency_histogram::micros_text(ls.p50_ns) +
           "\u00b5s p99=" + latency_histogram::micros_text(ls.p99_ns) +
           "\u00b5s journal_lag=" + std::to_string(journal_lag.load(std::memory_order_relaxed)) +
           " moved:" + (moved.empty() ? " -" : moved) +
           (exec ? " | " + exec->summary().line() : std::string());
  }

  // The evaluator's wake-up counters (eval_wakeup.h; zero when inline), one
  // list for the tick line and the metrics.
  struct wake_count {
    std::string_view name;
    std::uint64_t value;
    std::string_view help;
  };
  std::vector<wake_count> wake_counts() const {
    const auto get = [this](std::atomic<std::uint64_t> eval_wakeup_counters::*m) {
      return wake ? (wake->counters().*m).load(std::memory_order_relaxed) : 0;
    };
    using c = eval_wakeup_counters;
    return {
        {"spin_found", get(&c::spin_found), "Evaluator polls (before blocking) that found work."},
        {"recheck_found", get(&c::recheck_found),
         "Evaluator waits avoided: work found on the re-check after announcing."},
        {"waits", get(&c::waits), "Evaluator futex waits entered (nothing dirty)."},
        {"wakeups", get(&c::wakeups), "Evaluator waits that ended before the timeout."},
        {"timeouts", get(&c::timeouts), "Evaluator waits that reached the safety-net timeout."},
        {"missed_wakeups", get(&c::missed_wakeups),
         "Evaluator timeouts that found work with no notify since the wait began: a wake-up "
         "that never came (must stay 0)."},
        {"wait_errors", get(&c::wait_errors),
         "Evaluator futex waits that failed (not a wake-up, timeout or signal; must stay 0)."},
        {"notifies", get(&c::notifies),
         "Futex wakes the feed thread made for a parked evaluator."}};
  }

  // The journal's counters, one list for the tick line and the metrics.
  struct journal_count {
    std::string_view name;
    std::uint64_t value;
    std::string_view help;  // the metric's HELP text
  };
  std::vector<journal_count> journal_counts() const {
    const auto get = [](const std::atomic<std::uint64_t>& a) {
      return a.load(std::memory_order_relaxed);
    };
    return {
        {"written", get(journal_written), "Opportunities appended to the journal."},
        {"states", get(journal_states),
         "Trading-state records (guard transitions, quarantines) appended to the journal."},
        {"errors", get(journal_errors),
         "Journal records (opportunities, state records, checkpoints) whose append failed, each "
         "once however often it was retried."},
        {"retries", get(journal_retries), "Appends retried after a failed write."},
        {"dropped_at_shutdown", get(journal_dropped),
         "Records not journaled: at shutdown, after a failed write (state records included)."},
        {"states_dropped_at_shutdown", get(journal_states_dropped),
         "Trading-state records among the records dropped at shutdown."},
        {"full", tel.eval.get(eval_counter::journal_full),
         "Opportunities not journaled because the journal queue was full."},
        {"checkpoints", get(journal_checkpoints), "Telemetry checkpoints appended to the journal."},
        {"sync_errors", get(journal_sync_errors), "Journal fsyncs that failed."},
        {"fsyncs", get(journal_fsyncs), "Journal fsyncs done."},
        {"rotations", get(journal_rotations), "Journal files rotated."},
        {"rotation_failures", get(journal_rotation_failures),
         "Journal rotations whose next file could not be created (appending continued)."},
        {"torn_tails_moved", get(journal_torn_moved), "Torn journal tails moved aside at open."},
        {"chains_set_aside", get(journal_chains_set_aside),
         "Journal chains that did not verify, set aside at open."}};
  }

  // triarb_execution_* (runtime/executor.h): every engine counter and the
  // executor's own, cycles by outcome, capture rate, P&L and residuals.
  static void render_execution(std::string& out, const execution_summary& x) {
    render_family(out, "triarb_execution_events_total",
                  "Execution engine counters (core/execution_engine.h exec_counter), by name.");
    for (std::size_t i = 0; i < x.engine.size(); ++i) {
      out += "triarb_execution_events_total{counter=\"" +
             std::string(to_string(static_cast<exec_counter>(i))) + "\"} " +
             std::to_string(x.engine[i]) + "\n";
    }
    render_family(out, "triarb_execution_transport_total",
                  "The live executor's own failure paths (runtime/executor.h executor_counter).");
    for (std::size_t i = 0; i < x.own.size(); ++i) {
      out += "triarb_execution_transport_total{counter=\"" +
             std::string(to_string(static_cast<executor_counter>(i))) + "\"} " +
             std::to_string(x.own[i]) + "\n";
    }
    render_family(out, "triarb_execution_cycles_total",
                  "Execution cycles closed, by outcome (missed: leg 1 expired unfilled; "
                  "leg1_rejected: leg 1 rejected; both are the journal's missed).");
    for (const auto& [name, c] : {std::pair{"done", exec_counter::cycles_done},
                                  std::pair{"residual", exec_counter::cycles_residual},
                                  std::pair{"missed", exec_counter::cycles_missed},
                                  std::pair{"leg1_rejected", exec_counter::cycles_rejected}}) {
      out += "triarb_execution_cycles_total{outcome=\"" + std::string(name) + "\"} " +
             std::to_string(x.count(c)) + "\n";
    }
    render_counter(out, "triarb_execution_cycles_started_total", "Execution cycles started.",
                   x.count(exec_counter::cycles_started));
    render_counter(out, "triarb_execution_orders_total", "Orders sent (paper or sim).",
                   x.count(exec_counter::orders_sent));
    render_counter(out, "triarb_execution_rejects_total", "Orders answered rejected.",
                   x.count(exec_counter::rejects));
    render_counter(out, "triarb_execution_timeouts_total", "Orders whose answer never came.",
                   x.count(exec_counter::timeouts));
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.6f", x.capture_rate());
    out +=
        "# HELP triarb_execution_capture_rate Cycles done over cycles started (0 when none).\n"
        "# TYPE triarb_execution_capture_rate gauge\ntriarb_execution_capture_rate " +
        std::string(rate) + "\n";
    const auto gauge = [&out](std::string_view name, std::string_view help,
                              const std::map<std::string, fixed8>& m) {
      out += "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " +
             std::string(name) + " gauge\n";
      for (const auto& [a, v] : m) {
        out += std::string(name) + "{asset=\"" + a + "\"} " + to_string(v) + "\n";
      }
    };
    gauge("triarb_execution_realised_pnl",
          "Closed cycles' realised profit, by start asset (exact decimal).", x.realised_pnl);
    gauge("triarb_execution_expected_pnl",
          "Closed cycles' expected profit at decision, by start asset (exact decimal).",
          x.expected_pnl);
    gauge("triarb_execution_residual", "Residual inventory held by the risk gate, by asset.",
          x.residual);
    out +=
        "# HELP triarb_execution_in_flight Orders sent and not answered (unknown included).\n"
        "# TYPE triarb_execution_in_flight gauge\ntriarb_execution_in_flight " +
        std::to_string(x.in_flight) + "\n";
    // Per leg position over the closed cycles (runtime/executor.h leg_execution_stats).
    const auto per_leg = [&out, &x](std::string_view name, std::string_view type,
                                    std::string_view help, const auto& samples) {
      out += "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " +
             std::string(name) + " " + std::string(type) + "\n";
      for (std::size_t k = 0; k < x.legs.size(); ++k) {
        for (const auto& [stat, v] : samples(x.legs[k])) {
          out += std::string(name) + "{leg=\"" + std::to_string(k + 1) + "\"" +
                 (stat.empty() ? std::string() : ",stat=\"" + std::string(stat) + "\"") + "} " + v +
                 "\n";
        }
      }
    };
    using stat_list = std::vector<std::pair<std::string_view, std::string>>;
    per_leg("triarb_execution_leg_filled_total", "counter",
            "Legs that filled, by leg position (slippage samples).",
            [](const leg_execution_stats& l) {
              return stat_list{{"", std::to_string(l.filled)}};
            });
    per_leg("triarb_execution_leg_slippage_bps", "gauge",
            "Slippage of the legs that filled against the planned price, in bps of the planned "
            "notional (+ is worse), by leg position: median (lower middle of the last 4096), "
            "worst and sum; 0 when none filled.",
            [](const leg_execution_stats& l) {
              return stat_list{{"median", decimal_text(l.slip_median_e2, 2)},
                               {"worst", decimal_text(l.slip_worst_e2, 2)},
                               {"sum", decimal_text(l.slip_sum_e2, 2)}};
            });
    per_leg("triarb_execution_leg_answered_total", "counter",
            "Legs answered (send -> answer samples), by leg position.",
            [](const leg_execution_stats& l) {
              return stat_list{{"", std::to_string(l.answered)}};
            });
    per_leg("triarb_execution_leg_ack_seconds", "gauge",
            "Order send -> answer time of the answered legs, by leg position: median (lower "
            "middle of the last 4096) and max; 0 when none answered.",
            [](const leg_execution_stats& l) {
              return stat_list{{"median", decimal_text(l.ack_median_ns, 9)},
                               {"max", decimal_text(l.ack_max_ns, 9)}};
            });
  }

  std::string prometheus() {
    std::string out;
    render_counters(out, "feed", tel.feed);
    render_counters(out, "parse_errors", tel.parse_errors, 1);  // frame_errc::ok is no error
    render_counters(out, "eval", tel.eval);
    render_counters(out, "conn", conn);
    const feed_session_counters& rs = reseed_counts;
    render_counter(out, "triarb_reseed_requests_total", "REST re-seed snapshots applied.",
                   rs.reseeds.load(std::memory_order_relaxed));
    render_counter(out, "triarb_reseed_symbols_total", "Symbols re-seeded from a REST snapshot.",
                   rs.reseeded.load(std::memory_order_relaxed));
    render_counter(out, "triarb_reseed_failures_total", "REST re-seed requests that failed.",
                   reseed_failures.load(std::memory_order_relaxed));
    render_counter(out, "triarb_reseed_superseded_total",
                   "Invalid symbols not re-seeded: the feed touched them since the request.",
                   rs.superseded.load(std::memory_order_relaxed));
    render_counter(out, "triarb_reseed_stale_total",
                   "Re-seed snapshots not applied: their connection was lost, reopened or quiet "
                   "since the request.",
                   rs.stale.load(std::memory_order_relaxed));
    render_counter(out, "triarb_reseed_malformed_entries_total",
                   "bookTicker entries not usable (fields missing, bad numbers, crossed book).",
                   reseed_malformed.load(std::memory_order_relaxed));
    for (const journal_count& j : journal_counts()) {
      render_counter(out, "triarb_journal_" + std::string(j.name) + "_total", j.help, j.value);
    }
    for (const wake_count& w : wake_counts()) {
      render_counter(out, "triarb_evaluator_" + std::string(w.name) + "_total", w.help, w.value);
    }
    render_counter(out, "triarb_record_write_failures_total",
                   "Record mode: events the recording failed to write.",
                   record_failures.load(std::memory_order_relaxed));
    latency.render(out, "triarb_frame_to_decision",
                   "Frame receive to evaluation of the symbol it made dirty");
    // Layer four (core/trading_guard.h).
    const guard_counts g = read_guard();
    out +=
        "# HELP triarb_trading_state The trading state: 1 for the current one, 0 for the "
        "others.\n# TYPE triarb_trading_state gauge\n";
    for (std::size_t i = 0; i < kTradingStates; ++i) {
      const auto st = static_cast<trading_state>(i);
      out += "triarb_trading_state{state=\"" + std::string(to_string(st)) + "\"} " +
             (st == g.state ? "1" : "0") + "\n";
    }
    render_family(out, "triarb_guard_transitions_total",
                  "Trading guard transitions by trigger (repeat: triangles quarantined).");
    for (std::size_t i = 0; i < g.transitions.size(); ++i) {
      out += "triarb_guard_transitions_total{trigger=\"" +
             std::string(to_string(static_cast<guard_trigger>(i))) + "\"} " +
             std::to_string(g.transitions[i]) + "\n";
    }
    render_family(out, "triarb_opportunities_suppressed_total",
                  "Opportunities the trading guard suppressed (journaled, not actionable), by "
                  "reason.");
    for (std::size_t i = 1; i < g.verdicts.size(); ++i) {
      out += "triarb_opportunities_suppressed_total{reason=\"" +
             std::string(to_string(static_cast<suppress_reason>(i))) + "\"} " +
             std::to_string(g.verdicts[i]) + "\n";
    }
    out +=
        "# HELP triarb_guard_quarantined_triangles Triangles quarantined by the repeat guard "
        "until an operator resumes.\n# TYPE triarb_guard_quarantined_triangles gauge\n"
        "triarb_guard_quarantined_triangles " +
        std::to_string(g.quarantined) + "\n";
    if (exec) render_execution(out, exec->summary());
    return out;
  }
};

live_bot::live_bot(live_options o) : s_(std::make_unique<state>(std::move(o))) {}
live_bot::~live_bot() = default;

void live_bot::request_stop() noexcept {
  s_->stop_requested.store(true, std::memory_order_relaxed);  // polled by the feed thread
}
void live_bot::request_halt() noexcept {
  s_->halt_requested.store(true, std::memory_order_relaxed);  // polled by the feed thread
}
trading_state live_bot::trading() const noexcept {
  return static_cast<trading_state>(s_->trading_now.load(std::memory_order_relaxed));
}
std::uint16_t live_bot::metrics_port() const noexcept {
  return s_->metrics ? s_->metrics->port() : 0;
}
bool live_bot::running() const noexcept {
  return s_->running.load(std::memory_order_acquire);  // pairs with run()'s release store
}
std::size_t live_bot::symbol_count() const noexcept {
  return s_->symbols ? s_->symbols->size() : 0;
}
std::size_t live_bot::connection_count() const noexcept { return s_->groups.size(); }
std::vector<symbol_id> live_bot::symbols_of(std::size_t c) const { return s_->groups[c]; }
book_snapshot live_bot::read(symbol_id s) const noexcept { return s_->book->read(s); }
std::size_t live_bot::open_connections() const noexcept {
  return s_->open_count.load(std::memory_order_relaxed);
}
std::uint64_t live_bot::counter(conn_counter c) const noexcept { return s_->conn.get(c); }
std::uint64_t live_bot::reseeds() const noexcept {
  return s_->reseed_counts.reseeds.load(std::memory_order_relaxed);
}
std::uint64_t live_bot::reseeded_symbols() const noexcept {
  return s_->reseed_counts.reseeded.load(std::memory_order_relaxed);
}
std::uint64_t live_bot::frames() const noexcept {
  return s_->tel.feed.get(feed_counter::frames_received);
}

live_report live_bot::run() {
  state& s = *s_;
  bot_config& cfg = s.o.cfg;
  validate(cfg);  // throws config_error (dry_run false, symbols_per_connection > 1024, ...)
  check_evaluator_options(s.o);  // config_error: timeout, spin, a CPU not allowed
  // The operator's token, once, before anything starts (config_error: missing, empty, or
  // readable by group or others).
  if (!cfg.token_file.empty()) s.control_token = read_token_file(cfg.token_file);
  // The operator's resume on the command line (after the journal's state is
  // restored, below) is never taken while the halt file says halt: refused
  // before anything is opened or written.
  if (s.o.resume_at_start) {
    if (const auto why = halt_file_present(cfg.halt_file)) {
      throw config_error("--resume refused: the halt file " + cfg.halt_file + " " + *why +
                         "; remove it, then resume");
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  tls_options to = s.o.tls;
  if (to.ca_file.empty() && to.ca_pem.empty()) to.ca_file = cfg.ca_file;
  s.tls = std::make_unique<tls_context>(to);
  const endpoint_url ws_url = parse_endpoint_url(cfg.ws_url);

  const auto deadline = s.o.duration_ms > 0 ? t0 + std::chrono::milliseconds(s.o.duration_ms)
                                            : std::chrono::steady_clock::time_point::max();
  // Ctrl-C and --duration end the start-up too: the exchangeInfo request (a
  // server that accepts and never answers held it for the whole request
  // timeout) and, checked once more before connecting, the loading and the
  // journal's verification. The run ends there, nothing connected, and the
  // report says where and why.
  const auto stop_reason = [&s, deadline]() -> const char* {
    if (s.stop_requested.load(std::memory_order_relaxed)) return "stop requested";
    if (std::chrono::steady_clock::now() >= deadline) return "--duration ended";
    return nullptr;
  };
  const auto stopped_report = [&](const std::string& where) {
    live_report r;
    const char* why = stop_reason();
    r.stopped_during_startup = where + " (" + (why != nullptr ? why : "stopped") + ")";
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
  };
  // Start-up: exchangeInfo -> universe -> index.
  {
    rest_options ro;
    ro.stop = [&stop_reason] { return stop_reason() != nullptr; };
    rest_client rest(*s.tls, cfg.rest_url, ro);
    try {
      s.u = std::make_unique<universe>(load_exchange_info(rest.exchange_info()));
    } catch (const rest_stopped& e) {  // a real failure (timeout, HTTP, TLS) is not a stop
      return stopped_report(e.what());
    }
  }
  if (const unsupported_names& skipped = s.u->skipped_unsupported(); skipped.count > 0) {
    std::cerr << "triarb: exchangeInfo: " << skipped.count
              << " TRADING symbols skipped, names the bot cannot carry (first: " << skipped.first
              << ")\n";
  }
  check_connection_plan(cfg, s.u->symbols().size());  // config_error: the budget cannot open them
  s.idx = std::make_unique<triangle_index>(
      triangle_index::build(*s.u, start_asset_ids(cfg, *s.u)));  // config_error: not traded
  s.symbols = std::make_unique<symbol_table>(make_symbol_table(*s.u));
  const std::size_t n = s.symbols->size();
  s.book = std::make_unique<order_book>(n);
  s.dirty = std::make_unique<dirty_set>(n);
  s.feed = std::make_unique<feed_handler>(*s.symbols, *s.book, *s.dirty, s.tel);
  // The one configuration -> evaluator mapping (config.h): a fee override or
  // budget naming a symbol or asset the exchange does not trade is an error
  // here, before connecting, as in replay and the audit.
  const evaluator_config ec = to_evaluator_config(cfg, *s.u);
  s.eval = std::make_unique<evaluator>(*s.u, *s.idx, ec, s.tel);
  // Layer four: the guard (validated with the configuration), and each start
  // asset's symbols for its feed-health sample.
  s.guard = std::make_unique<trading_guard>(cfg.guard);
  s.start_assets = start_asset_ids(cfg, *s.u);
  s.start_asset_symbols.assign(s.start_assets.size(), {});
  {
    std::vector<std::vector<std::uint8_t>> seen(s.start_assets.size(),
                                                std::vector<std::uint8_t>(n, 0));
    for (const triangle& t : s.idx->triangles()) {
      for (std::size_t i = 0; i < s.start_assets.size(); ++i) {
        if (s.start_assets[i] != t.start) continue;
        for (const leg& l : t.legs) {
          if (seen[i][l.symbol] == 0) s.start_asset_symbols[i].push_back(l.symbol);
          seen[i][l.symbol] = 1;
        }
      }
    }
  }

  // Connections: the URL length of each is checked here, before any connect.
  s.groups = split_into_connections(n, static_cast<std::size_t>(cfg.symbols_per_connection));
  s.ever_opened.assign(s.groups.size(), 0);
  ws_options wo = s.o.ws;
  wo.clock = &s.clock;
  wo.pong_deadline_ms = cfg.pong_deadline_ms;
  wo.quiet_ms = cfg.quiet_ms;
  wo.rotate_after_ms = cfg.rotate_after_ms;
  s.budget = std::make_unique<connect_budget>(cfg.reconnect_attempts_per_5min);
  for (std::size_t i = 0; i < s.groups.size(); ++i) {
    std::vector<std::string> names;
    for (symbol_id id : s.groups[i]) names.emplace_back(s.symbols->name(id));
    s.conns.push_back(
        ws_connection::make(s.ioc, *s.tls, ws_url, names, i, wo, *s.budget, s.conn, s));
    (void)s.feed->add_connection(s.groups[i]);
  }
  s.session =
      std::make_unique<feed_session>(*s.feed, *s.book, *s.dirty, s.groups, n, s.reseed_counts);

  if (!s.o.record_path.empty()) {
    // Appends across restarts (checked here, before the journal writes
    // anything); the start event, below, tells replay a new process (an
    // empty book) begins.
    s.record = std::make_unique<frames_recorder>(s.o.record_path, s.o.record_mode);
    if (s.record->torn_bytes() > 0) {
      std::cerr << "triarb: " << s.o.record_path << ": its last line was torn ("
                << s.record->torn_bytes() << " bytes, a crash mid-write); set aside in "
                << s.o.record_path << ".torn\n";
    }
  }
  // The evaluator: its mode, and its wake-up (before the metrics thread,
  // which reads the counters, starts).
  live_options::evaluator_mode mode = s.o.evaluator;
  if (mode == live_options::evaluator_mode::automatic) {
    mode = s.o.evaluator_cpu >= 0 ? live_options::evaluator_mode::spin
                                  : live_options::kUnpinnedDefault;
  }
  s.inline_eval = s.record != nullptr || mode == live_options::evaluator_mode::inline_feed;
  if (!s.inline_eval) {
    s.wake = std::make_unique<eval_wakeup>(
        mode == live_options::evaluator_mode::spin ? wake_policy::spin : wake_policy::block,
        s.o.evaluator_spin_ns, s.o.evaluator_wait_timeout_ns);
  }
  if (s.o.stage_every > 0) {
    s.stages = std::make_unique<stage_sampler>(s.o.stage_every);
    s.stage_parser = std::make_unique<frame_parser>(*s.symbols);
  }
  // One time for the journal's genesis and the recording's start event: the
  // audit pairs a session with its recorded process by it.
  const std::int64_t started = s.now_ns();
  if (s.o.journal && !cfg.journal_path.empty()) {
    journal_options jo;
    jo.version = journal_version("live");
    jo.config_text = cfg.decision_toml();  // operational knobs may change across restarts
    jo.start_new_on_broken = s.o.new_journal;
    jo.universe = std::to_string(s.u->fingerprint());
    jo.start_ns = started;
    switch (cfg.journal_fsync) {
      case journal_fsync_mode::every_record:
        jo.fsync.k = fsync_policy::kind::every_record;
        break;
      case journal_fsync_mode::interval:
        jo.fsync.k = fsync_policy::kind::interval;
        break;
      case journal_fsync_mode::never:
        jo.fsync.k = fsync_policy::kind::never;
        break;
    }
    jo.fsync.interval_ns = cfg.journal_fsync_interval_ms * 1'000'000;
    jo.rotate_bytes = static_cast<std::uint64_t>(cfg.journal_rotate_bytes);
    s.journal = std::make_unique<journal_writer>(journal_writer::open(cfg.journal_path, jo));
    s.publish_journal_stats();  // a torn tail moved or a chain set aside at open
  }
  if (s.record) s.record->start(started);  // after the journal opened (it may refuse)
  // A continued chain's trading state is inherited (a halt survives a
  // restart; only an operator's resume leaves it): its records replayed
  // (core/trading_state_replay.h), the guard restored, without an event. A
  // new chain (--new-journal, no file, a broken one set aside) replays to
  // its start genesis: active.
  if (s.journal) s.restore_from_journal(cfg.journal_path);
  // A halt file present at start-up: the run starts halted (its state
  // record the first after the genesis or the chain's last record).
  // Already halted (restored): no second halt, no event.
  if (const auto why = halt_file_present(cfg.halt_file)) {
    s.with_guard([&](trading_guard& g, std::vector<guard_event>& ev, std::int64_t now) {
      g.halt(now, "halt_file", "the halt file " + cfg.halt_file + " " + *why + " at start-up", ev);
      return true;
    });
  }
  if (s.o.resume_at_start) {
    s.with_guard([&](trading_guard& g, std::vector<guard_event>& ev, std::int64_t now) {
      return g.resume(now, "command_line", ev);
    });
  }
  // The start-up's state records are written now, on this thread (the
  // journal thread has not started): a run that stops here keeps them.
  if (s.journal) s.write_startup_records();
  // Execution ([execution] mode paper or sim; runtime/executor.h): driven by
  // the journal thread, so it needs the journal (an order not in the journal
  // is never sent). It starts in the guard's state now; every later
  // transition reaches it through the journal queue, in the guard's order.
  if (cfg.execution.mode != execution_mode::off) {
    if (!s.journal) {
      throw config_error("execution.mode = \"" + std::string(to_string(cfg.execution.mode)) +
                         "\" needs the journal (an order not journaled is never sent)");
    }
    executor_hooks h;
    h.write = [&s](const execution_record& r, std::int64_t now) {
      return std::visit([&](const auto& rec) { return s.journal->append(rec, now); }, r);
    };
    h.halt = [&s](const execution_event& e) {
      s.with_guard([&](trading_guard& g, std::vector<guard_event>& ev, std::int64_t now) {
        g.halt(now, "reconcile", e.detail, ev);
        return true;
      });
    };
    h.read_book = [&s](symbol_id id) { return s.book->read(id); };
    h.wake = [&s] {
      std::lock_guard<std::mutex> lk(s.jmu);
      s.exec_wake = true;
      s.jcv.notify_one();
    };
    trading_state initial = trading_state::active;
    std::vector<triangle_id> quarantined;  // restored from the journal: held by the engine too
    {
      std::lock_guard<std::mutex> g(s.gmu);
      initial = s.guard->state();
      for (triangle_id t = 0; t < s.idx->size(); ++t) {
        if (s.guard->quarantined(t)) quarantined.push_back(t);
      }
    }
    s.exec = std::make_unique<executor>(cfg, *s.u, *s.idx, initial, std::move(h), s.tls.get(),
                                        s.now_ns(), quarantined);
    std::cerr << "triarb: execution " << to_string(cfg.execution.mode)
              << (cfg.execution.mode == execution_mode::paper
                      ? " (no order leaves the process: each leg filled against the bot's book)"
                      : " (orders to the simulated exchange at " + cfg.rest_url + ")")
              << "\n";
  }
  if (s.o.before_connecting) s.o.before_connecting();
  if (stop_reason() != nullptr) return stopped_report("before connecting");
  if (!cfg.metrics_address.empty()) {
    // The server appends its own counters (metrics_server.h); with a token,
    // it takes the operator's POST /halt and /resume.
    control_options co;
    co.token = s.control_token;
    if (!s.control_token.empty()) co.act = [&s](control_action a) { return s.control(a); };
    s.metrics = std::make_unique<metrics_server>(
        cfg.metrics_address, [&s] { return s.prometheus(); }, metrics_options{}, std::move(co));
    s.metrics->start();
    if (s.metrics->any_port())
      std::cerr << "triarb: metrics on " << s.metrics->local_endpoint() << "\n";
  }

  std::thread journal_thread, eval_thread;
  if (s.journal) journal_thread = std::thread([&s] { s.journal_loop(); });
  if (!s.inline_eval) eval_thread = std::thread([&s] { s.evaluator_loop(); });
  std::thread reseed_thread([&s] { s.reseed_loop(); });

  for (auto& c : s.conns) c->start();
  s.running.store(true, std::memory_order_release);  // pairs with running()'s acquire

  // Poll for stop / duration, SIGUSR1 and the halt file; sample feed health;
  // tick telemetry.
  net::steady_timer poll(s.ioc);
  auto next_tick =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg.telemetry_interval_ms);
  auto next_halt_file = std::chrono::steady_clock::now();
  auto next_health = std::chrono::steady_clock::now();
  s.last_tick_ns = s.now_ns();
  std::function<void(boost::system::error_code)> on_poll = [&](boost::system::error_code) {
    const auto now = std::chrono::steady_clock::now();
    if (s.halt_requested.exchange(false, std::memory_order_relaxed)) {
      s.with_guard([&](trading_guard& g, std::vector<guard_event>& ev, std::int64_t t) {
        g.halt(t, "signal", "SIGUSR1", ev);
        return true;
      });
    }
    if (!cfg.halt_file.empty() && now >= next_halt_file) {
      next_halt_file = now + std::chrono::milliseconds(100);
      if (const auto why = halt_file_present(cfg.halt_file)) {
        s.with_guard([&](trading_guard& g, std::vector<guard_event>& ev, std::int64_t t) {
          g.halt(t, "halt_file",
                 "the halt file " + cfg.halt_file + " " +
                     (*why == "exists" ? std::string("appeared") : *why),
                 ev);
          return true;
        });
      }
    }
    const bool tick = now >= next_tick;
    if (tick || now >= next_health) {
      next_health = now + std::chrono::milliseconds(250);
      s.sample_feed_health();
    }
    if (tick) {
      const std::int64_t t = s.now_ns();
      s.last_tick = s.tick_line(t);
      if (s.o.ticks) {
        *s.o.ticks << (s.o.json_ticks ? s.last_tick : s.human_tick(t)) << '\n' << std::flush;
      }
      next_tick += std::chrono::milliseconds(cfg.telemetry_interval_ms);
    }
    if (s.stop_requested.load(std::memory_order_relaxed) || now >= deadline) {
      s.stop_requested.store(true, std::memory_order_relaxed);
      for (auto& c : s.conns) c->stop();
      return;  // the io_context runs out once the closes complete
    }
    poll.expires_after(std::chrono::milliseconds(20));
    poll.async_wait(on_poll);
  };
  poll.expires_after(std::chrono::milliseconds(20));
  poll.async_wait(on_poll);
  s.ioc.run();

  // Shutdown: re-seeder, evaluator (final drain), journal (flush + sync), metrics.
  {
    std::lock_guard<std::mutex> lk(s.rmu);
    s.rstop = true;
    s.rcv.notify_all();
  }
  reseed_thread.join();
  if (s.wake) s.wake->stop();  // the feed thread (this one) is the epoch's one writer
  if (eval_thread.joinable()) eval_thread.join();
  // Before the journal's last batch: an operator's halt or resume still reaches it.
  if (s.metrics) s.metrics->stop();
  {
    std::lock_guard<std::mutex> lk(s.jmu);
    s.jstop = true;
    s.jcv.notify_all();
  }
  if (journal_thread.joinable()) journal_thread.join();
  if (s.exec) s.exec->stop();
  if (s.record) {
    (void)s.record->flush();
    s.record_failures.store(s.record->write_failures(), std::memory_order_relaxed);
  }
  s.running.store(false, std::memory_order_release);

  live_report r;
  r.symbols = n;
  r.assets = s.u->assets().size();
  r.triangles = s.idx->size();
  r.connections = s.groups.size();
  r.frames = s.tel.feed.get(feed_counter::frames_received);
  r.opportunities = s.tel.eval.get(eval_counter::opportunities);
  r.journal_full = s.tel.eval.get(eval_counter::journal_full);
  r.journal_written = s.journal_written.load(std::memory_order_relaxed);
  r.reseeds = s.reseed_counts.reseeds.load(std::memory_order_relaxed);
  r.reseeded_symbols = s.reseed_counts.reseeded.load(std::memory_order_relaxed);
  r.record_write_failures = s.record_failures.load(std::memory_order_relaxed);
  r.journal_sync_error = s.journal_final_sync_error;
  r.latency = s.latency.summarize();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.evaluator = !s.inline_eval ? std::string(to_string(s.wake->policy())) : "inline";
  if (s.stages) r.stages = s.stages->summarize(&r.stage_samples);
  r.fatal_errors = s.fatal_errors;
  for (std::size_t i = 0; i < s.groups.size(); ++i) {
    if (s.ever_opened[i] == 0) {
      ++r.connections_never_opened;
      r.symbols_never_subscribed += s.groups[i].size();
    }
  }
  r.telemetry_json = s.tick_line(s.now_ns());
  const state::guard_counts g = s.read_guard();
  r.trading = g.state;
  r.quarantined = g.quarantined;
  r.transitions = g.transitions;
  r.verdicts = g.verdicts;
  if (s.exec) r.execution = s.exec->summary();
  return r;
}

std::string live_report::trading_summary() const {
  std::string out = "trading: " + std::string(to_string(trading)) + " at the end";
  if (quarantined > 0) out += ", " + std::to_string(quarantined) + " triangles quarantined";
  out += "; transitions:";
  for (std::size_t i = 0; i < transitions.size(); ++i) {
    out += (i ? ", " : " ") + std::string(to_string(static_cast<guard_trigger>(i))) + " " +
           std::to_string(transitions[i]);
  }
  out += "; suppressed:";
  for (std::size_t i = 1; i < verdicts.size(); ++i) {
    out += (i > 1 ? ", " : " ") + std::string(to_string(static_cast<suppress_reason>(i))) + " " +
           std::to_string(verdicts[i]);
  }
  std::uint64_t judged = 0;
  for (const std::uint64_t v : verdicts) judged += v;
  return out + " (of " + std::to_string(judged) + " opportunities)";
}

std::vector<std::string> live_report::unwatched() const {
  std::vector<std::string> out;
  if (symbols_never_subscribed > 0) {
    out.push_back(std::to_string(symbols_never_subscribed) + " of " + std::to_string(symbols) +
                  " symbols were never subscribed (" + std::to_string(connections_never_opened) +
                  " of " + std::to_string(connections) + " connections never opened)");
  }
  if (frames == 0) out.emplace_back("no frames were received");
  return out;
}

// ---- signals, resident memory ----

namespace {
// The bot the handlers act on (nullptr: none). A lock-free atomic, so the
// handlers may read it (async-signal-safe); stop_signals clears it before
// its bot goes, so a signal after that finds no bot, never a destroyed one.
std::atomic<live_bot*> g_signal_bot{nullptr};
static_assert(std::atomic<live_bot*>::is_always_lock_free);
extern "C" void on_stop_signal(int sig) {
  live_bot* b = g_signal_bot.load();
  if (b) b->request_stop();   // an atomic store: async-signal-safe
  std::signal(sig, SIG_DFL);  // a second Ctrl-C ends the process
}
extern "C" void on_halt_signal(int) {
  live_bot* b = g_signal_bot.load();
  if (b) b->request_halt();  // an atomic store: async-signal-safe
}
}  // namespace

stop_signals::stop_signals(live_bot& bot) : previous_bot_(g_signal_bot.exchange(&bot)) {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &previous_int_);
  sigaction(SIGTERM, &sa, &previous_term_);
  struct sigaction ha {};
  ha.sa_handler = on_halt_signal;
  sigemptyset(&ha.sa_mask);
  ha.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &ha, &previous_usr1_);
}

stop_signals::~stop_signals() {
  // The previous handlers first (a signal from now on never calls ours),
  // then the bot pointer.
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
  sigaction(SIGUSR1, &previous_usr1_, nullptr);
  g_signal_bot.store(previous_bot_);
}

stop_signals install_stop_signals(live_bot& bot) { return stop_signals(bot); }

std::size_t vm_hwm_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

}  // namespace triarb
