// evaluator: configuration checks, leg rates and the sizing slow path. The
// per-triangle hot path is the template in evaluator.h.
#include "core/evaluator.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace triarb {
namespace {

constexpr std::uint64_t kScale = static_cast<std::uint64_t>(fixed8::kScale);

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(std::string("evaluator_config: ") + what);
}

// What the sizing needs for one leg.
struct leg_params {
  side dir = side::buy;
  fixed8 price;          // > 0
  fixed8 cap_qty;        // book quantity, capped by maxQty, floored to stepSize
  fixed8 one_minus_fee;  // in (0, 1]
  fixed8 step;
  fixed8 min_qty;
  fixed8 min_notional;
};

// A lower bound on a value that may not fit: overflow clamps to max(), which
// is below the true value, so a cap computed this way is never too large.
fixed8 floor_or_max(fixed8_result r) noexcept { return r.ok() ? r.value : fixed8::max(); }

// Carries an amount of leg k's output asset back to its input asset, rounded
// down (so the start-asset cap is never overstated).
fixed8 back_through(const leg_params& p, fixed8 out_amount) noexcept {
  if (p.dir == side::buy) {
    // output q * (1 - fee) base for input q * ask quote.
    const fixed8 x = saturating_mul(out_amount, p.price, rounding::down).value;
    return floor_or_max(checked_div(x, p.one_minus_fee, rounding::down));
  }
  // output q * bid * (1 - fee) quote for input q base.
  const fixed8 x = floor_or_max(checked_div(out_amount, p.price, rounding::down));
  return floor_or_max(checked_div(x, p.one_minus_fee, rounding::down));
}

}  // namespace

evaluator::evaluator(const universe& u, const triangle_index& idx, evaluator_config cfg,
                     telemetry& tel)
    : u_(u), idx_(idx), cfg_(std::move(cfg)), tel_(tel) {
  const auto fee_ok = [](fixed8 f) { return f >= fixed8::zero() && f < fixed8::one(); };
  require(fee_ok(cfg_.default_fee), "default_fee must be in [0, 1)");
  for (const fixed8 f : cfg_.fee_by_symbol) require(fee_ok(f), "fee_by_symbol must be in [0, 1)");
  require(cfg_.default_budget.is_positive(), "default_budget must be positive");
  for (const fixed8 b : cfg_.budget_by_asset) {
    require(!b.is_negative(), "budget_by_asset must not be negative");
  }
  require(cfg_.max_leg_age_ns > 0, "max_leg_age_ns must be positive");
  const fixed8_result one_plus = checked_add(fixed8::one(), cfg_.min_profit);
  require(one_plus.ok() && one_plus.value.is_positive(), "1 + min_profit must be positive");
  threshold_ = rate_from_fixed8(one_plus.value, rounding::up);

  const std::size_t n = u_.symbols().size();
  // Slots are 2 * symbol + side and offsets 32-bit: far beyond any exchange.
  require(n < (std::size_t{1} << 30) && idx_.size() < (std::size_t{1} << 30),
          "more than 2^30 symbols or triangles");
  one_minus_fee_raw_.resize(n);
  for (symbol_id s = 0; s < n; ++s) {
    one_minus_fee_raw_[s] = static_cast<std::uint64_t>(fixed8::kScale - fee(s).raw());
  }
  // The hot path's layout: the index's (triangle, leg) lists per symbol, each
  // entry carrying its triangle's three rate slots.
  hot_offsets_.assign(n + 1, 0);
  sides_used_.assign(n, 0);
  hot_.reserve(3 * idx_.size());
  for (symbol_id s = 0; s < n; ++s) {
    hot_offsets_[s] = static_cast<std::uint32_t>(hot_.size());
    for (const leg_ref& r : idx_.touching(s)) {
      const triangle& t = idx_.triangle_at(r.triangle);
      hot_triangle h;
      h.triangle = r.triangle;
      std::size_t other = 0;
      for (std::size_t k = 0; k < 3; ++k) {
        const leg& l = t.legs[k];
        const std::uint32_t slot = 2 * l.symbol + (l.dir == side::sell ? 1U : 0U);
        if (k == r.leg) {
          h.own = slot;
        } else {
          h.others[other++] = slot;
        }
      }
      sides_used_[s] |= t.legs[r.leg].dir == side::sell ? kUsesSell : kUsesBuy;
      hot_.push_back(h);
    }
  }
  hot_offsets_[n] = static_cast<std::uint32_t>(hot_.size());
  rates_.resize(2 * n);
  exact_rates_.resize(2 * n);
  screen_coef_.resize(2 * n);
  for (symbol_id s = 0; s < n; ++s) {
    const auto omf = static_cast<double>(one_minus_fee_raw_[s]);  // exact: < 2^27
    screen_coef_[2 * s] = omf;                                    // buy: omf / ask_raw
    screen_coef_[2 * s + 1] = omf / 1e16;                         // sell: bid_raw * omf / 10^16
  }
  // threshold_ is 1 + min_profit (> 0, at most ~9.2e10) rounded up: a
  // normal double after one rounding (see rate_slot for the margin).
  screen_bound_ = std::ldexp(static_cast<double>(threshold_.mantissa()), threshold_.exponent()) *
                  (1.0 - 0x1p-46);
}

fixed8 evaluator::fee(symbol_id s) const noexcept {
  return s < cfg_.fee_by_symbol.size() ? cfg_.fee_by_symbol[s] : cfg_.default_fee;
}

fixed8 evaluator::budget(asset_id a) const noexcept {
  if (a < cfg_.budget_by_asset.size() && cfg_.budget_by_asset[a].is_positive()) {
    return cfg_.budget_by_asset[a];
  }
  return cfg_.default_budget;
}

rate evaluator::sell_rate(symbol_id s, fixed8 bid) const noexcept {
  // bid * (1 - fee) = bid_raw * omf_raw / 10^16, exact numerator (< 2^90).
  return rate_from_quotient(
      static_cast<u128>(static_cast<std::uint64_t>(bid.raw())) * one_minus_fee_raw_[s],
      static_cast<u128>(kScale) * kScale, rounding::down);
}

rate evaluator::buy_rate(symbol_id s, fixed8 ask) const noexcept {
  // (1 - fee) / ask = (omf_raw / 10^8) / (ask_raw / 10^8) = omf_raw / ask_raw.
  return rate_from_quotient(one_minus_fee_raw_[s], static_cast<std::uint64_t>(ask.raw()),
                            rounding::down);
}

rate evaluator::slot_rate(std::uint32_t slot, std::int64_t price) const noexcept {
  const symbol_id s = slot >> 1;
  return (slot & 1U) != 0 ? sell_rate(s, fixed8::from_raw(price))
                          : buy_rate(s, fixed8::from_raw(price));
}

rate evaluator::ratio(const triangle& t, const std::array<book_snapshot, 3>& legs) const noexcept {
  std::array<rate, 3> r;
  for (std::size_t k = 0; k < 3; ++k) {
    const leg& l = t.legs[k];
    r[k] = l.dir == side::buy ? buy_rate(l.symbol, legs[k].ask) : sell_rate(l.symbol, legs[k].bid);
  }
  return mul(mul(r[0], r[1], rounding::down), r[2], rounding::down);
}

eval_counter evaluator::size(const triangle& t, const std::array<book_snapshot, 3>& legs,
                             std::int64_t now_ns, opportunity& o) const noexcept {
  std::array<leg_params, 3> p;
  for (std::size_t k = 0; k < 3; ++k) {
    const leg& l = t.legs[k];
    const book_snapshot& b = legs[k];
    const symbol_filters& f = u_.symbols()[l.symbol].filters;
    leg_params& q = p[k];
    q.dir = l.dir;
    q.price = l.dir == side::buy ? b.ask : b.bid;
    const fixed8 book_qty = l.dir == side::buy ? b.ask_qty : b.bid_qty;
    fixed8 cap = book_qty;
    if (f.max_qty.is_positive()) cap = std::min(cap, f.max_qty);
    q.cap_qty = floor_to_step(cap, f.step_size);
    q.one_minus_fee = fixed8::from_raw(static_cast<std::int64_t>(one_minus_fee_raw_[l.symbol]));
    q.step = f.step_size;
    q.min_qty = f.min_qty;
    q.min_notional = f.min_notional;

    leg_decision& d = o.legs[k];
    d.symbol = l.symbol;
    d.dir = l.dir;
    d.price = q.price;
    d.book_qty = book_qty;
    d.fill_qty = fixed8::zero();
    d.update_id = b.update_id;
    std::int64_t age = 0;
    d.age_ns = __builtin_sub_overflow(now_ns, b.recv_ns, &age) ? std::int64_t{0} : age;
    d.valid = b.valid;
    d.qty_capped = b.qty_capped;
    d.reseeded = b.reseeded;
  }
  o.decided_ns = now_ns;

  // Start amount: the budget, capped by each leg's capacity carried back to
  // start-asset units (rounded down at every step, so never overstated).
  fixed8 start = budget(t.start);
  for (std::size_t j = 0; j < 3; ++j) {
    fixed8 x = p[j].dir == side::buy
                   ? saturating_mul(p[j].cap_qty, p[j].price, rounding::down).value
                   : p[j].cap_qty;
    for (std::size_t k = j; k-- > 0;) x = back_through(p[k], x);
    start = std::min(start, x);
  }
  if (!start.is_positive()) return eval_counter::skip_unsizable;

  // Forward simulation, clamping again at every leg.
  fixed8 amount = start;
  for (std::size_t k = 0; k < 3; ++k) {
    const leg_params& q = p[k];
    fixed8 qty;
    fixed8 paid;
    fixed8 notional;  // quote amount of the leg, rounded down: minNotional must hold exactly
    fixed8 received;
    if (q.dir == side::buy) {
      const fixed8_result afford = checked_div(amount, q.price, rounding::down);
      qty = afford.ok() ? std::min(afford.value, q.cap_qty) : q.cap_qty;
      qty = floor_to_step(qty, q.step);
      if (!qty.is_positive() || qty < q.min_qty) return eval_counter::skip_unsizable;
      const fixed8_result pay = checked_mul(qty, q.price, rounding::up);
      if (!pay.ok()) return eval_counter::skip_unsizable;
      paid = pay.value;
      // The exchange checks minNotional on the exact notional: compare the
      // rounded-down value, so a leg just under the minimum is never sized.
      const fixed8_result exact_down = checked_mul(qty, q.price, rounding::down);
      if (!exact_down.ok()) return eval_counter::skip_unsizable;
      notional = exact_down.value;
      const fixed8_result recv = checked_mul(qty, q.one_minus_fee, rounding::down);
      if (!recv.ok()) return eval_counter::skip_unsizable;
      received = recv.value;
    } else {
      qty = floor_to_step(std::min(amount, q.cap_qty), q.step);
      if (!qty.is_positive() || qty < q.min_qty) return eval_counter::skip_unsizable;
      paid = qty;
      const fixed8_result gross = checked_mul(qty, q.price, rounding::down);
      if (!gross.ok()) return eval_counter::skip_unsizable;
      notional = gross.value;
      const fixed8_result recv = checked_mul(gross.value, q.one_minus_fee, rounding::down);
      if (!recv.ok()) return eval_counter::skip_unsizable;
      received = recv.value;
    }
    if (q.min_notional.is_positive() && notional < q.min_notional) {
      return eval_counter::skip_unsizable;
    }
    o.legs[k].fill_qty = qty;
    if (k == 0) o.amount_in = paid;
    amount = received;
  }
  o.amount_out = amount;
  const fixed8_result profit = checked_sub(o.amount_out, o.amount_in);
  if (!profit.ok() || !profit.value.is_positive()) return eval_counter::skip_no_profit;
  // The sized, rounded-down result must beat the threshold too, not only the
  // ratio: step-floor dust can pull it below 1 + min_profit.
  const fixed8_result one_plus = checked_add(fixed8::one(), cfg_.min_profit);
  const fixed8_result required =
      one_plus.ok() ? checked_mul(o.amount_in, one_plus.value, rounding::up) : one_plus;
  if (!required.ok() || o.amount_out <= required.value) return eval_counter::skip_no_profit;
  o.profit = profit.value;
  return eval_counter::opportunities;
}

}  // namespace triarb
