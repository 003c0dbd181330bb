// reseed_tracker: when a REST bookTicker snapshot may re-seed a symbol
// (docs/design.md, contract 3). Pure: no I/O, no clock, no threads;
// feed_session.h feeds it every event on the feed thread, in the live bot and
// in the in-process campaign alike, and asks it, when a snapshot arrives,
// what each of the request's symbols may do with it. The unit tests drive it
// directly.
//
//   reseed_tracker t(groups, symbols.size());
//   t.on_open(c);                                    // (re)opened
//   reseed_request req = t.make_request(c, 1);       // then ask REST
//   t.on_frame(c, feed.on_frame(c, buf, now));       // every frame result, as it comes
//   t.on_lost(c);  t.on_invalidated(c);              // drop / quiet (both: stale)
//   ... the snapshot arrives (quotes by symbol id, have[s]: s is in it):
//   reseed_outcome o = t.apply(req, quotes, have, book, sent_ns,
//                              [&](symbol_id s) { dirty.mark(s); });
//   if (o.retry) queue(t.make_request(c, req.retries_left - 1));
//
// The rule. A snapshot is taken by the exchange at some moment between the
// request and the reply. A symbol may take it only if nothing happened to the
// symbol on the feed in that span: a frame delivered meanwhile (good or bad)
// may carry an update newer than the snapshot, and a snapshot applied over a
// lost update would revalidate an old price -- the stale-leg class. A
// connection lost, reopened or gone quiet since the request makes the whole
// request stale: nothing applies and nothing is retried (a quiet stream's
// symbols wait for its frames).
//
// Assumed of the exchange, and not checkable (a REST snapshot carries no
// update id): a snapshot is taken no earlier than the request that asks for
// it. A snapshot served from an older cache could re-seed a symbol with a
// price older than a frame the book applied before the request.
//
// Thread safety: the feed thread only (it sees every event in order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/frame_parser.h"
#include "core/quote.h"

namespace triarb {

// What applying one snapshot did.
struct reseed_outcome {
  bool stale = false;              // lost, reopened or quiet since: nothing applied
  std::vector<symbol_id> applied;  // re-seeded (were invalid, now valid from the snapshot)
  std::size_t superseded = 0;      // invalid symbols that had an event since the request
  bool retry = false;              // superseded && retries_left > 0: ask again
};

// One REST re-seed request: a connection's symbols and what the tracker knew
// of each when it was made.
struct reseed_request {
  std::size_t connection = 0;
  std::uint64_t epoch = 0;
  std::vector<std::uint64_t> marks;  // parallel to the connection's symbols
  int retries_left = 0;              // superseded, still-invalid symbols get this many more
};

class reseed_tracker {
 public:
  // groups[c]: connection c's symbols. REQUIRES: every id < symbols.
  reseed_tracker(std::vector<std::vector<symbol_id>> groups, std::size_t symbols);

  // Events, in the order the feed thread sees them.
  void on_open(std::size_t c) noexcept;  // a request made before is stale
  void on_lost(std::size_t c) noexcept;  // dropped, stalled, rotated: the same
  // Every symbol of c invalidated without a loss (quiet): the same.
  void on_invalidated(std::size_t c) noexcept;
  // A frame's result on connection c (quote, attributed or unattributed error).
  void on_frame(std::size_t c, const frame_result& r) noexcept;

  [[nodiscard]] reseed_request make_request(std::size_t c, int retries) const;
  // The connection was lost, reopened or went quiet since the request:
  // apply nothing, retry nothing.
  [[nodiscard]] bool stale(const reseed_request& r) const noexcept;
  // Symbol k of the request had an event since: the snapshot may be older
  // than what the feed delivered. REQUIRES: !stale(r).
  [[nodiscard]] bool superseded(const reseed_request& r, std::size_t k) const noexcept;

  // Applies a snapshot to the request's symbols: stale -> nothing; each
  // superseded symbol is left alone (counted if it is invalid: it waits for
  // a frame, or one fresh request); every other one in the snapshot is
  // re-seeded if it is invalid (order_book::reseed_if_invalid: recv_ns is
  // when the request was sent, so its age is never understated).
  // on_applied(s) runs right after s is re-seeded, before the next symbol is
  // (record mode evaluates there, so a replay that applies the recorded
  // re-seeds one by one decides exactly the same).
  template <class Book, class OnApplied>
  reseed_outcome apply(const reseed_request& r, const std::vector<quote>& by_symbol,
                       const std::vector<bool>& have, Book& book, std::int64_t recv_ns,
                       OnApplied&& on_applied) const {
    reseed_outcome out;
    if (stale(r)) {
      out.stale = true;
      return out;
    }
    const std::vector<symbol_id>& syms = groups_[r.connection];
    for (std::size_t k = 0; k < syms.size(); ++k) {
      const symbol_id s = syms[k];
      if (!have[s]) continue;
      if (superseded(r, k)) {
        if (!book.read(s).valid) ++out.superseded;
        continue;
      }
      if (!book.reseed_if_invalid(by_symbol[s], recv_ns)) continue;
      out.applied.push_back(s);
      on_applied(s);
    }
    out.retry = out.superseded > 0 && r.retries_left > 0;
    return out;
  }

 private:
  std::vector<std::vector<symbol_id>> groups_;
  void touch_all(std::size_t c) noexcept;

  std::vector<std::uint64_t> epoch_;  // per connection: opens, losses, quiets
  // Per symbol: how many feed events touched it (frames attributed to it,
  // connection-wide invalidations). Any change since a request supersedes it.
  std::vector<std::uint64_t> mark_;
};

}  // namespace triarb
