// rest_client: HTTPS GET with Beast, each stage under an explicit deadline.
// The calls are written as async operations run to completion on a private
// io_context, because beast::tcp_stream's timeouts apply to async operations
// only.
#include "net/rest_client.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

namespace triarb {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Runs the io_context until the started operation completed (true), or
// until stop() says so (false: the context is stopped, the operation's
// handler never runs, and the caller returns operation_aborted). stop is
// polled every kStopPollMs.
bool run_all(net::io_context& ioc, const std::function<bool()>& stop) {
  ioc.restart();
  if (!stop) {
    ioc.run();
    return true;
  }
  for (;;) {
    (void)ioc.run_for(std::chrono::milliseconds(kStopPollMs));
    if (ioc.stopped()) return true;
    if (stop()) {
      ioc.stop();
      return false;
    }
  }
}

// SNI: SSL_set_tlsext_host_name without its macro's old-style cast.
bool set_sni(SSL* ssl, const char* host) {
  return SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(host)) == 1;
}

}  // namespace

rest_client::rest_client(tls_context& tls, std::string_view base_url, rest_options o)
    : tls_(tls), url_(parse_endpoint_url(base_url)), opt_(o) {
  if (url_.scheme != "https")
    throw tls_error("REST url must be https://: " + std::string(base_url));
}

std::optional<std::string_view> http_reply::header(std::string_view name) const {
  const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; };
  for (const http_field& f : headers) {
    if (f.name.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < name.size() && same; ++i) same = lower(f.name[i]) == lower(name[i]);
    if (same) return std::string_view(f.value);
  }
  return std::nullopt;
}

http_result rest_client::get(std::string_view target, error_code& ec) {
  http_reply r = send("GET", target, {}, {}, ec);
  return {r.status, std::move(r.body)};
}

http_reply rest_client::send(std::string_view method, std::string_view target,
                             const std::vector<http_field>& headers, std::string_view body,
                             error_code& ec) {
  ec = {};
  http_reply out;
  const http::verb verb = http::string_to_verb(method);
  const auto bad = [](std::string_view s) {
    return s.find_first_of("\r\n") != std::string_view::npos;
  };
  bool refused = verb == http::verb::unknown || bad(target);
  for (const http_field& f : headers)
    refused = refused || f.name.empty() || bad(f.name) || bad(f.value);
  if (refused) {
    ec = std::make_error_code(std::errc::invalid_argument);
    return out;
  }
  net::io_context ioc(1);
  tcp::resolver resolver(ioc);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, tls_.native());

  // SNI and host-name verification: the certificate must name url_.host.
  if (!set_sni(stream.native_handle(), url_.host.c_str())) {
    ec = error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
    return out;
  }
  stream.set_verify_callback(net::ssl::host_name_verification(url_.host));

  tcp::resolver::results_type endpoints;
  resolver.async_resolve(url_.host, url_.port, [&](error_code e, tcp::resolver::results_type r) {
    ec = e;
    endpoints = std::move(r);
  });
  if (!run_all(ioc, opt_.stop)) ec = net::error::operation_aborted;
  if (ec) return out;

  beast::get_lowest_layer(stream).expires_after(opt_.connect_timeout);
  beast::get_lowest_layer(stream).async_connect(
      endpoints, [&](error_code e, const tcp::endpoint&) { ec = e; });
  if (!run_all(ioc, opt_.stop)) ec = net::error::operation_aborted;
  if (ec) return out;

  beast::get_lowest_layer(stream).expires_after(opt_.request_timeout);
  stream.async_handshake(net::ssl::stream_base::client, [&](error_code e) { ec = e; });
  if (!run_all(ioc, opt_.stop)) ec = net::error::operation_aborted;
  if (ec) return out;

  http::request<http::string_body> req{verb, url_.path + std::string(target), 11};
  req.set(http::field::host, url_.host);
  req.set(http::field::user_agent, "triarb");
  req.set(http::field::connection, "close");
  for (const http_field& f : headers) req.insert(f.name, f.value);
  if (!body.empty()) {
    req.body() = std::string(body);
    req.prepare_payload();
  }
  out.sent = true;  // from here on the server may act on the request
  http::async_write(stream, req, [&](error_code e, std::size_t) { ec = e; });
  if (!run_all(ioc, opt_.stop)) ec = net::error::operation_aborted;
  if (ec) return out;

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(opt_.body_limit);
  http::async_read(stream, buffer, parser, [&](error_code e, std::size_t) { ec = e; });
  if (!run_all(ioc, opt_.stop)) ec = net::error::operation_aborted;
  if (ec) return out;
  out.status = static_cast<int>(parser.get().result_int());
  for (const auto& f : parser.get()) {
    out.headers.push_back({std::string(f.name_string()), std::string(f.value())});
  }
  out.body = std::move(parser.get().body());

  // Best-effort TLS close_notify; the response is complete whatever happens.
  beast::get_lowest_layer(stream).expires_after(std::chrono::milliseconds(500));
  stream.async_shutdown([](error_code) {});
  (void)run_all(ioc, opt_.stop);
  return out;
}

std::string rest_client::get_ok(std::string_view target) {
  error_code ec;
  http_result r = get(target, ec);
  const std::string where =
      "GET https://" + url_.host + ":" + url_.port + url_.path + std::string(target);
  if (ec == net::error::operation_aborted)
    throw rest_stopped(where + ": stopped before it answered");
  if (ec == http::error::body_limit) {
    throw rest_error(where + ": the response body is more than " + std::to_string(opt_.body_limit) +
                     " bytes (rest_options::body_limit)");
  }
  if (ec) throw rest_error(where + ": " + ec.message());
  if (r.status != 200) {
    throw rest_error(where + ": HTTP " + std::to_string(r.status) + ": " + r.body.substr(0, 200));
  }
  return std::move(r.body);
}

}  // namespace triarb
