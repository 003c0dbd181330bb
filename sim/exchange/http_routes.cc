// http_routes: REST answers (GET /api/v3/exchangeInfo, GET
// /api/v3/ticker/bookTicker[?symbol=X], GET /api/v3/time) and the query-string / JSON-error
// helpers; see http_routes.h. Runs on the I/O thread; reads the market under
// market_mu.
#include "sim/exchange/http_routes.h"

#include <boost/beast/http/status.hpp>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/universe.h"
#include "sim/exchange/internal/impl.h"
#include "sim/market.h"

namespace triarb {
namespace sim_exchange_internal {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

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
    // Only printable ASCII leaves: an echoed parameter name may hold any
    // bytes, and the body must stay valid UTF-8 JSON for the client to read.
    const auto b = static_cast<unsigned char>(c);
    out.push_back(b < 0x20 ? ' ' : b >= 0x7f ? '?' : c);
  }
  out += "\"}";
  return out;
}

}  // namespace sim_exchange_internal

std::string sim_exchange::impl::book_ticker_json(symbol_id s) const {
  const sim::true_quote& q = market->quote_of(s);
  std::string out = "{\"symbol\":\"" + u.symbol(s).name + "\",\"bidPrice\":\"" +
                    sim::format_price8(q.bid) + "\",\"bidQty\":\"" +
                    sim::format_raw_qty(q.bid_qty_raw, 8) + "\",\"askPrice\":\"" +
                    sim::format_price8(q.ask) + "\",\"askQty\":\"" +
                    sim::format_raw_qty(q.ask_qty_raw, 8) + "\"}";
  return out;
}

std::int64_t sim_exchange::impl::rest_delay_ms() {
  std::lock_guard lock(market_mu);
  if (rest_delay_max_ms <= 0) return 0;
  const auto span = static_cast<std::uint64_t>(rest_delay_max_ms - rest_delay_min_ms + 1);
  return rest_delay_min_ms + static_cast<std::int64_t>(rest_rng.below(span));
}

std::pair<http::status, std::string> sim_exchange::impl::rest(std::string_view target) {
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query =
      q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  if (path == "/api/v3/time") {  // the server's clock, for a client's timestamp
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return {http::status::ok,
            "{\"serverTime\":" +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) +
                "}"};
  }
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

}  // namespace triarb
