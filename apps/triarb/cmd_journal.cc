// `triarb journal verify|audit|show`: the decision journal's tools
// (core/journal.h, offline/journal_audit.h, offline/journal_show.h).
#include <iostream>
#include <memory>

#include "apps/triarb/command.h"
#include "config/config.h"
#include "core/journal.h"
#include "core/universe.h"
#include "offline/journal_audit.h"
#include "offline/journal_show.h"

namespace triarb::app {
namespace {

struct journal_flags {
  std::string file;
  // audit
  std::string frames, exchange_info, config, starts, fee, min_profit;
  bool states_only = false;
  // show
  std::string triangle, since;
  bool state = false;
  bool orders = false;
};

// The journal FILE must be readable (exit 3 otherwise), unless its chain
// goes on in FILE.1...: a missing first file is then the verifier's finding
// (no_genesis, "the chain continues in FILE.1"), a problem (1).
void require_journal(const std::string& file) {
  if (chain_files(file).empty()) require_input_file("journal", file);
}

int verify(const journal_flags& f) {
  require_journal(f.file);
  const verify_report v = verify_journal(f.file, {});
  // Messages may quote a hostile file's bytes: shown escaped.
  std::cout << terminal_safe(v.message()) << "\n";
  // A file of the chain that could not be read is unreadable input (3), not
  // a journal that fails to verify (1).
  if (v.reason == journal_errc::io_error) return kExitInput;
  return v.ok() ? kExitOk : kExitProblem;
}

// Which builds wrote the chain (each genesis's version), then the verdict.
int print_audit(const audit_report& r) {
  for (const audit_genesis& g : r.geneses) {
    std::cout << "genesis seq " << g.seq << " (" << g.reason << "): " << terminal_safe(g.version)
              << "\n";
  }
  std::cout << terminal_safe(r.message(), /*keep_newlines=*/true) << "\n";
  return r.ok() ? kExitOk : kExitProblem;
}

// The run's configuration: --config, then the flags over it.
bot_config audit_config(const journal_flags& f) {
  bot_config c;
  if (!f.config.empty()) c = load_config_file(f.config);
  if (!f.starts.empty()) c.start_assets = split_assets(f.starts);
  if (!f.fee.empty()) c.fee = decimal_flag("--fee", f.fee);
  if (!f.min_profit.empty()) c.min_profit = decimal_flag("--min-profit", f.min_profit);
  validate(c);
  return c;
}

int audit(const journal_flags& f) {
  require_journal(f.file);
  if (f.states_only) {
    // The trading state and the execution records (a live run without a
    // recording): no frames. With --exchange-info, the orders are also
    // checked against the run's filters and configuration. Same exit
    // codes: 0 consistent, 1 a problem, 3 input.
    if (!f.starts.empty() || !f.min_profit.empty()) {
      throw CLI::ValidationError(
          !f.starts.empty() ? "--start-assets" : "--min-profit",
          "re-evaluates the recorded opportunities, which --states-only does not (give --frames "
          "instead)");
    }
    if (f.exchange_info.empty()) {
      if (!f.config.empty() || !f.fee.empty()) {
        throw CLI::ValidationError(
            !f.config.empty() ? "--config" : "--fee",
            "is what the orders are checked against, with the exchange info: give "
            "--exchange-info too");
      }
      return print_audit(audit_states(f.file));
    }
    require_input_file("--exchange-info", f.exchange_info);
    const bot_config c = audit_config(f);
    return print_audit(audit_states(f.file, load_exchange_info_file(f.exchange_info), c));
  }
  if (f.frames.empty() || f.exchange_info.empty()) {
    throw CLI::ValidationError(f.frames.empty() ? "--frames" : "--exchange-info",
                               "required (or --states-only: the trading state alone)");
  }
  require_input_file("--frames", f.frames);
  require_input_file("--exchange-info", f.exchange_info);
  audit_options ao;
  ao.journal = f.file;
  ao.frames = f.frames;
  ao.exchange_info = f.exchange_info;
  ao.config = audit_config(f);
  return print_audit(run_audit(ao));
}

int show(const journal_flags& f) {
  require_journal(f.file);
  show_options so;
  so.triangle = f.triangle;
  so.state_only = f.state;
  so.orders = f.orders;
  if (!f.since.empty()) {
    so.since_ns = parse_time(f.since);
    if (!so.since_ns) {
      throw CLI::ValidationError("--since", "'" + f.since +
                                                "' is neither ns since the epoch nor "
                                                "ISO-8601 UTC (2024-05-01T12:00:00Z)");
    }
  }
  try {
    (void)show_journal(f.file, so, std::cout);
  } catch (const journal_error& e) {
    std::cerr << "triarb: " << terminal_safe(e.what()) << "\n";
    return kExitProblem;
  }
  return kExitOk;
}

}  // namespace

void add_journal(CLI::App& app, std::vector<command>& out) {
  auto f = std::make_shared<journal_flags>();
  CLI::App* journal = app.add_subcommand("journal", "Inspect a decision journal");
  journal->require_subcommand(1);

  CLI::App* verify_cmd = journal->add_subcommand(
      "verify", "Check the hash chain: count of records and OK, or the first bad record");
  verify_cmd->add_option("FILE", f->file, "Journal file (the first of a rotated chain)")
      ->required();

  CLI::App* audit_cmd = journal->add_subcommand(
      "audit",
      "Replay the recorded frames and check every opportunity's leg quotes against the book "
      "and its decision against an exact-rational re-evaluation, and every suppression "
      "against the trading state the chain's state records give; every order against its "
      "decision and the trading state, every answer against its order, every cycle's "
      "realised profit and residual against its fills; lists each genesis's version");
  audit_cmd->add_option("FILE", f->file, "Journal file (the first of a rotated chain)")->required();
  CLI::Option* frames_opt = audit_cmd->add_option(
      "--frames", f->frames,
      "The run's recording (`record --out`, `sim --frames-out`; v1 or v2); required unless "
      "--states-only");
  audit_cmd->add_option("--exchange-info", f->exchange_info,
                        "exchangeInfo JSON document of the run; required unless --states-only "
                        "(with it, the orders are also checked against the symbols' filters and "
                        "the configuration)");
  audit_cmd
      ->add_flag("--states-only", f->states_only,
                 "Only the trading state and the execution records: verify the chain and "
                 "replay its state records, suppressions, orders, answers and cycles (no frames "
                 "needed: a live run without a recording)")
      ->excludes(frames_opt);
  audit_cmd->add_option("--config", f->config, "TOML configuration of the run (flags override it)")
      ->check(CLI::ExistingFile);
  audit_cmd->add_option("--start-assets", f->starts, "Comma-separated start assets (USDT,BTC)");
  audit_cmd->add_option("--fee", f->fee, "Taker fee, e.g. 0.001");
  audit_cmd->add_option("--min-profit", f->min_profit, "Opportunity when ratio > 1 + this");

  CLI::App* show_cmd =
      journal->add_subcommand("show", "A readable table of the journal (verifies the chain first)");
  show_cmd->add_option("FILE", f->file, "Journal file (the first of a rotated chain)")->required();
  show_cmd->add_option("--triangle", f->triangle, "Only this triangle, e.g. USDT>BTC>ETH>USDT");
  show_cmd->add_option("--since", f->since,
                       "Only records at or after this time: ns since the epoch or ISO-8601 UTC "
                       "(2024-05-01T12:00:00Z)");
  CLI::Option* state_opt =
      show_cmd->add_flag("--state", f->state,
                         "Only the trading-state records (from -> to, trigger, by, triangle, "
                         "evidence) and each genesis (its version: the build that wrote it)");
  show_cmd
      ->add_flag("--orders", f->orders,
                 "Each cycle of the execution records: its decision, each leg's order, answer "
                 "(fill or reject) and trades, and its outcome (realised profit, residual)")
      ->excludes(state_opt);

  out.push_back({verify_cmd, [f] { return verify(*f); }});
  out.push_back({audit_cmd, [f] { return audit(*f); }});
  out.push_back({show_cmd, [f] { return show(*f); }});
}

}  // namespace triarb::app
