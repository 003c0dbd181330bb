// market: the simulated exchange's market model and its ground truth.
//
// Every asset has a latent value (in USDT) that follows a seeded random walk.
// Each step re-quotes one symbol around value(base) / value(quote): bid and
// ask a few ticks apart (bid rounded down, ask up), quantities worth a random
// notional, so micro-priced coins get top-of-book quantities of 10^12 and
// more, above fixed8::max(). Now and then a genuine dislocation moves one
// symbol's quotes by about a percent for a while, which makes the cycles
// through it truly profitable.
//
// The ground truth is the set of quotes the exchange is showing right now
// (the last one emitted per symbol). truth_ratio() evaluates a triangle on
// those quotes exactly, with rationals, so anything the bot reports can be
// judged real or phantom.
//
//   market m(u, reference_prices, {.seed = 7});
//   market_update up = m.step();               // one bookTicker update
//   std::string frame = encode_frame(m, up.symbol, /*combined=*/true);
//   bool real = m.truth_ratio(t, fee) > threshold;
//
// Thread safety: none; one market per thread.
#pragma once

#include <algorithm>
#include <array>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/fixed8.h"
#include "core/int128.h"
#include "core/quote.h"
#include "core/triangle_index.h"
#include "core/universe.h"
#include "sim/rng.h"

namespace triarb::sim {

using exact = boost::multiprecision::cpp_rational;

struct market_params {
  std::uint64_t seed = 1;
  double step_volatility = 0.0004;     // stddev-ish of one value move, relative
  double half_spread = 0.0003;         // relative, before tick rounding
  double dislocation_rate = 0.00005;   // chance per step that a dislocation starts
  double dislocation_size = 0.012;     // relative move of the dislocated symbol
  int dislocation_updates = 20;        // how many of its updates it lasts
  double mean_notional_usdt = 20'000;  // top-of-book size, in USDT
  std::int64_t mean_step_ns = 20'000;  // simulated time between updates
};

// The exchange's true top of book for one symbol. Quantities are exact
// decimals that may exceed fixed8::max() (raw value scaled by 10^8, 128-bit).
struct true_quote {
  fixed8 bid;
  fixed8 ask;
  u128 bid_qty_raw = 0;
  u128 ask_qty_raw = 0;
  std::uint64_t update_id = 0;
  bool present = false;  // quoted at least once
};

struct market_update {
  symbol_id symbol = kNoSymbol;
  std::int64_t time_ns = 0;  // simulated exchange time of the update
  bool dislocated = false;   // part of an injected genuine dislocation
};

class market {
 public:
  // reference_price[s] is symbol s's price in its quote asset; asset values
  // are derived from them along a spanning tree rooted at USDT (or asset 0).
  market(const universe& u, const std::vector<fixed8>& reference_price, market_params p);

  // Quotes every symbol once (update ids 1..n), as the REST snapshot would.
  void seed_all();
  // One update of one symbol.
  market_update step();

  [[nodiscard]] const true_quote& quote_of(symbol_id s) const { return quotes_[s]; }
  [[nodiscard]] std::int64_t now_ns() const noexcept { return now_ns_; }
  [[nodiscard]] const universe& universe_ref() const noexcept { return u_; }
  [[nodiscard]] int qty_decimals(symbol_id s) const { return qty_decimals_[s]; }
  // The number of dislocations injected so far.
  [[nodiscard]] std::uint64_t dislocations() const noexcept { return dislocations_; }
  // Every dislocation so far, in order: its symbol and the update ids of its
  // first and (so far) last distorted quote. A quote of that symbol with an
  // update id in [first, last] is part of the episode.
  struct dislocation {
    symbol_id symbol = kNoSymbol;
    std::uint64_t first_update_id = 0;
    std::uint64_t last_update_id = 0;
  };
  [[nodiscard]] const std::vector<dislocation>& dislocation_log() const noexcept {
    return disloc_log_;
  }

  // Exact product of the three leg rates on the true quotes, with the taker
  // fee: sell leg bid*(1-fee), buy leg (1-fee)/ask. Zero if a leg has an
  // empty side or was never quoted. Quantities play no part.
  [[nodiscard]] exact truth_ratio(const triangle& t, fixed8 fee) const;

  // The bot-facing quote: quantities capped at fixed8::max() as the parser does.
  [[nodiscard]] quote as_quote(symbol_id s) const;

  // Judging a decision made at a distance (over a network, where the market
  // moves while frames are in flight): were the three legs the bot used
  // quotes this market really sent, all current at one moment -- the moment
  // one of them was sent -- and is the cycle profitable on them? Each
  // symbol's last kHistory quotes are kept; update ids are one global
  // sequence, so a quote lives from its own id until its successor's. A leg
  // claims its price was current at some point at or after its update id (a
  // REST re-seed keeps the older id, and prices recur): every such span
  // counts. A leg whose price is not one the market sent, among the kept
  // quotes at or after that id, cannot be vouched for and is judged not real.
  // The history must reach back further than the bot can lag: a bot slowed
  // down (sanitizers, a loaded machine) reads quotes seconds after they were
  // made, and with 32 kept a busy symbol's real quote had already dropped out
  // (judged unknown_quote, a phantom the bot did not make). 256 per symbol is
  // ~17 s of an average symbol in the fast market; the in-flight allowance,
  // not the history, decides how old a leg may be.
  static constexpr std::size_t kHistory = 256;
  enum class verdict : std::uint8_t {
    real,              // all legs true and simultaneous, and profitable on them
    not_profitable,    // true and simultaneous, but not above the threshold
    not_simultaneous,  // a leg had been replaced before the newest leg was sent (a frozen leg)
    unknown_quote,     // a leg's price and update id match nothing the market sent recently
  };
  struct leg_claim {
    symbol_id symbol = kNoSymbol;
    side dir = side::buy;
    fixed8 price;  // the ask for a buy, the bid for a sell
    std::uint64_t update_id = 0;
  };
  // in_flight_updates: how many market updates a frame may lag behind on
  // another connection (legs arrive over several connections, each in order
  // but not with each other); a leg replaced at most that many updates
  // before the newest leg was sent still counts as current. 0 in-process.
  // A quote replaced by an update marked unsent (mark_unsent: it never
  // reached the bot) may count as current for unsent_updates past that
  // update instead of in_flight_updates -- the bot's own guards (max_leg_age)
  // are what bound it -- but never past the next sent update plus
  // in_flight_updates. unsent_updates below in_flight_updates counts as
  // in_flight_updates (the default: unsent updates judged as sent).
  [[nodiscard]] verdict judge(const std::array<leg_claim, 3>& legs, fixed8 fee,
                              const exact& threshold, std::uint64_t in_flight_updates = 0,
                              std::uint64_t unsent_updates = 0) const;
  // Was symbol s's quote (bid, ask), at or after update_id, still current at
  // update m or later -- not replaced before m, within judge()'s allowances
  // (a quote born after m counts: a REST snapshot may be newer than a
  // stream)? A bot's leg that is not -- a re-seed that revalidated a quote a
  // sent update had replaced, or a price never quoted -- is stale however
  // young it looks.
  [[nodiscard]] bool quote_current_from(symbol_id s, fixed8 bid, fixed8 ask,
                                        std::uint64_t update_id, std::uint64_t m,
                                        std::uint64_t in_flight_updates,
                                        std::uint64_t unsent_updates) const;
  // The exchange never sent symbol s's update update_id (a halted symbol; a
  // stall that dropped the frames): see judge(). An update no longer kept
  // is ignored.
  void mark_unsent(symbol_id s, std::uint64_t update_id);

 private:
  void requote(symbol_id s, double distortion);
  // The index (into the quotes ever made for s) of the oldest one kept.
  [[nodiscard]] std::uint32_t first_kept(symbol_id s) const {
    const std::uint32_t n = history_count_[s];
    return n - static_cast<std::uint32_t>(std::min<std::size_t>(n, kHistory));
  }
  // Kept quote k of symbol s counts as current at m < this (judge()).
  std::uint64_t current_until(symbol_id s, std::uint32_t k, std::uint64_t in_flight_updates,
                              std::uint64_t unsent_updates) const;

  const universe& u_;
  market_params p_;
  sim_rng rng_;
  std::vector<double> value_;       // per asset, in USDT
  std::vector<true_quote> quotes_;  // per symbol
  struct past_quote {
    std::uint64_t update_id = 0;
    fixed8 bid;
    fixed8 ask;
    bool sent = true;  // mark_unsent
  };
  std::vector<std::array<past_quote, kHistory>> history_;  // per symbol, a ring
  std::vector<std::uint32_t> history_count_;               // quotes ever sent, per symbol
  std::vector<int> qty_decimals_;  // per symbol: 8, 2 or 1 (from the step size)
  std::vector<int> disloc_left_;   // per symbol: updates left in a dislocation
  std::vector<double> disloc_size_;
  std::vector<dislocation> disloc_log_;
  std::vector<std::size_t> disloc_open_;  // per symbol: its episode's index in disloc_log_
  std::uint64_t next_update_id_ = 1;
  std::int64_t now_ns_ = 0;
  std::uint64_t dislocations_ = 0;
};

// The bookTicker frame for symbol s's current true quote: the raw shape
// {"u":..,"s":..,"b":..,"B":..,"a":..,"A":..} or, combined, wrapped in
// {"stream":"<lower>@bookTicker","data":{...}}. Quantities are written with
// the symbol's decimals ("1000000000000.00") and may exceed fixed8::max().
[[nodiscard]] std::string encode_frame(const market& m, symbol_id s, bool combined);

// A price as Binance writes it: exactly 8 fractional digits ("25.35190000").
[[nodiscard]] std::string format_price8(fixed8 p);

// Exact decimal text of a raw (scaled by 10^8) quantity with `decimals`
// fractional digits (truncated), e.g. 1e20 raw with 2 decimals -> "1000000000000.00".
[[nodiscard]] std::string format_raw_qty(u128 raw, int decimals);

}  // namespace triarb::sim
