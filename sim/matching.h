// matching: the simulated exchange's matching engine (docs/design.md,
// "Matching in the simulated exchange"). Pure: no threads, no I/O, no clock;
// every call is given the quote at the order's arrival and the time.
//
// Behind each true top of book (sim/market.h) it lays a deterministic depth
// profile, seeded by (seed, symbol, update_id), so the same quote always has
// the same depth and the ground truth can recompute it. Accounts hold an API
// key, a secret and exact balances per asset. place() applies the
// exchange's checks (rate limit, symbol, filters, balance), matches a LIMIT
// IOC or FOK order against the depth within its limit, charges the fee in
// the received asset per trade and moves the balances exactly as core/order.h's
// arithmetic says. ideal_cycle() is the ground truth for execution: what an
// ideal, instantaneous execution of a cycle's three legs would have made.
//
//   matching_engine eng(u, {.depth = {.seed = 7}});
//   account_id a = eng.add_account("key", "secret", {{usdt, fixed8::from_units(1000)}});
//   place_outcome out = eng.place(a, req, m.quote_of(req.symbol), now_ns);
//   if (!out.ok()) respond(out.error->http_status, out.error->code, out.error->msg);
//   ideal_result g = ideal_cycle(u, t, fixed8::from_units(100), {q0, q1, q2}, fee, depth);
//
// Thread safety: none. depth_of() and ideal_cycle() are pure functions; a
// matching_engine is used by one thread at a time (the exchange serialises
// its order routes).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fixed8.h"
#include "core/order.h"
#include "core/quote.h"
#include "core/triangle_index.h"
#include "core/universe.h"
#include "sim/market.h"

namespace triarb::sim {

// ---------------------------------------------------------------------------
// The depth profile
// ---------------------------------------------------------------------------

inline constexpr int kMaxDepthLevels = 16;

struct depth_params {
  std::uint64_t seed = 1;
  // Levels per side, level 0 the true top. REQUIRES: 1 <= levels <= kMaxDepthLevels.
  int levels = 5;
  // Each deeper level is worse than the one before by a seeded whole number
  // of ticks in [1, max_gap_ticks]. REQUIRES: max_gap_ticks >= 1.
  int max_gap_ticks = 3;
};

struct depth_level {
  fixed8 price;
  fixed8 qty;  // base units, a multiple of the symbol's step size (may be 0)
  friend bool operator==(const depth_level&, const depth_level&) = default;
};

// One side of the book as a taker meets it: for a buy the asks, ascending;
// for a sell the bids, descending. level[0..count) are meaningful.
struct depth_side {
  std::array<depth_level, kMaxDepthLevels> level{};
  int count = 0;
  friend bool operator==(const depth_side&, const depth_side&) = default;
};

// The depth a taker on side `taker` meets behind quote q of symbol s:
//  - level 0 is the true top (the ask for a buy, the bid for a sell) with
//    the true top quantity capped to fixed8::max() and floored to the step;
//  - level k is worse than level k-1 by g_k ticks (tick_size; 1 raw unit if
//    the filter is 0), g_k seeded in [1, max_gap_ticks];
//  - level k's exact quantity is level k-1's exact quantity times
//    (4 + h_k) / 4, h_k seeded in [1, 4] (it grows 25 % to 100 % per level,
//    rounded down), then capped to fixed8::max() and floored to the step.
// The seed is (p.seed, s, q.update_id, taker), nothing else. No levels when
// q was never quoted or the side is empty (price or quantity zero); a bid
// level whose price would reach zero or below, or an ask level whose price
// would overflow, ends the side there.
[[nodiscard]] depth_side depth_of(const depth_params& p, symbol_id s, const symbol_filters& f,
                                  const true_quote& q, side taker) noexcept;

// ---------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------

using account_id = std::uint32_t;

// An error as the exchange answers it: HTTP status and {"code":..,"msg":..}.
struct exchange_error {
  int http_status = 400;
  int code = 0;
  std::string msg;
  friend bool operator==(const exchange_error&, const exchange_error&) = default;
};

// The exchange's codes and messages used here.
inline constexpr int kErrTooManyOrders = -1015;  // HTTP 429
inline constexpr int kErrBadSymbol = -1121;      // "Invalid symbol."
inline constexpr int kErrFilter = -1013;         // exchange_message(filter_errc)
inline constexpr int kErrRejected = -2010;       // NEW_ORDER_REJECTED
inline constexpr std::string_view kMsgBadSymbol = "Invalid symbol.";
inline constexpr std::string_view kMsgInsufficientBalance =
    "Account has insufficient balance for requested action.";

struct matching_params {
  depth_params depth;
  fixed8 fee_rate = fixed8::from_raw(100'000);  // 0.001, the taker fee
  // The exchange's ORDERS rate limits (sim/universe_gen.cc serves the same
  // numbers in exchangeInfo's rateLimits), per account.
  std::uint32_t orders_per_10s = 100;
  std::uint32_t orders_per_day = 200'000;
};

struct account {
  std::string api_key;
  std::string secret;
  std::vector<fixed8> balance;  // free balance per asset_id; sized to the universe's assets
};

// What place() answered. Either error (the order was refused; result is
// then a rejected order_result carrying the same code and msg) or result
// (the order was accepted: status filled or expired, with its fills).
// order_count_10s / order_count_1d are the account's unfilled order counts
// after this call, for the X-MBX-ORDER-COUNT-10S / -1D headers (a 429 leaves them
// as they were). retry_after_s is set with a 429: whole seconds until the
// limit that refused the order lets one through again (the Retry-After header).
struct place_outcome {
  std::optional<exchange_error> error;
  order_result result;
  std::uint32_t order_count_10s = 0;
  std::uint32_t order_count_1d = 0;
  std::int64_t retry_after_s = 0;
  [[nodiscard]] bool ok() const noexcept { return !error.has_value(); }
};

class matching_engine {
 public:
  // u must outlive the engine. REQUIRES: p.depth as depth_params says;
  // 0 <= fee_rate < 1.
  matching_engine(const universe& u, matching_params p);

  // Accounts. add_account: balances not listed are zero; an api_key given
  // twice is std::invalid_argument, as is an asset id outside the universe.
  account_id add_account(std::string api_key, std::string secret,
                         const std::vector<std::pair<asset_id, fixed8>>& balances);
  // The account holding api_key, or nullopt.
  [[nodiscard]] std::optional<account_id> find_account(std::string_view api_key) const noexcept;
  // REQUIRES: a was returned by add_account.
  [[nodiscard]] const account& account_at(account_id a) const;
  [[nodiscard]] std::size_t accounts() const noexcept { return accounts_.size(); }
  // Sets a balance (tests; an operator's deposit). REQUIRES: valid ids.
  void set_balance(account_id a, asset_id asset, fixed8 amount);

  // Places one LIMIT order for account a, matched against `at_arrival`
  // (the symbol's true quote when the order reaches the exchange) at now_ns
  // (exchange time, ns; non-decreasing per account). Checks, in order:
  //  1. the ORDERS rate limits, which count UNFILLED orders: orders_per_10s
  //     unfilled orders in the sliding window (now_ns - 10 s, now_ns], or
  //     orders_per_day in the UTC day of now_ns (now_ns / 86,400 s), refuse
  //     the next with HTTP 429, -1015 "Too many new orders; current limit is
  //     100 orders per 10 SECOND." (or "... 200000 orders per 1 DAY.").
  //     The exchange's rule (its FAQ "Spot Unfilled Order Count Rules"):
  //     every successful request to place an order adds one to the count,
  //     and an order's first fill takes one off in every interval. So only
  //     an order accepted here with no fill (EXPIRED empty) counts; a
  //     refused order (any check below, or this one) and an order with a
  //     fill do not.
  //  2. the symbol: not in the universe -> HTTP 400, -1121 "Invalid symbol.".
  //  3. the filters: check_filters -> HTTP 400, -1013, exchange_message().
  //  4. the balance: a buy needs price x quantity rounded up of the quote
  //     asset, a sell needs quantity of the base -> HTTP 400, -2010
  //     "Account has insufficient balance for requested action.".
  // Matching walks depth_of(at_arrival) on the taker's side, minus what
  // earlier orders on this engine took from the same quote (same symbol,
  // side and update_id; a different update_id restores the full profile),
  // while the level's price is within the limit (a buy: <= price; a sell:
  // >= price), one fill per level touched, at the level's price. IOC fills
  // what it can: status filled when executed == quantity, else expired (with
  // the partial fill, possibly none). FOK fills all or nothing: filled, or
  // expired with no fills and nothing consumed. Each fill's commission is
  // fill_commission(received, fee_rate) in the received asset (base for a
  // buy, quote for a sell). Balances move exactly: buy: base += qty -
  // commission, quote -= fill_quote; sell: base -= qty, quote += fill_quote
  // - commission, per fill. A balance that would leave fixed8's range
  // refuses the order (-2010, a message naming the asset) before anything
  // moves. Order ids and trade ids count from 1 per engine.
  // REQUIRES: a was returned by add_account.
  [[nodiscard]] place_outcome place(account_id a, const order_request& req,
                                    const true_quote& at_arrival, std::int64_t now_ns);

  // The account's order counts at now_ns (the headers' values) without placing.
  [[nodiscard]] std::pair<std::uint32_t, std::uint32_t> order_counts(account_id a,
                                                                     std::int64_t now_ns) const;

  // What is left on the taker's side of s's book for quote q (depth_of
  // minus what orders took from it while q is current).
  [[nodiscard]] depth_side remaining(symbol_id s, const true_quote& q, side taker) const;

  [[nodiscard]] const matching_params& params() const noexcept { return p_; }
  [[nodiscard]] std::uint64_t orders_placed() const noexcept { return next_order_id_ - 1; }
  [[nodiscard]] std::uint64_t trades() const noexcept { return next_trade_id_ - 1; }

 private:
  struct rate_state {
    std::deque<std::int64_t> recent;  // times of the orders in the 10 s window
    std::int64_t day = -1;            // UTC day of day_count
    std::uint32_t day_count = 0;
  };
  // What orders took from one side of one symbol's quote.
  struct taken_state {
    std::uint64_t update_id = 0;
    bool used = false;
    std::array<fixed8, kMaxDepthLevels> taken{};
  };

  const universe& u_;
  matching_params p_;
  std::vector<account> accounts_;
  std::vector<rate_state> rates_;
  std::vector<std::array<taken_state, 2>> taken_;  // per symbol, [buy, sell]
  std::uint64_t next_order_id_ = 1;
  std::uint64_t next_trade_id_ = 1;
};

// ---------------------------------------------------------------------------
// The ground truth for execution
// ---------------------------------------------------------------------------

// What one leg of an ideal execution traded.
struct ideal_leg_result {
  symbol_id symbol = kNoSymbol;
  side dir = side::buy;
  asset_id from = 0;
  asset_id to = 0;
  fixed8 available;   // of `from`, what the previous leg delivered (or the start amount)
  fixed8 qty;         // base traded (0 if the leg could not trade)
  fixed8 quote;       // sum of fill_quote over its fills
  fixed8 spent;       // of `from`: quote for a buy, qty for a sell
  fixed8 commission;  // in `to`
  fixed8 received;    // of `to`, net of commission
  fixed8 left_over;   // available - spent: dust the step or the depth left behind
  int levels_touched = 0;
  filter_errc filter = filter_errc::ok;  // why the leg could not trade, if it could not
  friend bool operator==(const ideal_leg_result&, const ideal_leg_result&) = default;
};

enum class ideal_errc : std::uint8_t {
  ok = 0,
  not_a_cycle,     // the legs do not chain from the start asset back to it
  unknown_symbol,  // a leg's symbol is not in the universe
  no_liquidity,    // a leg met an empty side, or no quantity it could take
  filter,          // a leg's size failed min_qty or min_notional (the leg's filter says which)
  overflow,        // an amount left fixed8's range
};
[[nodiscard]] std::string_view to_string(ideal_errc e) noexcept;

struct ideal_result {
  ideal_errc ec = ideal_errc::ok;
  int failed_leg = -1;  // 0..2 when ec is a leg's failure
  fixed8 start_amount;  // of the start asset
  fixed8 end_amount;    // of the start asset, after the third leg (0 unless ok)
  fixed8 profit;        // end_amount - start_amount (may be negative; 0 unless ok)
  std::array<ideal_leg_result, 3> legs{};
  [[nodiscard]] bool ok() const noexcept { return ec == ideal_errc::ok; }
  friend bool operator==(const ideal_result&, const ideal_result&) = default;
};

// What an ideal, instantaneous execution of the cycle would have made,
// exactly: the three legs executed one after another against the full depth
// profiles of `quotes` (quotes[i] for legs[i], all at one instant; no other
// order consumed anything), each as an IOC with no price limit. Leg i spends
// all that leg i-1 delivered (leg 0: start_amount of t.start): a sell leg
// sells floor_to_step(min(available, max_qty)) of the base; a buy leg buys
// the largest step multiple, at most max_qty, whose cost walking the asks
// (sum of fill_quote per level) is <= available. Every fill pays
// fill_commission(received, fee_rate) in the received asset, as place()
// does. A leg whose quantity is 0, below min_qty, or whose quote amount is
// below min_notional fails the cycle (nothing after it trades).
[[nodiscard]] ideal_result ideal_cycle(const universe& u, const triangle& t, fixed8 start_amount,
                                       const std::array<true_quote, 3>& quotes, fixed8 fee_rate,
                                       const depth_params& depth);
// The same with the legs given as (symbol, side): the start asset is what
// the first leg spends; from/to follow from the universe.
[[nodiscard]] ideal_result ideal_cycle(const universe& u,
                                       const std::array<std::pair<symbol_id, side>, 3>& legs,
                                       fixed8 start_amount, const std::array<true_quote, 3>& quotes,
                                       fixed8 fee_rate, const depth_params& depth);

}  // namespace triarb::sim
