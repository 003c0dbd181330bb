// ledger: the bot's exact balances, per asset, moved only by the fills of
// its own orders (docs/design.md, "The ledger and the paper fill model").
// fixed8 with checked arithmetic throughout, never a float: starting
// balances plus every fill minus every fee equal the balances, to the unit.
//
//   ledger l(u.assets().size(), {{usdt, fixed8::from_units(1000)}});
//   ledger_errc e = l.apply(request, result, u, fee_rate);  // all or nothing
//   if (e != ledger_errc::ok) halt(to_string(e));           // counted in stats()
//   std::vector<balance_mismatch> m = l.reconcile(account); // the exchange's view
//
// The contract (who relies on what):
// - apply() applies all of an order's fills or none of them. Before touching
//   a balance it checks that the result is one the exchange could have sent
//   for that request, and refuses it with a named error otherwise (the list
//   below). A refusal changes no balance and counts under its name in
//   stats(). The execution engine (core/execution_engine.h) applies every
//   answer here and halts on a refusal (ledger_refused). The cycle machine
//   (core/cycle.h) does not read the ledger: it sizes legs 2 and 3 from the
//   result's own fills, with its own consistency check by the same rules
//   (a result apply() would refuse ends the cycle inconsistent_result).
//   The journal's audit (offline/journal_audit.h) does not call apply()
//   either: it checks each journaled answer's fills against its order by
//   order.h's arithmetic (limits, sums, fill_quote). The runtime reconciles
//   against the exchange's account with reconcile(); a mismatch halts
//   trading.
// - The effects, per fill (price p, qty q, commission c):
//     buy:  base += q - c;                 quote -= fill_quote(p, q)
//     sell: base -= q;                     quote += fill_quote(p, q) - c
//   with c == fill_commission(received, fee_rate), charged in the received
//   asset (base for a buy, quote for a sell): core/order.h's one rule.
// - The checks, in this order; the first that fails is returned:
//     fee_rate_out_of_range   fee_rate < 0 or >= 1
//     unknown_symbol          request.symbol not in the universe
//     unknown_asset           the symbol's base or quote >= asset_count()
//     rejected_with_fills     status rejected with fills, executed_qty or
//                             cumulative_quote
//     fill_not_positive       a fill's price or qty <= 0
//     price_beyond_limit      a buy's fill above request.price, a sell's
//                             below it
//     commission_asset        a fill's commission_asset is not the received
//                             asset
//     commission_amount       a fill's commission != fill_commission(received
//                             by that fill, fee_rate)
//     executed_qty_mismatch   executed_qty != the sum of the fills' qty
//     cumulative_quote_mismatch  cumulative_quote != the sum of
//                             fill_quote(price, qty) over the fills
//     overfilled              executed_qty > request.quantity
//     status_mismatch         status filled with executed_qty != quantity,
//                             or a FOK order filled in part
//     overflow                a product, a sum or a balance does not fit
//     overdraft               a balance would go below zero
// - A result with no fills (expired, rejected) is accepted and changes
//   nothing. Orders are not de-duplicated: applying the same result twice
//   applies its fills twice (the caller applies each order's final result
//   once).
// - Balances never go negative; starting balances must not be negative.
//
// Thread safety: none; one owner (the executor's thread) calls everything.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/fixed8.h"
#include "core/order.h"
#include "core/quote.h"
#include "core/universe.h"

namespace triarb {

enum class ledger_errc : std::uint8_t {
  ok = 0,
  fee_rate_out_of_range,
  unknown_symbol,
  unknown_asset,
  rejected_with_fills,
  fill_not_positive,
  price_beyond_limit,
  commission_asset,
  commission_amount,
  executed_qty_mismatch,
  cumulative_quote_mismatch,
  overfilled,
  status_mismatch,
  overflow,
  overdraft,
  kCount,
};
// "overdraft", "commission_amount", ... (the enumerator's name).
[[nodiscard]] std::string_view to_string(ledger_errc e) noexcept;

// One asset's balance (a starting balance, an exchange's account line).
struct asset_balance {
  asset_id asset = 0;
  fixed8 balance;
  friend bool operator==(const asset_balance&, const asset_balance&) = default;
};

// An asset on which the ledger and the exchange disagree. theirs is 0 for
// an asset the exchange did not list, ours 0 for one the ledger lacks.
struct balance_mismatch {
  asset_id asset = 0;
  fixed8 ours;
  fixed8 theirs;
  friend bool operator==(const balance_mismatch&, const balance_mismatch&) = default;
};

struct ledger_stats {
  std::uint64_t orders_applied = 0;  // accepted results, with or without fills
  std::uint64_t fills_applied = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(ledger_errc::kCount)> refused{};
  [[nodiscard]] std::uint64_t refused_total() const noexcept {
    std::uint64_t n = 0;
    for (const std::uint64_t c : refused) n += c;
    return n;
  }
  [[nodiscard]] std::uint64_t refused_by(ledger_errc e) const noexcept {
    return refused[static_cast<std::size_t>(e)];
  }
};

class ledger {
 public:
  // Assets 0 .. asset_count-1 (a universe's asset ids), all zero except
  // those in start. Throws std::invalid_argument (start-up only) for a
  // starting asset >= asset_count, a negative starting balance or an asset
  // listed twice; the message names it.
  explicit ledger(std::size_t asset_count, std::span<const asset_balance> start = {});

  // Applies the fills of `result` for `request` (see the contract above).
  // REQUIRES: u is the universe whose ids request and the fills use.
  [[nodiscard]] ledger_errc apply(const order_request& request, const order_result& result,
                                  const universe& u, fixed8 fee_rate);

  [[nodiscard]] std::size_t asset_count() const noexcept { return balance_.size(); }
  // 0 for an asset >= asset_count().
  [[nodiscard]] fixed8 balance(asset_id a) const noexcept;
  [[nodiscard]] fixed8 start_balance(asset_id a) const noexcept;
  // balance - start balance; never overflows (both are >= 0).
  [[nodiscard]] fixed8 delta(asset_id a) const noexcept;
  // Every asset whose balance moved since the start, in asset order.
  [[nodiscard]] std::vector<asset_balance> deltas() const;
  // Every asset's balance, in asset order.
  [[nodiscard]] std::span<const fixed8> balances() const noexcept { return balance_; }

  // Compares the ledger with the exchange's account (free balances: triarb's
  // orders are IOC or FOK and never rest, so nothing is locked). Every entry
  // of theirs is compared with our balance of its asset (0 beyond
  // asset_count()); every asset we hold a non-zero balance of that theirs
  // does not list is compared with 0. Returns the differences, in the order
  // of theirs, then the unlisted assets in asset order; empty when they agree.
  [[nodiscard]] std::vector<balance_mismatch> reconcile(
      std::span<const asset_balance> theirs) const;

  [[nodiscard]] const ledger_stats& stats() const noexcept { return stats_; }

 private:
  ledger_errc check_and_apply(const order_request& request, const order_result& result,
                              const universe& u, fixed8 fee_rate);

  std::vector<fixed8> start_;
  std::vector<fixed8> balance_;
  ledger_stats stats_;
};

}  // namespace triarb
