// metrics_server: a minimal HTTP/1.1 server (Beast) answering every request
// with the Prometheus text format; one connection at a time, on its own
// io_context and thread.
#include "runtime/metrics_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cmath>

namespace triarb {
namespace {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
}  // namespace

std::int64_t latency_histogram::bound(std::size_t i) noexcept {
  return static_cast<std::int64_t>(250.0 * std::pow(2.0, static_cast<double>(i) / 4.0));
}

void latency_histogram::record(std::int64_t ns) noexcept {
  if (ns < 0) ns = 0;
  // Index: smallest i with bound(i) >= ns, via log2 (bounds are 250 * 2^(i/4)).
  std::size_t i = 0;
  if (ns > 250) {
    i = static_cast<std::size_t>(std::ceil(4.0 * std::log2(static_cast<double>(ns) / 250.0)));
    while (i > 0 && bound(i - 1) >= ns) --i;
    while (i + 1 < kBuckets && bound(i) < ns) ++i;
    if (i >= kBuckets) i = kBuckets - 1;
  }
  // Single writer: relaxed load+store increments; readers want recent values only.
  buckets_[i].store(buckets_[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  sum_.store(sum_.load(std::memory_order_relaxed) + ns, std::memory_order_relaxed);
}
std::uint64_t latency_histogram::count() const noexcept {
  return count_.load(std::memory_order_relaxed);  // display only; pairs with nothing
}
std::uint64_t latency_histogram::bucket(std::size_t i) const noexcept {
  return buckets_[i].load(std::memory_order_relaxed);  // display only; pairs with nothing
}
std::int64_t latency_histogram::sum_ns() const noexcept {
  return sum_.load(std::memory_order_relaxed);  // display only; pairs with nothing
}
std::int64_t latency_histogram::quantile_ns(double q) const noexcept {
  const std::uint64_t n = count();
  if (n == 0) return 0;
  const auto want = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i + 1 < kBuckets; ++i) {
    seen += bucket(i);
    if (seen >= want) return bound(i);
  }
  return bound(kBuckets - 2);
}
void latency_histogram::render(std::string& out, std::string_view name,
                               std::string_view help) const {
  const std::string n(name);
  out += "# HELP " + n + " " + std::string(help) + "\n# TYPE " + n + " histogram\n";
  std::uint64_t cum = 0;
  for (std::size_t i = 0; i + 1 < kBuckets; ++i) {
    cum += bucket(i);
    char le[32];
    std::snprintf(le, sizeof le, "%.9g", static_cast<double>(bound(i)) * 1e-9);
    out += n + "_bucket{le=\"" + le + "\"} " + std::to_string(cum) + "\n";
  }
  cum += bucket(kBuckets - 1);
  out += n + "_bucket{le=\"+Inf\"} " + std::to_string(cum) + "\n";
  char sum[48];
  std::snprintf(sum, sizeof sum, "%.9f", static_cast<double>(sum_ns()) * 1e-9);
  out += n + "_sum " + sum + "\n" + n + "_count " + std::to_string(cum) + "\n";
}

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
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw metrics_error("metrics_address '" + address + "': no port");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  error_code ec;
  const net::ip::address a = net::ip::make_address(host, ec);
  if (ec) throw metrics_error("metrics_address '" + address + "': not an IP address");
  if (!a.is_loopback()) throw metrics_error("metrics_address '" + address + "': must be loopback");
  unsigned long p = 0;
  try {
    p = std::stoul(address.substr(colon + 1));
  } catch (...) {
    throw metrics_error("metrics_address '" + address + "': bad port");
  }
  if (p > 65535) throw metrics_error("metrics_address '" + address + "': bad port");
  impl_->ep = tcp::endpoint(a, static_cast<std::uint16_t>(p));
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
