// rest_client: HTTPS GET against the exchange's REST API (Boost.Beast over
// OpenSSL), with explicit timeouts, SNI and host-name verification, and
// error_code overloads. Used at start-up (exchangeInfo -> load_exchange_info)
// and to seed / re-seed the book (bookTicker -> quotes without update ids).
//
//   tls_context tls({.ca_file = "ca.pem"});
//   rest_client rest(tls, "https://127.0.0.1:9443");
//   boost::system::error_code ec;
//   http_result r = rest.get("/api/v3/exchangeInfo", ec);   // ec: transport/TLS failure
//   universe u = load_exchange_info(rest.exchange_info());  // throwing convenience
//   std::vector<quote> qs = parse_book_ticker(rest.book_ticker(), symbols, &bad);
//
// One request per TCP/TLS connection (Connection: close): the bot uses REST
// at start-up and after reconnects only, never on the hot path.
//
// Thread safety: a rest_client may be used by one thread at a time; separate
// clients on separate threads may share the tls_context.
#pragma once

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/quote.h"
#include "core/symbol_table.h"
#include "core/universe.h"    // kMaxExchangeInfoBytes
#include "net/book_ticker.h"  // parse_book_ticker, rest_error
#include "net/tls_client.h"

namespace triarb {

struct rest_options {
  std::chrono::milliseconds connect_timeout{5000};   // resolve + TCP connect
  std::chrono::milliseconds request_timeout{15000};  // TLS handshake + request + response
  // A larger response is an error naming this limit (exchangeInfo's: core/universe.h).
  std::size_t body_limit = kMaxExchangeInfoBytes;
  // Polled every kStopPollMs while a request waits (connect, TLS, request,
  // response); when it returns true the request ends at once with
  // boost::asio::error::operation_aborted (get_ok: rest_stopped). A host name
  // being resolved is the exception: its getaddrinfo runs to its end (the
  // resolver's thread is joined), then the request ends. Empty: only the
  // timeouts end a request. Called on the requesting thread.
  std::function<bool()> stop;
};
inline constexpr int kStopPollMs = 20;

struct http_result {
  int status = 0;
  std::string body;
};

// One request header or response header field.
struct http_field {
  std::string name;
  std::string value;
};

// What send() got back. `sent` is true once the request began to be written:
// from then on the server may have acted on it, whatever ec says (an order
// that timed out after it was sent is unknown, not failed).
struct http_reply {
  int status = 0;
  std::vector<http_field> headers;  // in the order received
  std::string body;
  bool sent = false;
  // The first field named `name` (case-insensitive), or nullopt.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

class rest_client {
 public:
  // REQUIRES: tls outlives the client. Throws tls_error for a bad base_url.
  rest_client(tls_context& tls, std::string_view base_url, rest_options o = {});

  // GET base_path + target. ec is set for transport, TLS (including a
  // certificate that does not verify) and timeout failures; an HTTP error
  // status is NOT an ec error (see http_result::status).
  [[nodiscard]] http_result get(std::string_view target, boost::system::error_code& ec);
  // Throwing: rest_error naming the stage for ec failures and non-200 statuses.
  [[nodiscard]] std::string get_ok(std::string_view target);

  // `method` ("GET", "POST", "DELETE", ...) base_path + target with these
  // headers and body (a non-empty body gets its Content-Length), with the
  // same timeouts, stop and body_limit as get(). ec as for get();
  // std::errc::invalid_argument (nothing sent) for an unknown method or a
  // header name or value holding CR or LF. The reply's headers and status
  // are kept whatever the status.
  [[nodiscard]] http_reply send(std::string_view method, std::string_view target,
                                const std::vector<http_field>& headers, std::string_view body,
                                boost::system::error_code& ec);

  [[nodiscard]] std::string exchange_info() { return get_ok("/api/v3/exchangeInfo"); }
  [[nodiscard]] std::string book_ticker() { return get_ok("/api/v3/ticker/bookTicker"); }

 private:
  tls_context& tls_;
  endpoint_url url_;
  rest_options opt_;
};

}  // namespace triarb
