// journal_bridge: the evaluator's opportunity as the journal records it
// (contract 4: per leg, what was assumed and checked, with names).
#pragma once

#include "evaluator.h"
#include "journal.h"
#include "rate.h"
#include "triangle_index.h"
#include "universe.h"

namespace triarb {

// Digits after the point of the ratio written to the journal (exact, rounded
// down, like the ratio itself).
inline constexpr int kJournalRatioDigits = 18;

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
  }
  rec.ratio = to_decimal_string(op.ratio, kJournalRatioDigits);
  rec.amount_in = op.amount_in;
  rec.amount_out = op.amount_out;
  rec.profit = op.profit;
  return rec;
}

}  // namespace triarb
