// risk_gate: which planned cycles may start (docs/design.md, "The cycle and
// the risk gate"). Pure and sans-I/O: every input carries its time (ns, the
// caller's clock); one gate per account, driven by the runtime, the campaign
// and the properties alike.
//
//   risk_gate gate(knobs, value_in_usdt);              // throws std::invalid_argument
//   risk_verdict v = gate.admit(now, plan, guard_verdict);
//   if (v != risk_verdict::admit) { count(to_string(v)); return; }
//   send(plan.start(now)); gate.on_order_sent(now);     // and for legs 2 and 3
//   gate.on_cycle_closed(plan.outcome());               // when plan.closed()
//
// admit() checks, in this order, and the first that fails is the verdict:
//   not_active   the trading guard's verdict for the opportunity is not none
//                (reducing, halted, quarantined: core/trading_guard.h): nothing
//                is admitted unless it is actionable;
//   notional     the plan's notional (leg 1's worst-case spend, the
//                opportunity's amount_in, in the start asset) > the start
//                asset's max_notional;
//   open_cycles  the admitted cycles not yet closed >= max_open_cycles;
//   order_rate   orders sent in the rolling window (now - 10 s, now], plus
//                the orders admitted cycles may still send, plus this
//                cycle's 3 > max_orders_per_10s;
//   residual     the residual inventory's value (below) > max_residual_value.
// An admitted cycle counts as open and reserves its 3 orders at once; each
// on_order_sent() turns one reservation into a sent order at its time, and
// on_cycle_closed() releases what the cycle did not send. So at any time
// sent-in-window + reserved <= max_orders_per_10s: an admitted cycle's legs 2
// and 3 never push the rate over the limit, whenever they go (not before
// admission time). Times going backwards count at the latest time seen.
//
// Residual inventory: the sum of the closed cycles' residuals per asset
// (cycle_outcome::residuals; unwinding is a later step). Its value is the
// sum over assets of valuation(asset, |amount|) in the caller's reference
// asset (a short position is as much risk as a long one); an asset the
// valuation cannot value (nullopt) makes the inventory over the limit
// (residual), so an unvalued asset never passes silently.
//
// Thread safety: none; one caller at a time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cycle.h"
#include "core/fixed8.h"
#include "core/int128.h"
#include "core/quote.h"
#include "core/trading_guard.h"

namespace triarb {

// The exchange's spot limit: 100 orders per 10 s per account.
inline constexpr std::uint32_t kExchangeOrdersPer10s = 100;
inline constexpr std::int64_t kOrderWindowNs = 10'000'000'000;  // 10 s
inline constexpr std::uint32_t kOrdersPerCycle = 3;

struct risk_config {
  // Leg 1's worst-case spend per cycle, in start-asset units (> 0).
  fixed8 max_notional = fixed8::from_units(100);
  std::vector<fixed8> max_notional_by_asset;  // per asset_id; zero or absent: max_notional
  std::uint32_t max_open_cycles = 4;          // 1..1000
  std::uint32_t max_orders_per_10s = 50;      // 3..99: below the exchange's 100
  fixed8 max_residual_value = fixed8::from_units(100);  // reference-asset units (>= 0)
};

// Empty if cfg is usable, else the knob and the value
// ("risk.max_orders_per_10s must be from 3 to 99 (got 100)").
[[nodiscard]] std::string validate(const risk_config& cfg);

enum class risk_verdict : std::uint8_t {
  admit,
  not_active,
  notional,
  open_cycles,
  order_rate,
  residual,
  kCount,
};
// A stable name for a counter: "admit", "not_active", "notional", "open_cycles",
// "order_rate", "residual".
[[nodiscard]] std::string_view to_string(risk_verdict v) noexcept;

// The value of `amount` (>= 0) of `asset` in the caller's reference asset,
// or nullopt if it cannot be valued.
using residual_valuation = std::function<std::optional<fixed8>(asset_id asset, fixed8 amount)>;

class risk_gate {
 public:
  // Throws std::invalid_argument with validate()'s message, or when
  // valuation is empty.
  risk_gate(risk_config cfg, residual_valuation valuation);

  // Judges a planned cycle at now_ns. Admitted: the cycle is open and its 3
  // orders reserved.
  risk_verdict admit(std::int64_t now_ns, const cycle& plan, suppress_reason verdict);
  // One order of an admitted cycle was sent at now_ns.
  void on_order_sent(std::int64_t now_ns);
  // An admitted cycle closed (done, residual or missed: the only way a
  // cycle leaves; none is abandoned open): no longer open, its unsent
  // reservations released, its residuals added to the inventory. This is
  // the only call that releases a reservation other than on_order_sent
  // (which turns one into a sent order).
  void on_cycle_closed(const cycle_outcome& outcome);

  // The start asset's notional limit.
  [[nodiscard]] fixed8 max_notional(asset_id a) const noexcept;
  [[nodiscard]] std::uint32_t open_cycles() const noexcept { return open_; }
  [[nodiscard]] std::uint32_t reserved_orders() const noexcept { return reserved_; }
  // Orders sent in (now - 10 s, now] (now >= the latest time seen).
  [[nodiscard]] std::uint32_t orders_in_window(std::int64_t now_ns);
  [[nodiscard]] const std::map<asset_id, fixed8>& inventory() const noexcept { return inventory_; }
  // The inventory's value as admit() sees it; nullopt if an asset cannot be valued.
  [[nodiscard]] std::optional<fixed8> residual_value() const;
  [[nodiscard]] std::uint64_t verdicts(risk_verdict v) const noexcept {
    return verdicts_[static_cast<std::size_t>(v)];
  }
  // on_order_sent without a reservation, on_cycle_closed without an open
  // cycle: a caller's bug, counted (and tolerated).
  [[nodiscard]] std::uint64_t misuse() const noexcept { return misuse_; }
  [[nodiscard]] const risk_config& config() const noexcept { return cfg_; }

 private:
  void prune(std::int64_t now_ns);

  risk_config cfg_;
  residual_valuation valuation_;
  std::uint32_t open_ = 0;
  std::uint32_t reserved_ = 0;
  std::int64_t latest_ns_ = INT64_MIN;
  std::deque<std::int64_t> sent_;  // times of orders sent, ascending
  std::map<asset_id, fixed8> inventory_;
  std::array<std::uint64_t, static_cast<std::size_t>(risk_verdict::kCount)> verdicts_{};
  std::uint64_t misuse_ = 0;
};

}  // namespace triarb
