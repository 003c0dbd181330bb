// `triarb demo`: the embedded default (harness/network_demo.h).
#include <iostream>
#include <memory>

#include "apps/triarb/command.h"
#include "harness/network_demo.h"

namespace triarb::app {

void add_demo(CLI::App& app, std::vector<command>& out) {
  auto f = std::make_shared<sim_flags>();
  f->fault_rate = 0.0005;
  CLI::App* demo = app.add_subcommand(
      "demo",
      "The embedded default: starts the simulated exchange in-process on 127.0.0.1 (real TLS, "
      "certificate made at start-up) and runs the bot against it over real WebSocket for "
      "--duration real seconds; telemetry ticks, then a summary judged by the simulator's "
      "ground truth (--frames-out records the frames for `triarb replay`)");
  add_sim_flags(demo, *f);
  out.push_back({demo, [f] {
                   network_demo_options d;
                   d.seed = f->seed;
                   d.duration_s = f->duration_s;
                   d.tick_s = f->tick_s;
                   d.fault_rate = f->fault_rate;
                   d.journal_path = f->journal_path;
                   d.record_path = f->frames_out;
                   d.exchange_info_out = f->exchange_info_out;
                   return run_network_demo(d, std::cout, std::cerr);
                 }});
}

}  // namespace triarb::app
