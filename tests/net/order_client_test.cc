// order_client_test: the order client (net/order_client.h) over real TLS on
// loopback, against the simulated exchange's order routes (OrderClientSim:
// fills equal to the exchange's own record, its rejections, faults, the
// account reconciling an unknown order) and against a scripted HTTPS server (one connection per
// request, each answered by the next step of its script: a response, silence, or a close) that
// verifies nothing and records every request, so each test sees the bytes the client sent. Label
// integration: every wait is bounded (request timeouts of a few hundred ms, a 2 s socket timeout on
// the server), the server stops with the test.
#include "net/order_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/hmac.h"
#include "core/symbol_table.h"
#include "net/book_ticker.h"
#include "sim/exchange/sim_exchange.h"
#include "sim/exchange/tls_cert.h"
#include "tests/support/loopback.h"

namespace triarb {

// gtest prints an outcome by name.
void PrintTo(order_outcome o, std::ostream* os) { *os << to_string(o); }

namespace {

using namespace std::chrono_literals;

// ---------------------------------------------------------------------------
// A scripted HTTPS server on 127.0.0.1
// ---------------------------------------------------------------------------

struct step {
  enum class kind { answer, silent, close } what = kind::answer;
  std::string response;  // raw HTTP response bytes (answer)
};

std::string http(int status, std::string_view reason, std::string_view body,
                 std::string_view extra_headers = {}) {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + std::string(extra_headers) + "Connection: close\r\n\r\n" + std::string(body);
}

class scripted_server {
 public:
  explicit scripted_server(std::vector<step> script) : script_(std::move(script)) {
    id_ = make_loopback_identity();
    ctx_ = SSL_CTX_new(TLS_server_method());
    BIO* cb = BIO_new_mem_buf(id_.leaf_pem.data(), static_cast<int>(id_.leaf_pem.size()));
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    BIO* kb = BIO_new_mem_buf(id_.leaf_key_pem.data(), static_cast<int>(id_.leaf_key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    EXPECT_EQ(SSL_CTX_use_certificate(ctx_, cert), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx_, key), 1);
    X509_free(cert);
    EVP_PKEY_free(key);

    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), len), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len), 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~scripted_server() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  scripted_server(const scripted_server&) = delete;
  scripted_server& operator=(const scripted_server&) = delete;

  [[nodiscard]] std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] const std::string& ca_pem() const { return id_.ca_pem; }
  [[nodiscard]] std::vector<std::string> requests() const {
    const std::lock_guard lock(mu_);
    return requests_;
  }
  [[nodiscard]] int connections() const { return connections_.load(); }

 private:
  void run() {
    std::size_t next = 0;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) != 1) continue;
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      ++connections_;
      timeval tv{2, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        std::string req;
        if (read_request(ssl, &req)) {
          {
            const std::lock_guard lock(mu_);
            requests_.push_back(req);
          }
          const step& s = script_.at(std::min(next, script_.size() - 1));
          ++next;
          if (s.what == step::kind::answer) {
            (void)SSL_write(ssl, s.response.data(), static_cast<int>(s.response.size()));
            (void)SSL_shutdown(ssl);
          } else if (s.what == step::kind::silent) {
            // Hold the connection, unanswered, until the client gives up.
            while (!stop_) {
              pollfd q{c, POLLIN, 0};
              if (::poll(&q, 1, 20) == 1) {
                char b[256];
                if (::recv(c, b, sizeof b, MSG_PEEK) <= 0) break;
                if (SSL_read(ssl, b, sizeof b) <= 0) break;
              }
            }
          }
        }
      }
      SSL_free(ssl);
      ::close(c);
    }
  }
  static bool read_request(SSL* ssl, std::string* req) {
    char b[4096];
    for (;;) {
      const std::size_t end = req->find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t want = 0;
        const std::size_t cl = req->find("Content-Length: ");
        if (cl != std::string::npos && cl < end) want = std::stoul(req->substr(cl + 16));
        if (req->size() >= end + 4 + want) return true;
      }
      const int n = SSL_read(ssl, b, sizeof b);
      if (n <= 0) return false;
      req->append(b, static_cast<std::size_t>(n));
    }
  }

  std::vector<step> script_;
  tls_identity id_;
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

// ---------------------------------------------------------------------------
// The client under test
// ---------------------------------------------------------------------------

constexpr std::string_view kKey = "testKey0123456789testKey0123456789";
constexpr std::string_view kSecret = "testSecretABCDEFGHIJtestSecretABCDEFGHIJ";
constexpr std::int64_t kWallMs = 1700000000000;

const universe& u() {
  static const universe uni({{"BTCUSDT", "BTC", "USDT", {}}, {"LTCBTC", "LTC", "BTC", {}}});
  return uni;
}

api_keys keys() { return {secret_string(std::string(kKey)), secret_string(std::string(kSecret))}; }

struct fake_clock {
  std::int64_t ns = 1'000'000'000;
};

order_client_options options(fake_clock* clk, std::chrono::milliseconds timeout = 2000ms) {
  order_client_options o;
  o.rest.connect_timeout = timeout;
  o.rest.request_timeout = timeout;
  o.wall_ms = [] { return kWallMs; };
  o.mono_ns = [clk] { return clk->ns; };
  return o;
}

order_request an_order(std::string id = "tb1c7l1") {
  return {.client_order_id = std::move(id),
          .symbol = u().find_symbol("LTCBTC"),
          .dir = side::buy,
          .tif = time_in_force::ioc,
          .price = parse_fixed8("0.00335").value,
          .quantity = parse_fixed8("0.333").value};
}

constexpr std::string_view kFull =
    R"({"symbol":"LTCBTC","orderId":7,"clientOrderId":"tb1c7l1","price":"0.00335",)"
    R"("origQty":"0.333","timeInForce":"IOC","type":"LIMIT","side":"BUY","status":"EXPIRED",)"
    R"("executedQty":"0.333","cummulativeQuoteQty":"0.00111555","fills":[{"price":"0.00335",)"
    R"("qty":"0.333","commission":"0.000333","commissionAsset":"LTC","tradeId":9}]})";

std::string body_of(const std::string& req) { return req.substr(req.find("\r\n\r\n") + 4); }

TEST(OrderClient, PlacesASignedOrderAndReadsTheFullResponseAndCounts) {
  scripted_server server(
      {{step::kind::answer,
        http(200, "OK", kFull, "X-MBX-ORDER-COUNT-10S: 3\r\nx-mbx-order-count-1d: 41\r\n")}});
  tls_context tls({.ca_file = "", .ca_pem = server.ca_pem()});
  fake_clock clk;
  order_client c(tls, server.url(), keys(), u(), options(&clk));
  const order_reply r = c.place(an_order());
  ASSERT_EQ(r.outcome, order_outcome::accepted) << r.detail;
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.response.result.status, order_status::expired);
  EXPECT_EQ(r.response.result.executed_qty, parse_fixed8("0.333").value);
  ASSERT_EQ(r.response.result.fills.size(), 1U);
  EXPECT_EQ(r.counts.per_10s, 3U);
  EXPECT_EQ(r.counts.per_1d, 41U);

  // What went over the wire: POST /api/v3/order, the key header, a form body
  // that is the order's query signed with the secret.
  const std::vector<std::string> reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1U);
  EXPECT_EQ(reqs[0].rfind("POST /api/v3/order HTTP/1.1\r\n", 0), 0U) << reqs[0];
  EXPECT_NE(reqs[0].find("X-MBX-APIKEY: " + std::string(kKey) + "\r\n"), std::string::npos);
  EXPECT_NE(reqs[0].find("Content-Type: application/x-www-form-urlencoded\r\n"), std::string::npos);
  const std::string query =
      order_query(an_order(), u(), {.recv_window_ms = 5000, .timestamp_ms = kWallMs});
  EXPECT_EQ(body_of(reqs[0]), query + "&signature=" + hmac_sha256_hex(kSecret, query));
  // The secret itself never leaves the process.
  EXPECT_EQ(reqs[0].find(kSecret), std::string::npos);
}

// A 200 that is not the final answer to the order as sent is unknown: a
// status an IOC/FOK order does not end in, or an echo that differs.
TEST(OrderClient, A200NotFinalOrNotTheOrderAsSentIsUnknown) {
  const auto with = [](std::string_view from, std::string_view to) {
    std::string b(kFull);
    const auto at = b.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return b.replace(at, from.size(), to);
  };
  // FILLED with less than asked: executedQty 0.2 of origQty 0.333.
  const std::string short_fill =
      R"({"symbol":"LTCBTC","orderId":7,"clientOrderId":"tb1c7l1","price":"0.00335",)"
      R"("origQty":"0.333","timeInForce":"IOC","type":"LIMIT","side":"BUY","status":"FILLED",)"
      R"("executedQty":"0.2","cummulativeQuoteQty":"0.00067","fills":[{"price":"0.00335",)"
      R"("qty":"0.2","commission":"0.0002","commissionAsset":"LTC","tradeId":9}]})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {with(R"("status":"EXPIRED")", R"("status":"NEW")"), "status NEW is not final"},
      {with(R"("status":"EXPIRED")", R"("status":"PARTIALLY_FILLED")"), "PARTIALLY_FILLED"},
      {with(R"("status":"EXPIRED")", R"("status":"CANCELED")"), "status CANCELED"},
      {with(R"("status":"EXPIRED")", R"("status":"REJECTED")"), "status REJECTED"},
      {with(R"("side":"BUY")", R"("side":"SELL")"), "side \"SELL\", sent BUY"},
      {with(R"("type":"LIMIT")", R"("type":"MARKET")"), "type \"MARKET\""},
      {with(R"("timeInForce":"IOC")", R"("timeInForce":"FOK")"), "timeInForce \"FOK\""},
      {with(R"("price":"0.00335",)", R"("price":"0.00336",)"), "price 0.00336, sent 0.00335"},
      {with(R"("origQty":"0.333")", R"("origQty":"0.334")"), "origQty 0.334"},
      {with(R"("side":"BUY",)", ""), "side missing"},
      {short_fill, "FILLED with executedQty 0.2 of origQty 0.333"},
  };
  std::vector<step> script;
  for (const auto& c : cases) script.push_back({step::kind::answer, http(200, "OK", c.first)});
  scripted_server server(script);
  tls_context tls({.ca_file = "", .ca_pem = server.ca_pem()});
  fake_clock clk;
  order_client c(tls, server.url(), keys(), u(), options(&clk));
  for (const auto& [body, why] : cases) {
    const order_reply r = c.place(an_order());
    EXPECT_EQ(r.outcome, order_outcome::unknown) << body;
    EXPECT_NE(r.detail.find(why), std::string::npos) << r.detail;
  }
}

// An order whose answer was lost: GET /api/v3/order says what became of it.
TEST(OrderClient, QueryOrderFindsTheOrderOrSaysItDoesNotExist) {
  scripted_server server(
      {{step::kind::answer, http(200, "OK", kFull)},
       {step::kind::answer,
        http(400, "Bad Request", R"({"code":-2013,"msg":"Order does not exist."})")},
       {step::kind::answer,
        http(400, "Bad Request",
             R"({"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."})")},
       {step::kind::answer,
        http(200, "OK",
             std::string(kFull).replace(std::string(kFull).find(R"("EXPIRED")"), 9, R"("NEW")"))}});
  tls_context tls({.ca_file = "", .ca_pem = server.ca_pem()});
  fake_clock clk;
  order_client c(tls, server.url(), keys(), u(), options(&clk));
  query_reply q = c.query_order(an_order());
  ASSERT_EQ(q.outcome, query_outcome::found) << q.detail;
  EXPECT_EQ(q.response.result.order_id, 7U);
  EXPECT_EQ(q.response.result.status, order_status::expired);
  ASSERT_EQ(q.response.result.fills.size(), 1U);
  EXPECT_EQ(q.response.result.fills[0].trade_id, 9U);
  const std::string query =
      order_status_query(an_order(), u(), {.recv_window_ms = 5000, .timestamp_ms = kWallMs});
  EXPECT_EQ(query, "symbol=LTCBTC&origClientOrderId=tb1c7l1&recvWindow=5000&timestamp=" +
                       std::to_string(kWallMs));
  const std::string req = server.requests().at(0);
  EXPECT_EQ(req.rfind("GET /api/v3/order?" + query +
                          "&signature=" + hmac_sha256_hex(kSecret, query) + " HTTP/1.1\r\n",
                      0),
            0U)
      << req;
  EXPECT_NE(req.find("X-MBX-APIKEY: " + std::string(kKey)), std::string::npos);
  q = c.query_order(an_order());
  EXPECT_EQ(q.outcome, query_outcome::not_found) << q.detail;
  EXPECT_EQ(q.error.code, -2013);
  q = c.query_order(an_order());
  EXPECT_EQ(q.outcome, query_outcome::unknown) << q.detail;
  EXPECT_EQ(q.error.code, -1021);
  q = c.query_order(an_order());
  EXPECT_EQ(q.outcome, query_outcome::unknown) << q.detail;
  EXPECT_NE(q.detail.find("status NEW is not final"), std::string::npos) << q.detail;
}

TEST(OrderClient, TheErrorShapeIsARejectionWithItsCode) {
  scripted_server server(
      {{step::kind::answer,
        http(400, "Bad Request",
             R"({"code":-2010,"msg":"Account has insufficient balance for requested action."})")},
       {step::kind::answer,
        http(400, "Bad Request", R"({"code":-1013,"msg":"Filter failure: LOT_SIZE"})")}});
  tls_context tls({.ca_file = "", .ca_pem = server.ca_pem()});
  fake_clock clk;
  order_client c(tls, server.url(), keys(), u(), options(&clk));
  order_reply r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::rejected) << r.detail;
  EXPECT_EQ(r.error.code, -2010);
  EXPECT_EQ(r.error.msg, "Account has insufficient balance for requested action.");
  r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::rejected) << r.detail;
  EXPECT_EQ(r.error.code, -1013);
}

TEST(OrderClient, A429StopsSendingUntilRetryAfterHasPassed) {
  scripted_server server({{step::kind::answer, http(429, "Too Many Requests",
                                                    R"({"code":-1003,"msg":"Too many requests."})",
                                                    "Retry-After: 3\r\n")},
                          {step::kind::answer, http(200, "OK", kFull)}});
  tls_context tls({.ca_file = "", .ca_pem = server.ca_pem()});
  fake_clock clk;
  order_client c(tls, server.url(), keys(), u(), options(&clk));
  order_reply r = c.place(an_order());
  ASSERT_EQ(r.outcome, order_outcome::paused) << r.detail;
  EXPECT_EQ(r.error.code, -1003);
  EXPECT_EQ(r.pause.until_ns, clk.ns + 3'000'000'000);
  EXPECT_EQ(c.paused_until_ns(), clk.ns + 3'000'000'000);

  clk.ns += 2'999'999'999;  // one ns short: nothing is sent
  r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::paused);
  EXPECT_NE(r.detail.find("not sent: paused for another 1 ms"), std::string::npos) << r.detail;
  EXPECT_FALSE(c.account().ok);
  EXPECT_EQ(server.connections(), 1);

  clk.ns += 1;
  r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::accepted) << r.detail;
  EXPECT_EQ(server.connections(), 2);
}

TEST(OrderClient, A418BanWithoutRetryAfterUsesTheBanDefault) {
  scripted_server server({{step::kind::answer, http(418, "I'm a teapot", "")}});
  tls_context tls({.ca_file = "", .ca_pem = server.ca_pem()});
  fake_clock clk;
  order_client c(tls, server.url(), keys(), u(), options(&clk));
  const order_reply r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::paused) << r.detail;
  EXPECT_EQ(r.pause.until_ns, clk.ns + 120'000'000'000);
  EXPECT_NE(r.detail.find("no Retry-After: 120 s (default)"), std::string::npos) << r.detail;
}

// Sent, then no answer (timeout), a closed connection, a 5xx, or a 200 that
// does not read: the order may exist. unknown, never retried (one request each).
TEST(OrderClient, AnOrderLostAfterSendingIsUnknownAndNotRetried) {
  scripted_server server(
      {{step::kind::silent, {}},
       {step::kind::close, {}},
       {step::kind::answer, http(503, "Service Unavailable", "{}")},
       {step::kind::answer, http(200, "OK", R"({"symbol":"LTCBTC"})")},
       {step::kind::answer,
        http(200, "OK",
             std::string(kFull).replace(std::string(kFull).find("tb1c7l1"), 7, "other1"))}});
  tls_context tls({.ca_file = "", .ca_pem = server.ca_pem()});
  fake_clock clk;
  order_client c(tls, server.url(), keys(), u(), options(&clk, 300ms));
  order_reply r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::unknown) << r.detail;
  EXPECT_NE(r.detail.find("after sending"), std::string::npos) << r.detail;
  r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::unknown) << r.detail;
  r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::unknown) << r.detail;
  EXPECT_EQ(r.http_status, 503);
  r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::unknown) << r.detail;
  EXPECT_NE(r.detail.find("HTTP 200 but order response: orderId: missing"), std::string::npos)
      << r.detail;
  r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::unknown) << r.detail;
  EXPECT_NE(r.detail.find("another order"), std::string::npos) << r.detail;
  EXPECT_EQ(server.requests().size(), 5U) << "one request per place(), no retry";
}

// Nothing was written: the connection or the TLS handshake never completed.
TEST(OrderClient, AFailureBeforeSendingIsNotSent) {
  test::silent_server silent;  // accepts, never speaks TLS
  tls_context tls({});
  fake_clock clk;
  order_client c(tls, silent.url(), keys(), u(), options(&clk, 200ms));
  order_reply r = c.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::not_sent) << r.detail;
  EXPECT_NE(r.detail.find("before sending"), std::string::npos) << r.detail;

  order_client refused(tls, "https://127.0.0.1:" + std::to_string(test::closed_port()), keys(), u(),
                       options(&clk, 200ms));
  r = refused.place(an_order());
  EXPECT_EQ(r.outcome, order_outcome::not_sent) << r.detail;
}

TEST(OrderClient, ReadsTheAccountWithASignedGet) {
  scripted_server server(
      {{step::kind::answer,
        http(
            200, "OK",
            R"({"balances":[{"asset":"BTC","free":"1.5","locked":"0"},)"
            R"({"asset":"XRP","free":"3","locked":"0"},{"asset":"LTC","free":"0.333","locked":"0"}]})")},
       {step::kind::answer,
        http(401, "Unauthorized",
             R"({"code":-2015,"msg":"Invalid API-key, IP, or permissions."})")}});
  tls_context tls({.ca_file = "", .ca_pem = server.ca_pem()});
  fake_clock clk;
  order_client c(tls, server.url(), keys(), u(), options(&clk));
  account_reply a = c.account();
  ASSERT_TRUE(a.ok) << a.detail;
  ASSERT_EQ(a.balances.balances.size(), 2U);
  EXPECT_EQ(a.balances.balances[0].asset, *u().find_asset("BTC"));
  EXPECT_EQ(a.balances.balances[1].free, parse_fixed8("0.333").value);
  EXPECT_EQ(a.balances.unknown_assets, 1U);
  const std::string query = account_query({.recv_window_ms = 5000, .timestamp_ms = kWallMs});
  const std::string req = server.requests().at(0);
  EXPECT_EQ(req.rfind("GET /api/v3/account?" + query +
                          "&signature=" + hmac_sha256_hex(kSecret, query) + " HTTP/1.1\r\n",
                      0),
            0U)
      << req;
  EXPECT_NE(req.find("X-MBX-APIKEY: " + std::string(kKey)), std::string::npos);
  a = c.account();
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.error.code, -2015);
  EXPECT_NE(a.detail.find("HTTP 401: code -2015"), std::string::npos) << a.detail;
}

TEST(OrderClient, LiveOrderPlacementOnARealExchangeIsRefused) {
  tls_context tls({});
  const auto refused = [&](const std::string& url) {
    try {
      order_client c(tls, url, keys(), u());
    } catch (const order_client_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string m = refused("https://api.binance.com");
  EXPECT_NE(m.find("host api.binance.com is not loopback"), std::string::npos) << m;
  EXPECT_NE(m.find("live order placement on a real exchange is refused"), std::string::npos) << m;
  EXPECT_NE(refused("https://128.0.0.1:9443").find("not loopback"), std::string::npos);
  EXPECT_NE(refused("https://127.0.0.1.example.com").find("not loopback"), std::string::npos);
  EXPECT_NE(refused("https://[::ffff:127.0.0.1]:1").find("not loopback"), std::string::npos);
  EXPECT_NE(refused("http://127.0.0.1:9443").find("order API"), std::string::npos);
  EXPECT_NE(refused("wss://127.0.0.1:9443").find("must be https://"), std::string::npos);
  for (const char* ok : {"https://127.0.0.1:9443", "https://127.3.2.1", "https://[::1]:9443",
                         "https://localhost:1", "https://LocalHost"}) {
    EXPECT_EQ(refused(ok), "accepted") << ok;
  }
  EXPECT_TRUE(is_loopback_host("127.255.255.255"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("::"));
  EXPECT_FALSE(is_loopback_host(""));
  // Empty credentials are refused too.
  try {
    order_client c(tls, "https://127.0.0.1", {}, u());
    ADD_FAILURE() << "accepted empty keys";
  } catch (const order_client_error& e) {
    EXPECT_NE(std::string(e.what()).find("empty"), std::string::npos);
  }
}

// ---------------------------------------------------------------------------
// Against the simulated exchange's order routes (sim/exchange/order_routes.h)
// ---------------------------------------------------------------------------

struct sim_fixture {
  explicit sim_fixture(sim_exchange_options o = {})
      : ex([&] {
          o.seed = 7;
          o.updates_per_second = 200;  // slow: the top moves little during a test
          o.timeout_hold_ms = 600;
          return o;
        }()) {
    ex.start();
    uni = load_exchange_info(ex.exchange_info());
    tls.emplace(tls_options{.ca_file = "", .ca_pem = ex.ca_pem()});
  }
  order_client client(std::string_view secret = kDemoApiSecret,
                      std::chrono::milliseconds timeout = 3000ms,
                      std::function<std::int64_t()> wall = {}) {
    order_client_options o;
    o.rest.connect_timeout = timeout;
    o.rest.request_timeout = timeout;
    o.wall_ms = std::move(wall);
    return order_client(
        *tls, ex.rest_url(),
        {secret_string(std::string(kDemoApiKey)), secret_string(std::string(secret))}, uni, o);
  }
  // A BUY IOC on the first symbol quoted in USDT, sized above its filters'
  // minimums, limit 1 % above the ask (it fills at the book's prices).
  order_request marketable_buy(std::string id) {
    const symbol_info* s = nullptr;
    symbol_id sid = kNoSymbol;
    for (symbol_id i = 0; i < uni.symbols().size(); ++i) {
      if (uni.assets()[uni.symbol(i).quote] == "USDT") {
        s = &uni.symbol(i);
        sid = i;
        break;
      }
    }
    EXPECT_NE(s, nullptr) << "no USDT symbol in the simulated universe";
    rest_client rest(*tls, ex.rest_url());
    std::vector<std::string> names;
    for (const symbol_info& x : uni.symbols()) names.push_back(x.name);
    const symbol_table table{std::span<const std::string>(names)};
    fixed8 ask;
    for (const quote& q : parse_book_ticker(rest.book_ticker(), table)) {
      if (q.symbol == sid) ask = q.ask;
    }
    EXPECT_TRUE(ask.is_positive());
    const symbol_filters& f = s->filters;
    const fixed8 price =
        ceil_to_step(checked_mul(ask, parse_fixed8("1.01").value, rounding::up).value, f.tick_size);
    fixed8 qty = f.min_qty;
    const fixed8 by_notional = checked_div(f.min_notional, price, rounding::up).value;
    if (by_notional > qty) qty = by_notional;
    qty = ceil_to_step(qty, f.step_size);
    qty = checked_add(qty, f.step_size).value;
    EXPECT_EQ(check_filters(f, price, qty), filter_errc::ok);
    return {.client_order_id = std::move(id),
            .symbol = sid,
            .dir = side::buy,
            .tif = time_in_force::ioc,
            .price = price,
            .quantity = qty};
  }
  // Every asset's free balance from the account equals the exchange's truth.
  void expect_account_matches_truth(order_client& c) {
    const account_reply a = c.account();
    ASSERT_TRUE(a.ok) << a.detail;
    const auto truth = ex.balances(kDemoApiKey);
    ASSERT_TRUE(truth.has_value());
    std::size_t compared = 0;
    for (const account_balance& b : a.balances.balances) {
      for (const auto& [name, free] : *truth) {
        if (name == uni.assets()[b.asset]) {
          EXPECT_EQ(b.free, free) << name;
          EXPECT_TRUE(b.locked.is_zero()) << name;
          ++compared;
        }
      }
    }
    EXPECT_EQ(compared, truth->size());
  }
  sim_exchange ex;
  universe uni;
  std::optional<tls_context> tls;
};

TEST(OrderClientSim, AnOrderFillsAndTheResultIsTheExchangesOwnRecord) {
  sim_fixture s;
  order_client c = s.client();
  const order_request o = s.marketable_buy("tbsim1");
  const order_reply r = c.place(o);
  ASSERT_EQ(r.outcome, order_outcome::accepted) << r.detail;
  EXPECT_TRUE(r.response.result.executed_qty.is_positive()) << r.detail;
  const std::vector<exchange_order> truth = s.ex.orders();
  ASSERT_EQ(truth.size(), 1U);
  EXPECT_EQ(truth[0].request, o);
  EXPECT_EQ(r.response.result, truth[0].result) << "what the client read is what the exchange did";
  // It traded: its first fill took it off the unfilled order count.
  EXPECT_EQ(r.counts.per_10s, 0U);
  EXPECT_EQ(r.counts.per_1d, 0U);
  s.expect_account_matches_truth(c);
}

TEST(OrderClientSim, TheExchangesRejectionsArriveWithTheirCodes) {
  sim_fixture s;
  order_client c = s.client();
  order_request o = s.marketable_buy("tbsim2");
  o.quantity = checked_add(o.quantity, fixed8::from_raw(1)).value;  // off the step: LOT_SIZE
  order_reply r = c.place(o);
  EXPECT_EQ(r.outcome, order_outcome::rejected) << r.detail;
  EXPECT_EQ(r.error.code, -1013) << r.error.msg;

  o = s.marketable_buy("tbsim3");
  // Twice the demo account's 10,000 USDT at the limit, within the filters.
  const symbol_filters& f = s.uni.symbol(o.symbol).filters;
  o.quantity = ceil_to_step(checked_div(fixed8::from_units(20'000), o.price, rounding::up).value,
                            f.step_size);
  ASSERT_EQ(check_filters(f, o.price, o.quantity), filter_errc::ok);
  r = c.place(o);
  EXPECT_EQ(r.outcome, order_outcome::rejected) << r.detail;
  EXPECT_EQ(r.error.code, -2010) << r.error.msg;

  order_client wrong = s.client("triarbSimWrongSecret0000000000000000000000000000000000000000000");
  r = wrong.place(s.marketable_buy("tbsim4"));
  EXPECT_EQ(r.outcome, order_outcome::rejected) << r.detail;
  EXPECT_EQ(r.error.code, -1022) << r.error.msg;

  order_client stale = s.client(kDemoApiSecret, 3000ms, [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() -
           600'000;  // ten minutes old
  });
  r = stale.place(s.marketable_buy("tbsim5"));
  EXPECT_EQ(r.outcome, order_outcome::rejected) << r.detail;
  EXPECT_EQ(r.error.code, -1021) << r.error.msg;
  s.expect_account_matches_truth(c);
}

TEST(OrderClientSim, ATimedOutOrDroppedOrderIsUnknownAndTheAccountReconcilesIt) {
  sim_fixture s;
  order_client c = s.client(kDemoApiSecret, 250ms);
  s.ex.set_order_fault_rates({.timeout = 1});
  order_reply r = c.place(s.marketable_buy("tbsim6"));
  EXPECT_EQ(r.outcome, order_outcome::unknown) << r.detail;
  s.ex.set_order_fault_rates({.dropped = 1});
  r = c.place(s.marketable_buy("tbsim7"));
  EXPECT_EQ(r.outcome, order_outcome::unknown) << r.detail;
  s.ex.set_order_fault_rates({});
  const std::vector<exchange_order> truth = s.ex.orders();
  ASSERT_EQ(truth.size(), 2U) << "each sent once, never retried";
  EXPECT_TRUE(truth[0].executed);
  EXPECT_TRUE(truth[1].executed);
  std::this_thread::sleep_for(700ms);  // the held response is written and discarded
  s.expect_account_matches_truth(c);
}

TEST(OrderClientSim, A429FromTheExchangePausesTheClient) {
  sim_fixture s;
  order_client c = s.client();
  s.ex.set_order_fault_rates({.rate_limited = 1});
  const order_reply r = c.place(s.marketable_buy("tbsim8"));
  EXPECT_EQ(r.outcome, order_outcome::paused) << r.detail;
  EXPECT_EQ(r.http_status, 429);
  EXPECT_NE(r.pause.reason.find("Retry-After 1 s"), std::string::npos) << r.pause.reason;
  const order_reply again = c.place(s.marketable_buy("tbsim9"));
  EXPECT_EQ(again.outcome, order_outcome::paused);
  EXPECT_EQ(s.ex.orders().size(), 1U) << "nothing sent inside the pause";
}

}  // namespace
}  // namespace triarb
