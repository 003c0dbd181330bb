// reseed_tracker: see reseed_tracker.h.
#include "runtime/reseed_tracker.h"

#include <utility>

namespace triarb {

reseed_tracker::reseed_tracker(std::vector<std::vector<symbol_id>> groups, std::size_t symbols)
    : groups_(std::move(groups)), epoch_(groups_.size(), 0), mark_(symbols, 0) {}

void reseed_tracker::on_open(std::size_t c) noexcept { ++epoch_[c]; }
void reseed_tracker::on_lost(std::size_t c) noexcept { ++epoch_[c]; }
void reseed_tracker::on_invalidated(std::size_t c) noexcept {
  // Quiet: the stream went silent. Its symbols wait for frames; no snapshot
  // asked for before may apply, nor start a retry that would revalidate a
  // silent stream's legs for max_leg_age (the quiet guard switched off).
  ++epoch_[c];
  touch_all(c);
}

void reseed_tracker::on_frame(std::size_t c, const frame_result& r) noexcept {
  switch (r.kind) {
    case frame_kind::quote:
    case frame_kind::attributed_error:
      ++mark_[r.symbol];  // delivered, good or not: it may be newer than the snapshot
      break;
    case frame_kind::unattributed_error:
      // Every symbol of the connection was invalidated: any of them may have
      // lost an update newer than the snapshot (feed_handler.h: except
      // unknown_symbol, which touched nothing we track).
      if (r.error != frame_errc::unknown_symbol) touch_all(c);
      break;
    case frame_kind::control:
      break;
  }
}

void reseed_tracker::touch_all(std::size_t c) noexcept {
  for (symbol_id s : groups_[c]) ++mark_[s];
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
