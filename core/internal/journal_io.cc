// internal/journal_io: file helpers shared by journal_verify.cc and
// journal_writer.cc. See journal_io.h.
#include "core/internal/journal_io.h"

#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <istream>

namespace triarb::internal {

// Reads a whole stream in chunks (istreambuf_iterator trips -Wnull-dereference).
std::string read_stream(std::istream& in) {
  std::string s;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    s.append(buf, static_cast<std::size_t>(in.gcount()));
  }
  return s;
}

std::string read_whole_file(const std::string& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ok = false;
    return {};
  }
  std::string s = read_stream(in);
  ok = !in.bad();
  return s;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string errno_text(int e) { return std::string(std::strerror(e)); }

std::string_view file_kind(unsigned mode) noexcept {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace triarb::internal
