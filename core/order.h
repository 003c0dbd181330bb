// order: the execution vocabulary (docs/design.md, "Execution"). One set of
// types and one set of arithmetic rules shared by everything that places,
// fills or accounts for an order: the paper fill model, the order API client
// (net/), the simulated exchange's matching engine (sim/), the per-cycle
// state machine, the risk gate, the ledger and the journal. Two sides that
// round a fill differently cannot both balance, so the rules live here once.
//
//   order_request o{.client_order_id = "tb1c42l1", .symbol = s, .dir = side::buy,
//                   .tif = time_in_force::ioc, .price = p, .quantity = q};
//   fixed8 paid = fill_quote(p, q);                    // price x qty, truncated
//   fixed8 fee = fill_commission(received, fee_rate);  // rounded up
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/fixed8.h"
#include "core/quote.h"           // symbol_id, asset_id
#include "core/triangle_index.h"  // side
#include "core/universe.h"        // symbol_filters

namespace triarb {

// Every order triarb places is a LIMIT order with one of these.
enum class time_in_force : std::uint8_t { ioc, fok };

// The exchange's order statuses ("NEW", "FILLED", ...). An IOC order that
// filled in part ends `expired` with executed_qty > 0; a FOK order that could
// not fill at once ends `expired` with executed_qty == 0.
enum class order_status : std::uint8_t {
  new_order,
  partially_filled,
  filled,
  canceled,
  rejected,
  expired,
  expired_in_match,
};

// The exchange's spelling: "IOC", "FOK"; "NEW", "PARTIALLY_FILLED", "FILLED",
// "CANCELED", "REJECTED", "EXPIRED", "EXPIRED_IN_MATCH"; "BUY", "SELL".
[[nodiscard]] std::string_view to_string(time_in_force t) noexcept;
[[nodiscard]] std::string_view to_string(order_status s) noexcept;
[[nodiscard]] std::string_view wire_side(side s) noexcept;

// A client order id the exchange accepts: 1..36 of [A-Za-z0-9_-].
inline constexpr std::size_t kMaxClientOrderId = 36;
[[nodiscard]] bool valid_client_order_id(std::string_view id) noexcept;

// One order as triarb decides it. price is the limit: the most a buy pays
// and the least a sell takes, per unit of base. quantity is in base units.
struct order_request {
  std::string client_order_id;
  symbol_id symbol = kNoSymbol;
  side dir = side::buy;
  time_in_force tif = time_in_force::ioc;
  fixed8 price;
  fixed8 quantity;
  friend bool operator==(const order_request&, const order_request&) = default;
};

// One trade of an order (the FULL response's "fills" entries).
struct order_fill {
  fixed8 price;
  fixed8 qty;                     // base units
  fixed8 commission;              // charged in commission_asset
  asset_id commission_asset = 0;  // the asset the order received
  std::uint64_t trade_id = 0;
  friend bool operator==(const order_fill&, const order_fill&) = default;
};

// What became of an order. For a rejected order only error_code and
// error_msg mean anything (the exchange's {"code":-1013,"msg":"..."}).
// executed_qty is the sum of the fills' qty; cumulative_quote is the sum of
// fill_quote(price, qty) over the fills (the exchange's cummulativeQuoteQty).
struct order_result {
  order_status status = order_status::rejected;
  std::uint64_t order_id = 0;  // the exchange's id; 0 when rejected
  fixed8 executed_qty;
  fixed8 cumulative_quote;
  std::vector<order_fill> fills;
  int error_code = 0;
  std::string error_msg;
  friend bool operator==(const order_result&, const order_result&) = default;
};

// ---------------------------------------------------------------------------
// The arithmetic of a fill (the one rule every side uses)
// ---------------------------------------------------------------------------

// The quote amount of one trade: price x qty, exact product truncated to 8
// decimals (rounding::down; both are non-negative), as the exchange reports
// a trade's quote quantity. overflow when it does not fit in fixed8.
[[nodiscard]] fixed8_result fill_quote(fixed8 price, fixed8 qty) noexcept;

// The commission on `received` (what the order received: base for a buy,
// quote for a sell) at fee_rate (0.001 is 0.1 %): exact product rounded up
// to 8 decimals, so the exchange never undercharges. overflow as above.
[[nodiscard]] fixed8_result fill_commission(fixed8 received, fixed8 fee_rate) noexcept;

// What a filter check found wrong, or ok. Each maps to the exchange's
// "Filter failure: <FILTER>" message (error code -1013).
enum class filter_errc : std::uint8_t {
  ok = 0,
  price_not_positive,  // price <= 0
  price_tick,          // price not a multiple of tick_size        (PRICE_FILTER)
  qty_not_positive,    // quantity <= 0
  qty_min,             // quantity < min_qty                        (LOT_SIZE)
  qty_max,             // quantity > max_qty (max_qty > 0)          (LOT_SIZE)
  qty_step,            // quantity not a multiple of step_size      (LOT_SIZE)
  notional_min,        // fill_quote(price, quantity) < min_notional (NOTIONAL)
  notional_overflow,   // price x quantity does not fit in fixed8
};
[[nodiscard]] std::string_view to_string(filter_errc e) noexcept;
// The exchange's message for e: "Filter failure: PRICE_FILTER", "...LOT_SIZE",
// "...NOTIONAL"; "" for ok.
[[nodiscard]] std::string_view exchange_message(filter_errc e) noexcept;

// Checks a LIMIT order's price and quantity against a symbol's filters, in
// the order above (the first failure is reported). A zero filter value is no
// constraint, as in core/universe.h.
[[nodiscard]] filter_errc check_filters(const symbol_filters& f, fixed8 price,
                                        fixed8 quantity) noexcept;

}  // namespace triarb
