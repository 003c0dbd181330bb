// metrics_server: a minimal HTTP/1.1 server (Beast) answering every request
// with the Prometheus text format; asynchronous sessions with deadlines, on
// its own io_context and thread.
#include "runtime/metrics_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
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
  // Declared before ioc, so they outlive it: sessions still queued in ioc
  // when it is destroyed (after stop()) touch `open` in their destructors.
  std::function<std::string()> render;
  metrics_options opt;
  std::size_t open = 0;  // sessions alive (server thread only)
  // Relaxed: statistics only, read by stats() from any thread.
  std::atomic<std::uint64_t> served{0}, timed_out{0}, refused{0}, bad{0};
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  std::uint16_t port = 0;
  tcp::endpoint ep;

  // One request per connection, each with a deadline; all on this thread.
  struct session : std::enable_shared_from_this<session> {
    impl& srv;
    beast::tcp_stream stream;
    beast::flat_buffer buf;
    http::request<http::empty_body> req;
    http::response<http::string_body> res;
    session(impl& s, tcp::socket sock) : srv(s), stream(std::move(sock)) { ++srv.open; }
    ~session() { --srv.open; }
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    void run() {
      stream.expires_after(std::chrono::milliseconds(srv.opt.read_timeout_ms));
      http::async_read(stream, buf, req, [self = shared_from_this()](error_code ec, std::size_t) {
        self->on_read(ec);
      });
    }
    void on_read(error_code ec) {
      if (ec) {
        (ec == beast::error::timeout ? srv.timed_out : srv.bad)
            .fetch_add(1, std::memory_order_relaxed);
        return;  // the stream closes with the session
      }
      res = {http::status::ok, req.version()};
      if (req.target() != "/metrics" && req.target() != "/") {
        res.result(http::status::not_found);
        res.body() = "not found; try /metrics\n";
      } else {
        res.body() = srv.render();
      }
      res.set(http::field::content_type, "text/plain; version=0.0.4");
      res.keep_alive(false);
      res.prepare_payload();
      stream.expires_after(std::chrono::milliseconds(srv.opt.read_timeout_ms));
      http::async_write(stream, res, [self = shared_from_this()](error_code wec, std::size_t) {
        if (wec == beast::error::timeout) {
          self->srv.timed_out.fetch_add(1, std::memory_order_relaxed);
        } else if (!wec) {
          self->srv.served.fetch_add(1, std::memory_order_relaxed);
        }
        error_code ignored;
        self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      });
    }
  };

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket s) {
      if (ec) return;  // closed by stop()
      if (open >= opt.max_connections) {
        refused.fetch_add(1, std::memory_order_relaxed);
        error_code ignored;
        s.close(ignored);
      } else {
        std::make_shared<session>(*this, std::move(s))->run();
      }
      accept();
    });
  }
};

metrics_server::metrics_server(const std::string& address, std::function<std::string()> render,
                               metrics_options opt)
    : impl_(std::make_unique<impl>()) {
  impl_->render = std::move(render);
  impl_->opt = opt;
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

metrics_server::counters metrics_server::stats() const noexcept {
  return {impl_->served.load(std::memory_order_relaxed),
          impl_->timed_out.load(std::memory_order_relaxed),
          impl_->refused.load(std::memory_order_relaxed),
          impl_->bad.load(std::memory_order_relaxed)};
}

}  // namespace triarb
