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

#include "net/private_file.h"

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
  secret_string content;
  {
    std::string t;
    const std::string why =
        read_private_file(path, kMaxKeyFileBytes, "the keys must be their owner's only", t);
    if (!why.empty()) throw api_key_error(where + why);
    content = secret_string(std::move(t));
  }
  const std::string_view all = content.reveal();
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
