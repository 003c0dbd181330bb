#include "net/private_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace triarb {
namespace {

void wipe(std::string& s) {
  std::fill(s.begin(), s.end(), '\0');
  s.clear();
}

}  // namespace

std::string read_private_file(const std::string& path, std::size_t max_bytes,
                              std::string_view owner_rule, std::string& out) {
  wipe(out);
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) {
      return "cannot open it without following a link (a symbolic link is refused; name the "
             "file itself)";
    }
    return std::string("cannot read it (") + std::strerror(err) + ")";
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return std::string("cannot read it (fstat: ") + std::strerror(errno) + ")";
  if (!S_ISREG(st.st_mode)) return "not a regular file";
  if (st.st_uid != ::geteuid()) {
    return "owned by uid " + std::to_string(st.st_uid) + ", not by this process's effective uid " +
           std::to_string(::geteuid()) + "; " + std::string(owner_rule);
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return std::string("mode ") + mode + " lets group or others read or write it; " +
           std::string(owner_rule) + " (chmod 600 " + path + ")";
  }
  out.assign(max_bytes + 1, '\0');
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      wipe(out);
      return std::string("cannot read it (") + std::strerror(err) + ")";
    }
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (got > max_bytes) {
    wipe(out);
    return "over " + std::to_string(max_bytes) + " bytes";
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(got), out.end(), '\0');
  out.resize(got);
  return "";
}

}  // namespace triarb
