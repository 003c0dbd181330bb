// evaluator: for every triangle a symbol update touches, read the three legs
// from the book and decide, conservatively, whether the cycle is an
// opportunity (docs/design.md, contract 4).
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
// Per triangle, in order:
//   1. each leg in leg order: valid? (skip_invalid_leg), the needed side's
//      price > 0? (skip_empty_side), 0 <= now_ns - recv_ns < max_leg_age_ns?
//      (skip_stale_leg: a leg from the future is stale too). The first
//      failing check names the one count the triangle gets.
//   2. ratio = r0 * r1 * r2 as rates (rate.h), each leg rate and each product
//      rounded down; triangles_evaluated. Sell leg: bid * (1 - fee) quote per
//      base; buy leg: (1 - fee) / ask base per quote.
//   3. ratio > threshold, where threshold = 1 + min_profit rounded UP (else
//      below_threshold). Exact equality is not an opportunity.
//   4. sizing (slow path, fixed8 checked arithmetic, what is paid rounded up
//      and what is received rounded down): the start amount is the budget
//      capped by every leg's top-of-book quantity (also capped by the
//      symbol's maxQty, floored to stepSize), carried back to start-asset
//      units through the preceding legs rounded down; then a forward
//      simulation: buy leg q = floor_step(min(amount / ask, cap)), pays q * ask,
//      receives q * (1 - fee); sell leg q = floor_step(min(amount, cap)),
//      receives q * bid * (1 - fee). A leg with q == 0, q < minQty or a
//      notional below minNotional, or any overflow: skip_unsizable. Leftover
//      dust of an intermediate asset is counted as lost.
//   5. profit = amount_out - amount_in > 0 (else skip_no_profit); the sink
//      gets the record: opportunities if it returns true, journal_full if not.
//
// Rate cache: the per-symbol leg rates depend only on (price, fee), so they
// are cached keyed by the bid and ask themselves (not the update id, as the
// first sketch of this header said): a re-seed that reuses an update id with
// other prices can never serve a stale rate, and a frame that moves only the
// bid recomputes only the sell rate. A hit costs one compare.
//
// Thread safety: one evaluator per thread (it caches per-symbol rates). It
// only reads the book, through snapshots; counters are written to tel.eval,
// whose single writer must be the calling thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/book_snapshot.h"
#include "core/fixed8.h"
#include "core/quote.h"
#include "core/rate.h"
#include "core/telemetry.h"
#include "core/triangle_index.h"
#include "core/universe.h"

namespace triarb {

struct evaluator_config {
  fixed8 default_fee = fixed8::from_raw(100'000);    // 0.001, the taker fee
  std::vector<fixed8> fee_by_symbol;                 // per symbol_id; empty or shorter: default_fee
  fixed8 min_profit = fixed8::zero();                // opportunity when ratio > 1 + min_profit
  fixed8 default_budget = fixed8::from_units(1000);  // in start-asset units
  std::vector<fixed8> budget_by_asset;               // per asset_id; zero or absent: default_budget
  std::int64_t max_leg_age_ns = 10'000'000'000;      // 10 s
};

// What the evaluator assumed and checked for one leg, as it saw it.
struct leg_decision {
  symbol_id symbol = kNoSymbol;
  side dir = side::buy;
  fixed8 price;     // the ask for a buy, the bid for a sell
  fixed8 book_qty;  // top-of-book quantity on that side (possibly capped)
  fixed8 fill_qty;  // base quantity this leg trades at the chosen size (step-floored)
  std::uint64_t update_id = 0;
  std::int64_t age_ns = 0;  // decision time minus the leg's receive time
  bool valid = false;
  bool qty_capped = false;
  bool reseeded = false;  // the quote came from a REST re-seed, not from frame update_id
};

struct opportunity {
  triangle_id triangle = 0;
  std::int64_t decided_ns = 0;
  std::array<leg_decision, 3> legs;
  rate ratio;         // product of the three leg rates, rounded down at every step
  fixed8 amount_in;   // start asset paid on the first leg (rounded up)
  fixed8 amount_out;  // start asset received on the last leg (rounded down)
  fixed8 profit;      // amount_out - amount_in, > 0
};

class evaluator {
 public:
  // The universe and index must outlive the evaluator.
  // Throws std::invalid_argument (start-up only) when a fee is outside [0, 1),
  // a budget is negative, the default budget is not positive,
  // 1 + min_profit <= 0, or max_leg_age_ns <= 0.
  evaluator(const universe& u, const triangle_index& idx, evaluator_config cfg, telemetry& tel);

  // Evaluates every triangle that uses symbol s. Book is any type with
  // `book_snapshot read(symbol_id) const`. Sink is called as
  // `bool sink(const opportunity&)` and returns false when it could not take
  // the record (journal full): the evaluator then counts journal_full.
  // Returns the number of opportunities the sink accepted.
  // REQUIRES: s < number of symbols in the universe.
  template <class Book, class Sink>
  std::size_t on_symbol(const Book& book, symbol_id s, std::int64_t now_ns, Sink&& sink);

  [[nodiscard]] const evaluator_config& config() const noexcept { return cfg_; }
  // 1 + min_profit, rounded up: a ratio must be strictly above it.
  [[nodiscard]] rate threshold() const noexcept { return threshold_; }
  // The fee the evaluator uses for symbol s (override or default).
  [[nodiscard]] fixed8 fee(symbol_id s) const noexcept;
  // The budget for start asset a (override if positive, else default).
  [[nodiscard]] fixed8 budget(asset_id a) const noexcept;

  // The leg rates, rounded down, as the evaluator computes them (exposed for
  // the differential property and the benchmark; not cached).
  [[nodiscard]] rate sell_rate(symbol_id s, fixed8 bid) const noexcept;
  [[nodiscard]] rate buy_rate(symbol_id s, fixed8 ask) const noexcept;

  // The triangle's ratio as on_symbol computes it (leg rates and products
  // rounded down), without the cache. REQUIRES: each leg's needed price > 0.
  [[nodiscard]] rate ratio(const triangle& t,
                           const std::array<book_snapshot, 3>& legs) const noexcept;

  // Steps 4 and 5 for one triangle whose three legs passed the checks and
  // whose ratio beat the threshold: fills o (legs, amounts, profit) and
  // returns opportunities, skip_unsizable or skip_no_profit. Exposed for the
  // differential property; on_symbol calls it.
  [[nodiscard]] eval_counter size(const triangle& t, const std::array<book_snapshot, 3>& legs,
                                  std::int64_t now_ns, opportunity& o) const noexcept;

 private:
  // Per-symbol rates, recomputed only when the price they depend on changes.
  // Key -1 never matches: prices reaching the cache are > 0.
  struct rate_cache_entry {
    std::int64_t bid_key = -1;
    std::int64_t ask_key = -1;
    rate sell;  // bid * (1 - fee), quote per base, rounded down
    rate buy;   // (1 - fee) / ask, base per quote, rounded down
  };
  static_assert(sizeof(rate_cache_entry) == 48);

  // The leg's rate if the snapshot may be used; otherwise the skip reason.
  // Returns eval_counter::kCount for "usable".
  eval_counter leg_rate(const book_snapshot& b, const leg& l, std::int64_t now_ns,
                        rate& out) noexcept;

  const universe& u_;
  const triangle_index& idx_;
  evaluator_config cfg_;
  telemetry& tel_;
  rate threshold_;
  std::vector<std::uint64_t> one_minus_fee_raw_;  // per symbol: (1 - fee) * 10^8
  std::vector<rate_cache_entry> cache_;
};

// ---- implementation of the hot path (templates and inline helpers) ----

inline eval_counter evaluator::leg_rate(const book_snapshot& b, const leg& l, std::int64_t now_ns,
                                        rate& out) noexcept {
  if (!b.valid) return eval_counter::skip_invalid_leg;
  const bool buy = l.dir == side::buy;
  const std::int64_t price = buy ? b.ask.raw() : b.bid.raw();
  if (price <= 0) return eval_counter::skip_empty_side;
  std::int64_t age = 0;
  // An age that overflows is either absurdly old or absurdly in the future:
  // both are unusable. A negative age (a leg received "after" now: the
  // receive clock jumped backwards) is unusable too: how old it really is
  // cannot be known, and letting it pass would keep a frozen leg "fresh" for
  // as long as the jump. (Live, a leg written just after the evaluator read
  // its clock is skipped here, but its write marked it dirty, so it is
  // evaluated again at the next drain with a later now_ns.)
  if (__builtin_sub_overflow(now_ns, b.recv_ns, &age) || age < 0 || age >= cfg_.max_leg_age_ns) {
    return eval_counter::skip_stale_leg;
  }
  rate_cache_entry& e = cache_[l.symbol];
  if (buy) {
    if (e.ask_key != price) [[unlikely]] {
      e.buy = buy_rate(l.symbol, b.ask);
      e.ask_key = price;
    }
    out = e.buy;
  } else {
    if (e.bid_key != price) [[unlikely]] {
      e.sell = sell_rate(l.symbol, b.bid);
      e.bid_key = price;
    }
    out = e.sell;
  }
  return eval_counter::kCount;
}

template <class Book, class Sink>
std::size_t evaluator::on_symbol(const Book& book, symbol_id s, std::int64_t now_ns, Sink&& sink) {
  const auto refs = idx_.touching(s);
  if (refs.empty()) return 0;
  // Counted locally and published once: each add is an atomic store.
  std::array<std::uint64_t, static_cast<std::size_t>(eval_counter::kCount)> counts{};
  std::size_t accepted = 0;
  for (const leg_ref& r : refs) {
    const triangle& t = idx_.triangle_at(r.triangle);
    // Each leg (the updated symbol too) is read once per triangle, straight
    // into a named local: the fast path uses a few fields, so the compiler
    // keeps them in registers, and only the slow path copies whole
    // snapshots. (An array of snapshots filled through a temporary cost ~25
    // ns per triangle in store-forwarding stalls.) The record is built from
    // exactly these reads, so it shows what was checked.
    const book_snapshot b0 = book.read(t.legs[0].symbol);
    const book_snapshot b1 = book.read(t.legs[1].symbol);
    const book_snapshot b2 = book.read(t.legs[2].symbol);
    std::array<rate, 3> rates;
    eval_counter why = leg_rate(b0, t.legs[0], now_ns, rates[0]);
    if (why == eval_counter::kCount) why = leg_rate(b1, t.legs[1], now_ns, rates[1]);
    if (why == eval_counter::kCount) why = leg_rate(b2, t.legs[2], now_ns, rates[2]);
    if (why != eval_counter::kCount) {
      ++counts[static_cast<std::size_t>(why)];
      continue;
    }
    ++counts[static_cast<std::size_t>(eval_counter::triangles_evaluated)];
    const rate ratio = mul(mul(rates[0], rates[1], rounding::down), rates[2], rounding::down);
    if (!(ratio > threshold_)) [[likely]] {
      ++counts[static_cast<std::size_t>(eval_counter::below_threshold)];
      continue;
    }
    opportunity o;
    o.triangle = r.triangle;
    o.ratio = ratio;
    const eval_counter outcome = size(t, {b0, b1, b2}, now_ns, o);
    if (outcome == eval_counter::opportunities) {
      if (sink(static_cast<const opportunity&>(o))) {
        ++accepted;
      } else {
        ++counts[static_cast<std::size_t>(eval_counter::journal_full)];
        continue;
      }
    }
    ++counts[static_cast<std::size_t>(outcome)];
  }
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0) tel_.eval.add(static_cast<eval_counter>(i), counts[i]);
  }
  return accepted;
}

}  // namespace triarb
