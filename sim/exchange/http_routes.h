// http_routes: the REST side of the simulated exchange. The helpers below
// (query strings, JSON errors) serve both REST and the WebSocket upgrade's
// query; the REST dispatch itself is sim_exchange::impl::rest (declared in
// internal/impl.h), defined in http_routes.cc with book_ticker_json. Private
// to sim/exchange/.
//
// Threads: runs on the I/O thread (the HTTP sessions call it); impl::rest
// takes market_mu to read the market and exchangeInfo.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace triarb::sim_exchange_internal {

// Percent-decodes a query or form component ('+' is a space). nullopt if malformed.
std::optional<std::string> url_decode(std::string_view s);

// The value of `key` in a query string "a=1&b=2", decoded. nullopt if absent.
// malformed: set when the value is present but not valid percent-encoding.
std::optional<std::string> query_param(std::string_view query, std::string_view key,
                                       bool& malformed);

// ASCII case-insensitive equality.
bool iequals(std::string_view a, std::string_view b);

// The exchange's error body: {"code":<code>,"msg":"<msg>"}, msg escaped.
std::string json_error(int code, std::string_view msg);

}  // namespace triarb::sim_exchange_internal
