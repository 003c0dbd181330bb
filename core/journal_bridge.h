// journal_bridge: the evaluator's opportunity as the journal records it
// (docs/design.md, contract 4: per leg, what was assumed and checked, with names),
// with the trading guard's verdict on it, and the guard's events as state records
// (core/trading_guard.h, layer four).
#pragma once

#include <string>

#include "core/evaluator.h"
#include "core/journal.h"
#include "core/rate.h"
#include "core/trading_guard.h"
#include "core/triangle_index.h"
#include "core/universe.h"

namespace triarb {

// The ratio m * 2^e written exactly: a binary fraction with -e fractional
// bits has exactly -e decimal digits, so nothing is rounded.
[[nodiscard]] inline std::string exact_ratio_string(rate r) {
  return to_decimal_string(r, r.exponent() < 0 ? -r.exponent() : 0);
}

// suppressed: the guard's verdict (none: actionable, the key is not written).
[[nodiscard]] inline opportunity_record to_record(
    const opportunity& op, const triangle_index& idx, const universe& u,
    suppress_reason suppressed = suppress_reason::none) {
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
  rec.suppressed = suppressed;
  return rec;
}

// A transition or quarantine. The triangle's name when e.triangle is set
// (a quarantine), else none; evidence "{}" when the guard gave none, so the
// record is always well-formed JSON (invalid_reason() still checks it).
[[nodiscard]] inline state_record to_record(const guard_event& e, const triangle_index& idx,
                                            const universe& u) {
  state_record rec;
  rec.time_ns = e.time_ns;
  rec.from = e.from;
  rec.to = e.to;
  rec.trigger = e.trigger;
  rec.by = e.by;
  if (e.triangle != kNoTriangle) rec.triangle_name = idx.name(e.triangle, u);
  rec.evidence_json = e.evidence.empty() ? std::string("{}") : e.evidence;
  return rec;
}

}  // namespace triarb
