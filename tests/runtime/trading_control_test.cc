// trading_control_test: layer four wired into the live bot (runtime/live_bot.h)
// against the simulated exchange over TLS on loopback (label integration):
// the operator's POST /halt and /resume with and without the right token,
// SIGUSR1, the halt file (at start-up and appearing while running, and the
// resume it blocks), a journal that cannot keep up; after each, the journal
// verifies and holds the state records, and opportunities decided while
// halted are journaled suppressed. Every run is bounded (a duration cap,
// waits with a deadline) and stops by itself.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/journal.h"
#include "core/trading_state_replay.h"
#include "runtime/live_bot.h"
#include "sim/exchange/sim_exchange.h"
#include "tests/runtime/http_client.h"
#include "tests/runtime/prometheus_lint.h"
#include "tests/runtime/running_bot.h"

namespace triarb {
namespace {

using namespace std::chrono_literals;

constexpr const char* kToken = "tok-3f9a1c-operator";

// A directory of this test's own under the test temp dir, emptied.
std::string fresh_dir(const std::string& name) {
  const std::string d = ::testing::TempDir() + "trading_control_" + name;
  std::error_code ec;
  std::filesystem::remove_all(d, ec);
  std::filesystem::create_directories(d);
  return d;
}

void write_file(const std::string& path, const std::string& text, mode_t mode = 0600) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
}

// The bot against ex with a journal, a metrics server on any loopback port,
// and guards that only the operator moves (the rate and repeat guards' limits
// far above what a short run reaches, feed health never poor).
live_options bot_for(const sim_exchange& ex, const std::string& dir) {
  live_options o;
  o.cfg.rest_url = ex.rest_url();
  o.cfg.ws_url = ex.ws_url();
  o.cfg.metrics_address = "127.0.0.1:0";
  o.cfg.telemetry_interval_ms = 100;
  o.cfg.journal_path = dir + "/journal.jsonl";
  o.cfg.journal_fsync = journal_fsync_mode::never;
  o.cfg.guard.rate_floor = 1'000'000'000;
  o.cfg.guard.repeat_reports = 1'000'000;
  o.cfg.guard.feed_invalid_max_permille = 1000;
  o.tls.ca_pem = ex.ca_pem();
  o.journal = true;
  o.duration_ms = 20'000;  // upper bound; tests stop earlier
  o.ws.backoff_initial_ms = 50;
  o.ws.backoff_max_ms = 500;
  o.evaluator = live_options::evaluator_mode::inline_feed;
  return o;
}

sim_exchange_options fast_exchange() {
  sim_exchange_options o;
  o.seed = 3;
  o.updates_per_second = 5000;
  return o;
}

struct http_reply {
  std::string status_line, body;
};
http_reply post(std::uint16_t port, const std::string& path, const std::string& auth) {
  test::client c(port);
  EXPECT_TRUE(c.connected);
  c.send("POST " + path + " HTTP/1.1\r\nHost: x\r\n" +
         (auth.empty() ? "" : "Authorization: " + auth + "\r\n") + "Content-Length: 0\r\n\r\n");
  const std::string raw = c.read_all();
  const auto head_end = raw.find("\r\n\r\n");
  return {raw.substr(0, raw.find("\r\n")),
          head_end == std::string::npos ? "" : raw.substr(head_end + 4)};
}
std::string metrics_body(std::uint16_t port) {
  const std::string raw = test::scrape(port);
  const auto at = raw.find("\r\n\r\n");
  return at == std::string::npos ? "" : raw.substr(at + 4);
}

// The tick lines, written by the feed thread, read by the test meanwhile.
struct locked_text : std::streambuf {
  std::mutex mu;
  std::string text;
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) {
      std::lock_guard<std::mutex> lk(mu);
      text.push_back(static_cast<char>(c));
    }
    return c;
  }
  std::streamsize xsputn(const char* p, std::streamsize n) override {
    std::lock_guard<std::mutex> lk(mu);
    text.append(p, static_cast<std::size_t>(n));
    return n;
  }
  std::string get() {
    std::lock_guard<std::mutex> lk(mu);
    return text;
  }
};

bool digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}
// "" if line is the tick line live_bot.h documents, else what is wrong:
// state=S frames/s=N valid=P% opp=N suppressed=N p50=U.UUUµs p99=U.UUUµs
// journal_lag=N moved: (-| name+N ...)
std::string tick_line_problem(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string t; in >> t;) w.push_back(t);
  if (w.size() < 10) return "too few fields";
  const auto value = [&](std::size_t i, std::string_view key) -> std::string_view {
    const std::string_view t = w[i];
    return t.starts_with(key) ? t.substr(key.size()) : std::string_view("<missing>");
  };
  const std::string_view st = value(0, "state=");
  if (st != "active" && st != "reducing" && st != "halted") return "state";
  if (!digits(value(1, "frames/s="))) return "frames/s";
  const std::string_view valid = value(2, "valid=");
  if (valid != "-" && !(valid.ends_with("%") && valid.find('.') != std::string_view::npos &&
                        digits(valid.substr(0, valid.find('.'))))) {
    return "valid";
  }
  if (!digits(value(3, "opp="))) return "opp";
  if (!digits(value(4, "suppressed="))) return "suppressed";
  for (const auto& [i, key] : {std::pair<std::size_t, std::string_view>{5, "p50="}, {6, "p99="}}) {
    std::string_view v = value(i, key);
    if (!v.ends_with("µs")) return std::string(key) + " unit";
    v.remove_suffix(std::string_view("µs").size());
    const auto dot = v.find('.');
    if (dot == std::string_view::npos || !digits(v.substr(0, dot)) || v.size() - dot != 4 ||
        !digits(v.substr(dot + 1))) {
      return std::string(key) + " value";
    }
  }
  if (!digits(value(7, "journal_lag="))) return "journal_lag";
  if (w[8] != "moved:") return "moved:";
  if (w.size() == 10 && w[9] == "-") return "";
  for (std::size_t i = 9; i < w.size(); ++i) {
    const auto plus = w[i].rfind('+');
    if (plus == std::string::npos || w[i].find('.') > plus ||
        !digits(std::string_view(w[i]).substr(plus + 1))) {
      return "moved entry " + w[i];
    }
  }
  return "";
}

// A counter of the tick JSON's "journal" object (-1: not there).
long long journal_counter(const std::string& json, const std::string& name) {
  const auto j = json.find("\"journal\":{");
  if (j == std::string::npos) return -1;
  const auto end = json.find('}', j);
  const auto at = json.find("\"" + name + "\":", j);
  if (at == std::string::npos || at > end) return -1;
  return std::stoll(json.substr(at + name.size() + 3));
}

// Verdicts as the bot's hook saw them.
struct verdicts {
  std::atomic<std::uint64_t> all{0}, halted{0}, actionable{0};
  void attach(live_options& o) {
    o.on_verdict = [this](const opportunity&, suppress_reason r) {
      ++all;
      if (r == suppress_reason::halted) ++halted;
      if (r == suppress_reason::none) ++actionable;
    };
  }
};

std::vector<journal_record> verified_records(const std::string& path) {
  const verify_report v = verify_journal(path, {});
  EXPECT_TRUE(v.ok()) << v.message();
  return read_journal(path);
}
std::vector<state_record> states_in(const std::vector<journal_record>& recs) {
  std::vector<state_record> out;
  for (const journal_record& r : recs) {
    if (const auto* s = std::get_if<state_record>(&r.body)) out.push_back(*s);
  }
  return out;
}

TEST(TradingControl, HttpHaltAndResumeNeedTheTokenAndHaltedOpportunitiesAreJournaledSuppressed) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("http");
  live_options o = bot_for(ex, dir);
  o.cfg.token_file = dir + "/token";
  write_file(o.cfg.token_file, std::string(kToken) + "\n");
  verdicts v;
  v.attach(o);
  locked_text tick_text;
  std::ostream ticks(&tick_text);
  o.ticks = &ticks;
  running_bot b(std::move(o));
  ASSERT_TRUE(wait_for([&] { return b.bot.running() && b.bot.metrics_port() != 0; }));
  const std::uint16_t port = b.bot.metrics_port();
  ASSERT_TRUE(wait_for([&] { return v.all.load() > 0; })) << "no opportunity in 15 s";
  EXPECT_EQ(b.bot.trading(), trading_state::active);

  EXPECT_EQ(post(port, "/halt", "").status_line, "HTTP/1.1 401 Unauthorized");
  EXPECT_EQ(post(port, "/halt", "Bearer wrong-token").status_line, "HTTP/1.1 403 Forbidden");
  EXPECT_EQ(post(port, "/resume", "Bearer wrong-token").status_line, "HTTP/1.1 403 Forbidden");
  EXPECT_EQ(b.bot.trading(), trading_state::active) << "a refused request moved the state";

  http_reply r = post(port, "/halt", std::string("Bearer ") + kToken);
  EXPECT_EQ(r.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(r.body, "{\"state\":\"halted\",\"changed\":true}\n");
  EXPECT_EQ(b.bot.trading(), trading_state::halted);
  r = post(port, "/halt", std::string("Bearer ") + kToken);
  EXPECT_EQ(r.body, "{\"state\":\"halted\",\"changed\":false}\n");
  ASSERT_TRUE(wait_for([&] { return v.halted.load() > 0; }))
      << "no opportunity was decided while halted within 15 s";
  ASSERT_TRUE(wait_for([&] { return tick_text.get().find("state=halted") != std::string::npos; }))
      << "no tick line while halted: " << tick_text.get();

  const std::string halted_metrics = metrics_body(port);
  EXPECT_NE(halted_metrics.find("triarb_trading_state{state=\"halted\"} 1"), std::string::npos)
      << halted_metrics;
  EXPECT_NE(halted_metrics.find("triarb_trading_state{state=\"active\"} 0"), std::string::npos);
  EXPECT_NE(halted_metrics.find("triarb_control_refused_total{reason=\"missing_token\"} 1"),
            std::string::npos)
      << halted_metrics;
  EXPECT_NE(halted_metrics.find("triarb_control_refused_total{reason=\"wrong_token\"} 2"),
            std::string::npos)
      << halted_metrics;
  EXPECT_NE(halted_metrics.find("triarb_guard_transitions_total{trigger=\"manual\"} 1"),
            std::string::npos)
      << halted_metrics;
  EXPECT_EQ(halted_metrics.find("triarb_opportunities_suppressed_total{reason=\"halted\"} 0\n"),
            std::string::npos)
      << "opportunities were suppressed: the counter is not 0";
  EXPECT_TRUE(prometheus_lint(halted_metrics).empty())
      << testing::PrintToString(prometheus_lint(halted_metrics));

  r = post(port, "/resume", std::string("Bearer ") + kToken);
  EXPECT_EQ(r.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(r.body, "{\"state\":\"active\",\"changed\":true}\n");
  EXPECT_EQ(b.bot.trading(), trading_state::active);
  std::this_thread::sleep_for(250ms);  // a tick or two after the resume
  const live_report rep = b.finish();

  EXPECT_EQ(rep.trading, trading_state::active);
  EXPECT_EQ(rep.transitions[static_cast<std::size_t>(guard_trigger::manual)], 2u);
  EXPECT_GT(rep.verdicts[static_cast<std::size_t>(suppress_reason::halted)], 0u);
  EXPECT_NE(rep.telemetry_json.find("\"trading\":{\"state\":\"active\",\"quarantined\":0,"
                                    "\"transitions\":{\"repeat\":0,\"rate\":0,\"feed_health\":0,"
                                    "\"journal\":0,\"manual\":2}"),
            std::string::npos)
      << rep.telemetry_json;

  // The ticks: one human line each, the halt among the counters that moved.
  const std::string tick_lines = tick_text.get();
  std::istringstream in(tick_lines);
  std::size_t lines = 0, halted_lines = 0, moved_manual = 0;
  for (std::string line; std::getline(in, line);) {
    ++lines;
    EXPECT_EQ(tick_line_problem(line), "") << line;
    if (line.starts_with("state=halted")) ++halted_lines;
    if (line.find(" transitions.manual+") != std::string::npos) ++moved_manual;
  }
  EXPECT_GT(lines, 0u);
  EXPECT_GT(halted_lines, 0u) << tick_lines;
  EXPECT_GE(moved_manual, 1u) << tick_lines;

  // The journal: verified; the halt, then opportunities suppressed, then the
  // resume, in that order.
  const std::vector<journal_record> recs = verified_records(dir + "/journal.jsonl");
  const std::vector<state_record> states = states_in(recs);
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].to, trading_state::halted);
  EXPECT_EQ(states[0].trigger, guard_trigger::manual);
  EXPECT_EQ(states[0].by, "http");
  EXPECT_EQ(states[1].from, trading_state::halted);
  EXPECT_EQ(states[1].to, trading_state::active);
  EXPECT_EQ(states[1].by, "http");
  int phase = 0;  // 0 before the halt, 1 halted, 2 after the resume
  std::size_t suppressed_while_halted = 0;
  for (const journal_record& rec : recs) {
    if (std::holds_alternative<state_record>(rec.body)) ++phase;
    if (const auto* op = std::get_if<opportunity_record>(&rec.body)) {
      if (phase == 1) {
        EXPECT_EQ(op->suppressed, suppress_reason::halted) << "seq " << rec.seq;
        ++suppressed_while_halted;
      } else {
        EXPECT_EQ(op->suppressed, suppress_reason::none) << "seq " << rec.seq;
      }
    }
  }
  EXPECT_GT(suppressed_while_halted, 0u);
  std::string raw;
  std::getline(std::ifstream(dir + "/journal.jsonl"), raw, '\0');
  EXPECT_EQ(raw.find(kToken), std::string::npos) << "the token reached the journal";
}

TEST(TradingControl, Sigusr1Halts) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("signal");
  live_options o = bot_for(ex, dir);
  o.cfg.metrics_address.clear();
  running_bot b(std::move(o));
  ASSERT_TRUE(wait_for([&] { return b.bot.running(); }));
  live_report rep;
  {
    const stop_signals signals = install_stop_signals(b.bot);
    ASSERT_EQ(::raise(SIGUSR1), 0);
    EXPECT_TRUE(wait_for([&] { return b.bot.trading() == trading_state::halted; }, 5s));
    rep = b.finish();
  }
  EXPECT_EQ(rep.trading, trading_state::halted);
  const std::vector<state_record> states = states_in(verified_records(dir + "/journal.jsonl"));
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].from, trading_state::active);
  EXPECT_EQ(states[0].to, trading_state::halted);
  EXPECT_EQ(states[0].trigger, guard_trigger::manual);
  EXPECT_EQ(states[0].by, "signal");
}

// The signal handlers never reach a destroyed bot: installed for a bot that
// is then destroyed, a SIGUSR1 reaches the handler that was there before
// (under ASan, a use-after-free otherwise).
std::atomic<int> g_previous_usr1{0};
extern "C" void count_usr1(int) { g_previous_usr1.fetch_add(1); }
TEST(TradingControl, TheSignalHandlersNeverReachADestroyedBot) {
  g_previous_usr1 = 0;  // this run's signals only (--gtest_repeat runs it again)
  const auto before = std::signal(SIGUSR1, count_usr1);
  {
    auto bot = std::make_unique<live_bot>(live_options{});
    const stop_signals signals = install_stop_signals(*bot);
    // signals goes first, then the bot.
  }
  ASSERT_EQ(::raise(SIGUSR1), 0);
  EXPECT_EQ(g_previous_usr1.load(), 1) << "the previous SIGUSR1 handler was not restored";
  std::signal(SIGUSR1, before);
}

TEST(TradingControl, TheHaltFileHaltsAtStartAndWhenItAppearsAndBlocksResume) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("halt_file");
  live_options o = bot_for(ex, dir);
  o.cfg.token_file = dir + "/token";
  write_file(o.cfg.token_file, kToken);
  o.cfg.halt_file = dir + "/HALT";
  write_file(o.cfg.halt_file, "");
  const std::string halt_file = o.cfg.halt_file;
  running_bot b(std::move(o));
  ASSERT_TRUE(wait_for([&] { return b.bot.running() && b.bot.metrics_port() != 0; }));
  EXPECT_EQ(b.bot.trading(), trading_state::halted) << "started with the halt file present";
  const std::uint16_t port = b.bot.metrics_port();
  const std::string auth = std::string("Bearer ") + kToken;
  http_reply r = post(port, "/resume", auth);
  EXPECT_EQ(r.status_line, "HTTP/1.1 409 Conflict");
  EXPECT_NE(r.body.find("\"state\":\"halted\""), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("resume refused: the halt file " + halt_file + " exists"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(b.bot.trading(), trading_state::halted);
  ASSERT_EQ(std::remove(halt_file.c_str()), 0);
  r = post(port, "/resume", auth);
  EXPECT_EQ(r.status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(b.bot.trading(), trading_state::active);
  write_file(halt_file, "");
  EXPECT_TRUE(wait_for([&] { return b.bot.trading() == trading_state::halted; }, 5s))
      << "the halt file appeared and the bot did not halt";
  const live_report rep = b.finish();
  EXPECT_EQ(rep.trading, trading_state::halted);
  const std::vector<state_record> states = states_in(verified_records(dir + "/journal.jsonl"));
  ASSERT_EQ(states.size(), 3u);
  EXPECT_EQ(states[0].to, trading_state::halted);
  EXPECT_EQ(states[0].by, "halt_file");
  EXPECT_EQ(states[1].to, trading_state::active);
  EXPECT_EQ(states[1].by, "http");
  EXPECT_EQ(states[2].to, trading_state::halted);
  EXPECT_EQ(states[2].by, "halt_file");
}

// The chain replayed by the audit's tracker: every record consistent.
void expect_states_replay(const std::vector<journal_record>& recs) {
  trading_state_tracker t;
  for (const journal_record& r : recs) {
    const std::string why = t.apply(r);
    EXPECT_EQ(why, "") << "seq " << r.seq;
  }
}

// A continued journal keeps the trading state: a bot halted over HTTP,
// stopped, and a second bot on the same journal starts halted (no new state
// record: nothing changed), suppresses every opportunity, and the chain
// verifies and replays.
TEST(TradingControl, AHaltSurvivesARestart) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("restart");
  live_options o = bot_for(ex, dir);
  o.cfg.token_file = dir + "/token";
  write_file(o.cfg.token_file, kToken);
  {
    running_bot b(o);
    ASSERT_TRUE(wait_for([&] { return b.bot.running() && b.bot.metrics_port() != 0; }));
    EXPECT_EQ(post(b.bot.metrics_port(), "/halt", std::string("Bearer ") + kToken).status_line,
              "HTTP/1.1 200 OK");
    EXPECT_EQ(b.finish().trading, trading_state::halted);
  }
  verdicts v;
  v.attach(o);
  running_bot b(o);
  ASSERT_TRUE(wait_for([&] { return b.bot.running(); }));
  EXPECT_EQ(b.bot.trading(), trading_state::halted) << "the restart forgot the halt";
  ASSERT_TRUE(wait_for([&] { return v.all.load() > 0; })) << "no opportunity in 15 s";
  const live_report rep = b.finish();
  EXPECT_EQ(rep.trading, trading_state::halted);
  EXPECT_EQ(v.actionable.load(), 0u) << "of " << v.all.load() << " after the restart";
  EXPECT_EQ(rep.verdicts[static_cast<std::size_t>(suppress_reason::none)], 0u);
  EXPECT_EQ(rep.transitions[static_cast<std::size_t>(guard_trigger::manual)], 0u)
      << "a restored state is not a transition";
  const std::vector<journal_record> recs = verified_records(dir + "/journal.jsonl");
  ASSERT_EQ(states_in(recs).size(), 1u);
  expect_states_replay(recs);
  // --new-journal (a new chain) starts active.
  live_options fresh = o;
  fresh.new_journal = true;
  fresh.cfg.journal_path = dir + "/other.jsonl";
  running_bot c(fresh);
  ASSERT_TRUE(wait_for([&] { return c.bot.running(); }));
  EXPECT_EQ(c.bot.trading(), trading_state::active);
}

// The quarantines a continued journal ended with are restored too (by
// triangle name): a first bot with a repeat guard that quarantines at 2
// reports, a second with one that never does.
TEST(TradingControl, AQuarantineSurvivesARestart) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("restart_quarantine");
  live_options o = bot_for(ex, dir);
  o.cfg.metrics_address.clear();
  o.cfg.guard.repeat_reports = 2;
  std::size_t quarantined = 0;
  {
    verdicts v;
    v.attach(o);
    running_bot b(o);
    ASSERT_TRUE(wait_for([&] { return v.all.load() > 200; })) << "200 opportunities in 15 s";
    const live_report rep = b.finish();
    quarantined = rep.quarantined;
    ASSERT_GT(quarantined, 0u) << "no triangle quarantined at 2 reports";
  }
  o.cfg.guard.repeat_reports = 1'000'000;
  running_bot b(o);
  ASSERT_TRUE(wait_for([&] { return b.bot.running(); }));
  const live_report rep = b.finish();
  EXPECT_EQ(rep.quarantined, quarantined) << "the restart forgot the quarantines";
  EXPECT_EQ(rep.transitions[static_cast<std::size_t>(guard_trigger::repeat)], 0u);
  expect_states_replay(verified_records(dir + "/journal.jsonl"));
}

// A halt file present at start-up halts, and its state record reaches the
// journal even when the run stops before connecting (the journal thread
// never starts).
TEST(TradingControl, AStartUpHaltIsJournaledWhenTheRunStopsBeforeConnecting) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("startup_halt");
  live_options o = bot_for(ex, dir);
  o.cfg.metrics_address.clear();
  o.cfg.halt_file = dir + "/HALT";
  write_file(o.cfg.halt_file, "");
  std::atomic<live_bot*> self{nullptr};
  o.before_connecting = [&self] { self.load()->request_stop(); };
  live_bot bot(std::move(o));
  self = &bot;
  const live_report rep = bot.run();
  EXPECT_NE(rep.stopped_during_startup.find("before connecting"), std::string::npos)
      << rep.stopped_during_startup;
  const std::vector<journal_record> recs = verified_records(dir + "/journal.jsonl");
  const std::vector<state_record> states = states_in(recs);
  ASSERT_EQ(states.size(), 1u) << "the start-up halt was not journaled";
  EXPECT_EQ(states[0].to, trading_state::halted);
  EXPECT_EQ(states[0].by, "halt_file");
}

// `run --resume` is the operator's act on the command line: a restored halt
// ends at start-up, journaled as a manual resume by "command_line" (the
// chain still replays); refused, naming the file, while the halt file
// exists. Each run stops just before connecting.
TEST(TradingControl, AResumeOnTheCommandLineEndsARestoredHalt) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("resume_flag");
  live_options o = bot_for(ex, dir);
  o.cfg.metrics_address.clear();
  o.cfg.halt_file = dir + "/HALT";
  const auto start_only = [](live_options lo) {
    std::atomic<live_bot*> self{nullptr};
    lo.before_connecting = [&self] { self.load()->request_stop(); };
    live_bot bot(std::move(lo));
    self = &bot;
    (void)bot.run();
  };
  write_file(o.cfg.halt_file, "");
  start_only(o);  // halted by the halt file
  live_options resume = o;
  resume.resume_at_start = true;
  try {
    start_only(resume);
    ADD_FAILURE() << "--resume was taken while the halt file exists";
  } catch (const config_error& e) {
    EXPECT_NE(std::string(e.what()).find("--resume refused: the halt file " + o.cfg.halt_file),
              std::string::npos)
        << e.what();
  }
  // The refused start wrote nothing (not even a restart genesis).
  EXPECT_EQ(verified_records(dir + "/journal.jsonl").size(), 2u);
  std::filesystem::remove(o.cfg.halt_file);
  start_only(o);  // without --resume the halt is restored: no record
  EXPECT_EQ(states_in(verified_records(dir + "/journal.jsonl")).size(), 1u);
  start_only(resume);
  const std::vector<journal_record> recs = verified_records(dir + "/journal.jsonl");
  const std::vector<state_record> states = states_in(recs);
  ASSERT_EQ(states.size(), 2u) << "the resume was not journaled";
  EXPECT_EQ(states[1].from, trading_state::halted);
  EXPECT_EQ(states[1].to, trading_state::active);
  EXPECT_EQ(states[1].trigger, guard_trigger::manual);
  EXPECT_EQ(states[1].by, "command_line");
  expect_states_replay(recs);
  start_only(resume);  // nothing left to resume: no record
  EXPECT_EQ(states_in(verified_records(dir + "/journal.jsonl")).size(), 2u);
}

// journal_queue 0: every opportunity finds the queue full, so the first one
// halts (trigger journal); the state record itself is never refused. Without
// a token file the control endpoints say so.
TEST(TradingControl, AJournalThatCannotTakeADecisionHalts) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("journal_full");
  live_options o = bot_for(ex, dir);
  o.journal_queue = 0;
  verdicts v;
  v.attach(o);
  running_bot b(std::move(o));
  ASSERT_TRUE(wait_for([&] { return b.bot.running() && b.bot.metrics_port() != 0; }));
  const http_reply r = post(b.bot.metrics_port(), "/halt", std::string("Bearer ") + kToken);
  EXPECT_EQ(r.status_line, "HTTP/1.1 404 Not Found");
  EXPECT_NE(r.body.find("control disabled"), std::string::npos) << r.body;
  ASSERT_TRUE(wait_for([&] { return v.all.load() > 0; })) << "no opportunity in 15 s";
  EXPECT_TRUE(wait_for([&] { return b.bot.trading() == trading_state::halted; }, 5s));
  const live_report rep = b.finish();
  EXPECT_EQ(rep.trading, trading_state::halted);
  EXPECT_EQ(rep.transitions[static_cast<std::size_t>(guard_trigger::journal)], 1u);
  EXPECT_GE(rep.journal_full, 1u);
  const std::vector<journal_record> recs = verified_records(dir + "/journal.jsonl");
  const std::vector<state_record> states = states_in(recs);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].trigger, guard_trigger::journal);
  EXPECT_EQ(states[0].to, trading_state::halted);
  EXPECT_NE(states[0].evidence_json.find("journal_full"), std::string::npos)
      << states[0].evidence_json;
  for (const journal_record& rec : recs) {
    EXPECT_FALSE(std::holds_alternative<opportunity_record>(rec.body))
        << "a queue of 0 took an opportunity (seq " << rec.seq << ")";
  }
  // Not one decision could be recorded, so none may be actionable: the one
  // that found the queue full (and halted) included.
  EXPECT_EQ(v.actionable.load(), 0u) << "of " << v.all.load() << " verdicts";
  EXPECT_EQ(v.halted.load(), v.all.load());
  EXPECT_EQ(rep.verdicts[static_cast<std::size_t>(suppress_reason::none)], 0u);
}

// A write the file system refuses (EFBIG: the process's file-size limit,
// lowered while the bot runs) halts trading (trigger journal, "write_failed");
// the writer cuts the failed line back, and once the limit is lifted the
// records that failed, then the halt's state record, are written in order:
// the journal verifies and tells why trading stopped.
TEST(TradingControl, AJournalWriteErrorHaltsAndTheHaltIsJournaledOnceWritesWork) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("write_error");
  live_options o = bot_for(ex, dir);
  o.cfg.metrics_address.clear();
  const std::string path = o.cfg.journal_path;
  verdicts v;
  v.attach(o);
  running_bot b(std::move(o));
  ASSERT_TRUE(wait_for([&] { return b.bot.running() && v.all.load() > 0; }));
  struct rlimit before {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &before), 0);
  const auto old_xfsz = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
  struct rlimit low = before;
  low.rlim_cur = static_cast<rlim_t>(std::filesystem::file_size(path));
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &low), 0);
  const bool halted =
      wait_for([&] { return b.bot.trading() == trading_state::halted; }, std::chrono::seconds(10));
  // A few 100 ms retries of the same record while writes still fail.
  std::this_thread::sleep_for(350ms);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &before), 0);
  std::signal(SIGXFSZ, old_xfsz);
  ASSERT_TRUE(halted) << "writes failed and trading did not halt";
  const auto has_state = [&] {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      if (line.find("\"type\":\"state\"") != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(wait_for(has_state, std::chrono::seconds(5)))
      << "the halt's state record never reached the journal";
  const live_report rep = b.finish();
  EXPECT_EQ(rep.trading, trading_state::halted);
  EXPECT_EQ(rep.transitions[static_cast<std::size_t>(guard_trigger::journal)], 1u);
  // The record that failed counts once under errors; its retries apart.
  EXPECT_EQ(journal_counter(rep.telemetry_json, "errors"), 1) << rep.telemetry_json;
  EXPECT_GE(journal_counter(rep.telemetry_json, "retries"), 1) << rep.telemetry_json;
  const std::vector<journal_record> recs = verified_records(path);
  const std::vector<state_record> states = states_in(recs);
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].trigger, guard_trigger::journal);
  EXPECT_EQ(states[0].by, "guard");
  EXPECT_NE(states[0].evidence_json.find("write_failed"), std::string::npos)
      << states[0].evidence_json;
  bool after_halt = false;
  for (const journal_record& rec : recs) {
    if (std::holds_alternative<state_record>(rec.body)) after_halt = true;
    if (const auto* op = std::get_if<opportunity_record>(&rec.body); op && after_halt) {
      EXPECT_EQ(op->suppressed, suppress_reason::halted) << "seq " << rec.seq;
    }
  }
}

// Feed health in the live bot: every stream silent (quiet) leaves no symbol
// valid, a poor sample moves active to reducing (by the guard) and, with
// feed_auto_resume, fresh frames move it back; opportunities in between are
// suppressed "reducing".
TEST(TradingControl, AQuietFeedReducesAndFreshFramesResume) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("feed_health");
  live_options o = bot_for(ex, dir);
  o.cfg.metrics_address.clear();
  o.cfg.quiet_ms = 300;
  o.cfg.guard.feed_invalid_max_permille = 500;
  o.cfg.guard.feed_auto_resume = true;
  locked_text tick_text;
  std::ostream ticks(&tick_text);
  o.ticks = &ticks;
  running_bot b(std::move(o));
  ASSERT_TRUE(wait_for([&] { return b.bot.running(); }));
  // A good sample was taken (the trigger is armed): a tick says so.
  ASSERT_TRUE(wait_for([&] {
    const std::string t = tick_text.get();
    return t.find(" valid=100.0%") != std::string::npos || t.find(" valid=9") != std::string::npos;
  })) << tick_text.get();
  EXPECT_EQ(b.bot.trading(), trading_state::active);
  ex.stall_data(true);
  const bool reduced = wait_for([&] { return b.bot.trading() == trading_state::reducing; },
                                std::chrono::seconds(10));
  ex.stall_data(false);
  ASSERT_TRUE(reduced) << "every stream quiet, and trading did not reduce";
  EXPECT_TRUE(
      wait_for([&] { return b.bot.trading() == trading_state::active; }, std::chrono::seconds(10)))
      << "fresh frames, and trading did not resume";
  const live_report rep = b.finish();
  EXPECT_EQ(rep.transitions[static_cast<std::size_t>(guard_trigger::feed_health)], 2u);
  const std::vector<journal_record> recs = verified_records(dir + "/journal.jsonl");
  const std::vector<state_record> states = states_in(recs);
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0].from, trading_state::active);
  EXPECT_EQ(states[0].to, trading_state::reducing);
  EXPECT_EQ(states[0].trigger, guard_trigger::feed_health);
  EXPECT_EQ(states[0].by, "guard");
  EXPECT_EQ(states[1].from, trading_state::reducing);
  EXPECT_EQ(states[1].to, trading_state::active);
  int phase = 0;
  for (const journal_record& rec : recs) {
    if (std::holds_alternative<state_record>(rec.body)) ++phase;
    if (const auto* op = std::get_if<opportunity_record>(&rec.body)) {
      EXPECT_EQ(op->suppressed, phase == 1 ? suppress_reason::reducing : suppress_reason::none)
          << "seq " << rec.seq;
    }
  }
}

// The token file is checked before anything starts (no exchange needed):
// missing, empty, or open to group or others, run() refuses naming the path
// (and the mode), never the token.
TEST(TradingControl, ATokenFileThatIsMissingEmptyOrNotPrivateIsRefused) {
  const std::string dir = fresh_dir("token");
  const auto refusal = [&](const std::string& path) -> std::string {
    live_options o;
    o.cfg.token_file = path;
    o.cfg.metrics_address = "127.0.0.1:0";
    o.cfg.rest_url = "https://127.0.0.1:1";
    o.cfg.ws_url = "wss://127.0.0.1:1";
    o.duration_ms = 2'000;
    live_bot bot(std::move(o));
    try {
      (void)bot.run();
    } catch (const config_error& e) {
      return e.what();
    } catch (const std::exception& e) {
      return std::string("not a config_error: ") + e.what();
    }
    return "";
  };
  const std::string missing = dir + "/absent";
  std::string e = refusal(missing);
  EXPECT_NE(e.find("guard.token_file " + missing + ": cannot read it"), std::string::npos) << e;
  const std::string empty = dir + "/empty";
  write_file(empty, " \n");
  e = refusal(empty);
  EXPECT_NE(e.find("guard.token_file " + empty + ": empty"), std::string::npos) << e;
  const std::string open = dir + "/open";
  write_file(open, kToken, 0640);
  e = refusal(open);
  EXPECT_NE(e.find("guard.token_file " + open + ": mode 0640 lets group or others read"),
            std::string::npos)
      << e;
  EXPECT_EQ(e.find(kToken), std::string::npos) << "the token was printed: " << e;
  // Shorter than 16 bytes: guessable; the message names the path, not the token.
  const std::string short_path = dir + "/short";
  write_file(short_path, "abc123def456\n");
  e = refusal(short_path);
  EXPECT_NE(e.find("guard.token_file " + short_path + ": the token is 12 bytes, shorter than 16"),
            std::string::npos)
      << e;
  EXPECT_EQ(e.find("abc123def456"), std::string::npos) << "the token was printed: " << e;
  // A symbolic link (even to a private file) is refused, not followed.
  const std::string good = dir + "/good";
  write_file(good, kToken);
  const std::string link = dir + "/link";
  std::filesystem::create_symlink(good, link);
  e = refusal(link);
  EXPECT_NE(e.find("guard.token_file " + link + ": cannot open it without following a link"),
            std::string::npos)
      << e;
  // Owned by someone else (only root can make such a file here).
  if (::geteuid() == 0) {
    const std::string foreign = dir + "/foreign";
    write_file(foreign, kToken);
    ASSERT_EQ(::chown(foreign.c_str(), 65534, 65534), 0);
    e = refusal(foreign);
    EXPECT_NE(e.find("guard.token_file " + foreign +
                     ": owned by uid 65534, not by this process's "
                     "effective uid 0"),
              std::string::npos)
        << e;
  }
}

// A halt file the bot cannot check (stat fails with an error other than "no
// such file") counts as present: the run starts halted and says why. A loop
// of symbolic links (ELOOP) fails for any user; a directory of mode 0000
// (EACCES) only for a user the mode bits bind (not root).
TEST(TradingControl, AHaltFileThatCannotBeCheckedCountsAsPresent) {
  sim_exchange ex(fast_exchange());
  ex.start();
  const std::string dir = fresh_dir("halt_file_unknown");
  std::filesystem::create_symlink(dir + "/loop_a", dir + "/loop_b");
  std::filesystem::create_symlink(dir + "/loop_b", dir + "/loop_a");
  std::vector<std::string> paths = {dir + "/loop_a"};
  if (::geteuid() != 0) {
    std::filesystem::create_directories(dir + "/closed");
    ASSERT_EQ(::chmod((dir + "/closed").c_str(), 0), 0);
    paths.push_back(dir + "/closed/HALT");
  }
  for (const std::string& halt_file : paths) {
    SCOPED_TRACE(halt_file);
    std::filesystem::remove(dir + "/journal.jsonl");
    live_options o = bot_for(ex, dir);
    o.cfg.metrics_address.clear();
    o.cfg.halt_file = halt_file;
    running_bot b(std::move(o));
    ASSERT_TRUE(wait_for([&] { return b.bot.running(); }));
    EXPECT_EQ(b.bot.trading(), trading_state::halted) << "an unknown halt file did not halt";
    const live_report rep = b.finish();
    EXPECT_EQ(rep.trading, trading_state::halted);
    const std::vector<state_record> states = states_in(verified_records(dir + "/journal.jsonl"));
    ASSERT_GE(states.size(), 1u);
    EXPECT_EQ(states[0].by, "halt_file");
    EXPECT_NE(states[0].evidence_json.find("cannot be checked"), std::string::npos)
        << states[0].evidence_json;
  }
  ::chmod((dir + "/closed").c_str(), 0700);
}

}  // namespace
}  // namespace triarb
