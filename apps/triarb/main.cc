// triarb: the one binary. `triarb --help` lists the subcommands; each lives
// in its own cmd_<name>.cc (command.h). This file parses, dispatches and
// maps exceptions to the exit codes (command.h, README).
#include <iostream>
#include <string>
#include <vector>

#include "apps/triarb/command.h"
#include "config/config.h"
#include "core/build_info.h"
#include "core/journal.h"
#include "net/ws_connection.h"
#include "offline/journal_show.h"

namespace {
// An error may quote bytes of a hostile input (a journal field, a frame):
// control characters are shown as escapes, the message's own lines kept.
std::string safe(const char* what) { return triarb::terminal_safe(what, /*keep_newlines=*/true); }
}  // namespace

int main(int argc, char** argv) {
  using namespace triarb::app;
  CLI::App app{"triarb: triangular-arbitrage bot for a Binance-style spot exchange (dry run)"};
  app.require_subcommand(1);
  // Which build this is (core/build_info.h): the line every journal genesis
  // and the start-up of run and demo carry too.
  app.set_version_flag("--version", std::string(triarb::build_identity()),
                       "Print this build's identity (version, commit, compiler, build type, "
                       "flags) and exit");
  std::vector<command> commands;
  add_demo(app, commands);
  add_sim(app, commands);
  add_replay(app, commands);
  add_journal(app, commands);
  add_sim_exchange(app, commands);
  add_run(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  try {
    for (const command& c : commands) {
      if (c.app->parsed()) return c.run();
    }
  } catch (const triarb::journal_error& e) {
    std::cerr << "triarb: " << safe(e.what()) << "\n";
    return kExitInput;
  } catch (const triarb::config_error& e) {
    std::cerr << "triarb: configuration: " << safe(e.what()) << "\n";
    return kExitUsage;
  } catch (const triarb::ws_config_error& e) {
    // A configuration the connections cannot carry (a subscription URL over
    // the gateway's limit): configuration, as config_error.
    std::cerr << "triarb: configuration: " << safe(e.what()) << "\n";
    return kExitUsage;
  } catch (const CLI::ValidationError& e) {
    std::cerr << "triarb: " << safe(e.what()) << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "triarb: " << safe(e.what()) << "\n";
    return kExitInput;
  }
  return kExitOk;
}
