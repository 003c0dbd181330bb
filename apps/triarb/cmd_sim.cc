// `triarb sim`: the deterministic in-process simulation (harness/sim_driver.h)
// and, with --scenario, the fault campaign (harness/campaign.h), in-process or
// with --network over the real TLS WebSocket path.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "apps/triarb/command.h"
#include "harness/campaign.h"
#include "harness/sim_driver.h"

namespace triarb::app {
namespace {

struct sim_cmd_flags {
  sim_flags sim;
  std::string scenario, report_path;
  std::vector<std::string> mutants;
  bool network = false;
  bool execution = false;
};

int run_scenario(CLI::App* cmd, const sim_cmd_flags& f) {
  for (const char* flag : {"--frames-out", "--faults", "--tick", "--fsync"}) {
    if (cmd->count(flag) > 0) {
      std::cerr << "triarb sim: " << flag
                << " does not apply with --scenario (a scenario sets its own faults, reports at "
                   "the end, records no frames and writes its journal without fsync)\n";
      return kExitUsage;
    }
  }
  campaign_options co;
  co.seed = f.sim.seed;
  co.sc = *parse_scenario(f.scenario);
  co.network = f.network;
  if (f.network) co.duration_ns = 8'000'000'000;
  if (cmd->count("--duration") > 0)
    co.duration_ns = static_cast<std::int64_t>(f.sim.duration_s * 1e9);
  const auto has = [&](const char* m) {
    return std::find(f.mutants.begin(), f.mutants.end(), m) != f.mutants.end();
  };
  co.mutant_drop_capped = has("drop-capped");
  co.mutant_no_staleness = has("no-staleness");
  co.mutant_reseed_unchecked = has("reseed-unchecked");
  co.mutant_no_validity = has("no-validity");
  if (f.network && (co.mutant_drop_capped || co.mutant_reseed_unchecked || co.mutant_no_validity)) {
    std::cerr << "triarb sim: --mutant drop-capped, reseed-unchecked and no-validity run "
                 "in-process only; drop --network\n";
    return kExitUsage;
  }
  if (!f.network && co.mutant_no_staleness) {
    std::cerr << "triarb sim: --mutant no-staleness runs over the network; add --network\n";
    return kExitUsage;
  }
  co.execution = f.execution;
  if (f.network && f.execution) {
    std::cerr << "triarb sim: --execution runs in-process only; drop --network\n";
    return kExitUsage;
  }
  co.journal_path = f.sim.journal_path;
  co.exchange_info_out = f.sim.exchange_info_out;
  co.new_journal = f.sim.new_journal;
  if (const char* preset = std::getenv("TRIARB_PRESET")) co.preset = preset;
  const campaign_report r = run_campaign(co);
  std::cout << verdict_line(co, r) << "\n";
  if (r.config_rejected) std::cout << "configuration rejected: " << r.config_error << "\n";
  if (!f.report_path.empty()) {
    std::ofstream out(f.report_path, std::ios::binary);
    out << report_json(co, r);
    if (!out) throw std::runtime_error(f.report_path + ": cannot write");
  }
  if (!r.passed) {
    if (!r.first_phantom.empty()) std::cout << "first phantom: " << r.first_phantom << "\n";
    if (!r.first_missed.empty()) std::cout << "first missed: " << r.first_missed << "\n";
    std::cout << "reproduce: " << reproduce_command(co) << "\n";
  }
  return r.passed ? kExitOk : kExitProblem;
}

int run_in_process(const sim_flags& f) {
  sim_options o;
  o.seed = f.seed;
  o.duration_ns = static_cast<std::int64_t>(f.duration_s * 1e9);
  o.tick_interval_ns = static_cast<std::int64_t>(f.tick_s * 1e9);
  o.faults.garbage = o.faults.truncated = o.faults.bad_price = f.fault_rate;
  o.faults.duplicate = o.faults.reorder = f.fault_rate;
  o.journal_path = f.journal_path;
  o.journal_fsync.k = f.fsync == "never"      ? fsync_policy::kind::never
                      : f.fsync == "interval" ? fsync_policy::kind::interval
                                              : fsync_policy::kind::every_record;
  o.new_journal = f.new_journal;
  o.frames_out = f.frames_out;
  o.exchange_info_out = f.exchange_info_out;
  std::cerr << "triarb sim: seed " << f.seed << ", " << f.duration_s
            << " simulated seconds, fault rate " << f.fault_rate << " per kind (in-process)\n";
  const sim_report r = run_sim(o, std::cerr);
  print_summary(r, std::cout);
  return r.phantom == 0 ? kExitOk : kExitProblem;
}

}  // namespace

void add_sim(CLI::App& app, std::vector<command>& out) {
  auto f = std::make_shared<sim_cmd_flags>();
  CLI::App* sim = app.add_subcommand(
      "sim",
      "Deterministic in-process simulation on simulated time, no sockets (the same market, faults "
      "and pipeline as demo; no faults by default): same seed, same output; --scenario runs a "
      "named fault scenario judged by the ground truth");
  add_sim_flags(sim, f->sim);
  std::string names;
  std::vector<std::string> valid;
  for (scenario sc : all_scenarios()) {
    names += (names.empty() ? "" : ", ") + std::string(to_string(sc));
    valid.emplace_back(to_string(sc));
  }
  CLI::Option* scenario_opt =
      sim->add_option(
             "--scenario", f->scenario,
             "Run a named fault scenario with the oracle (phantom, missed, recall): " + names)
          ->check(CLI::IsMember(valid));
  sim->add_option("--report", f->report_path, "With --scenario: write the JSON report here")
      ->needs(scenario_opt);
  sim->add_option(
         "--mutant", f->mutants,
         "With --scenario: restore an old bug to show the oracle bites; repeat to combine "
         "(drop-capped, in-process: drop frames whose quantity overflows, no age limit; "
         "no-staleness, with --network: max_leg_age, pong deadline and quiet_ms of an hour; "
         "reseed-unchecked, in-process: REST snapshots applied to every invalid symbol, "
         "bypassing the re-seed tracker; no-validity, in-process: the evaluator sees every "
         "symbol valid. drop-capped with no-validity on lunc-overflow is the guard check: it "
         "passes only if the trading guard halts or quarantines the frozen legs within its "
         "bound)")
      ->check(CLI::IsMember({"drop-capped", "no-staleness", "reseed-unchecked", "no-validity"}))
      ->needs(scenario_opt);
  sim->add_flag("--network", f->network,
                "With --scenario: run it through the real network path instead (the simulated "
                "exchange on 127.0.0.1, the live bot over TLS WebSocket, --duration real seconds, "
                "default 8); judged by the same oracle, not byte-identical")
      ->needs(scenario_opt);
  sim->add_flag("--execution", f->execution,
                "With --scenario, in-process: every actionable opportunity also goes to the "
                "execution engine, its orders to the simulated exchange's matching engine through "
                "seeded order-path faults; the run also fails on an order without an answer, a "
                "ledger that differs from the exchange's account, or records the audit refuses")
      ->needs(scenario_opt);
  out.push_back({sim, [sim, f] {
                   return f->scenario.empty() ? run_in_process(f->sim) : run_scenario(sim, *f);
                 }});
}

}  // namespace triarb::app
