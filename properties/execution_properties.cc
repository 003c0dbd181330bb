// RapidCheck property of core/cycle.h and core/risk_gate.h against a
// from-scratch reference in boost::multiprecision (cpp_int, cpp_rational;
// no fixed8 arithmetic in the reference), and of the whole against
// core/ledger.h applying the same results.
//
// A case is a sequence of operations on USDT, BTC and ETH (BTCUSDT, ETHBTC,
// ETHUSDT with the exchange's filters; all six triangles, every start asset):
//   new        an opportunity on a generated triangle (prices within 300
//              ticks of 60000 / 0.05 / 3000, leg 1 sized for 1 to 3000 USDT
//              of value), planned with a generated slippage allowance and
//              fee, judged by the risk gate under a generated trading
//              verdict; if admitted, leg 1 is sent;
//   answer     an order in flight gets a result: filled in 1 to 3 trades at
//              prices within the limit, partly filled, expired empty,
//              rejected, or no answer at all (unknown); the verdict at that
//              moment is generated (legs 2 and 3 go only while actionable);
//   reconcile  an unknown order gets its result from the account;
// with time moving forward by 0 to 4 s between operations (the 10 s order
// window rolls); at the end every order in flight is filled and every
// cycle closes. Checked:
//   - every order the machine emits: its price is the protective cap the
//     reference computes (leg 1: the planned price) and within the
//     allowance; its quantity is the reference's sizing; it passes the
//     reference's filter check; it never spends more than the cycle holds
//     of that asset (leg 1: amount_in; leg 2: what leg 1's fills delivered
//     net of commission; leg 3: what leg 2's fills delivered); at
//     its send time the orders sent in the last 10 s are within the limit;
//   - nothing is emitted while the verdict is not actionable: leg 1 only
//     when admitted (the gate's verdict is the reference's, every knob), legs
//     2 and 3 only when the verdict with the previous leg's result is none;
//   - each closed cycle's state, reason, realised P&L, residuals per asset,
//     VWAP and exact slippage per leg equal the reference's, computed from
//     the results' fills;
//   - every result is accepted by a ledger, and at the end the ledger's
//     delta per asset equals the sum of the cycles' realised P&L (start
//     assets) and residuals, and the reference's sums.
// And, on its own, slippage_bps_e2 (a leg's slippage in 10^-2 bps, the
// executor's and `journal show`'s one rule) against its definition in
// cpp_int, at i128's edges.
//
// Reproduce a failure: RC_PARAMS="reproduce=<string printed on failure>"
//   build/default/properties/execution_properties
// More cases: RC_PARAMS="max_success=20000 max_size=100" (max_size at most 100)
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/cycle.h"
#include "core/ledger.h"
#include "core/risk_gate.h"

namespace triarb {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

const cpp_int kE8 = 100'000'000;
constexpr std::int64_t kMs = 1'000'000;

cpp_int big(fixed8 x) { return cpp_int(x.raw()); }
cpp_int floor_div(const cpp_int& a, const cpp_int& b) {  // b > 0
  cpp_int q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}
cpp_int ceil_div(const cpp_int& a, const cpp_int& b) {  // b > 0
  cpp_int q = a / b;
  if (a % b != 0 && a > 0) ++q;
  return q;
}
cpp_int floor_rat(const cpp_rational& r) { return floor_div(numerator(r), denominator(r)); }
cpp_int ceil_rat(const cpp_rational& r) { return ceil_div(numerator(r), denominator(r)); }
cpp_int floor_step(const cpp_int& q, fixed8 step) {
  if (!step.is_positive()) return q;
  return floor_div(q, big(step)) * big(step);
}

fixed8 f(const char* s) { return parse_fixed8(s).value; }

symbol_filters filters(const char* tick, const char* step, const char* min_notional) {
  return {.tick_size = f(tick),
          .min_qty = f(step),
          .max_qty = f("9000"),
          .step_size = f(step),
          .min_notional = f(min_notional)};
}

struct world {
  universe u{{{"BTCUSDT", "BTC", "USDT", filters("0.01", "0.00001", "5")},
              {"ETHBTC", "ETH", "BTC", filters("0.00001", "0.0001", "0.0001")},
              {"ETHUSDT", "ETH", "USDT", filters("0.01", "0.0001", "5")}}};
  std::vector<asset_id> starts{0, 1, 2};
  triangle_index idx = triangle_index::build(u, starts);
  // Each asset's value in USDT (raw), and each symbol's base price.
  std::array<std::int64_t, 3> usdt_value{};
  std::array<fixed8, 3> base_price{};
  world() {
    usdt_value[*u.find_asset("BTC")] = f("60000").raw();
    usdt_value[*u.find_asset("ETH")] = f("3000").raw();
    usdt_value[*u.find_asset("USDT")] = f("1").raw();
    base_price[u.find_symbol("BTCUSDT")] = f("60000");
    base_price[u.find_symbol("ETHBTC")] = f("0.05");
    base_price[u.find_symbol("ETHUSDT")] = f("3000");
  }
};

const world& the_world() {
  static const world w;
  return w;
}

// ---- the reference (cpp_int; fixed8 values read only as integers) ----

// The exchange's filters on a LIMIT order, from scratch.
bool ref_filters_pass(const symbol_filters& fl, fixed8 price, fixed8 qty) {
  const cpp_int p = big(price);
  const cpp_int q = big(qty);
  if (p <= 0 || q <= 0) return false;
  if (fl.tick_size.is_positive() && p % big(fl.tick_size) != 0) return false;
  if (q < big(fl.min_qty)) return false;
  if (fl.max_qty.is_positive() && q > big(fl.max_qty)) return false;
  if (fl.step_size.is_positive() && q % big(fl.step_size) != 0) return false;
  return floor_div(p * q, kE8) >= big(fl.min_notional);
}

cpp_int ref_cap(side d, fixed8 planned, fixed8 tick, std::uint32_t bps) {
  const cpp_int t = tick.is_positive() ? big(tick) : cpp_int(1);
  if (d == side::buy) return floor_div(big(planned) * (10'000 + bps), t * 10'000) * t;
  return ceil_div(big(planned) * (10'000 - bps), t * 10'000) * t;
}

// What a leg spending `held` orders at cap (see core/cycle.h).
cpp_int ref_size(side d, const cpp_int& held, const cpp_int& cap, fixed8 step) {
  if (held <= 0 || cap <= 0) return 0;
  if (d == side::sell) return floor_step(held, step);
  return floor_step(floor_div(held * kE8, cap), step);
}

cpp_int ref_commission(const cpp_int& received, fixed8 fee) {
  return ceil_div(received * big(fee), kE8);
}

cpp_int ref_worst(side d, const cpp_int& qty, const cpp_int& cap, fixed8 fee) {
  const cpp_int gross = d == side::buy ? qty : floor_div(cap * qty, kE8);
  return gross - ref_commission(gross, fee);
}

// Per-asset deltas of one leg's fills.
void ref_deltas(const leg& l, const order_result& r, std::map<asset_id, cpp_int>& out) {
  for (const order_fill& x : r.fills) {
    const cpp_int q = big(x.qty);
    const cpp_int quote = floor_div(big(x.price) * q, kE8);
    if (l.dir == side::buy) {
      out[l.to] += q;
      out[l.from] -= quote;
    } else {
      out[l.from] -= q;
      out[l.to] += quote;
    }
    out[x.commission_asset] -= big(x.commission);
  }
}

// ---- generated results ----

enum class answer_kind : std::uint8_t { full, partial, empty, rejected, unknown };

struct answer_plan {
  answer_kind kind = answer_kind::full;
  int fills = 1;                      // 1..3 trades
  int percent = 50;                   // partial: share of the quantity
  std::array<int, 3> better_ticks{};  // each trade's price, ticks inside the limit
};

answer_plan draw_answer(bool allow_unknown) {
  answer_plan a;
  a.kind = allow_unknown ? *rc::gen::weightedElement<answer_kind>({{5, answer_kind::full},
                                                                   {2, answer_kind::partial},
                                                                   {1, answer_kind::empty},
                                                                   {1, answer_kind::rejected},
                                                                   {1, answer_kind::unknown}})
                         : *rc::gen::weightedElement<answer_kind>({{5, answer_kind::full},
                                                                   {2, answer_kind::partial},
                                                                   {1, answer_kind::empty},
                                                                   {1, answer_kind::rejected}});
  a.fills = *rc::gen::inRange(1, 4);
  a.percent = *rc::gen::inRange(1, 100);
  for (int& t : a.better_ticks) t = *rc::gen::inRange(0, 4);
  return a;
}

// The exchange's answer for o (received asset `to`) per plan a, fees by
// order.h's rule at fee.
order_result make_result(const order_request& o, asset_id to, fixed8 tick, fixed8 fee,
                         const answer_plan& a) {
  order_result r;
  if (a.kind == answer_kind::rejected) {
    r.status = order_status::rejected;
    r.error_code = -2010;
    r.error_msg = "Account has insufficient balance for requested action.";
    return r;
  }
  r.order_id = 1;
  std::int64_t executed = 0;
  if (a.kind == answer_kind::full) executed = o.quantity.raw();
  if (a.kind == answer_kind::partial) {
    executed = static_cast<std::int64_t>(static_cast<i128>(o.quantity.raw()) * a.percent / 100);
    if (executed >= o.quantity.raw()) executed = o.quantity.raw() / 2;
  }
  const std::int64_t n = std::min<std::int64_t>(a.fills, executed);
  for (std::int64_t i = 0; i < n; ++i) {
    order_fill x;
    x.qty = fixed8::from_raw(executed * (i + 1) / n - executed * i / n);
    const std::int64_t ticks = a.better_ticks[static_cast<std::size_t>(i)] * tick.raw();
    x.price = fixed8::from_raw(o.dir == side::buy ? o.price.raw() - ticks : o.price.raw() + ticks);
    if (!x.price.is_positive()) x.price = o.price;
    const fixed8 quote = fill_quote(x.price, x.qty).value;
    x.commission = fill_commission(o.dir == side::buy ? x.qty : quote, fee).value;
    x.commission_asset = to;
    x.trade_id = static_cast<std::uint64_t>(i + 1);
    r.executed_qty = fixed8::from_raw(r.executed_qty.raw() + x.qty.raw());
    r.cumulative_quote = fixed8::from_raw(r.cumulative_quote.raw() + quote.raw());
    r.fills.push_back(x);
  }
  r.status = r.executed_qty == o.quantity ? order_status::filled : order_status::expired;
  return r;
}

suppress_reason draw_verdict() {
  return *rc::gen::weightedElement<suppress_reason>({{12, suppress_reason::none},
                                                     {1, suppress_reason::reducing},
                                                     {1, suppress_reason::halted},
                                                     {1, suppress_reason::quarantined}});
}

// ---- the run ----

struct live_cycle {
  cycle c;
  triangle t;
  opportunity o;
  cycle_config cfg;
  std::array<std::optional<order_result>, 3> results;
  std::array<std::optional<order_request>, 3> sent;
  std::uint32_t sent_count = 0;
  bool closed = false;
};

struct ref_gate {
  std::vector<std::int64_t> sent_times;
  std::uint32_t open = 0;
  std::map<asset_id, cpp_int> inventory;
  std::size_t in_window(std::int64_t now) const {
    std::size_t n = 0;
    for (const std::int64_t t : sent_times) n += t > now - kOrderWindowNs ? 1 : 0;
    return n;
  }
  cpp_int value(const world& w) const {
    cpp_int v = 0;
    for (const auto& [a, amount] : inventory) {
      v += ceil_div(abs(amount) * w.usdt_value[a], kE8);
    }
    return v;
  }
};

struct run {
  const world& w = the_world();
  risk_config knobs;
  risk_gate gate;
  ledger book;
  ref_gate ref;
  std::vector<live_cycle> cycles;
  std::vector<std::pair<std::size_t, std::size_t>> in_flight;  // (cycle, leg), answer due
  std::vector<std::pair<std::size_t, std::size_t>>
      unknown;                            // (cycle, leg), awaiting reconciliation
  std::map<asset_id, cpp_int> ref_total;  // every fill's deltas
  std::int64_t now = 1'000'000'000'000;
  std::uint64_t next_id = 1;
  std::uint64_t emitted = 0;
  std::uint64_t closed_by_state[7] = {};
  std::uint64_t plan_errors = 0;
  std::uint64_t reconciled = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(risk_verdict::kCount)> verdicts{};

  explicit run(risk_config k)
      : knobs(k),
        gate(k,
             [w = &the_world()](asset_id a, fixed8 amount) -> std::optional<fixed8> {
               if (a >= 3) return std::nullopt;
               return checked_mul(amount, fixed8::from_raw(w->usdt_value[a]), rounding::up).value;
             }),
        book(3, std::vector<asset_balance>{{0, fixed8::from_units(1'000'000)},
                                           {1, fixed8::from_units(1'000'000)},
                                           {2, fixed8::from_units(1'000'000)}}) {}

  // An order the machine emitted for cycle ci's leg k, now.
  void on_emitted(std::size_t ci, std::size_t k, const order_request& o) {
    live_cycle& lc = cycles[ci];
    const leg& l = lc.t.legs[k];
    const symbol_filters& fl = w.u.symbol(l.symbol).filters;
    RC_ASSERT(o.symbol == l.symbol);
    RC_ASSERT(o.dir == l.dir);
    RC_ASSERT(o.tif == time_in_force::ioc);
    RC_ASSERT(valid_client_order_id(o.client_order_id));
    RC_ASSERT(o.client_order_id == lc.cfg.client_order_id_prefix + "-" + std::to_string(lc.c.id()) +
                                       "-" + std::to_string(k + 1));
    RC_ASSERT(!lc.sent[k].has_value());
    // Within its cap, and the cap within the allowance.
    const cpp_int planned = big(lc.o.legs[k].price);
    if (k == 0) {
      RC_ASSERT(o.price == lc.o.legs[0].price);
    } else {
      RC_ASSERT(big(o.price) ==
                ref_cap(l.dir, lc.o.legs[k].price, fl.tick_size, lc.cfg.max_slippage_bps));
      if (l.dir == side::buy) {
        RC_ASSERT(big(o.price) * 10'000 <= planned * (10'000 + lc.cfg.max_slippage_bps));
      } else {
        RC_ASSERT(big(o.price) * 10'000 >= planned * (10'000 - lc.cfg.max_slippage_bps));
      }
    }
    RC_ASSERT(ref_filters_pass(fl, o.price, o.quantity));
    // Never spends more than the cycle holds of the asset it spends.
    const cpp_int spend_e16 =
        l.dir == side::buy ? big(o.price) * big(o.quantity) : big(o.quantity) * kE8;
    cpp_int holds_e16;
    if (k == 0) {
      holds_e16 = big(lc.o.amount_in) * kE8;
    } else {
      std::map<asset_id, cpp_int> d;
      ref_deltas(lc.t.legs[0], *lc.results[0], d);
      const cpp_int held = d[lc.t.legs[0].to];
      const cpp_int cap2 =
          ref_cap(lc.t.legs[1].dir, lc.o.legs[1].price,
                  w.u.symbol(lc.t.legs[1].symbol).filters.tick_size, lc.cfg.max_slippage_bps);
      // Leg 3 spends what leg 2 actually delivered, net of its commission.
      std::map<asset_id, cpp_int> d2;
      if (k == 2) ref_deltas(lc.t.legs[1], *lc.results[1], d2);
      const cpp_int input = k == 1 ? held : d2[lc.t.legs[1].to];
      holds_e16 = input * kE8;
      RC_ASSERT(big(o.quantity) == ref_size(l.dir, input, big(o.price), fl.step_size));
    }
    RC_ASSERT(spend_e16 <= holds_e16);
    // The risk gate: the rolling window, including this order.
    ref.sent_times.push_back(now);
    RC_ASSERT(ref.in_window(now) <= knobs.max_orders_per_10s);
    gate.on_order_sent(now);
    lc.sent[k] = o;
    ++lc.sent_count;
    ++emitted;
    in_flight.emplace_back(ci, k);
  }

  void new_opportunity() {
    const triangle_id tid =
        *rc::gen::inRange<triangle_id>(0, static_cast<triangle_id>(w.idx.size()));
    const triangle& t = w.idx.triangle_at(tid);
    opportunity o;
    o.triangle = tid;
    o.decided_ns = now;
    for (std::size_t k = 0; k < 3; ++k) {
      const symbol_filters& fl = w.u.symbol(t.legs[k].symbol).filters;
      o.legs[k].symbol = t.legs[k].symbol;
      o.legs[k].dir = t.legs[k].dir;
      o.legs[k].price = fixed8::from_raw(w.base_price[t.legs[k].symbol].raw() +
                                         *rc::gen::inRange(-300, 301) * fl.tick_size.raw());
      o.legs[k].fill_qty = fl.step_size;
      o.legs[k].valid = true;
    }
    // Leg 1 sized for 1 to 3000 USDT of its base, floored to its step.
    const symbol_info& s1 = w.u.symbol(t.legs[0].symbol);
    const std::int64_t usdt =
        *rc::gen::weightedOneOf<std::int64_t>({{6, rc::gen::inRange<std::int64_t>(5, 200)},
                                               {1, rc::gen::inRange<std::int64_t>(1, 3001)}});
    const std::int64_t qty_raw = static_cast<std::int64_t>(
        static_cast<i128>(usdt) * fixed8::kScale * fixed8::kScale / w.usdt_value[s1.base]);
    o.legs[0].fill_qty = floor_to_step(fixed8::from_raw(qty_raw), s1.filters.step_size);
    o.amount_in = t.legs[0].dir == side::buy
                      ? fixed8::from_raw(static_cast<std::int64_t>(
                            ceil_div(big(o.legs[0].price) * big(o.legs[0].fill_qty), kE8)))
                      : o.legs[0].fill_qty;
    o.profit = fixed8::from_raw(*rc::gen::inRange<std::int64_t>(1, 100'000'000));
    cycle_config cfg;
    cfg.max_slippage_bps = *rc::gen::inRange<std::uint32_t>(0, 301);
    cfg.fee_rate = *rc::gen::element(f("0"), f("0.00075"), f("0.001"));
    cfg.client_order_id_prefix = *rc::gen::element<std::string>("tb", "x_9-Z");
    const suppress_reason verdict = draw_verdict();

    cycle_plan_result p = cycle::plan(next_id, o, t, w.u, cfg);
    const bool leg1_ok = ref_filters_pass(s1.filters, o.legs[0].price, o.legs[0].fill_qty);
    RC_ASSERT(p.ok() == leg1_ok);
    if (!p.ok()) {
      ++plan_errors;
      return;
    }
    ++next_id;
    // The gate's verdict is the reference's.
    std::uint32_t reserved = 0;
    for (const live_cycle& lc : cycles) {
      if (!lc.closed) reserved += kOrdersPerCycle - lc.sent_count;
    }
    risk_verdict want = risk_verdict::admit;
    if (verdict != suppress_reason::none) {
      want = risk_verdict::not_active;
    } else if (big(o.amount_in) > big(knobs.max_notional_by_asset[t.start])) {
      want = risk_verdict::notional;
    } else if (ref.open >= knobs.max_open_cycles) {
      want = risk_verdict::open_cycles;
    } else if (ref.in_window(now) + reserved + kOrdersPerCycle > knobs.max_orders_per_10s) {
      want = risk_verdict::order_rate;
    } else if (ref.value(w) > big(knobs.max_residual_value)) {
      want = risk_verdict::residual;
    }
    const risk_verdict got = gate.admit(now, *p.value, verdict);
    RC_ASSERT(to_string(got) == to_string(want));
    ++verdicts[static_cast<std::size_t>(got)];
    if (got != risk_verdict::admit) return;
    ++ref.open;
    cycles.push_back({std::move(*p.value), t, o, cfg, {}, {}, 0, false});
    const std::size_t ci = cycles.size() - 1;
    const order_request l1 = cycles[ci].c.start(now);
    on_emitted(ci, 0, l1);
  }

  // Cycle ci's leg k gets result r (an answer or a reconciliation).
  void deliver(std::size_t ci, std::size_t k, const order_result& r, bool from_account,
               suppress_reason verdict) {
    live_cycle& lc = cycles[ci];
    RC_ASSERT(book.apply(*lc.sent[k], r, w.u, lc.cfg.fee_rate) == ledger_errc::ok);
    ref_deltas(lc.t.legs[k], r, ref_total);
    lc.results[k] = r;
    const std::vector<order_request> next =
        from_account ? lc.c.on_reconciled(now, k, r, verdict) : lc.c.on_result(now, k, r, verdict);
    RC_ASSERT(lc.c.misuse() == 0U);
    // Leg 2 exactly when leg 1 filled something, the verdict is actionable
    // and both leg 2 and leg 3 as leg 2's worst case would size it pass the
    // filters as sized by the reference; leg 3 exactly when leg 2 filled
    // something, the verdict is actionable and leg 3 sized from what leg 2
    // delivered passes them. Never two legs at once.
    bool want_next = false;
    if (k == 0 && !r.executed_qty.is_zero() && verdict == suppress_reason::none) {
      std::map<asset_id, cpp_int> d;
      ref_deltas(lc.t.legs[0], r, d);
      const cpp_int held = d[lc.t.legs[0].to];
      const symbol_filters& f2 = w.u.symbol(lc.t.legs[1].symbol).filters;
      const symbol_filters& f3 = w.u.symbol(lc.t.legs[2].symbol).filters;
      const cpp_int cap2 =
          ref_cap(lc.t.legs[1].dir, lc.o.legs[1].price, f2.tick_size, lc.cfg.max_slippage_bps);
      const cpp_int cap3 =
          ref_cap(lc.t.legs[2].dir, lc.o.legs[2].price, f3.tick_size, lc.cfg.max_slippage_bps);
      const cpp_int q2 = ref_size(lc.t.legs[1].dir, held, cap2, f2.step_size);
      const cpp_int q3 =
          ref_size(lc.t.legs[2].dir, ref_worst(lc.t.legs[1].dir, q2, cap2, lc.cfg.fee_rate), cap3,
                   f3.step_size);
      const auto fx = [](const cpp_int& v) {
        return fixed8::from_raw(static_cast<std::int64_t>(v));
      };
      want_next = ref_filters_pass(f2, fx(cap2), fx(q2)) && ref_filters_pass(f3, fx(cap3), fx(q3));
    }
    if (k == 1 && r.status != order_status::rejected && !r.executed_qty.is_zero() &&
        verdict == suppress_reason::none) {
      std::map<asset_id, cpp_int> d;
      ref_deltas(lc.t.legs[1], r, d);
      const symbol_filters& f3 = w.u.symbol(lc.t.legs[2].symbol).filters;
      const cpp_int cap3 =
          ref_cap(lc.t.legs[2].dir, lc.o.legs[2].price, f3.tick_size, lc.cfg.max_slippage_bps);
      const cpp_int q3 = ref_size(lc.t.legs[2].dir, d[lc.t.legs[1].to], cap3, f3.step_size);
      want_next = ref_filters_pass(f3, fixed8::from_raw(static_cast<std::int64_t>(cap3)),
                                   fixed8::from_raw(static_cast<std::int64_t>(q3)));
    }
    RC_ASSERT(next.size() == (want_next ? 1U : 0U));
    if (!next.empty()) on_emitted(ci, k + 1, next[0]);
    // One leg at a time: the next leg only after this one's answer.
    if (k + 1 < 3 && !lc.c.closed()) RC_ASSERT(lc.c.status(k + 1) == leg_status::sent);
    if (lc.c.closed()) close(ci, verdict);
  }

  void close(std::size_t ci, suppress_reason last_verdict) {
    live_cycle& lc = cycles[ci];
    RC_ASSERT(!lc.closed);
    lc.closed = true;
    const cycle_outcome out = lc.c.outcome();
    // State and reason from the results.
    const order_result& r1 = *lc.results[0];
    cycle_state want = cycle_state::residual;
    cycle_reason why = cycle_reason::none;
    if (r1.executed_qty.is_zero()) {
      want = cycle_state::missed;
      why = r1.status == order_status::rejected ? cycle_reason::leg1_rejected
                                                : cycle_reason::leg1_unfilled;
    } else if (!lc.sent[1]) {
      why =
          last_verdict != suppress_reason::none ? cycle_reason::not_active : cycle_reason::filters;
    } else if (!lc.sent[2]) {
      if (lc.results[1]->executed_qty.is_zero()) {
        why = cycle_reason::short_fill;
        RC_ASSERT(out.reason_leg == 1);
      } else {
        why = last_verdict != suppress_reason::none ? cycle_reason::not_active
                                                    : cycle_reason::filters;
      }
    } else {
      const bool full2 = lc.results[1]->executed_qty == lc.sent[1]->quantity;
      const bool full3 = lc.results[2]->executed_qty == lc.sent[2]->quantity;
      if (full2 && full3) {
        want = cycle_state::done;
      } else {
        why = cycle_reason::short_fill;
        RC_ASSERT(out.reason_leg == (full2 ? 2 : 1));
      }
    }
    RC_ASSERT(to_string(out.state) == to_string(want));
    RC_ASSERT(to_string(out.reason) == to_string(why));
    RC_ASSERT(out.orders_sent == lc.sent_count);
    RC_ASSERT(!out.overflow);
    RC_ASSERT(out.expected_pnl == lc.o.profit);
    // P&L and residuals from scratch.
    std::map<asset_id, cpp_int> d;
    d[lc.t.legs[0].to] += 0;
    d[lc.t.legs[1].to] += 0;
    for (std::size_t k = 0; k < 3; ++k) {
      if (lc.results[k]) ref_deltas(lc.t.legs[k], *lc.results[k], d);
    }
    RC_ASSERT(big(out.realised_pnl) == d[lc.t.start]);
    std::size_t listed = 0;
    for (const auto& [a, v] : d) {
      if (a == lc.t.start) continue;
      ++listed;
      bool found = false;
      for (const asset_amount& x : out.residuals) {
        if (x.asset == a) {
          found = true;
          RC_ASSERT(big(x.amount) == v);
        }
      }
      RC_ASSERT(found);
      ref.inventory[a] += v;
    }
    RC_ASSERT(out.residuals.size() == listed);
    // Per leg: executed, VWAP rounded against us, exact slippage.
    for (std::size_t k = 0; k < 3; ++k) {
      const leg_outcome& lo = out.legs[k];
      if (!lc.results[k]) {
        RC_ASSERT(lo.executed.is_zero());
        continue;
      }
      cpp_int qty = 0;
      cpp_int pq = 0;
      for (const order_fill& x : lc.results[k]->fills) {
        qty += big(x.qty);
        pq += big(x.price) * big(x.qty);
      }
      RC_ASSERT(big(lo.executed) == qty);
      const cpp_int planned_pq = big(lc.o.legs[k].price) * qty;
      const cpp_int slip = lc.t.legs[k].dir == side::buy ? pq - planned_pq : planned_pq - pq;
      RC_ASSERT(cpp_int(static_cast<std::int64_t>(lo.slippage_e16 >> 64)) * (cpp_int(1) << 64) +
                    cpp_int(static_cast<std::uint64_t>(lo.slippage_e16)) ==
                slip);
      RC_ASSERT(big(lo.slippage) == ceil_div(slip, kE8));
      if (qty > 0) {
        const cpp_rational vwap(pq, qty);
        RC_ASSERT(big(lo.vwap) ==
                  (lc.t.legs[k].dir == side::buy ? ceil_rat(vwap) : floor_rat(vwap)));
      }
    }
    gate.on_cycle_closed(out);
    --ref.open;
    ++closed_by_state[static_cast<int>(out.state)];
  }

  void answer() {
    if (in_flight.empty()) return;
    const std::size_t i = *rc::gen::inRange<std::size_t>(0, in_flight.size());
    const auto [ci, k] = in_flight[i];
    in_flight.erase(in_flight.begin() + static_cast<std::ptrdiff_t>(i));
    const answer_plan a = draw_answer(true);
    if (a.kind == answer_kind::unknown) {
      cycles[ci].c.on_unknown(now, k);
      RC_ASSERT(cycles[ci].c.status(k) == leg_status::unknown);
      unknown.emplace_back(ci, k);
      return;
    }
    deliver(ci, k, result_for(ci, k, a), false, draw_verdict());
  }

  void reconcile() {
    if (unknown.empty()) return;
    const std::size_t i = *rc::gen::inRange<std::size_t>(0, unknown.size());
    const auto [ci, k] = unknown[i];
    unknown.erase(unknown.begin() + static_cast<std::ptrdiff_t>(i));
    ++reconciled;
    deliver(ci, k, result_for(ci, k, draw_answer(false)), true, draw_verdict());
  }

  order_result result_for(std::size_t ci, std::size_t k, const answer_plan& a) const {
    const live_cycle& lc = cycles[ci];
    return make_result(*lc.sent[k], lc.t.legs[k].to,
                       w.u.symbol(lc.t.legs[k].symbol).filters.tick_size, lc.cfg.fee_rate, a);
  }

  // Every order in flight filled in full, every unknown reconciled so.
  void drain() {
    answer_plan full;
    while (!in_flight.empty() || !unknown.empty()) {
      if (!in_flight.empty()) {
        const auto [ci, k] = in_flight.front();
        in_flight.erase(in_flight.begin());
        deliver(ci, k, result_for(ci, k, full), false, suppress_reason::none);
      } else {
        const auto [ci, k] = unknown.front();
        unknown.erase(unknown.begin());
        deliver(ci, k, result_for(ci, k, full), true, suppress_reason::none);
      }
    }
  }
};

// What the generated cases exercised, over every case run (shrinking
// included), printed at the end so a generator that stops reaching a path
// shows.
struct totals {
  std::uint64_t cases = 0;
  std::uint64_t orders = 0;
  std::uint64_t reconciled = 0;
  std::uint64_t plan_errors = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(risk_verdict::kCount)> verdicts{};
  std::array<std::uint64_t, 7> closed{};
};
totals g_totals;

class print_totals : public ::testing::Environment {
 public:
  void TearDown() override {
    std::printf(
        "execution_properties: %llu cases, %llu orders, %llu reconciled, %llu plan errors\n",
        static_cast<unsigned long long>(g_totals.cases),
        static_cast<unsigned long long>(g_totals.orders),
        static_cast<unsigned long long>(g_totals.reconciled),
        static_cast<unsigned long long>(g_totals.plan_errors));
    std::printf("  gate:");
    for (std::size_t v = 0; v < g_totals.verdicts.size(); ++v) {
      std::printf(" %s %llu", std::string(to_string(static_cast<risk_verdict>(v))).c_str(),
                  static_cast<unsigned long long>(g_totals.verdicts[v]));
    }
    std::printf("\n  cycles closed:");
    for (std::size_t st = 4; st < 7; ++st) {
      std::printf(" %s %llu", std::string(to_string(static_cast<cycle_state>(st))).c_str(),
                  static_cast<unsigned long long>(g_totals.closed[st]));
    }
    std::printf("\n");
  }
};
[[maybe_unused]] ::testing::Environment* const g_print_totals =
    ::testing::AddGlobalTestEnvironment(new print_totals);

RC_GTEST_PROP(ExecutionProps, OrdersKeepTheirBudgetsAndOutcomesMatchAnExactReference, ()) {
  const world& w = the_world();
  risk_config k;
  k.max_notional_by_asset.resize(3);
  for (asset_id a = 0; a < 3; ++a) {
    // 100 to 3000 USDT of the asset.
    const std::int64_t usdt = *rc::gen::inRange(50, 3001);
    k.max_notional_by_asset[a] = fixed8::from_raw(static_cast<std::int64_t>(
        static_cast<i128>(usdt) * fixed8::kScale * fixed8::kScale / w.usdt_value[a]));
  }
  k.max_open_cycles = *rc::gen::inRange<std::uint32_t>(1, 4);
  k.max_orders_per_10s = *rc::gen::inRange<std::uint32_t>(3, 13);
  k.max_residual_value = fixed8::from_units(*rc::gen::inRange(0, 301));
  run r(k);
  const int ops = *rc::gen::inRange(1, 60);
  for (int i = 0; i < ops; ++i) {
    r.now += *rc::gen::inRange<std::int64_t>(0, 4001) * kMs;
    switch (*rc::gen::weightedElement<int>({{3, 0}, {5, 1}, {1, 2}})) {
      case 0:
        r.new_opportunity();
        break;
      case 1:
        r.answer();
        break;
      default:
        r.reconcile();
        break;
    }
  }
  r.drain();
  for (const live_cycle& lc : r.cycles) RC_ASSERT(lc.closed);
  RC_ASSERT(r.gate.open_cycles() == 0U);
  RC_ASSERT(r.gate.reserved_orders() == 0U);
  RC_ASSERT(r.gate.misuse() == 0U);
  // The ledger, the outcomes and the reference agree, asset by asset.
  std::map<asset_id, cpp_int> from_outcomes;
  for (const live_cycle& lc : r.cycles) {
    const cycle_outcome o = lc.c.outcome();
    from_outcomes[o.start] += big(o.realised_pnl);
    for (const asset_amount& x : o.residuals) from_outcomes[x.asset] += big(x.amount);
  }
  for (asset_id a = 0; a < 3; ++a) {
    RC_ASSERT(big(r.book.delta(a)) == r.ref_total[a]);
    RC_ASSERT(from_outcomes[a] == r.ref_total[a]);
  }
  RC_ASSERT(r.book.stats().refused_total() == 0U);
  g_totals.cases += 1;
  g_totals.orders += r.emitted;
  g_totals.reconciled += r.reconciled;
  g_totals.plan_errors += r.plan_errors;
  for (std::size_t v = 0; v < r.verdicts.size(); ++v) g_totals.verdicts[v] += r.verdicts[v];
  for (std::size_t st = 0; st < 7; ++st) g_totals.closed[st] += r.closed_by_state[st];
}

// core/cycle.h's slippage_bps_e2 against its definition in cpp_int: none
// when the price or the quantity is not positive or a product leaves i128;
// otherwise the least c with c x (price x qty) >= slippage x 10^6 (rounded
// up: never understated). The values reach i128's edges: a slippage from
// two int64 halves, a quantity up to int64 x int64.
cpp_int big128(i128 v) {
  const bool neg = v < 0;
  const auto mag = neg ? static_cast<u128>(0) - static_cast<u128>(v) : static_cast<u128>(v);
  cpp_int out = cpp_int(static_cast<std::uint64_t>(mag >> 64));
  out <<= 64;
  out += static_cast<std::uint64_t>(mag);
  return neg ? cpp_int(-out) : out;
}

RC_GTEST_PROP(ExecutionProps, SlippageBpsIsTheLeastCeilingOfTheExactRatio, ()) {
  const auto wide = [](int shift) {
    const auto hi = *rc::gen::arbitrary<std::int64_t>();
    const auto lo = *rc::gen::arbitrary<std::uint64_t>();
    return static_cast<i128>((static_cast<u128>(static_cast<i128>(hi)) << shift) ^ lo);
  };
  constexpr i128 kI128Max = static_cast<i128>(~static_cast<u128>(0) >> 1);
  constexpr i128 kI128Min = -kI128Max - 1;
  constexpr std::int64_t kI64Max = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kI64Min = std::numeric_limits<std::int64_t>::min();
  // Each value: a wide one, an int64, a near-edge one, or an exact edge.
  const int pick = *rc::gen::inRange(0, 4);
  const i128 slip = pick == 0   ? wide(64)
                    : pick == 1 ? static_cast<i128>(*rc::gen::arbitrary<std::int64_t>())
                    : pick == 2 ? wide(20)
                                : *rc::gen::element(kI128Min, kI128Max, i128{0}, i128{-1}, i128{1},
                                                    kI128Max / 1'000'000, kI128Min / 1'000'000);
  const fixed8 price = fixed8::from_raw(*rc::gen::oneOf(
      rc::gen::inRange<std::int64_t>(-3, 3), rc::gen::inRange<std::int64_t>(1, 100'000'000'000),
      rc::gen::arbitrary<std::int64_t>(), rc::gen::element(kI64Min, kI64Max, std::int64_t{1})));
  const int qpick = *rc::gen::inRange(0, 3);
  const i128 qty =
      qpick == 0   ? static_cast<i128>(*rc::gen::inRange<std::int64_t>(-3, 1'000'000'000'000))
      : qpick == 1 ? static_cast<i128>(*rc::gen::arbitrary<std::int64_t>()) *
                         *rc::gen::arbitrary<std::int64_t>()
                   : *rc::gen::element(kI128Max, kI128Min, i128{1}, i128{0}, kI128Max / kI64Max);
  const std::optional<i128> got = slippage_bps_e2(slip, price, qty);
  RC_TAG(got.has_value()                ? "a figure"
         : price.raw() <= 0 || qty <= 0 ? "none: price or quantity not positive"
                                        : "none: beyond i128");

  const cpp_int i128_max = (cpp_int(1) << 127) - 1;
  const cpp_int i128_min = -(cpp_int(1) << 127);
  const cpp_int denom = big(price) * big128(qty);
  const cpp_int num = big128(slip) * 1'000'000;
  if (price.raw() <= 0 || qty <= 0 || denom > i128_max || num > i128_max || num < i128_min) {
    RC_ASSERT(!got.has_value());
    return;
  }
  RC_ASSERT(got.has_value());
  const cpp_int c = big128(*got);
  RC_ASSERT(c * denom >= num);
  RC_ASSERT((c - 1) * denom < num);
}

}  // namespace
}  // namespace triarb
