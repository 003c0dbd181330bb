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
// Fast path and exact path (docs/design.md, "5. Numbers: fixed8 and rate"):
// a triangle is first screened in doubles against a threshold lowered by
// 2^-46, a margin larger than the double arithmetic can err (see
// rate_slot); one the screen clears is below the threshold by the exact
// test too. Everything else (a leg unusable, a triangle within ~2^-46 of
// the threshold or above it) takes the exact path, which reads the three
// snapshots again and runs steps 1 to 5 with the exact rates above. So the
// decisions, counts and records are those of the exact computation; the
// screen only decides how fast "below" is known.
//
// Thread safety: one evaluator per thread (it caches per-symbol rates). It
// only reads the book, through snapshots; counters are written to tel.eval,
// whose single writer must be the calling thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
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
  // 1 + min_profit <= 0, max_leg_age_ns <= 0, or the universe or index has
  // 2^30 symbols or triangles or more.
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
  // The hot path's own copy of the index, laid out for it (built once): for
  // each symbol s the triangles that use it, contiguous, each with the rate
  // slots (2 * symbol, + 1 for a sell leg) of s's leg and of the other two
  // legs, so a triangle costs one sequential 16-byte load and the fast path
  // reads s once per call. The exact path takes the legs in their order
  // from the index.
  struct hot_triangle {
    triangle_id triangle = 0;
    std::uint32_t own = 0;                  // s's slot
    std::array<std::uint32_t, 2> others{};  // the other legs' slots, in leg order
  };
  static_assert(sizeof(hot_triangle) == 16);

  // The screen: a cheap, conservative test of "below the threshold" in
  // doubles. Per slot, keyed by the price it was computed from (the ask for
  // a buy slot, the bid for a sell slot), the leg rate as a double: an
  // unfilled slot has key -1 and screen +infinity, so a leg whose price is
  // -1 (on_symbol takes any Book; nothing upstream has to check prices)
  // matches it but its product is never <= screen_bound_ and the exact path
  // names the skip; sell double(bid) * fee_coef (fee_coef
  // = (1 - fee) / 10^16 rounded), buy omf / double(ask). Every value involved
  // is a normal double (rates from fixed8 stay within 1e-19 .. 1e11), so
  // each operation errs by < 2^-52 relative whatever the rounding mode: a
  // leg's value is >= its exact rate * (1 - 2^-52)^3 and the product of three
  // (two more roundings) >= the exact ratio * (1 - 2^-52)^11 > exact *
  // (1 - 11 * 2^-52). screen_bound_ = double(threshold) * (1 - 2^-46), rounded,
  // is < threshold * (1 - 2^-46 + 2^-51 + ...) < threshold * (1 - 11 *
  // 2^-52). So a product <= screen_bound_ proves the exact ratio, and the
  // rounded-down one, <= threshold: below, as the exact test would say.
  // Anything else (within ~2^-46 of the threshold, or above) takes the
  // exact test. Recomputing a slot costs a conversion and a multiply (sell)
  // or a division (buy); the exact rate waits until the exact path needs it.
  struct rate_slot {
    std::int64_t key = -1;
    double screen = std::numeric_limits<double>::infinity();  // never passes
  };
  static_assert(sizeof(rate_slot) == 16);
  // The exact leg rate, rounded down, keyed likewise (the exact path only).
  struct exact_slot {
    std::int64_t key = -1;
    rate value;
  };

  // The receive times a leg may have at now_ns: [oldest, now_ns], i.e.
  // 0 <= now_ns - recv_ns < max_leg_age_ns without overflow. An age that
  // overflows is either absurdly old or absurdly in the future: both are
  // unusable. A negative age (a leg received "after" now: the receive clock
  // jumped backwards) is unusable too: how old it really is cannot be known,
  // and letting it pass would keep a frozen leg "fresh" for as long as the
  // jump. (Live, a leg written just after the evaluator read its clock is
  // skipped here, but its write marked it dirty, so it is evaluated again at
  // the next drain with a later now_ns.)
  struct fresh_window {
    std::uint64_t oldest = 0;  // as unsigned: recv - oldest <= span is one compare
    std::uint64_t span = 0;    // now_ns - oldest
    [[nodiscard]] bool contains(std::int64_t recv_ns) const noexcept {
      return static_cast<std::uint64_t>(recv_ns) - oldest <= span;
    }
  };
  [[nodiscard]] fresh_window window_at(std::int64_t now_ns) const noexcept;

  // What the fast path keeps of one leg's snapshot.
  struct leg_view {
    std::int64_t price;  // the ask for a buy slot, the bid for a sell slot
    std::int64_t recv_ns;
    bool valid;
  };
  template <class Book>
  [[nodiscard]] static leg_view view(const Book& book, std::uint32_t slot) noexcept;
  // Which check of step 1 fails first for this leg (kCount: none).
  [[nodiscard]] static eval_counter skip_reason(bool valid, std::int64_t price,
                                                std::int64_t recv_ns,
                                                const fresh_window& w) noexcept;
  // The slot's rate at this price (> 0), from the cache or computed into it.
  [[nodiscard]] rate cached_rate(std::uint32_t slot, std::int64_t price) noexcept;
  [[nodiscard]] rate slot_rate(std::uint32_t slot, std::int64_t price) const noexcept;
  // The slot's screen value at this price (> 0) into the cache.
  void refill(std::uint32_t slot, std::int64_t price) noexcept;
  // The exact path, for every triangle the fast path cannot end below the
  // threshold: steps 1 to 5 on whole snapshots, read afresh (the record is
  // built from them, so it shows what was checked), with the exact leg
  // rates. Returns the triangle's one count; accepted is incremented if the
  // sink took a record.
  template <class Book, class Sink>
  eval_counter exact_path(const Book& book, triangle_id t, const fresh_window& w,
                          std::int64_t now_ns, Sink& sink, std::size_t& accepted);

  const universe& u_;
  const triangle_index& idx_;
  evaluator_config cfg_;
  telemetry& tel_;
  rate threshold_;
  std::vector<std::uint64_t> one_minus_fee_raw_;  // per symbol: (1 - fee) * 10^8
  // Per symbol: the sides its own triangles trade it on, bit (slot & 1).
  static constexpr std::uint8_t kUsesBuy = 1;
  static constexpr std::uint8_t kUsesSell = 2;
  std::vector<std::uint8_t> sides_used_;
  std::vector<std::uint32_t> hot_offsets_;  // hot_[hot_offsets_[s], hot_offsets_[s + 1])
  std::vector<hot_triangle> hot_;
  double screen_bound_ = 0.0;            // see rate_slot; set by the constructor
  std::vector<double> screen_coef_;      // per symbol: sell (1 - fee) / 10^16, buy 1 - fee
  std::vector<rate_slot> rates_;         // per slot
  std::vector<exact_slot> exact_rates_;  // per slot
};

// ---- implementation of the hot path (templates and inline helpers) ----

inline evaluator::fresh_window evaluator::window_at(std::int64_t now_ns) const noexcept {
  // oldest = now_ns - (max_leg_age_ns - 1); below INT64_MIN, every receive
  // time is young enough, so it saturates there.
  std::int64_t oldest = 0;
  if (__builtin_sub_overflow(now_ns, cfg_.max_leg_age_ns - 1, &oldest)) {
    oldest = std::numeric_limits<std::int64_t>::min();
  }
  const auto o = static_cast<std::uint64_t>(oldest);
  return {o, static_cast<std::uint64_t>(now_ns) - o};
}

template <class Book>
inline evaluator::leg_view evaluator::view(const Book& book, std::uint32_t slot) noexcept {
  // Not const: GCC 12 will not split a const aggregate into the fields
  // used (SRA: "a store to a read-only decl"), and copies the whole
  // snapshot through the stack instead, with wide loads that cannot take
  // their data from the writer's narrower stores still in flight.
  book_snapshot b = book.read(slot >> 1);
  // Both prices loaded and one chosen without a branch (a cmov): the side
  // is as good as random from one triangle to the next. The empty asm says
  // both values are in registers here; without it GCC sinks each load into
  // its own arm of the ?: and branches on the side (a mask and-or instead
  // costs five more instructions a leg).
  std::int64_t bid = b.bid.raw();
  std::int64_t ask = b.ask.raw();
  __asm__("" : "+r"(bid), "+r"(ask));
  return {(slot & 1U) != 0 ? bid : ask, b.recv_ns, b.valid};
}

inline eval_counter evaluator::skip_reason(bool valid, std::int64_t price, std::int64_t recv_ns,
                                           const fresh_window& w) noexcept {
  if (!valid) return eval_counter::skip_invalid_leg;
  if (price <= 0) return eval_counter::skip_empty_side;
  if (!w.contains(recv_ns)) return eval_counter::skip_stale_leg;
  return eval_counter::kCount;
}

inline void evaluator::refill(std::uint32_t slot, std::int64_t price) noexcept {
  const double coef = screen_coef_[slot];
  const auto p = static_cast<double>(price);
  rates_[slot] = {price, (slot & 1U) != 0 ? p * coef : coef / p};
}

inline rate evaluator::cached_rate(std::uint32_t slot, std::int64_t price) noexcept {
  exact_slot& e = exact_rates_[slot];
  if (e.key != price) {
    e.value = slot_rate(slot, price);
    e.key = price;
  }
  return e.value;
}

template <class Book, class Sink>
[[gnu::noinline]] eval_counter evaluator::exact_path(const Book& book, triangle_id t,
                                                     const fresh_window& w, std::int64_t now_ns,
                                                     Sink& sink, std::size_t& accepted) {
  const triangle& tri = idx_.triangle_at(t);
  std::array<std::uint32_t, 3> slot;
  for (std::size_t k = 0; k < 3; ++k) {
    slot[k] = 2 * tri.legs[k].symbol + (tri.legs[k].dir == side::sell ? 1U : 0U);
  }
  const std::array<book_snapshot, 3> b = {
      book.read(tri.legs[0].symbol), book.read(tri.legs[1].symbol), book.read(tri.legs[2].symbol)};
  std::array<std::int64_t, 3> price;
  for (std::size_t k = 0; k < 3; ++k) {
    price[k] = (slot[k] & 1U) != 0 ? b[k].bid.raw() : b[k].ask.raw();
    const eval_counter why = skip_reason(b[k].valid, price[k], b[k].recv_ns, w);
    if (why != eval_counter::kCount) return why;
  }
  const rate ratio = mul_down_nonzero(
      mul_down_nonzero(cached_rate(slot[0], price[0]), cached_rate(slot[1], price[1])),
      cached_rate(slot[2], price[2]));
  if (!greater_nonzero(ratio, threshold_)) return eval_counter::below_threshold;
  opportunity o;
  o.triangle = t;
  o.ratio = ratio;
  const eval_counter outcome = size(tri, b, now_ns, o);
  if (outcome != eval_counter::opportunities) return outcome;
  if (!sink(static_cast<const opportunity&>(o))) return eval_counter::journal_full;
  ++accepted;
  return eval_counter::opportunities;
}

template <class Book, class Sink>
std::size_t evaluator::on_symbol(const Book& book, symbol_id s, std::int64_t now_ns, Sink&& sink) {
  const hot_triangle* const begin = hot_.data() + hot_offsets_[s];
  const hot_triangle* const end = hot_.data() + hot_offsets_[s + 1];
  if (begin == end) return 0;
  const fresh_window w = window_at(now_ns);
  // s itself, read once for all its triangles (each read is a consistent
  // snapshot; a write after it marks s dirty again): its screen value on
  // each side, refreshed here, before the loop (inside it a recomputation is
  // a branch taken once or twice in a handful of triangles, mispredicted
  // each time), or NaN where s is unusable on that side (invalid, stale, no
  // price): a product with a NaN is never <= the bound, so such a triangle
  // takes the exact path, which names the skip, with no test of its own in
  // the loop.
  std::array<double, 2> own_screen = {std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::quiet_NaN()};  // buy, sell
  {
    book_snapshot b = book.read(s);  // not const: see view()
    const bool fresh = b.valid && w.contains(b.recv_ns);
    const std::uint8_t used = sides_used_[s];
    const auto own = [&](std::uint32_t side_bit, std::int64_t price) {
      const std::uint32_t slot = 2 * s + side_bit;
      if ((used & (1U << side_bit)) == 0 || price <= 0) return;
      if (rates_[slot].key != price) refill(slot, price);
      if (fresh) own_screen[side_bit] = rates_[slot].screen;
    };
    own(0, b.ask.raw());
    own(1, b.bid.raw());
  }
  // A local copy: the exact path is a call the compiler cannot see through,
  // so a member would be reloaded in every iteration.
  const double bound = screen_bound_;
  // Counted locally and published once (each add is an atomic store). The
  // fast path counts nothing: every triangle it hands to the exact path
  // gets its count there, the rest are below the threshold.
  std::array<std::uint64_t, static_cast<std::size_t>(eval_counter::kCount)> counts{};
  std::uint64_t handed_over = 0;
  std::size_t accepted = 0;
  for (const hot_triangle* it = begin; it != end; ++it) {
    const hot_triangle& h = *it;
    // The other two legs, read once each, keeping only what is checked:
    // validity, age and the one price needed.
    const leg_view a = view(book, h.others[0]);
    const leg_view c = view(book, h.others[1]);
    const rate_slot& ea = rates_[h.others[0]];
    const rate_slot& ec = rates_[h.others[1]];
    const std::uint32_t own_side = h.own & 1U;
    // Below the threshold for sure: all three legs valid and fresh (s's
    // own screen value is NaN otherwise), each price the one its screen
    // value was computed from, and the screen (rate_slot) clears the
    // product (in any order: the bound holds for any). A price matching an
    // unfilled slot's key (-1) gets its screen, +infinity: the product is
    // +infinity (every filled screen is > 0) or NaN, so it takes the exact
    // path, which names the empty side. Anything else, a triangle near or
    // above the threshold included, takes the exact path.
    // Bitwise & on bools, deliberately: one branch below for every test,
    // not one per test. The calls are made first, so clang's
    // -Wbitwise-instead-of-logical has no call on a right-hand side to
    // warn about; the code generated is the same.
    const bool a_fresh = w.contains(a.recv_ns);
    const bool c_fresh = w.contains(c.recv_ns);
    const bool fresh = (a.valid & a_fresh) & (c.valid & c_fresh);
    const bool hits = (a.price == ea.key) & (c.price == ec.key);
    if (!(fresh & hits)) [[unlikely]] {
      // A rate to recompute if every leg is usable; else the exact path
      // names the skip.
      if (!(fresh & (a.price > 0) & (c.price > 0))) {
        ++counts[static_cast<std::size_t>(exact_path(book, h.triangle, w, now_ns, sink, accepted))];
        ++handed_over;
        continue;
      }
      if (ea.key != a.price) refill(h.others[0], a.price);
      if (ec.key != c.price) refill(h.others[1], c.price);
    }
    if (own_screen[own_side] * ea.screen * ec.screen <= bound) [[likely]]
      continue;
    ++counts[static_cast<std::size_t>(exact_path(book, h.triangle, w, now_ns, sink, accepted))];
    ++handed_over;
  }
  const auto total = static_cast<std::uint64_t>(end - begin);
  if (handed_over == 0) [[likely]] {
    // Every triangle below the threshold, none skipped: the two adds the
    // general case below would make, in the same order.
    tel_.eval.add(eval_counter::triangles_evaluated, total);
    tel_.eval.add(eval_counter::below_threshold, total);
    return accepted;
  }
  counts[static_cast<std::size_t>(eval_counter::below_threshold)] += total - handed_over;
  std::uint64_t skipped = 0;
  for (const eval_counter c : {eval_counter::skip_invalid_leg, eval_counter::skip_stale_leg,
                               eval_counter::skip_empty_side}) {
    skipped += counts[static_cast<std::size_t>(c)];
  }
  counts[static_cast<std::size_t>(eval_counter::triangles_evaluated)] = total - skipped;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] != 0) tel_.eval.add(static_cast<eval_counter>(i), counts[i]);
  }
  return accepted;
}

}  // namespace triarb
