// universe_gen: a seeded generator of Binance-like `GET /api/v3/exchangeInfo`
// documents, so the simulated exchange, the tests and the benchmarks exercise
// the real loader on a universe shaped like the real one.
//
// The default shape: ~1,350 TRADING symbols over ~390 assets with the real
// quote-asset mix (USDT 376, BTC 272, TRY 206, FDUSD 93, USDC 80, ETH 61,
// BNB 50, EUR 34, BRL 25, then a tail of fiat, stable and coin quotes), plus
// BREAK symbols (some on delisted assets); prices from ~1.4e9 (BTC in IDR)
// and ~90,000 (BTC in USDT) down to 0.00000178 (DOGE in BTC); tick and step
// sizes like the real ones; decimal strings written with 8, 2 or 1
// fractional digits; micro-priced coins (LUNC at 0.00009 USDT, SHIB, PEPE,
// BTTC...) with tickSize "0.00000001", stepSize "1.00" and maxQty
// "92233720368.00", whose top-of-book quantities reach 10^12.
//
// Every asset has a USD value; a symbol's reference ("fair") price is
// value(base) / value(quote) rounded to its tick, so cycles are arbitrage-free
// up to tick rounding, and a market model can quote around it.
// Everything is integer arithmetic and the PRNG is sim_rng (splitmix64, rng.h), so
// one seed gives the same bytes on every platform and library version.
//
//   generated_universe g = generate_universe({}, 42);
//   universe u = load_exchange_info(g.exchange_info_json);
//   // g.symbols[i] describes u.symbol(i); g.assets[a] describes u.assets()[a].
//   std::vector<fixed8> ref = reference_prices(g);   // for sim::market
//
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/fixed8.h"

namespace triarb::sim {

// One quote asset of the generated exchange and how many TRADING symbols it
// quotes. usd_pico is its value in 10^-12 USD (1 USD = 10^12).
struct quote_asset_plan {
  std::string name;
  std::uint64_t usd_pico = 0;
  std::size_t symbols = 0;
};

struct universe_gen_params {
  // Quote assets in order of preference as the quote: when two quote assets
  // trade against each other, the one listed first is the quote ("BTCTRY",
  // "EURUSDT", "ETHBTC"). Empty means default_quote_plan().
  std::vector<quote_asset_plan> quotes;
  std::size_t alt_assets = 362;               // base-only assets (named ones first)
  std::size_t break_symbols = 160;            // status BREAK: listed, not kept by the loader
  std::size_t dead_assets = 12;               // assets that appear only in BREAK symbols
  unsigned width8_percent = 70;               // share of symbols written with 8 decimals
  unsigned width2_percent = 20;               // ... with 2 (where exact); the rest with 1
  unsigned min_notional_legacy_percent = 15;  // MIN_NOTIONAL instead of NOTIONAL
};

// The real exchange's quote mix (counts of TRADING symbols per quote).
[[nodiscard]] std::vector<quote_asset_plan> default_quote_plan();

struct generated_symbol {
  std::string name;  // base + quote, "LUNCUSDT"
  std::string base;
  std::string quote;
  fixed8 fair_price;  // value(base) / value(quote), a multiple of tick_size
  fixed8 tick_size;
  fixed8 step_size;
  fixed8 min_qty;
  fixed8 max_qty;
  fixed8 min_notional;
  int qty_decimals = 8;   // fractional digits its decimal strings were written with
  bool is_micro = false;  // base worth < 0.001 USD: quantities reach 10^12
};

struct generated_asset {
  std::string name;
  std::uint64_t usd_pico = 0;  // value in 10^-12 USD
};

struct generated_universe {
  std::string exchange_info_json;
  // TRADING symbols sorted by name: index i is symbol_id i of the loaded universe.
  std::vector<generated_symbol> symbols;
  // Assets of TRADING symbols sorted by name: index a is asset_id a.
  std::vector<generated_asset> assets;
  std::size_t break_symbols = 0;  // == universe::skipped_not_trading() after loading
};

// Throws std::invalid_argument unless the plan's names are unique tickers (1
// to 20 of A-Z, 0-9) and its values > 0.
[[nodiscard]] generated_universe generate_universe(const universe_gen_params& p,
                                                   std::uint64_t seed);
[[nodiscard]] std::string generate_exchange_info(const universe_gen_params& p, std::uint64_t seed);
// fair_price per symbol id, the shape sim::market takes.
[[nodiscard]] std::vector<fixed8> reference_prices(const generated_universe& g);

}  // namespace triarb::sim
