// The live bot's evaluator modes (spin, block, inline) and --stage-latency
// against the simulated exchange over TLS on loopback (label integration).
// Each run is bounded by a frame count and a duration cap; no wall-clock
// assertion.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "runtime/live_bot.h"
#include "sim/exchange/sim_exchange.h"
#include "tests/support/loopback.h"

namespace triarb {
namespace {

using namespace std::chrono_literals;
using mode = live_options::evaluator_mode;

// The value of "name":N in the tick line's evaluator object (-1: absent).
long long evaluator_counter(const std::string& json, const std::string& name) {
  const auto at = json.find("\"evaluator\":{");
  if (at == std::string::npos) return -1;
  const auto key = json.find("\"" + name + "\":", at);
  if (key == std::string::npos) return -1;
  return std::stoll(json.substr(key + name.size() + 3));
}

struct run_result {
  live_report r;
  std::string error;
  std::uint64_t decided = 0;  // after_decision calls
};

// Runs the bot in mode m until it has evaluated `decisions` frames (or 20 s).
// stale_frames: the exchange sends some frames twice and some symbols'
// previous frame again after the next (dropped by the book as duplicate or
// stale: never evaluated).
run_result run_mode(mode m, std::uint32_t stage_every, std::uint64_t decisions = 3000,
                    bool stale_frames = false) {
  sim_exchange_options xo;
  xo.seed = 5;
  xo.updates_per_second = 5000;
  sim_exchange ex(xo);
  ex.start();
  if (stale_frames) ex.set_fault_rates(0, 0, 0, /*duplicate=*/0.05, /*reorder=*/0.05);
  live_options o;
  o.cfg.rest_url = ex.rest_url();
  o.cfg.ws_url = ex.ws_url();
  o.cfg.metrics_address.clear();
  o.tls.ca_pem = ex.ca_pem();
  o.journal = false;
  o.duration_ms = 20'000;
  o.evaluator = m;
  o.evaluator_spin_ns = 2'000;  // block: park soon, so the futex path runs
  o.stage_every = stage_every;
  std::atomic<std::uint64_t> decided{0};
  o.after_decision = [&](symbol_id, std::int64_t) { decided.fetch_add(1); };
  live_bot bot(std::move(o));
  run_result out;
  std::thread t([&] {
    try {
      out.r = bot.run();
    } catch (const std::exception& e) {
      out.error = e.what();
    }
  });
  const auto end = std::chrono::steady_clock::now() + 20s;
  while (decided.load() < decisions && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(10ms);
  }
  bot.request_stop();
  t.join();
  ex.stop();
  out.decided = decided.load();
  return out;
}

// The frame receive -> decision histogram was fed, from the steady clock
// (no negative span), in every mode.
void expect_latency_recorded(const run_result& x) {
  EXPECT_GT(x.r.latency.count, 0U) << x.r.latency.text();
  EXPECT_EQ(x.r.latency.negative, 0U) << x.r.latency.text();
  EXPECT_LE(x.r.latency.p50_ns, x.r.latency.max_ns) << x.r.latency.text();
}

TEST(LiveBotEvaluator, BlockParksIsWokenAndMissesNoWakeup) {
  const run_result x = run_mode(mode::block, 0);
  ASSERT_EQ(x.error, "");
  EXPECT_EQ(x.r.evaluator, "block");
  EXPECT_GE(x.decided, 3000U);
  const std::string& j = x.r.telemetry_json;
  EXPECT_GT(evaluator_counter(j, "waits"), 0) << j;     // 5,000 updates/s: it parks
  EXPECT_GT(evaluator_counter(j, "notifies"), 0) << j;  // and the feed wakes it
  EXPECT_EQ(evaluator_counter(j, "missed_wakeups"), 0) << j;
  expect_latency_recorded(x);
}

TEST(LiveBotEvaluator, SpinNeverParksAndFeedNeverWakes) {
  const run_result x = run_mode(mode::spin, 0);
  ASSERT_EQ(x.error, "");
  EXPECT_EQ(x.r.evaluator, "spin");
  EXPECT_GE(x.decided, 3000U);
  EXPECT_EQ(evaluator_counter(x.r.telemetry_json, "waits"), 0);
  EXPECT_EQ(evaluator_counter(x.r.telemetry_json, "notifies"), 0);
  expect_latency_recorded(x);
}

TEST(LiveBotEvaluator, InlineDecidesOnTheFeedThreadWithStageLatency) {
  // Duplicate and reordered frames too: the book drops them (never
  // evaluated), so the feed must not stamp them as samples.
  const run_result x = run_mode(mode::inline_feed, 4, 3000, /*stale_frames=*/true);
  ASSERT_EQ(x.error, "");
  EXPECT_EQ(x.r.evaluator, "inline");
  EXPECT_GE(x.decided, 3000U);
  expect_latency_recorded(x);
  ASSERT_EQ(x.r.stages.size(), 6U);
  // Inline: every sampled frame the book applied is evaluated before the
  // next is read, so none is coalesced and each feed sample has its
  // evaluator sample; the dropped ones are counted apart.
  EXPECT_GT(x.r.stage_samples.not_applied, 0U);
  EXPECT_GT(x.r.stage_samples.matched, 300U);
  EXPECT_EQ(x.r.stage_samples.coalesced, 0U);
  EXPECT_EQ(x.r.stage_samples.matched, x.r.stage_samples.feed_samples);
  for (const stage_summary& s : x.r.stages) {
    EXPECT_EQ(s.count, x.r.stage_samples.matched) << s.name;
    EXPECT_LE(s.p50_ns, s.p99_ns) << s.name;
    EXPECT_LE(s.p99_ns, s.max_ns) << s.name;
  }
  // The whole span covers its parts.
  EXPECT_GE(x.r.stages.back().max_ns, x.r.stages[1].p50_ns);
}

TEST(LiveBotEvaluator, StageLatencyOffStampsNothing) {
  const run_result x = run_mode(mode::block, 0, 500);
  ASSERT_EQ(x.error, "");
  EXPECT_TRUE(x.r.stages.empty());
  EXPECT_EQ(x.r.stage_samples.feed_samples, 0U);
}

// The wake-up's options are checked before anything starts (nothing listens
// on the exchange's port: a run that got that far would fail to connect).
TEST(LiveBotEvaluator, RejectsWakeupOptionsOutOfRangeBeforeStarting) {
  const auto message = [](auto&& set) {
    live_options o;
    o.cfg.rest_url = "https://127.0.0.1:" + std::to_string(test::closed_port());
    o.cfg.ws_url = "wss://127.0.0.1:" + std::to_string(test::closed_port());
    o.cfg.metrics_address.clear();
    o.journal = false;
    set(o);
    live_bot bot(std::move(o));
    try {
      (void)bot.run();
    } catch (const config_error& e) {
      return std::string(e.what());
    } catch (const std::exception& e) {
      return "not a config_error: " + std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([](live_options& o) {
              o.evaluator_wait_timeout_ns = 0;
            }).find("evaluator wait timeout 0 ns"),
            std::string::npos);
  EXPECT_NE(message([](live_options& o) { o.evaluator_spin_ns = -1; }).find("evaluator spin -1 ns"),
            std::string::npos);
  EXPECT_NE(message([](live_options& o) {
              o.evaluator = mode::inline_feed;
              o.evaluator_cpu = 0;
            }).find("no evaluator thread to pin"),
            std::string::npos);
  EXPECT_NE(message([](live_options& o) {
              o.evaluator_cpu = CPU_SETSIZE;
            }).find("not a CPU this process may run on"),
            std::string::npos);
}

}  // namespace
}  // namespace triarb
