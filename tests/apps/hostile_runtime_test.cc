// hostile_runtime_test (labels hostile, integration): `triarb run` against
// servers that do not behave, as child processes on loopback, each killed
// after a bound (a kill is a failure, not a timing check):
//   - a REST server that accepts and never answers: --duration and Ctrl-C
//     end the start-up at once, exit 1, and the message says so;
//   - a WebSocket URL on a closed port: no frame ever arrives; the run ends
//     at --duration with exit 1, naming the symbols never subscribed;
//   - the simulated exchange, well behaved: exit 0 (the checks above do not
//     fire on a good run).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/exchange/sim_exchange.h"
#include "tests/support/child_process.h"
#include "tests/support/loopback.h"

namespace triarb {
namespace {

namespace fs = std::filesystem;

constexpr int kBoundSeconds = 30;  // a child still running after this is killed: a failure

using test::closed_port;
using test::read_file;
using test::silent_server;

struct child {
  pid_t pid = -1;
  std::string err_file;
};

child spawn(const std::vector<std::string>& args, const std::string& dir) {
  child c;
  c.err_file = dir + "/stderr.txt";
  c.pid = test::spawn_child(args, "/dev/null", c.err_file);
  return c;
}

// The exit code, or -1 if the child had to be killed at the bound (a failure).
int wait_bounded(const child& c) {
  const int code = test::wait_child(c.pid, std::chrono::seconds(kBoundSeconds));
  if (code == -1) ADD_FAILURE() << "the child was still running after " << kBoundSeconds << " s";
  return code;
}

class HostileRuntime : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::path(::testing::TempDir()) / "hostile_runtime").string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  // A configuration for these URLs; no metrics server; journal in the dir.
  std::string config(const std::string& rest, const std::string& ws) {
    const std::string path = dir_ + "/triarb.toml";
    std::ofstream(path) << "[exchange]\nrest_url = \"" << rest << "\"\nws_url = \"" << ws
                        << "\"\n[journal]\npath = \"" << dir_ << "/journal.jsonl\"\n"
                        << "[telemetry]\nmetrics_address = \"\"\n";
    return path;
  }
  std::string dir_;
};

TEST_F(HostileRuntime, DurationEndsAStartUpRequestTheServerNeverAnswers) {
  silent_server rest;
  const std::string url = "https://127.0.0.1:" + std::to_string(rest.port());
  const child c =
      spawn({TRIARB_BINARY, "run", "--config", config(url, "wss://127.0.0.1:1"), "--duration", "1"},
            dir_);
  ASSERT_GT(c.pid, 0);
  EXPECT_EQ(wait_bounded(c), 1);
  const std::string err = read_file(c.err_file);
  EXPECT_NE(err.find("stopped during start-up"), std::string::npos) << err;
  EXPECT_NE(err.find("--duration ended"), std::string::npos) << err;
  // The request itself was stopped (not ended by its 15 s timeout and
  // then reported as a stop).
  EXPECT_NE(err.find("stopped before it answered"), std::string::npos) << err;
}

TEST_F(HostileRuntime, CtrlCEndsAStartUpRequestTheServerNeverAnswers) {
  silent_server rest;
  const std::string url = "https://127.0.0.1:" + std::to_string(rest.port());
  const child c = spawn({TRIARB_BINARY, "run", "--config", config(url, "wss://127.0.0.1:1")}, dir_);
  ASSERT_GT(c.pid, 0);
  ASSERT_TRUE(rest.accept_one(kBoundSeconds * 1000))
      << "the bot never connected";  // it is in start-up now
  kill(c.pid, SIGINT);
  EXPECT_EQ(wait_bounded(c), 1);
  const std::string err = read_file(c.err_file);
  EXPECT_NE(err.find("stopped during start-up"), std::string::npos) << err;
  EXPECT_NE(err.find("stop requested"), std::string::npos) << err;
  // The request itself was stopped (not ended by its 15 s timeout and
  // then reported as a stop).
  EXPECT_NE(err.find("stopped before it answered"), std::string::npos) << err;
}

class HostileRuntimeWithExchange : public HostileRuntime {
 protected:
  void SetUp() override {
    HostileRuntime::SetUp();
    sim_exchange_options o;
    o.seed = 5;
    ex_ = std::make_unique<sim_exchange>(o);
    ex_->start();
    ca_ = dir_ + "/ca.pem";
    std::ofstream(ca_) << ex_->ca_pem();
  }
  void TearDown() override { ex_->stop(); }
  std::unique_ptr<sim_exchange> ex_;
  std::string ca_;
};

TEST_F(HostileRuntimeWithExchange, ARunThatReceivesNoFrameExitsOneAndSaysWhy) {
  const std::string ws = "wss://127.0.0.1:" + std::to_string(closed_port());
  const child c = spawn({TRIARB_BINARY, "run", "--config", config(ex_->rest_url(), ws), "--ca-file",
                         ca_, "--duration", "2"},
                        dir_);
  ASSERT_GT(c.pid, 0);
  EXPECT_EQ(wait_bounded(c), 1);
  const std::string err = read_file(c.err_file);
  EXPECT_NE(err.find("no frames were received"), std::string::npos) << err;
  EXPECT_NE(err.find("symbols were never subscribed"), std::string::npos) << err;
}

TEST_F(HostileRuntimeWithExchange, AGoodRunExitsZero) {
  const child c = spawn({TRIARB_BINARY, "run", "--config", config(ex_->rest_url(), ex_->ws_url()),
                         "--ca-file", ca_, "--duration", "8"},
                        dir_);
  ASSERT_GT(c.pid, 0);
  EXPECT_EQ(wait_bounded(c), 0) << read_file(c.err_file);
}

}  // namespace
}  // namespace triarb
