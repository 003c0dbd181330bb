// recorded_event: one event of a recorded frames file applied to a
// sync_pipeline, as the live bot applied it (replay and audit share it).
//
//   frames.for_each(n, [&](const frame_line& l) {
//     if (l.event == frame_event::start) { /* a new process: a fresh pipeline */ }
//     else apply_recorded(p, l, frames.path(), sink);
//     return true;
//   });
//
// Thread safety: as sync_pipeline (one thread).
#pragma once

#include <stdexcept>
#include <string>

#include "core/frames_file.h"
#include "core/pipeline.h"

namespace triarb {

// Applies a frame, loss, quiet or re-seed and evaluates what it made dirty
// at the event's time. A start is the caller's (it needs a fresh pipeline).
// Throws std::runtime_error naming file and line when a re-seed names a
// symbol this universe lacks, or cannot apply as it did live (the symbol is
// valid here, or the book kept another update id): the recording and this
// replay disagree from there.
template <class Sink>
frame_result apply_recorded(sync_pipeline& p, const frame_line& l, const std::string& file,
                            Sink&& sink) {
  switch (l.event) {
    case frame_event::frame:
      return p.process(l.connection, l.data, l.size, l.recv_ns, sink);
    case frame_event::lost:
    case frame_event::quiet:
      (void)p.connection_lost(l.connection);
      return {};
    case frame_event::start:
      return {};
    case frame_event::reseed:
      break;
  }
  auto bad = [&](const std::string& why) {
    return std::runtime_error(file + ":" + std::to_string(l.line_no) + ": re-seed of " +
                              std::string(l.symbol) + ": " + why);
  };
  quote q = l.reseed;
  q.symbol = p.symbols().find(l.symbol);
  if (q.symbol == kNoSymbol) throw bad("no such symbol in this exchangeInfo");
  const std::uint64_t held = p.book().read(q.symbol).update_id;
  if (held != q.update_id) {
    throw bad("the live book kept update id " + std::to_string(q.update_id) +
              ", the replay holds " + std::to_string(held));
  }
  if (!p.reseed(q, l.reseed_recv_ns, l.recv_ns, sink)) {
    throw bad("the symbol is valid in the replay (it was invalid live)");
  }
  return {};
}

}  // namespace triarb
