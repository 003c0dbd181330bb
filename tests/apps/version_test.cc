// version_test (label integration): the deployment identity
// (core/build_info.h). `triarb --version` prints one line naming the
// version, the commit, the compiler, the build type and the flags, each as
// CMake and git know them independently of the binary; a journal genesis
// written by `triarb sim --journal` carries that same line.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <variant>
#include <vector>

#include "core/journal.h"
#include "tests/support/child_process.h"

namespace triarb {
namespace {

namespace fs = std::filesystem;

constexpr auto kBound = std::chrono::seconds(60);  // a child still running is killed: a failure

std::string temp_dir(const std::string& name) {
  const std::string dir = (fs::path(::testing::TempDir()) / name).string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// `git -C <source dir> args...`: its exit code and output (trailing newline cut).
test::child_result git(std::vector<std::string> args, const std::string& dir) {
  args.insert(args.begin(), {"/usr/bin/env", "git", "-C", TRIARB_SOURCE_DIR});
  test::child_result r = test::run_child(args, dir + "/git.txt", kBound);
  while (!r.output.empty() && r.output.back() == '\n') r.output.pop_back();
  return r;
}

// The --version line without its newline.
std::string version_line(const std::string& dir) {
  const test::child_result r =
      test::run_child({TRIARB_BINARY, "--version"}, dir + "/out.txt", kBound);
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << "one line:\n" << r.output;
  std::string line = r.output;
  if (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

TEST(Version, PrintsVersionCommitCompilerBuildTypeAndFlags) {
  const std::string dir = temp_dir("version_test");
  const std::string line = version_line(dir);
  const std::regex format(
      R"(triarb (\S+) commit=([0-9a-f]{4,40}(-dirty)?|unknown) compiler=(\S+) build=(\S+) )"
      R"(flags=(.*))");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(line, m, format)) << line;
  EXPECT_EQ(m[1].str(), TRIARB_VERSION);
  EXPECT_EQ(m[4].str(), TRIARB_COMPILER);
  EXPECT_EQ(m[5].str(), std::string(TRIARB_BUILD_TYPE).empty() ? "none" : TRIARB_BUILD_TYPE);
  const std::string flags = m[6].str();
  EXPECT_NE(flags.find("-std=c++20"), std::string::npos) << flags;
  EXPECT_NE(flags.find("-Wall"), std::string::npos) << "the project's own flags: " << flags;
  EXPECT_NE(flags.find(TRIARB_CONFIG_FLAGS), std::string::npos)
      << "the build type's flags '" << TRIARB_CONFIG_FLAGS << "': " << flags;

  // The commit: git's HEAD when the source directory is a git checkout (or
  // an ancestor of it, when a commit landed after this binary was built).
  const std::string commit = m[2].str();
  const test::child_result top = git({"rev-parse", "--show-toplevel"}, dir);
  if (top.code != 0 ||
      fs::weakly_canonical(top.output) != fs::weakly_canonical(TRIARB_SOURCE_DIR)) {
    EXPECT_EQ(commit, "unknown") << "not a git checkout: " << top.output;
    return;
  }
  ASSERT_NE(commit, "unknown") << "the source directory is a git checkout";
  const std::string hash = commit.substr(0, commit.find('-'));
  const test::child_result head = git({"rev-parse", "HEAD"}, dir);
  ASSERT_EQ(head.code, 0) << head.output;
  if (head.output.rfind(hash, 0) != 0) {
    const test::child_result ancestor = git({"merge-base", "--is-ancestor", hash, "HEAD"}, dir);
    EXPECT_EQ(ancestor.code, 0) << "commit=" << commit << " is neither HEAD (" << head.output
                                << ") nor one of its ancestors: " << ancestor.output;
  }
}

TEST(Version, SimJournalGenesisCarriesTheIdentity) {
  const std::string dir = temp_dir("version_test_sim");
  const std::string line = version_line(dir);
  const std::string journal = dir + "/j.jsonl";
  const test::child_result r = test::run_child(
      {TRIARB_BINARY, "sim", "--duration", "1", "--journal", journal}, dir + "/sim.txt", kBound);
  ASSERT_EQ(r.code, 0) << r.output;
  const std::vector<journal_record> records = read_journal(journal);
  ASSERT_FALSE(records.empty());
  const auto* g = std::get_if<genesis_record>(&records.front().body);
  ASSERT_NE(g, nullptr) << "the first record is a genesis";
  EXPECT_EQ(g->version, "sim: " + line);
}

}  // namespace
}  // namespace triarb
