// api_keys: see api_keys.h. The file's checks copy read_token_file's
// (runtime/live_bot.cc) rather than share it: that one throws config_error
// and trims a token; this one reads two lines and throws api_key_error.
#include "net/api_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace triarb {

secret_string& secret_string::operator=(secret_string&& o) noexcept {
  if (this != &o) {
    wipe();
    value_ = std::move(o.value_);
    o.wipe();
  }
  return *this;
}

std::string secret_string::to_string() const {
  return "<redacted, " + std::to_string(value_.size()) + " bytes>";
}

void secret_string::wipe() noexcept {
  // volatile: the stores are not optimised away before the buffer is freed.
  volatile char* p = value_.data();
  for (std::size_t i = 0; i < value_.size(); ++i) p[i] = 0;
  value_.clear();
}

namespace {

constexpr std::size_t kMaxKeyFileBytes = 4096;

// Empty when s is a valid credential, else what is wrong (no value).
std::string credential_problem(std::string_view s) {
  if (s.empty()) return "empty";
  if (s.size() > kMaxApiCredentialBytes) {
    return std::to_string(s.size()) + " bytes, over " + std::to_string(kMaxApiCredentialBytes);
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x21 || c > 0x7e) {
      return "byte " + std::to_string(i) +
             " is not printable ASCII (space and control characters are refused)";
    }
  }
  return {};
}

secret_string from_env(const std::string& name, const char* what) {
  if (name.empty()) throw api_key_error(std::string(what) + ": no environment variable named");
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) {
    throw api_key_error(std::string(what) + ": environment variable " + name + " is not set");
  }
  const std::string_view s(v);
  if (const std::string p = credential_problem(s); !p.empty()) {
    throw api_key_error(std::string(what) + ": environment variable " + name + ": " + p);
  }
  return secret_string(std::string(s));
}

api_keys from_file(const std::string& path) {
  const std::string where = "API key file " + path + ": ";
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    const int err = errno;
    if (err == ELOOP) {
      throw api_key_error(where +
                          "cannot open it without following a link (a symbolic link is refused; "
                          "name the file itself)");
    }
    throw api_key_error(where + "cannot read it (" + std::strerror(err) + ")");
  }
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } close_fd{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    throw api_key_error(where + "cannot read it (fstat: " + std::strerror(errno) + ")");
  }
  if (!S_ISREG(st.st_mode)) throw api_key_error(where + "not a regular file");
  if (st.st_uid != ::geteuid()) {
    throw api_key_error(where + "owned by uid " + std::to_string(st.st_uid) +
                        ", not by this process's effective uid " + std::to_string(::geteuid()) +
                        "; the keys must be their owner's only");
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw api_key_error(where + "mode " + mode +
                        " lets group or others read or write it; the keys must be their owner's "
                        "only (chmod 600 " +
                        path + ")");
  }
  secret_string content;
  {
    std::string t(kMaxKeyFileBytes + 1, '\0');
    std::size_t got = 0;
    while (got < t.size()) {
      const ssize_t n = ::read(fd, t.data() + got, t.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        secret_string wipe_it(std::move(t));
        throw api_key_error(where + "cannot read it (" + std::strerror(errno) + ")");
      }
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    t.resize(got);
    content = secret_string(std::move(t));
  }
  const std::string_view all = content.reveal();
  if (all.size() > kMaxKeyFileBytes) {
    throw api_key_error(where + "over " + std::to_string(kMaxKeyFileBytes) + " bytes");
  }
  if (all.empty()) throw api_key_error(where + "empty (no key, no secret)");
  // Lines, each without trailing whitespace; trailing empty lines dropped.
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= all.size()) {
    std::size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    std::string_view line = all.substr(start, end - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    start = end + 1;
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.size() != 2) {
    throw api_key_error(where + std::to_string(lines.size()) +
                        " lines: it must hold the key on line 1 and the secret on line 2, "
                        "nothing else");
  }
  if (const std::string p = credential_problem(lines[0]); !p.empty()) {
    throw api_key_error(where + "line 1 (the key): " + p);
  }
  if (const std::string p = credential_problem(lines[1]); !p.empty()) {
    throw api_key_error(where + "line 2 (the secret): " + p);
  }
  return api_keys{secret_string(std::string(lines[0])), secret_string(std::string(lines[1]))};
}

}  // namespace

api_keys load_api_keys(const api_key_source& src) {
  if (!src.file.empty()) return from_file(src.file);
  api_keys k;
  k.key = from_env(src.key_env, "API key");
  k.secret = from_env(src.secret_env, "API secret");
  return k;
}

}  // namespace triarb
