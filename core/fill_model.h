// fill_model: paper execution (docs/design.md, "The ledger and the paper fill
// model"). No order leaves the process: each order is filled against the
// bot's own top of book as it stood when the order would have arrived
// (decision time + latency_model::next_ns()), by the exchange's rules as far
// as the top of book shows them, with core/order.h's arithmetic.
//
//   latency_model lat{.constant_ns = 2'000'000, .jitter_ns = 500'000, .seed = 7};
//   book_snapshot top = book.read(o.symbol);   // at decided_ns + lat.next_ns()
//   paper_outcome why;
//   order_result r = paper_fill(o, top, u.symbol(o.symbol), fee, next_id, &why);
//   counters[why]++;  ledger.apply(o, r, u, fee);
//
// The rules, in order:
//   1. check_filters(price, quantity) fails -> rejected, error_code -1013,
//      error_msg the exchange's "Filter failure: ..." (rejected_filter).
//   2. fee_rate outside [0, 1) -> expired, nothing filled (bad_fee_rate).
//   3. the snapshot is not valid -> expired, nothing filled (invalid_leg);
//      the side the order takes (a buy the ask, a sell the bid) has a price
//      or quantity <= 0 -> expired, nothing filled (empty_side).
//   4. the limit does not cross the top (a buy: ask > price; a sell:
//      bid < price) -> expired, nothing filled (not_crossed).
//   5. one trade at the top's price (never the limit) for
//      min(quantity, floor_to_step(top qty, step_size)). FOK: that is less
//      than quantity -> expired, nothing filled (fok_short); IOC: it is 0
//      -> expired (top_below_step). The trade's quote does not fit in fixed8
//      (a sell at a bid far above its limit) -> expired (overflow).
//   6. filled in full -> filled (filled); IOC filled in part -> expired
//      with the partial fill (partially_filled).
//   Commission: fill_commission(received, fee_rate) in the received asset
//   (base for a buy, quote for a sell).
//
// The honest limit of paper mode: the bot sees only the top of book, one
// price and one quantity per side, so a paper fill never goes beyond the
// top's quantity and never walks the book. A real order could fill more (at
// worse prices behind the top) or less (the top moved during its flight, or
// other takers got there first). It is an estimate of capture, not a
// replay of the exchange's matching (sim/matching.h does that for the
// simulated exchange).
//
// Ids: one counter numbers the paper orders and their trades: an accepted
// order takes order_id = next_trade_id++, then each trade trade_id =
// next_trade_id++; a rejected order takes none (order_id 0).
//
// Thread safety: paper_fill is pure but for next_trade_id; latency_model is
// a value with one owner.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/book_snapshot.h"
#include "core/fixed8.h"
#include "core/order.h"
#include "core/universe.h"

namespace triarb {

// Why a paper order ended as it did (rules above), for the caller to count.
enum class paper_outcome : std::uint8_t {
  filled,
  partially_filled,  // IOC: status expired with executed_qty > 0
  rejected_filter,
  bad_fee_rate,
  invalid_leg,
  empty_side,
  not_crossed,
  top_below_step,
  fok_short,
  overflow,
  kCount,
};
[[nodiscard]] std::string_view to_string(paper_outcome o) noexcept;

// The exchange's code for a filter failure.
inline constexpr int kFilterFailureCode = -1013;

// Fills `order` against `top` (the order's symbol's snapshot at its arrival
// time) by the rules above. `info` is the order's symbol. If outcome is not
// null it receives the reason.
[[nodiscard]] order_result paper_fill(const order_request& order, const book_snapshot& top,
                                      const symbol_info& info, fixed8 fee_rate,
                                      std::uint64_t& next_trade_id,
                                      paper_outcome* outcome = nullptr);

// The order's flight time: constant_ns plus a seeded jitter, uniform in
// [0, jitter_ns] (both ends included; exactly uniform, by rejection). The
// jitter comes from splitmix64 over seed (the same stream as sim/rng.h's
// sim_rng, written out here since core does not include sim): the same
// seed gives the same sequence on every platform. Negative constant_ns or
// jitter_ns count as 0; the sum saturates at INT64_MAX.
struct latency_model {
  std::int64_t constant_ns = 0;
  std::int64_t jitter_ns = 0;
  std::uint64_t seed = 0;
  std::uint64_t draws = 0;  // splitmix64 outputs consumed so far

  [[nodiscard]] std::int64_t next_ns() noexcept;
};

}  // namespace triarb
