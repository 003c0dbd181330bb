// hostile_runtime_test (labels hostile, integration): `triarb run` against
// servers that do not behave, as child processes on loopback, each killed
// after a bound (a kill is a failure, not a timing check):
//   - a REST server that accepts and never answers: --duration and Ctrl-C
//     end the start-up at once, exit 1, and the message says so;
//   - a WebSocket URL on a closed port: no frame ever arrives; the run ends
//     at --duration with exit 1, naming the symbols never subscribed;
//   - the simulated exchange, well behaved: exit 0 (the checks above do not
//     fire on a good run).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/exchange/sim_exchange.h"

extern char** environ;

namespace triarb {
namespace {

namespace fs = std::filesystem;

constexpr int kBoundSeconds = 30;  // a child still running after this is killed: a failure

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct child {
  pid_t pid = -1;
  std::string err_file;
};

child spawn(const std::vector<std::string>& args, const std::string& dir) {
  child c;
  c.err_file = dir + "/stderr.txt";
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, c.err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (posix_spawn(&c.pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) c.pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return c;
}

// The exit code, or -1 if the child had to be killed at the bound (or died
// of a signal).
int wait_bounded(const child& c) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(kBoundSeconds);
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(c.pid, &status, WNOHANG);
    if (r == c.pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (std::chrono::steady_clock::now() > give_up) {
      kill(c.pid, SIGKILL);
      waitpid(c.pid, &status, 0);
      ADD_FAILURE() << "the child was still running after " << kBoundSeconds << " s";
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// A TCP listener on 127.0.0.1: accepted connections are held and never
// answered (a TLS client waits for its ServerHello forever).
class silent_server {
 public:
  silent_server() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::listen(fd_, 8) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    port_ = ntohs(a.sin_port);
  }
  ~silent_server() {
    for (const int c : accepted_) ::close(c);
    ::close(fd_);
  }
  silent_server(const silent_server&) = delete;
  silent_server& operator=(const silent_server&) = delete;
  [[nodiscard]] int port() const { return port_; }
  // Waits (bounded) for a client to connect; true when one did.
  bool accept_one() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, kBoundSeconds * 1000) != 1) return false;
    const int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return false;
    accepted_.push_back(c);
    return true;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::vector<int> accepted_;
};

// A port nothing listens on (bound, then closed).
int closed_port() {
  silent_server s;
  return s.port();
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
  const std::string err = read_all(c.err_file);
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
  ASSERT_TRUE(rest.accept_one()) << "the bot never connected";  // it is in start-up now
  kill(c.pid, SIGINT);
  EXPECT_EQ(wait_bounded(c), 1);
  const std::string err = read_all(c.err_file);
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
  const std::string err = read_all(c.err_file);
  EXPECT_NE(err.find("no frames were received"), std::string::npos) << err;
  EXPECT_NE(err.find("symbols were never subscribed"), std::string::npos) << err;
}

TEST_F(HostileRuntimeWithExchange, AGoodRunExitsZero) {
  const child c = spawn({TRIARB_BINARY, "run", "--config", config(ex_->rest_url(), ex_->ws_url()),
                         "--ca-file", ca_, "--duration", "8"},
                        dir_);
  ASSERT_GT(c.pid, 0);
  EXPECT_EQ(wait_bounded(c), 0) << read_all(c.err_file);
}

}  // namespace
}  // namespace triarb
