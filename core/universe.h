// universe: the tradable symbols and assets, loaded from a Binance
// `GET /api/v3/exchangeInfo` document, with dense ids.
//
// Only symbols with status TRADING are kept (the others are counted). Ids are
// deterministic: assets and symbols are numbered in ascending order of name,
// whatever order the document lists them in.
//
//   universe u = load_exchange_info(json_text);        // throws universe_error
//   symbol_id s = u.find_symbol("BNBUSDT");            // kNoSymbol if absent
//   symbol_id e = u.symbol_between(btc, usdt);         // either direction
//
// Thread safety: immutable after construction; share freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/fixed8.h"
#include "core/quote.h"

namespace triarb {

// Start-up error: what is wrong and where ("symbols[17].filters[2].stepSize:
// bad_char in \"0.0x1\"", or "byte 1234: truncated document").
class universe_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Exchange filters; a filter the document omits is zero (no constraint).
struct symbol_filters {
  fixed8 tick_size;     // PRICE_FILTER
  fixed8 min_qty;       // LOT_SIZE
  fixed8 max_qty;       // LOT_SIZE
  fixed8 step_size;     // LOT_SIZE
  fixed8 min_notional;  // NOTIONAL.minNotional or MIN_NOTIONAL.minNotional
};

struct symbol_info {
  std::string name;  // upper case, as the exchange writes it: "BNBUSDT"
  asset_id base = 0;
  asset_id quote = 0;
  symbol_filters filters;
};

// What make_universe needs for one symbol (tests and generators).
struct symbol_spec {
  std::string name;
  std::string base;
  std::string quote;
  symbol_filters filters;
};

// TRADING symbols the loader skipped because the bot cannot carry a name
// (the symbol's, its base's or its quote's): how many, and the first, as
// "symbols[17].symbol: \"...\" (... bytes; a name is ...)".
struct unsupported_names {
  std::size_t count = 0;
  std::string first;
};

class universe {
 public:
  universe() = default;
  // REQUIRES: names unique; base != quote. Throws universe_error otherwise.
  explicit universe(std::vector<symbol_spec> specs, std::size_t skipped_not_trading = 0,
                    unsupported_names unsupported = {});

  [[nodiscard]] std::span<const std::string> assets() const noexcept { return assets_; }
  [[nodiscard]] std::span<const symbol_info> symbols() const noexcept { return symbols_; }
  [[nodiscard]] const symbol_info& symbol(symbol_id id) const { return symbols_.at(id); }
  [[nodiscard]] std::size_t skipped_not_trading() const noexcept { return skipped_not_trading_; }
  [[nodiscard]] const unsupported_names& skipped_unsupported() const noexcept {
    return unsupported_;
  }

  // Not for the hot path (the frame parser has its own symbol_table).
  [[nodiscard]] symbol_id find_symbol(std::string_view name) const noexcept;
  [[nodiscard]] std::optional<asset_id> find_asset(std::string_view name) const noexcept;
  // The symbol trading a against b in either direction (base a / quote b, or
  // base b / quote a); if both exist, the one with the lower id. kNoSymbol if none.
  [[nodiscard]] symbol_id symbol_between(asset_id a, asset_id b) const noexcept;

  // SHA-256-free, stable 64-bit fingerprint of names and filters, for logs.
  [[nodiscard]] std::uint64_t fingerprint() const noexcept;

 private:
  std::vector<std::string> assets_;
  std::vector<symbol_info> symbols_;
  // Transparent hash: find_symbol/find_asset look up a string_view without
  // building a std::string.
  struct name_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_map<std::string, symbol_id, name_hash, std::equal_to<>> symbol_by_name_;
  std::unordered_map<std::string, asset_id, name_hash, std::equal_to<>> asset_by_name_;
  std::unordered_map<std::uint64_t, symbol_id> symbol_by_pair_;  // key: min(a,b) << 32 | max(a,b)
  std::size_t skipped_not_trading_ = 0;
  unsupported_names unsupported_;
};

// The largest exchangeInfo document read, from a file or over REST
// (rest_options::body_limit): Binance's is about 14 MB.
inline constexpr std::size_t kMaxExchangeInfoBytes = 64U << 20;

// Parses an exchangeInfo document. Reads `symbols[]`: per entry `symbol` and
// `status`; for TRADING ones also `baseAsset`, `quoteAsset` and `filters[]`
// (PRICE_FILTER tickSize, LOT_SIZE minQty/maxQty/stepSize, NOTIONAL or
// MIN_NOTIONAL minNotional; PRICE_FILTER and LOT_SIZE are required). Every
// other field is ignored. Decimals are plain unsigned fixed8 strings of any
// width up to 8 decimals; a maxQty above fixed8::max() saturates to max()
// (the cap is far above any tradable size), any other filter value out of
// range is an error. A symbol name listed twice (whatever its status) is an
// error. A TRADING symbol whose name, baseAsset or quoteAsset is not 1 to 20
// printable ASCII characters without space, quote or backslash (the symbol
// table's rule; names reach journals and terminals) is the one exception to
// the rule below: the bot cannot carry it, so it is skipped, counted and the
// first one named (skipped_unsupported(); `run` prints it at start-up), and
// the rest of the document is read as usual.
//
// The rule for bad input: the whole document is refused, never one symbol
// skipped (a universe silently missing symbols, or trading one on nonsense
// filters, changes every decision built on it). Throws universe_error for
// malformed, truncated or inconsistent input, including filter values that
// parse but make no sense for a TRADING symbol: tickSize, stepSize or maxQty
// not positive, minQty above maxQty (minNotional and minQty are unsigned, so
// never negative; a stepSize of 0 sized every leg without rounding). The
// message starts with where: a JSON path and, for a filter value, the value
// and the symbol ("symbols[17].filters[1].stepSize: \"0\" for \"ETHBTC\":
// LOT_SIZE stepSize must be positive", "symbols[17].filters[2].stepSize:
// bad_char in \"0.0x1\"") or, for bad JSON, a byte offset ("exchangeInfo:
// byte 1234: truncated document ..."). A document over kMaxExchangeInfoBytes
// is refused before parsing.
[[nodiscard]] universe load_exchange_info(std::string_view json);
// Reads and parses a file; the error names the file too. A directory, or a
// file over kMaxExchangeInfoBytes, is refused before reading it.
[[nodiscard]] universe load_exchange_info_file(const std::string& path);

}  // namespace triarb
