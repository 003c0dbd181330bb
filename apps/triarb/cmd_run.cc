// `triarb run` and `triarb record`: the live bot (runtime/live_bot.h), dry run
// only, against the exchange in the configuration.
#include <cmath>
#include <iostream>
#include <memory>
#include <string>

#include "apps/triarb/command.h"
#include "config/config.h"
#include "core/build_info.h"
#include "core/journal_record.h"
#include "runtime/live_bot.h"

namespace triarb::app {
namespace {

struct run_flags {
  std::string config, ca_file, record_out;
  double duration_s = 0;
  int pin_cpu = -1;
  bool new_journal = false;
  bool resume = false;
  bool json_ticks = false;
  std::string evaluator = "auto";
  // 0: park at once. A poll after each burst measured worse on a shared
  // core (docs/design.md, "The evaluator's wake-up").
  double spin_us = 0;
  bool spin_us_given = false, pin_given = false, record = false;
  std::uint32_t stage_every = 0;
};

// A number flag must be finite (CLI::Range lets NaN through: every
// comparison with it is false, and its cast to an integer is undefined).
const CLI::Validator kFinite(
    [](std::string& v) -> std::string {
      try {
        std::size_t used = 0;
        const double d = std::stod(v, &used);
        if (used == v.size() && std::isfinite(d)) return {};
      } catch (const std::exception&) {  // not a number: the option's own parse says so
        return {};
      }
      return "not a finite number: " + v;
    },
    "FINITE");

// The evaluator flags that mean nothing together are refused (exit 2), so a
// run never silently ignores one; a spinning evaluator on no pinned core is
// allowed, with a warning.
void check_evaluator_flags(const run_flags& f) {
  if (f.pin_given && (f.record || f.evaluator == "inline")) {
    throw CLI::ValidationError(
        "--pin-evaluator",
        std::string(f.record ? "record" : "--evaluator inline") +
            " evaluates on the feed thread: there is no evaluator thread to pin");
  }
  if (f.spin_us_given && (f.record || f.evaluator != "block")) {
    throw CLI::ValidationError("--spin-us",
                               "applies to --evaluator block only (evaluator: " +
                                   std::string(f.record ? "record's inline" : f.evaluator) + ")");
  }
  if (!f.record && f.evaluator == "spin" && !f.pin_given) {
    std::cerr << "triarb: warning: --evaluator spin without --pin-evaluator: the evaluator "
                 "busy-polls a core the scheduler shares with the feed thread\n";
  }
}

int run_live(const run_flags& f) {
  check_evaluator_flags(f);
  live_options lo;
  lo.cfg = load_config_file(f.config);  // validated: dry_run only
  if (!f.ca_file.empty()) lo.cfg.ca_file = f.ca_file;
  lo.duration_ms = static_cast<std::int64_t>(f.duration_s * 1000);
  lo.record_path = f.record_out;
  lo.evaluator_cpu = f.pin_cpu;
  using mode = live_options::evaluator_mode;
  // auto: spin on a pinned core, else inline on the feed thread, the
  // lowest latency measured (docs/design.md, "The evaluator's wake-up").
  lo.evaluator = f.evaluator == "spin"     ? mode::spin
                 : f.evaluator == "block"  ? mode::block
                 : f.evaluator == "inline" ? mode::inline_feed
                 : f.pin_cpu >= 0          ? mode::spin
                                           : mode::inline_feed;
  lo.evaluator_spin_ns = static_cast<std::int64_t>(f.spin_us * 1000);
  lo.stage_every = f.stage_every;
  lo.new_journal = f.new_journal;
  lo.resume_at_start = f.resume;
  lo.ticks = &std::cerr;
  lo.json_ticks = f.json_ticks;
  // Which build is running (core/build_info.h), before it connects.
  std::cerr << "triarb " << (f.record ? "record" : "run") << ": " << build_identity() << "\n";
  live_bot bot(std::move(lo));
  const stop_signals signals = install_stop_signals(bot);  // goes before the bot
  live_report r;
  try {
    r = bot.run();
  } catch (const journal_error& e) {
    // A chain that does not verify or records other decision knobs: the way
    // forward is one flag away (the files are kept either way). Other journal
    // errors (a path that is no regular file, a full disk) it does not help.
    const std::string what = e.what();
    if (what.find("refusing to append") == std::string::npos) throw;
    throw journal_error(what + "\n  to keep those files and start a new chain: add --new-journal");
  }
  if (!r.journal_sync_error.empty()) {
    std::cerr << "triarb: the journal's final fsync failed: " << r.journal_sync_error << "\n";
  }
  if (r.record_write_failures > 0) {
    std::cerr << "triarb: " << f.record_out << ": " << r.record_write_failures
              << " events could not be written; the recording is incomplete and a replay of it "
                 "will not reproduce this run\n";
  }
  if (!r.stopped_during_startup.empty()) {
    std::cerr << "triarb: stopped during start-up, before any connection: "
              << r.stopped_during_startup << "\n";
    return kExitProblem;
  }
  std::cout << "triarb: " << r.frames << " frames over " << r.connections << " connections in "
            << r.seconds << " s; " << r.opportunities << " opportunities (" << r.journal_full
            << " refused by a full journal queue)\nlatency: frame receive -> decision "
            << r.latency.text() << "\n"
            << r.trading_summary() << "\n"
            << (r.execution ? r.execution->line() + "\n" : std::string())
            << "counters: " << r.telemetry_json << "\n";
  if (!r.stages.empty()) {
    std::cout << "stages (evaluator " << r.evaluator << ", ~1 frame in " << f.stage_every << "):\n"
              << format_stages(r.stages, r.stage_samples);
  }
  // A run that watched nothing, or not everything, did not do its job: say
  // so and exit 1 (a script must not read it as a good run).
  const std::vector<std::string> unwatched = r.unwatched();
  for (const std::string& u : unwatched) std::cerr << "triarb: " << u << "\n";
  return unwatched.empty() && r.fatal_errors.empty() && r.journal_sync_error.empty() &&
                 r.record_write_failures == 0
             ? kExitOk
             : kExitProblem;
}

}  // namespace

void add_run(CLI::App& app, std::vector<command>& out) {
  auto f = std::make_shared<run_flags>();
  CLI::App* run_cmd = app.add_subcommand(
      "run",
      "Live, against the exchange in --config (opportunities are journaled; no order reaches a "
      "real exchange: [execution] mode paper fills each cycle against the bot's own book, sim "
      "sends it to the simulated exchange on loopback); Ctrl-C stops cleanly");
  CLI::App* record_cmd = app.add_subcommand(
      "record",
      "As run, and write every event that changes the book (frames with receive time and "
      "connection, losses, re-seeds, restarts) to --out in the format `triarb replay` reads; "
      "decisions are made per event so replay reproduces them");
  for (CLI::App* c : {run_cmd, record_cmd}) {
    c->add_option("--config", f->config, "TOML configuration")
        ->required()
        ->check(CLI::ExistingFile);
    c->add_option("--ca-file", f->ca_file,
                  "Trust this CA (PEM) instead of the system store (e.g. the simulated exchange's)")
        ->check(CLI::ExistingFile);
    c->add_option("--duration", f->duration_s, "Stop after this many seconds (0: until Ctrl-C)")
        ->check(kFinite)
        ->check(CLI::Range(0.0, 1e9));
    c->add_option("--pin-evaluator", f->pin_cpu,
                  "Pin the evaluator thread to this CPU (one this process may run on, else "
                  "exit 2); not with --evaluator inline or record (no evaluator thread)")
        ->check(CLI::Range(0, 1'000'000));
    c->add_option("--evaluator", f->evaluator,
                  "How the evaluator waits for a changed symbol: spin (busy-polls, one core "
                  "at 100 %), block (polls --spin-us, then sleeps until the feed thread wakes "
                  "it), inline (no thread: the feed thread evaluates after each frame), auto "
                  "(spin with --pin-evaluator, else inline); record always evaluates inline. "
                  "spin without --pin-evaluator is allowed, with a warning")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "spin", "block", "inline"}));
    c->add_option("--spin-us", f->spin_us,
                  "--evaluator block only (else exit 2): microseconds to poll before sleeping; "
                  "each poll keeps a core busy that long whenever nothing is dirty. 0: sleep at "
                  "once (a futex wait, and a wake syscall on the feed thread, up to one per "
                  "frame)")
        ->capture_default_str()
        ->check(kFinite)
        ->check(CLI::Range(0.0, 1e6));
    c->add_option("--stage-latency", f->stage_every,
                  "Stamp about one frame in N at each stage (receive, handler, applied, "
                  "picked up by the evaluator, decided) and print each stage's p50/p90/p99/max "
                  "at the end (0: off)")
        ->capture_default_str()
        ->check(CLI::Range(0U, 1'000'000U));
    c->add_flag("--json", f->json_ticks,
                "Telemetry ticks on stderr as the full JSON object (every counter), not the "
                "one-line summary (state, frames/s, valid %, opportunities, suppressed, "
                "latency, journal lag, the counters that moved)");
    c->add_flag("--new-journal", f->new_journal,
                "If the journal does not verify or records other decision knobs (strategy, "
                "fees, budgets, ages, exchange), set its files aside (*.broken-N) and start a "
                "new chain instead of refusing");
    c->add_flag("--resume", f->resume,
                "The operator's resume: a continued journal's halt (or reducing state) and "
                "quarantines end at start-up, journaled as a manual resume by command_line; "
                "refused (exit 2) while the halt file exists");
  }
  record_cmd
      ->add_option("--out", f->record_out,
                   "Recording to write; an existing one is continued (a restart appends)")
      ->required();
  const auto given = [f](CLI::App* c) {
    f->spin_us_given = c->count("--spin-us") > 0;
    f->pin_given = c->count("--pin-evaluator") > 0;
  };
  out.push_back({run_cmd, [f, run_cmd, given] {
                   given(run_cmd);
                   return run_live(*f);
                 }});
  out.push_back({record_cmd, [f, record_cmd, given] {
                   given(record_cmd);
                   f->record = true;
                   return run_live(*f);
                 }});
}

}  // namespace triarb::app
