// feed_session: what the bot does with each connection event, in one place
// the live bot and the in-process campaign both run (docs/design.md,
// contract 3). Pure: no sockets, threads or clock; the caller passes every
// time. It feeds the feed handler (book, dirty set) and the re-seed tracker
// together, so their order can never differ between the live bot and the
// campaign that proves it.
//
//   feed_session fs(feed, book, dirty, groups, symbols, counters);
//   queue(fs.on_open(c));                           // subscribed: ask REST
//   frame_result r = fs.on_frame_padded(c, data, size, recv_ns);  // r.control: serverShutdown
//   fs.on_lost(c);  fs.on_quiet(c);                 // drop / data silence
//   ... the snapshot arrives (taken after the request was sent at sent_ns):
//   if (auto again = fs.on_snapshot(req, quotes, have, sent_ns, on_applied))
//     queue(*again);                                // superseded: one retry
//
// Counters (display and metrics; any thread may read them): requests
// applied, symbols re-seeded, superseded symbols, stale requests.
//
// Thread safety: every call but the counters' reads on one thread (the feed
// thread), in the order the events happened.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/dirty_set.h"
#include "core/feed_handler.h"
#include "core/order_book.h"
#include "runtime/reseed_tracker.h"

namespace triarb {

struct feed_session_counters {
  std::atomic<std::uint64_t> reseeds{0};     // snapshots applied (not stale)
  std::atomic<std::uint64_t> reseeded{0};    // symbols re-seeded
  std::atomic<std::uint64_t> superseded{0};  // invalid symbols with an event since the request
  std::atomic<std::uint64_t> stale{0};       // requests lost, reopened or quiet since
};

class feed_session {
 public:
  // groups[c]: connection c's symbols, already added to `feed` as connection
  // c. REQUIRES: feed, book, dirty and counters outlive the session (the
  // counters are the caller's, so readers may hold them before a session
  // exists).
  feed_session(feed_handler& feed, order_book& book, dirty_set& dirty,
               std::vector<std::vector<symbol_id>> groups, std::size_t symbols,
               feed_session_counters& counters)
      : feed_(feed),
        book_(book),
        dirty_(dirty),
        tracker_(std::move(groups), symbols),
        counters_(counters) {}

  // Subscribed: a request made before is stale; returns the new request.
  [[nodiscard]] reseed_request on_open(std::size_t c) {
    tracker_.on_open(c);
    return tracker_.make_request(c, kRetries);
  }
  // One frame as the socket handed it over: data[0, size + kFramePadding)
  // readable (ws_connection's frame_buffer; the campaign's too, so both run
  // this one path).
  frame_result on_frame_padded(std::size_t c, const char* data, std::size_t size,
                               std::int64_t recv_ns) {
    const frame_result r =
        feed_.on_frame_padded(static_cast<connection_id>(c), data, size, recv_ns);
    tracker_.on_frame(c, r);
    return r;
  }
  // Dropped, stalled, rotated, reconnecting: its symbols are invalid.
  void on_lost(std::size_t c) {
    (void)feed_.on_connection_lost(static_cast<connection_id>(c));
    tracker_.on_lost(c);  // a re-seed requested before this loss must not apply
  }
  // Still open, no data for quiet_ms: its symbols are invalid until their
  // next frame; a request made before must not revalidate them.
  void on_quiet(std::size_t c) {
    (void)feed_.on_connection_lost(static_cast<connection_id>(c));
    tracker_.on_invalidated(c);
  }

  // A snapshot for `req` (quotes by symbol id; have[s]: s is in it), asked
  // for at sent_ns: re-seeds what reseed_tracker allows, each symbol marked
  // dirty and passed to on_applied(s) right after it is re-seeded. Returns
  // the retry request when a superseded symbol may ask once more.
  template <class OnApplied>
  std::optional<reseed_request> on_snapshot(const reseed_request& req,
                                            const std::vector<quote>& by_symbol,
                                            const std::vector<bool>& have, std::int64_t sent_ns,
                                            OnApplied&& on_applied) {
    const reseed_outcome out =
        tracker_.apply(req, by_symbol, have, book_, sent_ns, [&](symbol_id s) {
          counters_.reseeded.fetch_add(1, std::memory_order_relaxed);
          dirty_.mark(s);
          on_applied(s);
        });
    if (out.stale) {
      counters_.stale.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    counters_.reseeds.fetch_add(1, std::memory_order_relaxed);
    counters_.superseded.fetch_add(out.superseded, std::memory_order_relaxed);
    if (!out.retry) return std::nullopt;
    return tracker_.make_request(req.connection, req.retries_left - 1);
  }

  [[nodiscard]] const feed_session_counters& counters() const noexcept { return counters_; }

  // A request's retries: one fresh request for symbols superseded by a frame
  // in flight (reseed_tracker.h).
  static constexpr int kRetries = 1;

 private:
  feed_handler& feed_;
  order_book& book_;
  dirty_set& dirty_;
  reseed_tracker tracker_;
  feed_session_counters& counters_;
};

}  // namespace triarb
