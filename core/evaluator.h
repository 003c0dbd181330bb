// evaluator: for every triangle a symbol update touches, read the three legs
// from the book and decide, conservatively, whether the cycle is an
// opportunity (contract 4).
//
// An opportunity is emitted only when all three leg snapshots are valid,
// younger than max_leg_age, have the side they need, and the rounded-down
// result beats the threshold. Every step rounds against the trade, so the
// computed ratio never exceeds the exact one and the computed profit never
// exceeds what the top of book would really give.
//
//   evaluator ev(u, idx, cfg, tel);
//   ev.on_symbol(book, sym, now_ns, [&](const opportunity& o) { journal.append(o); return true; });
//
// Thread safety: one evaluator per thread (it caches per-symbol rates). It
// only reads the book, through snapshots.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "book_snapshot.h"
#include "fixed8.h"
#include "quote.h"
#include "rate.h"
#include "telemetry.h"
#include "triangle_index.h"
#include "universe.h"

namespace triarb {

struct evaluator_config {
  fixed8 default_fee = fixed8::from_raw(100'000);  // 0.001, the taker fee
  std::vector<fixed8> fee_by_symbol;               // per symbol_id; empty or shorter: default_fee
  fixed8 min_profit = fixed8::zero();              // opportunity when ratio > 1 + min_profit
  fixed8 default_budget = fixed8::from_units(1000);  // in start-asset units
  std::vector<fixed8> budget_by_asset;               // per asset_id; zero or absent: default_budget
  std::int64_t max_leg_age_ns = 10'000'000'000;      // 10 s
};

// What the evaluator assumed and checked for one leg, as it saw it.
struct leg_decision {
  symbol_id symbol = kNoSymbol;
  side dir = side::buy;
  fixed8 price;      // the ask for a buy, the bid for a sell
  fixed8 book_qty;   // top-of-book quantity on that side (possibly capped)
  fixed8 fill_qty;   // base quantity this leg trades at the chosen size (step-floored)
  std::uint64_t update_id = 0;
  std::int64_t age_ns = 0;  // decision time minus the leg's receive time
  bool valid = false;
  bool qty_capped = false;
};

struct opportunity {
  triangle_id triangle = 0;
  std::int64_t decided_ns = 0;
  std::array<leg_decision, 3> legs;
  rate ratio;          // product of the three leg rates, rounded down at every step
  fixed8 amount_in;    // start asset paid on the first leg (rounded up)
  fixed8 amount_out;   // start asset received on the last leg (rounded down)
  fixed8 profit;       // amount_out - amount_in, > 0
};

class evaluator {
 public:
  // The universe and index must outlive the evaluator.
  evaluator(const universe& u, const triangle_index& idx, evaluator_config cfg, telemetry& tel);

  // Evaluates every triangle that uses symbol s. Book is any type with
  // `book_snapshot read(symbol_id) const`. Sink is called as
  // `bool sink(const opportunity&)` and returns false when it could not take
  // the record (journal full): the evaluator then counts journal_full.
  // Returns the number of opportunities the sink accepted.
  template <class Book, class Sink>
  std::size_t on_symbol(const Book& book, symbol_id s, std::int64_t now_ns, Sink&& sink);

  [[nodiscard]] const evaluator_config& config() const noexcept { return cfg_; }

 private:
  // Per-symbol rates, recomputed only when the symbol's update id changes.
  struct rate_cache_entry {
    std::uint64_t update_id = ~std::uint64_t{0};
    rate sell;  // bid * (1 - fee), quote per base, rounded down
    rate buy;   // (1 - fee) / ask, base per quote, rounded down
  };

  const universe& u_;
  const triangle_index& idx_;
  evaluator_config cfg_;
  telemetry& tel_;
  std::vector<rate_cache_entry> cache_;
};

}  // namespace triarb
