// Replay main: linked into every fuzz target in builds without libFuzzer, so
// plain ctest (gcc, and ASan/UBSan) runs each target on corpus/<target>/ and
// the fuzzers never rot. The contract is in fuzz_support.h.
//
//   fuzz_fixed8 corpus/fixed8            # every file in the directory
//   fuzz_fixed8 crash-1234 other-input   # single files
//
// Exit status: 0 when at least one input ran and every run returned 0 or -1;
// 1 when no input ran, a path is missing, or a file cannot be read; a failed
// oracle aborts the process (TRIARB_FUZZ_CHECK), as under libFuzzer, and the
// replay prints "replay: crashed on input <path>" first.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

namespace fs = std::filesystem;

// The input being run, so a crash names it (the target aborts the process).
char g_current[4096] = "";

// Async-signal-safe: write(2) the file name, then die of the same signal.
extern "C" void on_fatal_signal(int sig) {
  static const char kPrefix[] = "replay: crashed on input ";
  if (::write(STDERR_FILENO, kPrefix, sizeof kPrefix - 1) < 0 ||
      ::write(STDERR_FILENO, g_current, std::strlen(g_current)) < 0 ||
      ::write(STDERR_FILENO, "\n", 1) < 0) {
    // Nothing more can be done inside a signal handler.
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

bool is_note(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.empty() || name[0] == '.' || name.rfind("REPRODUCE-", 0) == 0;
}

// Runs one file. The bytes live in a heap block of exactly their size, so an
// over-read by the target is an ASan report, not a silent read of padding.
bool run_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "replay: cannot read %s\n", p.c_str());
    return false;
  }
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in),
                                std::istreambuf_iterator<char>()};
  const std::string name = p.string();
  const std::size_t n = std::min(name.size(), sizeof g_current - 1);
  std::memcpy(g_current, name.data(), n);
  g_current[n] = '\0';
  const std::size_t size = bytes.size();
  const std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[size == 0 ? 1 : size]);
  std::copy(bytes.begin(), bytes.end(), exact.get());
  const int rc = LLVMFuzzerTestOneInput(size == 0 ? nullptr : exact.get(), size);
  if (rc != 0 && rc != -1) {
    std::fprintf(stderr, "replay: %s: target returned %d\n", p.c_str(), rc);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGABRT, on_fatal_signal);
  std::signal(SIGSEGV, on_fatal_signal);
  std::signal(SIGFPE, on_fatal_signal);
  std::signal(SIGILL, on_fatal_signal);
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
    return 1;
  }
  std::size_t ran = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const fs::path root(argv[i]);
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_directory(root, ec)) {
      for (const auto& entry : fs::recursive_directory_iterator(root, ec)) {
        if (entry.is_regular_file() && !is_note(entry.path())) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
    } else if (fs::is_regular_file(root, ec)) {
      files.push_back(root);
    } else {
      std::fprintf(stderr, "replay: no such file or directory: %s\n", argv[i]);
      ok = false;
      continue;
    }
    for (const fs::path& f : files) {
      if (run_file(f)) {
        ++ran;
      } else {
        ok = false;
      }
    }
  }
  std::printf("replayed %zu inputs\n", ran);
  if (ran == 0) {
    std::fprintf(stderr, "replay: no inputs ran\n");
    return 1;
  }
  return ok ? 0 : 1;
}
