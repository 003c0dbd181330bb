// ws_session: one upgraded WebSocket connection of the simulated exchange
// (our pings, the pong deadline, the lifetime and serverShutdown, the
// incoming-message rate limit, the slow-consumer drop), registered in
// impl::sessions for fan-out, housekeeping and the fault knobs. The
// http_session that upgrades to it (TLS handshake, REST requests, the
// upgrade's 414 / too-many-streams / 429 / 400 checks) and the accept loop
// (impl::do_accept) are in ws_session.cc. Private to sim/exchange/.
//
// Threads: I/O thread only, so no strand and no lock.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/universe.h"
#include "sim/exchange/internal/impl.h"

namespace triarb::sim_exchange_internal {

namespace websocket = beast::websocket;

// One upgraded WebSocket connection. I/O thread only.
class ws_session : public std::enable_shared_from_this<ws_session> {
 public:
  ws_session(beast::ssl_stream<beast::tcp_stream>&& stream, sim_exchange::impl& ex,
             std::vector<char> subscribed)
      : ws_(std::move(stream)), ex_(ex), subscribed_(std::move(subscribed)) {}

  ~ws_session() { mark_closed(); }

  void accept(http::request<http::string_body> req);

  [[nodiscard]] bool open() const noexcept { return open_ && !closed_; }
  [[nodiscard]] bool subscribed(symbol_id s) const noexcept {
    return s < subscribed_.size() && subscribed_[s] != 0;
  }

  void enqueue(out_msg m);

  // Abrupt close: TCP reset, no close frame.
  void abort();

  // Normal close (close frame) once the message being written is done.
  void request_close(websocket::close_code code);

  void server_shutdown(steady::time_point close_at);

  void tick(steady::time_point now);

 private:
  void on_accept(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec);
  void do_write();
  void on_write(beast::error_code ec);
  void start_close();
  void mark_closed();

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

}  // namespace triarb::sim_exchange_internal
