// RapidCheck properties of rate and the evaluator, against an exact-rational
// reference (boost::multiprecision::cpp_rational), never against rate itself:
//   - rate_from_quotient: down <= num/den < down + ulp, up >= num/den > up - ulp,
//     for numerators and denominators of every bit length up to 128;
//   - mul: the same bounds for the product of two rates;
//   - the evaluator on a generated 3-symbol triangle (random orientations,
//     micro prices 0.00000001..0.001, ordinary and huge prices, huge and
//     capped quantities, random fees, steps and budgets; the last leg's price
//     is often solved for so the ratio lands near the threshold):
//       computed ratio <= exact ratio, (exact - computed) / exact < 2^-60
//       (so far inside the required 10^-6); decisions (ratio > 1 + min_profit)
//       agree with the exact ones outside [thr * (1 - 10^-6), thr * (1 + 10^-6)];
//       on_symbol's counts match those decisions; for every reported
//       opportunity the record's ratio is the computed one, the fills are
//       feasible (step multiples, within book quantity, affordable with the
//       exact output of the previous leg, within budget) and the reported
//       profit is <= the exact profit at the same fill quantities;
//   - the one-division quotient keeps the bit a 128-bit numerator shifts out
//     (an odd numerator over a power of two rounds up, not exactly);
//   - each leg rate is its exact value rounded down to 64 significant bits;
//   - the hot path (rate cache, screen in doubles, exact path) over a
//     sequence of updates, prices <= 0, receive times in the future,
//     negative min_profit and a sink that refuses included: every counter
//     and every record equal those of the all-exact per-triangle reference
//     (tests/support/evaluator_reference.h: evaluator::ratio and ::size,
//     themselves checked against cpp_rational above).
//
// Reproduce a failure: RC_PARAMS="reproduce=<string printed on failure>"
//   build/default/properties/evaluator_properties --gtest_filter='EvaluatorProps.<name>'
// More cases: RC_PARAMS="max_success=20000" build/default/properties/evaluator_properties
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/evaluator.h"
#include "core/int128.h"
#include "core/rate.h"
#include "tests/support/evaluator_reference.h"

namespace triarb {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

constexpr std::int64_t kMaxRaw = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kNow = 5'000'000'000'000;

cpp_int to_cpp(u128 v) {
  cpp_int r = static_cast<std::uint64_t>(v >> 64);
  r <<= 64;
  r += static_cast<std::uint64_t>(v);
  return r;
}

cpp_rational pow2(int e) {
  if (e >= 0) return cpp_rational(cpp_int(1) << e);
  return cpp_rational(cpp_int(1), cpp_int(1) << -e);
}

cpp_rational exact(rate r) {
  if (r.is_zero()) return cpp_rational(0);
  return cpp_rational(cpp_int(r.mantissa())) * pow2(r.exponent());
}

// One unit in the last place of a normalised rate.
cpp_rational ulp(rate r) { return pow2(r.exponent()); }

cpp_rational exact(fixed8 v) { return cpp_rational(cpp_int(v.raw()), cpp_int(fixed8::kScale)); }

bool normalised(rate r) { return r.is_zero() || (r.mantissa() & rate::kTopBit) != 0; }

// A u128 with a random bit length in [1, 128], sometimes all ones or a power of two.
rc::Gen<u128> gen_u128() {
  return rc::gen::exec([]() -> u128 {
    const int bits = *rc::gen::inRange(1, 129);
    const auto hi = *rc::gen::arbitrary<std::uint64_t>();
    const auto lo = *rc::gen::arbitrary<std::uint64_t>();
    u128 v = (static_cast<u128>(hi) << 64) | lo;
    const int shape = *rc::gen::inRange(0, 8);
    if (shape == 0) v = ~u128{0};
    if (shape == 1) v = u128{1} << (bits - 1);
    if (bits < 128) v &= (u128{1} << bits) - 1;
    v |= u128{1} << (bits - 1);
    return v;
  });
}

rc::Gen<rate> gen_rate() {
  return rc::gen::exec([]() {
    const auto m = *rc::gen::arbitrary<std::uint64_t>() | rate::kTopBit;
    const auto e = *rc::gen::inRange<std::int32_t>(-400, 400);
    return rate::from_parts(m, e);
  });
}

RC_GTEST_PROP(EvaluatorProps, QuotientRoundsInTheRequestedDirectionWithinOneUlp, ()) {
  const u128 num = *gen_u128();
  const u128 den = *gen_u128();
  const cpp_rational q(to_cpp(num), to_cpp(den));
  const rate d = rate_from_quotient(num, den, rounding::down);
  const rate u = rate_from_quotient(num, den, rounding::up);
  RC_ASSERT(normalised(d));
  RC_ASSERT(normalised(u));
  RC_ASSERT(exact(d) <= q);
  RC_ASSERT(q < exact(d) + ulp(d));
  RC_ASSERT(exact(u) >= q);
  RC_ASSERT(exact(u) - ulp(u) < q);
  RC_ASSERT((d == u) == (exact(d) == q));
}

// An odd 128-bit numerator over a power of two: the one-division path
// shifts the numerator's last bit out and the division itself is exact, so
// only that bit says the quotient is inexact (and must round up).
RC_GTEST_PROP(EvaluatorProps, QuotientKeepsTheBitA128BitNumeratorShiftsOut, ()) {
  const u128 num =
      (static_cast<u128>(*rc::gen::arbitrary<std::uint64_t>() | rate::kTopBit) << 64) | 1U;
  const u128 den = u128{1} << *rc::gen::inRange(0, 64);
  const cpp_rational q(to_cpp(num), to_cpp(den));
  const rate d = rate_from_quotient(num, den, rounding::down);
  const rate u = rate_from_quotient(num, den, rounding::up);
  RC_ASSERT(exact(d) < q);
  RC_ASSERT(q < exact(d) + ulp(d));
  RC_ASSERT(exact(u) > q);
  RC_ASSERT(exact(u) - ulp(u) < q);
}

RC_GTEST_PROP(EvaluatorProps, ProductRoundsInTheRequestedDirectionWithinOneUlp, ()) {
  const rate a = *gen_rate();
  const rate b = *gen_rate();
  const cpp_rational p = exact(a) * exact(b);
  const rate d = mul(a, b, rounding::down);
  const rate u = mul(a, b, rounding::up);
  RC_ASSERT(normalised(d));
  RC_ASSERT(normalised(u));
  RC_ASSERT(exact(d) <= p);
  RC_ASSERT(p < exact(d) + ulp(d));
  RC_ASSERT(exact(u) >= p);
  RC_ASSERT(exact(u) - ulp(u) < p);
  // Exact comparison agrees with the rationals.
  RC_ASSERT((a < b) == (exact(a) < exact(b)));
}

// ------------------------------------------------------- evaluator scenario

rc::Gen<std::int64_t> gen_price_raw() {
  return rc::gen::weightedOneOf<std::int64_t>({
      {3, rc::gen::inRange<std::int64_t>(1, 100'001)},                  // 0.00000001 .. 0.001
      {3, rc::gen::inRange<std::int64_t>(100'000, 1'000'000'000'000)},  // 0.001 .. 10,000
      {2, rc::gen::inRange<std::int64_t>(1'000'000'000'000, kMaxRaw)},  // huge, up to max
      {1, rc::gen::just(kMaxRaw)},
  });
}

rc::Gen<std::int64_t> gen_qty_raw() {
  return rc::gen::weightedOneOf<std::int64_t>({
      {3, rc::gen::inRange<std::int64_t>(1, 10'000'000'000)},  // up to 100 units
      {3, rc::gen::inRange<std::int64_t>(10'000'000'000, kMaxRaw)},
      {2, rc::gen::just(kMaxRaw)},  // capped
  });
}

rc::Gen<std::int64_t> gen_step_raw() {
  return rc::gen::elementOf(std::vector<std::int64_t>{0, 1, 1'000, 100'000, 100'000'000});
}

// The exact rate of one leg: bid * (1 - fee) or (1 - fee) / ask.
cpp_rational exact_leg_rate(const leg& l, const book_snapshot& b, fixed8 fee) {
  const cpp_rational omf = cpp_rational(1) - exact(fee);
  if (l.dir == side::buy) return cpp_rational(omf / exact(b.ask));
  return cpp_rational(exact(b.bid) * omf);
}

struct world {
  universe u;
  asset_id start = 0;
  triangle_index idx;
};

world make_world(const std::array<bool, 3>& base_first) {
  // Assets USDT (start), AAA, BBB; each edge's symbol in a random direction.
  const auto spec = [](bool first, const char* a, const char* b, std::int64_t step) {
    symbol_spec s;
    s.base = first ? a : b;
    s.quote = first ? b : a;
    s.name = s.base + s.quote;
    s.filters.step_size = fixed8::from_raw(step);
    return s;
  };
  std::vector<symbol_spec> specs = {
      spec(base_first[0], "AAA", "USDT", *gen_step_raw()),
      spec(base_first[1], "BBB", "AAA", *gen_step_raw()),
      spec(base_first[2], "BBB", "USDT", *gen_step_raw()),
  };
  world w{universe(std::move(specs)), 0, {}};
  w.start = *w.u.find_asset("USDT");
  w.idx = triangle_index::build(w.u, std::span<const asset_id>(&w.start, 1));
  return w;
}

struct stub_book {
  std::vector<book_snapshot> snaps;
  [[nodiscard]] book_snapshot read(symbol_id s) const { return snaps.at(s); }
};

RC_GTEST_PROP(EvaluatorProps, RatioDecisionAndProfitAgreeWithExactArithmetic, ()) {
  const std::array<bool, 3> base_first = {*rc::gen::arbitrary<bool>(), *rc::gen::arbitrary<bool>(),
                                          *rc::gen::arbitrary<bool>()};
  const world w = make_world(base_first);
  RC_ASSERT(w.idx.size() == 2U);
  const std::size_t n = w.u.symbols().size();

  evaluator_config cfg;
  cfg.fee_by_symbol.resize(n);
  for (fixed8& f : cfg.fee_by_symbol) {
    f = fixed8::from_raw(
        *rc::gen::elementOf(std::vector<std::int64_t>{0, 100'000, 75'000, 1'000'000}));
  }
  cfg.min_profit =
      fixed8::from_raw(*rc::gen::elementOf(std::vector<std::int64_t>{0, 1, 100'000, 5'000'000}));
  cfg.default_budget = fixed8::from_raw(*rc::gen::inRange<std::int64_t>(1, 10'000'000'000'000));

  stub_book book;
  book.snaps.resize(n);
  for (book_snapshot& b : book.snaps) {
    b.bid = fixed8::from_raw(*gen_price_raw());
    b.ask = fixed8::from_raw(*gen_price_raw());
    b.bid_qty = fixed8::from_raw(*gen_qty_raw());
    b.ask_qty = fixed8::from_raw(*gen_qty_raw());
    b.qty_capped = b.bid_qty.raw() == kMaxRaw || b.ask_qty.raw() == kMaxRaw;
    b.update_id = 7;
    b.recv_ns = kNow - 1000;
    b.valid = true;
  }
  const cpp_rational thr = cpp_rational(1) + exact(cfg.min_profit);

  // Often, solve the first triangle's last price so its ratio sits at the
  // threshold, then nudge it by a few raw units: the band edges get hit.
  if (*rc::gen::inRange(0, 3) != 0) {
    const triangle& t = w.idx.triangle_at(0);
    cpp_rational partial = 1;
    for (std::size_t k = 0; k < 2; ++k) {
      const leg& l = t.legs[k];
      partial *= exact_leg_rate(l, book.snaps[l.symbol], cfg.fee_by_symbol[l.symbol]);
    }
    const leg& last = t.legs[2];
    const cpp_rational omf = cpp_rational(1) - exact(cfg.fee_by_symbol[last.symbol]);
    // sell: partial * bid * omf == thr; buy: partial * omf / ask == thr.
    const cpp_rational price = last.dir == side::sell ? cpp_rational(thr / (partial * omf))
                                                      : cpp_rational(partial * omf / thr);
    const cpp_rational scaled = price * fixed8::kScale;
    const cpp_int raw = numerator(scaled) / denominator(scaled);
    const std::int64_t nudge = *rc::gen::inRange<std::int64_t>(-3, 4);
    const cpp_int nudged = raw + nudge;
    if (nudged >= 1 && nudged <= kMaxRaw) {
      const auto r = static_cast<std::int64_t>(nudged);
      (last.dir == side::sell ? book.snaps[last.symbol].bid : book.snaps[last.symbol].ask) =
          fixed8::from_raw(r);
    }
  }

  telemetry tel;
  evaluator ev(w.u, w.idx, cfg, tel);
  const cpp_rational band = cpp_rational(1, 1'000'000);
  const cpp_rational tight = pow2(-60);
  std::size_t expect_below = 0;
  std::array<rate, 2> computed{};
  for (triangle_id id = 0; id < w.idx.size(); ++id) {
    const triangle& t = w.idx.triangle_at(id);
    std::array<book_snapshot, 3> legs;
    cpp_rational ex = 1;
    for (std::size_t k = 0; k < 3; ++k) {
      legs[k] = book.snaps[t.legs[k].symbol];
      ex *= exact_leg_rate(t.legs[k], legs[k], cfg.fee_by_symbol[t.legs[k].symbol]);
    }
    const rate r = ev.ratio(t, legs);
    computed[id] = r;
    const cpp_rational c = exact(r);
    RC_ASSERT(c <= ex);
    RC_ASSERT((ex - c) / ex < tight);
    RC_ASSERT((ex - c) / ex <= band);
    const bool says = r > ev.threshold();
    if (ex > thr * (1 + band)) RC_ASSERT(says);
    if (ex < thr * (1 - band)) RC_ASSERT(!says);
    if (ex <= thr) RC_ASSERT(!says);  // never optimistic, even inside the band
    if (!says) ++expect_below;
    RC_TAG(says ? "above threshold" : "below threshold");
  }

  // The hot path agrees with the per-triangle computation, and every record
  // it emits is feasible and no better than exact arithmetic says.
  std::size_t emitted = 0;
  ev.on_symbol(book, symbol_id{0}, kNow, [&](const opportunity& o) {
    ++emitted;
    const triangle& t = w.idx.triangle_at(o.triangle);
    RC_ASSERT(o.ratio == computed[o.triangle]);
    RC_ASSERT(o.amount_in <= ev.budget(t.start));
    RC_ASSERT(o.profit.raw() == o.amount_out.raw() - o.amount_in.raw());
    RC_ASSERT(o.profit.is_positive());
    cpp_rational in;
    cpp_rational available;  // exact output of the previous leg
    for (std::size_t k = 0; k < 3; ++k) {
      const leg& l = t.legs[k];
      const leg_decision& d = o.legs[k];
      const book_snapshot& b = book.snaps[l.symbol];
      const fixed8 step = w.u.symbol(l.symbol).filters.step_size;
      RC_ASSERT(d.symbol == l.symbol);
      RC_ASSERT(d.dir == l.dir);
      RC_ASSERT(d.valid);
      RC_ASSERT(d.fill_qty.is_positive());
      if (step.is_positive()) RC_ASSERT(d.fill_qty.raw() % step.raw() == 0);
      RC_ASSERT(d.fill_qty <= (l.dir == side::buy ? b.ask_qty : b.bid_qty));
      const cpp_rational q = exact(d.fill_qty);
      const cpp_rational omf = cpp_rational(1) - exact(cfg.fee_by_symbol[l.symbol]);
      const cpp_rational pays = l.dir == side::buy ? cpp_rational(q * exact(b.ask)) : q;
      const cpp_rational gets =
          l.dir == side::buy ? cpp_rational(q * omf) : cpp_rational(q * exact(b.bid) * omf);
      if (k == 0) {
        in = pays;
        RC_ASSERT(exact(o.amount_in) >= in);  // paid rounded up
      } else {
        RC_ASSERT(pays <= available);  // affordable with what the previous leg gave
      }
      available = gets;
    }
    const cpp_rational exact_profit = available - in;
    RC_ASSERT(exact(o.profit) <= exact_profit);
    RC_ASSERT(exact(o.amount_out) <= available);
    return true;
  });
  RC_ASSERT(tel.eval.get(eval_counter::triangles_evaluated) == 2U);
  RC_ASSERT(tel.eval.get(eval_counter::below_threshold) == expect_below);
  RC_ASSERT(tel.eval.get(eval_counter::opportunities) == emitted);
  RC_ASSERT(expect_below + tel.eval.get(eval_counter::skip_unsizable) +
                tel.eval.get(eval_counter::skip_no_profit) + emitted ==
            2U);
  RC_TAG(emitted > 0 ? "opportunity" : "no opportunity");
}

// Each leg rate is its exact value rounded down to 64 significant bits, the
// first of the roundings the whole-triangle bound adds up (a leg rounded up
// could hide inside that bound).
RC_GTEST_PROP(EvaluatorProps, LegRatesAreTheExactRatesRoundedDown, ()) {
  const world w = make_world({true, true, true});
  evaluator_config cfg;
  cfg.default_fee = fixed8::from_raw(
      *rc::gen::elementOf(std::vector<std::int64_t>{0, 1, 75'000, 100'000, 1'000'000, 99'999'999}));
  telemetry tel;
  const evaluator ev(w.u, w.idx, cfg, tel);
  const fixed8 price = fixed8::from_raw(*gen_price_raw());
  const cpp_rational omf = cpp_rational(1) - exact(cfg.default_fee);
  const rate sell = ev.sell_rate(0, price);
  const rate buy = ev.buy_rate(0, price);
  const cpp_rational sell_exact = exact(price) * omf;
  const cpp_rational buy_exact = omf / exact(price);
  RC_ASSERT(normalised(sell));
  RC_ASSERT(normalised(buy));
  RC_ASSERT(exact(sell) <= sell_exact);
  RC_ASSERT(sell_exact < exact(sell) + ulp(sell));
  RC_ASSERT(exact(buy) <= buy_exact);
  RC_ASSERT(buy_exact < exact(buy) + ulp(buy));
}

// The hot path over a sequence of updates: prices changed (one side, both,
// a raw unit, back to an earlier value, to 0 or below), legs invalidated,
// made stale or received "in the future", min_profit negative too, on_symbol
// called on any symbol with a sink that may refuse. After each call every
// counter it moved and every record it emitted must be those of the
// all-exact per-triangle reference (evaluator::ratio and ::size, checked
// against exact arithmetic above): the leg-rate cache, its screen in doubles
// and the exact path together never decide otherwise, near the threshold
// included (the last price is often solved so the ratio sits on it).
RC_GTEST_PROP(EvaluatorProps, HotPathAgreesWithExactDecisionsAcrossUpdates, ()) {
  const std::array<bool, 3> base_first = {*rc::gen::arbitrary<bool>(), *rc::gen::arbitrary<bool>(),
                                          *rc::gen::arbitrary<bool>()};
  const world w = make_world(base_first);
  const std::size_t n = w.u.symbols().size();
  evaluator_config cfg;
  cfg.fee_by_symbol.resize(n);
  for (fixed8& f : cfg.fee_by_symbol) {
    f = fixed8::from_raw(*rc::gen::elementOf(std::vector<std::int64_t>{0, 100'000, 75'000}));
  }
  cfg.min_profit = fixed8::from_raw(
      *rc::gen::elementOf(std::vector<std::int64_t>{0, 1, 100'000, -1, -100'000, -50'000'000}));
  cfg.max_leg_age_ns = 1'000'000;
  telemetry tel;
  evaluator ev(w.u, w.idx, cfg, tel);
  const cpp_rational thr = cpp_rational(1) + exact(cfg.min_profit);

  stub_book book;
  book.snaps.resize(n);
  for (book_snapshot& b : book.snaps) {
    b.bid = fixed8::from_raw(*gen_price_raw());
    b.ask = fixed8::from_raw(*gen_price_raw());
    b.bid_qty = b.ask_qty = fixed8::from_units(1);
    b.recv_ns = kNow;
    b.valid = true;
  }
  std::vector<book_snapshot> earlier = book.snaps;
  const int steps = *rc::gen::inRange(1, 40);
  for (int step = 0; step < steps; ++step) {
    const auto s = static_cast<symbol_id>(*rc::gen::inRange<std::size_t>(0, n));
    book_snapshot& b = book.snaps[s];
    const book_snapshot before = b;
    switch (*rc::gen::inRange(0, 10)) {
      case 0:
        b.bid = fixed8::from_raw(*gen_price_raw());
        break;
      case 1:
        b.ask = fixed8::from_raw(*gen_price_raw());
        break;
      case 2:
        // (Not raw() - 1: the price may be INT64_MIN, and that would overflow.)
        b.bid = fixed8::from_raw(b.bid.raw() > 1 ? b.bid.raw() - 1 : 1);
        b.ask = fixed8::from_raw(std::min(kMaxRaw - 1, b.ask.raw()) + 1);
        break;
      case 3:
        b = earlier[s];
        break;
      case 4:
        b.valid = !b.valid;
        break;
      case 5:
        // In the future (the receive clock jumped back) included.
        b.recv_ns = kNow - *rc::gen::elementOf(std::vector<std::int64_t>{0, 999'999, 1'000'000, -1,
                                                                         -1'000'000, kMaxRaw / 2});
        break;
      case 6: {
        // A non-positive price on one side (on_symbol takes any Book).
        const fixed8 p = fixed8::from_raw(*rc::gen::elementOf(std::vector<std::int64_t>{
            0, -1, -100'000'000, std::numeric_limits<std::int64_t>::min()}));
        (*rc::gen::arbitrary<bool>() ? b.bid : b.ask) = p;
        break;
      }
      default: {
        // Solve triangle 0's last price so its exact ratio sits on the
        // threshold, then nudge it by a few raw units.
        const triangle& t = w.idx.triangle_at(0);
        cpp_rational partial = 1;
        bool priced = true;
        for (std::size_t k = 0; k < 2; ++k) {
          const leg& l = t.legs[k];
          const book_snapshot& lb = book.snaps[l.symbol];
          priced = priced && (l.dir == side::buy ? lb.ask : lb.bid).is_positive();
          if (priced) partial *= exact_leg_rate(l, lb, cfg.fee_by_symbol[l.symbol]);
        }
        if (!priced) break;
        const leg& last = t.legs[2];
        const cpp_rational omf = cpp_rational(1) - exact(cfg.fee_by_symbol[last.symbol]);
        const cpp_rational price = last.dir == side::sell ? cpp_rational(thr / (partial * omf))
                                                          : cpp_rational(partial * omf / thr);
        const cpp_rational scaled = price * fixed8::kScale;
        const cpp_int raw =
            numerator(scaled) / denominator(scaled) + *rc::gen::inRange<std::int64_t>(-2, 3);
        if (raw >= 1 && raw <= kMaxRaw) {
          book_snapshot& lb = book.snaps[last.symbol];
          (last.dir == side::sell ? lb.bid : lb.ask) =
              fixed8::from_raw(static_cast<std::int64_t>(raw));
        }
        break;
      }
    }
    earlier[s] = before;

    // The sink's answer per triangle (false: journal_full).
    const std::array<bool, 2> accepts = {*rc::gen::weightedElement<bool>({{3, true}, {1, false}}),
                                         *rc::gen::weightedElement<bool>({{3, true}, {1, false}})};
    const symbol_id target = *rc::gen::inRange<symbol_id>(0, static_cast<symbol_id>(n));
    const evaluator_reference::result want =
        evaluator_reference::run(ev, w.idx, book, target, kNow, cfg.max_leg_age_ns,
                                 [&](const opportunity& o) { return accepts.at(o.triangle); });
    std::array<std::uint64_t, static_cast<std::size_t>(eval_counter::kCount)> counts0{};
    for (std::size_t c = 0; c < counts0.size(); ++c) {
      counts0[c] = tel.eval.get(static_cast<eval_counter>(c));
    }
    std::vector<opportunity> got;
    const std::size_t accepted = ev.on_symbol(book, target, kNow, [&](const opportunity& o) {
      if (!accepts.at(o.triangle)) return false;
      got.push_back(o);
      return true;
    });
    RC_ASSERT(accepted == want.records.size());
    for (std::size_t c = 0; c < counts0.size(); ++c) {
      if (static_cast<eval_counter>(c) == eval_counter::symbols_drained) continue;
      RC_ASSERT(tel.eval.get(static_cast<eval_counter>(c)) - counts0[c] == want.counts[c]);
    }
    RC_ASSERT(got.size() == want.records.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      RC_ASSERT(evaluator_reference::difference(got[i], want.records[i]).empty());
    }
  }
}

}  // namespace
}  // namespace triarb
