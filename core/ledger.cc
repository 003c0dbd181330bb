#include "core/ledger.h"

#include <stdexcept>
#include <string>

namespace triarb {

std::string_view to_string(ledger_errc e) noexcept {
  switch (e) {
    case ledger_errc::ok:
      return "ok";
    case ledger_errc::fee_rate_out_of_range:
      return "fee_rate_out_of_range";
    case ledger_errc::unknown_symbol:
      return "unknown_symbol";
    case ledger_errc::unknown_asset:
      return "unknown_asset";
    case ledger_errc::rejected_with_fills:
      return "rejected_with_fills";
    case ledger_errc::fill_not_positive:
      return "fill_not_positive";
    case ledger_errc::price_beyond_limit:
      return "price_beyond_limit";
    case ledger_errc::commission_asset:
      return "commission_asset";
    case ledger_errc::commission_amount:
      return "commission_amount";
    case ledger_errc::executed_qty_mismatch:
      return "executed_qty_mismatch";
    case ledger_errc::cumulative_quote_mismatch:
      return "cumulative_quote_mismatch";
    case ledger_errc::overfilled:
      return "overfilled";
    case ledger_errc::status_mismatch:
      return "status_mismatch";
    case ledger_errc::overflow:
      return "overflow";
    case ledger_errc::overdraft:
      return "overdraft";
    case ledger_errc::kCount:
      break;
  }
  return "?";
}

ledger::ledger(std::size_t asset_count, std::span<const asset_balance> start)
    : start_(asset_count), balance_(asset_count) {
  std::vector<bool> seen(asset_count, false);
  for (const asset_balance& b : start) {
    if (b.asset >= asset_count) {
      throw std::invalid_argument("ledger: starting balance for asset " + std::to_string(b.asset) +
                                  ", beyond the " + std::to_string(asset_count) + " assets");
    }
    if (b.balance.is_negative()) {
      throw std::invalid_argument("ledger: starting balance of asset " + std::to_string(b.asset) +
                                  " is negative (" + to_string(b.balance) + ")");
    }
    if (seen[b.asset]) {
      throw std::invalid_argument("ledger: asset " + std::to_string(b.asset) +
                                  " has two starting balances");
    }
    seen[b.asset] = true;
    start_[b.asset] = b.balance;
    balance_[b.asset] = b.balance;
  }
}

fixed8 ledger::balance(asset_id a) const noexcept {
  return a < balance_.size() ? balance_[a] : fixed8{};
}

fixed8 ledger::start_balance(asset_id a) const noexcept {
  return a < start_.size() ? start_[a] : fixed8{};
}

fixed8 ledger::delta(asset_id a) const noexcept {
  // Both are in [0, max]: the difference is in [-max, max].
  return fixed8::from_raw(balance(a).raw() - start_balance(a).raw());
}

std::vector<asset_balance> ledger::deltas() const {
  std::vector<asset_balance> out;
  for (std::size_t a = 0; a < balance_.size(); ++a) {
    const fixed8 d = delta(static_cast<asset_id>(a));
    if (!d.is_zero()) out.push_back({static_cast<asset_id>(a), d});
  }
  return out;
}

std::vector<balance_mismatch> ledger::reconcile(std::span<const asset_balance> theirs) const {
  std::vector<balance_mismatch> out;
  std::vector<bool> listed(balance_.size(), false);
  for (const asset_balance& t : theirs) {
    const fixed8 ours = balance(t.asset);
    if (t.asset < listed.size()) listed[t.asset] = true;
    if (ours != t.balance) out.push_back({t.asset, ours, t.balance});
  }
  for (std::size_t a = 0; a < balance_.size(); ++a) {
    if (!listed[a] && !balance_[a].is_zero()) {
      out.push_back({static_cast<asset_id>(a), balance_[a], fixed8{}});
    }
  }
  return out;
}

ledger_errc ledger::apply(const order_request& request, const order_result& result,
                          const universe& u, fixed8 fee_rate) {
  const ledger_errc e = check_and_apply(request, result, u, fee_rate);
  if (e == ledger_errc::ok) {
    ++stats_.orders_applied;
    stats_.fills_applied += result.fills.size();
  } else {
    ++stats_.refused[static_cast<std::size_t>(e)];
  }
  return e;
}

ledger_errc ledger::check_and_apply(const order_request& request, const order_result& result,
                                    const universe& u, fixed8 fee_rate) {
  if (fee_rate.is_negative() || fee_rate >= fixed8::one()) {
    return ledger_errc::fee_rate_out_of_range;
  }
  if (request.symbol >= u.symbols().size()) return ledger_errc::unknown_symbol;
  const symbol_info& info = u.symbol(request.symbol);
  if (info.base >= balance_.size() || info.quote >= balance_.size()) {
    return ledger_errc::unknown_asset;
  }
  if (result.status == order_status::rejected &&
      (!result.fills.empty() || !result.executed_qty.is_zero() ||
       !result.cumulative_quote.is_zero())) {
    return ledger_errc::rejected_with_fills;
  }
  const bool buy = request.dir == side::buy;
  const asset_id received = buy ? info.base : info.quote;

  // Per fill: the checks, and the totals with their effects on the two
  // balances, computed aside; the balances change only once all passed.
  fixed8 qty_sum;
  fixed8 quote_sum;
  fixed8 base = balance_[info.base];
  fixed8 quote = balance_[info.quote];
  bool overflowed = false;
  bool overdrawn = false;
  for (const order_fill& fill : result.fills) {
    if (!fill.price.is_positive() || !fill.qty.is_positive()) {
      return ledger_errc::fill_not_positive;
    }
    if (buy ? fill.price > request.price : fill.price < request.price) {
      return ledger_errc::price_beyond_limit;
    }
    if (fill.commission_asset != received) return ledger_errc::commission_asset;
    const fixed8_result paid = fill_quote(fill.price, fill.qty);
    if (!paid.ok()) return ledger_errc::overflow;
    const fixed8_result fee = fill_commission(buy ? fill.qty : paid.value, fee_rate);
    if (!fee.ok()) return ledger_errc::overflow;
    if (fill.commission != fee.value) return ledger_errc::commission_amount;

    const fixed8_result q = checked_add(qty_sum, fill.qty);
    const fixed8_result c = checked_add(quote_sum, paid.value);
    if (!q.ok() || !c.ok()) return ledger_errc::overflow;
    qty_sum = q.value;
    quote_sum = c.value;

    // The effects; an overflow or overdraft is reported after the
    // consistency checks of every fill (an inconsistent result is named as
    // such even when it would also overdraw).
    if (overflowed) continue;
    fixed8_result nb;
    fixed8_result nq;
    if (buy) {
      // q - c >= 0 (c <= q as fee_rate < 1): base only grows, quote only shrinks.
      nb = checked_add(base, fixed8::from_raw(fill.qty.raw() - fee.value.raw()));
      nq = checked_sub(quote, paid.value);
    } else {
      nb = checked_sub(base, fill.qty);
      nq = checked_add(quote, fixed8::from_raw(paid.value.raw() - fee.value.raw()));
    }
    if (!nb.ok() || !nq.ok()) {
      overflowed = true;
      continue;
    }
    base = nb.value;
    quote = nq.value;
    if (base.is_negative() || quote.is_negative()) overdrawn = true;
  }
  if (result.executed_qty != qty_sum) return ledger_errc::executed_qty_mismatch;
  if (result.cumulative_quote != quote_sum) return ledger_errc::cumulative_quote_mismatch;
  if (result.executed_qty > request.quantity) return ledger_errc::overfilled;
  if (result.status == order_status::filled && result.executed_qty != request.quantity) {
    return ledger_errc::status_mismatch;
  }
  if (request.tif == time_in_force::fok && !result.executed_qty.is_zero() &&
      result.executed_qty != request.quantity) {
    return ledger_errc::status_mismatch;
  }
  if (overflowed) return ledger_errc::overflow;
  if (overdrawn) return ledger_errc::overdraft;
  balance_[info.base] = base;
  balance_[info.quote] = quote;
  return ledger_errc::ok;
}

}  // namespace triarb
