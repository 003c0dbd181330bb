// frames_file_test: the recording format round-trips every event the live
// bot writes (frames_recorder -> frames_file), a restart appends after
// setting a torn last line aside, and bad files fail with file and line.
#include "core/frames_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <array>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace triarb {
namespace {

std::string temp(const std::string& name) {
  const std::string p = ::testing::TempDir() + name;
  std::remove(p.c_str());
  std::remove((p + ".torn").c_str());
  return p;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<frame_line> events(const frames_file& f, std::vector<std::string>* frames = nullptr) {
  std::vector<frame_line> out;
  (void)f.for_each(8, [&](const frame_line& l) {
    out.push_back(l);
    if (frames != nullptr) frames->emplace_back(l.data == nullptr ? "" : std::string(l.view()));
    return true;
  });
  return out;
}

quote sample_quote() {
  quote q;
  q.update_id = 41;
  q.bid = parse_fixed8("25.3519").value;
  q.bid_qty = fixed8::max();
  q.ask = parse_fixed8("25.352").value;
  q.ask_qty = parse_fixed8("0.00000001").value;
  q.qty_capped = true;
  return q;
}

TEST(FramesFile, EveryEventTheBotRecordsReadsBackAsWritten) {
  const std::string path = temp("ff_roundtrip.txt");
  const std::string with_newline = "{\"s\":\"A\",\n\"b\":\"1\"}";
  const std::string with_cr = "{\"s\":\"B\"}\r";
  {
    frames_recorder r(path);
    r.start(10);
    r.frame(11, 1, with_newline.data(), with_newline.size());
    r.frame(12, 2, with_cr.data(), with_cr.size());
    r.frame(13, 0, "", 0);
    r.lost(14, 3);
    r.quiet(15, 4);
    r.reseed(16, 5, "LUNCUSDT", sample_quote(), 9);
    ASSERT_TRUE(r.flush());
    EXPECT_EQ(r.write_failures(), 0u);
  }
  const frames_file f(path);
  EXPECT_TRUE(f.recorded());
  EXPECT_EQ(f.version(), 2);
  std::vector<std::string> frames;
  const std::vector<frame_line> e = events(f, &frames);
  ASSERT_EQ(e.size(), 7u);
  EXPECT_EQ(e[0].event, frame_event::start);
  EXPECT_EQ(e[0].recv_ns, 10);
  EXPECT_EQ(e[1].event, frame_event::frame);
  EXPECT_EQ(frames[1], with_newline) << "a frame holding a newline is hex-encoded, not split";
  EXPECT_EQ(e[1].connection, 1u);
  EXPECT_EQ(frames[2], with_cr) << "a trailing CR is the frame's own byte";
  EXPECT_EQ(e[3].event, frame_event::frame);
  EXPECT_EQ(e[3].size, 0u);
  EXPECT_EQ(e[4].event, frame_event::lost);
  EXPECT_EQ(e[4].connection, 3u);
  EXPECT_EQ(e[5].event, frame_event::quiet);
  EXPECT_EQ(e[5].recv_ns, 15);
  ASSERT_EQ(e[6].event, frame_event::reseed);
  EXPECT_EQ(e[6].recv_ns, 16);
  EXPECT_EQ(e[6].symbol, "LUNCUSDT");
  EXPECT_EQ(e[6].reseed_recv_ns, 9);
  const quote q = sample_quote();
  EXPECT_EQ(e[6].reseed.update_id, q.update_id);
  EXPECT_EQ(e[6].reseed.bid, q.bid);
  EXPECT_EQ(e[6].reseed.bid_qty, q.bid_qty);
  EXPECT_EQ(e[6].reseed.ask, q.ask);
  EXPECT_EQ(e[6].reseed.ask_qty, q.ask_qty);
  EXPECT_TRUE(e[6].reseed.qty_capped);
}

TEST(FramesFile, ARestartAppendsAndSetsATornLastLineAside) {
  const std::string path = temp("ff_restart.txt");
  {
    frames_recorder r(path);
    r.start(1);
    r.frame(2, 0, "{}", 2);
  }
  // A crash in the middle of writing a line.
  std::ofstream(path, std::ios::binary | std::ios::app) << "3\t0\tframe\t{\"s\":\"TR";
  {
    frames_recorder r(path);
    EXPECT_EQ(r.torn_bytes(), 18u);
    r.start(4);
    r.frame(5, 0, "{}", 2);
  }
  EXPECT_EQ(slurp(path + ".torn"), "3\t0\tframe\t{\"s\":\"TR\n") << "nothing recorded is lost";
  const std::vector<frame_line> e = events(frames_file(path));
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].event, frame_event::start);
  EXPECT_EQ(e[1].recv_ns, 2);
  EXPECT_EQ(e[2].event, frame_event::start);
  EXPECT_EQ(e[3].recv_ns, 5);
  EXPECT_EQ(slurp(path).find("#triarb-frames", 1), std::string::npos) << "one header";
}

TEST(FramesFile, StartOverReplacesWhatTheFileHeld) {
  const std::string path = temp("ff_start_over.txt");
  spit(path, "not a recording at all\n");
  {
    frames_recorder r(path, frames_recorder::open_mode::start_over);
    r.start(7);
  }
  EXPECT_EQ(slurp(path), std::string(kRecordedFramesHeader) + "\n7\t0\tstart\n");
}

TEST(FramesFile, ATornHeaderStartsTheFileAgain) {
  const std::string path = temp("ff_torn_header.txt");
  spit(path, "#triarb-fr");
  {
    frames_recorder r(path);
    r.start(1);
  }
  EXPECT_EQ(slurp(path), std::string(kRecordedFramesHeader) + "\n1\t0\tstart\n");
}

TEST(FramesFile, NeverAppendsToAFileThatIsNotAV2Recording) {
  for (const std::string& bytes :
       {std::string("#triarb-frames v1\n1\t0\t{}\n"), std::string("{\"s\":\"A\"}\n")}) {
    const std::string path = temp("ff_foreign.txt");
    spit(path, bytes);
    try {
      frames_recorder r(path);
      ADD_FAILURE() << "appended to " << bytes;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("refusing to append"), std::string::npos) << e.what();
    }
    EXPECT_EQ(slurp(path), bytes) << "left as it was";
  }
}

TEST(FramesFile, BadLinesAreErrorsNamingFileAndLine) {
  const std::string head = std::string(kRecordedFramesHeader) + "\n1\t0\tstart\n";
  for (const auto& [line, why] : std::vector<std::pair<std::string, std::string>>{
           {"x\t0\tframe\t{}", "not <time_ns>"},
           {"1\t9\tframe\t{}", "connection below 8"},
           {"1\t8\tframe\t{}", "connection '8'"},
           {"1\t\tframe\t{}", "connection ''"},
           {"\t0\tframe\t{}", "time_ns ''"},
           {"1\t0\tteleport", "unknown event 'teleport'"},
           {"1\t0\tlost\tx", "'lost' takes no fields"},
           {"1\t0\tframe", "'frame' without its fields"},
           {"1\t0\tframe-hex\t7", "odd number"},
           {"1\t0\tframe-hex\tZZ", "not lower-case hex"},
           {"1\t0\treseed\tA\t1\t2", "want 8 fields"},
           {"1\t0\treseed\tA\t1\t2\t-1\t1\t1\t1\t0", "not a decimal"},
           {"1\t0\treseed\tA\t1\t2\t1\t1\t1\t1\t2", "<0|1>"}}) {
    const std::string path = temp("ff_bad.txt");
    spit(path, head + line + "\n");
    const frames_file f(path);
    std::size_t seen = 0;
    try {
      (void)f.for_each(8, [&](const frame_line&) {
        ++seen;
        return true;
      });
      ADD_FAILURE() << "accepted " << line;
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path + ":3: "), std::string::npos) << what;
      EXPECT_NE(what.find(why), std::string::npos) << what;
    }
    EXPECT_EQ(seen, 1u) << "the events before it were given";
  }
}

// The error a recorded file with `line` as its third line gives (after a
// header and a start event), or "" if the reader accepted it.
std::string error_of_line(const std::string& header, const std::string& line,
                          const std::string& path) {
  spit(path, header + "\n1\t0\tstart\n" + line + "\n");
  try {
    (void)events(frames_file(path));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(FramesFile, TimesConnectionsAndIdsMustBeDecimalsInRange) {
  const std::string path = temp("ff_ranges.txt");
  const std::string v2(kRecordedFramesHeader);
  const std::string v1(kRecordedFramesHeaderV1);
  for (const auto& [header, line, want] : std::vector<std::array<std::string, 3>>{
           {v2, "99999999999999999999\t0\tstart", "time_ns '99999999999999999999'"},
           {v2, "-99999999999999999999\t0\tstart", "time_ns '-99999999999999999999'"},
           {v2, "\t0\tstart", "time_ns ''"},
           {v2, "1\t\tlost", "connection ''"},
           {v2, "1\t4294967296\tlost", "connection '4294967296'"},
           {v2, "1\t99999999999999999999999\tlost", "connection '99999999999999999999999'"},
           {v2, "1\t0\treseed\tA\t99999999999999999999\t2\t1\t1\t1\t1\t0",
            "recv_ns '99999999999999999999'"},
           {v2, "1\t0\treseed\tA\t1\t18446744073709551616\t1\t1\t1\t1\t0",
            "update_id '18446744073709551616'"},
           {v2, "1\t0\treseed\tA\t\t2\t1\t1\t1\t1\t0", "recv_ns ''"},
           {v1, "99999999999999999999\t0\t{}", "time_ns '99999999999999999999'"},
           {v1, "1\t4294967296\t{}", "connection '4294967296'"},
           // Short all-digit fields take a quick loop; nothing else gets past it.
           {v2, "+1\t0\tstart", "time_ns '+1'"},
           {v2, "1a\t0\tstart", "time_ns '1a'"},
           {v2, " 1\t0\tstart", "time_ns ' 1'"},
           {v2, "1\t-0\tlost", "connection '-0'"},
           {v2, "1\t0x1\tlost", "connection '0x1'"},
           {v2, "1\t0\tframes\t{}", "unknown event 'frames'"}}) {
    const std::string what = error_of_line(header, line, path);
    EXPECT_NE(what.find(path + ":3: "), std::string::npos) << line << " -> " << what;
    EXPECT_NE(what.find(want), std::string::npos) << line << " -> " << what;
  }
  // The extremes of each range are read exactly.
  spit(path, v2 + "\n-9223372036854775808\t4294967295\tlost\n9223372036854775807\t0\treseed\t" +
                 "A\t-9223372036854775808\t18446744073709551615\t1\t1\t1\t1\t0\n");
  const frames_file f(path);
  std::vector<frame_line> e;
  (void)f.for_each(std::size_t{1} << 33, [&](const frame_line& l) {
    e.push_back(l);
    return true;
  });
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[0].recv_ns, INT64_MIN);
  EXPECT_EQ(e[0].connection, UINT32_MAX);
  EXPECT_EQ(e[1].recv_ns, INT64_MAX);
  EXPECT_EQ(e[1].reseed_recv_ns, INT64_MIN);
  EXPECT_EQ(e[1].reseed.update_id, UINT64_MAX);
  // Either side of the quick loop's length (18 digits for a time, 9 for a
  // connection), a negative time, and an empty frame.
  spit(path, v2 + "\n999999999999999999\t999999999\tlost\n1000000000000000000\t1000000000\tlost\n" +
                 "-1\t0\tframe\t\n999999999999999999\t999999999\tframe\t{}\n" +
                 "1000000000000000000\t1000000000\tframe\t{}\n");
  e.clear();
  (void)frames_file(path).for_each(std::size_t{1} << 33, [&](const frame_line& l) {
    e.push_back(l);
    return true;
  });
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[0].recv_ns, 999'999'999'999'999'999);
  EXPECT_EQ(e[0].connection, 999'999'999u);
  EXPECT_EQ(e[1].recv_ns, 1'000'000'000'000'000'000);
  EXPECT_EQ(e[1].connection, 1'000'000'000u);
  EXPECT_EQ(e[2].recv_ns, -1);
  EXPECT_EQ(e[2].event, frame_event::frame);
  EXPECT_EQ(e[2].size, 0u);
  // Frame lines take the one-pass path: either side of its lengths, the same.
  for (const std::size_t i : {3u, 4u}) {
    EXPECT_EQ(e[i].event, frame_event::frame);
    EXPECT_EQ(e[i].size, 2u);
  }
  EXPECT_EQ(e[3].recv_ns, 999'999'999'999'999'999);
  EXPECT_EQ(e[3].connection, 999'999'999u);
  EXPECT_EQ(e[4].recv_ns, 1'000'000'000'000'000'000);
  EXPECT_EQ(e[4].connection, 1'000'000'000u);
  // ... and past them, what does not fit is refused as on any other line,
  // with a connection count beyond what a connection id holds.
  for (const auto& [line, want] : std::vector<std::array<std::string, 2>>{
           {"9223372036854775808\t0\tframe\t{}", "time_ns '9223372036854775808'"},
           {"9999999999999999999\t0\tframe\t{}", "time_ns '9999999999999999999'"},
           {"1\t4294967296\tframe\t{}", "connection '4294967296'"}}) {
    spit(path, v2 + "\n" + line + "\n");
    std::string what;
    try {
      (void)frames_file(path).for_each(std::size_t{1} << 33,
                                       [](const frame_line&) { return true; });
    } catch (const std::runtime_error& err) {
      what = err.what();
    }
    EXPECT_NE(what.find(path + ":2: "), std::string::npos) << line << " -> " << what;
    EXPECT_NE(what.find(want), std::string::npos) << line << " -> " << what;
  }
}

TEST(FramesFile, ADirectoryIsAnErrorNamingIt) {
  // Seeking to the end of a directory reports about 2^63 bytes on ext4.
  const std::string dir = ::testing::TempDir() + "ff_a_directory";
  std::filesystem::create_directories(dir);
  try {
    const frames_file f(dir);
    ADD_FAILURE() << dir << " read as a version " << f.version() << " frames file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(dir + ": "), std::string::npos) << e.what();
  }
}

TEST(FramesFile, AFirstLineThatLooksLikeAHeaderButIsNotExactIsAnError) {
  const std::string path = temp("ff_near_header.txt");
  for (const std::string& first :
       {std::string(" #triarb-frames v2"), std::string("triarb-frames v2"),
        std::string("\t#triarb-frames v2"), std::string("##triarb-frames v2"),
        std::string("#TRIARB-FRAMES v2"), std::string("#triarb-frames  v2"),
        std::string("#triarb-frames v2 "), std::string("\xef\xbb\xbf#triarb-frames v2")}) {
    spit(path, first + "\n1\t0\tstart\n2\t0\tframe\t{}\n");
    try {
      const frames_file f(path);
      ADD_FAILURE() << "'" << first << "' read as a version " << f.version() << " file";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(path + ":1: "), std::string::npos) << what;
      EXPECT_NE(what.find("'#triarb-frames v2'"), std::string::npos) << what;
    }
  }
  // A plain frames file is still one frame per line.
  spit(path, "{\"s\":\"triarb-frames v2\"}\n");
  EXPECT_EQ(frames_file(path).version(), 0);
}

TEST(FramesFile, AnUnknownVersionNamesItAndTheVersionsThisBuildReads) {
  const std::string path = temp("ff_v10.txt");
  for (const std::string v : {"v10", "v3", "v0", "v22"}) {
    spit(path, "#triarb-frames " + v + "\n1\t0\tstart\n");
    try {
      const frames_file f(path);
      ADD_FAILURE() << v << " read as version " << f.version();
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("version " + v), std::string::npos) << what;
      EXPECT_NE(what.find("v1 and v2"), std::string::npos) << what;
    }
  }
}

TEST(FramesFile, AV2LastLineWithoutItsNewlineIsTornAndSkipped) {
  const std::string path = temp("ff_reader_torn.txt");
  spit(path, std::string(kRecordedFramesHeader) + "\n1\t0\tstart\n2\t0\tframe\t{}\n3\t0\tlo");
  const frames_file f(path);
  std::size_t n = 0;
  const frames_walk w = f.for_each(8, [&](const frame_line&) {
    ++n;
    return true;
  });
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(w.torn_bytes, 6u);  // "3\t0\tlo"
}

TEST(FramesFile, ATornLineLongerThanTheTailChunkIsFoundAndSetAside) {
  const std::string path = temp("ff_long_torn.txt");
  const std::string big(200 * 1024, 'x');  // no newline: read back over several chunks
  spit(path, std::string(kRecordedFramesHeader) + "\n1\t0\tstart\n2\t0\tframe\t" + big);
  {
    frames_recorder r(path);
    EXPECT_EQ(r.torn_bytes(), 10u + big.size());
  }
  EXPECT_EQ(slurp(path), std::string(kRecordedFramesHeader) + "\n1\t0\tstart\n");
  EXPECT_EQ(slurp(path + ".torn").size(), 10u + big.size() + 1);
}

TEST(FramesFile, AppendsToAFileHoldingOnlyTheHeader) {
  const std::string path = temp("ff_header_only.txt");
  spit(path, std::string(kRecordedFramesHeader) + "\n");
  {
    frames_recorder r(path);
    EXPECT_EQ(r.torn_bytes(), 0u);
    r.start(1);
  }
  EXPECT_EQ(slurp(path), std::string(kRecordedFramesHeader) + "\n1\t0\tstart\n");
}

TEST(FramesFile, AFullDiskFailsAtOpenOrIsCountedPerEvent) {
  if (!std::ifstream("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  // The header cannot be written: a clear error before the bot starts.
  try {
    frames_recorder r("/dev/full");
    ADD_FAILURE() << "opened a recording on a full device";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/full: cannot write"), std::string::npos) << e.what();
  }
  // The disk fills up mid-run (a file size limit, its signal ignored): each
  // event from there on is counted, none is silently lost.
  const std::string path = temp("ff_full.txt");
  rlimit old{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::uint64_t failures = 0;
  bool flushed = true;
  {
    frames_recorder r(path);
    for (int i = 0; i < 10000; ++i) r.frame(i, 0, "{\"u\":1}", 7);
    flushed = r.flush();
    failures = r.write_failures();
  }
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  (void)std::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(flushed);
  EXPECT_GT(failures, 9000u) << "every event after the limit";
  EXPECT_LE(slurp(path).size(), 4096u);
}

TEST(FramesFile, AV2RecordingWithCrlfLineEndingsIsRefused) {
  const std::string path = temp("ff_crlf.txt");
  spit(path, std::string(kRecordedFramesHeader) + "\r\n1\t0\tstart\r\n");
  try {
    const frames_file f(path);
    ADD_FAILURE() << "read a CRLF v2 recording";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("CRLF"), std::string::npos) << e.what();
  }
}

TEST(FramesFile, AVersionThisBuildCannotReadIsRefused) {
  const std::string path = temp("ff_v9.txt");
  spit(path, "#triarb-frames v9\n");
  EXPECT_THROW(frames_file{path}, std::runtime_error);
  spit(path, "#triarb-frames v1\n5\t0\t{\"x\":1}\r\n");
  const frames_file v1(path);
  EXPECT_EQ(v1.version(), 1);
  std::vector<std::string> frames;
  ASSERT_EQ(events(v1, &frames).size(), 1u);
  EXPECT_EQ(frames[0], "{\"x\":1}") << "v1 drops a CR before the newline, as it always did";
}

}  // namespace
}  // namespace triarb
