// metrics_server: a minimal HTTP/1.1 server (Beast) answering every request
// with the Prometheus text format; one connection at a time, on its own
// io_context and thread.
#include "runtime/metrics_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

#include "config/config.h"

namespace triarb {
namespace {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
}  // namespace

void render_counter(std::string& out, std::string_view name, std::uint64_t v) {
  const std::string n(name);
  out += "# TYPE " + n + " counter\n" + n + " " + std::to_string(v) + "\n";
}

struct metrics_server::impl {
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::function<std::string()> render;
  std::thread thread;
  std::uint16_t port = 0;
  tcp::endpoint ep;

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket s) {
      if (ec) return;
      serve(std::move(s));
      accept();
    });
  }
  // One request per connection, synchronously on this thread (a scrape is
  // small and rare); a slow client cannot hurt the feed, only other scrapes.
  void serve(tcp::socket s) {
    error_code ec;
    beast::flat_buffer buf;
    http::request<http::empty_body> req;
    http::read(s, buf, req, ec);
    if (ec) return;
    http::response<http::string_body> res{http::status::ok, req.version()};
    if (req.target() != "/metrics" && req.target() != "/") {
      res.result(http::status::not_found);
      res.body() = "not found; try /metrics\n";
    } else {
      res.body() = render();
    }
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.keep_alive(false);
    res.prepare_payload();
    http::write(s, res, ec);
    s.shutdown(tcp::socket::shutdown_both, ec);
  }
};

metrics_server::metrics_server(const std::string& address, std::function<std::string()> render)
    : impl_(std::make_unique<impl>()) {
  impl_->render = std::move(render);
  // The one parser validate() uses (config.h): what passes there binds here.
  const std::optional<loopback_endpoint> ep = parse_loopback_address(address);
  if (!ep) {
    throw metrics_error("metrics_address '" + address +
                        "': not a loopback IP and a decimal port (127.0.0.1:PORT or [::1]:PORT)");
  }
  error_code ec;
  const net::ip::address a = net::ip::make_address(ep->host, ec);
  if (ec || !a.is_loopback())
    throw metrics_error("metrics_address '" + address + "': not loopback");
  impl_->ep = tcp::endpoint(a, ep->port);
}

metrics_server::~metrics_server() { stop(); }

void metrics_server::start() {
  error_code ec;
  impl_->acceptor.open(impl_->ep.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(impl_->ep, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw metrics_error("metrics: cannot listen on " + impl_->ep.address().to_string() + ":" +
                        std::to_string(impl_->ep.port()) + ": " + ec.message());
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

void metrics_server::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  net::post(impl_->ioc, [this] {
    error_code ec;
    impl_->acceptor.close(ec);
  });
  impl_->ioc.stop();
  impl_->thread.join();
}

std::uint16_t metrics_server::port() const noexcept { return impl_->port; }

}  // namespace triarb
