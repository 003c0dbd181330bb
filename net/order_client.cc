// order_client: see order_client.h.
#include "net/order_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

namespace triarb {
namespace {

std::string loopback_url(std::string_view base_url) {
  endpoint_url u;
  try {
    u = parse_endpoint_url(base_url);
  } catch (const tls_error& e) {
    throw order_client_error(std::string("order API: ") + e.what());
  }
  if (u.scheme != "https") {
    throw order_client_error("order API: " + std::string(base_url) + ": must be https://");
  }
  if (!is_loopback_host(u.host)) {
    throw order_client_error(
        "order API: " + std::string(base_url) + ": host " + u.host +
        " is not loopback (127.0.0.0/8, ::1, localhost); live order placement on a real "
        "exchange is refused: orders go only to the simulated exchange");
  }
  return std::string(base_url);
}

std::string snippet(std::string_view body) {
  std::string out;
  for (std::size_t i = 0; i < body.size() && i < 120; ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    out += (c < 0x20 || c >= 0x7f) ? '?' : static_cast<char>(c);
  }
  if (body.size() > 120) out += "...";
  return out;
}

// Why an answer read from a 200 is not the final answer to `sent`, or empty
// when it is: the order it names (symbol, clientOrderId), the order as sent
// (side, type, timeInForce, price, origQty), and a status final for an
// IOC/FOK order (FILLED with executedQty == origQty, or EXPIRED). NEW,
// PARTIALLY_FILLED, CANCELED, REJECTED and EXPIRED_IN_MATCH are not what
// the exchange answers an IOC/FOK LIMIT order that it took: unknown.
std::string not_final(const order_response& r, const order_request& sent) {
  if (r.symbol != sent.symbol || r.client_order_id != sent.client_order_id) {
    return "for another order (clientOrderId \"" + r.client_order_id + "\", sent \"" +
           sent.client_order_id + "\")";
  }
  const order_echo& e = r.echo;
  const auto shown = [](const std::optional<std::string>& v) {
    return v ? "\"" + snippet(*v) + "\"" : std::string("missing");
  };
  const auto shown8 = [](const std::optional<fixed8>& v) {
    return v ? to_string(*v) : std::string("missing");
  };
  if (e.side != std::optional<std::string>(wire_side(sent.dir))) {
    return "side " + shown(e.side) + ", sent " + std::string(wire_side(sent.dir));
  }
  if (e.type != std::optional<std::string>("LIMIT"))
    return "type " + shown(e.type) + ", sent LIMIT";
  if (e.time_in_force != std::optional<std::string>(to_string(sent.tif))) {
    return "timeInForce " + shown(e.time_in_force) + ", sent " + std::string(to_string(sent.tif));
  }
  if (e.price != sent.price) return "price " + shown8(e.price) + ", sent " + to_string(sent.price);
  if (e.orig_qty != sent.quantity) {
    return "origQty " + shown8(e.orig_qty) + ", sent " + to_string(sent.quantity);
  }
  const order_status st = r.result.status;
  if (st != order_status::filled && st != order_status::expired) {
    return "status " + std::string(to_string(st)) + " is not final for an " +
           std::string(to_string(sent.tif)) + " order";
  }
  if (st == order_status::filled && r.result.executed_qty != sent.quantity) {
    return "FILLED with executedQty " + to_string(r.result.executed_qty) + " of origQty " +
           to_string(sent.quantity);
  }
  return {};
}

}  // namespace

bool is_loopback_host(std::string_view host) noexcept {
  if (host.size() == 9) {
    bool same = true;
    for (std::size_t i = 0; i < 9 && same; ++i) {
      const char c = host[i];
      same = (c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c) == "localhost"[i];
    }
    if (same) return true;
  }
  if (host.size() >= INET6_ADDRSTRLEN) return false;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, host.data(), host.size());
  in_addr v4{};
  if (::inet_pton(AF_INET, buf, &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, buf, &v6) == 1) {
    return std::memcmp(&v6, &in6addr_loopback, sizeof v6) == 0;
  }
  return false;
}

std::string_view to_string(order_outcome o) noexcept {
  switch (o) {
    case order_outcome::accepted:
      return "accepted";
    case order_outcome::rejected:
      return "rejected";
    case order_outcome::paused:
      return "paused";
    case order_outcome::not_sent:
      return "not_sent";
    case order_outcome::unknown:
      return "unknown";
  }
  return "?";
}

order_client::order_client(tls_context& tls, std::string_view base_url, api_keys keys,
                           const universe& u, order_client_options o)
    : rest_(tls, loopback_url(base_url),
            [&o] {
              rest_options r = o.rest;
              r.body_limit = std::min(r.body_limit, kMaxAccountResponseBytes);
              return r;
            }()),
      keys_(std::move(keys)),
      u_(u),
      opt_(std::move(o)) {
  if (keys_.key.empty() || keys_.secret.empty()) {
    throw order_client_error("order API: the API key or secret is empty");
  }
}

std::int64_t order_client::now_mono() const {
  if (opt_.mono_ns) return opt_.mono_ns();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t order_client::now_wall_ms() const {
  if (opt_.wall_ms) return opt_.wall_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void order_client::note_pause(const http_reply& r, send_pause* out) {
  *out = rate_limit_pause(r.status, r.header("Retry-After"), now_mono(), opt_.pauses);
  paused_until_ns_ = std::max(paused_until_ns_, out->until_ns);
}

std::string order_client::pause_left(std::int64_t now) const {
  if (now >= paused_until_ns_) return "";
  return "not sent: paused for another " +
         std::to_string((paused_until_ns_ - now + 999'999) / 1'000'000) + " ms";
}

std::optional<http_reply> order_client::signed_get(
    std::string_view path, const std::function<std::string(const signed_params&)>& query,
    int& http_status, std::string& detail) {
  if (std::string left = pause_left(now_mono()); !left.empty()) {
    detail = std::move(left);
    return std::nullopt;
  }
  const std::string signed_query =
      sign_query(query({.recv_window_ms = opt_.recv_window_ms, .timestamp_ms = now_wall_ms()}),
                 keys_.secret.reveal());
  boost::system::error_code ec;
  http_reply r = rest_.send("GET", std::string(path) + "?" + signed_query,
                            {{"X-MBX-APIKEY", std::string(keys_.key.reveal())}}, {}, ec);
  http_status = r.status;
  if (ec) {
    detail = "GET " + std::string(path) + ": " + ec.message();
    return std::nullopt;
  }
  if (r.status == 429 || r.status == 418) {
    send_pause p;
    note_pause(r, &p);
    detail = p.reason;
    return std::nullopt;
  }
  return r;
}

namespace {

// A refusal's error shape into error, and detail saying it; false (detail
// saying why) when the body is not the exchange's error shape.
bool read_refusal(const http_reply& r, exchange_error& error, std::string& detail) {
  try {
    error = parse_exchange_error(r.body);
  } catch (const order_api_error& e) {
    detail = "HTTP " + std::to_string(r.status) + ": " + e.what();
    return false;
  }
  detail = "HTTP " + std::to_string(r.status) + ": code " + std::to_string(error.code) + ": " +
           error.msg;
  return true;
}

}  // namespace

order_reply order_client::place(const order_request& o) {
  order_reply out;
  const std::int64_t now = now_mono();
  if (std::string left = pause_left(now); !left.empty()) {
    out.outcome = order_outcome::paused;
    out.pause = {true, paused_until_ns_, "paused by an earlier HTTP 429/418"};
    out.detail = std::move(left);
    return out;
  }
  const std::string body = sign_query(
      order_query(o, u_, {.recv_window_ms = opt_.recv_window_ms, .timestamp_ms = now_wall_ms()}),
      keys_.secret.reveal());
  const std::vector<http_field> headers = {{"X-MBX-APIKEY", std::string(keys_.key.reveal())},
                                           {"Content-Type", "application/x-www-form-urlencoded"}};
  boost::system::error_code ec;
  const http_reply r = rest_.send("POST", "/api/v3/order", headers, body, ec);
  out.http_status = r.status;
  if (ec) {
    out.outcome = r.sent ? order_outcome::unknown : order_outcome::not_sent;
    out.detail = std::string(r.sent ? "after sending: " : "before sending: ") + ec.message();
    return out;
  }
  try {
    out.counts = read_order_counts(r.header(kOrderCount10sHeader), r.header(kOrderCount1dHeader));
  } catch (const order_api_error& e) {
    out.detail = std::string(e.what()) + "; ";
  }
  const auto read_error = [&] {
    try {
      out.error = parse_exchange_error(r.body);
      return true;
    } catch (const order_api_error& e) {
      out.detail += "HTTP " + std::to_string(r.status) + ": " + e.what() + ": " + snippet(r.body);
      return false;
    }
  };
  if (r.status == 429 || r.status == 418) {
    note_pause(r, &out.pause);
    out.outcome = order_outcome::paused;
    (void)read_error();
    out.detail += out.pause.reason;
    return out;
  }
  if (r.status == 200) {
    try {
      out.response = parse_order_response(r.body, u_);
    } catch (const order_api_error& e) {
      out.outcome = order_outcome::unknown;
      out.detail += std::string("HTTP 200 but ") + e.what();
      return out;
    }
    if (const std::string why = not_final(out.response, o); !why.empty()) {
      out.outcome = order_outcome::unknown;
      out.detail += "HTTP 200 but " + why + ": reconcile";
      return out;
    }
    out.outcome = order_outcome::accepted;
    return out;
  }
  if (r.status >= 400 && r.status < 500) {
    out.outcome = order_outcome::rejected;
    if (read_error()) {
      out.detail += "rejected: code " + std::to_string(out.error.code) + ": " + out.error.msg;
    }
    return out;
  }
  // 5xx (the exchange's "execution status is UNKNOWN") and anything else.
  out.outcome = order_outcome::unknown;
  out.detail += "HTTP " + std::to_string(r.status) + ": the order may exist: " + snippet(r.body);
  return out;
}

std::string_view to_string(query_outcome o) noexcept {
  switch (o) {
    case query_outcome::found:
      return "found";
    case query_outcome::not_found:
      return "not_found";
    case query_outcome::unknown:
      return "unknown";
  }
  return "?";
}

query_reply order_client::query_order(const order_request& sent) {
  query_reply out;
  const std::optional<http_reply> r = signed_get(
      "/api/v3/order", [&](const signed_params& p) { return order_status_query(sent, u_, p); },
      out.http_status, out.detail);
  if (!r) return out;
  if (r->status == 200) {
    try {
      out.response = parse_order_response(r->body, u_);
    } catch (const order_api_error& e) {
      out.detail = std::string("HTTP 200 but ") + e.what();
      return out;
    }
    if (const std::string why = not_final(out.response, sent); !why.empty()) {
      out.detail = "HTTP 200 but " + why;
      return out;
    }
    out.outcome = query_outcome::found;
    return out;
  }
  if (read_refusal(*r, out.error, out.detail) && r->status == 400 &&
      out.error.code == kErrNoSuchOrder) {
    out.outcome = query_outcome::not_found;
  }
  return out;
}

account_reply order_client::account() {
  account_reply out;
  const std::optional<http_reply> r =
      signed_get("/api/v3/account", account_query, out.http_status, out.detail);
  if (!r) return out;
  if (r->status != 200) {
    (void)read_refusal(*r, out.error, out.detail);
    return out;
  }
  try {
    out.balances = parse_account(r->body, u_);
    out.ok = true;
  } catch (const order_api_error& e) {
    out.detail = e.what();
  }
  return out;
}

}  // namespace triarb
