// ws_session: the WebSocket connection's member functions (ws_session.h),
// the http_session in front of it (TLS handshake, then HTTP/1.1 requests:
// REST answers via impl::rest, the signed order API via impl::signed_route
// (order_routes.h), or the WebSocket upgrade with its 414 /
// too-many-streams / 429 / 400 checks) and the accept loop. Runs on the
// single I/O thread: sessions need no strand and no lock.
#include "sim/exchange/ws_session.h"

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/universe.h"
#include "sim/exchange/http_routes.h"
#include "sim/exchange/internal/impl.h"
#include "sim/exchange/limits.h"
#include "sim/exchange/order_routes.h"

namespace triarb {
namespace sim_exchange_internal {
namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<ms>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// ---------------------------------------------------------------------------
// ws_session (ws_session.h). I/O thread only.
void ws_session::accept(http::request<http::string_body> req) {
  beast::get_lowest_layer(ws_).expires_never();  // the websocket stream has its own timeouts
  websocket::stream_base::timeout t{};
  t.handshake_timeout = ms(ex_.opt.handshake_timeout_ms);
  t.idle_timeout = websocket::stream_base::none();
  t.keep_alive_pings = false;  // pings are ours (housekeeping), with a payload
  ws_.set_option(t);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "triarb-sim-exchange"); }));
  ws_.read_message_max(kMaxIncomingMessage);
  ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
    // Runs inside our own read operation, which holds a shared_ptr to us.
    if (kind == websocket::frame_type::pong) {
      sim_exchange::impl::bump(ex_.c.pongs_received);
      unanswered_ping_since_.reset();
    }
  });
  ws_.async_accept(req, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void ws_session::enqueue(out_msg m) {
  if (!open() || close_requested_) return;
  if (queue_.size() >= ex_.opt.max_queued_frames) {
    sim_exchange::impl::bump(ex_.c.disconnected_slow_consumer);
    abort();
    return;
  }
  queue_.push_back(std::move(m));
  if (!writing_) do_write();
}

void ws_session::abort() {
  if (closed_) return;
  mark_closed();
  beast::error_code ec;
  tcp::socket& sock = beast::get_lowest_layer(ws_).socket();
  sock.set_option(net::socket_base::linger(true, 0), ec);
  sock.close(ec);
  queue_.clear();
}

void ws_session::request_close(websocket::close_code code) {
  if (!open() || close_requested_) return;
  close_requested_ = true;
  close_code_ = code;
  queue_.clear();
  if (!writing_) start_close();
}

void ws_session::server_shutdown(steady::time_point close_at) {
  if (!open() || shutdown_sent_) return;
  shutdown_sent_ = true;
  close_at_ = std::min(close_at_, close_at);
  enqueue({std::make_shared<const std::string>(
               "{\"e\":\"serverShutdown\",\"E\":" + std::to_string(unix_ms()) + "}"),
           false});
}

void ws_session::tick(steady::time_point now) {
  if (!open()) return;
  if (close_started_ && now >= close_deadline_) {
    abort();  // the peer never completed the close handshake: bound our resources
    return;
  }
  if (!shutdown_sent_ && now >= shutdown_at_) server_shutdown(close_at_);
  if (now >= close_at_) {
    request_close(websocket::close_code::going_away);
    return;
  }
  if (close_requested_) return;
  if (ex_.stalled.load(std::memory_order_relaxed)) {  // see impl::stalled
    unanswered_ping_since_.reset();                   // deadlines suspended while stalled
    next_ping_ = now + ms(ex_.opt.ping_interval_ms);
    return;
  }
  if (unanswered_ping_since_ && now - *unanswered_ping_since_ > ms(ex_.opt.pong_deadline_ms)) {
    sim_exchange::impl::bump(ex_.c.disconnected_no_pong);
    abort();
    return;
  }
  if (now >= next_ping_ && !pinging_) {
    pinging_ = true;
    next_ping_ = now + ms(ex_.opt.ping_interval_ms);
    if (!unanswered_ping_since_) unanswered_ping_since_ = now;
    const std::string payload = std::to_string(++ping_seq_);
    ws_.async_ping(websocket::ping_data(payload.c_str()),
                   [self = shared_from_this()](beast::error_code ec) {
                     self->pinging_ = false;
                     if (!ec) sim_exchange::impl::bump(self->ex_.c.pings_sent);
                   });
  }
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) {
    closed_ = true;
    return;
  }
  open_ = true;
  sim_exchange::impl::bump(ex_.c.connections_accepted);
  ex_.c.connections_open.fetch_add(1, std::memory_order_relaxed);  // counter only
  const steady::time_point now = steady::now();
  next_ping_ = now + ms(ex_.opt.ping_interval_ms);
  close_at_ = now + ms(ex_.opt.lifetime_ms);
  shutdown_at_ = close_at_ - ms(std::min(ex_.opt.shutdown_notice_ms, ex_.opt.lifetime_ms));
  rate_window_ = now;
  ex_.sessions.push_back(weak_from_this());
  do_read();
}

void ws_session::do_read() {
  ws_.async_read(
      rbuf_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void ws_session::on_read(beast::error_code ec) {
  if (ec) {
    mark_closed();
    return;
  }
  rbuf_.consume(rbuf_.size());
  const steady::time_point now = steady::now();
  if (now - rate_window_ >= std::chrono::seconds(1)) {
    rate_window_ = now;
    rate_count_ = 0;
  }
  if (++rate_count_ > ex_.opt.max_incoming_per_s && !close_requested_) {
    sim_exchange::impl::bump(ex_.c.disconnected_rate_limit);
    request_close(websocket::close_code::policy_error);
  }
  do_read();  // keep reading: pongs, and the peer's close frame
}

void ws_session::do_write() {
  writing_ = true;
  in_flight_ = std::move(queue_.front());  // the buffer lives until on_write, whatever
  queue_.pop_front();                      // happens to the queue meanwhile
  ws_.text(true);
  ws_.async_write(
      net::buffer(*in_flight_.text),
      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
}

void ws_session::on_write(beast::error_code ec) {
  writing_ = false;
  const bool was_data = in_flight_.data;
  const steady::time_point made = in_flight_.made;
  in_flight_ = {};
  if (ec) {
    queue_.clear();
    return;  // the read loop sees the failure too and ends the session
  }
  if (was_data) {
    sim_exchange::impl::bump(ex_.c.frames_sent);
    if (made != steady::time_point{}) ex_.note_send_lag(steady::now() - made);
  }
  if (close_requested_) {
    start_close();
  } else if (!queue_.empty() && !closed_) {
    do_write();
  }
}

void ws_session::start_close() {
  if (close_started_ || closed_) return;
  close_started_ = true;
  close_deadline_ = steady::now() + ms(ex_.opt.handshake_timeout_ms) + std::chrono::seconds(1);
  ws_.async_close(close_code_, [self = shared_from_this()](beast::error_code) {
    // The read loop ends when the peer's close frame (or an error) arrives.
  });
}

void ws_session::mark_closed() {
  if (open_ && !closed_) {
    ex_.c.connections_open.fetch_sub(1, std::memory_order_relaxed);  // counter only
  }
  closed_ = true;
}

namespace {

// ---------------------------------------------------------------------------
// TLS handshake, then HTTP requests until an upgrade or the end. I/O thread only.
class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket&& socket, sim_exchange::impl& ex)
      : stream_(std::move(socket), ex.ssl_ctx), ex_(ex) {
    beast::error_code ec;
    const tcp::endpoint peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    peer_ip_ = ec ? std::string("?") : peer.address().to_string();
  }

  void run() {
    beast::get_lowest_layer(stream_).expires_after(ms(ex_.opt.handshake_timeout_ms));
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (ec) {
                                sim_exchange::impl::bump(self->ex_.c.tls_handshake_failures);
                                return;  // the socket closes with us
                              }
                              self->do_read();
                            });
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(ex_.opt.max_target_bytes + 16 * 1024, 1u << 24)));
    parser_->body_limit(kMaxRestBody);
    beast::get_lowest_layer(stream_).expires_after(
        ms(first_request_ ? ex_.opt.handshake_timeout_ms : kRestIdleTimeoutMs));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    first_request_ = false;
    if (ec == http::error::end_of_stream) {
      shutdown();
      return;
    }
    if (ec == http::error::header_limit) {
      // Only the request line can be this long in practice: the gateway's 414.
      sim_exchange::impl::bump(ex_.c.rejected_414);
      respond(http::status::uri_too_long, "text/plain", "URI Too Long\n", false, 11);
      return;
    }
    if (ec) {
      if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
        // Malformed HTTP: answer 400 and close (a client that hung up mid-request
        // lands here too; the write then fails quietly).
        sim_exchange::impl::bump(ex_.c.rejected_bad_request);
        respond(http::status::bad_request, "text/plain", "Bad Request\n", false, 11);
      }
      return;  // transport error or timeout: drop
    }
    http::request<http::string_body> req = parser_->release();
    const unsigned version = req.version();
    const bool keep_alive = req.keep_alive();
    const std::string_view target(req.target().data(), req.target().size());

    if (target.size() > ex_.opt.max_target_bytes) {
      sim_exchange::impl::bump(ex_.c.rejected_414);
      respond(http::status::uri_too_long, "text/plain", "URI Too Long\n", false, version);
      return;
    }
    if (websocket::is_upgrade(req)) {
      upgrade(std::move(req), target);
      return;
    }
    if (is_signed_path(target.substr(0, target.find('?')))) {  // order_routes.h
      sim_exchange::impl::bump(ex_.c.rest_requests);
      signed_call call;
      call.method = req.method();
      call.target = std::string(target);
      call.body = std::move(req.body());
      if (const auto key = req.find("X-MBX-APIKEY"); key != req.end()) {
        call.api_key = std::string(key->value());
      }
      call.peer_ip = peer_ip_;
      call.received = steady::now();
      ex_.signed_route(std::move(call),
                       [self = shared_from_this(), keep_alive, version](signed_reply r) {
                         self->deliver(std::move(r), keep_alive, version);
                       });
      return;
    }
    if (req.method() != http::verb::get) {
      sim_exchange::impl::bump(ex_.c.rejected_bad_request);
      respond(http::status::method_not_allowed, "application/json",
              json_error(-1000, "Only GET is supported."), keep_alive, version);
      return;
    }
    sim_exchange::impl::bump(ex_.c.rest_requests);
    auto [status, body] = ex_.rest(target);  // the snapshot, taken now
    const std::int64_t delay = target == "/api/v3/ticker/bookTicker" ? ex_.rest_delay_ms() : 0;
    if (delay <= 0) {
      respond(status, "application/json", std::move(body), keep_alive, version);
      return;
    }
    // set_rest_race: answered later; frames meanwhile may be cut short.
    ex_.rest_in_flight.fetch_add(1, std::memory_order_relaxed);
    auto timer = std::make_shared<net::steady_timer>(stream_.get_executor(), ms(delay));
    timer->async_wait([self = shared_from_this(), timer, status, body = std::move(body), keep_alive,
                       version](beast::error_code) mutable {
      self->ex_.rest_in_flight.fetch_sub(1, std::memory_order_relaxed);
      self->respond(status, "application/json", std::move(body), keep_alive, version);
    });
  }

  void upgrade(http::request<http::string_body> req, std::string_view target) {
    const unsigned version = req.version();
    // Connection-attempt budget per IP (sliding 5-minute window).
    const steady::time_point now = steady::now();
    std::deque<steady::time_point>& attempts = ex_.connects_by_ip[peer_ip_];
    while (!attempts.empty() && now - attempts.front() >= kConnectWindow) attempts.pop_front();
    if (attempts.size() >= static_cast<std::size_t>(ex_.opt.max_connects_per_5min)) {
      sim_exchange::impl::bump(ex_.c.rejected_429);
      respond(http::status::too_many_requests, "application/json",
              json_error(-1003, "Too many connection attempts; retry later."), false, version);
      return;
    }
    attempts.push_back(now);

    auto bad = [&](std::string msg) {
      sim_exchange::impl::bump(ex_.c.rejected_bad_request);
      respond(http::status::bad_request, "application/json", json_error(-1100, msg), false,
              version);
    };
    const auto q = target.find('?');
    const std::string_view path = target.substr(0, q);
    if (path != "/stream") {
      sim_exchange::impl::bump(ex_.c.rejected_bad_request);
      respond(http::status::not_found, "application/json", json_error(-1000, "Not found."), false,
              version);
      return;
    }
    bool malformed = false;
    const std::optional<std::string> streams =
        query_param(q == std::string_view::npos ? std::string_view{} : target.substr(q + 1),
                    "streams", malformed);
    if (!streams || malformed || streams->empty()) {
      bad("Missing or malformed parameter 'streams'.");
      return;
    }
    const std::size_t count =
        static_cast<std::size_t>(std::count(streams->begin(), streams->end(), '/')) + 1;
    if (count > static_cast<std::size_t>(ex_.opt.max_streams)) {
      sim_exchange::impl::bump(ex_.c.rejected_too_many_streams);
      respond(http::status::bad_request, "application/json",
              json_error(-1100, "Too many streams: " + std::to_string(count) + " > " +
                                    std::to_string(ex_.opt.max_streams) + "."),
              false, version);
      return;
    }
    std::vector<char> subscribed(ex_.u.symbols().size(), 0);
    std::string_view rest = *streams;
    while (true) {
      const auto slash = rest.find('/');
      const std::string_view name = rest.substr(0, slash);
      const auto at = name.find('@');
      if (at == std::string_view::npos || !iequals(name.substr(at + 1), "bookTicker")) {
        bad("Invalid stream name '" + std::string(name.substr(0, 64)) + "'.");
        return;
      }
      std::string sym(name.substr(0, at));
      for (char& ch : sym) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      const symbol_id s = ex_.u.find_symbol(sym);
      if (s == kNoSymbol) {
        bad("Invalid stream name '" + std::string(name.substr(0, 64)) + "'.");
        return;
      }
      subscribed[s] = 1;
      if (slash == std::string_view::npos) break;
      rest = rest.substr(slash + 1);
    }
    beast::get_lowest_layer(stream_).expires_never();
    std::make_shared<ws_session>(std::move(stream_), ex_, std::move(subscribed))
        ->accept(std::move(req));
  }

  // A signed endpoint's answer, as its delivery says: now, held (a timeout
  // fault: the client has given up by then), or never (a dropped response:
  // the connection is reset).
  void deliver(signed_reply r, bool keep_alive, unsigned version) {
    if (r.how == delivery::drop) {
      beast::error_code ec;
      tcp::socket& sock = beast::get_lowest_layer(stream_).socket();
      sock.set_option(net::socket_base::linger(true, 0), ec);
      sock.close(ec);
      return;
    }
    if (r.how == delivery::hold) {
      auto timer = std::make_shared<net::steady_timer>(stream_.get_executor(), ms(r.hold_ms));
      timer->async_wait([self = shared_from_this(), timer, r = std::move(r), keep_alive,
                         version](beast::error_code) mutable {
        self->respond(r.status, "application/json", std::move(r.body), keep_alive, version,
                      std::move(r.headers));
      });
      return;
    }
    respond(r.status, "application/json", std::move(r.body), keep_alive, version,
            std::move(r.headers));
  }

  void respond(http::status status, std::string_view content_type, std::string body,
               bool keep_alive, unsigned version,
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto res = std::make_shared<http::response<http::string_body>>(status, version);
    res->set(http::field::server, "triarb-sim-exchange");
    res->set(http::field::content_type, content_type);
    for (const auto& [name, value] : headers) res->set(name, value);
    res->keep_alive(keep_alive);
    res->body() = std::move(body);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(ms(ex_.opt.handshake_timeout_ms));
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (res->need_eof()) {
                          self->shutdown();
                        } else {
                          self->do_read();
                        }
                      });
  }

  void shutdown() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  sim_exchange::impl& ex_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string peer_ip_;
  bool first_request_ = true;
};

}  // namespace

}  // namespace sim_exchange_internal

void sim_exchange::impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket sock) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) std::make_shared<http_session>(std::move(sock), *this)->run();
    do_accept();  // transient accept errors (EMFILE...) do not stop the server
  });
}

}  // namespace triarb
