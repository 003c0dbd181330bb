// child_process: tests that run the triarb binary as a child process, each
// bounded (a child still running at its limit is killed: the test fails on
// the result, it never hangs). Used by tests/apps/*_test.cc.
//
//   const child_result r = run_child({TRIARB_BINARY, "journal", "verify", f},
//                                    dir + "/out.txt", std::chrono::seconds(60));
//   EXPECT_EQ(r.code, 3) << r.output;
//
// Not a timing assertion: the limit bounds a child that hangs.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace triarb::test {

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Starts args[0] with args; stdin /dev/null, stdout to out_file, stderr to
// err_file (empty: into out_file too). Returns the pid, or -1.
inline pid_t spawn_child(const std::vector<std::string>& args, const std::string& out_file,
                         const std::string& err_file = {}) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (err_file.empty()) {
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  } else {
    posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

// Waits for pid up to limit, then kills it (SIGKILL). Returns the exit code,
// 128 + the signal if a signal ended it, or -1 if it had to be killed.
inline int wait_child(pid_t pid, std::chrono::steady_clock::duration limit) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  int status = 0;
  for (;;) {
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > give_up) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

struct child_result {
  int code = -1;       // as wait_child returns it
  std::string output;  // stdout and stderr, as the child wrote them
};

// spawn_child + wait_child + the output (stdout and stderr into out_file).
inline child_result run_child(const std::vector<std::string>& args, const std::string& out_file,
                              std::chrono::steady_clock::duration limit) {
  child_result r;
  const pid_t pid = spawn_child(args, out_file);
  if (pid < 0) return r;
  r.code = wait_child(pid, limit);
  r.output = read_file(out_file);
  if (r.code == -1) r.output += "\n(killed: still running after the test's limit)\n";
  return r;
}

}  // namespace triarb::test
