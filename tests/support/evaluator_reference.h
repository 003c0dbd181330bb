// Test-only reference for the evaluator's hot path: the straightforward
// per-triangle evaluation, every triangle through the exact arithmetic
// (evaluator::ratio and evaluator::size, no rate cache, no screen in
// doubles). evaluator::on_symbol must make byte-identical decisions: the
// same counts and the same records in the same order.
//
//   evaluator_reference::result r = evaluator_reference::run(ev, idx, book, s, now, max_age,
//   accept);
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/evaluator.h"
#include "core/telemetry.h"
#include "core/triangle_index.h"

namespace triarb::evaluator_reference {

struct result {
  std::array<std::uint64_t, static_cast<std::size_t>(eval_counter::kCount)> counts{};
  std::vector<opportunity> records;  // those the sink took
};

// accept(o) is the sink's answer (false: journal_full). Leg checks in leg
// order, per leg: valid, then the needed price > 0, then 0 <= age < max_age.
template <class Book>
result run(const evaluator& ev, const triangle_index& idx, const Book& book, symbol_id s,
           std::int64_t now_ns, std::int64_t max_leg_age_ns,
           const std::function<bool(const opportunity&)>& accept) {
  result r;
  const auto bump = [&](eval_counter c) { ++r.counts[static_cast<std::size_t>(c)]; };
  for (const leg_ref& ref : idx.touching(s)) {
    const triangle& t = idx.triangle_at(ref.triangle);
    std::array<book_snapshot, 3> legs;
    eval_counter skip = eval_counter::kCount;
    for (std::size_t k = 0; k < 3 && skip == eval_counter::kCount; ++k) {
      legs[k] = book.read(t.legs[k].symbol);
      const fixed8 price = t.legs[k].dir == side::buy ? legs[k].ask : legs[k].bid;
      // An age that overflows is unusable (absurdly old or in the future).
      std::int64_t age = 0;
      const bool overflows = __builtin_sub_overflow(now_ns, legs[k].recv_ns, &age);
      if (!legs[k].valid) {
        skip = eval_counter::skip_invalid_leg;
      } else if (!price.is_positive()) {
        skip = eval_counter::skip_empty_side;
      } else if (overflows || age < 0 || age >= max_leg_age_ns) {
        skip = eval_counter::skip_stale_leg;
      }
    }
    if (skip != eval_counter::kCount) {
      bump(skip);
      continue;
    }
    bump(eval_counter::triangles_evaluated);
    const rate ratio = ev.ratio(t, legs);
    if (!(ratio > ev.threshold())) {
      bump(eval_counter::below_threshold);
      continue;
    }
    opportunity o;
    o.triangle = ref.triangle;
    o.ratio = ratio;
    const eval_counter outcome = ev.size(t, legs, now_ns, o);
    if (outcome != eval_counter::opportunities) {
      bump(outcome);
      continue;
    }
    if (!accept(o)) {
      bump(eval_counter::journal_full);
      continue;
    }
    bump(eval_counter::opportunities);
    r.records.push_back(o);
  }
  return r;
}

// Every field of two records, as text (empty when equal) for a failure message.
inline std::string difference(const opportunity& a, const opportunity& b) {
  std::string d;
  const auto check = [&](bool same, const char* what) {
    if (!same) d += std::string(what) + " ";
  };
  check(a.triangle == b.triangle, "triangle");
  check(a.decided_ns == b.decided_ns, "decided_ns");
  check(a.ratio == b.ratio, "ratio");
  check(a.amount_in == b.amount_in, "amount_in");
  check(a.amount_out == b.amount_out, "amount_out");
  check(a.profit == b.profit, "profit");
  for (std::size_t k = 0; k < 3; ++k) {
    const leg_decision& x = a.legs[k];
    const leg_decision& y = b.legs[k];
    check(x.symbol == y.symbol && x.dir == y.dir && x.price == y.price &&
              x.book_qty == y.book_qty && x.fill_qty == y.fill_qty && x.update_id == y.update_id &&
              x.age_ns == y.age_ns && x.valid == y.valid && x.qty_capped == y.qty_capped &&
              x.reseeded == y.reseeded,
          "leg");
  }
  return d;
}

}  // namespace triarb::evaluator_reference
