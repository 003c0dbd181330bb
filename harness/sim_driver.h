// sim_driver: the deterministic simulation. The seeded market model, its
// frames (with faults injected on demand) and the bot's real pipeline
// (parser, book, evaluator, journal) run in one process on simulated time;
// every reported opportunity is judged against the market's ground truth.
// The same options give byte-identical output.
//
//   sim_options o;  o.seed = 7;  o.duration_ns = 30'000'000'000;
//   sim_report r = run_sim(o, std::cerr);   // telemetry ticks go to the stream
//   r.phantom == 0
//
// Thread safety: run_sim is self-contained; it may run on any one thread.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "core/evaluator.h"
#include "core/journal.h"
#include "sim/frame_faults.h"

namespace triarb {

// Frame faults (sim/frame_faults.h: garbage, truncated, bad_price, duplicate,
// reorder; the sim driver leaves oversized_qty at 0: the market's own micro
// coins already overflow), plus the mutant.
struct sim_faults : sim::frame_fault_rates {
  // The previous bot's failure, for the mutant check: frames carrying a
  // quantity above fixed8::max() are dropped silently and nothing is
  // invalidated. Never set outside tests of the oracle.
  bool mutant_drop_capped = false;
};

struct sim_options {
  std::uint64_t seed = 1;
  std::int64_t duration_ns = 30'000'000'000;  // simulated time
  std::int64_t tick_interval_ns = 5'000'000'000;
  std::uint32_t symbols_per_connection = 200;
  bool combined_stream = true;
  sim_faults faults;
  evaluator_config eval;     // fees, min_profit, budget, max_leg_age
  std::string journal_path;  // empty: no journal
  // The journal is durable: by default every record is fdatasynced before
  // the opportunity counts as reported (interval: by the wall clock).
  fsync_policy journal_fsync;
  // An existing journal is verified and continued (its torn last line moved
  // aside). If it does not verify: false: run_sim throws journal_error and
  // touches nothing; true: its files are set aside (*.broken-N), a new chain starts.
  bool new_journal = false;
  std::string frames_out;         // write every frame delivered, one per line
  std::string exchange_info_out;  // write the generated exchangeInfo document
};

struct sim_report {
  std::size_t symbols = 0;
  std::size_t assets = 0;
  std::size_t triangles = 0;
  std::size_t connections = 0;
  std::uint64_t frames = 0;
  std::uint64_t faults_injected = 0;
  std::uint64_t dislocations = 0;
  std::uint64_t opportunities = 0;
  std::uint64_t real = 0;      // profitable by the market's exact true quotes
  std::uint64_t phantom = 0;   // reported, but not profitable by the true quotes
  std::string telemetry_json;  // final counters
};

// The simulation's configuration as canonical text, recorded in the
// journal's genesis record: every option that changes what the run decides
// (not file paths or the fsync policy), one `key = value` per line in a fixed
// order, so restarts of the same run continue the same chain (same config hash).
[[nodiscard]] std::string sim_config_text(const sim_options& o);

// Throws std::runtime_error for unusable options (e.g. a file it cannot write).
[[nodiscard]] sim_report run_sim(const sim_options& o, std::ostream& ticks);

// Writes an exchangeInfo document to path (--exchange-info-out: the sim, a
// scenario, the demo); std::runtime_error "<path>: cannot write" if it fails.
void write_exchange_info(const std::string& path, std::string_view json);

// The readable summary a person sees at the end of `triarb demo`.
void print_summary(const sim_report& r, std::ostream& out);

}  // namespace triarb
