// rest_client_test: a request to a server that accepts and never answers
// ends when the caller says stop (Ctrl-C, --duration), not after the request
// timeout. Loopback only: a listening socket nobody reads.
#include "net/rest_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/error.hpp>
#include <chrono>
#include <string>

#include "tests/support/loopback.h"

namespace triarb {
namespace {

using test::silent_server;

TEST(RestClient, AStopRequestEndsARequestTheServerNeverAnswers) {
  silent_server server;
  tls_context tls({});
  rest_options o;
  o.request_timeout = std::chrono::minutes(10);  // never reached: the stop ends it
  std::atomic<int> polls{0};
  o.stop = [&polls] { return polls.fetch_add(1) >= 3; };  // stop on the fourth poll
  rest_client rest(tls, server.url(), o);
  boost::system::error_code ec;
  const http_result r = rest.get("/api/v3/exchangeInfo", ec);
  EXPECT_EQ(ec, boost::asio::error::operation_aborted) << ec.message();
  EXPECT_EQ(r.status, 0);
  EXPECT_GE(polls.load(), 4) << "the stop predicate was polled while waiting";
  try {
    (void)rest.get_ok("/api/v3/exchangeInfo");
    ADD_FAILURE() << "get_ok returned";
  } catch (const rest_stopped& e) {
    EXPECT_NE(std::string(e.what()).find("stopped"), std::string::npos) << e.what();
  }
}

TEST(RestClient, WithoutAStopTheRequestTimeoutStillEndsIt) {
  silent_server server;
  tls_context tls({});
  rest_options o;
  o.request_timeout = std::chrono::milliseconds(200);
  rest_client rest(tls, server.url(), o);
  boost::system::error_code ec;
  (void)rest.get("/api/v3/exchangeInfo", ec);
  EXPECT_TRUE(ec) << "a silent server is an error";
  EXPECT_NE(ec, boost::asio::error::operation_aborted) << ec.message();
}

}  // namespace
}  // namespace triarb
