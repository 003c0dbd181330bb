// replay: the bot's pipeline, deterministic and offline, over a file of
// frames. Two formats:
//  - plain: one raw WebSocket text frame per line. Plain frames carry no
//    time: they are replayed on a logical clock (frame i is received at i
//    nanoseconds) and no leg is ever stale by age; each frame goes to the
//    connection of the symbol it names (split by symbols_per_connection),
//    a frame naming none to the connection of the frame before it.
//  - recorded (what `triarb sim --frames-out` and `triarb run --record`
//    write; frames_file.h has the format): every event that changed the
//    book, in order -- frames, losses, quiet connections, REST re-seeds with
//    the update id the book kept, and restarts. Times and connections are
//    the recorded ones and legs go stale after max_leg_age as they did live,
//    so the replay decides exactly what the live run decided (a restart
//    begins a fresh book, as the new process had). v1 recordings hold
//    frames only.
//
//   replay_options o{.exchange_info = "x.json", .frames = "f.txt"};
//   replay_report r = run_replay(o);
//
// Thread safety: self-contained; one thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/fixed8.h"
#include "core/frames_file.h"  // kRecordedFramesHeader

namespace triarb {

struct replay_options {
  std::string exchange_info;
  std::string frames;
  // Every knob as the live run had it: start assets, fees and their
  // overrides, min_profit, budgets, max_leg_age (recorded frames only) and
  // symbols_per_connection (the live split, for garbage attribution). The
  // journal's genesis record carries config.decision_toml().
  bot_config config;
  std::string journal_path;  // empty: none
  // Time every frame, bytes to decision (two steady_clock reads per frame,
  // which slow the loop a little): fills the latency fields of the report.
  bool measure_latency = false;
  // Paper execution (docs/design.md section 12, "In the live bot"): every
  // opportunity goes to core/execution_engine.h at its decision time, cited
  // by its opportunity record's hash (the journal's; without a journal, the
  // hash format_line gives it chained from the zero hash, seq 1, 2, ...);
  // the engine's paper transport answers each order at send + latency
  // (config.execution: latency_ns, jitter_ns, seed) against the replay's
  // book as it was then (due orders are answered before each later event).
  // Starting balances: config.execution.balances. With a journal, the
  // execution records join its chain after their decision.
  bool paper_execution = false;
};

// Paper execution's outcome (replay_options::paper_execution).
struct replay_execution {
  std::uint64_t decisions = 0, cycles_started = 0, cycles_done = 0, cycles_residual = 0,
                cycles_missed = 0, orders = 0, answers = 0, fills = 0, rejects = 0, refused = 0,
                records = 0, records_failed = 0;
  std::size_t in_flight_at_end = 0;
  std::map<std::string, fixed8> start, final_balances;       // by asset, non-zero
  std::map<std::string, fixed8> expected_pnl, realised_pnl;  // by start asset, exact
  std::map<std::string, fixed8> residual;                    // the risk gate's inventory
  // Per asset: start + the sum of every fill's signed effect (the ledger must equal it).
  std::map<std::string, fixed8> start_plus_fills;
  // "execution: paper cycles 3 (done 2, residual 1, missed 0) capture 66.7% orders 8 ..."
  [[nodiscard]] std::string line() const;
};

struct replay_report {
  std::uint64_t frames = 0;
  // Recorded events by frame_event: frame, lost, quiet, reseed (start: see
  // sessions).
  std::uint64_t events[5] = {};
  std::uint64_t sessions = 0;  // processes the recording holds (start events; at least 1)
  std::uint64_t empty_lines = 0;
  std::uint64_t torn_bytes = 0;  // a v2 recording's torn last line (a crash mid-write), skipped
  std::size_t symbols = 0;
  std::size_t triangles = 0;
  std::uint64_t opportunities = 0;
  // Wall time of the frame loop only: every line of the recording (already
  // in memory) split, its frame parsed, applied to the book and the dirty
  // triangles evaluated, journal and paper execution included (up to its
  // last order's answer); not the report after it. frames / seconds is the
  // replay's frames/s.
  double seconds = 0;
  // Wall time before the loop, not in `seconds`: the exchange info loaded,
  // the triangle index built, the frames file read into memory, the
  // pipeline (and journal, execution engine) made.
  double setup_seconds = 0;
  // With measure_latency: one frame, bytes to decision, exact: the
  // nearest-rank quantile of every frame's time (latency_quantile_ns), as
  // the live bot's histogram defines it (runtime/latency_histogram.h).
  std::int64_t latency_p50_ns = 0;
  std::int64_t latency_p90_ns = 0;
  std::int64_t latency_p99_ns = 0;
  std::int64_t latency_p999_ns = 0;
  std::int64_t latency_max_ns = 0;
  std::string telemetry_json;  // every counter
  bool executed = false;       // paper_execution ran
  replay_execution execution;
};

// Throws std::runtime_error (universe_error, journal_error...) with a clear
// message for unreadable inputs or a recording the replay cannot follow;
// config_error for a start asset, fee override or budget the exchange info
// does not trade.
[[nodiscard]] replay_report run_replay(const replay_options& o);

// The nearest-rank quantile q = ppm / 10^6 of `values`: the
// ceil(ppm * n / 10^6)-th smallest (the smallest for ppm = 0), in integers,
// as runtime/latency_histogram.h's quantile before its bucketing, so replay
// --latency and the live bot report the same statistic. Reorders `values`.
// REQUIRES: !values.empty(), ppm <= 10^6.
[[nodiscard]] std::int64_t latency_quantile_ns(std::vector<std::int64_t>& values,
                                               std::uint32_t ppm);

}  // namespace triarb
