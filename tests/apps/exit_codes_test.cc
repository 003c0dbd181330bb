// exit_codes_test (labels hostile, integration): every command follows the
// README's one exit-code table, run as a child process per case:
//   0 success; 1 a problem found; 2 bad command line or configuration;
//   3 an input (exchangeInfo, recording, journal, the exchange) missing,
//   unreadable or not parseable.
// Inputs are made once by `triarb sim` (a journal, its recording and its
// exchangeInfo document); each case names the command, the arguments, the
// code and a part of what it must say.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/journal.h"
#include "tests/support/child_process.h"
#include "tests/support/loopback.h"

namespace triarb {
namespace {

namespace fs = std::filesystem;

constexpr int kBoundSeconds = 60;  // a child still running after this is killed: a failure

using test::closed_port;
using test::read_file;

test::child_result run(std::vector<std::string> args, const std::string& dir) {
  args.insert(args.begin(), TRIARB_BINARY);
  return test::run_child(args, dir + "/out.txt", std::chrono::seconds(kBoundSeconds));
}

struct exit_case {
  std::vector<std::string> args;  // $J journal, $T tampered journal, $F frames, $X exchangeInfo,
                                  // $B bad JSON, $D a directory, $C config, $K bad config,
                                  // $N missing file, $E a journal quoting ESC, $P a FIFO,
                                  // $S a journal with execution records, $Y its exchangeInfo
  int code;
  std::string says;  // part of the output
};

TEST(ExitCodes, EveryCommandFollowsTheTable) {
  const std::string dir = (fs::path(::testing::TempDir()) / "exit_codes").string();
  fs::remove_all(dir);
  fs::create_directories(dir + "/d");
  std::map<std::string, std::string> v{
      {"$J", dir + "/j.jsonl"},   {"$T", dir + "/t.jsonl"},  {"$F", dir + "/f.txt"},
      {"$X", dir + "/x.json"},    {"$B", dir + "/bad.json"}, {"$D", dir + "/d"},
      {"$C", dir + "/ok.toml"},   {"$K", dir + "/bad.toml"}, {"$N", dir + "/missing"},
      {"$E", dir + "/esc.jsonl"}, {"$P", dir + "/fifo"},     {"$S", dir + "/s.jsonl"},
      {"$Y", dir + "/y.json"}};
  const test::child_result made =
      run({"sim", "--seed", "3", "--duration", "5", "--journal", v["$J"], "--frames-out", v["$F"],
           "--exchange-info-out", v["$X"]},
          dir);
  ASSERT_EQ(made.code, 0) << made.output;
  const test::child_result traded =
      run({"sim", "--seed", "3", "--duration", "5", "--scenario", "mixed", "--execution",
           "--journal", v["$S"], "--exchange-info-out", v["$Y"]},
          dir);
  ASSERT_EQ(traded.code, 0) << traded.output;
  std::string journal = read_file(v["$J"]);
  const auto digit = journal.find_first_of("123456789", journal.find("\"price\""));
  ASSERT_NE(digit, std::string::npos) << "the sim journaled no opportunity";
  journal[digit] = journal[digit] == '9' ? '8' : '9';  // an edited price
  std::ofstream(v["$T"]) << journal;
  // A price that is an escape sequence (JSON-escaped in the file), the line
  // re-hashed so that parsing judges it: the error quoting the value must
  // not send ESC to the terminal.
  {
    std::istringstream lines(read_file(v["$J"]));
    std::string line, escaped;
    bool done = false;
    while (std::getline(lines, line)) {
      const auto price = line.find("\"price\":\"");
      if (!done && price != std::string::npos) {
        std::string body = line.substr(0, line.rfind(",\"hash\":\"")) + "}";
        body.insert(price + 9, "\\u001b[2J");
        line = body.substr(0, body.size() - 1) + ",\"hash\":\"" + sha256_hex(body) + "\"}";
        done = true;
      }
      escaped += line + "\n";
    }
    ASSERT_TRUE(done);
    std::ofstream(v["$E"]) << escaped;
  }
  ASSERT_EQ(::mkfifo(v["$P"].c_str(), 0600), 0);  // no writer: a read would block
  std::ofstream(v["$B"]) << "{\"symbols\": [";
  std::ofstream(v["$C"]) << "[exchange]\nrest_url = \"https://127.0.0.1:" << closed_port()
                         << "\"\n[journal]\npath = \"" << dir
                         << "/run.jsonl\"\n[telemetry]\nmetrics_address = \"\"\n";
  std::ofstream(v["$K"]) << "[strategy]\nfee = \"-1\"\n";

  const std::vector<exit_case> cases = {
      // the command line
      {{}, 2, "A subcommand is required"},
      {{"bogus"}, 2, "A subcommand is required"},
      {{"--help"}, 0, "Subcommands"},
      {{"--version"}, 0, " commit="},
      {{"sim", "--duration", "-1"}, 2, "--duration"},
      {{"sim", "--scenario", "no-such-scenario"}, 2, "no-such-scenario"},
      {{"demo", "--duration", "0"}, 2, "--duration"},
      {{"sim-exchange", "--host", "192.0.2.1"}, 2, "loopback"},
      // replay
      {{"replay", "--exchange-info", "$X", "--frames", "$F"}, 0, "opportunities"},
      {{"replay", "--exchange-info", "$N", "--frames", "$F"}, 3, "--exchange-info"},
      {{"replay", "--exchange-info", "$X", "--frames", "$N"}, 3, "--frames"},
      {{"replay", "--exchange-info", "$X", "--frames", "$D"}, 3, "is a directory"},
      {{"replay", "--exchange-info", "$X", "--frames", "/dev/zero"}, 3, "character device"},
      {{"replay", "--exchange-info", "$P", "--frames", "$F"}, 3, "is a FIFO"},
      {{"journal", "audit", "$J", "--frames", "$P", "--exchange-info", "$X"}, 3, "is a FIFO"},
      {{"replay", "--exchange-info", "$B", "--frames", "$F"}, 3, "exchangeInfo"},
      {{"replay", "--exchange-info", "$X", "--frames", "$F", "--start-assets", "NOPE"}, 2, "NOPE"},
      {{"replay", "--exchange-info", "$X", "--frames", "$F", "--fee", "abc"}, 2, "--fee"},
      {{"replay", "--exchange-info", "$X", "--frames", "$F", "--config", "$N"}, 2, "--config"},
      {{"replay", "--exchange-info", "$X", "--frames", "$F", "--config", "$K"}, 2, "fee"},
      // journal verify / show / audit
      {{"journal", "verify", "$J"}, 0, "OK"},
      {{"journal", "verify", "$T"}, 1, "edited"},
      {{"journal", "verify", "$N"}, 3, "cannot read"},
      {{"journal", "verify", "$E"}, 1, "\\x1b[2J"},
      {{"journal", "show", "$E"}, 1, "\\x1b[2J"},
      {{"journal", "verify", "$D"}, 3, "directory"},
      {{"journal", "show", "$J"}, 0, "verified OK"},
      {{"journal", "show", "$T"}, 1, "edited"},
      {{"journal", "show", "$N"}, 3, "cannot read"},
      {{"journal", "show", "$J", "--since", "yesterday"}, 2, "--since"},
      {{"journal", "audit", "$J", "--frames", "$F", "--exchange-info", "$X"}, 0, ""},
      {{"journal", "audit", "$T", "--frames", "$F", "--exchange-info", "$X"}, 1, ""},
      {{"journal", "audit", "$J", "--frames", "$N", "--exchange-info", "$X"}, 3, "--frames"},
      {{"journal", "audit", "$N", "--frames", "$F", "--exchange-info", "$X"}, 3, "journal"},
      // --states-only: the execution records alone, or checked against the
      // exchange info and the configuration (which need the exchange info)
      {{"journal", "audit", "$S", "--states-only"}, 0, "cycles consistent\n"},
      {{"journal", "audit", "$S", "--states-only", "--exchange-info", "$Y"},
       0,
       "cycles consistent with the exchange info and configuration"},
      {{"journal", "audit", "$S", "--states-only", "--fee", "0.001"}, 2, "--exchange-info"},
      {{"journal", "audit", "$S", "--states-only", "--exchange-info", "$N"}, 3, "--exchange-info"},
      {{"journal", "audit", "$S", "--states-only", "--exchange-info", "$Y", "--fee", "0.5"},
       1,
       "fill_commission"},
      {{"journal", "audit", "$S", "--states-only", "--exchange-info", "$Y", "--start-assets",
        "BTC"},
       2,
       "--start-assets"},
      {{"journal", "audit", "$S", "--states-only", "--exchange-info", "$Y", "--min-profit", "0.5"},
       2,
       "--min-profit"},
      {{"journal", "audit", "$S", "--states-only", "--config", "$C"}, 2, "--exchange-info"},
      {{"sim", "--report", "$N"}, 2, "--scenario"},
      {{"sim", "--mutant", "no-validity"}, 2, "--scenario"},
      {{"journal", "audit", "$S", "--states-only", "--frames", "$F"}, 2, "--frames"},
      {{"sim", "--scenario", "mixed", "--frames-out", "$N"}, 2, "--frames-out"},
      {{"sim", "--scenario", "mixed", "--faults", "0.1"}, 2, "--faults"},
      // run / record
      {{"run"}, 2, "--config"},
      {{"run", "--config", "$N"}, 2, "--config"},
      {{"run", "--config", "$K"}, 2, "fee"},
      {{"run", "--config", "$C", "--duration", "5"}, 3, "exchangeInfo"},
      // its start-up line names the build (core/build_info.h)
      {{"run", "--config", "$C", "--duration", "5"}, 3, "triarb run: triarb "},
      // evaluator flags: non-finite numbers, meaningless combinations, a CPU
      // the process cannot run on (before any connection)
      {{"run", "--config", "$C", "--spin-us", "nan", "--evaluator", "block"}, 2, "finite"},
      {{"run", "--config", "$C", "--duration", "nan"}, 2, "finite"},
      {{"run", "--config", "$C", "--spin-us", "10"}, 2, "--spin-us"},
      {{"run", "--config", "$C", "--evaluator", "inline", "--pin-evaluator", "0"},
       2,
       "--pin-evaluator"},
      {{"record", "--config", "$C", "--out", "$N", "--pin-evaluator", "0"}, 2, "--pin-evaluator"},
      {{"run", "--config", "$C", "--pin-evaluator", "100000"}, 2, "CPU 100000"},
      {{"run", "--config", "$C", "--evaluator", "block", "--spin-us", "10", "--duration", "5"},
       3,
       "exchangeInfo"},
      {{"record", "--config", "$C"}, 2, "--out"},
  };
  for (exit_case c : cases) {
    std::string shown;
    for (std::string& a : c.args) {
      if (v.count(a) != 0) a = v[a];
      shown += " " + a;
    }
    SCOPED_TRACE("triarb" + shown);
    const test::child_result r = run(c.args, dir);
    EXPECT_EQ(r.code, c.code) << r.output;
    EXPECT_EQ(r.output.find('\x1b'), std::string::npos) << "ESC reached the terminal";
    EXPECT_NE(r.output.find(c.says), std::string::npos)
        << "expected it to say '" << c.says << "':\n"
        << r.output;
  }
}

}  // namespace
}  // namespace triarb
