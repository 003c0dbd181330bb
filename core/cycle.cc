#include "core/cycle.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace triarb {

namespace {

constexpr i128 kI64Max = std::numeric_limits<std::int64_t>::max();
constexpr i128 kI64Min = std::numeric_limits<std::int64_t>::min();

bool fits(i128 v) { return v >= kI64Min && v <= kI64Max; }

fixed8 saturate(i128 v, bool& overflow) {
  if (v > kI64Max) {
    overflow = true;
    return fixed8::max();
  }
  if (v < kI64Min) {
    overflow = true;
    return fixed8::min();
  }
  return fixed8::from_raw(static_cast<std::int64_t>(v));
}

bool valid_prefix(std::string_view p) {
  return !p.empty() && p.size() <= kMaxClientOrderIdPrefix && valid_client_order_id(p);
}

}  // namespace

std::string validate(const cycle_config& cfg) {
  if (cfg.max_slippage_bps > kMaxSlippageBps) {
    return "cycle.max_slippage_bps must be from 0 to " + std::to_string(kMaxSlippageBps) +
           " (got " + std::to_string(cfg.max_slippage_bps) + ")";
  }
  if (cfg.fee_rate.is_negative() || cfg.fee_rate >= fixed8::one()) {
    return "cycle.fee_rate must be in [0, 1) (got " + to_string(cfg.fee_rate) + ")";
  }
  if (!valid_prefix(cfg.client_order_id_prefix)) {
    return "cycle.client_order_id_prefix must be 1 to " + std::to_string(kMaxClientOrderIdPrefix) +
           " of [A-Za-z0-9_-] (got \"" + cfg.client_order_id_prefix + "\")";
  }
  return {};
}

std::string_view to_string(cycle_state s) noexcept {
  switch (s) {
    case cycle_state::planned:
      return "planned";
    case cycle_state::leg1:
      return "leg1";
    case cycle_state::leg2:
      return "leg2";
    case cycle_state::leg3:
      return "leg3";
    case cycle_state::done:
      return "done";
    case cycle_state::residual:
      return "residual";
    case cycle_state::missed:
      return "missed";
  }
  return "?";
}

std::string_view to_string(leg_status s) noexcept {
  switch (s) {
    case leg_status::not_sent:
      return "not_sent";
    case leg_status::sent:
      return "sent";
    case leg_status::unknown:
      return "unknown";
    case leg_status::answered:
      return "answered";
  }
  return "?";
}

std::string_view to_string(cycle_reason r) noexcept {
  switch (r) {
    case cycle_reason::none:
      return "none";
    case cycle_reason::leg1_rejected:
      return "leg1_rejected";
    case cycle_reason::leg1_unfilled:
      return "leg1_unfilled";
    case cycle_reason::filters:
      return "filters";
    case cycle_reason::not_active:
      return "not_active";
    case cycle_reason::short_fill:
      return "short_fill";
    case cycle_reason::inconsistent_result:
      return "inconsistent_result";
    case cycle_reason::kCount:
      break;
  }
  return "?";
}

fixed8 size_leg(side d, fixed8 held, fixed8 cap, fixed8 step) noexcept {
  if (!held.is_positive() || !cap.is_positive()) return fixed8::zero();
  if (d == side::sell) return floor_to_step(held, step);
  const fixed8_result afford = checked_div(held, cap, rounding::down);
  // A quotient beyond fixed8: every representable quantity is affordable.
  return floor_to_step(afford.ok() ? afford.value : fixed8::max(), step);
}

fixed8_result worst_output(side d, fixed8 qty, fixed8 cap, fixed8 fee_rate) noexcept {
  fixed8 gross = qty;
  if (d == side::sell) {
    const fixed8_result g = fill_quote(cap, qty);
    if (!g.ok()) return g;
    gross = g.value;
  }
  const fixed8_result fee = fill_commission(gross, fee_rate);
  if (!fee.ok()) return fee;
  return checked_sub(gross, fee.value);
}

std::string cycle::client_order_id(std::string_view prefix, std::uint64_t id, std::size_t leg) {
  std::string s(prefix);
  s += '-';
  s += std::to_string(id);
  s += '-';
  s += std::to_string(leg + 1);
  return s;
}

fixed8_result cycle::protective_cap(side d, fixed8 price, fixed8 tick, std::uint32_t bps) noexcept {
  if (!price.is_positive() || bps > kMaxSlippageBps) return {fixed8::zero(), fixed8_errc::overflow};
  const i128 t = tick.is_positive() ? tick.raw() : 1;
  i128 v = 0;
  if (d == side::buy) {
    v = floor_div(static_cast<i128>(price.raw()) * (10'000 + bps), i128{10'000} * t) * t;
  } else {
    v = ceil_div(static_cast<i128>(price.raw()) * (10'000 - bps), i128{10'000} * t) * t;
  }
  if (!fits(v) || v <= 0) return {fixed8::zero(), fixed8_errc::overflow};
  return {fixed8::from_raw(static_cast<std::int64_t>(v)), fixed8_errc::ok};
}

cycle_plan_result cycle::plan(std::uint64_t id, const opportunity& o, const triangle& t,
                              const universe& u, const cycle_config& cfg) {
  cycle_plan_result out;
  if (std::string e = validate(cfg); !e.empty()) {
    out.error = std::move(e);
    return out;
  }
  cycle c;
  c.id_ = id;
  c.triangle_ = o.triangle;
  c.start_ = t.start;
  c.cfg_ = cfg;
  c.amount_in_ = o.amount_in;
  c.expected_pnl_ = o.profit;
  for (std::size_t k = 0; k < 3; ++k) {
    const leg& l = t.legs[k];
    const leg_decision& d = o.legs[k];
    if (d.symbol != l.symbol || d.dir != l.dir || l.symbol >= u.symbols().size()) {
      out.error = "leg " + std::to_string(k + 1) +
                  ": the opportunity's symbol or side is not "
                  "the triangle's";
      return out;
    }
    const symbol_info& si = u.symbols()[l.symbol];
    leg_state& s = c.legs_[k];
    s.symbol = l.symbol;
    s.dir = l.dir;
    s.from = l.from;
    s.to = l.to;
    s.name = si.name;
    s.filters = si.filters;
    s.planned_price = d.price;
    if (k == 0) {
      s.limit = d.price;
    } else {
      const fixed8_result cap =
          protective_cap(l.dir, d.price, si.filters.tick_size, cfg.max_slippage_bps);
      if (!cap.ok()) {
        out.error = "leg " + std::to_string(k + 1) + " " + si.name + ": no protective cap for " +
                    to_string(d.price) + " at " + std::to_string(cfg.max_slippage_bps) + " bps";
        return out;
      }
      s.limit = cap.value;
    }
    s.order.client_order_id = client_order_id(cfg.client_order_id_prefix, id, k);
    s.order.symbol = l.symbol;
    s.order.dir = l.dir;
    s.order.tif = time_in_force::ioc;
    s.order.price = s.limit;
    s.order.quantity = k == 0 ? d.fill_qty : fixed8::zero();
  }
  const leg_state& l1 = c.legs_[0];
  if (const filter_errc e = check_filters(l1.filters, l1.order.price, l1.order.quantity);
      e != filter_errc::ok) {
    out.error = "leg 1 " + l1.name + ": " + std::string(to_string(e)) + " (" +
                std::string(exchange_message(e)) + ")";
    return out;
  }
  out.value = std::move(c);
  return out;
}

const order_request& cycle::start(std::int64_t now_ns) {
  if (state_ != cycle_state::planned) {
    ++misuse_;
    return legs_[0].order;
  }
  legs_[0].status = leg_status::sent;
  legs_[0].sent_ns = now_ns;
  ++orders_sent_;
  state_ = cycle_state::leg1;
  return legs_[0].order;
}

std::vector<order_request> cycle::on_result(std::int64_t now_ns, std::size_t leg,
                                            const order_result& r, suppress_reason verdict) {
  if (leg > 2 || legs_[leg].status != leg_status::sent) {
    ++misuse_;
    return {};
  }
  return answer(now_ns, leg, r, verdict);
}

void cycle::on_unknown(std::int64_t now_ns, std::size_t leg) {
  if (leg > 2 || legs_[leg].status != leg_status::sent) {
    ++misuse_;
    return;
  }
  legs_[leg].status = leg_status::unknown;
  legs_[leg].answered_ns = now_ns;
}

std::vector<order_request> cycle::on_reconciled(std::int64_t now_ns, std::size_t leg,
                                                const order_result& r, suppress_reason verdict) {
  if (leg > 2 || legs_[leg].status != leg_status::unknown) {
    ++misuse_;
    return {};
  }
  return answer(now_ns, leg, r, verdict);
}

bool cycle::consistent(std::size_t leg, const order_result& r) const {
  const leg_state& s = legs_[leg];
  if (r.status == order_status::rejected) {
    return r.fills.empty() && r.executed_qty.is_zero() && r.cumulative_quote.is_zero();
  }
  i128 qty = 0;
  i128 quote = 0;
  for (const order_fill& f : r.fills) {
    if (!f.qty.is_positive() || !f.price.is_positive() || f.commission.is_negative()) return false;
    if (s.dir == side::buy ? f.price > s.limit : f.price < s.limit) return false;
    const fixed8_result q = fill_quote(f.price, f.qty);
    if (!q.ok()) return false;
    // Charged in the received asset, by order.h's rule at the fee rate.
    const fixed8_result fee = fill_commission(s.dir == side::buy ? f.qty : q.value, cfg_.fee_rate);
    if (f.commission_asset != s.to || !fee.ok() || f.commission != fee.value) return false;
    qty += f.qty.raw();
    quote += q.value.raw();
  }
  if (qty != r.executed_qty.raw() || quote != r.cumulative_quote.raw()) return false;
  if (r.executed_qty > s.order.quantity) return false;
  if (r.status == order_status::filled && r.executed_qty != s.order.quantity) return false;
  return true;
}

i128 cycle::delta(std::size_t leg, asset_id a) const {
  const leg_state& s = legs_[leg];
  if (!s.result) return 0;
  i128 d = 0;
  for (const order_fill& f : s.result->fills) {
    const fixed8_result q = fill_quote(f.price, f.qty);
    const i128 quote = q.ok() ? q.value.raw() : kI64Max;  // inconsistent anyway
    const i128 base = f.qty.raw();
    if (s.dir == side::buy) {
      if (s.to == a) d += base;
      if (s.from == a) d -= quote;
    } else {
      if (s.from == a) d -= base;
      if (s.to == a) d += quote;
    }
    if (f.commission_asset == a) d -= f.commission.raw();
  }
  return d;
}

void cycle::end(cycle_state s, cycle_reason why, std::uint8_t leg, filter_errc f) {
  state_ = s;
  reason_ = why;
  reason_leg_ = leg;
  filter_ = f;
}

std::vector<order_request> cycle::answer(std::int64_t now_ns, std::size_t leg,
                                         const order_result& r, suppress_reason verdict) {
  leg_state& s = legs_[leg];
  s.status = leg_status::answered;
  s.answered_ns = now_ns;
  const bool ok = consistent(leg, r);
  s.result = r;
  if (r.status == order_status::rejected) {
    // A rejected order executed nothing, whatever the answer claims (the
    // ledger refuses such an answer; the journal keeps no fill of it).
    s.result->fills.clear();
    s.result->executed_qty = fixed8::zero();
    s.result->cumulative_quote = fixed8::zero();
  }
  if (!ok) {
    end(cycle_state::residual, cycle_reason::inconsistent_result, static_cast<std::uint8_t>(leg));
    return {};
  }
  if (leg == 0) {
    if (r.executed_qty.is_zero()) {
      end(cycle_state::missed, r.status == order_status::rejected ? cycle_reason::leg1_rejected
                                                                  : cycle_reason::leg1_unfilled);
      return {};
    }
    return send_leg2(now_ns, verdict);
  }
  if (leg == 1) {
    if (r.executed_qty.is_zero()) {
      end(cycle_state::residual, cycle_reason::short_fill, 1);
      return {};
    }
    return send_leg3(now_ns, verdict);
  }
  // Leg 3 answered: the cycle ends.
  for (std::uint8_t k = 1; k <= 2; ++k) {
    if (legs_[k].result->executed_qty != legs_[k].order.quantity) {
      end(cycle_state::residual, cycle_reason::short_fill, k);
      return {};
    }
  }
  end(cycle_state::done, cycle_reason::none);
  return {};
}

namespace {

// A delta clamped into fixed8 (a consistent result's deltas always fit).
fixed8 clamp_raw(i128 v) {
  return fixed8::from_raw(static_cast<std::int64_t>(std::clamp(v, kI64Min, kI64Max)));
}

}  // namespace

std::vector<order_request> cycle::send_leg2(std::int64_t now_ns, suppress_reason verdict) {
  if (verdict != suppress_reason::none) {
    end(cycle_state::residual, cycle_reason::not_active);
    return {};
  }
  // held fits: leg 1's result is consistent, so its fills are bounded by
  // fixed8 values; a negative or zero held sizes to zero and fails below.
  const fixed8 held = clamp_raw(delta(0, legs_[0].to));
  leg_state& l2 = legs_[1];
  const leg_state& l3 = legs_[2];
  const fixed8 q2 = size_leg(l2.dir, held, l2.limit, l2.filters.step_size);
  if (const filter_errc e = check_filters(l2.filters, l2.limit, q2); e != filter_errc::ok) {
    end(cycle_state::residual, cycle_reason::filters, 1, e);
    return {};
  }
  // Leg 3 as leg 2's worst case would size it: if even that fails its
  // filters, leg 2 is not sent (the cycle holds X rather than a Y it could
  // not sell).
  const fixed8_result w = worst_output(l2.dir, q2, l2.limit, cfg_.fee_rate);
  if (!w.ok()) {
    end(cycle_state::residual, cycle_reason::filters, 1, filter_errc::notional_overflow);
    return {};
  }
  const fixed8 q3 = size_leg(l3.dir, w.value, l3.limit, l3.filters.step_size);
  if (const filter_errc e = check_filters(l3.filters, l3.limit, q3); e != filter_errc::ok) {
    end(cycle_state::residual, cycle_reason::filters, 2, e);
    return {};
  }
  l2.order.quantity = q2;
  l2.status = leg_status::sent;
  l2.sent_ns = now_ns;
  ++orders_sent_;
  state_ = cycle_state::leg2;
  return {l2.order};
}

std::vector<order_request> cycle::send_leg3(std::int64_t now_ns, suppress_reason verdict) {
  if (verdict != suppress_reason::none) {
    end(cycle_state::residual, cycle_reason::not_active);
    return {};
  }
  // What leg 2 actually delivered, net of its commission.
  const fixed8 held = clamp_raw(delta(1, legs_[1].to));
  leg_state& l3 = legs_[2];
  const fixed8 q3 = size_leg(l3.dir, held, l3.limit, l3.filters.step_size);
  if (const filter_errc e = check_filters(l3.filters, l3.limit, q3); e != filter_errc::ok) {
    end(cycle_state::residual, cycle_reason::filters, 2, e);
    return {};
  }
  l3.order.quantity = q3;
  l3.status = leg_status::sent;
  l3.sent_ns = now_ns;
  ++orders_sent_;
  state_ = cycle_state::leg3;
  return {l3.order};
}

cycle_outcome cycle::outcome() const {
  cycle_outcome o;
  o.id = id_;
  o.triangle = triangle_;
  o.state = state_;
  o.reason = reason_;
  o.reason_leg = reason_leg_;
  o.filter = filter_;
  o.start = start_;
  o.expected_pnl = expected_pnl_;
  o.orders_sent = orders_sent_;
  std::vector<asset_id> assets = {legs_[0].to, legs_[1].to};
  i128 realised = 0;
  for (std::size_t k = 0; k < 3; ++k) {
    const leg_state& s = legs_[k];
    leg_outcome& lo = o.legs[k];
    lo.status = s.status;
    lo.planned_price = s.planned_price;
    lo.limit = s.limit;
    lo.quantity = s.order.quantity;
    lo.sent_ns = s.sent_ns;
    lo.answered_ns = s.answered_ns;
    realised += delta(k, start_);
    if (!s.result) continue;
    lo.result = s.result->status;
    i128 qty = 0;
    i128 quote = 0;
    i128 commission = 0;
    i128 notional_e16 = 0;  // sum of price x qty, exact
    i128 slip = 0;
    for (const order_fill& f : s.result->fills) {
      if (std::find(assets.begin(), assets.end(), f.commission_asset) == assets.end()) {
        assets.push_back(f.commission_asset);
      }
      const fixed8_result q = fill_quote(f.price, f.qty);
      if (!q.ok() || f.qty.is_negative() || f.price.is_negative()) {
        o.overflow = true;
        continue;
      }
      qty += f.qty.raw();
      quote += q.value.raw();
      commission += f.commission.raw();
      const i128 pq = static_cast<i128>(f.price.raw()) * f.qty.raw();
      notional_e16 += pq;
      const i128 planned = static_cast<i128>(s.planned_price.raw()) * f.qty.raw();
      slip += s.dir == side::buy ? pq - planned : planned - pq;
    }
    lo.executed = saturate(qty, o.overflow);
    lo.quote = saturate(quote, o.overflow);
    lo.commission = saturate(commission, o.overflow);
    if (qty > 0) {
      lo.vwap =
          saturate(s.dir == side::buy ? ceil_div(notional_e16, qty) : floor_div(notional_e16, qty),
                   o.overflow);
    }
    lo.slippage_e16 = slip;
    lo.slippage = saturate(ceil_div(slip, fixed8::kScale), o.overflow);
  }
  o.realised_pnl = saturate(realised, o.overflow);
  std::sort(assets.begin(), assets.end());
  assets.erase(std::unique(assets.begin(), assets.end()), assets.end());
  for (const asset_id a : assets) {
    if (a == start_) continue;
    i128 d = 0;
    for (std::size_t k = 0; k < 3; ++k) d += delta(k, a);
    o.residuals.push_back({a, saturate(d, o.overflow)});
  }
  return o;
}

std::optional<i128> slippage_bps_e2(i128 slippage_e16, fixed8 planned_price,
                                    i128 executed_raw) noexcept {
  i128 denom = 0, num = 0;
  if (planned_price.raw() <= 0 || executed_raw <= 0 ||
      __builtin_mul_overflow(static_cast<i128>(planned_price.raw()), executed_raw, &denom) ||
      __builtin_mul_overflow(slippage_e16, static_cast<i128>(1'000'000), &num)) {
    return std::nullopt;
  }
  return ceil_div(num, denom);  // rounded up
}

}  // namespace triarb
