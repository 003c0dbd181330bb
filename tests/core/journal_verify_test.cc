// journal_verify_test: verification of hostile files. A line longer than
// kMaxRecordLine, an endless line, /dev/zero, a FIFO or a directory given as
// the journal fail cleanly, with bounded memory, naming the file, the line and
// the limit; nothing hangs (docs/journal-format.md, "Files").
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <istream>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>

#include "core/journal.h"

namespace triarb {
namespace {

namespace fs = std::filesystem;

std::string temp(const std::string& name) {
  const std::string p = ::testing::TempDir() + name;
  std::error_code ec;
  fs::remove_all(p, ec);
  return p;
}

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string genesis_line() {
  genesis_record g;
  g.time_ns = 1'700'000'000'000'000'000;
  g.version = "triarb test";
  g.config = "budget = 1000\n";
  g.config_sha256 = sha256_hex(g.config);
  g.universe = "fingerprint:0";
  return format_line(0, record_body{g}, kZeroHash);
}

// An istream's buffer serving `total` bytes of 'x' (no newline), counting
// how many a reader took.
class endless_line : public std::streambuf {
 public:
  explicit endless_line(std::uint64_t total) : left_(total) {
    for (char& c : chunk_) c = 'x';
  }
  [[nodiscard]] std::uint64_t served() const noexcept { return served_; }

 protected:
  int_type underflow() override {
    if (left_ == 0) return traits_type::eof();
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left_, sizeof chunk_));
    left_ -= n;
    served_ += n;
    setg(chunk_, chunk_, chunk_ + n);
    return traits_type::to_int_type(chunk_[0]);
  }

 private:
  char chunk_[1 << 16];
  std::uint64_t left_;
  std::uint64_t served_ = 0;
};

TEST(JournalVerify, ALineLongerThanTheLimitIsRefusedNamingTheFileLineAndLimit) {
  const std::string path = temp("jv_long.jsonl");
  spit(path, genesis_line() + std::string(kMaxRecordLine + 1, 'x') + "\n");
  const verify_report r = verify_journal(path, {});
  EXPECT_EQ(r.reason, journal_errc::line_too_long) << r.message();
  EXPECT_EQ(r.line, 2u);
  EXPECT_EQ(r.records, 1u);
  const std::string m = r.message();
  EXPECT_NE(m.find(path + " line 2"), std::string::npos) << m;
  EXPECT_NE(m.find(std::to_string(kMaxRecordLine)), std::string::npos) << m;
  // journal show reads through verification: the same error, not the line.
  try {
    (void)read_journal(path);
    ADD_FAILURE() << "read a journal with an over-long line";
  } catch (const journal_error& e) {
    EXPECT_NE(std::string(e.what()).find("line_too_long"), std::string::npos) << e.what();
  }
  // A last line without its newline, over the limit: too long, not torn.
  spit(path, genesis_line() + std::string(kMaxRecordLine + 1, 'x'));
  EXPECT_EQ(verify_journal(path, {}).reason, journal_errc::line_too_long);
  // A line of exactly the limit is judged as a record (garbage), not as too long.
  spit(path, genesis_line() + std::string(kMaxRecordLine, 'x') + "\n");
  EXPECT_EQ(verify_journal(path, {}).reason, journal_errc::garbage);
}

TEST(JournalVerify, AnEndlessLineIsReadOnlyUpToTheLimit) {
  endless_line buf(8 * kMaxRecordLine);
  std::istream in(&buf);
  const verify_report r = verify_journal_stream(in, "endless", {});
  EXPECT_EQ(r.reason, journal_errc::line_too_long) << r.message();
  EXPECT_EQ(r.line, 1u);
  EXPECT_LE(buf.served(), kMaxRecordLine + (std::uint64_t{1} << 20))
      << "read far past the limit: memory grows with the line";
}

TEST(JournalVerify, DevZeroIsRefusedNotReadForever) {
  if (!fs::exists("/dev/zero")) GTEST_SKIP() << "no /dev/zero here";
// gcc says __SANITIZE_ADDRESS__; clang (the fuzz preset) says __has_feature.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define TRIARB_TEST_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || defined(TRIARB_TEST_SANITIZED)
  constexpr bool kCapMemory = false;  // the sanitizers reserve far more address space
#else
  constexpr bool kCapMemory = true;  // without the fix the child runs out of memory and dies
#endif
  EXPECT_EXIT(
      {
        if (kCapMemory) {
          rlimit cap{};
          cap.rlim_cur = cap.rlim_max = rlim_t{1} << 30;
          (void)setrlimit(RLIMIT_AS, &cap);
        }
        const verify_report r = verify_journal("/dev/zero", {});
        std::fprintf(stderr, "%s\n", r.message().c_str());
        std::fflush(stderr);
        std::_Exit(r.reason == journal_errc::io_error ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "/dev/zero.*not a regular file");
}

TEST(JournalVerify, AFifoIsRefusedWithoutOpeningIt) {
  const std::string path = temp("jv_fifo");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  // If verification opened the FIFO for reading, this writer's open would
  // return and close it at once (the reader sees end of file). If it never
  // does, the open below unblocks the writer at the end.
  std::thread writer([&] {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd >= 0) ::close(fd);
  });
  const verify_report r = verify_journal(path, {});
  const int unblock = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  writer.join();
  if (unblock >= 0) ::close(unblock);
  EXPECT_EQ(r.reason, journal_errc::io_error) << r.message();
  EXPECT_NE(r.message().find("a FIFO, not a regular file"), std::string::npos) << r.message();
  ::unlink(path.c_str());
}

TEST(JournalVerify, ADirectoryIsRefused) {
  const std::string path = temp("jv_dir");
  ASSERT_TRUE(fs::create_directory(path));
  const verify_report r = verify_journal(path, {});
  EXPECT_EQ(r.reason, journal_errc::io_error) << r.message();
  EXPECT_NE(r.message().find(path + ": io_error: a directory, not a regular file"),
            std::string::npos)
      << r.message();
}

TEST(JournalVerify, StreamAndBytesGiveTheSameReport) {
  const std::string good = genesis_line();
  for (const std::string& bytes :
       {good, good + good, good + "x\n", good.substr(0, good.size() - 1), std::string(),
        good + std::string(kMaxRecordLine + 5, 'y') + "\n"}) {
    std::istringstream in(bytes);
    const verify_report a = verify_journal_stream(in, "j", {});
    const verify_report b = verify_journal_bytes(bytes, "j", {});
    EXPECT_EQ(a.message(), b.message());
    EXPECT_EQ(a.bad_offset, b.bad_offset);
  }
}

}  // namespace
}  // namespace triarb
