// command: how the triarb binary's subcommands plug into main.cc. Each
// cmd_<name>.cc registers its subcommand(s) on the CLI11 app, owns its
// options (kept alive by the runner it returns) and wires the layers it
// needs; main.cc parses, runs the one that was chosen and maps exceptions to
// exit codes.
//
//   std::vector<command> cmds;
//   add_replay(app, cmds);                     // cmd_replay.cc
//   app.parse(argc, argv);
//   for (command& c : cmds) if (c.app->parsed()) return c.run();
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/fixed8.h"

namespace triarb::app {

// Exit codes (README): every command follows this table.
inline constexpr int kExitOk = 0;
inline constexpr int kExitProblem = 1;  // the run found a problem (phantoms, a bad journal)
inline constexpr int kExitUsage = 2;    // bad command line or configuration
inline constexpr int kExitInput = 3;    // an input could not be read or parsed

// One runnable (leaf) subcommand.
struct command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// Registration, one per cmd_<name>.cc; each appends its leaf subcommands.
void add_demo(CLI::App& app, std::vector<command>& out);          // demo
void add_sim(CLI::App& app, std::vector<command>& out);           // sim
void add_run(CLI::App& app, std::vector<command>& out);           // run, record
void add_replay(CLI::App& app, std::vector<command>& out);        // replay
void add_journal(CLI::App& app, std::vector<command>& out);       // journal verify|audit|show
void add_sim_exchange(CLI::App& app, std::vector<command>& out);  // sim-exchange

// Shared option helpers (cli.cc).
// The options `demo` and `sim` share (the same market, faults and pipeline).
struct sim_flags {
  std::uint64_t seed = 1;
  double duration_s = 30;
  double tick_s = 5;
  double fault_rate = 0;
  std::string journal_path, frames_out, exchange_info_out;
  std::string fsync = "every_record";
  bool new_journal = false;
};
void add_sim_flags(CLI::App* c, sim_flags& f);

// An input file (a journal, a recording, an exchangeInfo document) that is
// missing, a directory, not a regular file (a FIFO, /dev/zero) or unreadable
// is exit 3, like every other unreadable
// input (CLI11's ExistingFile would make it 2, a usage error): the error
// names the flag, the path and why. A --config or --ca-file is configuration
// (2) and keeps CLI11's check.
class input_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
void require_input_file(const std::string& flag, const std::string& path);

// A non-negative decimal with at most 8 fractional digits; CLI::ValidationError naming the flag.
[[nodiscard]] fixed8 decimal_flag(const std::string& name, const std::string& text);
// "USDT,BTC" -> {"USDT", "BTC"} (empty parts dropped).
[[nodiscard]] std::vector<std::string> split_assets(const std::string& s);

}  // namespace triarb::app
