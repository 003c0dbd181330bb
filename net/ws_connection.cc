// ws_connection: the Beast state machine behind ws_connection.h. Every
// completion handler carries the generation of the socket it was started
// on; a handler from an older socket (after a drop or rotation) does nothing.
#include "net/ws_connection.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstring>

#include "core/frame_parser.h"

namespace triarb {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using ws_stream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool is_verify_failure(const error_code& ec) {
  return ec.category() == net::error::get_ssl_category() &&
         ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED;
}

// SNI: SSL_set_tlsext_host_name without its macro's old-style cast.
bool set_sni(SSL* ssl, const char* host) {
  return SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(host)) == 1;
}

}  // namespace

std::string build_stream_target(std::string_view path, const std::vector<std::string>& names) {
  std::string t(path);
  t += "/stream?streams=";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) t += '/';
    for (char c : names[i]) t += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    t += "@bookTicker";
  }
  return t;
}

struct ws_connection::impl : std::enable_shared_from_this<ws_connection::impl> {
  impl(net::io_context& ioc, tls_context& tls, const endpoint_url& url, std::string tgt,
       std::size_t idx, const ws_options& o, connect_budget& b, conn_counters& c, ws_handler& h)
      : strand(net::make_strand(ioc)),
        resolver(strand),
        retry_timer(strand),
        watchdog(strand),
        tls_(tls),
        url_(url),
        target(std::move(tgt)),
        index(idx),
        opt(o),
        policy(o, idx, b, c),
        handler(h) {}

  net::strand<net::io_context::executor_type> strand;
  tcp::resolver resolver;
  net::steady_timer retry_timer;
  net::steady_timer watchdog;
  tls_context& tls_;
  endpoint_url url_;
  std::string target;
  std::size_t index;
  ws_options opt;
  conn_policy policy;  // every decision; this struct only does the I/O
  ws_handler& handler;

  std::shared_ptr<ws_stream> ws;
  beast::flat_buffer buffer;
  frame_buffer frame;
  http::response<http::string_body> upgrade_response;
  std::uint64_t gen = 0;
  bool stopped = false;
  bool rotate_requested = false;

  // Carries out what the policy answered.
  void act(const conn_action& a) {
    switch (a.k) {
      case conn_action::kind::none:
        return;
      case conn_action::kind::connect:
        return start_attempt();
      case conn_action::kind::wait:
        return schedule_timer(a.at_ns);
      case conn_action::kind::quiet:
        return handler.on_quiet(index);
      case conn_action::kind::lose: {
        ++gen;
        watchdog.cancel();
        if (a.why == drop_reason::server_shutdown) {
          close_cleanly();  // from on_read: no read pending
        } else {
          close_now();
        }
        handler.on_lost(index, a.why);
        if (stopped) return;
        return schedule_timer(a.at_ns);
      }
      case conn_action::kind::fatal:
        stopped = true;
        ++gen;
        close_now();
        handler.on_fatal(index, "connection " + std::to_string(index) + ": " + a.what);
        return;
    }
  }

  // Closes the socket at once. Every pending operation on the stream holds
  // the stream (`keep` in its handler), so it is destroyed only after they
  // complete (aborted): an SSL stream destroyed under a pending read is a
  // use-after-free when the aborted read completes.
  void close_now() {
    if (!ws) return;
    error_code ignored;
    beast::get_lowest_layer(*ws).socket().close(ignored);
    ws.reset();
  }

  // A clean close (serverShutdown): a close frame, then the socket, in the
  // background. REQUIRES: no read pending (called from on_read's completion,
  // which issued no next read). Beast's async_close with a read pending
  // suspends on the stream's soft mutex, and a reset arriving meanwhile
  // tripped its `id_ == T::id` assertion in a disconnect-storm run; where a
  // read is pending (watchdog rotation, stop) the socket is closed at once.
  void close_cleanly() {
    if (!ws) return;
    std::shared_ptr<ws_stream> old = std::move(ws);
    beast::get_lowest_layer(*old).expires_after(std::chrono::seconds(2));
    old->async_close(websocket::close_code::going_away, [old](error_code) {
      error_code ignored;
      beast::get_lowest_layer(*old).socket().close(ignored);
    });
  }

  void schedule_timer(std::int64_t at_ns) {
    const std::int64_t delay = std::max<std::int64_t>(at_ns - steady_ns(), 0);
    retry_timer.expires_after(std::chrono::nanoseconds(delay));
    retry_timer.async_wait([self = shared_from_this(), g = gen](error_code ec) {
      if (ec || self->stopped || g != self->gen) return;
      self->act(self->policy.on_timer(steady_ns()));
    });
  }

  void start_attempt() {
    const std::uint64_t g = ++gen;
    ws = std::make_shared<ws_stream>(strand, tls_.native());
    if (!set_sni(ws->next_layer().native_handle(), url_.host.c_str())) {
      return fail_connect(
          g, error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category()),
          "sni");
    }
    ws->next_layer().set_verify_callback(net::ssl::host_name_verification(url_.host));
    resolver.async_resolve(
        url_.host, url_.port,
        [self = shared_from_this(), g](error_code ec, tcp::resolver::results_type r) {
          self->on_resolve(g, ec, std::move(r));
        });
  }

  void on_resolve(std::uint64_t g, error_code ec, tcp::resolver::results_type r) {
    if (g != gen || stopped) return;
    if (ec) return fail_connect(g, ec, "resolve");
    beast::get_lowest_layer(*ws).expires_after(std::chrono::milliseconds(opt.handshake_timeout_ms));
    beast::get_lowest_layer(*ws).async_connect(
        r, [self = shared_from_this(), g, keep = ws](error_code e, const tcp::endpoint&) {
          if (g != self->gen || self->stopped) return;
          if (e) return self->fail_connect(g, e, "connect");
          self->on_tcp(g);
        });
  }

  void on_tcp(std::uint64_t g) {
    beast::get_lowest_layer(*ws).socket().set_option(tcp::no_delay(true));
    ws->next_layer().async_handshake(net::ssl::stream_base::client,
                                     [self = shared_from_this(), g, keep = ws](error_code e) {
                                       if (g != self->gen || self->stopped) return;
                                       if (e) return self->fail_connect(g, e, "tls handshake");
                                       self->on_tls(g);
                                     });
  }

  void on_tls(std::uint64_t g) {
    // Beast's own websocket timeouts take over from the TCP stream's.
    beast::get_lowest_layer(*ws).expires_never();
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::milliseconds(opt.handshake_timeout_ms);
    t.idle_timeout = websocket::stream_base::none();  // the policy's watchdog decides
    t.keep_alive_pings = false;
    ws->set_option(t);
    ws->read_message_max(1U << 20);
    ws->control_callback([this](websocket::frame_type, beast::string_view) {
      // A ping (Beast answers it with a pong of the same payload), a pong or
      // a close: the peer is alive, though it sent no data.
      policy.on_control(steady_ns());
    });
    upgrade_response = {};
    ws->async_handshake(upgrade_response, url_.host + ":" + url_.port, target,
                        [self = shared_from_this(), g, keep = ws](error_code e) {
                          if (g != self->gen || self->stopped) return;
                          self->on_upgrade(g, e);
                        });
  }

  void on_upgrade(std::uint64_t g, error_code ec) {
    if (ec) {
      if (ec == websocket::error::upgrade_declined) {
        const int status = static_cast<int>(upgrade_response.result_int());
        close_now();
        const std::string detail = status == 414 ? "the " + std::to_string(target.size()) +
                                                       "-byte subscription target (our check: " +
                                                       std::to_string(kMaxTargetBytes) + " bytes)"
                                                 : upgrade_response.body().substr(0, 200);
        return act(policy.on_connect_failed(steady_ns(), connect_failure::upgrade_declined, status,
                                            detail));
      }
      return fail_connect(g, ec, "websocket handshake");
    }
    rotate_requested = false;
    policy.on_open(steady_ns());
    handler.on_open(index);
    if (g != gen || stopped) return;  // the handler stopped us
    arm_watchdog();
    do_read(g);
  }

  void fail_connect(std::uint64_t g, error_code ec, const std::string& stage) {
    if (g != gen) return;
    close_now();
    if (is_verify_failure(ec)) {
      return act(policy.on_connect_failed(
          steady_ns(), connect_failure::tls_verify, 0,
          stage + " (trust anchors: " + tls_.trust_description() + "): " + ec.message()));
    }
    act(policy.on_connect_failed(steady_ns(), connect_failure::transport, 0, stage));
  }

  void do_read(std::uint64_t g) {
    // `keep`: the stream outlives its pending operation (see close_now).
    ws->async_read(buffer, [self = shared_from_this(), g, keep = ws](error_code e, std::size_t) {
      self->on_read(g, e);
    });
  }

  void on_read(std::uint64_t g, error_code ec) {
    if (g != gen || stopped) return;
    if (ec) return act(policy.on_read_error(steady_ns()));
    const std::int64_t recv = (opt.clock != nullptr ? *opt.clock : bot_clock::process()).now_ns();
    policy.on_data(steady_ns());
    const std::size_t n = buffer.size();
    frame.clear();
    std::span<char> room = frame.prepare(n);
    std::memcpy(room.data(), buffer.data().data(), n);
    frame.commit(n);
    buffer.consume(n);
    handler.on_frame(index, frame.data(), frame.size(), recv);
    if (g != gen || stopped) return;  // the handler stopped us
    if (rotate_requested) return act(policy.on_server_shutdown(steady_ns()));
    do_read(g);
  }

  void arm_watchdog() {
    watchdog.expires_after(std::chrono::milliseconds(policy.tick_period_ms()));
    watchdog.async_wait([self = shared_from_this(), g = gen](error_code ec) {
      if (ec || g != self->gen || self->stopped || !self->policy.open()) return;
      self->act(self->policy.on_tick(steady_ns()));
      if (g != self->gen || self->stopped || !self->policy.open()) return;  // lost or stopped
      self->arm_watchdog();
    });
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    policy.stop();
    ++gen;
    resolver.cancel();
    retry_timer.cancel();
    watchdog.cancel();
    close_now();  // a read may be pending: see close_cleanly
  }
};

std::shared_ptr<ws_connection> ws_connection::make(net::io_context& ioc, tls_context& tls,
                                                   const endpoint_url& url,
                                                   const std::vector<std::string>& names,
                                                   std::size_t index, const ws_options& o,
                                                   connect_budget& budget, conn_counters& counters,
                                                   ws_handler& handler) {
  if (names.empty()) throw ws_config_error("connection " + std::to_string(index) + ": no symbols");
  std::string target = build_stream_target(url.path, names);
  if (target.size() > kMaxTargetBytes) {
    throw ws_config_error("connection " + std::to_string(index) + ": subscription URL of " +
                          std::to_string(names.size()) + " streams is " +
                          std::to_string(target.size()) + " bytes, over the gateway limit of " +
                          std::to_string(kMaxTargetBytes) +
                          " bytes (HTTP 414); lower symbols_per_connection");
  }
  auto p =
      std::make_shared<impl>(ioc, tls, url, std::move(target), index, o, budget, counters, handler);
  return std::shared_ptr<ws_connection>(new ws_connection(std::move(p)));
}

ws_connection::~ws_connection() = default;

void ws_connection::start() {
  net::post(impl_->strand, [p = impl_] {
    if (!p->stopped) p->act(p->policy.on_timer(steady_ns()));
  });
}
void ws_connection::stop() {
  net::post(impl_->strand, [p = impl_] { p->stop(); });
}
void ws_connection::request_rotation() { impl_->rotate_requested = true; }
bool ws_connection::is_open() const noexcept { return impl_->policy.open(); }
bool ws_connection::failed() const noexcept {
  return impl_->policy.current() == conn_policy::state::failed;
}
const std::string& ws_connection::target() const noexcept { return impl_->target; }

}  // namespace triarb
