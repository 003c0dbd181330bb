// sim_exchange_test: the simulated exchange over real TLS on loopback, driven
// by a small Beast/OpenSSL client that verifies the server against the CA the
// exchange made (chain + host name). Label `integration`: every test is
// bounded (short configured intervals, timeouts on every read) and stops by
// itself. The last test reports (does not assert) the frames/s one client
// receives over loopback TLS.
#include "sim/exchange/sim_exchange.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/frame_parser.h"
#include "core/symbol_table.h"
#include "core/triangle_index.h"
#include "core/universe.h"
#include "sim/exchange/tls_cert.h"
#include "tests/sim/test_client.h"

namespace triarb {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using testing_client::http_reply;
using testing_client::test_client;
using namespace std::chrono_literals;

sim_exchange_options fast_options() {
  sim_exchange_options o;
  o.seed = 7;
  o.updates_per_second = 20000;
  return o;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string streams_target(const universe& u, std::size_t from, std::size_t count) {
  std::string t = "/stream?streams=";
  for (std::size_t i = 0; i < count; ++i) {
    if (i != 0) t += '/';
    t += lower(u.symbol(static_cast<symbol_id>((from + i) % u.symbols().size())).name) +
         "@bookTicker";
  }
  return t;
}

// Waits (bounded) until pred holds; returns whether it did.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

struct parsing {
  explicit parsing(const universe& u) {
    for (const symbol_info& s : u.symbols()) names.push_back(s.name);
    table.emplace(std::span<const std::string>(names));
    parser.emplace(*table);
  }
  frame_result parse(const std::string& frame) {
    buf.assign(frame);
    return parser->parse(buf);
  }
  std::vector<std::string> names;
  std::optional<symbol_table> table;
  std::optional<frame_parser> parser;
  frame_buffer buf;
};

// The first n messages on a connection subscribed to the given streams.
std::vector<std::string> read_frames(test_client& c, std::size_t n) {
  std::vector<std::string> out;
  std::string msg;
  while (out.size() < n) {
    if (beast::error_code ec = c.ws_read(msg)) {
      ADD_FAILURE() << "read: " << ec.message();
      break;
    }
    out.push_back(msg);
  }
  return out;
}

TEST(SimExchange, ServesExchangeInfoThatCoreLoads) {
  sim_exchange ex(fast_options());
  ex.start();
  test_client c(ex.ca_pem(), ex.port());
  const auto res = c.get("/api/v3/exchangeInfo");
  ASSERT_EQ(res.result(), http::status::ok);
  const universe u = load_exchange_info(res.body());
  const universe want = load_exchange_info(ex.exchange_info());
  EXPECT_GT(u.symbols().size(), 1000u);
  EXPECT_EQ(u.fingerprint(), want.fingerprint());
  EXPECT_GT(u.skipped_not_trading(), 0u);
  // Keep-alive: a second request on the same connection; unknown path -> 404.
  EXPECT_EQ(c.request("/api/v3/nothingHere").result(), http::status::not_found);
  EXPECT_EQ(ex.rest_url(), "https://127.0.0.1:" + std::to_string(ex.port()));
  EXPECT_EQ(ex.ws_url(), "wss://127.0.0.1:" + std::to_string(ex.port()));
}

TEST(SimExchange, BookTickerListsEverySymbolAndOne) {
  sim_exchange ex(fast_options());
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  test_client c(ex.ca_pem(), ex.port());
  const auto all = c.get("/api/v3/ticker/bookTicker");
  ASSERT_EQ(all.result(), http::status::ok);
  simdjson::dom::parser p;
  simdjson::dom::array arr;
  ASSERT_EQ(p.parse(all.body()).get_array().get(arr), simdjson::SUCCESS);
  std::size_t n = 0;
  for (simdjson::dom::element e : arr) {
    std::string_view sym, bid, ask, bq, aq;
    ASSERT_EQ(e["symbol"].get(sym), simdjson::SUCCESS);
    ASSERT_EQ(e["bidPrice"].get(bid), simdjson::SUCCESS);
    ASSERT_EQ(e["askPrice"].get(ask), simdjson::SUCCESS);
    ASSERT_EQ(e["bidQty"].get(bq), simdjson::SUCCESS);
    ASSERT_EQ(e["askQty"].get(aq), simdjson::SUCCESS);
    EXPECT_NE(u.find_symbol(sym), kNoSymbol) << sym;
    EXPECT_TRUE(parse_unsigned_fixed8(bid).ok()) << bid;
    EXPECT_TRUE(parse_unsigned_fixed8(ask).ok()) << ask;
    EXPECT_FALSE(e["u"].error() == simdjson::SUCCESS) << "bookTicker carries no update id";
    ++n;
  }
  EXPECT_EQ(n, u.symbols().size());

  const std::string name = u.symbol(0).name;
  const auto one = c.request("/api/v3/ticker/bookTicker?symbol=" + name);
  ASSERT_EQ(one.result(), http::status::ok);
  std::string_view sym;
  ASSERT_EQ(p.parse(one.body())["symbol"].get(sym), simdjson::SUCCESS);
  EXPECT_EQ(sym, name);

  const auto bad = c.request("/api/v3/ticker/bookTicker?symbol=NOPENOPE");
  EXPECT_EQ(bad.result(), http::status::bad_request);
  EXPECT_EQ(bad.body(), R"({"code":-1121,"msg":"Invalid symbol."})");
}

TEST(SimExchange, StreamFramesAreAcceptedByTheCoreParser) {
  sim_exchange ex(fast_options());
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  parsing ps(u);
  test_client c(ex.ca_pem(), ex.port());
  // 40 symbols at 20,000 updates/s over ~1,350 symbols: ~600 frames/s.
  ASSERT_FALSE(c.ws_open(streams_target(u, 0, 40)));
  const auto frames = read_frames(c, 50);
  ASSERT_EQ(frames.size(), 50u);
  for (const std::string& f : frames) {
    const frame_result r = ps.parse(f);
    ASSERT_EQ(r.kind, frame_kind::quote) << f << " -> " << to_string(r.error);
    EXPECT_LT(r.symbol, 40u) << "only subscribed symbols are sent";
  }
  const sim_exchange::stats s = ex.get_stats();
  EXPECT_EQ(s.connections_accepted, 1u);
  EXPECT_EQ(s.connections_open, 1u);
  // frames_sent counts completed writes: the client may see a frame first.
  EXPECT_TRUE(eventually([&] { return ex.get_stats().frames_sent >= 50; }));
}

TEST(SimExchange, TargetOverTheGatewayLimitGets414) {
  sim_exchange ex(fast_options());
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  // ~450 streams: under the 1,024-stream limit, over 8,192 bytes of target.
  const std::string target = streams_target(u, 0, 450);
  ASSERT_GT(target.size(), 8192u);
  test_client c(ex.ca_pem(), ex.port());
  http_reply res;
  const beast::error_code ec = c.ws_open(target, &res);
  EXPECT_EQ(ec, websocket::error::upgrade_declined);
  EXPECT_EQ(res.result(), http::status::uri_too_long);
  // Far beyond the parser's header limit too.
  test_client c2(ex.ca_pem(), ex.port());
  EXPECT_EQ(c2.ws_open(streams_target(u, 0, 1500), &res), websocket::error::upgrade_declined);
  EXPECT_EQ(res.result(), http::status::uri_too_long);
  EXPECT_EQ(ex.get_stats().rejected_414, 2u);
  EXPECT_EQ(ex.get_stats().connections_accepted, 0u);
}

TEST(SimExchange, MoreThan1024StreamsGets400AndExactly1024IsAccepted) {
  sim_exchange_options o = fast_options();
  o.max_target_bytes = 1 << 16;  // so the stream count, not the URL length, decides
  sim_exchange ex(o);
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  ASSERT_GT(u.symbols().size(), 1025u);
  test_client c(ex.ca_pem(), ex.port());
  http_reply res;
  EXPECT_EQ(c.ws_open(streams_target(u, 0, 1025), &res), websocket::error::upgrade_declined);
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_NE(res.body().find("Too many streams"), std::string::npos) << res.body();
  EXPECT_EQ(ex.get_stats().rejected_too_many_streams, 1u);

  test_client ok(ex.ca_pem(), ex.port());
  EXPECT_FALSE(ok.ws_open(streams_target(u, 0, 1024)));
  std::string msg;
  EXPECT_FALSE(ok.ws_read(msg));

  test_client unknown(ex.ca_pem(), ex.port());
  EXPECT_EQ(unknown.ws_open("/stream?streams=nosuchcoin@bookTicker", &res),
            websocket::error::upgrade_declined);
  EXPECT_EQ(res.result(), http::status::bad_request);
}

TEST(SimExchange, RefusesNonLoopbackHostUnlessAllowed) {
  sim_exchange_options o = fast_options();
  o.host = "0.0.0.0";
  EXPECT_THROW(sim_exchange{o}, std::invalid_argument);
  o.host = "not an address";
  EXPECT_THROW(sim_exchange{o}, std::invalid_argument);
}

TEST(SimExchange, ServesIpv6LoopbackWithAVerifiedCertificate) {
  sim_exchange_options o = fast_options();
  o.host = "::1";
  sim_exchange ex(o);
  try {
    ex.start();
  } catch (const std::runtime_error& e) {
    GTEST_SKIP() << "no IPv6 loopback here: " << e.what();
  }
  EXPECT_EQ(ex.rest_url(), "https://[::1]:" + std::to_string(ex.port()));
  test_client c(ex.ca_pem(), ex.port(), "::1", "::1");
  EXPECT_EQ(c.get("/api/v3/ticker/bookTicker?symbol=BTCUSDT").result(), http::status::ok);
}

TEST(SimExchange, ClientThatDoesNotPongIsDropped) {
  sim_exchange_options o = fast_options();
  o.ping_interval_ms = 50;
  o.pong_deadline_ms = 200;
  sim_exchange ex(o);
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  test_client answering(ex.ca_pem(), ex.port());
  test_client silent(ex.ca_pem(), ex.port());
  ASSERT_FALSE(answering.ws_open(streams_target(u, 0, 2)));
  ASSERT_FALSE(silent.ws_open(streams_target(u, 0, 2)));
  // `answering` keeps reading (Beast answers pings with the same payload);
  // `silent` never reads, so never pongs. The stats are read between two of
  // `answering`'s reads, so a slow test thread cannot make it miss a pong
  // deadline too.
  const auto end = std::chrono::steady_clock::now() + 10s;
  std::string msg;
  sim_exchange::stats s{};
  bool dropped = false;
  while (!dropped && std::chrono::steady_clock::now() < end) {
    ASSERT_FALSE(answering.ws_read(msg));
    s = ex.get_stats();
    dropped = s.disconnected_no_pong >= 1 && s.pings_sent >= 4;
  }
  ASSERT_TRUE(dropped) << "the silent client was not dropped within 10 s";
  EXPECT_EQ(s.disconnected_no_pong, 1u);
  EXPECT_EQ(s.connections_open, 1u);
  EXPECT_GE(s.pongs_received, 2u);
}

TEST(SimExchange, ClientTrustingAnotherCaFailsTheHandshake) {
  sim_exchange ex(fast_options());
  ex.start();
  const tls_identity other = make_loopback_identity();
  test_client c(other.ca_pem, ex.port());
  const beast::error_code ec = c.connect();
  ASSERT_TRUE(ec);
  EXPECT_TRUE(test_client::is_tls_error(ec)) << ec.message();
  // The right CA but a host name the certificate does not name fails too;
  // "localhost" (DNS SAN, with SNI) succeeds.
  test_client wrong_host(ex.ca_pem(), ex.port(), "example.com");
  EXPECT_TRUE(wrong_host.connect());
  test_client localhost(ex.ca_pem(), ex.port(), "localhost");
  EXPECT_FALSE(localhost.connect());
  EXPECT_TRUE(eventually([&] { return ex.get_stats().tls_handshake_failures >= 2; }));
}

TEST(SimExchange, ServerShutdownIsSentBeforeTheClose) {
  sim_exchange_options o = fast_options();
  o.shutdown_notice_ms = 200;
  sim_exchange ex(o);
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  parsing ps(u);
  test_client c(ex.ca_pem(), ex.port());
  ASSERT_FALSE(c.ws_open(streams_target(u, 0, 5)));
  // The server registers the connection when its accept completes, which may
  // be just after the client has the 101.
  ASSERT_TRUE(eventually([&] { return ex.get_stats().connections_open == 1; }));
  ex.send_server_shutdown();
  bool saw_shutdown = false;
  std::size_t after_shutdown = 0;
  std::string msg;
  beast::error_code ec;
  while (!(ec = c.ws_read(msg))) {
    const frame_result r = ps.parse(msg);
    if (r.kind == frame_kind::control && r.control == control_kind::server_shutdown) {
      saw_shutdown = true;
    } else if (saw_shutdown) {
      ++after_shutdown;
    }
  }
  EXPECT_TRUE(saw_shutdown);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_TRUE(eventually([&] { return ex.get_stats().connections_open == 0; }));
}

TEST(SimExchange, LifetimeEndsWithServerShutdownThenClose) {
  sim_exchange_options o = fast_options();
  o.lifetime_ms = 400;
  o.shutdown_notice_ms = 150;
  sim_exchange ex(o);
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  test_client c(ex.ca_pem(), ex.port());
  ASSERT_FALSE(c.ws_open(streams_target(u, 0, 3)));
  bool saw_shutdown = false;
  std::string msg;
  beast::error_code ec;
  while (!(ec = c.ws_read(msg))) {
    if (msg.find("\"serverShutdown\"") != std::string::npos) saw_shutdown = true;
  }
  EXPECT_TRUE(saw_shutdown);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
}

TEST(SimExchange, KilledConnectionEndsWithoutCloseFrame) {
  sim_exchange ex(fast_options());
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  test_client a(ex.ca_pem(), ex.port());
  test_client b(ex.ca_pem(), ex.port());
  ASSERT_FALSE(a.ws_open(streams_target(u, 0, 20)));
  ASSERT_FALSE(b.ws_open(streams_target(u, 0, 20)));
  ASSERT_TRUE(eventually([&] { return ex.get_stats().connections_open == 2; }));
  ex.kill_connections([](std::size_t i) { return i == 0; });
  std::string msg;
  beast::error_code ec;
  while (!(ec = a.ws_read(msg))) {
  }
  EXPECT_NE(ec, websocket::error::closed) << "abrupt: no close frame";
  EXPECT_NE(ec, beast::error::timeout);
  EXPECT_FALSE(b.ws_read(msg)) << "the other connection lives on";
  EXPECT_EQ(ex.get_stats().connections_open, 1u);
}

TEST(SimExchange, StallStopsFramesUntilLifted) {
  sim_exchange ex(fast_options());
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  test_client c(ex.ca_pem(), ex.port());
  ASSERT_FALSE(c.ws_open(streams_target(u, 0, 100)));
  std::string msg;
  ASSERT_FALSE(c.ws_read(msg));
  ex.stall_connections(true);
  // Drain what was already queued or in flight, then silence.
  beast::error_code ec;
  while (!(ec = c.ws_read(msg, 300ms))) {
  }
  EXPECT_EQ(ec, beast::error::timeout);
  ex.stall_connections(false);
  // The timed-out read closed our socket: a new connection sees frames again.
  test_client again(ex.ca_pem(), ex.port());
  ASSERT_FALSE(again.ws_open(streams_target(u, 0, 100)));
  EXPECT_FALSE(again.ws_read(msg));
}

TEST(SimExchange, FaultsReachTheClientAsTheParserClassifiesThem) {
  sim_exchange ex(fast_options());
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  parsing ps(u);
  test_client c(ex.ca_pem(), ex.port());
  ASSERT_FALSE(c.ws_open(streams_target(u, 0, 200)));
  auto next_after_change = [&](std::size_t skip) {
    std::vector<std::string> f = read_frames(c, skip + 20);
    return std::vector<std::string>(f.begin() + static_cast<std::ptrdiff_t>(skip), f.end());
  };
  ex.set_fault_rates(1, 0, 0, 0, 0);
  std::size_t garbage = 0;
  for (const std::string& f : next_after_change(200)) {
    garbage += ps.parse(f).error == frame_errc::not_json ? 1 : 0;
  }
  EXPECT_EQ(garbage, 20u);
  ex.set_fault_rates(0, 0, 1, 0, 0);
  std::size_t capped = 0;
  for (const std::string& f : next_after_change(200)) {
    const frame_result r = ps.parse(f);
    capped += r.is_quote() && r.q.qty_capped ? 1 : 0;
  }
  EXPECT_GE(capped, 18u);  // a side without a price would make it a zero_price error instead
  ex.set_fault_rates(0, 0, 0, 1, 0);
  const std::vector<std::string> dup = next_after_change(200);
  std::size_t pairs = 0;
  for (std::size_t i = 0; i + 1 < dup.size();) {
    if (dup[i] == dup[i + 1]) {
      ++pairs;
      i += 2;
    } else {
      ++i;  // the skip may have cut a pair in two
    }
  }
  EXPECT_GE(pairs, 9u);
  EXPECT_GT(ex.get_stats().faults_injected, 0u);
}

// set_rest_race: a full snapshot is answered late, and while it is in
// flight every frame (p = 1) is cut short; with nothing in flight, none is.
TEST(SimExchange, ARacedSnapshotIsAnsweredLateAndFramesMeanwhileAreCutShort) {
  sim_exchange ex(fast_options());
  ex.start();
  EXPECT_THROW(ex.set_rest_race(10, 5, 0.5), std::invalid_argument);
  EXPECT_THROW(ex.set_rest_race(0, 5, 1.5), std::invalid_argument);
  ex.set_rest_race(300, 300, 1.0);
  const std::uint64_t before = ex.get_stats().faults_truncated;
  test_client c(ex.ca_pem(), ex.port());
  const auto t0 = std::chrono::steady_clock::now();
  const auto all = c.get("/api/v3/ticker/bookTicker");
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(all.result(), http::status::ok);
  EXPECT_GE(took, std::chrono::milliseconds(300)) << "answered after its delay, not before";
  const std::uint64_t during = ex.get_stats().faults_truncated;
  EXPECT_GT(during, before) << "frames cut short while the snapshot was in flight";
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(ex.get_stats().faults_truncated, during) << "and none once it was answered";
  // A single-symbol request is not a snapshot of a connection: no delay.
  EXPECT_EQ(c.get("/api/v3/ticker/bookTicker?symbol=BTCUSDT").result(), http::status::ok);
  EXPECT_EQ(ex.get_stats().faults_truncated, during);
}

TEST(SimExchange, HaltedSymbolIsBreakAndSilent) {
  sim_exchange ex(fast_options());
  ex.start();
  const universe before = load_exchange_info(ex.exchange_info());
  const std::string name = before.symbol(3).name;
  ex.halt_symbol(name);
  test_client c(ex.ca_pem(), ex.port());
  const universe after = load_exchange_info(c.get("/api/v3/exchangeInfo").body());
  EXPECT_EQ(after.symbols().size() + 1, before.symbols().size());
  EXPECT_EQ(after.find_symbol(name), kNoSymbol);
  // No book to show: left out of bookTicker (so no REST re-seed revives it).
  const std::string all = c.request("/api/v3/ticker/bookTicker").body();
  EXPECT_EQ(all.find("\"symbol\":\"" + name + "\""), std::string::npos);
  EXPECT_NE(all.find("\"symbol\":\"" + before.symbol(4).name + "\""), std::string::npos);
  EXPECT_EQ(c.request("/api/v3/ticker/bookTicker?symbol=" + name).result(),
            http::status::bad_request);
  EXPECT_THROW(ex.halt_symbol("NOPENOPE"), std::invalid_argument);
}

TEST(SimExchange, TooManyIncomingMessagesCloseTheConnection) {
  sim_exchange ex(fast_options());
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  test_client c(ex.ca_pem(), ex.port());
  ASSERT_FALSE(c.ws_open(streams_target(u, 0, 2)));
  for (int i = 0; i < 7; ++i) (void)c.ws_write(R"({"method":"LIST_SUBSCRIPTIONS","id":1})");
  std::string msg;
  beast::error_code ec;
  while (!(ec = c.ws_read(msg))) {
  }
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(ex.get_stats().disconnected_rate_limit, 1u);
}

TEST(SimExchange, ConnectionAttemptsOverTheBudgetGet429) {
  sim_exchange_options o = fast_options();
  o.max_connects_per_5min = 2;
  sim_exchange ex(o);
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  test_client a(ex.ca_pem(), ex.port()), b(ex.ca_pem(), ex.port()), c(ex.ca_pem(), ex.port());
  EXPECT_FALSE(a.ws_open(streams_target(u, 0, 1)));
  EXPECT_FALSE(b.ws_open(streams_target(u, 0, 1)));
  http_reply res;
  EXPECT_EQ(c.ws_open(streams_target(u, 0, 1), &res), websocket::error::upgrade_declined);
  EXPECT_EQ(res.result(), http::status::too_many_requests);
  EXPECT_EQ(ex.get_stats().rejected_429, 1u);
}

TEST(SimExchange, SurvivesBadClients) {
  sim_exchange ex(fast_options());
  ex.start();
  test_client::raw_tcp(ex.port(), "GET /api/v3/exchangeInfo HTTP/1.1\r\nHost: x\r\n\r\n");
  test_client::raw_tcp(ex.port(), "");                                      // connect, hang up
  test_client::raw_tcp(ex.port(), std::string("\x16\x03\x01\x02\x00", 5));  // half a ClientHello
  test_client bad_http(ex.ca_pem(), ex.port());
  bad_http.tls_raw("THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(bad_http.last_raw_reply().find("400"), std::string::npos) << bad_http.last_raw_reply();
  EXPECT_TRUE(eventually([&] { return ex.get_stats().tls_handshake_failures >= 3; }));
  // Still serving.
  test_client good(ex.ca_pem(), ex.port());
  EXPECT_EQ(good.get("/api/v3/ticker/bookTicker?symbol=BTCUSDT").result(), http::status::ok);
}

TEST(SimExchange, TruthRatioMatchesATriangleOnTheServedUniverse) {
  sim_exchange ex(fast_options());
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  const asset_id starts[] = {*u.find_asset("USDT")};
  const triangle_index idx = triangle_index::build(u, starts);
  ASSERT_GT(idx.size(), 0u);
  const sim::exact r = ex.truth_ratio(idx.triangle_at(0), parse_unsigned_fixed8("0.001").value);
  // A cycle on an arbitrage-free market with fees: positive, near 1.
  EXPECT_GT(r, sim::exact(9, 10));
  EXPECT_LT(r, sim::exact(11, 10));
}

TEST(SimExchange, SlowConsumerIsDroppedNotBuffered) {
  sim_exchange_options o = fast_options();
  o.max_queued_frames = 1000;
  o.updates_per_second = 100000;
  o.max_target_bytes = 1 << 16;
  sim_exchange ex(o);
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  test_client c(ex.ca_pem(), ex.port());
  ASSERT_FALSE(c.ws_open(streams_target(u, 0, 1024)));
  // Never read: the socket buffers fill, then the bounded queue overflows.
  EXPECT_TRUE(eventually([&] { return ex.get_stats().disconnected_slow_consumer == 1; }, 8s));
  EXPECT_EQ(ex.get_stats().connections_open, 0u);
}

// Report, not assertion: frames/s one client receives over loopback TLS when
// the market runs far faster than the link.
TEST(SimExchange, ReportsFramesPerSecondToOneClient) {
  sim_exchange_options o = fast_options();
  o.updates_per_second = 300'000;
  o.max_target_bytes = 1 << 16;
  o.max_queued_frames = 1 << 20;  // measure the link, not the slow-consumer cut-off
  sim_exchange ex(o);
  ex.start();
  const universe u = load_exchange_info(ex.exchange_info());
  test_client c(ex.ca_pem(), ex.port());
  ASSERT_FALSE(c.ws_open(streams_target(u, 0, 1024)));
  std::string msg;
  std::uint64_t n = 0;
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 1500ms) {
    if (c.ws_read(msg)) break;
    ++n;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const sim_exchange::stats st = ex.get_stats();
  std::cout << "[ report ] frames/s to one client over loopback TLS: " << static_cast<double>(n) / s
            << " (" << n << " frames in " << s << " s; server sent " << st.frames_sent
            << ", market updates " << st.market_updates << ", slow-consumer drops "
            << st.disconnected_slow_consumer << ")\n";
  EXPECT_GT(n, 0u);
}

}  // namespace
}  // namespace triarb
