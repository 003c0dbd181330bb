// replay_test: a v2 recording's events replay as the live bot applied them
// -- losses invalidate, a re-seed revalidates at its recorded time, a frame
// that held a newline parses as received, a restart starts a fresh book --
// and a recording the replay cannot follow (a re-seed of a symbol that is
// valid here, or whose book kept another update id, or that the universe
// lacks) is an error naming the file and line, never a silent divergence.
#include "offline/replay.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/universe.h"
#include "sim/market.h"
#include "sim/universe_gen.h"

namespace triarb {
namespace {

struct recording {
  std::string info = ::testing::TempDir() + "replay_test_exchange_info.json";
  std::string frames = ::testing::TempDir() + "replay_test_frames.txt";
  std::string symbol;  // a symbol of the universe
  recording() {
    const sim::generated_universe g = sim::generate_universe({}, 7);
    std::ofstream(info, std::ios::binary | std::ios::trunc) << g.exchange_info_json;
    symbol = g.symbols.front().name;
  }
  ~recording() {
    std::remove(info.c_str());
    std::remove(frames.c_str());
  }
  std::string frame(int u) const {
    return "{\"u\":" + std::to_string(u) + ",\"s\":\"" + symbol +
           "\",\"b\":\"1.5\",\"B\":\"2\",\"a\":\"1.6\",\"A\":\"3\"}";
  }
  std::string reseed(const std::string& name, int kept_id) const {
    return "reseed\t" + name + "\t20\t" + std::to_string(kept_id) + "\t1.4\t2\t1.7\t3\t0";
  }
  replay_report run(const std::string& body) const {
    std::ofstream(frames, std::ios::binary | std::ios::trunc)
        << kRecordedFramesHeader << "\n10\t0\tstart\n"
        << body;
    replay_options o;
    o.exchange_info = info;
    o.frames = frames;
    return run_replay(o);
  }
  // The error replaying body throws ("" if none).
  std::string error(const std::string& body) const {
    try {
      (void)run(body);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
};

bool has(const std::string& json, const std::string& counter, int n) {
  return json.find("\"" + counter + "\":" + std::to_string(n)) != std::string::npos;
}

TEST(Replay, EveryRecordedEventReplaysAsTheBotAppliedIt) {
  const recording r;
  std::string with_newline = r.frame(6);
  with_newline.insert(with_newline.find(",\"s\""), "\n");  // JSON whitespace
  std::string hex;
  for (const char c : with_newline) {
    static constexpr char kHex[] = "0123456789abcdef";
    hex += kHex[static_cast<unsigned char>(c) >> 4];
    hex += kHex[static_cast<unsigned char>(c) & 15];
  }
  const replay_report rep =
      r.run("11\t0\tframe\t" + r.frame(5) + "\n12\t0\tlost\n13\t0\t" + r.reseed(r.symbol, 5) +
            "\n14\t0\tframe-hex\t" + hex + "\n15\t0\tquiet\n16\t0\tstart\n17\t0\tframe\t" +
            r.frame(1) + "\n");
  EXPECT_EQ(rep.sessions, 2u);
  EXPECT_EQ(rep.frames, 3u);
  EXPECT_EQ(rep.events[static_cast<std::size_t>(frame_event::lost)], 1u);
  EXPECT_EQ(rep.events[static_cast<std::size_t>(frame_event::quiet)], 1u);
  EXPECT_EQ(rep.events[static_cast<std::size_t>(frame_event::reseed)], 1u);
  // u=6 after the re-seed kept 5 applies; after the restart u=1 applies to
  // the fresh book (an old book would drop it as older than 6).
  EXPECT_TRUE(has(rep.telemetry_json, "quotes_applied", 3)) << rep.telemetry_json;
  EXPECT_TRUE(has(rep.telemetry_json, "stale_dropped", 0)) << rep.telemetry_json;
  EXPECT_TRUE(has(rep.telemetry_json, "invalidated_by_connection", 2)) << rep.telemetry_json;
  EXPECT_TRUE(has(rep.telemetry_json, "unattributed_errors", 0)) << "the hex frame parsed";
}

TEST(Replay, ARecordingTheReplayCannotFollowIsAnErrorWithFileAndLine) {
  const recording r;
  const std::string at3 = r.frames + ":3: re-seed of ";
  // Valid here: no loss came before it.
  std::string e =
      r.error("11\t0\tframe\t" + r.frame(5) + "\n12\t0\t" + r.reseed(r.symbol, 5) + "\n");
  EXPECT_NE(e.find(r.frames + ":4: re-seed of " + r.symbol + ": the symbol is valid in the replay"),
            std::string::npos)
      << e;
  // The live book kept another id than the replayed one.
  e = r.error("11\t0\tframe\t" + r.frame(5) + "\n12\t0\tlost\n13\t0\t" + r.reseed(r.symbol, 4) +
              "\n");
  EXPECT_NE(e.find("the live book kept update id 4, the replay holds 5"), std::string::npos) << e;
  // A symbol this exchangeInfo lacks.
  e = r.error("11\t0\t" + r.reseed("NOSUCHSYMBOL", 0) + "\n");
  EXPECT_NE(e.find(at3 + "NOSUCHSYMBOL: no such symbol"), std::string::npos) << e;
}

// replay --latency's quantile is the live histogram's: the nearest rank,
// ceil(q * n)-th smallest (it was the floor(q * (n - 1))-th, 0-based: p99 of
// ten values was the ninth).
TEST(Replay, LatencyQuantileIsTheNearestRank) {
  std::vector<std::int64_t> v = {70, 10, 100, 40, 20, 90, 30, 60, 50, 80};
  EXPECT_EQ(latency_quantile_ns(v, 0), 10);
  EXPECT_EQ(latency_quantile_ns(v, 100'000), 10);  // rank 1
  EXPECT_EQ(latency_quantile_ns(v, 500'000), 50);  // rank 5
  EXPECT_EQ(latency_quantile_ns(v, 700'000), 70);  // rank 7, exactly (0.7 * 10 in doubles: 7)
  EXPECT_EQ(latency_quantile_ns(v, 900'000), 90);
  EXPECT_EQ(latency_quantile_ns(v, 990'000), 100);  // rank ceil(9.9) = 10
  EXPECT_EQ(latency_quantile_ns(v, 999'000), 100);
  EXPECT_EQ(latency_quantile_ns(v, 1'000'000), 100);
  std::vector<std::int64_t> hundred;
  for (std::int64_t i = 100; i >= 1; --i) hundred.push_back(i);
  EXPECT_EQ(latency_quantile_ns(hundred, 70'000), 7);  // 0.07 * 100 = 7.000000000000001 in doubles
  EXPECT_EQ(latency_quantile_ns(hundred, 70'001), 8);
  std::vector<std::int64_t> one = {42};
  EXPECT_EQ(latency_quantile_ns(one, 0), 42);
  EXPECT_EQ(latency_quantile_ns(one, 999'000), 42);
}

TEST(Replay, ATornLastLineIsSkippedAndReported) {
  const recording r;
  const replay_report rep = r.run("11\t0\tframe\t" + r.frame(5) + "\n12\t0\tframe\t{\"u\":6,\"s");
  EXPECT_EQ(rep.frames, 1u);
  EXPECT_EQ(rep.torn_bytes, 20u);  // "12\t0\tframe\t{\"u\":6,\"s"
}

// Paper execution over a recording of the simulated market: the production
// engine and its paper transport on the recording's clock. Twice the same
// output; cycles start; every order has one answer; the ledger's final
// balances are the starting ones plus every fill, exactly.
struct market_recording {
  std::string info = ::testing::TempDir() + "replay_paper_exchange_info.json";
  std::string frames = ::testing::TempDir() + "replay_paper_frames.txt";
  market_recording() {
    const sim::generated_universe g = sim::generate_universe({}, 7);
    std::ofstream(info, std::ios::binary | std::ios::trunc) << g.exchange_info_json;
    const universe u = load_exchange_info_file(info);
    sim::market_params mp;
    mp.seed = 11;
    mp.dislocation_rate = 0.01;  // many genuine dislocations in a short recording
    sim::market m(u, sim::reference_prices(g), mp);
    m.seed_all();
    const auto per = static_cast<std::size_t>(bot_config{}.symbols_per_connection);
    std::ofstream out(frames, std::ios::binary | std::ios::trunc);
    out << kRecordedFramesHeader << "\n10\t0\tstart\n";
    for (symbol_id s = 0; s < u.symbols().size(); ++s) {
      out << 20 << '\t' << s / per << "\tframe\t" << sim::encode_frame(m, s, true) << '\n';
    }
    for (int i = 0; i < 20'000; ++i) {
      const sim::market_update up = m.step();
      out << 100 + up.time_ns << '\t' << up.symbol / per << "\tframe\t"
          << sim::encode_frame(m, up.symbol, true) << '\n';
    }
  }
  ~market_recording() {
    std::remove(info.c_str());
    std::remove(frames.c_str());
  }
  replay_report run(const std::string& journal = "") const {
    replay_options o;
    o.exchange_info = info;
    o.frames = frames;
    o.config.budget = fixed8::from_units(50);
    o.config.execution.balances["USDT"] = fixed8::from_units(10'000);
    o.config.execution.latency_ns = 2'000'000;
    o.config.execution.jitter_ns = 500'000;
    o.config.execution.seed = 3;
    o.journal_path = journal;
    o.paper_execution = true;
    return run_replay(o);
  }
};

TEST(ReplayPaperExecution, DeterministicEveryOrderAnsweredLedgerIsStartPlusFills) {
  const market_recording rec;
  const replay_report a = rec.run();
  const replay_report b = rec.run();
  ASSERT_TRUE(a.executed);
  const replay_execution& e = a.execution;
  std::printf("%s\n", e.line().c_str());
  EXPECT_EQ(e.line(), b.execution.line());
  EXPECT_EQ(e.final_balances, b.execution.final_balances);
  EXPECT_EQ(a.telemetry_json, b.telemetry_json);
  EXPECT_GT(a.opportunities, 0U);
  EXPECT_GT(e.cycles_started, 0U);
  EXPECT_GT(e.cycles_done, 0U);
  EXPECT_LE(e.cycles_done + e.cycles_residual + e.cycles_missed, e.cycles_started);
  EXPECT_EQ(e.answers, e.orders);  // every order has one answer
  EXPECT_EQ(e.in_flight_at_end, 0U);
  EXPECT_EQ(e.final_balances, e.start_plus_fills);
  EXPECT_GT(e.fills, 0U);

  // Journaled: the same outcome, the execution records in the chain.
  const std::string journal = ::testing::TempDir() + "replay_paper_journal.jsonl";
  std::remove(journal.c_str());
  const replay_report j = rec.run(journal);
  EXPECT_EQ(j.execution.line(), e.line());
  EXPECT_GT(j.execution.records, 0U);
  EXPECT_EQ(j.execution.records_failed, 0U);
  std::remove(journal.c_str());
}

}  // namespace
}  // namespace triarb
