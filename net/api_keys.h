// api_keys: the exchange API key and secret, from environment variables or
// from a file only its owner can read. Neither is ever printed: the type
// holding them has no operator<<, its to_string() is redacted, and every
// error names the variable or the file, never a value.
//
//   api_keys k = load_api_keys({});                    // TRIARB_API_KEY / TRIARB_API_SECRET
//   api_keys f = load_api_keys({.file = "keys.txt"});  // key on line 1, secret on line 2
//   std::string sig = hmac_sha256_hex(f.secret.reveal(), query);
//   std::cerr << f.secret.to_string();                 // "<redacted, 64 bytes>"
//
// Thread safety: load_api_keys reads the environment (getenv): call it at
// start-up, before threads that may setenv. A secret_string is a plain value.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace triarb {

// Names the variable or the file and what is wrong with it; never a value.
class api_key_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A credential. reveal() is the one way to its bytes (to sign, or to set the
// X-MBX-APIKEY header). The bytes are overwritten when it is destroyed.
class secret_string {
 public:
  secret_string() = default;
  explicit secret_string(std::string value) : value_(std::move(value)) {}
  secret_string(const secret_string&) = default;
  secret_string& operator=(const secret_string&) = default;
  secret_string(secret_string&& o) noexcept : value_(std::move(o.value_)) { o.wipe(); }
  secret_string& operator=(secret_string&& o) noexcept;
  ~secret_string() { wipe(); }

  [[nodiscard]] std::string_view reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  // "<redacted, N bytes>": for logs that want to say a credential is there.
  [[nodiscard]] std::string to_string() const;

 private:
  void wipe() noexcept;
  std::string value_;
};

struct api_keys {
  secret_string key;     // sent as X-MBX-APIKEY
  secret_string secret;  // signs the query (core/hmac.h)
};

// Where the keys come from: `file` when it is not empty, else the two
// environment variables.
struct api_key_source {
  std::string key_env = "TRIARB_API_KEY";
  std::string secret_env = "TRIARB_API_SECRET";
  std::string file;
};

// Each credential: 1..kMaxApiCredentialBytes printable ASCII characters
// (0x21..0x7e: no space, no control character, so no header injection).
inline constexpr std::size_t kMaxApiCredentialBytes = 512;

// From the environment: each variable must be set and hold a valid
// credential; api_key_error names the variable otherwise.
//
// From a file: the key on the first line, the secret on the second, nothing
// else (a trailing newline and whitespace at line ends are allowed). The
// file is read by net/private_file.h, as guard.token_file is: opened with
// O_NOFOLLOW (a symbolic link is refused) and
// checked on the open descriptor (no check-then-open race): a regular file,
// owned by this process's effective uid, no group or other permission bits
// (mode & 077 == 0), at most 4096 bytes, not empty. api_key_error names the
// file and the rule (and the mode), never the content.
[[nodiscard]] api_keys load_api_keys(const api_key_source& src);

}  // namespace triarb
