// cycle: one admitted opportunity carried out as three LIMIT IOC orders
// (docs/design.md, "The cycle and the risk gate"). Pure and sans-I/O: no
// clock, no threads, no printing; every input carries its time. The runtime,
// the campaign and the properties drive this same class: it says which
// orders to send, the caller sends them and hands back what became of them.
//
//   cycle_plan_result p = cycle::plan(42, opp, idx.triangle_at(opp.triangle), u, cfg);
//   if (!p.ok()) count(p.error);                       // e.g. leg 1 fails its filters
//   cycle& c = *p.value;                               // state planned
//   if (gate.admit(now, c, verdict) != risk_verdict::admit) drop;
//   send(c.start(now));                                // leg 1; state leg1
//   for (const order_request& o : c.on_result(now, 0, r1, verdict)) send(o);  // leg 2; leg2
//   for (const order_request& o : c.on_result(now, 1, r2, verdict)) send(o);  // leg 3; leg3
//   c.on_result(now, 2, r3, verdict);                                         // done | residual
//   gate.on_cycle_closed(c.outcome());
//
// Legs are numbered 0, 1, 2 (leg 1, 2, 3 in prose and in client order ids).
//
// States:
//   planned  -> leg1      start(): leg 1 is sent
//   leg1     -> missed    leg 1 filled nothing (rejected, or expired empty)
//   leg1     -> leg2      leg 1 filled something: leg 2 is sent (leg 3 not yet)
//   leg1     -> residual  leg 1 filled something but leg 2 is not sent: leg 2,
//                         or leg 3 as leg 2's worst case would size it, fails
//                         check_filters (reason filters, reason_leg, filter),
//                         the verdict given with leg 1's result is not
//                         actionable (not_active), or leg 1's result is
//                         inconsistent
//   leg2     -> leg3      leg 2 filled something: leg 3 is sent, sized from
//                         what leg 2 actually delivered
//   leg2     -> residual  leg 2 filled nothing (short_fill, leg 2), leg 3 fails
//                         check_filters (filters), the verdict given with leg
//                         2's result is not actionable (not_active), or leg
//                         2's result is inconsistent
//   leg3     -> done      leg 3 answered; legs 2 and 3 each filled in full
//   leg3     -> residual  leg 3 answered; one of them not in full (short_fill,
//                         the first such leg), or leg 3's result inconsistent
// Legs go one after another, never two at once: the exchange checks a
// sell's balance when it arrives, so a leg 3 sent with leg 2 could reach it
// before leg 2 delivered what leg 3 sells (-2010, insufficient balance).
// A leg whose answer never came is marked with on_unknown(): the cycle waits
// in its state (the runtime reconciles it from the account) until
// on_reconciled() hands in what became of it, which then acts as on_result().
// done, residual and missed are final (closed()).
//
// Leg 1: LIMIT IOC at the evaluator's price for the leg (the planned worst
// price) for the evaluator's fill_qty; the plan fails if that order fails
// check_filters.
//
// Legs 2 and 3, LIMIT IOC at a protective cap, each sized from what the leg
// before it actually delivered:
//   cap  = the planned price moved by max_slippage_bps against us, rounded
//          to the tick on the protective side: a buy's cap is
//          floor_to_tick(price x (10000 + bps) / 10000) (never above the
//          allowance), a sell's is ceil_to_tick(price x (10000 - bps) / 10000)
//          (never below it), computed exactly. A zero tick is no rounding
//          beyond 8 decimals (the same directions).
//   held = leg 1's net delta of its received asset X: what its fills
//          delivered minus the commissions charged in X.
//   leg 2 spends exactly held: a sell sells floor_to_step(held); a buy buys
//          floor_to_step(held / cap, rounded down), what it can afford at
//          its cap (cap x qty <= held, and every fill_quote is at most that).
//   leg 2's worst-case output W (what it delivers, filled in full, at its
//          cap, in one trade, by order.h's rule): a buy W = qty -
//          fill_commission(qty, fee_rate); a sell W = g - fill_commission(g,
//          fee_rate) with g = fill_quote(cap, qty).
//   leg 2 is sent only if leg 3 sized from W (sell floor_to_step(W); buy
//          floor_to_step(W / cap) at its cap) passes check_filters too: the
//          cycle then holds X rather than a Y too small to sell.
//   held2 = leg 2's net delta of its received asset Y (its fills net of the
//          commissions charged in Y), once leg 2 answered with a fill.
//   leg 3 spends exactly held2, sized as above at its cap; if that fails
//          check_filters leg 3 is not sent (residual filters, leg 3).
// Choices made here (not in the brief):
//   - leg 3 waits for leg 2's answer (one leg in flight per cycle): it never
//     sells what leg 2 has not delivered, so no residual is negative;
//   - a leg 2 filled in part still sends leg 3 for what it delivered; the
//     cycle ends residual short_fill (leg 2) even if leg 3 fills in full.
//     Step-flooring dust stays in X and Y and is reported as residual;
//   - done means legs 2 and 3 each filled their full quantity; leg 1 filling
//     in part is fine (the cycle is smaller). The dust step-flooring leaves
//     in X and Y is still reported as residual.
//   - the fee_rate is the one in cycle_config for every leg: the worst-case
//     output uses it and every fill's commission must follow it (as the
//     ledger requires); the fills' own commissions are what is accounted.
//
// Client order ids: "<prefix>-<cycle id>-<leg 1..3>", e.g. "tb-42-1":
// deterministic, unique per (cycle, leg) for one prefix, valid_client_order_id
// (the prefix is 1 to 13 of [A-Za-z0-9_-], so 36 characters hold any id).
//
// The outcome (outcome(), from the fills recorded so far; final once closed):
//   expected_pnl  the opportunity's profit, exactly as the evaluator said;
//   realised_pnl  the start asset's net delta over every fill and commission
//                 of the cycle: received on leg 3 (net of its commission)
//                 minus paid on leg 1; signed, exact in fixed8;
//   residuals     every non-start asset's net delta from this cycle's fills
//                 and fees (X and Y always listed, zero included; any other
//                 commission asset too), by ascending asset id;
//   per leg       executed qty, quote (sum of fill_quote), commission, VWAP
//                 rounded against us (a buy's up, a sell's down: never a
//                 better price than the fills gave), and the slippage
//                 against the planned price: slippage_e16 = sum over fills
//                 of (price - planned) x qty for a buy, (planned - price) x
//                 qty for a sell, exact in units of 10^-16 of the quote
//                 asset (positive: worse than planned), and slippage, the
//                 same rounded up to 10^-8 (never understated).
// A result's fills are accounted as given: commission in its
// commission_asset, quote by fill_quote. A result that is inconsistent (its
// executed_qty or cumulative_quote not the sum of its fills, a fill at a
// price beyond the limit, a non-positive fill, a commission not charged in
// the received asset or not fill_commission(received, fee_rate), executed
// beyond the order's quantity, status FILLED with less than it, an
// overflow: the results core/ledger.h refuses) is still accounted by its
// fills, and the cycle ends residual with reason inconsistent_result (no
// further leg is sent). Except a rejected answer: a rejected order executed
// nothing, so the fills a rejected answer claims are not accounted (the
// ledger refuses the answer, the journal keeps a reject record and no fill);
// the answer is inconsistent (inconsistent_result) and the engine counts it
// (rejected_with_fills).
//
// Thread safety: none; one caller at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/evaluator.h"
#include "core/fixed8.h"
#include "core/int128.h"
#include "core/order.h"
#include "core/trading_guard.h"  // suppress_reason
#include "core/triangle_index.h"
#include "core/universe.h"

namespace triarb {

struct cycle_config {
  std::uint32_t max_slippage_bps = 10;          // legs 2 and 3's caps: 0..5000
  fixed8 fee_rate = fixed8::from_raw(100'000);  // 0.001: [0, 1)
  std::string client_order_id_prefix = "tb";    // 1..13 of [A-Za-z0-9_-]
};
inline constexpr std::size_t kMaxClientOrderIdPrefix = 13;
inline constexpr std::uint32_t kMaxSlippageBps = 5000;

// Empty if cfg is usable, else the knob and the value
// ("cycle.max_slippage_bps must be from 0 to 5000 (got 6000)").
[[nodiscard]] std::string validate(const cycle_config& cfg);

enum class cycle_state : std::uint8_t { planned, leg1, leg2, leg3, done, residual, missed };
[[nodiscard]] std::string_view to_string(cycle_state s) noexcept;  // "leg2"

enum class leg_status : std::uint8_t { not_sent, sent, unknown, answered };
[[nodiscard]] std::string_view to_string(leg_status s) noexcept;  // "unknown"

// Why a cycle ended other than done (none while open or done). A stable name
// each, for a counter.
enum class cycle_reason : std::uint8_t {
  none,
  leg1_rejected,        // missed: leg 1 rejected
  leg1_unfilled,        // missed: leg 1 expired with nothing filled
  filters,              // residual: leg reason_leg failed check_filters (filter) after sizing
  not_active,           // residual: the verdict with leg 1's or 2's result was not actionable
  short_fill,           // residual: leg 2 or 3 (reason_leg, the first) filled less than asked
  inconsistent_result,  // residual: leg reason_leg's result does not add up (see above)
  kCount,
};
[[nodiscard]] std::string_view to_string(cycle_reason r) noexcept;  // "short_fill"

struct asset_amount {
  asset_id asset = 0;
  fixed8 amount;
  friend bool operator==(const asset_amount&, const asset_amount&) = default;
};

struct leg_outcome {
  leg_status status = leg_status::not_sent;
  std::optional<order_status> result;  // once answered
  fixed8 planned_price;                // the evaluator's price for the leg
  fixed8 limit;                        // the order's price (leg 1: planned; 2, 3: the cap)
  fixed8 quantity;                     // the order's quantity (0 if never sized)
  fixed8 executed;                     // sum of the fills' qty
  fixed8 quote;                        // sum of fill_quote(price, qty)
  fixed8 commission;                   // sum of the fills' commission (any asset)
  fixed8 vwap;                         // quote-exact VWAP rounded against us; 0 if nothing filled
  i128 slippage_e16 = 0;               // exact, 10^-16 quote units, positive = worse
  fixed8 slippage;                     // slippage_e16 rounded up to 10^-8
  std::int64_t sent_ns = 0;
  std::int64_t answered_ns = 0;  // when the answer (or the reconciliation) came
};

struct cycle_outcome {
  std::uint64_t id = 0;
  triangle_id triangle = 0;
  cycle_state state = cycle_state::planned;
  cycle_reason reason = cycle_reason::none;
  std::uint8_t reason_leg = 0;           // 0..2, for filters, short_fill, inconsistent_result
  filter_errc filter = filter_errc::ok;  // for filters
  asset_id start = 0;
  fixed8 expected_pnl;
  fixed8 realised_pnl;
  std::vector<asset_amount> residuals;
  std::array<leg_outcome, 3> legs;
  std::uint32_t orders_sent = 0;
  bool overflow = false;  // a total did not fit in fixed8 (saturated); never with sane fills
};

struct cycle_plan_result;

class cycle {
 public:
  // Plans the cycle for opportunity o on triangle t (the triangle the index
  // gives for o.triangle) in universe u. Errors: cfg invalid, o's legs not
  // t's (symbol or side), a cap that overflows, leg 1 failing check_filters.
  [[nodiscard]] static cycle_plan_result plan(std::uint64_t id, const opportunity& o,
                                              const triangle& t, const universe& u,
                                              const cycle_config& cfg);

  // planned -> leg1: leg 1's order, to send now. REQUIRES state() == planned.
  const order_request& start(std::int64_t now_ns);

  // What became of leg's order (sent, not unknown), at now_ns. verdict: the
  // trading guard's verdict now for this cycle (none: actionable); the next
  // leg is sent only if it is none. Returns the orders to send now (leg 2
  // after leg 1 filled something, leg 3 after leg 2 did, else none). A call out of turn
  // (leg not sent, or already answered) changes nothing and returns none;
  // it is counted in misuse().
  std::vector<order_request> on_result(std::int64_t now_ns, std::size_t leg, const order_result& r,
                                       suppress_reason verdict);
  // leg's answer never came (a timeout, a dropped response): the cycle waits.
  // REQUIRES leg sent and not answered (else counted in misuse()).
  void on_unknown(std::int64_t now_ns, std::size_t leg);
  // The runtime reconciled an unknown leg from the account: as on_result.
  std::vector<order_request> on_reconciled(std::int64_t now_ns, std::size_t leg,
                                           const order_result& r, suppress_reason verdict);

  [[nodiscard]] std::uint64_t id() const noexcept { return id_; }
  [[nodiscard]] triangle_id triangle_of() const noexcept { return triangle_; }  // its opportunity's
  [[nodiscard]] cycle_state state() const noexcept { return state_; }
  [[nodiscard]] bool closed() const noexcept {
    return state_ == cycle_state::done || state_ == cycle_state::residual ||
           state_ == cycle_state::missed;
  }
  [[nodiscard]] asset_id start_asset() const noexcept { return start_; }
  // Leg 1's worst-case spend in the start asset: the opportunity's amount_in.
  [[nodiscard]] fixed8 notional() const noexcept { return amount_in_; }
  [[nodiscard]] leg_status status(std::size_t leg) const noexcept { return legs_[leg].status; }
  // The leg's order (legs 2 and 3: once sized; before, quantity 0).
  [[nodiscard]] const order_request& order(std::size_t leg) const noexcept {
    return legs_[leg].order;
  }
  // The leg's limit: leg 1 the planned price, legs 2 and 3 the protective cap.
  [[nodiscard]] fixed8 limit(std::size_t leg) const noexcept { return legs_[leg].limit; }
  [[nodiscard]] std::uint64_t misuse() const noexcept { return misuse_; }
  [[nodiscard]] cycle_outcome outcome() const;

  // "<prefix>-<id>-<leg + 1>"
  [[nodiscard]] static std::string client_order_id(std::string_view prefix, std::uint64_t id,
                                                   std::size_t leg);
  // The protective cap for a leg planned at price on side d (see the header).
  [[nodiscard]] static fixed8_result protective_cap(side d, fixed8 price, fixed8 tick,
                                                    std::uint32_t bps) noexcept;

 private:
  struct leg_state {
    symbol_id symbol = kNoSymbol;
    side dir = side::buy;
    asset_id from = 0;
    asset_id to = 0;
    std::string name;
    symbol_filters filters;
    fixed8 planned_price;
    fixed8 limit;
    order_request order;
    leg_status status = leg_status::not_sent;
    std::optional<order_result> result;
    std::int64_t sent_ns = 0;
    std::int64_t answered_ns = 0;
  };
  cycle() = default;

  std::vector<order_request> answer(std::int64_t now_ns, std::size_t leg, const order_result& r,
                                    suppress_reason verdict);
  // After leg 1 filled something: size leg 2 and return it, or end residual.
  std::vector<order_request> send_leg2(std::int64_t now_ns, suppress_reason verdict);
  // After leg 2 filled something: size leg 3 from it and return it, or end residual.
  std::vector<order_request> send_leg3(std::int64_t now_ns, suppress_reason verdict);
  void end(cycle_state s, cycle_reason why, std::uint8_t leg = 0, filter_errc f = filter_errc::ok);
  [[nodiscard]] bool consistent(std::size_t leg, const order_result& r) const;
  // Net delta of asset a over leg's recorded fills (10^-8 units, exact).
  [[nodiscard]] i128 delta(std::size_t leg, asset_id a) const;

  std::uint64_t id_ = 0;
  triangle_id triangle_ = 0;
  asset_id start_ = 0;
  cycle_config cfg_;
  fixed8 amount_in_;
  fixed8 expected_pnl_;
  std::array<leg_state, 3> legs_;
  cycle_state state_ = cycle_state::planned;
  cycle_reason reason_ = cycle_reason::none;
  std::uint8_t reason_leg_ = 0;
  filter_errc filter_ = filter_errc::ok;
  std::uint32_t orders_sent_ = 0;
  std::uint64_t misuse_ = 0;
};

struct cycle_plan_result {
  std::optional<cycle> value;
  std::string error;  // empty iff value: "leg 1 BTCUSDT: qty_min (Filter failure: LOT_SIZE)"
  [[nodiscard]] bool ok() const noexcept { return value.has_value(); }
};

// Leg sizing, exposed for the tests and the property (the cycle uses these):
// what a leg spending `held` of its from-asset orders at `cap`: a sell
// floor_to_step(held), a buy floor_to_step(held / cap rounded down). Zero if
// held <= 0 or cap <= 0.
[[nodiscard]] fixed8 size_leg(side d, fixed8 held, fixed8 cap, fixed8 step) noexcept;
// What a leg of qty at cap delivers at worst, filled in full in one trade,
// net of fill_commission at fee_rate (see the header). overflow reported.
[[nodiscard]] fixed8_result worst_output(side d, fixed8 qty, fixed8 cap, fixed8 fee_rate) noexcept;

// A leg's slippage in 10^-2 bps of its planned notional: slippage_e16 (as
// leg_outcome's: exact, 10^-16 quote units, + is worse) x 10^6 over
// planned_price x executed_raw (raw fixed8 units of the quantity filled),
// rounded up, so never understated. nullopt when planned_price or
// executed_raw is not positive, or a product leaves i128. The one rule for
// the executor's per-leg figures and `journal show --orders`.
[[nodiscard]] std::optional<i128> slippage_bps_e2(i128 slippage_e16, fixed8 planned_price,
                                                  i128 executed_raw) noexcept;

}  // namespace triarb
