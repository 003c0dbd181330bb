// sim_exchange: the simulated exchange over TLS (Boost.Beast + Asio + OpenSSL).
//
// Structure: an accept loop hands each TCP connection to an http_session
// (TLS handshake, then HTTP/1.1 requests: REST answers, or a WebSocket
// upgrade that becomes a ws_session). ws_sessions are registered in
// impl::sessions_ (I/O thread only) for fan-out, housekeeping (pings, pong
// deadlines, lifetime) and the fault knobs. Everything network-side runs on
// the single I/O thread, so sessions need no strand and no lock.
#include "sim/exchange/sim_exchange.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <iostream>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/universe.h"
#include "sim/exchange/tls_cert.h"
#include "sim/frame_faults.h"
#include "sim/rng.h"
#include "sim/universe_gen.h"

namespace triarb {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

// An outgoing text message; `data` says whether it counts as a data frame.
struct out_msg {
  std::shared_ptr<const std::string> text;
  bool data = true;
  steady::time_point made{};  // data frames: when the market made the update
};

using frame_batch = std::vector<std::pair<symbol_id, std::shared_ptr<const std::string>>>;

constexpr std::size_t kMaxRestBody = 1024;
constexpr std::size_t kMaxIncomingMessage = 64 * 1024;
constexpr std::int64_t kRestIdleTimeoutMs = 30'000;
constexpr auto kConnectWindow = std::chrono::minutes(5);

std::int64_t unix_ms() {
  return std::chrono::duration_cast<ms>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes a query component ('+' is a space). nullopt if malformed.
std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The value of `key` in a query string "a=1&b=2", decoded. nullopt if absent.
std::optional<std::string> query_param(std::string_view query, std::string_view key,
                                       bool& malformed) {
  malformed = false;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = part.find('=');
    if (part.substr(0, eq) != key) continue;
    auto v = url_decode(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!v) malformed = true;
    return v;
  }
  return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string json_error(int code, std::string_view msg) {
  std::string out = "{\"code\":" + std::to_string(code) + ",\"msg\":\"";
  for (char c : msg) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(static_cast<unsigned char>(c) < 0x20 ? ' ' : c);
  }
  out += "\"}";
  return out;
}

class ws_session;

}  // namespace

// ---------------------------------------------------------------------------
struct sim_exchange::impl {
  explicit impl(sim_exchange_options o);

  // Fixed at construction.
  sim_exchange_options opt;
  sim::generated_universe gen;
  universe u;
  tls_identity identity;
  ssl::context ssl_ctx{ssl::context::tls_server};
  net::ip::address bind_address;

  // Market state, guarded by market_mu (the market thread steps it; REST,
  // truth_ratio and the knobs read or set it).
  mutable std::mutex market_mu;
  std::unique_ptr<sim::market> market;
  std::string exchange_info_doc;
  std::vector<char> halted;
  sim::frame_fault_rates fault_rates;  // sim/frame_faults.h
  sim::sim_rng fault_rng{1};
  std::vector<std::shared_ptr<const std::string>> last_frame;

  // Stall flag: stored by stall_connections, loaded by the market thread and
  // the I/O thread. Relaxed suffices: it guards no other data, and a stale
  // read only delays the stall by one batch or tick.
  std::atomic<bool> stalled{false};

  // Counters: relaxed increments, read by get_stats with relaxed loads; they
  // publish no other data, so no ordering is needed.
  struct counters {
    std::atomic<std::uint64_t> connections_accepted{0}, connections_open{0}, frames_sent{0},
        rejected_414{0}, rejected_too_many_streams{0}, rejected_429{0}, pings_sent{0},
        pongs_received{0}, disconnected_no_pong{0}, disconnected_rate_limit{0},
        disconnected_slow_consumer{0}, rejected_bad_request{0}, tls_handshake_failures{0},
        rest_requests{0}, faults_injected{0}, market_updates{0}, faults_garbage{0},
        faults_truncated{0}, faults_oversized_qty{0}, faults_duplicate{0}, faults_reorder{0},
        faults_bad_price{0};
  } c;
  // Market update -> its frame written to a client, the worst so far (I/O
  // thread writes; relaxed: a statistic, read by get_stats).
  std::atomic<std::int64_t> max_send_lag_ns{0};
  void note_send_lag(steady::duration d) {
    const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    std::int64_t cur = max_send_lag_ns.load(std::memory_order_relaxed);
    while (ns > cur && !max_send_lag_ns.compare_exchange_weak(cur, ns, std::memory_order_relaxed)) {
    }
  }
  static void bump(std::atomic<std::uint64_t>& a) {
    a.fetch_add(1, std::memory_order_relaxed);  // counter only; see `counters`
  }
  void fault(std::atomic<std::uint64_t>& kind) {
    bump(kind);
    bump(c.faults_injected);
  }

  // Market clock thread.
  std::thread market_thread;
  std::mutex clock_mu;
  std::condition_variable clock_cv;
  bool clock_stopping = false;  // guarded by clock_mu

  // I/O. Declared after everything sessions touch, so the io_context (and the
  // handlers it still owns) is destroyed first.
  net::io_context ioc{1};
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  tcp::acceptor acceptor{ioc};
  net::steady_timer housekeeping{ioc};
  std::thread io_thread;
  std::vector<std::weak_ptr<ws_session>> sessions;  // I/O thread only, acceptance order
  std::unordered_map<std::string, std::deque<steady::time_point>> connects_by_ip;  // I/O only
  std::uint16_t bound_port = 0;
  bool started = false;
  bool stopped = false;

  // Runs fn on the I/O thread and waits for it. No-op unless running.
  void run_on_io(std::function<void()> fn);

  void do_accept();
  void market_loop();
  void fan_out(const frame_batch& batch, steady::time_point made);
  void schedule_housekeeping();
  [[nodiscard]] ms housekeeping_period() const;
  // Live sessions in acceptance order (prunes dead ones). I/O thread only.
  std::vector<std::shared_ptr<ws_session>> live_sessions();

  std::string book_ticker_json(symbol_id s) const;  // REQUIRES: market_mu held
  // REST: status + body for a GET target.
  std::pair<http::status, std::string> rest(std::string_view target);
};

namespace {

// ---------------------------------------------------------------------------
// One upgraded WebSocket connection. I/O thread only.
class ws_session : public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(beast::ssl_stream<beast::tcp_stream>&& stream, sim_exchange::impl& ex,
             std::vector<char> subscribed)
      : ws_(std::move(stream)), ex_(ex), subscribed_(std::move(subscribed)) {}

  ~ws_session() { mark_closed(); }

  void accept(http::request<http::string_body> req) {
    beast::get_lowest_layer(ws_).expires_never();  // the websocket stream has its own timeouts
    websocket::stream_base::timeout t{};
    t.handshake_timeout = ms(ex_.opt.handshake_timeout_ms);
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;  // pings are ours (housekeeping), with a payload
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
      res.set(http::field::server, "triarb-sim-exchange");
    }));
    ws_.read_message_max(kMaxIncomingMessage);
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      // Runs inside our own read operation, which holds a shared_ptr to us.
      if (kind == websocket::frame_type::pong) {
        sim_exchange::impl::bump(ex_.c.pongs_received);
        unanswered_ping_since_.reset();
      }
    });
    ws_.async_accept(req,
                     [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  [[nodiscard]] bool open() const noexcept { return open_ && !closed_; }
  [[nodiscard]] bool subscribed(symbol_id s) const noexcept {
    return s < subscribed_.size() && subscribed_[s] != 0;
  }

  void enqueue(out_msg m) {
    if (!open() || close_requested_) return;
    if (queue_.size() >= ex_.opt.max_queued_frames) {
      sim_exchange::impl::bump(ex_.c.disconnected_slow_consumer);
      abort();
      return;
    }
    queue_.push_back(std::move(m));
    if (!writing_) do_write();
  }

  // Abrupt close: TCP reset, no close frame.
  void abort() {
    if (closed_) return;
    mark_closed();
    beast::error_code ec;
    tcp::socket& sock = beast::get_lowest_layer(ws_).socket();
    sock.set_option(net::socket_base::linger(true, 0), ec);
    sock.close(ec);
    queue_.clear();
  }

  // Normal close (close frame) once the message being written is done.
  void request_close(websocket::close_code code) {
    if (!open() || close_requested_) return;
    close_requested_ = true;
    close_code_ = code;
    queue_.clear();
    if (!writing_) start_close();
  }

  void server_shutdown(steady::time_point close_at) {
    if (!open() || shutdown_sent_) return;
    shutdown_sent_ = true;
    close_at_ = std::min(close_at_, close_at);
    enqueue({std::make_shared<const std::string>(
                 "{\"e\":\"serverShutdown\",\"E\":" + std::to_string(unix_ms()) + "}"),
             false});
  }

  void tick(steady::time_point now) {
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

 private:
  void on_accept(beast::error_code ec) {
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

  void do_read() {
    ws_.async_read(rbuf_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(beast::error_code ec) {
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

  void do_write() {
    writing_ = true;
    in_flight_ = std::move(queue_.front());  // the buffer lives until on_write, whatever
    queue_.pop_front();                      // happens to the queue meanwhile
    ws_.text(true);
    ws_.async_write(
        net::buffer(*in_flight_.text),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(beast::error_code ec) {
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

  void start_close() {
    if (close_started_ || closed_) return;
    close_started_ = true;
    close_deadline_ = steady::now() + ms(ex_.opt.handshake_timeout_ms) + std::chrono::seconds(1);
    ws_.async_close(close_code_, [self = shared_from_this()](beast::error_code) {
      // The read loop ends when the peer's close frame (or an error) arrives.
    });
  }

  void mark_closed() {
    if (open_ && !closed_) {
      ex_.c.connections_open.fetch_sub(1, std::memory_order_relaxed);  // counter only
    }
    closed_ = true;
  }

  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
  sim_exchange::impl& ex_;
  std::vector<char> subscribed_;  // per symbol id
  beast::flat_buffer rbuf_;
  std::deque<out_msg> queue_;  // waiting; bounded by max_queued_frames
  out_msg in_flight_;          // being written (Beast holds a view of its bytes)
  bool open_ = false;          // accepted
  bool closed_ = false;        // failed, aborted or ended
  bool writing_ = false;
  bool pinging_ = false;
  bool close_requested_ = false;
  bool close_started_ = false;
  bool shutdown_sent_ = false;
  websocket::close_code close_code_ = websocket::close_code::normal;
  steady::time_point next_ping_{}, close_at_{}, shutdown_at_{}, rate_window_{}, close_deadline_{};
  std::optional<steady::time_point> unanswered_ping_since_;
  std::uint64_t ping_seq_ = 0;
  int rate_count_ = 0;
};

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
    if (req.method() != http::verb::get) {
      sim_exchange::impl::bump(ex_.c.rejected_bad_request);
      respond(http::status::method_not_allowed, "application/json",
              json_error(-1000, "Only GET is supported."), keep_alive, version);
      return;
    }
    sim_exchange::impl::bump(ex_.c.rest_requests);
    auto [status, body] = ex_.rest(target);
    respond(status, "application/json", std::move(body), keep_alive, version);
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

  void respond(http::status status, std::string_view content_type, std::string body,
               bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(status, version);
    res->set(http::field::server, "triarb-sim-exchange");
    res->set(http::field::content_type, content_type);
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

// ---------------------------------------------------------------------------
sim_exchange::impl::impl(sim_exchange_options o) : opt(std::move(o)) {
  if (opt.ping_interval_ms <= 0 || opt.pong_deadline_ms <= 0 || opt.lifetime_ms <= 0 ||
      opt.shutdown_notice_ms < 0 || opt.max_streams <= 0 || opt.max_target_bytes == 0 ||
      opt.max_incoming_per_s <= 0 || opt.max_connects_per_5min <= 0 || opt.max_queued_frames == 0 ||
      opt.handshake_timeout_ms <= 0 || !(opt.updates_per_second >= 0)) {
    throw std::invalid_argument("sim_exchange: intervals, limits and rates must be positive");
  }
  const std::string host = opt.host == "localhost" ? "127.0.0.1" : opt.host;
  beast::error_code ec;
  bind_address = net::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("sim_exchange: host '" + opt.host + "' is not an address");
  if (!bind_address.is_loopback() && !opt.allow_non_loopback) {
    throw std::invalid_argument("sim_exchange: host '" + opt.host +
                                "' is not loopback (set allow_non_loopback to serve it)");
  }

  gen = sim::generate_universe({}, opt.seed);
  exchange_info_doc = gen.exchange_info_json;
  u = load_exchange_info(gen.exchange_info_json);
  halted.assign(u.symbols().size(), 0);
  last_frame.resize(u.symbols().size());
  sim::market_params mp;
  mp.seed = opt.seed * 0x9e3779b97f4a7c15ULL + 1;  // as sim_driver
  market = std::make_unique<sim::market>(u, sim::reference_prices(gen), mp);
  market->seed_all();
  fault_rng = sim::sim_rng(opt.seed ^ 0xfa017ULL);

  identity = make_loopback_identity();
  ssl_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  const std::string chain = identity.leaf_pem + identity.ca_pem;
  ssl_ctx.use_certificate_chain(net::buffer(chain));
  ssl_ctx.use_private_key(net::buffer(identity.leaf_key_pem), ssl::context::pem);
}

void sim_exchange::impl::run_on_io(std::function<void()> fn) {
  if (!started || stopped) return;
  if (ioc.get_executor().running_in_this_thread()) {
    fn();
    return;
  }
  std::promise<void> done;
  std::future<void> f = done.get_future();
  net::post(ioc, [&] {
    fn();
    done.set_value();
  });
  f.wait();
}

std::vector<std::shared_ptr<ws_session>> sim_exchange::impl::live_sessions() {
  std::vector<std::shared_ptr<ws_session>> out;
  out.reserve(sessions.size());
  std::erase_if(sessions, [&](const std::weak_ptr<ws_session>& w) {
    std::shared_ptr<ws_session> s = w.lock();
    if (!s || !s->open()) return true;
    out.push_back(std::move(s));
    return false;
  });
  return out;
}

void sim_exchange::impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket sock) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (!ec) std::make_shared<http_session>(std::move(sock), *this)->run();
    do_accept();  // transient accept errors (EMFILE...) do not stop the server
  });
}

ms sim_exchange::impl::housekeeping_period() const {
  std::int64_t p = std::min({opt.ping_interval_ms, opt.pong_deadline_ms, opt.lifetime_ms,
                             std::max<std::int64_t>(opt.shutdown_notice_ms, 1)}) /
                   4;
  return ms(std::clamp<std::int64_t>(p, 5, 250));
}

void sim_exchange::impl::schedule_housekeeping() {
  housekeeping.expires_after(housekeeping_period());
  housekeeping.async_wait([this](beast::error_code ec) {
    if (ec) return;
    const steady::time_point now = steady::now();
    for (const auto& s : live_sessions()) s->tick(now);
    schedule_housekeeping();
  });
}

void sim_exchange::impl::fan_out(const frame_batch& batch, steady::time_point made) {
  if (stalled.load(std::memory_order_relaxed)) return;  // see `stalled`
  const auto live = live_sessions();
  if (live.empty()) return;
  for (const auto& [s, frame] : batch) {
    for (const auto& session : live) {
      if (session->subscribed(s)) session->enqueue({frame, true, made});
    }
  }
}

void sim_exchange::impl::market_loop() {
  const steady::time_point t0 = steady::now();
  double done = 0;
  const double max_backlog = std::max(1.0, opt.updates_per_second * 0.05);
  std::unique_lock lock(clock_mu);
  while (!clock_cv.wait_for(lock, ms(1), [&] { return clock_stopping; })) {
    const double elapsed = std::chrono::duration<double>(steady::now() - t0).count();
    const double target = opt.updates_per_second * elapsed;
    if (target - done > max_backlog) done = target - max_backlog;  // never burst after a hiccup
    const auto n = static_cast<std::int64_t>(target - done);
    if (n <= 0) continue;
    done += static_cast<double>(n);
    frame_batch batch;
    batch.reserve(static_cast<std::size_t>(n) + 8);
    {
      std::lock_guard mlock(market_mu);
      for (std::int64_t i = 0; i < n; ++i) {
        const sim::market_update up = market->step();
        bump(c.market_updates);
        const symbol_id s = up.symbol;
        if (halted[s]) continue;
        auto clean = std::make_shared<const std::string>(sim::encode_frame(*market, s, true));
        std::shared_ptr<const std::string> sent = clean;
        std::string f = *clean;
        switch (sim::corrupt_frame(f, fault_rates, fault_rng)) {
          case sim::frame_fault::none:
            break;
          case sim::frame_fault::garbage:
            fault(c.faults_garbage);
            break;
          case sim::frame_fault::truncated:
            fault(c.faults_truncated);
            break;
          case sim::frame_fault::oversized_qty:
            fault(c.faults_oversized_qty);
            break;
          case sim::frame_fault::bad_price:
            fault(c.faults_bad_price);
            break;
        }
        if (f != *clean) sent = std::make_shared<const std::string>(std::move(f));
        batch.emplace_back(s, sent);
        const sim::repeat_faults rep =
            sim::draw_repeats(fault_rates, last_frame[s] != nullptr, fault_rng);
        if (rep.duplicate) {
          batch.emplace_back(s, sent);
          fault(c.faults_duplicate);
        }
        if (rep.reorder) {
          batch.emplace_back(s, last_frame[s]);  // older update id after the newer one
          fault(c.faults_reorder);
        }
        last_frame[s] = std::move(clean);
      }
    }
    if (batch.empty() || stalled.load(std::memory_order_relaxed)) continue;  // see `stalled`
    net::post(ioc, [this, b = std::move(batch), made = steady::now()] { fan_out(b, made); });
  }
}

std::string sim_exchange::impl::book_ticker_json(symbol_id s) const {
  const sim::true_quote& q = market->quote_of(s);
  std::string out = "{\"symbol\":\"" + u.symbol(s).name + "\",\"bidPrice\":\"" +
                    sim::format_price8(q.bid) + "\",\"bidQty\":\"" +
                    sim::format_raw_qty(q.bid_qty_raw, 8) + "\",\"askPrice\":\"" +
                    sim::format_price8(q.ask) + "\",\"askQty\":\"" +
                    sim::format_raw_qty(q.ask_qty_raw, 8) + "\"}";
  return out;
}

std::pair<http::status, std::string> sim_exchange::impl::rest(std::string_view target) {
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query =
      q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  if (path == "/api/v3/exchangeInfo") {
    std::lock_guard lock(market_mu);
    return {http::status::ok, exchange_info_doc};
  }
  if (path == "/api/v3/ticker/bookTicker") {
    bool malformed = false;
    const std::optional<std::string> sym = query_param(query, "symbol", malformed);
    if (malformed) return {http::status::bad_request, json_error(-1100, "Illegal characters.")};
    std::lock_guard lock(market_mu);
    // A halted (BREAK) symbol has no book to show: it is left out, as the
    // in-process campaign's re-seed leaves it out.
    if (sym) {
      const symbol_id s = u.find_symbol(*sym);
      if (s == kNoSymbol || halted[s]) {
        return {http::status::bad_request, json_error(-1121, "Invalid symbol.")};
      }
      return {http::status::ok, book_ticker_json(s)};
    }
    std::string out = "[";
    for (symbol_id s = 0; s < u.symbols().size(); ++s) {
      if (halted[s]) continue;
      if (out.size() > 1) out.push_back(',');
      out += book_ticker_json(s);
    }
    out.push_back(']');
    return {http::status::ok, std::move(out)};
  }
  return {http::status::not_found, json_error(-1000, "Not found.")};
}

// ---------------------------------------------------------------------------
sim_exchange::sim_exchange(sim_exchange_options o) : impl_(std::make_unique<impl>(std::move(o))) {}

sim_exchange::~sim_exchange() { stop(); }

void sim_exchange::start() {
  impl& x = *impl_;
  if (x.started) throw std::logic_error("sim_exchange::start called twice");
  const tcp::endpoint ep(x.bind_address, x.opt.port);
  beast::error_code ec;
  x.acceptor.open(ep.protocol(), ec);
  if (!ec) x.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) x.acceptor.bind(ep, ec);
  if (!ec) x.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("sim_exchange: cannot listen on " + x.opt.host + ":" +
                             std::to_string(x.opt.port) + ": " + ec.message());
  }
  x.bound_port = x.acceptor.local_endpoint().port();
  x.started = true;
  x.work.emplace(x.ioc.get_executor());
  x.do_accept();
  x.schedule_housekeeping();
  x.io_thread = std::thread([&x] {
    for (;;) {
      try {
        x.ioc.run();
        return;
      } catch (const std::exception& e) {
        std::cerr << "sim_exchange: I/O handler threw: " << e.what() << "\n";
      }
    }
  });
  x.market_thread = std::thread([&x] { x.market_loop(); });
}

void sim_exchange::stop() {
  impl& x = *impl_;
  if (!x.started || x.stopped) {
    x.stopped = true;
    return;
  }
  {
    std::lock_guard lock(x.clock_mu);
    x.clock_stopping = true;
  }
  x.clock_cv.notify_all();
  x.market_thread.join();
  x.run_on_io([&x] {
    beast::error_code ec;
    x.acceptor.close(ec);
    x.housekeeping.cancel();
    for (const auto& s : x.live_sessions()) s->abort();
  });
  x.stopped = true;
  x.work.reset();
  x.ioc.stop();
  x.io_thread.join();
}

std::uint16_t sim_exchange::port() const { return impl_->bound_port; }
const std::string& sim_exchange::ca_pem() const { return impl_->identity.ca_pem; }

std::string sim_exchange::rest_url() const {
  const std::string h = impl_->bind_address.is_v6() ? "[" + impl_->bind_address.to_string() + "]"
                                                    : impl_->bind_address.to_string();
  return "https://" + h + ":" + std::to_string(port());
}

std::string sim_exchange::ws_url() const { return "wss" + rest_url().substr(5); }

std::string sim_exchange::exchange_info() const {
  std::lock_guard lock(impl_->market_mu);
  return impl_->exchange_info_doc;
}

sim::exact sim_exchange::truth_ratio(const triangle& t, fixed8 fee) const {
  std::lock_guard lock(impl_->market_mu);
  return impl_->market->truth_ratio(t, fee);
}

sim::market::verdict sim_exchange::judge(const std::array<sim::market::leg_claim, 3>& legs,
                                         fixed8 fee, const sim::exact& threshold,
                                         std::uint64_t in_flight_updates) const {
  std::lock_guard lock(impl_->market_mu);
  return impl_->market->judge(legs, fee, threshold, in_flight_updates);
}

void sim_exchange::kill_connections(std::function<bool(std::size_t)> which) {
  impl& x = *impl_;
  x.run_on_io([&] {
    const auto live = x.live_sessions();
    for (std::size_t i = 0; i < live.size(); ++i) {
      if (!which || which(i)) live[i]->abort();
    }
  });
}

void sim_exchange::stall_connections(bool stalled) {
  impl& x = *impl_;
  x.stalled.store(stalled, std::memory_order_relaxed);  // see impl::stalled
  x.run_on_io([] {});  // returns once every batch posted before the store has run
}

void sim_exchange::send_server_shutdown() {
  impl& x = *impl_;
  x.run_on_io([&x] {
    const steady::time_point now = steady::now();
    for (const auto& s : x.live_sessions()) {
      s->server_shutdown(now + ms(x.opt.shutdown_notice_ms));
    }
  });
}

void sim_exchange::set_fault_rates(double garbage, double truncated, double oversized_qty,
                                   double duplicate, double reorder) {
  set_fault_rates(fault_rates{.garbage = garbage,
                              .truncated = truncated,
                              .oversized_qty = oversized_qty,
                              .duplicate = duplicate,
                              .reorder = reorder});
}

void sim_exchange::set_fault_rates(const fault_rates& r) {
  std::lock_guard lock(impl_->market_mu);
  impl_->fault_rates = r;
}

std::mutex& sim_exchange::market_mutex() const { return impl_->market_mu; }
const sim::market& sim_exchange::market_ref() const { return *impl_->market; }

void sim_exchange::halt_symbol(const std::string& name) {
  impl& x = *impl_;
  const symbol_id s = x.u.find_symbol(name);
  if (s == kNoSymbol) throw std::invalid_argument("sim_exchange: unknown symbol " + name);
  std::lock_guard lock(x.market_mu);
  if (x.halted[s]) return;
  x.halted[s] = 1;
  const std::string key = "{\"symbol\":\"" + name + "\",\"status\":\"TRADING\"";
  const auto at = x.exchange_info_doc.find(key);
  if (at != std::string::npos) {
    x.exchange_info_doc.replace(at, key.size(),
                                "{\"symbol\":\"" + name + "\",\"status\":\"BREAK\"");
  }
}

sim_exchange::stats sim_exchange::get_stats() const {
  const impl::counters& c = impl_->c;
  auto r = [](const std::atomic<std::uint64_t>& a) {
    return a.load(std::memory_order_relaxed);  // counter only; see `counters`
  };
  stats s;
  s.connections_accepted = r(c.connections_accepted);
  s.connections_open = r(c.connections_open);
  s.frames_sent = r(c.frames_sent);
  s.rejected_414 = r(c.rejected_414);
  s.rejected_too_many_streams = r(c.rejected_too_many_streams);
  s.rejected_429 = r(c.rejected_429);
  s.pings_sent = r(c.pings_sent);
  s.pongs_received = r(c.pongs_received);
  s.disconnected_no_pong = r(c.disconnected_no_pong);
  s.disconnected_rate_limit = r(c.disconnected_rate_limit);
  s.disconnected_slow_consumer = r(c.disconnected_slow_consumer);
  s.rejected_bad_request = r(c.rejected_bad_request);
  s.tls_handshake_failures = r(c.tls_handshake_failures);
  s.rest_requests = r(c.rest_requests);
  s.faults_injected = r(c.faults_injected);
  s.market_updates = r(c.market_updates);
  s.faults_garbage = r(c.faults_garbage);
  s.faults_truncated = r(c.faults_truncated);
  s.faults_oversized_qty = r(c.faults_oversized_qty);
  s.faults_duplicate = r(c.faults_duplicate);
  s.faults_reorder = r(c.faults_reorder);
  s.faults_bad_price = r(c.faults_bad_price);
  s.max_send_lag_ns = impl_->max_send_lag_ns.load(std::memory_order_relaxed);  // a statistic
  return s;
}

}  // namespace triarb
