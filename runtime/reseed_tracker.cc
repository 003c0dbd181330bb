// reseed_tracker: see reseed_tracker.h.
#include "runtime/reseed_tracker.h"

#include <algorithm>
#include <utility>

namespace triarb {

reseed_tracker::reseed_tracker(std::vector<std::vector<symbol_id>> groups, std::size_t symbols)
    : groups_(std::move(groups)), epoch_(groups_.size(), 0), mark_(symbols, 0) {}

void reseed_tracker::on_open(std::size_t c) noexcept { ++epoch_[c]; }
void reseed_tracker::on_lost(std::size_t c) noexcept { ++epoch_[c]; }
void reseed_tracker::on_invalidated(std::size_t c) noexcept { (void)c; }

void reseed_tracker::on_frame(std::size_t c, const frame_result& r) noexcept {
  (void)c;
  // The update id the book holds: the newest applied quote's, or a failed
  // frame's when it could be read (the book raises its id to it).
  if (r.kind == frame_kind::quote) mark_[r.symbol] = std::max(mark_[r.symbol], r.q.update_id);
  if (r.kind == frame_kind::attributed_error && r.update_id_known) {
    mark_[r.symbol] = std::max(mark_[r.symbol], r.failed_update_id);
  }
}

reseed_request reseed_tracker::make_request(std::size_t c, int retries) const {
  reseed_request req{c, epoch_[c], {}, retries};
  req.marks.reserve(groups_[c].size());
  for (symbol_id s : groups_[c]) req.marks.push_back(mark_[s]);
  return req;
}

bool reseed_tracker::stale(const reseed_request& r) const noexcept {
  return r.epoch != epoch_[r.connection];
}

bool reseed_tracker::superseded(const reseed_request& r, std::size_t k) const noexcept {
  return mark_[groups_[r.connection][k]] != r.marks[k];
}

}  // namespace triarb
