// journal_bridge: the evaluator's opportunity as the journal records it
// (docs/design.md, contract 4: per leg, what was assumed and checked, with names).
#pragma once

#include <string>

#include "core/evaluator.h"
#include "core/journal.h"
#include "core/rate.h"
#include "core/triangle_index.h"
#include "core/universe.h"

namespace triarb {

// The ratio m * 2^e written exactly: a binary fraction with -e fractional
// bits has exactly -e decimal digits, so nothing is rounded.
[[nodiscard]] inline std::string exact_ratio_string(rate r) {
  return to_decimal_string(r, r.exponent() < 0 ? -r.exponent() : 0);
}

[[nodiscard]] inline opportunity_record to_record(const opportunity& op, const triangle_index& idx,
                                                  const universe& u) {
  opportunity_record rec;
  rec.time_ns = op.decided_ns;
  rec.triangle = op.triangle;
  rec.triangle_name = idx.name(op.triangle, u);
  for (std::size_t i = 0; i < 3; ++i) {
    const leg_decision& l = op.legs[i];
    journal_leg& j = rec.legs[i];
    j.symbol = u.symbol(l.symbol).name;
    j.dir = l.dir;
    j.price = l.price;
    j.book_qty = l.book_qty;
    j.fill_qty = l.fill_qty;
    j.update_id = l.update_id;
    j.age_ns = l.age_ns;
    j.valid = l.valid;
    j.qty_capped = l.qty_capped;
    j.reseeded = l.reseeded;
  }
  rec.ratio = exact_ratio_string(op.ratio);
  rec.amount_in = op.amount_in;
  rec.amount_out = op.amount_out;
  rec.profit = op.profit;
  return rec;
}

}  // namespace triarb
