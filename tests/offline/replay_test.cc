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

}  // namespace
}  // namespace triarb
