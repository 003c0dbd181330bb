#include "tests/sim/test_client.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <optional>

namespace triarb::testing_client {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

struct test_client::impl {
  impl(const std::string& ca_pem, std::uint16_t port, std::string verify_host, std::string address)
      : port_(port), verify_host_(std::move(verify_host)), address_(std::move(address)) {
    ctx_.add_certificate_authority(net::buffer(ca_pem));
    ctx_.set_verify_mode(ssl::verify_peer);
  }

  // Runs the started operation to completion. Backstop: Beast's WebSocket
  // teardown reads the raw socket (no tcp_stream deadline), so if nothing
  // completes in time the socket is closed, which ends every operation.
  void run() {
    ioc_.restart();
    ioc_.run_for(kIoTimeout + 2s);
    if (!ioc_.stopped()) {
      beast::error_code ec;
      if (ws_) beast::get_lowest_layer(*ws_).socket().close(ec);
      if (stream_) beast::get_lowest_layer(*stream_).socket().close(ec);
      ioc_.restart();
      ioc_.run();
    }
  }

  net::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_client};
  std::uint16_t port_;
  std::string verify_host_;
  std::string address_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> ws_;
  beast::flat_buffer buf_;
  std::string last_raw_reply_;
};

test_client::test_client(const std::string& ca_pem, std::uint16_t port, std::string verify_host,
                         std::string address)
    : impl_(std::make_unique<impl>(ca_pem, port, std::move(verify_host), std::move(address))) {}

test_client::~test_client() = default;

beast::error_code test_client::connect() {
  impl& m = *impl_;
  m.stream_.emplace(m.ioc_, m.ctx_);
  if (m.verify_host_.find_first_not_of("0123456789.:") != std::string::npos) {
    // SNI for DNS names (the function, not the casting macro).
    SSL_ctrl(m.stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(m.verify_host_.c_str()));
  }
  m.stream_->set_verify_callback(ssl::host_name_verification(m.verify_host_));
  beast::error_code result;
  beast::get_lowest_layer(*m.stream_).expires_after(kIoTimeout);
  beast::get_lowest_layer(*m.stream_)
      .async_connect(tcp::endpoint(net::ip::make_address(m.address_), m.port_),
                     [&](beast::error_code ec) { result = ec; });
  m.run();
  if (result) return result;
  beast::get_lowest_layer(*m.stream_).expires_after(kIoTimeout);
  m.stream_->async_handshake(ssl::stream_base::client, [&](beast::error_code ec) { result = ec; });
  m.run();
  return result;
}

http_reply test_client::get(const std::string& target) {
  EXPECT_FALSE(connect()) << "connect for GET " << target.substr(0, 80);
  return request(target);
}

http_reply test_client::request(const std::string& target) {
  impl& m = *impl_;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  beast::error_code result;
  beast::get_lowest_layer(*m.stream_).expires_after(kIoTimeout);
  http::async_write(*m.stream_, req, [&](beast::error_code ec, std::size_t) { result = ec; });
  m.run();
  EXPECT_FALSE(result) << result.message();
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  beast::get_lowest_layer(*m.stream_).expires_after(kIoTimeout);
  http::async_read(*m.stream_, m.buf_, parser,
                   [&](beast::error_code ec, std::size_t) { result = ec; });
  m.run();
  EXPECT_FALSE(result) << result.message();
  http::response<http::string_body> res = parser.release();
  return http_reply{res.result(), std::move(res.body())};
}

beast::error_code test_client::ws_open(const std::string& target, http_reply* refused) {
  if (beast::error_code ec = connect()) return ec;
  impl& m = *impl_;
  m.ws_.emplace(std::move(*m.stream_));
  websocket::response_type res;
  beast::error_code result;
  beast::get_lowest_layer(*m.ws_).expires_after(kIoTimeout);
  m.ws_->async_handshake(res, "127.0.0.1", target, [&](beast::error_code ec) { result = ec; });
  m.run();
  if (refused != nullptr) *refused = http_reply{res.result(), res.body()};
  return result;
}

beast::error_code test_client::ws_read(std::string& out, std::chrono::milliseconds timeout) {
  impl& m = *impl_;
  beast::error_code result;
  beast::flat_buffer b;
  beast::get_lowest_layer(*m.ws_).expires_after(timeout);
  m.ws_->async_read(b, [&](beast::error_code ec, std::size_t) { result = ec; });
  m.run();
  out = beast::buffers_to_string(b.data());
  return result;
}

beast::error_code test_client::ws_write(const std::string& text) {
  impl& m = *impl_;
  beast::error_code result;
  beast::get_lowest_layer(*m.ws_).expires_after(kIoTimeout);
  m.ws_->text(true);
  m.ws_->async_write(net::buffer(text), [&](beast::error_code ec, std::size_t) { result = ec; });
  m.run();
  return result;
}

void test_client::raw_tcp(std::uint16_t port, const std::string& bytes) {
  net::io_context ioc;
  tcp::socket s(ioc);
  beast::error_code ec;
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return;
  if (!bytes.empty()) net::write(s, net::buffer(bytes), ec);
  s.close(ec);
}

void test_client::tls_raw(const std::string& bytes) {
  ASSERT_FALSE(connect());
  impl& m = *impl_;
  beast::error_code result;
  beast::get_lowest_layer(*m.stream_).expires_after(kIoTimeout);
  net::async_write(*m.stream_, net::buffer(bytes),
                   [&](beast::error_code ec, std::size_t) { result = ec; });
  m.run();
  std::string reply;
  reply.resize(4096);
  beast::get_lowest_layer(*m.stream_).expires_after(kIoTimeout);
  m.stream_->async_read_some(net::buffer(reply), [&](beast::error_code ec, std::size_t n) {
    result = ec;
    reply.resize(n);
  });
  m.run();
  m.last_raw_reply_ = reply;
}

const std::string& test_client::last_raw_reply() const { return impl_->last_raw_reply_; }

bool test_client::is_tls_error(const beast::error_code& ec) {
  return ec.category() == net::error::get_ssl_category();
}

}  // namespace triarb::testing_client
