// RapidCheck properties of core/ledger.h and core/fill_model.h, each against
// an oracle written with Boost.Multiprecision, never with fixed8:
//   (a) the ledger is exact. From generated starting balances (small ones,
//       so orders overdraw; some near the top of the range, so balances
//       overflow), a generated sequence of orders (three symbols over three
//       assets, generated filters, fee rate 0..1 %) is applied, each order's
//       result either paper_fill's against a generated top of book, or a
//       generated consistent result of 1..4 fills within the limit, or one
//       of those with one field corrupted (a total, a price past the limit,
//       a commission or its asset, the status, a quantity, a duplicated
//       fill). A from-scratch reference sums every fill's signed amounts and
//       fees in cpp_int (quote = floor(p x q), commission = ceil(received x
//       fee), scaled by 10^8): after every order the ledger's balances equal
//       the reference's asset by asset; apply() accepts exactly the results
//       the reference accepts (consistent, no balance below 0 or above the
//       range); a corrupted one is refused by its name, an overdrawing one
//       as overdraft, and neither changes any balance; the refusals are
//       counted by name; deltas and reconcile agree with the reference.
//   (b) paper_fill, for generated filters, orders and tops (invalid, empty
//       sides, not crossing, quantities below a step, bids that overflow):
//       rejected with -1013 exactly when check_filters fails; otherwise at
//       most one trade, at the top's price, never beyond the limit, the
//       quantity or the top's quantity, a multiple of the step; FOK all or
//       nothing; its quantity is min(quantity, floor(top qty / step) x step)
//       when the top is valid and crosses; its quote and commission equal a
//       cpp_rational reference rounded as core/order.h says (truncated;
//       rounded up, in the received asset); the ledger accepts it.
//
// The seed is printed at start (RC_PARAMS="seed=N" reruns the same cases).
// Reproduce a failure: RC_PARAMS="reproduce=<string printed on failure>"
//   build/default/properties/ledger_properties
// More cases: RC_PARAMS="max_success=10000 max_size=100" (max_size at most 100)
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "core/fill_model.h"
#include "core/ledger.h"

namespace triarb {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

constexpr std::int64_t kScale = fixed8::kScale;
constexpr std::int64_t kMaxRaw = std::numeric_limits<std::int64_t>::max();

// ---------------------------------------------------------------- seed and figures

struct figures {
  std::uint64_t orders = 0;
  std::uint64_t accepted_with_fills = 0;
  std::uint64_t corrupted = 0;
  std::uint64_t overdraft = 0;
  std::uint64_t overflow = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(paper_outcome::kCount)> paper{};
};
figures g_figures;

class seed_printer : public ::testing::Environment {
 public:
  void SetUp() override {
    std::printf("ledger_properties: RapidCheck seed %llu (RC_PARAMS=\"seed=%llu\" reruns it)\n",
                static_cast<unsigned long long>(rc::detail::configuration().testParams.seed),
                static_cast<unsigned long long>(rc::detail::configuration().testParams.seed));
  }
  void TearDown() override {
    std::printf(
        "ledger_properties: %llu orders through the ledger: %llu accepted with fills, %llu "
        "corrupted (refused), %llu overdraft, %llu overflow\n",
        static_cast<unsigned long long>(g_figures.orders),
        static_cast<unsigned long long>(g_figures.accepted_with_fills),
        static_cast<unsigned long long>(g_figures.corrupted),
        static_cast<unsigned long long>(g_figures.overdraft),
        static_cast<unsigned long long>(g_figures.overflow));
    std::printf("ledger_properties: paper outcomes:");
    for (std::size_t i = 0; i < g_figures.paper.size(); ++i) {
      std::printf(" %s=%llu", std::string(to_string(static_cast<paper_outcome>(i))).c_str(),
                  static_cast<unsigned long long>(g_figures.paper[i]));
    }
    std::printf("\n");
  }
};
[[maybe_unused]] ::testing::Environment* const g_seed_env =
    ::testing::AddGlobalTestEnvironment(new seed_printer);

// ---------------------------------------------------------------- generators
// (called inside a property)

// A raw value of roughly 10^lo .. 10^hi, log-uniform in magnitude.
std::int64_t draw_magnitude(int lo, int hi) {
  const int e = *rc::gen::inRange(lo, hi + 1);
  std::int64_t p = 1;
  for (int i = 0; i < e; ++i) p *= 10;
  return *rc::gen::inRange<std::int64_t>(p, p * 10);
}

symbol_filters draw_filters() {
  symbol_filters fl;
  fl.tick_size = fixed8::from_raw(*rc::gen::element<std::int64_t>(1, 100, 10'000, 1'000'000));
  fl.step_size = fixed8::from_raw(*rc::gen::element<std::int64_t>(1, 1'000, 100'000, kScale));
  fl.min_qty = *rc::gen::element(0, 1) == 0 ? fixed8{} : fl.step_size;
  fl.max_qty = fixed8::from_units(*rc::gen::element<std::int64_t>(100'000, 1'000'000'000));
  fl.min_notional = fixed8::from_raw(*rc::gen::element<std::int64_t>(0, 0, 100'000, kScale / 10));
  return fl;
}

// Three assets AAA 0, BBB 1, CCC 2; symbols BBBAAA 0 (BBB/AAA), CCCAAA 1,
// CCCBBB 2.
universe draw_universe() {
  std::vector<symbol_spec> specs;
  specs.push_back({"BBBAAA", "BBB", "AAA", draw_filters()});
  specs.push_back({"CCCAAA", "CCC", "AAA", draw_filters()});
  specs.push_back({"CCCBBB", "CCC", "BBB", draw_filters()});
  return universe(std::move(specs));
}

fixed8 draw_fee() {
  switch (*rc::gen::inRange(0, 4)) {
    case 0:
      return fixed8{};
    case 1:
      return fixed8::from_raw(100'000);  // 0.1 %
    case 2:
      return fixed8::from_raw(75'000);  // 0.075 %
    default:
      return fixed8::from_raw(*rc::gen::inRange<std::int64_t>(0, 1'000'001));  // up to 1 %
  }
}

// A multiple of step, at least one step, of magnitude 10^lo .. 10^(hi+1) raw.
std::int64_t draw_multiple(std::int64_t step, int lo, int hi) {
  const std::int64_t m = draw_magnitude(lo, hi);
  return std::max<std::int64_t>(step, m / step * step);
}

order_request draw_order(const universe& u) {
  order_request o;
  o.client_order_id = "p1";
  o.symbol = *rc::gen::inRange<symbol_id>(0, 3);
  o.dir = *rc::gen::element(side::buy, side::sell);
  o.tif = *rc::gen::element(time_in_force::ioc, time_in_force::fok);
  const symbol_filters& fl = u.symbol(o.symbol).filters;
  // Prices and quantities up to 10^13 raw (10^5 units): a quote up to 10^10
  // units, four of them still inside the range.
  o.price = fixed8::from_raw(draw_multiple(fl.tick_size.raw(), 6, 12));
  o.quantity = fixed8::from_raw(draw_multiple(fl.step_size.raw(), 5, 11));
  if (*rc::gen::inRange(0, 10) == 0) {  // sometimes off the filters
    o.quantity = fixed8::from_raw(o.quantity.raw() + 1);
  }
  return o;
}

// A top of book around the order's limit.
book_snapshot draw_top(const order_request& o, const symbol_filters& fl) {
  book_snapshot t;
  t.valid = *rc::gen::inRange(0, 10) != 0;
  const std::int64_t tick = fl.tick_size.raw();
  auto near = [&]() {
    const std::int64_t d = *rc::gen::inRange<std::int64_t>(-3, 4);
    return std::max<std::int64_t>(0, o.price.raw() + d * tick);
  };
  auto qty = [&]() {
    switch (*rc::gen::inRange(0, 10)) {
      case 0:
        return std::int64_t{0};
      case 1:
        return *rc::gen::inRange<std::int64_t>(1, fl.step_size.raw() + 1);  // about one step
      case 2:
        return o.quantity.raw();
      default:
        return draw_magnitude(3, 13);
    }
  };
  t.bid = fixed8::from_raw(near());
  t.ask = fixed8::from_raw(near());
  if (*rc::gen::inRange(0, 10) == 0) {  // a bid far above any limit: its quote overflows
    t.bid = fixed8::from_raw(*rc::gen::inRange<std::int64_t>(kMaxRaw / 4, kMaxRaw));
  }
  t.bid_qty = fixed8::from_raw(qty());
  t.ask_qty = fixed8::from_raw(qty());
  return t;
}

// A consistent result of 1..4 fills within the limit, built with
// core/order.h's functions (the generator, not the oracle).
order_result draw_consistent(const order_request& o, const universe& u, fixed8 fee,
                             std::uint64_t& next_id) {
  const symbol_info& info = u.symbol(o.symbol);
  const bool buy = o.dir == side::buy;
  order_result r;
  r.order_id = next_id++;
  const int n = *rc::gen::inRange(1, 5);
  std::int64_t left = o.quantity.raw();
  const bool full = o.tif == time_in_force::fok || *rc::gen::element(0, 1) == 0;
  for (int i = 0; i < n && left > 0; ++i) {
    const std::int64_t q =
        (i == n - 1 && full) ? left : *rc::gen::inRange<std::int64_t>(1, left + 1);
    left -= q;
    const std::int64_t tick = info.filters.tick_size.raw();
    const std::int64_t d = *rc::gen::inRange<std::int64_t>(0, 4) * tick;
    const std::int64_t p =
        buy ? std::max<std::int64_t>(tick, o.price.raw() - d) : o.price.raw() + d;
    if (buy && p > o.price.raw()) break;  // the limit is below one tick: no fill possible
    const fixed8 paid = fill_quote(fixed8::from_raw(p), fixed8::from_raw(q)).value;
    const fixed8 c = fill_commission(buy ? fixed8::from_raw(q) : paid, fee).value;
    r.fills.push_back({.price = fixed8::from_raw(p),
                       .qty = fixed8::from_raw(q),
                       .commission = c,
                       .commission_asset = buy ? info.base : info.quote,
                       .trade_id = next_id++});
    r.executed_qty = fixed8::from_raw(r.executed_qty.raw() + q);
    r.cumulative_quote = fixed8::from_raw(r.cumulative_quote.raw() + paid.raw());
  }
  if (o.tif == time_in_force::fok && r.executed_qty != o.quantity) {
    r.fills.clear();  // FOK: all or nothing
    r.executed_qty = fixed8{};
    r.cumulative_quote = fixed8{};
  }
  r.status = r.executed_qty == o.quantity ? order_status::filled : order_status::expired;
  return r;
}

// One field corrupted; returns the refusal expected, or ok when only "not
// ok" is determined. REQUIRES: r has a fill.
ledger_errc corrupt(order_request& o, order_result& r, const universe& u) {
  const std::size_t i = *rc::gen::inRange<std::size_t>(0, r.fills.size());
  order_fill& fl = r.fills[i];
  const symbol_info& info = u.symbol(o.symbol);
  switch (*rc::gen::inRange(0, 11)) {
    case 0:
      r.executed_qty = fixed8::from_raw(r.executed_qty.raw() + *rc::gen::element(-1, 1));
      return ledger_errc::executed_qty_mismatch;
    case 1:
      r.cumulative_quote = fixed8::from_raw(r.cumulative_quote.raw() + *rc::gen::element(-1, 1));
      return ledger_errc::cumulative_quote_mismatch;
    case 2:
      if (o.dir == side::buy) {
        fl.price = fixed8::from_raw(o.price.raw() + 1);
        return ledger_errc::price_beyond_limit;
      }
      fl.price = fixed8::from_raw(o.price.raw() - 1);
      return o.price.raw() > 1 ? ledger_errc::price_beyond_limit : ledger_errc::fill_not_positive;
    case 3:
      fl.commission = fixed8::from_raw(fl.commission.raw() + 1);
      return ledger_errc::commission_amount;
    case 4:
      fl.commission = fixed8::from_raw(fl.commission.raw() > 0 ? fl.commission.raw() - 1 : 2);
      return ledger_errc::commission_amount;
    case 5:
      fl.commission_asset = fl.commission_asset == info.base ? info.quote : info.base;
      return ledger_errc::commission_asset;
    case 6:
      r.status = order_status::rejected;
      return ledger_errc::rejected_with_fills;
    case 7:
      o.quantity = fixed8::from_raw(r.executed_qty.raw() - 1);
      return ledger_errc::overfilled;
    case 8:
      fl.qty = fixed8::from_raw(fl.qty.raw() + 1);
      return ledger_errc::ok;  // commission_amount or executed_qty_mismatch
    case 9:
      r.fills.push_back(r.fills[i]);  // a trade reported twice, totals unchanged
      return ledger_errc::executed_qty_mismatch;
    default:
      if (r.executed_qty != o.quantity) {
        r.status = order_status::filled;
        return ledger_errc::status_mismatch;
      }
      r.executed_qty = fixed8::from_raw(r.executed_qty.raw() + 1);
      return ledger_errc::executed_qty_mismatch;
  }
}

// ---------------------------------------------------------------- references

cpp_int big(fixed8 v) { return cpp_int(v.raw()); }

// floor(p x q / 10^8) and ceil(x x fee / 10^8), on raw values >= 0.
cpp_int ref_quote(const cpp_int& p, const cpp_int& q) { return p * q / kScale; }
cpp_int ref_commission(const cpp_int& received, const cpp_int& fee) {
  return (received * fee + kScale - 1) / kScale;
}

// The reference ledger: balances in cpp_int, moved by each accepted fill.
struct reference_ledger {
  std::vector<cpp_int> balance;

  // The balances after o's fills, from the fills' price and qty only.
  std::vector<cpp_int> after(const order_request& o, const order_result& r, const universe& u,
                             fixed8 fee) const {
    std::vector<cpp_int> b = balance;
    const symbol_info& info = u.symbol(o.symbol);
    for (const order_fill& fl : r.fills) {
      const cpp_int q = big(fl.qty);
      const cpp_int quote = ref_quote(big(fl.price), q);
      if (o.dir == side::buy) {
        b[info.base] += q - ref_commission(q, big(fee));
        b[info.quote] -= quote;
      } else {
        b[info.base] -= q;
        b[info.quote] += quote - ref_commission(quote, big(fee));
      }
    }
    return b;
  }
};

bool in_range(const std::vector<cpp_int>& b, bool& over) {
  over = false;
  bool negative = false;
  for (const cpp_int& x : b) {
    if (x > kMaxRaw) over = true;
    if (x < 0) negative = true;
  }
  return !over && !negative;
}

// ---------------------------------------------------------------- (a)

RC_GTEST_PROP(LedgerProps, BalancesEqualAFromScratchSumOfEveryFillAndFee, ()) {
  const universe u = draw_universe();
  const fixed8 fee = draw_fee();
  std::vector<asset_balance> start;
  for (asset_id a = 0; a < 3; ++a) {
    std::int64_t b = 0;
    switch (*rc::gen::inRange(0, 6)) {
      case 0:
        b = 0;
        break;
      case 1:
        b = kMaxRaw - draw_magnitude(0, 13);  // a buy's base can overflow it
        break;
      default:
        b = draw_magnitude(0, 17);
        break;
    }
    start.push_back({a, fixed8::from_raw(b)});
  }
  ledger l(3, start);
  reference_ledger ref;
  for (const asset_balance& s : start) ref.balance.push_back(big(s.balance));

  std::uint64_t next_id = 1;
  std::uint64_t refused = 0;
  const int steps = *rc::gen::inRange(1, 41);
  for (int step = 0; step < steps; ++step) {
    order_request o = draw_order(u);
    order_result r;
    const int route = *rc::gen::inRange(0, 3);  // paper, direct, corrupted
    if (route == 0) {
      paper_outcome why = paper_outcome::kCount;
      r = paper_fill(o, draw_top(o, u.symbol(o.symbol).filters), u.symbol(o.symbol), fee, next_id,
                     &why);
      ++g_figures.paper[static_cast<std::size_t>(why)];
    } else {
      r = draw_consistent(o, u, fee, next_id);
    }
    ledger_errc expected = ledger_errc::ok;
    bool any_refusal = false;
    if (route == 2 && !r.fills.empty()) {
      expected = corrupt(o, r, u);
      any_refusal = true;
      ++g_figures.corrupted;
    } else {
      bool over = false;
      if (!in_range(ref.after(o, r, u, fee), over)) {
        expected = over ? ledger_errc::overflow : ledger_errc::overdraft;
        any_refusal = true;
        ++(over ? g_figures.overflow : g_figures.overdraft);
      }
    }
    ++g_figures.orders;
    const ledger_errc got = l.apply(o, r, u, fee);
    if (!any_refusal) {
      RC_ASSERT(got == ledger_errc::ok);
      ref.balance = ref.after(o, r, u, fee);
      if (!r.fills.empty()) ++g_figures.accepted_with_fills;
    } else {
      ++refused;
      RC_ASSERT(got != ledger_errc::ok);
      if (expected != ledger_errc::ok)
        RC_ASSERT(std::string(to_string(got)) == to_string(expected));
    }
    for (asset_id a = 0; a < 3; ++a) RC_ASSERT(big(l.balance(a)) == ref.balance[a]);
  }
  RC_ASSERT(l.stats().refused_total() == refused);
  RC_ASSERT(l.stats().orders_applied == static_cast<std::uint64_t>(steps) - refused);
  // Deltas and reconciliation agree with the reference.
  std::vector<asset_balance> theirs;
  for (asset_id a = 0; a < 3; ++a) {
    RC_ASSERT(big(l.delta(a)) == ref.balance[a] - big(start[a].balance));
    theirs.push_back({a, fixed8::from_raw(static_cast<std::int64_t>(ref.balance[a]))});
  }
  RC_ASSERT(l.reconcile(theirs).empty());
  const asset_id off = *rc::gen::inRange<asset_id>(0, 3);
  theirs[off].balance = fixed8::from_raw(theirs[off].balance.raw() ^ 1);
  const std::vector<balance_mismatch> m = l.reconcile(theirs);
  RC_ASSERT(m.size() == 1U);
  RC_ASSERT(m[0].asset == off);
  RC_ASSERT(m[0].ours == l.balance(off));
  RC_TAG(refused > 0 ? "with refusals" : "all accepted");
}

// ---------------------------------------------------------------- (b)

cpp_rational rat(fixed8 v) { return cpp_rational(v.raw(), kScale); }
// x >= 0 to 8 decimals, as a raw cpp_int: truncated or rounded up.
cpp_int to_raw_down(const cpp_rational& x) {
  const cpp_rational s = x * kScale;
  return numerator(s) / denominator(s);
}
cpp_int to_raw_up(const cpp_rational& x) {
  const cpp_rational s = x * kScale;
  return (numerator(s) + denominator(s) - 1) / denominator(s);
}

RC_GTEST_PROP(LedgerProps, PaperFillStaysWithinLimitQuantityAndTopAndRoundsAsOrderSays, ()) {
  const universe u = draw_universe();
  const fixed8 fee = draw_fee();
  const order_request o = draw_order(u);
  const symbol_info& info = u.symbol(o.symbol);
  const book_snapshot top = draw_top(o, info.filters);
  std::uint64_t next_id = 1;
  paper_outcome why = paper_outcome::kCount;
  const order_result r = paper_fill(o, top, info, fee, next_id, &why);
  ++g_figures.paper[static_cast<std::size_t>(why)];
  RC_TAG(std::string(to_string(why)));

  const filter_errc fe = check_filters(info.filters, o.price, o.quantity);
  if (fe != filter_errc::ok) {
    RC_ASSERT(r.status == order_status::rejected);
    RC_ASSERT(r.error_code == -1013);
    RC_ASSERT(r.error_msg == exchange_message(fe));
    RC_ASSERT(r.fills.empty());
    RC_ASSERT(next_id == 1U);
    return;
  }
  RC_ASSERT(r.status != order_status::rejected);
  RC_ASSERT(r.fills.size() <= 1U);

  const bool buy = o.dir == side::buy;
  const fixed8 top_price = buy ? top.ask : top.bid;
  const fixed8 top_qty = buy ? top.ask_qty : top.bid_qty;
  const cpp_int step = big(info.filters.step_size);
  // The reference quantity: the top valid, non-empty and crossing, then
  // min(quantity, floor(top qty / step) x step); FOK only in full.
  cpp_int expected_qty = 0;
  const bool crosses = buy ? top_price <= o.price : top_price >= o.price;
  if (top.valid && top_price.is_positive() && top_qty.is_positive() && crosses) {
    expected_qty = std::min(big(o.quantity), big(top_qty) / step * step);
    if (o.tif == time_in_force::fok && expected_qty != big(o.quantity)) expected_qty = 0;
  }
  const cpp_rational exact_quote = rat(top_price) * cpp_rational(expected_qty, kScale);
  if (expected_qty > 0 && to_raw_down(exact_quote) > kMaxRaw) {
    RC_ASSERT(why == paper_outcome::overflow);
    expected_qty = 0;
  }

  RC_ASSERT(big(r.executed_qty) == expected_qty);
  RC_ASSERT(r.status ==
            (expected_qty == big(o.quantity) ? order_status::filled : order_status::expired));
  if (expected_qty == 0) {
    RC_ASSERT(r.fills.empty());
    RC_ASSERT(r.cumulative_quote.is_zero());
    return;
  }
  RC_ASSERT(r.fills.size() == 1U);
  const order_fill& fl = r.fills[0];
  // Never beyond the limit, the quantity or the top's quantity.
  RC_ASSERT(fl.price == top_price);
  const bool within_limit = buy ? fl.price <= o.price : fl.price >= o.price;
  RC_ASSERT(within_limit);
  RC_ASSERT(fl.qty <= o.quantity);
  RC_ASSERT(fl.qty <= top_qty);
  RC_ASSERT(big(fl.qty) % step == 0);
  if (o.tif == time_in_force::fok) RC_ASSERT(fl.qty == o.quantity);
  // Quote truncated, commission rounded up on what was received, in its asset.
  const cpp_int quote = to_raw_down(exact_quote);
  RC_ASSERT(big(r.cumulative_quote) == quote);
  const cpp_rational received = buy ? rat(fl.qty) : cpp_rational(quote, kScale);
  RC_ASSERT(big(fl.commission) == to_raw_up(received * rat(fee)));
  RC_ASSERT(fl.commission_asset == (buy ? info.base : info.quote));
  // The ledger, holding exactly what the order spends, accepts it and ends
  // with none of it left.
  const asset_id spent = buy ? info.quote : info.base;
  const std::array<asset_balance, 1> exactly{{{spent, buy ? r.cumulative_quote : r.executed_qty}}};
  ledger l(3, exactly);
  RC_ASSERT(l.apply(o, r, u, fee) == ledger_errc::ok);
  RC_ASSERT(l.balance(spent).is_zero());
}

}  // namespace
}  // namespace triarb
