// A test client of the simulated exchange, independent of the bot's net/
// layer: one TLS connection, then HTTP or WebSocket, every operation
// asynchronous with a deadline. Compiled once (test_client.cc), so the tests
// that use it do not each instantiate Beast.
#pragma once

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/websocket/error.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace triarb::testing_client {

// An HTTP response: its status and body.
struct http_reply {
  boost::beast::http::status status = boost::beast::http::status::unknown;
  std::string body_text;
  boost::beast::http::status result() const { return status; }
  const std::string& body() const { return body_text; }
};

inline constexpr std::chrono::milliseconds kIoTimeout{3000};

class test_client {
 public:
  test_client(const std::string& ca_pem, std::uint16_t port, std::string verify_host = "127.0.0.1",
              std::string address = "127.0.0.1");
  ~test_client();
  test_client(const test_client&) = delete;
  test_client& operator=(const test_client&) = delete;

  // TCP connect + TLS handshake with host-name verification.
  boost::beast::error_code connect();

  // GET on a fresh connection. REQUIRES: the TLS handshake succeeds.
  http_reply get(const std::string& target);

  // Another GET on the same connection (keep-alive).
  http_reply request(const std::string& target);

  // WebSocket upgrade. On refusal, `refused` holds the gateway's response.
  boost::beast::error_code ws_open(const std::string& target, http_reply* refused = nullptr);

  // One message; pings are answered with pongs while reading.
  boost::beast::error_code ws_read(std::string& out,
                                   std::chrono::milliseconds timeout = kIoTimeout);

  boost::beast::error_code ws_write(const std::string& text);

  // Raw TCP, for clients that do not speak TLS.
  static void raw_tcp(std::uint16_t port, const std::string& bytes);

  // TLS, then raw bytes (malformed HTTP), then hang up.
  void tls_raw(const std::string& bytes);
  const std::string& last_raw_reply() const;

  // Whether `ec` is an error of the TLS layer (a failed handshake).
  static bool is_tls_error(const boost::beast::error_code& ec);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace triarb::testing_client
