// hostile_config_test (labels hostile, integration): the `triarb` binary run
// as a child process on configurations and exchangeInfo documents a hostile
// or careless hand could produce, each probe bounded by a timeout (a child
// still running then is killed and the probe fails). Each probe checks the
// exit code (README: 0 success; 1 a problem found; 2 bad command line or
// configuration; 3 unreadable input) and that the message names the problem.
//
// Configurations go through `triarb replay --config F` with a one-line frames
// file (it loads the configuration, then the exchangeInfo file, offline);
// exchangeInfo documents through `triarb replay --exchange-info X`. The
// connection plan (`symbols_per_connection`, `reconnect_attempts_per_5min`)
// is checked by `triarb run` against `triarb sim-exchange` on 127.0.0.1. The
// REST body limit is checked in-process against the simulated exchange.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/universe.h"
#include "net/rest_client.h"
#include "net/tls_client.h"
#include "sim/exchange/sim_exchange.h"
#include "tests/support/child_process.h"

namespace triarb {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Not a timing assertion: a bound on waiting for a child that hangs.
constexpr auto kChildTimeout = 60s;

using test::child_result;
using test::read_file;

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::path(::testing::TempDir()) /
        ("hostile_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    frames_ = path("frames.txt");
    write_file(frames_,
               R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"100.0","B":"1",)"
               R"("a":"101.0","A":"1"}})"
               "\n");
    exchange_info_ = path("exchange_info.json");
    write_file(exchange_info_, read_file(TRIARB_SOURCE_DIR "/tests/data/exchange_info/small.json"));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  child_result run(std::vector<std::string> args) {
    args.insert(args.begin(), TRIARB_BINARY);
    const std::string out = path("out.txt");
    const child_result r = test::run_child(args, out, kChildTimeout);
    if (r.code == -1) ADD_FAILURE() << "killed after the timeout: " << r.output.substr(0, 500);
    return r;
  }
  child_result replay_with_config(const std::string& config) {
    return run(
        {"replay", "--exchange-info", exchange_info_, "--frames", frames_, "--config", config});
  }
  child_result replay_with_config_text(const std::string& text) {
    const std::string p = path("probe.toml");
    write_file(p, text);
    return replay_with_config(p);
  }
  child_result replay_with_exchange_info(const std::string& p) {
    return run({"replay", "--exchange-info", p, "--frames", frames_});
  }
  child_result replay_with_exchange_info_text(const std::string& text) {
    const std::string p = path("probe.json");
    write_file(p, text);
    return replay_with_exchange_info(p);
  }

  fs::path dir_;
  std::string frames_, exchange_info_;
};

// The child's exit code is `code` and its output names every `part`.
void expect_refused(const child_result& r, int code, std::initializer_list<std::string> parts) {
  EXPECT_EQ(r.code, code) << r.output.substr(0, 1000);
  for (const std::string& part : parts) {
    EXPECT_NE(r.output.find(part), std::string::npos)
        << "missing \"" << part << "\" in: " << r.output.substr(0, 1000);
  }
}

std::string garbage(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);  // fixed: the same bytes every run
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

TEST_F(Hostile, TheUntouchedFixturesReplay) {
  // The probes below differ from this in one thing each.
  const child_result r = replay_with_config_text("[strategy]\nmin_profit = \"0.0001\"\n");
  expect_refused(r, 0, {"replay: 1 frames, 9 symbols"});
}

// --- configurations ---------------------------------------------------------

TEST_F(Hostile, ConfigOverTheSizeLimit) {
  const std::string p = path("big.toml");
  write_file(p, "dry_run = true\n");
  fs::resize_file(p, 1024 * 1024 + 1);  // sparse: a reader that checks first never reads it
  expect_refused(replay_with_config(p), 2, {"1048577 bytes", "1048576", "kMaxConfigBytes"});
}

// A 50,000-part dotted key crashed the binary (SIGSEGV: the TOML parser
// recurses per part); 20,000 did not.
TEST_F(Hostile, ConfigWithADeepDottedKey) {
  for (const std::size_t parts : {20'000U, 50'000U}) {
    std::string key = "a";
    for (std::size_t i = 1; i < parts; ++i) key += ".a";
    expect_refused(replay_with_config_text("[" + key + "]\n"), 2,
                   {"probe.toml:1:", "more than 16 parts", "kMaxConfigKeyParts"});
    expect_refused(replay_with_config_text("dry_run = true\n" + key + " = 1\n"), 2,
                   {"probe.toml:2:", "more than 16 parts", "kMaxConfigKeyParts"});
  }
}

TEST_F(Hostile, ConfigWithDeeplyNestedArraysOrInlineTables) {
  const std::size_t depth = 100'000;
  std::string tables = "x = ";
  for (std::size_t i = 0; i < depth; ++i) tables += "{a=";
  tables += "1" + std::string(depth, '}') + "\n";
  for (const std::string& text :
       {"x = " + std::string(depth, '[') + std::string(depth, ']') + "\n", tables}) {
    expect_refused(replay_with_config_text(text), 2,
                   {"probe.toml:1:", "nested more than 16 deep", "kMaxConfigNesting"});
  }
}

TEST_F(Hostile, ConfigValuesThatWouldOverflow) {
  const std::string huge = "92233720368.54775807";
  // min_profit: was "1 + min_profit must be positive" from the evaluator, exit 3.
  expect_refused(replay_with_config_text("[strategy]\nmin_profit = \"" + huge + "\"\n"), 2,
                 {"strategy.min_profit = " + huge, "0 to 1"});
  expect_refused(
      run({"replay", "--exchange-info", exchange_info_, "--frames", frames_, "--min-profit", huge}),
      2, {"strategy.min_profit = " + huge, "0 to 1"});
  expect_refused(replay_with_config_text("[strategy]\nbudget = \"" + huge + "\"\n"), 2,
                 {"strategy.budget = " + huge, "0.00000001 to 10000000000"});
  expect_refused(replay_with_config_text("[strategy]\nbudgets = { USDT = \"" + huge + "\" }\n"), 2,
                 {"strategy.budgets.USDT = " + huge, "0.00000001 to 10000000000"});
  expect_refused(replay_with_config_text("[strategy]\nfee = \"" + huge + "\"\n"), 2,
                 {"strategy.fee = " + huge, "0 to 0.99999999"});
  expect_refused(replay_with_config_text("[strategy]\nmin_profit = \"92233720369\"\n"), 2,
                 {"strategy.min_profit = \"92233720369\"", "overflow"});
  expect_refused(replay_with_config_text("[strategy]\nmax_leg_age_ms = 99999999999999999999\n"), 2,
                 {"probe.toml:2:"});
  expect_refused(replay_with_config_text("[journal]\nrotate_bytes = 9223372036854775807\n"), 2,
                 {"journal.rotate_bytes = 9223372036854775807", "an integer from 4096"});
}

TEST_F(Hostile, ConfigWithUnknownKeysOrSections) {
  expect_refused(replay_with_config_text("[strategy]\nmin_proft = \"0.1\"\n"), 2,
                 {"strategy.min_proft", "unknown key"});
  expect_refused(replay_with_config_text("[strateg]\nfee = \"0.1\"\n"), 2,
                 {"strateg", "unknown section"});
}

TEST_F(Hostile, ConfigWithWrongTypes) {
  expect_refused(replay_with_config_text("[connections]\nsymbols_per_connection = \"many\"\n"), 2,
                 {"connections.symbols_per_connection = \"many\"", "an integer"});
  expect_refused(replay_with_config_text("[strategy]\nfee = true\n"), 2,
                 {"strategy.fee = true", "a decimal number"});
  expect_refused(replay_with_config_text("strategy = 1\n"), 2, {"strategy = 1", "a section"});
  expect_refused(replay_with_config_text("dry_run = \"yes\"\n"), 2,
                 {"dry_run = \"yes\"", "true or false"});
}

TEST_F(Hostile, ConfigWithBadMetricsPorts) {
  for (const char* address :
       {"127.0.0.1:65536", "127.0.0.1:19467abc", "127.0.0.1: 19468", "127.0.0.1:+1",
        "127.0.0.1:", "[::1]:", "localhost:9464", "0.0.0.0:9464"}) {
    expect_refused(replay_with_config_text("[telemetry]\nmetrics_address = \"" +
                                           std::string(address) + "\"\n"),
                   2, {"telemetry.metrics_address = " + std::string(address), "loopback"});
  }
}

TEST_F(Hostile, ConfigOfBinaryGarbage) {
  for (const std::uint32_t seed : {1U, 2U, 3U}) {
    expect_refused(replay_with_config_text(garbage(4096, seed)), 2, {"probe.toml:"});
  }
  // NUL bytes after a valid line.
  expect_refused(replay_with_config_text("dry_run = true\n" + std::string(64, '\0')), 2,
                 {"probe.toml:2:"});
}

TEST_F(Hostile, ConfigThatIsEmpty) {
  expect_refused(replay_with_config_text(""), 2, {"probe.toml: no setting", "dry_run = true"});
  expect_refused(replay_with_config_text("# only a comment\n\n"), 2, {"no setting"});
}

TEST_F(Hostile, ConfigThatIsADirectoryOrMissing) {
  expect_refused(replay_with_config(dir_.string()), 2, {"--config", "directory"});
  expect_refused(replay_with_config(path("missing.toml")), 2, {"--config", "does not exist"});
}

// --- exchangeInfo -----------------------------------------------------------

// A 1 GB exchangeInfo reached 3.1 GB resident before failing.
TEST_F(Hostile, ExchangeInfoOverTheSizeLimit) {
  const std::string p = path("big.json");
  write_file(p, read_file(exchange_info_));
  fs::resize_file(p, (64U << 20) + 1);  // sparse: a reader that checks first never reads it
  expect_refused(replay_with_exchange_info(p), 3,
                 {p + ": 67108865 bytes", "67108864", "kMaxExchangeInfoBytes"});
}

// One filter of one symbol (ETHBTC, the fixture's first) made nonsense.
TEST_F(Hostile, ExchangeInfoWithNonsenseFilters) {
  const std::string good = read_file(exchange_info_);
  struct probe {
    std::string from, to;
    std::vector<std::string> parts;
  };
  for (const probe& p : std::vector<probe>{
           {R"("stepSize": "0.00010000")",
            R"("stepSize": "0")",
            {"symbols[0].filters[1].stepSize", "\"0\"", "ETHBTC", "must be positive"}},
           {R"("tickSize": "0.00001000")",
            R"("tickSize": "0.00000000")",
            {"symbols[0].filters[0].tickSize", "\"0.00000000\"", "ETHBTC", "must be positive"}},
           {R"("minQty": "0.00010000")",
            R"("minQty": "200000")",
            {"symbols[0].filters[1].minQty", "\"200000\"", "ETHBTC", "above maxQty"}},
           {R"("maxQty": "100000.00000000")",
            R"("maxQty": "0")",
            {"symbols[0].filters[1].maxQty", "\"0\"", "ETHBTC", "must be positive"}}}) {
    std::string text = good;
    const auto at = text.find(p.from);
    ASSERT_NE(at, std::string::npos) << p.from;
    text.replace(at, p.from.size(), p.to);
    const child_result r = replay_with_exchange_info_text(text);
    EXPECT_EQ(r.code, 3) << r.output;
    for (const std::string& part : p.parts) {
      EXPECT_NE(r.output.find(part), std::string::npos) << part << " in: " << r.output;
    }
  }
}

TEST_F(Hostile, ExchangeInfoOfBinaryGarbageEmptyOrDeeplyNested) {
  for (const std::uint32_t seed : {1U, 2U, 3U}) {
    expect_refused(replay_with_exchange_info_text(garbage(4096, seed)), 3,
                   {"probe.json: exchangeInfo:"});
  }
  expect_refused(replay_with_exchange_info_text(""), 3, {"probe.json: exchangeInfo:"});
  expect_refused(
      replay_with_exchange_info_text(std::string(100'000, '[') + std::string(100'000, ']')), 3,
      {"probe.json: exchangeInfo:"});
  expect_refused(replay_with_exchange_info_text(R"({"symbols":)" + std::string(100'000, '[')), 3,
                 {"probe.json: exchangeInfo:", "truncated"});
}

// An input file that cannot be read is exit 3 (README), unlike a
// configuration file (exit 2, above).
TEST_F(Hostile, ExchangeInfoThatIsADirectoryOrMissing) {
  expect_refused(replay_with_exchange_info(dir_.string()), 3, {"--exchange-info", "directory"});
  expect_refused(replay_with_exchange_info(path("missing.json")), 3,
                 {"--exchange-info", "missing.json", "cannot read"});
}

// --- the connection plan against the simulated exchange ----------------------

// `triarb sim-exchange` on 127.0.0.1 (port 0: any free one), stopped with
// SIGTERM (SIGKILL after the timeout) when the test ends.
class SimExchangeChild {
 public:
  SimExchangeChild(const std::string& out, const std::string& ca) {
    pid_ = test::spawn_child({TRIARB_BINARY, "sim-exchange", "--port", "0", "--ca-out", ca}, out);
    const auto give_up = std::chrono::steady_clock::now() + kChildTimeout;
    while (pid_ > 0 && std::chrono::steady_clock::now() < give_up) {
      const std::string text = read_file(out);
      const auto rest = text.find("rest ");
      const auto ws = text.find("ws   ");
      if (rest != std::string::npos && ws != std::string::npos &&
          text.find('\n', ws) != std::string::npos) {
        rest_url_ = text.substr(rest + 5, text.find('\n', rest) - rest - 5);
        ws_url_ = text.substr(ws + 5, text.find('\n', ws) - ws - 5);
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  ~SimExchangeChild() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      (void)test::wait_child(pid_, kChildTimeout);
    }
  }
  SimExchangeChild(const SimExchangeChild&) = delete;
  SimExchangeChild& operator=(const SimExchangeChild&) = delete;

  [[nodiscard]] bool ready() const { return !rest_url_.empty() && !ws_url_.empty(); }
  std::string rest_url_, ws_url_;

 private:
  pid_t pid_ = -1;
};

// symbols_per_connection = 1 opened 131 of 1,351 connections and waited on
// HTTP 429s with exit 0; reconnect_attempts_per_5min = 1 opened 1 of 7.
TEST_F(Hostile, RunRefusesAConnectionPlanTheConnectBudgetCannotCarry) {
  const std::string ca = path("ca.pem");
  SimExchangeChild ex(path("sim_exchange.txt"), ca);
  ASSERT_TRUE(ex.ready()) << read_file(path("sim_exchange.txt"));
  const std::string base = "[exchange]\nrest_url = \"" + ex.rest_url_ + "\"\nws_url = \"" +
                           ex.ws_url_ + "\"\nca_file = \"" + ca +
                           "\"\n[telemetry]\nmetrics_address = \"\"\n[journal]\npath = \"" +
                           path("journal.jsonl") + "\"\n[connections]\n";
  struct probe {
    std::string knob;
    std::vector<std::string> parts;
  };
  for (const probe& p : std::vector<probe>{
           {"symbols_per_connection = 1",
            {"symbols / symbols_per_connection 1 = ", "reconnect_attempts_per_5min 300 allows 300",
             "symbols_per_connection of at least"}},
           {"reconnect_attempts_per_5min = 1",
            {"symbols / symbols_per_connection 200 = ", "reconnect_attempts_per_5min 1 allows 1",
             "reconnect_attempts_per_5min of at least"}}}) {
    const std::string config = path("run.toml");
    write_file(config, base + p.knob + "\n");
    // Bounded either way: --duration stops a run the check let through.
    const child_result r = run({"run", "--config", config, "--duration", "3"});
    EXPECT_EQ(r.code, 2) << r.output.substr(0, 2000);
    for (const std::string& part : p.parts) {
      EXPECT_NE(r.output.find(part), std::string::npos)
          << part << " in: " << r.output.substr(0, 2000);
    }
    EXPECT_FALSE(fs::exists(path("journal.jsonl"))) << "refused before the journal was opened";
  }
}

// --- the REST body limit -----------------------------------------------------

TEST(HostileRest, AResponseOverTheBodyLimitIsAnErrorNamingTheLimit) {
  EXPECT_EQ(rest_options{}.body_limit, kMaxExchangeInfoBytes);
  sim_exchange ex(sim_exchange_options{});
  ex.start();
  tls_options to;
  to.ca_pem = ex.ca_pem();
  tls_context tls(to);
  rest_options small;
  small.body_limit = 1000;  // the simulated exchangeInfo is far larger
  rest_client rest(tls, ex.rest_url(), small);
  try {
    (void)rest.exchange_info();
    ADD_FAILURE() << "expected rest_error";
  } catch (const rest_error& e) {
    EXPECT_NE(std::string(e.what()).find("/api/v3/exchangeInfo"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("more than 1000 bytes"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("body_limit"), std::string::npos) << e.what();
  }
  ex.stop();
}

}  // namespace
}  // namespace triarb
