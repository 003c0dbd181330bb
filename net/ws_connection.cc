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
#include <random>

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

std::string_view to_string(conn_counter c) noexcept {
  switch (c) {
    case conn_counter::connect_attempts:
      return "connect_attempts";
    case conn_counter::connects_opened:
      return "connects_opened";
    case conn_counter::connect_failures:
      return "connect_failures";
    case conn_counter::tls_verify_failures:
      return "tls_verify_failures";
    case conn_counter::http_414:
      return "http_414";
    case conn_counter::http_400:
      return "http_400";
    case conn_counter::http_429:
      return "http_429";
    case conn_counter::http_other:
      return "http_other";
    case conn_counter::drops:
      return "drops";
    case conn_counter::stalls:
      return "stalls";
    case conn_counter::quiet:
      return "quiet";
    case conn_counter::rotations:
      return "rotations";
    case conn_counter::server_shutdowns:
      return "server_shutdowns";
    case conn_counter::budget_waits:
      return "budget_waits";
    case conn_counter::fatal_stops:
      return "fatal_stops";
    case conn_counter::frames:
      return "frames";
    case conn_counter::kCount:
      break;
  }
  return "?";
}

std::string_view to_string(drop_reason r) noexcept {
  switch (r) {
    case drop_reason::error:
      return "error";
    case drop_reason::stalled:
      return "stalled";
    case drop_reason::rotated:
      return "rotated";
    case drop_reason::server_shutdown:
      return "server_shutdown";
  }
  return "?";
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
        budget(b),
        counters(c),
        handler(h),
        rng(o.jitter_seed + idx),
        backoff_ms(o.backoff_initial_ms) {}

  net::strand<net::io_context::executor_type> strand;
  tcp::resolver resolver;
  net::steady_timer retry_timer;
  net::steady_timer watchdog;
  tls_context& tls_;
  endpoint_url url_;
  std::string target;
  std::size_t index;
  ws_options opt;
  connect_budget& budget;
  conn_counters& counters;
  ws_handler& handler;
  std::mt19937_64 rng;
  std::int64_t backoff_ms;
  std::int64_t min_next_wait_ms = 0;  // set by a 429

  std::shared_ptr<ws_stream> ws;
  beast::flat_buffer buffer;
  frame_buffer frame;
  http::response<http::string_body> upgrade_response;
  std::uint64_t gen = 0;
  bool open = false;
  bool stopped = false;
  bool failed = false;
  bool rotate_requested = false;
  std::int64_t opened_at_ns = 0;
  std::int64_t last_activity_ns = 0;
  std::int64_t last_frame_ns = 0;  // data frames only (quiet_ms)
  bool quiet_reported = false;

  void fatal(const std::string& what) {
    failed = true;
    stopped = true;
    ++gen;
    counters.add(conn_counter::fatal_stops);
    close_now();
    handler.on_fatal(index, "connection " + std::to_string(index) + ": " + what);
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

  std::int64_t next_backoff_ms() {
    const std::int64_t cap = backoff_ms;
    backoff_ms = std::min(backoff_ms * 2, opt.backoff_max_ms);
    std::uniform_int_distribution<std::int64_t> d(cap / 2, cap);  // jitter in [cap/2, cap]
    return std::max(d(rng), min_next_wait_ms);
  }

  void schedule_connect(std::int64_t delay_ms) {
    min_next_wait_ms = 0;
    retry_timer.expires_after(std::chrono::milliseconds(delay_ms));
    retry_timer.async_wait([self = shared_from_this(), g = gen](error_code ec) {
      if (ec || self->stopped || g != self->gen) return;
      self->do_connect();
    });
  }

  void do_connect() {
    if (stopped) return;
    const std::int64_t now = steady_ns();
    if (!budget.try_take(now)) {
      counters.add(conn_counter::budget_waits);
      const std::int64_t wait_ms = (budget.next_free_ns(now) - now) / 1'000'000 + 1;
      schedule_connect(wait_ms);
      return;
    }
    counters.add(conn_counter::connect_attempts);
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
    t.idle_timeout = websocket::stream_base::none();  // our own watchdog decides
    t.keep_alive_pings = false;
    ws->set_option(t);
    ws->read_message_max(1U << 20);
    ws->control_callback([this](websocket::frame_type, beast::string_view) {
      // A ping (Beast answers it with a pong of the same payload), a pong or
      // a close: the peer is alive.
      last_activity_ns = steady_ns();
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
        const std::string body = upgrade_response.body().substr(0, 200);
        if (status == 414) {
          counters.add(conn_counter::http_414);
          return fatal("HTTP 414 URI Too Long on upgrade: the gateway refused the " +
                       std::to_string(target.size()) +
                       "-byte subscription target (our check: " + std::to_string(kMaxTargetBytes) +
                       " bytes); lower symbols_per_connection. Not retried.");
        }
        if (status == 400) {
          counters.add(conn_counter::http_400);
          return fatal("HTTP 400 on upgrade (" + body +
                       "): too many or unknown streams; a configuration error. Not retried.");
        }
        if (status == 429) {
          counters.add(conn_counter::http_429);
          min_next_wait_ms = opt.backoff_429_ms;
          return fail_connect(g, ec, "upgrade (HTTP 429: too many connection attempts)");
        }
        counters.add(conn_counter::http_other);
        return fail_connect(g, ec, "upgrade (HTTP " + std::to_string(status) + ")");
      }
      return fail_connect(g, ec, "websocket handshake");
    }
    counters.add(conn_counter::connects_opened);
    open = true;
    rotate_requested = false;
    backoff_ms = opt.backoff_initial_ms;
    opened_at_ns = last_activity_ns = last_frame_ns = steady_ns();
    quiet_reported = false;
    handler.on_open(index);
    arm_watchdog();
    do_read(g);
  }

  void fail_connect(std::uint64_t g, error_code ec, const std::string& stage) {
    if (g != gen) return;
    counters.add(conn_counter::connect_failures);
    if (is_verify_failure(ec)) {
      counters.add(conn_counter::tls_verify_failures);
      return fatal(stage + ": the server certificate does not verify against the trust anchors (" +
                   tls_.trust_description() + "): " + ec.message() + ". Not retried.");
    }
    close_now();
    schedule_connect(next_backoff_ms());
  }

  void do_read(std::uint64_t g) {
    // `keep`: the stream outlives its pending operation (see close_now).
    ws->async_read(buffer, [self = shared_from_this(), g, keep = ws](error_code e, std::size_t) {
      self->on_read(g, e);
    });
  }

  void on_read(std::uint64_t g, error_code ec) {
    if (g != gen || stopped) return;
    if (ec) return drop(drop_reason::error);
    const std::int64_t recv = (opt.clock != nullptr ? *opt.clock : bot_clock::process()).now_ns();
    last_activity_ns = last_frame_ns = steady_ns();
    quiet_reported = false;
    counters.add(conn_counter::frames);
    const std::size_t n = buffer.size();
    frame.clear();
    std::span<char> room = frame.prepare(n);
    std::memcpy(room.data(), buffer.data().data(), n);
    frame.commit(n);
    buffer.consume(n);
    handler.on_frame(index, frame.data(), frame.size(), recv);
    if (g != gen || stopped) return;  // the handler stopped us
    if (rotate_requested) {
      counters.add(conn_counter::server_shutdowns);
      return drop(drop_reason::server_shutdown);
    }
    do_read(g);
  }

  void arm_watchdog() {
    std::int64_t period = opt.pong_deadline_ms / 4;
    if (opt.quiet_ms > 0) period = std::min(period, opt.quiet_ms / 4);
    period = std::clamp<std::int64_t>(period, 5, 1000);
    watchdog.expires_after(std::chrono::milliseconds(period));
    watchdog.async_wait([self = shared_from_this(), g = gen](error_code ec) {
      if (ec || g != self->gen || self->stopped || !self->open) return;
      const std::int64_t now = steady_ns();
      if (now - self->last_activity_ns > self->opt.pong_deadline_ms * 1'000'000) {
        self->counters.add(conn_counter::stalls);
        return self->drop(drop_reason::stalled);
      }
      if (self->opt.quiet_ms > 0 && !self->quiet_reported &&
          now - self->last_frame_ns > self->opt.quiet_ms * 1'000'000) {
        self->quiet_reported = true;
        self->counters.add(conn_counter::quiet);
        self->handler.on_quiet(self->index);
        if (g != self->gen || self->stopped) return;  // the handler stopped us
      }
      if (now - self->opened_at_ns >= self->opt.rotate_after_ms * 1'000'000) {
        self->counters.add(conn_counter::rotations);
        return self->drop(drop_reason::rotated);
      }
      self->arm_watchdog();
    });
  }

  void drop(drop_reason why) {
    open = false;
    ++gen;
    watchdog.cancel();
    const bool planned = why == drop_reason::rotated || why == drop_reason::server_shutdown;
    if (why == drop_reason::error) counters.add(conn_counter::drops);
    if (why == drop_reason::server_shutdown) {
      close_cleanly();  // from on_read: no read pending
    } else {
      close_now();
    }
    handler.on_lost(index, why);
    if (stopped) return;
    schedule_connect(planned ? 0 : next_backoff_ms());
  }

  void stop() {
    if (stopped) return;
    stopped = true;
    open = false;
    ++gen;
    error_code ignored;
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
  net::post(impl_->strand, [p = impl_] { p->do_connect(); });
}
void ws_connection::stop() {
  net::post(impl_->strand, [p = impl_] { p->stop(); });
}
void ws_connection::request_rotation() { impl_->rotate_requested = true; }
bool ws_connection::is_open() const noexcept { return impl_->open; }
bool ws_connection::failed() const noexcept { return impl_->failed; }
const std::string& ws_connection::target() const noexcept { return impl_->target; }

}  // namespace triarb
