// tls_client: SSL context set-up (trust anchors, verify_peer) and URL parsing.
#include "net/tls_client.h"

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

namespace triarb {

tls_context::tls_context(const tls_options& o)
    : ctx_(std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client)) {
  namespace ssl = boost::asio::ssl;
  boost::system::error_code ec;
  ctx_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                    ec);
  if (ec) throw tls_error("tls: cannot set protocol options: " + ec.message());
  if (!o.ca_file.empty()) {
    ctx_->load_verify_file(o.ca_file, ec);
    if (ec) throw tls_error("tls: cannot load CA file '" + o.ca_file + "': " + ec.message());
    trust_ = "CA file " + o.ca_file;
  } else if (!o.ca_pem.empty()) {
    ctx_->add_certificate_authority(boost::asio::buffer(o.ca_pem), ec);
    if (ec) throw tls_error("tls: cannot load the in-memory CA certificate: " + ec.message());
    trust_ = "in-memory CA";
  } else {
    ctx_->set_default_verify_paths(ec);
    if (ec) throw tls_error("tls: cannot load the system trust store: " + ec.message());
    trust_ = "system trust store";
  }
  // Always verify. Host-name verification is set per stream (it needs the host).
  ctx_->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  if (ec) throw tls_error("tls: cannot set verify mode: " + ec.message());
}

tls_context::~tls_context() = default;

endpoint_url parse_endpoint_url(std::string_view url) {
  endpoint_url out;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) throw tls_error("url '" + std::string(url) + "': no scheme");
  out.scheme = std::string(url.substr(0, sep));
  if (out.scheme != "https" && out.scheme != "wss") {
    throw tls_error("url '" + std::string(url) + "': scheme must be https or wss (TLS only)");
  }
  std::string_view rest = url.substr(sep + 3);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (!out.path.empty() && out.path.back() == '/') out.path.pop_back();
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      throw tls_error("url '" + std::string(url) + "': bad IPv6 host");
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (authority.starts_with(':')) out.port = std::string(authority.substr(1));
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  }
  if (out.host.empty()) throw tls_error("url '" + std::string(url) + "': no host");
  if (out.port.empty()) out.port = "443";
  for (char c : out.port) {
    if (c < '0' || c > '9') throw tls_error("url '" + std::string(url) + "': bad port");
  }
  return out;
}

}  // namespace triarb
