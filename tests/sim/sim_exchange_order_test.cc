// sim_exchange_order_test: the simulated exchange's signed order API over
// real TLS on loopback (POST /api/v3/order, GET /api/v3/account), driven by
// a small client of its own that signs requests by hand with core/hmac.h, as
// the exchange's documentation describes: HMAC-SHA256 of the query string
// concatenated with the form body, the key in X-MBX-APIKEY. Each answer is
// checked as the client sees it (status, headers, JSON) and against the
// exchange's own ground truth (orders(), balances()). Label `integration`:
// loopback only, every read has a deadline, every exchange stops with its test.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/fixed8.h"
#include "core/hmac.h"
#include "core/order.h"
#include "core/universe.h"
#include "net/api_keys.h"
#include "net/order_client.h"
#include "net/tls_client.h"
#include "sim/exchange/sim_exchange.h"
#include "sim/market.h"

namespace triarb {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// ---------------------------------------------------------------------------
// The client: one TLS connection (re-opened after a failure), one request at
// a time, every operation with a deadline.
struct reply {
  beast::error_code ec;  // transport failure: timeout, reset, end of stream
  unsigned status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  [[nodiscard]] bool has(const std::string& h) const { return headers.count(h) != 0; }
  [[nodiscard]] std::string header(const std::string& h) const {
    const auto it = headers.find(h);
    return it == headers.end() ? std::string() : it->second;
  }
};

class raw_client {
 public:
  raw_client(const std::string& ca_pem, std::uint16_t port) : port_(port) {
    ctx_.add_certificate_authority(net::buffer(ca_pem));
    ctx_.set_verify_mode(ssl::verify_peer);
  }

  reply send(http::verb method, const std::string& target, const std::string& body,
             const std::optional<std::string>& api_key,
             std::chrono::milliseconds timeout = 3000ms) {
    reply out;
    if (!stream_) {
      if ((out.ec = connect())) return out;
    }
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (api_key) req.set("X-MBX-APIKEY", *api_key);
    if (!body.empty()) {
      req.set(http::field::content_type, "application/x-www-form-urlencoded");
      req.body() = body;
    }
    req.prepare_payload();
    beast::error_code ec;
    beast::get_lowest_layer(*stream_).expires_after(timeout);
    http::async_write(*stream_, req, [&](beast::error_code e, std::size_t) { ec = e; });
    run(timeout);
    if (!ec) {
      http::response_parser<http::string_body> parser;
      parser.body_limit(1 << 20);
      beast::get_lowest_layer(*stream_).expires_after(timeout);
      buf_.clear();
      http::async_read(*stream_, buf_, parser, [&](beast::error_code e, std::size_t) { ec = e; });
      run(timeout);
      if (!ec) {
        const http::response<http::string_body>& res = parser.get();
        out.status = res.result_int();
        for (const auto& f : res)
          out.headers[std::string(f.name_string())] = std::string(f.value());
        out.body = res.body();
        if (!res.keep_alive()) stream_.reset();
        return out;
      }
    }
    out.ec = ec;
    stream_.reset();  // a failed connection is not reused
    return out;
  }

 private:
  beast::error_code connect() {
    stream_.emplace(ioc_, ctx_);
    stream_->set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    beast::error_code ec;
    beast::get_lowest_layer(*stream_).expires_after(3s);
    beast::get_lowest_layer(*stream_).async_connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port_),
        [&](beast::error_code e) { ec = e; });
    run(3s);
    if (ec) return ec;
    beast::get_lowest_layer(*stream_).expires_after(3s);
    stream_->async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
    run(3s);
    return ec;
  }

  // Runs the started operation to completion; the stream's deadline ends it,
  // and as a backstop the socket is closed.
  void run(std::chrono::milliseconds timeout) {
    ioc_.restart();
    ioc_.run_for(timeout + 2s);
    if (!ioc_.stopped()) {
      beast::error_code ec;
      if (stream_) beast::get_lowest_layer(*stream_).socket().close(ec);
      ioc_.restart();
      ioc_.run();
    }
  }

  net::io_context ioc_;
  ssl::context ctx_{ssl::context::tls_client};
  std::uint16_t port_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buf_;
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const std::string kKey(kDemoApiKey);
const std::string kSecret(kDemoApiSecret);

// A signed request: the signature covers query + body and goes last in the
// body if there is one, else in the query.
reply signed_send(raw_client& c, http::verb method, const std::string& path, std::string query,
                  std::string body = {}, const std::string& key = kKey,
                  const std::string& secret = kSecret, std::chrono::milliseconds timeout = 3000ms) {
  const std::string sig = hmac_sha256_hex(secret, query + body);
  if (body.empty()) {
    query += "&signature=" + sig;
  } else {
    body += "&signature=" + sig;
  }
  return c.send(method, path + "?" + query, body, key, timeout);
}

std::string fmt(fixed8 v) { return to_string(v); }

struct order_spec {
  std::string symbol;
  std::string side = "BUY";
  std::string tif = "IOC";
  fixed8 qty;
  fixed8 price;
  std::string client_id{};
};

std::string order_query(const order_spec& o) {
  std::string q = "symbol=" + o.symbol + "&side=" + o.side + "&type=LIMIT&timeInForce=" + o.tif +
                  "&quantity=" + fmt(o.qty) + "&price=" + fmt(o.price);
  if (!o.client_id.empty()) q += "&newClientOrderId=" + o.client_id;
  return q + "&newOrderRespType=FULL&recvWindow=5000&timestamp=" + std::to_string(now_ms());
}

reply place(raw_client& c, const order_spec& o, std::chrono::milliseconds timeout = 3000ms) {
  return signed_send(c, http::verb::post, "/api/v3/order", order_query(o), {}, kKey, kSecret,
                     timeout);
}

reply account(raw_client& c) {
  return signed_send(c, http::verb::get, "/api/v3/account",
                     "recvWindow=5000&timestamp=" + std::to_string(now_ms()));
}

// {"code":..,"msg":..} of an error answer.
std::pair<std::int64_t, std::string> error_of(const reply& r) {
  simdjson::dom::parser p;
  simdjson::dom::element e;
  if (p.parse(r.body).get(e) != simdjson::SUCCESS) return {0, "unparsable: " + r.body};
  std::int64_t code = 0;
  std::string_view msg;
  if (e["code"].get(code) != simdjson::SUCCESS || e["msg"].get(msg) != simdjson::SUCCESS) {
    return {0, "no code/msg: " + r.body};
  }
  return {code, std::string(msg)};
}

fixed8 dec(std::string_view s) {
  const fixed8_result r = parse_unsigned_fixed8(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.value;
}

// An order answer (FULL) as the client reads it.
struct seen_order {
  std::string symbol, client_id, status, tif, type, side;
  std::uint64_t order_id = 0;
  fixed8 price, orig_qty, executed_qty, cumulative_quote;
  std::vector<order_fill> fills;  // commission_asset left 0: see fill_assets
  std::vector<std::string> fill_assets;
};

seen_order parse_order(const std::string& body) {
  seen_order o;
  simdjson::dom::parser p;
  simdjson::dom::element e;
  EXPECT_EQ(p.parse(body).get(e), simdjson::SUCCESS) << body;
  auto str = [&](simdjson::dom::element x, const char* k) {
    std::string_view v;
    EXPECT_EQ(x[k].get(v), simdjson::SUCCESS) << k << " in " << body;
    return std::string(v);
  };
  o.symbol = str(e, "symbol");
  o.client_id = str(e, "clientOrderId");
  o.status = str(e, "status");
  o.tif = str(e, "timeInForce");
  o.type = str(e, "type");
  o.side = str(e, "side");
  EXPECT_EQ(e["orderId"].get(o.order_id), simdjson::SUCCESS);
  std::int64_t t = 0;
  // transactTime in a placement's answer, time in a query's.
  EXPECT_TRUE(e["transactTime"].get(t) == simdjson::SUCCESS ||
              e["time"].get(t) == simdjson::SUCCESS)
      << body;
  o.price = dec(str(e, "price"));
  o.orig_qty = dec(str(e, "origQty"));
  o.executed_qty = dec(str(e, "executedQty"));
  o.cumulative_quote = dec(str(e, "cummulativeQuoteQty"));
  simdjson::dom::array fills;
  EXPECT_EQ(e["fills"].get(fills), simdjson::SUCCESS);
  for (simdjson::dom::element f : fills) {
    order_fill x;
    x.price = dec(str(f, "price"));
    x.qty = dec(str(f, "qty"));
    x.commission = dec(str(f, "commission"));
    EXPECT_EQ(f["tradeId"].get(x.trade_id), simdjson::SUCCESS);
    o.fill_assets.push_back(str(f, "commissionAsset"));
    o.fills.push_back(x);
  }
  return o;
}

std::map<std::string, fixed8> account_balances(const reply& r) {
  std::map<std::string, fixed8> out;
  simdjson::dom::parser p;
  simdjson::dom::element e;
  EXPECT_EQ(p.parse(r.body).get(e), simdjson::SUCCESS) << r.body;
  simdjson::dom::array arr;
  EXPECT_EQ(e["balances"].get(arr), simdjson::SUCCESS) << r.body;
  for (simdjson::dom::element b : arr) {
    std::string_view asset, free, locked;
    EXPECT_EQ(b["asset"].get(asset), simdjson::SUCCESS);
    EXPECT_EQ(b["free"].get(free), simdjson::SUCCESS);
    EXPECT_EQ(b["locked"].get(locked), simdjson::SUCCESS);
    EXPECT_EQ(locked, "0.00000000");
    out[std::string(asset)] = dec(free);
  }
  return out;
}

std::map<std::string, fixed8> truth_balances(const sim_exchange& ex,
                                             const std::string& key = kKey) {
  std::map<std::string, fixed8> out;
  const auto b = ex.balances(key);
  EXPECT_TRUE(b.has_value());
  if (b) {
    for (const auto& [asset, amount] : *b) out[asset] = amount;
  }
  return out;
}

fixed8 add(fixed8 a, fixed8 b) {
  const fixed8_result r = checked_add(a, b);
  EXPECT_TRUE(r.ok());
  return r.value;
}
fixed8 sub(fixed8 a, fixed8 b) {
  const fixed8_result r = checked_sub(a, b);
  EXPECT_TRUE(r.ok());
  return r.value;
}

// Moves `bal` by one executed order's fills exactly as the exchange's
// arithmetic says (core/order.h): a buy receives base less commission and
// pays fill_quote; a sell pays base and receives fill_quote less commission.
void apply_fills(std::map<std::string, fixed8>& bal, const symbol_info& s, const universe& u,
                 side dir, const std::vector<order_fill>& fills) {
  const std::string& base = u.assets()[s.base];
  const std::string& quote = u.assets()[s.quote];
  for (const order_fill& f : fills) {
    const fixed8_result q = fill_quote(f.price, f.qty);
    ASSERT_TRUE(q.ok());
    if (dir == side::buy) {
      bal[base] = sub(add(bal[base], f.qty), f.commission);
      bal[quote] = sub(bal[quote], q.value);
    } else {
      bal[base] = sub(bal[base], f.qty);
      bal[quote] = sub(add(bal[quote], q.value), f.commission);
    }
  }
}

// A frozen market (no steps): the quotes the test reads are the ones orders meet.
sim_exchange_options frozen(std::uint64_t seed = 11) {
  sim_exchange_options o;
  o.seed = seed;
  o.updates_per_second = 0;
  return o;
}

struct symbol_ctx {
  universe u;
  symbol_id id = kNoSymbol;
  symbol_info info;
  sim::true_quote quote;
};

symbol_ctx symbol_of(const sim_exchange& ex, const std::string& name) {
  symbol_ctx c;
  c.u = load_exchange_info(ex.exchange_info());
  c.id = c.u.find_symbol(name);
  EXPECT_NE(c.id, kNoSymbol) << name;
  if (c.id == kNoSymbol) return c;
  c.info = c.u.symbol(c.id);
  c.quote = ex.with_market([&](const sim::market& m) { return m.quote_of(c.id); });
  return c;
}

// The smallest quantity the filters accept at `price`, times `lots`.
fixed8 min_lot(const symbol_filters& f, fixed8 price, std::int64_t lots = 1) {
  fixed8 q = ceil_to_step(f.min_qty.is_positive() ? f.min_qty : f.step_size, f.step_size);
  while (check_filters(f, price, q) == filter_errc::notional_min) {
    q = ceil_to_step(fixed8::from_raw(q.raw() * 2), f.step_size);
  }
  return fixed8::from_raw(q.raw() * lots);
}

fixed8 top_ask_qty(const symbol_ctx& c) {
  const u128 capped = std::min<u128>(c.quote.ask_qty_raw, static_cast<u128>(fixed8::max().raw()));
  return floor_to_step(fixed8::from_raw(static_cast<std::int64_t>(capped)),
                       c.info.filters.step_size);
}

// ---------------------------------------------------------------------------

TEST(SimExchangeOrders, AnIocOrderFillsAtTheTopAndTheAccountMovesExactly) {
  sim_exchange ex(frozen());
  ex.start();
  const symbol_ctx c = symbol_of(ex, "BTCUSDT");
  ASSERT_TRUE(c.quote.present);
  const fixed8 ask = c.quote.ask;
  const fixed8 qty = std::min(min_lot(c.info.filters, ask, 3), top_ask_qty(c));
  ASSERT_EQ(check_filters(c.info.filters, ask, qty), filter_errc::ok);
  const auto before = truth_balances(ex);

  raw_client client(ex.ca_pem(), ex.port());
  const reply acc0 = account(client);
  ASSERT_EQ(acc0.status, 200u) << acc0.body;
  EXPECT_EQ(account_balances(acc0), before);
  EXPECT_EQ(acc0.header("X-MBX-USED-WEIGHT-1M"), "20");

  const reply r = place(client, {.symbol = "BTCUSDT", .qty = qty, .price = ask, .client_id = "t1"});
  ASSERT_FALSE(r.ec) << r.ec.message();
  ASSERT_EQ(r.status, 200u) << r.body;
  // Filled: its first fill took it off the unfilled order count.
  EXPECT_EQ(r.header("X-MBX-ORDER-COUNT-10S"), "0");
  EXPECT_EQ(r.header("X-MBX-ORDER-COUNT-1D"), "0");
  EXPECT_EQ(r.header("X-MBX-USED-WEIGHT-1M"), "21");
  const seen_order o = parse_order(r.body);
  EXPECT_EQ(o.symbol, "BTCUSDT");
  EXPECT_EQ(o.client_id, "t1");
  EXPECT_EQ(o.status, "FILLED");
  EXPECT_EQ(o.tif, "IOC");
  EXPECT_EQ(o.type, "LIMIT");
  EXPECT_EQ(o.side, "BUY");
  EXPECT_EQ(o.price, ask);
  EXPECT_EQ(o.orig_qty, qty);
  EXPECT_EQ(o.executed_qty, qty);
  // One trade at the true ask, the commission charged in the received base.
  ASSERT_EQ(o.fills.size(), 1u) << r.body;
  EXPECT_EQ(o.fills[0].price, ask);
  EXPECT_EQ(o.fills[0].qty, qty);
  EXPECT_EQ(o.fills[0].commission, fill_commission(qty, sim_exchange_options{}.fee_rate).value);
  EXPECT_EQ(o.fill_assets[0], "BTC");
  EXPECT_EQ(o.cumulative_quote, fill_quote(ask, qty).value);

  // The account moved by exactly that trade, as the client reads it and as
  // the exchange holds it.
  auto want = before;
  apply_fills(want, c.info, c.u, side::buy, o.fills);
  EXPECT_EQ(truth_balances(ex), want);
  const reply acc1 = account(client);
  ASSERT_EQ(acc1.status, 200u) << acc1.body;
  EXPECT_EQ(account_balances(acc1), want);
  EXPECT_NE(want["BTC"], before.at("BTC"));

  // The ground truth: one order, executed, answered, the quote it met.
  const std::vector<exchange_order> truth = ex.orders();
  ASSERT_EQ(truth.size(), 1u);
  EXPECT_TRUE(truth[0].executed);
  EXPECT_EQ(truth[0].fault, order_fault::none);
  EXPECT_EQ(truth[0].delivery, order_delivery::answered);
  EXPECT_EQ(truth[0].request.client_order_id, "t1");
  EXPECT_EQ(truth[0].result.order_id, o.order_id);
  EXPECT_EQ(truth[0].result.fills.size(), 1u);
  EXPECT_EQ(truth[0].quote_update_id, c.quote.update_id);
  EXPECT_EQ(ex.get_stats().orders_executed, 1u);
}

TEST(SimExchangeOrders, ParametersSplitBetweenQueryAndBodyAreSignedTogether) {
  // A FOK order below the ask cannot fill: EXPIRED, nothing moves. Half its
  // parameters in the query, half in the body, one signature over both.
  sim_exchange ex(frozen());
  ex.start();
  const symbol_ctx c = symbol_of(ex, "BTCUSDT");
  const fixed8 price =
      floor_to_step(fixed8::from_raw(c.quote.ask.raw() / 2), c.info.filters.tick_size);
  const fixed8 qty = min_lot(c.info.filters, price, 2);
  const auto before = truth_balances(ex);
  raw_client client(ex.ca_pem(), ex.port());
  const std::string query = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=FOK";
  const std::string body = "quantity=" + fmt(qty) + "&price=" + fmt(price) +
                           "&recvWindow=5000&timestamp=" + std::to_string(now_ms());
  const reply r = signed_send(client, http::verb::post, "/api/v3/order", query, body);
  ASSERT_EQ(r.status, 200u) << r.body;
  const seen_order o = parse_order(r.body);
  EXPECT_EQ(o.status, "EXPIRED");
  EXPECT_EQ(o.tif, "FOK");
  EXPECT_EQ(o.executed_qty, fixed8::zero());
  EXPECT_TRUE(o.fills.empty());
  EXPECT_EQ(o.client_id, "sim1");  // no newClientOrderId: the exchange names it
  EXPECT_EQ(truth_balances(ex), before);
  ASSERT_EQ(ex.orders().size(), 1u);
  EXPECT_TRUE(ex.orders()[0].executed);
}

TEST(SimExchangeOrders, TheDocumentedMixedQueryAndBodyExampleVerifies) {
  // The exchange's documentation, "SIGNED Endpoint Examples", example 3:
  // this key and secret, this query and body, this signature. Its timestamp
  // is from 2017, so a signature that verifies is answered -1021; one byte
  // changed is -1022.
  const std::string key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
  const std::string secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
  sim_exchange_options opt = frozen();
  opt.accounts = {{key, secret, {{"USDT", fixed8::from_units(1)}}}};
  sim_exchange ex(opt);
  ex.start();
  raw_client client(ex.ca_pem(), ex.port());
  const std::string target = "/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC";
  const std::string body = "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
  const std::string sig = "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77";
  const reply ok = client.send(http::verb::post, target, body + "&signature=" + sig, key);
  EXPECT_EQ(ok.status, 400u);
  EXPECT_EQ(
      error_of(ok),
      std::make_pair(std::int64_t{-1021},
                     std::string("Timestamp for this request is outside of the recvWindow.")));
  std::string bad = sig;
  bad[0] = '1';
  const reply no = client.send(http::verb::post, target, body + "&signature=" + bad, key);
  EXPECT_EQ(no.status, 400u);
  EXPECT_EQ(error_of(no), std::make_pair(std::int64_t{-1022},
                                         std::string("Signature for this request is not valid.")));
  EXPECT_TRUE(ex.orders().empty());
}

TEST(SimExchangeOrders, AuthenticationFailuresAnswerAsTheExchangeDoes) {
  sim_exchange ex(frozen());
  ex.start();
  const symbol_ctx c = symbol_of(ex, "BTCUSDT");
  const order_spec spec{
      .symbol = "BTCUSDT", .qty = min_lot(c.info.filters, c.quote.ask), .price = c.quote.ask};
  raw_client client(ex.ca_pem(), ex.port());
  const std::string q = order_query(spec);

  // A signature over other bytes.
  {
    const reply r = client.send(
        http::verb::post, "/api/v3/order?" + q + "&signature=" + hmac_sha256_hex(kSecret, q + "x"),
        {}, kKey);
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(error_of(r).first, -1022) << r.body;
  }
  // The right bytes under another secret.
  {
    const reply r = signed_send(client, http::verb::post, "/api/v3/order", q, {}, kKey, "wrong");
    EXPECT_EQ(error_of(r).first, -1022) << r.body;
  }
  // A stale timestamp (10 s old, recvWindow 5000), and one 2 s ahead.
  for (const std::int64_t offset : {-10'000, 2'000}) {
    const std::string stale =
        "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=" + fmt(spec.qty) +
        "&price=" + fmt(spec.price) +
        "&recvWindow=5000&timestamp=" + std::to_string(now_ms() + offset);
    const reply r = signed_send(client, http::verb::post, "/api/v3/order", stale);
    EXPECT_EQ(r.status, 400u);
    EXPECT_EQ(error_of(r).first, -1021) << r.body;
  }
  // recvWindow above 60000.
  {
    const reply r =
        signed_send(client, http::verb::post, "/api/v3/order",
                    "symbol=BTCUSDT&recvWindow=60001&timestamp=" + std::to_string(now_ms()));
    EXPECT_EQ(error_of(r).first, -1131) << r.body;
  }
  // No timestamp at all.
  {
    const reply r = signed_send(client, http::verb::post, "/api/v3/order", "symbol=BTCUSDT");
    EXPECT_EQ(error_of(r), std::make_pair(std::int64_t{-1102},
                                          std::string("Mandatory parameter 'timestamp' was not "
                                                      "sent, was empty/null, or malformed.")));
  }
  // No key, a malformed key, an unknown key.
  {
    const std::string sig = hmac_sha256_hex(kSecret, q);
    const reply none =
        client.send(http::verb::post, "/api/v3/order?" + q + "&signature=" + sig, {}, std::nullopt);
    EXPECT_EQ(none.status, 401u);
    EXPECT_EQ(error_of(none),
              std::make_pair(std::int64_t{-2014}, std::string("API-key format invalid.")));
    const reply bad = client.send(http::verb::post, "/api/v3/order?" + q + "&signature=" + sig, {},
                                  std::string("not a key!"));
    EXPECT_EQ(error_of(bad).first, -2014) << bad.body;
    const reply unknown = client.send(http::verb::post, "/api/v3/order?" + q + "&signature=" + sig,
                                      {}, std::string("Unknown0Key"));
    EXPECT_EQ(unknown.status, 401u);
    EXPECT_EQ(error_of(unknown),
              std::make_pair(std::int64_t{-2015},
                             std::string("Invalid API-key, IP, or permissions for action.")));
  }
  // The account endpoint checks the same way.
  {
    const std::string aq = "timestamp=" + std::to_string(now_ms());
    const reply r = client.send(
        http::verb::get, "/api/v3/account?" + aq + "&signature=" + std::string(64, '0'), {}, kKey);
    EXPECT_EQ(error_of(r).first, -1022) << r.body;
  }
  // None of these was an order; each was counted by its cause.
  EXPECT_TRUE(ex.orders().empty());
  const sim_exchange::stats s = ex.get_stats();
  EXPECT_EQ(s.rejected_signature, 3u);
  EXPECT_EQ(s.rejected_timestamp, 4u);
  EXPECT_EQ(s.rejected_api_key, 3u);
  EXPECT_EQ(s.orders_received, 0u);
}

TEST(SimExchangeOrders, RefusedOrdersAreInTheGroundTruthAndMoveNothing) {
  sim_exchange ex(frozen());
  ex.start();
  const symbol_ctx c = symbol_of(ex, "BTCUSDT");
  const symbol_filters& f = c.info.filters;
  const fixed8 ask = c.quote.ask;
  const fixed8 lot = min_lot(f, ask);
  const auto before = truth_balances(ex);
  raw_client client(ex.ca_pem(), ex.port());
  struct refusal {
    order_spec spec;
    unsigned status;
    std::int64_t code;
    std::string msg;
    bool in_truth;
  };
  const std::vector<refusal> cases = {
      // LOT_SIZE: a quantity off the step.
      {{.symbol = "BTCUSDT",
        .qty = add(lot, fixed8::from_raw(f.step_size.raw() / 2 > 0 ? f.step_size.raw() / 2 : 1)),
        .price = ask},
       400,
       -1013,
       "Filter failure: LOT_SIZE",
       true},
      // PRICE_FILTER: a price off the tick (when the tick is above one unit).
      {{.symbol = "BTCUSDT", .qty = lot, .price = add(ask, fixed8::from_raw(1))},
       400,
       -1013,
       "Filter failure: PRICE_FILTER",
       true},
      // More than the account holds (10,000 USDT).
      {{.symbol = "BTCUSDT", .qty = ceil_to_step(fixed8::from_units(1), f.step_size), .price = ask},
       400,
       -2010,
       "Account has insufficient balance for requested action.",
       true},
      {{.symbol = "NOSUCHPAIR", .qty = lot, .price = ask}, 400, -1121, "Invalid symbol.", true},
      {{.symbol = "BTCUSDT", .tif = "GTC", .qty = lot, .price = ask},
       400,
       -1014,
       "Unsupported order combination.",
       false},
      {{.symbol = "BTCUSDT", .side = "HOLD", .qty = lot, .price = ask},
       400,
       -1117,
       "Invalid side.",
       false},
  };
  ASSERT_GT(f.tick_size.raw(), 1);
  std::size_t in_truth = 0;
  for (const refusal& x : cases) {
    const reply r = place(client, x.spec);
    EXPECT_EQ(r.status, x.status) << x.msg << ": " << r.body;
    EXPECT_EQ(error_of(r), std::make_pair(x.code, x.msg));
    if (x.in_truth) ++in_truth;
  }
  // A missing quantity.
  const reply missing =
      signed_send(client, http::verb::post, "/api/v3/order",
                  "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&price=" + fmt(ask) +
                      "&timestamp=" + std::to_string(now_ms()));
  EXPECT_EQ(error_of(missing),
            std::make_pair(std::int64_t{-1102},
                           std::string("Mandatory parameter 'quantity' was not sent, was "
                                       "empty/null, or malformed.")));
  const std::vector<exchange_order> truth = ex.orders();
  ASSERT_EQ(truth.size(), in_truth);
  for (const exchange_order& o : truth) {
    EXPECT_FALSE(o.executed) << o.result.error_msg;
    EXPECT_EQ(o.result.order_id, 0u);
    EXPECT_EQ(o.http_status, 400);
  }
  EXPECT_EQ(truth[0].result.error_code, -1013);
  EXPECT_EQ(truth[2].result.error_msg, "Account has insufficient balance for requested action.");
  EXPECT_EQ(truth_balances(ex), before);
  EXPECT_EQ(ex.get_stats().orders_refused, in_truth);
}

TEST(SimExchangeOrders, The101stOrderIn10SecondsIs429WithTheOrderCountHeaders) {
  sim_exchange ex(frozen());
  ex.start();
  const symbol_ctx c = symbol_of(ex, "BTCUSDT");
  // Bids far below the ask: accepted, never filled (EXPIRED), so the balance lasts.
  const fixed8 price =
      floor_to_step(fixed8::from_raw(c.quote.ask.raw() / 2), c.info.filters.tick_size);
  const order_spec spec{.symbol = "BTCUSDT", .qty = min_lot(c.info.filters, price), .price = price};
  raw_client client(ex.ca_pem(), ex.port());
  for (int i = 1; i <= 100; ++i) {
    const reply r = place(client, spec);
    ASSERT_EQ(r.status, 200u) << i << ": " << r.body;
    ASSERT_EQ(r.header("X-MBX-ORDER-COUNT-10S"), std::to_string(i));
    ASSERT_EQ(r.header("X-MBX-ORDER-COUNT-1D"), std::to_string(i));
  }
  const reply r = place(client, spec);
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_EQ(error_of(r),
            std::make_pair(std::int64_t{-1015},
                           std::string("Too many new orders; current limit is 100 orders per 10 "
                                       "SECOND.")));
  EXPECT_EQ(r.header("X-MBX-ORDER-COUNT-10S"), "100");
  EXPECT_EQ(r.header("X-MBX-ORDER-COUNT-1D"), "100");
  EXPECT_EQ(r.header("X-MBX-USED-WEIGHT-1M"), "101");
  EXPECT_FALSE(r.has("Retry-After"));  // the exchange sends none with an order-count 429
  const std::vector<exchange_order> truth = ex.orders();
  ASSERT_EQ(truth.size(), 101u);
  EXPECT_FALSE(truth.back().executed);
  EXPECT_EQ(truth.back().http_status, 429);
  EXPECT_EQ(ex.get_stats().rejected_order_count_429, 1u);
}

// ---------------------------------------------------------------------------
// Order-path faults: each as the client sees it, and what really happened.

struct fault_fixture {
  explicit fault_fixture(order_fault_rates rates, sim_exchange_options opt = frozen()) {
    opt.order_faults = rates;
    opt.timeout_hold_ms = 1500;  // past the client's 300 ms below
    opt.ban_s = 5;
    ex.emplace(opt);
    ex->start();
    c = symbol_of(*ex, "BTCUSDT");
    before = truth_balances(*ex);
  }
  order_spec fillable(std::int64_t lots = 1) const {
    const fixed8 qty = std::min(min_lot(c.info.filters, c.quote.ask, lots), top_ask_qty(c));
    return {.symbol = "BTCUSDT", .qty = qty, .price = c.quote.ask};
  }
  std::optional<sim_exchange> ex;
  symbol_ctx c;
  std::map<std::string, fixed8> before;
};

TEST(SimExchangeOrderFaults, ATimedOutOrderExecutedAndTheAccountSaysSo) {
  fault_fixture fx({.timeout = 1.0});
  raw_client client(fx.ex->ca_pem(), fx.ex->port());
  const reply r = place(client, fx.fillable(), 300ms);
  EXPECT_EQ(r.ec, beast::error::timeout) << r.status << " " << r.body;
  EXPECT_EQ(r.status, 0u);
  // The exchange executed it; the client reconciles from the account.
  const std::vector<exchange_order> truth = fx.ex->orders();
  ASSERT_EQ(truth.size(), 1u);
  EXPECT_TRUE(truth[0].executed);
  EXPECT_EQ(truth[0].fault, order_fault::timeout);
  EXPECT_EQ(truth[0].delivery, order_delivery::held);
  EXPECT_EQ(truth[0].result.status, order_status::filled);
  auto want = fx.before;
  apply_fills(want, fx.c.info, fx.c.u, side::buy, truth[0].result.fills);
  fx.ex->set_order_fault_rates({});
  const reply acc = account(client);
  ASSERT_EQ(acc.status, 200u) << acc.body;
  EXPECT_EQ(account_balances(acc), want);
  EXPECT_NE(want.at("BTC"), fx.before.at("BTC"));
  EXPECT_EQ(fx.ex->get_stats().order_faults_timeout, 1u);
}

TEST(SimExchangeOrderFaults, ADroppedResponseClosesTheConnectionAfterExecuting) {
  fault_fixture fx({.dropped = 1.0});
  raw_client client(fx.ex->ca_pem(), fx.ex->port());
  const reply r = place(client, fx.fillable());
  EXPECT_TRUE(r.ec) << "answered " << r.status << " " << r.body;
  EXPECT_NE(r.ec, beast::error::timeout) << "closed, not held";
  EXPECT_EQ(r.status, 0u);
  const std::vector<exchange_order> truth = fx.ex->orders();
  ASSERT_EQ(truth.size(), 1u);
  EXPECT_TRUE(truth[0].executed);
  EXPECT_EQ(truth[0].fault, order_fault::dropped);
  EXPECT_EQ(truth[0].delivery, order_delivery::dropped);
  auto want = fx.before;
  apply_fills(want, fx.c.info, fx.c.u, side::buy, truth[0].result.fills);
  fx.ex->set_order_fault_rates({});
  const reply acc = account(client);  // a new connection
  ASSERT_EQ(acc.status, 200u) << acc.body;
  EXPECT_EQ(account_balances(acc), want);
  EXPECT_EQ(fx.ex->get_stats().order_faults_dropped, 1u);
}

TEST(SimExchangeOrderFaults, APartialFillIsAnExpiredIocWithLessThanAsked) {
  fault_fixture fx({.partial = 1.0});
  raw_client client(fx.ex->ca_pem(), fx.ex->port());
  const order_spec spec = fx.fillable(40);
  const reply r = place(client, spec);
  ASSERT_EQ(r.status, 200u) << r.body;
  const seen_order o = parse_order(r.body);
  EXPECT_EQ(o.status, "EXPIRED");
  EXPECT_EQ(o.orig_qty, spec.qty);
  EXPECT_GT(o.executed_qty, fixed8::zero());
  EXPECT_LT(o.executed_qty, spec.qty);
  const std::vector<exchange_order> truth = fx.ex->orders();
  ASSERT_EQ(truth.size(), 1u);
  EXPECT_EQ(truth[0].fault, order_fault::partial);
  EXPECT_EQ(truth[0].result.executed_qty, o.executed_qty);
  EXPECT_EQ(truth[0].request.quantity, spec.qty);
  auto want = fx.before;
  apply_fills(want, fx.c.info, fx.c.u, side::buy, o.fills);
  EXPECT_EQ(truth_balances(*fx.ex), want);
  EXPECT_EQ(fx.ex->get_stats().order_faults_partial, 1u);
}

TEST(SimExchangeOrderFaults, A429CarriesRetryAfterAndIgnoringItBans) {
  fault_fixture fx({.rate_limited = 1.0});
  raw_client client(fx.ex->ca_pem(), fx.ex->port());
  const reply r = place(client, fx.fillable());
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_EQ(error_of(r).first, -1003) << r.body;
  EXPECT_EQ(r.header("Retry-After"), "1");
  const std::vector<exchange_order> truth = fx.ex->orders();
  ASSERT_EQ(truth.size(), 1u);
  EXPECT_FALSE(truth[0].executed);
  EXPECT_EQ(truth[0].fault, order_fault::rate_limited);
  EXPECT_EQ(truth_balances(*fx.ex), fx.before);
  // Not waiting: two more 429s inside the window, then the ban (418).
  fx.ex->set_order_fault_rates({});
  const reply again1 = place(client, fx.fillable());
  const reply again2 = place(client, fx.fillable());
  EXPECT_EQ(again1.status, 429u);
  EXPECT_EQ(again2.status, 429u);
  EXPECT_TRUE(again2.has("Retry-After"));
  const reply banned = place(client, fx.fillable());
  EXPECT_EQ(banned.status, 418u) << banned.body;
  EXPECT_EQ(error_of(banned).first, -1003);
  EXPECT_EQ(banned.header("Retry-After"), "5");
  const reply still = account(client);
  EXPECT_EQ(still.status, 418u);
  EXPECT_EQ(fx.ex->orders().size(), 1u);  // refused at the door: none became orders
  const sim_exchange::stats s = fx.ex->get_stats();
  EXPECT_EQ(s.order_faults_rate_limited, 1u);
  EXPECT_EQ(s.rejected_weight_429, 2u);
  EXPECT_EQ(s.bans, 1u);
  EXPECT_EQ(s.rejected_418, 2u);
}

TEST(SimExchangeOrderFaults, ARejectIsRefusedAndNotExecuted) {
  fault_fixture fx({.reject = 1.0});
  raw_client client(fx.ex->ca_pem(), fx.ex->port());
  const reply r = place(client, fx.fillable());
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(error_of(r), std::make_pair(std::int64_t{-2010}, std::string("New order rejected.")));
  ASSERT_EQ(fx.ex->orders().size(), 1u);
  EXPECT_FALSE(fx.ex->orders()[0].executed);
  EXPECT_EQ(truth_balances(*fx.ex), fx.before);
  EXPECT_EQ(fx.ex->get_stats().order_faults_reject, 1u);
}

TEST(SimExchangeOrderFaults, UnderMixedFaultsNothingIsLostAndTheAccountReconciles) {
  // Seeded rates of every fault but the 429 (its Retry-After would cost a
  // second per hit); buys and sells against one frozen quote. Seed 13 draws
  // each of the four at least three times in 30 orders.
  fault_fixture fx({.reject = 0.15, .timeout = 0.15, .partial = 0.15, .dropped = 0.15}, frozen(13));
  raw_client client(fx.ex->ca_pem(), fx.ex->port());
  const fixed8 bid = fx.c.quote.bid;
  int answered = 0, timed_out = 0, closed = 0;
  constexpr int kOrders = 30;
  std::vector<reply> seen;
  for (int i = 0; i < kOrders; ++i) {
    order_spec spec = fx.fillable(10 + 10 * (i % 4));  // large enough for a partial cap
    if (i % 3 == 2) {
      spec.side = "SELL";
      spec.price = bid;
    }
    spec.client_id = "mix" + std::to_string(i);
    const reply r = place(client, spec, 300ms);
    seen.push_back(r);
    if (!r.ec) {
      ++answered;
    } else if (r.ec == beast::error::timeout) {
      ++timed_out;
    } else {
      ++closed;
    }
  }
  const std::vector<exchange_order> truth = fx.ex->orders();
  ASSERT_EQ(truth.size(), static_cast<std::size_t>(kOrders));  // nothing lost
  auto want = fx.before;
  int held = 0, dropped = 0;
  for (int i = 0; i < kOrders; ++i) {
    const exchange_order& o = truth[static_cast<std::size_t>(i)];
    EXPECT_EQ(o.request.client_order_id, "mix" + std::to_string(i));
    held += o.delivery == order_delivery::held;
    dropped += o.delivery == order_delivery::dropped;
    // What the client saw is what the exchange did.
    const reply& r = seen[static_cast<std::size_t>(i)];
    EXPECT_EQ(o.delivery == order_delivery::answered, !r.ec) << i;
    if (!r.ec && o.executed) {
      const seen_order got = parse_order(r.body);
      EXPECT_EQ(got.executed_qty, o.result.executed_qty) << i;
      EXPECT_EQ(got.status, to_string(o.result.status)) << i;
      EXPECT_EQ(got.fills.size(), o.result.fills.size()) << i;
    } else if (!r.ec) {
      EXPECT_EQ(error_of(r).first, o.result.error_code) << i;
    }
    if (o.executed) apply_fills(want, fx.c.info, fx.c.u, o.request.dir, o.result.fills);
  }
  EXPECT_EQ(held, timed_out);
  EXPECT_EQ(dropped, closed);
  EXPECT_EQ(answered + timed_out + closed, kOrders);
  EXPECT_EQ(truth_balances(*fx.ex), want);
  fx.ex->set_order_fault_rates({});
  EXPECT_EQ(account_balances(account(client)), want);
  const sim_exchange::stats s = fx.ex->get_stats();
  EXPECT_EQ(s.order_faults_timeout, static_cast<std::uint64_t>(held));
  EXPECT_EQ(s.order_faults_dropped, static_cast<std::uint64_t>(dropped));
  EXPECT_GT(s.order_faults_reject, 0u);
  EXPECT_GT(s.order_faults_partial, 0u);
  EXPECT_GT(s.order_faults_timeout, 0u);
  EXPECT_GT(s.order_faults_dropped, 0u);
  EXPECT_EQ(s.orders_received, static_cast<std::uint64_t>(kOrders));
  std::string kinds;
  for (const exchange_order& o : truth) kinds += std::string(to_string(o.fault).substr(0, 2)) + " ";
  std::cout << "[ figures  ] faults in arrival order: " << kinds << "\n";
  std::cout << "[ figures  ] " << kOrders << " orders: " << answered << " answered, " << timed_out
            << " timed out, " << closed << " closed; faults reject " << s.order_faults_reject
            << " partial " << s.order_faults_partial << " timeout " << s.order_faults_timeout
            << " dropped " << s.order_faults_dropped << "; executed " << s.orders_executed << "\n";
}

TEST(SimExchangeOrders, AnOrderMatchesTheMarketAsItIsWhenItArrives) {
  // A moving market and a 150 ms network delay: the order meets the market
  // as it is when it arrives, its clock past where it was when it was sent.
  sim_exchange_options opt;
  opt.seed = 5;
  opt.updates_per_second = 20000;
  opt.order_delay_ms = 150;
  sim_exchange ex(opt);
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  const symbol_id s = u.find_symbol("BTCUSDT");
  const std::int64_t sent_at = ex.with_market([](const sim::market& m) { return m.now_ns(); });
  const sim::true_quote q = ex.with_market([&](const sim::market& m) { return m.quote_of(s); });
  const fixed8 price =
      floor_to_step(fixed8::from_raw(q.ask.raw() / 2), u.symbol(s).filters.tick_size);
  raw_client client(ex.ca_pem(), ex.port());
  const reply r = place(
      client, {.symbol = "BTCUSDT", .qty = min_lot(u.symbol(s).filters, price), .price = price});
  ASSERT_EQ(r.status, 200u) << r.body;
  const std::vector<exchange_order> truth = ex.orders();
  ASSERT_EQ(truth.size(), 1u);
  EXPECT_GE(truth[0].arrival_unix_ms - truth[0].received_unix_ms, 150);
  EXPECT_GT(truth[0].market_time_ns, sent_at);  // the market moved on meanwhile
}

TEST(SimExchangeOrders, HostileRequestsAreRefusedByName) {
  sim_exchange ex(frozen());
  ex.start();
  raw_client client(ex.ca_pem(), ex.port());
  const std::string ts = "&timestamp=" + std::to_string(now_ms());
  const std::string base = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC";
  struct probe {
    std::string query;
    std::int64_t code;
    std::string msg_part;
  };
  const std::vector<probe> probes = {
      {base + "&quantity=-1&price=1" + ts, -1100, "parameter 'quantity'"},
      {base + "&quantity=1&price=1e5" + ts, -1100, "parameter 'price'"},
      {base + "&quantity=0.000000001&price=1" + ts, -1111, "Precision is over the maximum"},
      {base + "&quantity=1&price=1&side=SELL" + ts, -1101,
       "Duplicate values for a parameter detected."},
      {base + "&signature=00&quantity=1&price=1" + ts, -1101, "Duplicate values"},
      {base + "&quantity=1&price=1&newClientOrderId=" + std::string(37, 'a') + ts, -1100,
       "newClientOrderId"},
      {base + "&quantity=1&price=1&newOrderRespType=LOUD" + ts, -1100, "newOrderRespType"},
      {"symbol=BTCUSDT&side=BUY&type=ICEBERG&timeInForce=IOC&quantity=1&price=1" + ts, -1116,
       "Invalid orderType."},
      {"symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=DAY&quantity=1&price=1" + ts, -1115,
       "Invalid timeInForce."},
      {"symbol=%ZZ&side=BUY" + ts, -1100, "parameter 'symbol'"},
      {base + "&quantity=1&price=1&timestamp=12x4", -1102, "'timestamp'"},
  };
  // Every refusal body reads with the bot's own parser (valid UTF-8 JSON).
  const auto client_reads = [](const reply& r, std::int64_t code) {
    try {
      EXPECT_EQ(parse_exchange_error(r.body).code, code) << r.body;
    } catch (const order_api_error& e) {
      ADD_FAILURE() << "parse_exchange_error: " << e.what() << ": " << r.body;
    }
  };
  for (const probe& p : probes) {
    const reply r = signed_send(client, http::verb::post, "/api/v3/order", p.query);
    EXPECT_EQ(r.status, 400u) << p.query << ": " << r.body;
    const auto [code, msg] = error_of(r);
    EXPECT_EQ(code, p.code) << p.query << ": " << r.body;
    EXPECT_NE(msg.find(p.msg_part), std::string::npos) << p.query << ": " << msg;
    client_reads(r, p.code);
  }
  // A malformed name with raw bytes that are not ASCII, cut where it is
  // echoed (64 bytes) in the middle of a two-byte character: the body stays
  // valid UTF-8 and says which parameter.
  const std::string raw_name = std::string(63, 'n') + "\xC3\xA9%ZZ";
  const reply bad_name = signed_send(client, http::verb::post, "/api/v3/order",
                                     base + "&quantity=1&price=1" + ts, raw_name + "=1");
  EXPECT_EQ(bad_name.status, 400u) << bad_name.body;
  EXPECT_EQ(error_of(bad_name).first, -1100) << bad_name.body;
  client_reads(bad_name, -1100);
  // A method the path does not serve; a body over the exchange's limit.
  const reply del = client.send(http::verb::delete_, "/api/v3/order?" + base, {}, kKey);
  EXPECT_EQ(del.status, 405u) << del.body;
  EXPECT_TRUE(del.has("X-MBX-USED-WEIGHT-1M")) << "every answer carries the weight";
  client_reads(del, -1000);
  const reply big = client.send(http::verb::post, "/api/v3/order", std::string(4096, 'a'), kKey);
  EXPECT_TRUE(big.ec || big.status == 400u || big.status == 413u) << big.status;
  EXPECT_TRUE(ex.orders().empty());
  // Each probe but the timestamp's (rejected_timestamp), the bad name and the DELETE.
  EXPECT_EQ(ex.get_stats().rejected_bad_parameter, probes.size() - 1 + 1 + 1);
  EXPECT_EQ(ex.get_stats().rejected_timestamp, 1u);
}

TEST(SimExchangeOrders, RecvWindowTakesUpToThreeDecimals) {
  sim_exchange ex(frozen());
  ex.start();
  raw_client client(ex.ca_pem(), ex.port());
  const std::string ts = "&timestamp=" + std::to_string(now_ms());
  reply r = signed_send(client, http::verb::get, "/api/v3/account", "recvWindow=5000.346" + ts);
  EXPECT_EQ(r.status, 200u) << r.body;
  r = signed_send(client, http::verb::get, "/api/v3/account", "recvWindow=5000.3461" + ts);
  EXPECT_EQ(error_of(r).first, -1102) << r.body;
  r = signed_send(client, http::verb::get, "/api/v3/account", "recvWindow=60000.001" + ts);
  EXPECT_EQ(error_of(r).first, -1131) << r.body;
  r = signed_send(client, http::verb::get, "/api/v3/account", "recvWindow=60000.000" + ts);
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST(SimExchangeOrderFaults, AnUnknownSymbolUnderThePartialFaultIsInvalidSymbolAndRecorded) {
  fault_fixture fx({.partial = 1.0});
  raw_client client(fx.ex->ca_pem(), fx.ex->port());
  order_spec spec = fx.fillable();
  spec.symbol = "NOPEUSDT";
  const reply r = place(client, spec);
  ASSERT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(error_of(r), std::make_pair(std::int64_t{-1121}, std::string("Invalid symbol.")));
  const std::vector<exchange_order> truth = fx.ex->orders();
  ASSERT_EQ(truth.size(), 1u);
  EXPECT_FALSE(truth[0].executed);
  EXPECT_EQ(truth[0].http_status, 400);
  EXPECT_EQ(truth[0].result.error_code, -1121);
}

// An answer lost on the way: GET /api/v3/order tells what the exchange did.
TEST(SimExchangeOrderFaults, AnOrderWhoseAnswerWasDroppedIsFoundByItsClientOrderId) {
  fault_fixture fx({.dropped = 1.0});
  raw_client client(fx.ex->ca_pem(), fx.ex->port());
  order_spec spec = fx.fillable(2);
  spec.client_id = "lost1";
  const reply lost = place(client, spec);
  ASSERT_TRUE(lost.ec) << lost.status << " " << lost.body;
  fx.ex->set_order_fault_rates({});
  const auto query = [&](const std::string& params) {
    return signed_send(client, http::verb::get, "/api/v3/order",
                       params + "&recvWindow=5000&timestamp=" + std::to_string(now_ms()));
  };
  const reply r = query("symbol=BTCUSDT&origClientOrderId=lost1");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("X-MBX-USED-WEIGHT-1M"), "5");  // the order's 1 and the query's 4
  const std::vector<exchange_order> truth = fx.ex->orders();
  ASSERT_EQ(truth.size(), 1u);
  const seen_order o = parse_order(r.body);
  EXPECT_EQ(o.symbol, "BTCUSDT");
  EXPECT_EQ(o.client_id, "lost1");
  EXPECT_EQ(o.order_id, truth[0].result.order_id);
  EXPECT_EQ(o.status, std::string(to_string(truth[0].result.status)));
  EXPECT_EQ(o.side, "BUY");
  EXPECT_EQ(o.type, "LIMIT");
  EXPECT_EQ(o.tif, "IOC");
  EXPECT_EQ(o.price, spec.price);
  EXPECT_EQ(o.orig_qty, spec.qty);
  EXPECT_EQ(o.executed_qty, truth[0].result.executed_qty);
  EXPECT_EQ(o.cumulative_quote, truth[0].result.cumulative_quote);
  ASSERT_EQ(o.fills.size(), truth[0].result.fills.size());
  for (std::size_t i = 0; i < o.fills.size(); ++i) {
    EXPECT_EQ(o.fills[i].price, truth[0].result.fills[i].price);
    EXPECT_EQ(o.fills[i].qty, truth[0].result.fills[i].qty);
    EXPECT_EQ(o.fills[i].commission, truth[0].result.fills[i].commission);
    EXPECT_EQ(o.fills[i].trade_id, truth[0].result.fills[i].trade_id);
  }
  // By orderId too; an id never sent, or another symbol, does not exist.
  EXPECT_EQ(query("symbol=BTCUSDT&orderId=" + std::to_string(o.order_id)).status, 200u);
  const std::pair<std::int64_t, std::string> none{-2013, "Order does not exist."};
  EXPECT_EQ(error_of(query("symbol=BTCUSDT&origClientOrderId=never1")), none);
  EXPECT_EQ(error_of(query("symbol=ETHUSDT&origClientOrderId=lost1")), none);
  EXPECT_EQ(error_of(query("symbol=BTCUSDT")).first, -1102);
  // A refused order never existed on the exchange.
  fx.ex->set_order_fault_rates({.reject = 1.0});
  spec.client_id = "refused1";
  EXPECT_EQ(place(client, spec).status, 400u);
  EXPECT_EQ(error_of(query("symbol=BTCUSDT&origClientOrderId=refused1")), none);
}

TEST(SimExchangeOrders, RefusedAndFilledOrdersDoNotCountUnfilledOnesDo) {
  sim_exchange ex(frozen());
  ex.start();
  const symbol_ctx c = symbol_of(ex, "BTCUSDT");
  raw_client client(ex.ca_pem(), ex.port());
  const fixed8 low =
      floor_to_step(fixed8::from_raw(c.quote.ask.raw() / 2), c.info.filters.tick_size);
  // A filter refusal (-1013: below the lot) carries the count and adds nothing.
  reply r = place(client, {.symbol = "BTCUSDT", .qty = fixed8::from_raw(1), .price = low});
  EXPECT_EQ(error_of(r).first, -1013) << r.body;
  EXPECT_EQ(r.header("X-MBX-ORDER-COUNT-10S"), "0");
  r = place(client, {.symbol = "BTCUSDT", .qty = min_lot(c.info.filters, low), .price = low});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(parse_order(r.body).status, "EXPIRED");
  EXPECT_EQ(r.header("X-MBX-ORDER-COUNT-10S"), "1");
  EXPECT_EQ(r.header("X-MBX-ORDER-COUNT-1D"), "1");
  const fixed8 qty = std::min(min_lot(c.info.filters, c.quote.ask), top_ask_qty(c));
  r = place(client, {.symbol = "BTCUSDT", .qty = qty, .price = c.quote.ask});
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(parse_order(r.body).status, "FILLED");
  EXPECT_EQ(r.header("X-MBX-ORDER-COUNT-10S"), "1");
  EXPECT_EQ(r.header("X-MBX-ORDER-COUNT-1D"), "1");
}

// ---------------------------------------------------------------------------
// The bot's own order client (net/order_client.h) against the exchange: the
// two sides of the seam read each other as the exchange's documentation says.

TEST(SimExchangeOrders, TheBotsOrderClientAndTheExchangeAgree) {
  sim_exchange_options opt = frozen();
  opt.timeout_hold_ms = 1500;
  sim_exchange ex(opt);
  ex.start();
  const symbol_ctx c = symbol_of(ex, "BTCUSDT");
  tls_options to;
  to.ca_pem = ex.ca_pem();
  tls_context tls(to);
  order_client_options co;
  co.rest.request_timeout = 400ms;
  order_client client(tls, ex.rest_url(), api_keys{secret_string(kKey), secret_string(kSecret)},
                      c.u, co);
  const fixed8 qty = std::min(min_lot(c.info.filters, c.quote.ask, 3), top_ask_qty(c));
  order_request req{.client_order_id = "bot1",
                    .symbol = c.id,
                    .dir = side::buy,
                    .tif = time_in_force::ioc,
                    .price = c.quote.ask,
                    .quantity = qty};

  // Accepted: the client's reading is the exchange's truth, field for field.
  const order_reply ok = client.place(req);
  ASSERT_EQ(ok.outcome, order_outcome::accepted) << ok.detail;
  std::vector<exchange_order> truth = ex.orders();
  ASSERT_EQ(truth.size(), 1u);
  EXPECT_EQ(ok.response.result, truth[0].result);
  EXPECT_EQ(ok.response.client_order_id, "bot1");
  EXPECT_EQ(ok.counts.per_10s, 0u);  // filled: not an unfilled order

  // A refusal is the error shape; a held answer is unknown (and executed).
  ex.set_order_fault_rates({.reject = 1.0});
  req.client_order_id = "bot2";
  const order_reply rejected = client.place(req);
  EXPECT_EQ(rejected.outcome, order_outcome::rejected) << rejected.detail;
  EXPECT_EQ(rejected.error.code, -2010);
  ex.set_order_fault_rates({.timeout = 1.0});
  req.client_order_id = "bot3";
  const order_reply unknown = client.place(req);
  EXPECT_EQ(unknown.outcome, order_outcome::unknown) << unknown.detail;
  truth = ex.orders();
  ASSERT_EQ(truth.size(), 3u);
  EXPECT_TRUE(truth[2].executed);
  EXPECT_EQ(truth[2].delivery, order_delivery::held);
  // The lost answer, asked for: the exchange's record, field for field.
  const query_reply found = client.query_order(req);
  ASSERT_EQ(found.outcome, query_outcome::found) << found.detail;
  EXPECT_EQ(found.response.result, truth[2].result);
  EXPECT_EQ(found.response.client_order_id, "bot3");
  order_request never = req;
  never.client_order_id = "never1";
  const query_reply none = client.query_order(never);
  EXPECT_EQ(none.outcome, query_outcome::not_found) << none.detail;
  EXPECT_EQ(none.error.code, -2013);
  req.client_order_id = "bot2";  // refused: it never existed
  EXPECT_EQ(client.query_order(req).outcome, query_outcome::not_found);

  // The account as the client reads it is the exchange's, the held order included.
  ex.set_order_fault_rates({});
  const account_reply acc = client.account();
  ASSERT_TRUE(acc.ok) << acc.detail;
  const auto held = truth_balances(ex);
  for (const account_balance& b : acc.balances.balances) {
    EXPECT_EQ(b.free, held.at(c.u.assets()[b.asset])) << c.u.assets()[b.asset];
  }

  // A 429 pauses the client until its Retry-After has passed.
  ex.set_order_fault_rates({.rate_limited = 1.0});
  req.client_order_id = "bot4";
  const order_reply paused = client.place(req);
  EXPECT_EQ(paused.outcome, order_outcome::paused) << paused.detail;
  EXPECT_TRUE(paused.pause.pause);
  EXPECT_GT(client.paused_until_ns(), 0);
}

}  // namespace
}  // namespace triarb
