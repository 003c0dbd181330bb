// metrics_server: a minimal HTTP/1.1 server (Beast) answering GET and HEAD
// of /metrics with the Prometheus text format and refusing the rest with a
// status and a counted reason; asynchronous sessions with deadlines, on its
// own io_context and thread.
#include "runtime/metrics_server.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <optional>

#include "config/config.h"
#include "runtime/prometheus_text.h"

namespace triarb {
namespace {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// After an answer to a request not read whole: what the client still sends is read and dropped
// up to this much (or until the deadline), then the connection is closed.
constexpr std::size_t kMaxDrainBytes = 1024 * 1024;
// accept() failed (e.g. EMFILE): try again after this long.
constexpr auto kAcceptRetry = std::chrono::milliseconds(50);

bool is_http_error(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::end_of_stream).category();
}

// Constant time whatever the lengths: the SHA-256 digests are compared.
bool same_token(std::string_view given, std::string_view want) {
  unsigned char a[SHA256_DIGEST_LENGTH];
  unsigned char b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(given.data()), given.size(), a);
  SHA256(reinterpret_cast<const unsigned char*>(want.data()), want.size(), b);
  return CRYPTO_memcmp(a, b, sizeof a) == 0;
}

// The token of "Bearer <token>" (the scheme case-insensitive, spaces around
// the token skipped); nullopt when the header is not a bearer credential.
std::optional<std::string_view> bearer_token(std::string_view h) {
  constexpr std::string_view kScheme = "bearer ";
  if (h.size() < kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = h[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kScheme[i]) return std::nullopt;
  }
  h.remove_prefix(kScheme.size());
  while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.remove_suffix(1);
  if (h.empty()) return std::nullopt;
  return h;
}

}  // namespace

std::string_view metric_help(feed_counter c) noexcept {
  switch (c) {
    case feed_counter::frames_received:
      return "Frames handed to the frame parser.";
    case feed_counter::quotes_applied:
      return "Quotes written to the order book.";
    case feed_counter::control_messages:
      return "Control messages received (subscription acks, serverShutdown, ...).";
    case feed_counter::attributed_errors:
      return "Bad frames whose symbol could be read (that symbol is invalidated).";
    case feed_counter::unattributed_errors:
      return "Bad frames whose symbol could not be read (their connection's symbols are "
             "invalidated).";
    case feed_counter::qty_capped:
      return "Quantities above the fixed-point maximum, parsed as the maximum.";
    case feed_counter::stale_dropped:
      return "Frames dropped: update id older than the book's.";
    case feed_counter::duplicate_dropped:
      return "Frames dropped: update id equal to the book's.";
    case feed_counter::invalidated_by_frame:
      return "Symbols invalidated by their own failed frame.";
    case feed_counter::invalidated_by_garbage:
      return "Symbols invalidated by an unattributed bad frame on their connection.";
    case feed_counter::invalidated_by_connection:
      return "Symbols invalidated by a connection drop, stall, quiet spell or rotation.";
    case feed_counter::kCount:
      break;
  }
  return "";
}

std::string_view metric_help(eval_counter c) noexcept {
  switch (c) {
    case eval_counter::symbols_drained:
      return "Dirty symbols the evaluator took from the queue.";
    case eval_counter::triangles_evaluated:
      return "Triangles whose ratio was computed.";
    case eval_counter::skip_invalid_leg:
      return "Triangles skipped: a leg's latest frame failed, or the leg was invalidated.";
    case eval_counter::skip_stale_leg:
      return "Triangles skipped: a leg older than max_leg_age_ms.";
    case eval_counter::skip_empty_side:
      return "Triangles skipped: a leg needs a side whose price is zero.";
    case eval_counter::below_threshold:
      return "Triangles whose ratio was at or below 1 + min_profit.";
    case eval_counter::skip_unsizable:
      return "Profitable triangles with no size that fills every leg (lot size, depth).";
    case eval_counter::skip_no_profit:
      return "Sized triangles whose rounded-down profit was not positive.";
    case eval_counter::opportunities:
      return "Opportunities emitted to the journal.";
    case eval_counter::journal_full:
      return "Opportunities not reported because the journal queue was full.";
    case eval_counter::kCount:
      break;
  }
  return "";
}

std::string_view metric_help(frame_errc c) noexcept {
  switch (c) {
    case frame_errc::ok:
      return "Not an error (never counted).";
    case frame_errc::not_json:
      return "Frames that are not a JSON document (syntax, truncation, bad UTF-8, empty).";
    case frame_errc::trailing_content:
      return "Frames with more than white space after the JSON document.";
    case frame_errc::not_object:
      return "Frames whose document (or data) is not an object.";
    case frame_errc::unknown_message:
      return "Objects that are neither a quote nor a known control message.";
    case frame_errc::missing_field:
      return "Quotes missing one of u, s, b, B, a, A (or stream, data).";
    case frame_errc::duplicate_field:
      return "Quotes with a field given twice.";
    case frame_errc::wrong_type:
      return "Quotes with a number where a string is expected, or the reverse.";
    case frame_errc::escape_in_string:
      return "Quotes with a backslash escape in a symbol or numeric string.";
    case frame_errc::bad_update_id:
      return "Quotes whose update id is not a non-negative integer that fits 64 bits.";
    case frame_errc::bad_number:
      return "Quotes with a price or quantity that is not a plain decimal.";
    case frame_errc::negative_number:
      return "Quotes with a signed price or quantity.";
    case frame_errc::price_overflow:
      return "Quotes with a price above the fixed-point maximum.";
    case frame_errc::zero_price:
      return "Quotes with a zero price and a non-zero quantity.";
    case frame_errc::crossed_book:
      return "Quotes with the bid above the ask.";
    case frame_errc::stream_mismatch:
      return "Quotes whose stream name disagrees with the symbol (or a tracked symbol "
             "mis-cased).";
    case frame_errc::unknown_symbol:
      return "Well-formed quotes for a symbol not in the universe.";
    case frame_errc::kCount:
      break;
  }
  return "";
}

std::string_view metric_help(conn_counter c) noexcept {
  switch (c) {
    case conn_counter::connect_attempts:
      return "TCP connects started.";
    case conn_counter::connects_opened:
      return "WebSocket upgrades that succeeded.";
    case conn_counter::connect_failures:
      return "Resolve, TCP, TLS or handshake failures.";
    case conn_counter::tls_verify_failures:
      return "Peer certificates that did not verify (fatal).";
    case conn_counter::http_414:
      return "Upgrades refused 414, URI too long (fatal: configuration).";
    case conn_counter::http_400:
      return "Upgrades refused 400, bad request such as too many streams (fatal).";
    case conn_counter::http_429:
      return "Upgrades refused 429, too many connection attempts (backs off).";
    case conn_counter::http_other:
      return "Upgrades refused with another HTTP status.";
    case conn_counter::drops:
      return "Open connections that failed (read error, reset, close).";
    case conn_counter::stalls:
      return "Connections with no frame at all past pong_deadline_ms (or 4 x quiet_ms).";
    case conn_counter::quiet:
      return "Connections with no data frame for quiet_ms (symbols invalidated, still open).";
    case conn_counter::quiet_reconnects:
      return "Quiet connections still without data after a multiple of quiet_ms: reconnected.";
    case conn_counter::rotations:
      return "Connections rotated at rotate_after_ms.";
    case conn_counter::server_shutdowns:
      return "serverShutdown messages received (the connection rotates).";
    case conn_counter::budget_waits:
      return "Connection attempts that waited for the connect budget.";
    case conn_counter::fatal_stops:
      return "Connections stopped for good after a fatal error.";
    case conn_counter::frames:
      return "WebSocket text frames received.";
    case conn_counter::kCount:
      break;
  }
  return "";
}

std::string_view to_string(control_action a) noexcept {
  switch (a) {
    case control_action::halt:
      return "halt";
    case control_action::resume:
      return "resume";
    case control_action::kCount:
      break;
  }
  return "unknown";
}

std::string_view to_string(control_refusal r) noexcept {
  switch (r) {
    case control_refusal::missing_token:
      return "missing_token";
    case control_refusal::wrong_token:
      return "wrong_token";
    case control_refusal::kCount:
      break;
  }
  return "unknown";
}

std::string_view to_string(metrics_refusal r) noexcept {
  switch (r) {
    case metrics_refusal::not_found:
      return "not_found";
    case metrics_refusal::method:
      return "method";
    case metrics_refusal::malformed:
      return "malformed";
    case metrics_refusal::too_large:
      return "too_large";
    case metrics_refusal::timeout:
      return "timeout";
    case metrics_refusal::over_capacity:
      return "over_capacity";
    case metrics_refusal::client_closed:
      return "client_closed";
    case metrics_refusal::kCount:
      break;
  }
  return "unknown";
}

void render_family(std::string& out, std::string_view name, std::string_view help) {
  const std::string n(name);
  out += "# HELP " + n + " " + escape_help(help) + "\n# TYPE " + n + " counter\n";
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  for (const char ch : v) {
    if (ch == '\\' || ch == '"') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

void render_counter(std::string& out, std::string_view name, std::string_view help,
                    std::uint64_t v) {
  render_family(out, name, help);
  out += std::string(name) + " " + std::to_string(v) + "\n";
}

std::uint64_t metrics_server::counters::connections() const noexcept {
  std::uint64_t n = served;
  for (const std::uint64_t r : refused) n += r;
  for (const std::uint64_t c : control) n += c;
  for (const std::uint64_t r : control_refused) n += r;
  return n;
}

struct metrics_server::impl {
  // Declared before ioc, so they outlive it: sessions still queued in ioc
  // when it is destroyed (after stop()) touch `open` in their destructors.
  std::function<std::string()> render;
  metrics_options opt;
  control_options ctl;   // the operator's endpoints (empty token: disabled)
  std::size_t open = 0;  // sessions alive (server thread only)
  // Relaxed: statistics only, written on the server thread, read by
  // stats() and the exposition from any thread.
  std::atomic<std::uint64_t> served{0}, accept_errors{0};
  std::array<std::atomic<std::uint64_t>, kMetricsRefusals> refused{};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(control_action::kCount)>
      control{};
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(control_refusal::kCount)>
      control_refused{};
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  net::steady_timer accept_retry{ioc};
  std::thread thread;
  std::atomic<std::uint16_t> port{0};  // written by start(), read by any thread after it
  tcp::endpoint ep;

  void refuse(metrics_refusal r) {
    refused[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
  }

  // The server's own families, after render()'s.
  void render_own(std::string& out) const {
    render_counter(out, "triarb_metrics_requests_served_total",
                   "Metrics requests answered 200 (GET or HEAD of /metrics).",
                   served.load(std::memory_order_relaxed));
    const std::string refused_name = "triarb_metrics_requests_refused_total";
    render_family(out, refused_name,
                  "Metrics connections not served, by reason: not_found 404, method 405, "
                  "malformed 400, too_large 431, timeout (no request or answer by the "
                  "deadline), over_capacity 503, client_closed (before a request or its answer).");
    for (std::size_t i = 0; i < kMetricsRefusals; ++i) {
      out += refused_name + "{reason=\"" +
             escape_label_value(to_string(static_cast<metrics_refusal>(i))) + "\"} " +
             std::to_string(refused[i].load(std::memory_order_relaxed)) + "\n";
    }
    render_counter(out, "triarb_metrics_accept_errors_total",
                   "Metrics connections the server failed to accept (e.g. no file descriptor "
                   "left); accepting resumes after 50 ms.",
                   accept_errors.load(std::memory_order_relaxed));
    const std::string control_name = "triarb_control_requests_total";
    render_family(out, control_name,
                  "Operator control requests (POST /halt, /resume) authenticated and answered, "
                  "by action.");
    for (std::size_t i = 0; i < control.size(); ++i) {
      out += control_name + "{action=\"" +
             escape_label_value(to_string(static_cast<control_action>(i))) + "\"} " +
             std::to_string(control[i].load(std::memory_order_relaxed)) + "\n";
    }
    const std::string refused_control = "triarb_control_refused_total";
    render_family(out, refused_control,
                  "Operator control requests refused: missing_token 401 (no bearer "
                  "credential), wrong_token 403.");
    for (std::size_t i = 0; i < control_refused.size(); ++i) {
      out += refused_control + "{reason=\"" +
             escape_label_value(to_string(static_cast<control_refusal>(i))) + "\"} " +
             std::to_string(control_refused[i].load(std::memory_order_relaxed)) + "\n";
    }
  }

  // POST /halt, /resume (metrics_server.h): method, token, then the action.
  // Every outcome is counted once (a refusal, or the action).
  template <class Session>
  void serve_control(Session& ses, const http::request<http::empty_body>& req,
                     control_action action, bool linger) {
    if (ctl.token.empty() || !ctl.act) {
      refuse(metrics_refusal::not_found);
      ses.answer(http::status::not_found,
                 "control disabled (no guard.token_file in the configuration)\n",
                 req.method() == http::verb::head, linger, req.version());
      return;
    }
    if (req.method() != http::verb::post) {
      refuse(metrics_refusal::method);
      ses.res.set(http::field::allow, "POST");
      ses.answer(http::status::method_not_allowed,
                 "method " + std::string(req.method_string()) + " not allowed; POST\n", false,
                 linger, req.version());
      return;
    }
    const auto h = req.find(http::field::authorization);
    const std::optional<std::string_view> token =
        h == req.end() ? std::nullopt
                       : bearer_token(std::string_view(h->value().data(), h->value().size()));
    if (!token) {
      control_refused[static_cast<std::size_t>(control_refusal::missing_token)].fetch_add(
          1, std::memory_order_relaxed);
      ses.res.set(http::field::www_authenticate, "Bearer");
      ses.answer(http::status::unauthorized,
                 "unauthorized: send the header Authorization: Bearer <token>\n", false, linger,
                 req.version());
      return;
    }
    if (!same_token(*token, ctl.token)) {
      control_refused[static_cast<std::size_t>(control_refusal::wrong_token)].fetch_add(
          1, std::memory_order_relaxed);
      ses.answer(http::status::forbidden, "forbidden: wrong token\n", false, linger, req.version());
      return;
    }
    control[static_cast<std::size_t>(action)].fetch_add(1, std::memory_order_relaxed);
    control_answer a = ctl.act(action);
    ses.answer(static_cast<http::status>(a.status), std::move(a.body), false, linger,
               req.version());
  }

  // One request per connection, each with a deadline; all on this thread.
  // Counted exactly once: served, or refused with its reason.
  struct session : std::enable_shared_from_this<session> {
    impl& srv;
    beast::tcp_stream stream;
    beast::flat_buffer buf{kMaxRequestHeaderBytes + 4096};
    // The header only: whatever the method, a body is never read (it is
    // drained after the answer, see answer()).
    std::optional<http::request_parser<http::empty_body>> parser;
    http::response<http::string_body> res;
    std::array<char, 4096> drain_buf{};
    std::size_t drained = 0;
    session(impl& s, tcp::socket sock) : srv(s), stream(std::move(sock)) { ++srv.open; }
    ~session() { --srv.open; }
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    void run() {
      parser.emplace();
      parser->header_limit(static_cast<std::uint32_t>(kMaxRequestHeaderBytes));
      stream.expires_after(std::chrono::milliseconds(srv.opt.read_timeout_ms));
      http::async_read_header(
          stream, buf, *parser,
          [self = shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
    }

    void on_read(error_code ec) {
      if (ec) {
        on_read_error(ec);
        return;
      }
      const http::request<http::empty_body>& req = parser->get();
      const bool linger = !parser->is_done();  // a body follows: drained after the answer
      const std::string_view target(req.target().data(), req.target().size());
      const std::string_view path = target.substr(0, target.find('?'));
      const bool head = req.method() == http::verb::head;
      if (path == "/halt" || path == "/resume") {
        srv.serve_control(*this, req,
                          path == "/halt" ? control_action::halt : control_action::resume, linger);
      } else if (path != "/metrics" && path != "/") {
        srv.refuse(metrics_refusal::not_found);
        answer(http::status::not_found, "not found; the metrics are at /metrics\n", head, linger,
               req.version());
      } else if (req.method() != http::verb::get && !head) {
        srv.refuse(metrics_refusal::method);
        res.set(http::field::allow, "GET, HEAD");
        answer(http::status::method_not_allowed,
               "method " + std::string(req.method_string()) + " not allowed; GET or HEAD\n", false,
               linger, req.version());
      } else {
        std::string body = srv.render();
        srv.render_own(body);
        answer(http::status::ok, std::move(body), head, linger, req.version(), true);
      }
    }

    // The request was not read whole: timeout and a closed client get no
    // answer; the rest a status and a lingering close.
    void on_read_error(error_code ec) {
      if (ec == beast::error::timeout) {
        srv.refuse(metrics_refusal::timeout);  // Beast closed the socket
      } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
        srv.refuse(metrics_refusal::too_large);
        answer(
            http::status::request_header_fields_too_large,
            "request line and headers above " + std::to_string(kMaxRequestHeaderBytes) + " bytes\n",
            false, true);
      } else if (is_http_error(ec) && ec != http::error::end_of_stream) {
        srv.refuse(metrics_refusal::malformed);
        answer(http::status::bad_request, "bad request: " + ec.message() + "\n", false, true);
      } else {
        srv.refuse(metrics_refusal::client_closed);  // before a byte, or reset
      }
    }

    // Sends the answer and closes. `ok`: count it as served once sent (a
    // refusal was counted already). `linger`: the request was not read
    // whole, so read what the client still sends before closing.
    void answer(http::status st, std::string body, bool head, bool linger, unsigned version = 11,
                bool ok = false) {
      res.result(st);
      res.version(version);
      res.set(http::field::content_type,
              ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8");
      res.keep_alive(false);
      res.body() = std::move(body);
      res.prepare_payload();
      if (head) res.body().clear();  // Content-Length stays the GET's
      stream.expires_after(std::chrono::milliseconds(srv.opt.read_timeout_ms));
      http::async_write(
          stream, res, [self = shared_from_this(), ok, linger](error_code ec, std::size_t) {
            if (ok) {
              if (!ec) {
                self->srv.served.fetch_add(1, std::memory_order_relaxed);
              } else {
                self->srv.refuse(ec == beast::error::timeout ? metrics_refusal::timeout
                                                             : metrics_refusal::client_closed);
              }
            }
            error_code ignored;
            if (ec || !linger) {
              self->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
              return;
            }
            self->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
            self->drain();
          });
    }

    // Reads and drops until the client closes, kMaxDrainBytes or the deadline.
    void drain() {
      stream.async_read_some(net::buffer(drain_buf),
                             [self = shared_from_this()](error_code ec, std::size_t n) {
                               self->drained += n;
                               if (ec || self->drained >= kMaxDrainBytes) return;
                               self->drain();
                             });
    }
  };

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;  // stop()
      if (ec) {
        // Out of file descriptors or memory, or a connection aborted before
        // it was accepted: counted, and accepting resumes (never spins).
        accept_errors.fetch_add(1, std::memory_order_relaxed);
        accept_retry.expires_after(kAcceptRetry);
        accept_retry.async_wait([this](error_code wec) {
          if (!wec) accept();
        });
        return;
      }
      if (open >= opt.max_connections) {
        refuse(metrics_refusal::over_capacity);
        static constexpr std::string_view k503 =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 26\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
            "too many metrics clients\r\n";
        error_code ignored;
        s.non_blocking(true, ignored);  // best effort: never waits on this client
        (void)s.write_some(net::buffer(k503.data(), k503.size()), ignored);
        s.shutdown(tcp::socket::shutdown_both, ignored);
        s.close(ignored);
      } else {
        std::make_shared<session>(*this, std::move(s))->run();
      }
      accept();
    });
  }
};

metrics_server::metrics_server(const std::string& address, std::function<std::string()> render,
                               metrics_options opt, control_options control)
    : impl_(std::make_unique<impl>()) {
  impl_->render = std::move(render);
  impl_->opt = opt;
  impl_->ctl = std::move(control);
  // The one parser validate() uses (config.h): what passes there binds here.
  const std::optional<loopback_endpoint> ep = parse_loopback_address(address);
  if (!ep) {
    throw metrics_error("metrics_address '" + address +
                        "': not a loopback IP and a decimal port (127.0.0.1:PORT or [::1]:PORT, "
                        "PORT 0 to 65535)");
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
  impl_->port.store(impl_->acceptor.local_endpoint().port(), std::memory_order_relaxed);
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

void metrics_server::stop() {
  if (!impl_ || !impl_->thread.joinable()) return;
  net::post(impl_->ioc, [this] {
    error_code ec;
    impl_->acceptor.close(ec);
    impl_->accept_retry.cancel();
  });
  impl_->ioc.stop();
  impl_->thread.join();
  // The posted close rarely runs before stop(): close here, so the port stops
  // listening now (connections would queue in its backlog, never answered).
  error_code ec;
  impl_->acceptor.close(ec);
}

std::uint16_t metrics_server::port() const noexcept {
  return impl_->port.load(std::memory_order_relaxed);  // set once by start(), before any reader
}

std::string metrics_server::local_endpoint() const {
  const std::string host = impl_->ep.address().to_string();
  return (impl_->ep.address().is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port());
}

bool metrics_server::any_port() const noexcept { return impl_->ep.port() == 0; }

metrics_server::counters metrics_server::stats() const noexcept {
  counters c;
  c.served = impl_->served.load(std::memory_order_relaxed);
  c.accept_errors = impl_->accept_errors.load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < kMetricsRefusals; ++i) {
    c.refused[i] = impl_->refused[i].load(std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < c.control.size(); ++i) {
    c.control[i] = impl_->control[i].load(std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < c.control_refused.size(); ++i) {
    c.control_refused[i] = impl_->control_refused[i].load(std::memory_order_relaxed);
  }
  return c;
}

}  // namespace triarb
