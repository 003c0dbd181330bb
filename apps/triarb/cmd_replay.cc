// `triarb replay`: the pipeline offline over recorded frames (offline/replay.h).
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "apps/triarb/command.h"
#include "config/config.h"
#include "offline/replay.h"

namespace triarb::app {
namespace {

struct replay_flags {
  replay_options ro;
  std::string config_path, start_assets, fee, min_profit, budget, summary_path;
  double max_leg_age_ms = 0;
  std::string execution;  // "" or "paper"
};

int run(replay_flags& f) {
  require_input_file("--exchange-info", f.ro.exchange_info);
  require_input_file("--frames", f.ro.frames);
  bot_config cfg;
  if (!f.config_path.empty()) cfg = load_config_file(f.config_path);
  if (!f.start_assets.empty()) cfg.start_assets = split_assets(f.start_assets);
  if (!f.fee.empty()) cfg.fee = decimal_flag("--fee", f.fee);
  if (!f.min_profit.empty()) cfg.min_profit = decimal_flag("--min-profit", f.min_profit);
  if (!f.budget.empty()) cfg.budget = decimal_flag("--budget", f.budget);
  if (f.max_leg_age_ms > 0) cfg.max_leg_age_ms = static_cast<std::int64_t>(f.max_leg_age_ms);
  validate(cfg);
  replay_options& ro = f.ro;
  ro.config = cfg;
  ro.paper_execution = f.execution == "paper";
  const replay_report r = run_replay(ro);
  std::cout << "replay: " << r.frames << " frames, " << r.symbols << " symbols, " << r.triangles
            << " triangles, " << r.opportunities << " opportunities, "
            << static_cast<double>(r.frames) / (r.seconds > 0 ? r.seconds : 1e-9) << " frames/s\n";
  std::cout << "time: frames " << r.seconds << " s (split, parse, apply, evaluate: the frames/s); "
            << "set-up before them " << r.setup_seconds
            << " s (exchange info, triangle index, the frames file read)\n";
  const auto ev = [&](frame_event e) { return r.events[static_cast<std::size_t>(e)]; };
  if (r.sessions > 1 ||
      ev(frame_event::lost) + ev(frame_event::quiet) + ev(frame_event::reseed) > 0) {
    std::cout << "events: " << r.sessions << (r.sessions == 1 ? " session, " : " sessions, ")
              << ev(frame_event::lost) << " losses, " << ev(frame_event::quiet) << " quiet, "
              << ev(frame_event::reseed) << " re-seeded symbols\n";
  }
  if (r.torn_bytes > 0) {
    std::cout << "torn: the last line (" << r.torn_bytes
              << " bytes) has no newline, a crash mid-write: not replayed\n";
  }
  if (ro.measure_latency) {
    std::cout << "latency: frame bytes -> decision p50 " << r.latency_p50_ns << " ns, p90 "
              << r.latency_p90_ns << " ns, p99 " << r.latency_p99_ns << " ns, p99.9 "
              << r.latency_p999_ns << " ns, max " << r.latency_max_ns
              << " ns (exact, nearest rank as run's)\n";
  }
  if (r.executed) std::cout << r.execution.line() << "\n";
  std::cout << "counters: " << r.telemetry_json << "\n";
  if (!f.summary_path.empty()) {
    std::ofstream out(f.summary_path);
    out << "{\"frames\":" << r.frames << ",\"symbols\":" << r.symbols
        << ",\"triangles\":" << r.triangles << ",\"opportunities\":" << r.opportunities
        << ",\"seconds\":" << r.seconds << ",\"setup_seconds\":" << r.setup_seconds
        << ",\"counters\":" << r.telemetry_json << "}\n";
    if (!out) throw std::runtime_error(f.summary_path + ": cannot write");
  }
  return kExitOk;
}

}  // namespace

void add_replay(CLI::App& app, std::vector<command>& out) {
  auto f = std::make_shared<replay_flags>();
  CLI::App* replay = app.add_subcommand(
      "replay",
      "Run the pipeline offline over recorded frames (a recording, or one raw frame per "
      "line)");
  replay->add_option("--exchange-info", f->ro.exchange_info, "exchangeInfo JSON document")
      ->required();
  replay
      ->add_option("--frames", f->ro.frames,
                   "Frames file: a recording (`run --record`, `sim --frames-out`) or one raw "
                   "WebSocket text frame per line")
      ->required();
  replay->add_option("--config", f->config_path, "TOML configuration (flags below override it)")
      ->check(CLI::ExistingFile);
  replay->add_option("--start-assets", f->start_assets, "Comma-separated start assets (USDT,BTC)");
  replay->add_option("--fee", f->fee, "Taker fee, e.g. 0.001");
  replay->add_option("--min-profit", f->min_profit, "Opportunity when ratio > 1 + this");
  replay->add_option("--budget", f->budget, "Budget per cycle in start-asset units");
  replay
      ->add_option("--max-leg-age", f->max_leg_age_ms,
                   "Milliseconds after which a leg is stale (recorded frames; plain frames "
                   "use a logical clock and are never stale)")
      ->check(CLI::Range(1.0, 86'400'000.0));
  replay
      ->add_option("--execution", f->execution,
                   "paper: execute every decision on paper at its recorded time (the "
                   "configuration's [execution] latency, seed and balances; the execution "
                   "records join --journal's chain)")
      ->check(CLI::IsMember({"paper"}));
  replay->add_option("--journal", f->ro.journal_path, "Write opportunities to this journal");
  replay->add_option("--summary", f->summary_path, "Write the summary as JSON to this file");
  replay->add_flag("--latency", f->ro.measure_latency,
                   "Time every frame (bytes to decision) and print p50/p90/p99/p99.9/max");
  out.push_back({replay, [f] { return run(*f); }});
}

}  // namespace triarb::app
