// `triarb demo`: the embedded default (harness/network_demo.h).
#include <iostream>
#include <memory>

#include "apps/triarb/command.h"
#include "config/config.h"
#include "harness/network_demo.h"

namespace triarb::app {

void add_demo(CLI::App& app, std::vector<command>& out) {
  auto f = std::make_shared<sim_flags>();
  f->fault_rate = 0.0005;
  f->fsync = "interval";  // the demo's default (sim's is every_record)
  CLI::App* demo = app.add_subcommand(
      "demo",
      "The embedded default: starts the simulated exchange in-process on 127.0.0.1 (real TLS, "
      "certificate made at start-up) and runs the bot against it over real WebSocket for "
      "--duration real seconds; telemetry ticks, then a summary judged by the simulator's "
      "ground truth (--frames-out records the frames for `triarb replay`); by default the bot "
      "also trades each actionable opportunity on the exchange's order API from a demo account "
      "(--execution) and the summary says what it captured; the journal (a temporary one "
      "without --journal) is verified and its execution records audited at the end");
  add_sim_flags(demo, *f);
  auto keep = std::make_shared<bool>(false);
  demo->add_flag("--keep-journal", *keep,
                 "Keep the temporary journal (its path is printed at the start) instead of "
                 "removing it at the end");
  auto execution = std::make_shared<std::string>("sim");
  demo->add_option("--execution", *execution,
                   "What the bot does with each actionable opportunity: sim (the default: LIMIT "
                   "IOC orders over TLS to the simulated exchange's order API, from a demo "
                   "account), paper (filled against the bot's own book, no order leaves the "
                   "process) or off (detection only)")
      ->check(CLI::IsMember({"off", "paper", "sim"}));
  out.push_back({demo, [f, keep, execution] {
                   network_demo_options d;
                   d.seed = f->seed;
                   d.duration_s = f->duration_s;
                   d.tick_s = f->tick_s;
                   d.fault_rate = f->fault_rate;
                   d.journal_path = f->journal_path;
                   d.keep_journal = *keep;
                   d.new_journal = f->new_journal;
                   d.journal_fsync = f->fsync == "never"          ? journal_fsync_mode::never
                                     : f->fsync == "every_record" ? journal_fsync_mode::every_record
                                                                  : journal_fsync_mode::interval;
                   d.record_path = f->frames_out;
                   d.exchange_info_out = f->exchange_info_out;
                   d.execution = *execution == "off"     ? execution_mode::off
                                 : *execution == "paper" ? execution_mode::paper
                                                         : execution_mode::sim;
                   return run_network_demo(d, std::cout, std::cerr);
                 }});
}

}  // namespace triarb::app
