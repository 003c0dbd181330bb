// book_snapshot: one consistent read of one symbol's book record. Validity,
// update id and receive time come from the same seqlock read as the prices,
// so "may I use it" and "what is the price" are one read, not two (docs/design.md, contract 2).
#pragma once

#include <cstdint>

#include "core/fixed8.h"

namespace triarb {

struct book_snapshot {
  fixed8 bid;
  fixed8 bid_qty;
  fixed8 ask;
  fixed8 ask_qty;
  std::uint64_t update_id = 0;
  std::int64_t recv_ns = 0;  // when the frame that wrote this record was received
  bool valid = false;        // false until the first good frame, and after any invalidation
  bool qty_capped = false;   // a quantity of the frame was capped at fixed8::max()
  // The prices came from a REST re-seed (order_book::reseed_if_invalid), not
  // from frame update_id: update_id is then only the newest frame seen before.
  bool reseeded = false;
};

}  // namespace triarb
