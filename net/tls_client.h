// tls_client: the TLS side of the bot's connections (HTTPS and WSS), and the
// URL split they share. Certificate verification is always on: the peer must
// chain to the trust anchors (the system store by default, or the CA file /
// in-memory PEM given for the simulated exchange) and its certificate must
// name the host we dialled (SNI is sent with that host). There is no option
// that turns verification off.
//
//   tls_context tls({.ca_file = "sim-ca.pem"});       // throws tls_error
//   endpoint_url u = parse_endpoint_url("wss://127.0.0.1:9443");
//   rest_client rest(tls, "https://127.0.0.1:9443");  // uses tls.native()
//
// Thread safety: a tls_context is built once at start-up and then only read
// (OpenSSL SSL_CTX is safe to share across threads for new connections).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
}

namespace triarb {

class tls_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct tls_options {
  std::string ca_file;  // PEM file of trust anchors; empty: see ca_pem
  std::string ca_pem;   // PEM text of trust anchors; empty with ca_file empty: system store
};

class tls_context {
 public:
  // TLS 1.2+ client context, verify_peer always set. Throws tls_error if the
  // trust anchors cannot be loaded.
  explicit tls_context(const tls_options& o);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  [[nodiscard]] boost::asio::ssl::context& native() noexcept { return *ctx_; }
  // "system store", "file X" or "in-memory CA": for the start-up log line.
  [[nodiscard]] const std::string& trust_description() const noexcept { return trust_; }

 private:
  std::unique_ptr<boost::asio::ssl::context> ctx_;
  std::string trust_;
};

// scheme://host[:port][/path]. IPv6 hosts in brackets ("[::1]"), returned
// without them. Default port: 443 for https/wss.
struct endpoint_url {
  std::string scheme;  // "https" or "wss"
  std::string host;
  std::string port;
  std::string path;  // "" or starting with '/'
};
// Throws tls_error naming the URL for anything but https:// or wss:// (plain
// text is never used against a venue).
[[nodiscard]] endpoint_url parse_endpoint_url(std::string_view url);

}  // namespace triarb
