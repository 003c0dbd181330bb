// order_book: the top of book of every symbol, with per-symbol validity, as
// the feed thread writes it and the evaluator thread reads it (docs/design.md, contract 2).
//
// Each symbol is one seqlock_record (one cache line) holding bid, bid qty,
// ask, ask qty, update id, receive time and the flags (valid, qty_capped,
// has_frame, reseeded).
// Validity lives in the same record as the prices, so a reader's
// book_snapshot is one consistent read: "may I use it" and "what is the
// price" can never come from two different frames.
//
//   order_book book(universe_size);
//   switch (book.write(q, recv_ns)) {            // feed thread
//     case write_outcome::applied: dirty.mark(q.symbol); break;
//     case write_outcome::stale_dropped: t.feed.add(feed_counter::stale_dropped); break;
//     case write_outcome::duplicate_dropped: t.feed.add(feed_counter::duplicate_dropped); break;
//   }
//   if (book.invalidate(s) == invalidate_outcome::invalidated) dirty.mark(s);
//   book_snapshot snap = book.read(s);            // evaluator thread, never torn
//
// Rules:
// - Update ids never go backwards. A frame whose update id is not newer than
//   the stored one is dropped: older -> stale_dropped, equal ->
//   duplicate_dropped. This holds while the symbol is invalid too: a
//   duplicate (or older copy) of the last good frame does NOT revalidate a
//   symbol whose latest frame failed. Only a newer good frame does (or a
//   REST re-seed, reseed_if_invalid() below, which keeps the update id).
// - A re-seeded record says so: its snapshot has reseeded set, meaning "these
//   prices came from a REST snapshot, not from frame update_id" (the id is
//   only the newest frame seen, kept so ids never go backwards). The next
//   applied frame clears it; invalidate() keeps it (the data is unchanged).
// - The first frame of a symbol is applied whatever its id.
// - invalidate() keeps the data and the update id, and clears valid, as one
//   seqlock write.
// - The book counts nothing: it returns outcomes and the caller (the feed
//   pipeline, which owns telemetry's feed counters) counts them, so the book
//   stays usable from the model checker and the benchmarks.
//
// Thread safety: one writer thread per book (the feed thread; in replay, the
// one replay thread) calls write(), invalidate() and invalidate_all(). With
// CheckWriter (the default in builds without NDEBUG) the first mutating call
// records its thread and any later mutating call from another thread aborts
// with "order_book: second writer thread". read() and try_read() may be
// called from any thread at any time. size() from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <thread>

#include "core/atomic_ops.h"
#include "core/book_snapshot.h"
#include "core/quote.h"
#include "core/seqlock.h"

namespace triarb {

enum class write_outcome : std::uint8_t {
  applied,            // stored; the symbol is valid
  stale_dropped,      // update id older than the stored one; nothing changed
  duplicate_dropped,  // update id equal to the stored one; nothing changed
};

enum class invalidate_outcome : std::uint8_t {
  invalidated,      // was valid, now invalid (one seqlock write)
  already_invalid,  // nothing to do; nothing written
};

#ifdef NDEBUG
inline constexpr bool kCheckSingleWriter = false;
#else
inline constexpr bool kCheckSingleWriter = true;
#endif

namespace internal {

// The words of one symbol's record.
enum book_word : std::size_t {
  kBid,
  kBidQty,
  kAsk,
  kAskQty,
  kUpdateId,
  kRecvNs,
  kFlags,
  kBookWords,
};
inline constexpr std::uint64_t kFlagValid = 1;      // the latest frame was good
inline constexpr std::uint64_t kFlagQtyCapped = 2;  // a quantity was capped
inline constexpr std::uint64_t kFlagHasFrame = 4;   // a frame was ever applied
// The data came from reseed_if_invalid (REST, no update id), not from the
// frame named by the update id word. Set only by reseed_if_invalid; every
// applied frame rewrites the whole flags word without it.
inline constexpr std::uint64_t kFlagReseeded = 8;

// Records the first mutating thread; aborts on a mutation from another one.
template <bool Enabled>
class writer_check {
 public:
  void check() noexcept {}
};

template <>
class writer_check<true> {
 public:
  void check() noexcept {
    const std::thread::id me = std::this_thread::get_id();
    std::thread::id expected{};
    // Relaxed: the id is only compared, it publishes nothing. The CAS makes
    // the first writer win even if two threads race on the first write.
    if (owner_.compare_exchange_strong(expected, me, std::memory_order_relaxed)) return;
    if (expected != me) {
      std::fputs("order_book: second writer thread (contract 2: one writer per book)\n", stderr);
      std::abort();
    }
  }

 private:
  std::atomic<std::thread::id> owner_{};
};

}  // namespace internal

template <class Atomics = std_atomics, class Orders = seqlock_orders,
          bool CheckWriter = kCheckSingleWriter>
class basic_order_book {
 public:
  using record = seqlock_record<internal::kBookWords, Atomics, Orders>;

  // All symbols invalid, never written, update id 0. Allocates n records.
  explicit basic_order_book(std::size_t n_symbols)
      : n_(n_symbols), records_(std::make_unique<record[]>(n_symbols)) {}

  [[nodiscard]] std::size_t size() const noexcept { return n_; }

  // Applies q unless its update id is not newer than the stored one.
  // REQUIRES: writer thread; q.symbol < size().
  [[nodiscard]] write_outcome write(const quote& q, std::int64_t recv_ns) noexcept {
    check_.check();
    record& r = records_[q.symbol];
    if (r.writer_word(internal::kFlags) & internal::kFlagHasFrame) {
      const std::uint64_t stored = r.writer_word(internal::kUpdateId);
      if (q.update_id < stored) return write_outcome::stale_dropped;
      if (q.update_id == stored) return write_outcome::duplicate_dropped;
    }
    // The flags word is rebuilt from scratch, so an applied frame clears
    // kFlagReseeded in the same seqlock write that stores its prices.
    std::uint64_t flags = internal::kFlagValid | internal::kFlagHasFrame;
    if (q.qty_capped) flags |= internal::kFlagQtyCapped;
    r.write({as_word(q.bid.raw()), as_word(q.bid_qty.raw()), as_word(q.ask.raw()),
             as_word(q.ask_qty.raw()), q.update_id, as_word(recv_ns), flags});
    return write_outcome::applied;
  }

  // Marks s invalid until its next applied frame; keeps its data and update id.
  // REQUIRES: writer thread; s < size().
  invalidate_outcome invalidate(symbol_id s) noexcept {
    check_.check();
    record& r = records_[s];
    const std::uint64_t flags = r.writer_word(internal::kFlags);
    if (!(flags & internal::kFlagValid)) return invalidate_outcome::already_invalid;
    typename record::words w;
    for (std::size_t i = 0; i < internal::kBookWords; ++i) w[i] = r.writer_word(i);
    w[internal::kFlags] = flags & ~internal::kFlagValid;
    r.write(w);
    return invalidate_outcome::invalidated;
  }

  // As invalidate(s), for a frame that failed after its update id was read:
  // the stored update id rises to failed_update_id (if higher), so neither
  // that frame's id nor any older one is accepted later -- a clean copy of an
  // older frame, delivered after the failure, is not current either. The
  // data stays, invalid. A corrupt huge id keeps the symbol invalid until a
  // frame newer than it: safe, never wrong; stale_dropped shows it.
  // REQUIRES: writer thread; s < size().
  invalidate_outcome invalidate(symbol_id s, std::uint64_t failed_update_id) noexcept {
    check_.check();
    record& r = records_[s];
    const std::uint64_t flags = r.writer_word(internal::kFlags);
    const bool has_frame = (flags & internal::kFlagHasFrame) != 0;
    const bool raise = !has_frame || failed_update_id > r.writer_word(internal::kUpdateId);
    const bool was_valid = (flags & internal::kFlagValid) != 0;
    if (!was_valid && !raise) return invalidate_outcome::already_invalid;
    typename record::words w;
    for (std::size_t i = 0; i < internal::kBookWords; ++i) w[i] = r.writer_word(i);
    w[internal::kFlags] = (flags & ~internal::kFlagValid) | internal::kFlagHasFrame;
    if (raise) w[internal::kUpdateId] = failed_update_id;
    r.write(w);
    return was_valid ? invalidate_outcome::invalidated : invalidate_outcome::already_invalid;
  }

  // Re-seed from a snapshot that carries no update id (REST bookTicker after
  // a reconnect): writes q's prices and quantities and marks s valid ONLY if
  // s is currently invalid; the stored update id is kept (q.update_id is
  // ignored), so any newer WebSocket frame still applies afterwards, and the
  // has-frame flag is left as it was (a never-written symbol still accepts
  // its first frame whatever its id). The reseeded flag is set in the same
  // seqlock write, so a reader sees the REST prices and "reseeded" together,
  // never one without the other. Returns true if it wrote.
  //
  // Why only when invalid: the connection layer invalidates a connection's
  // symbols when it drops, then subscribes again, then fetches the snapshot.
  // A WS frame that arrived after the invalidation already revalidated its
  // symbol with data at least as new as the snapshot's moment of request
  // (frames are applied in order on this one writer thread), and an older
  // REST snapshot must not overwrite it. A symbol still invalid has nothing
  // newer than the snapshot, so the snapshot is the best we know.
  // REQUIRES: writer thread; q.symbol < size().
  [[nodiscard]] bool reseed_if_invalid(const quote& q, std::int64_t recv_ns) noexcept {
    check_.check();
    record& r = records_[q.symbol];
    const std::uint64_t flags = r.writer_word(internal::kFlags);
    if (flags & internal::kFlagValid) return false;
    std::uint64_t next =
        (flags & internal::kFlagHasFrame) | internal::kFlagValid | internal::kFlagReseeded;
    if (q.qty_capped) next |= internal::kFlagQtyCapped;
    r.write({as_word(q.bid.raw()), as_word(q.bid_qty.raw()), as_word(q.ask.raw()),
             as_word(q.ask_qty.raw()), r.writer_word(internal::kUpdateId), as_word(recv_ns), next});
    return true;
  }

  // invalidate() for each symbol (e.g. every symbol of a dropped connection);
  // returns how many were valid and are now invalid.
  // REQUIRES: writer thread; every s < size().
  std::size_t invalidate_all(std::span<const symbol_id> symbols) noexcept {
    std::size_t n = 0;
    for (symbol_id s : symbols) n += invalidate(s) == invalidate_outcome::invalidated ? 1U : 0U;
    return n;
  }

  // One consistent snapshot of s: never torn, validity from the same write
  // as the prices. Retries while a write of s is in progress.
  // REQUIRES: s < size(). Any thread.
  // Always inlined: the evaluator's three reads a triangle then keep only the
  // words they use in registers (GCC -O2 calls it out of line otherwise).
  [[nodiscard, gnu::always_inline]] book_snapshot read(symbol_id s) const noexcept {
    return to_snapshot(records_[s].read());
  }

  // One attempt at read(): false if a write of s overlapped it (out is then
  // unspecified). For callers that must not spin (and the model checker).
  // REQUIRES: s < size(). Any thread.
  [[nodiscard]] bool try_read(symbol_id s, book_snapshot& out) const noexcept {
    typename record::words w;
    if (!records_[s].try_read(w)) return false;
    out = to_snapshot(w);
    return true;
  }

 private:
  static constexpr std::uint64_t as_word(std::int64_t v) noexcept {
    return static_cast<std::uint64_t>(v);
  }
  static constexpr std::int64_t as_int(std::uint64_t v) noexcept {
    return static_cast<std::int64_t>(v);
  }
  static book_snapshot to_snapshot(const typename record::words& w) noexcept {
    book_snapshot b;
    b.bid = fixed8::from_raw(as_int(w[internal::kBid]));
    b.bid_qty = fixed8::from_raw(as_int(w[internal::kBidQty]));
    b.ask = fixed8::from_raw(as_int(w[internal::kAsk]));
    b.ask_qty = fixed8::from_raw(as_int(w[internal::kAskQty]));
    b.update_id = w[internal::kUpdateId];
    b.recv_ns = as_int(w[internal::kRecvNs]);
    b.valid = (w[internal::kFlags] & internal::kFlagValid) != 0;
    b.qty_capped = (w[internal::kFlags] & internal::kFlagQtyCapped) != 0;
    b.reseeded = (w[internal::kFlags] & internal::kFlagReseeded) != 0;
    return b;
  }

  std::size_t n_;
  std::unique_ptr<record[]> records_;
  [[no_unique_address]] internal::writer_check<CheckWriter> check_;
};

using order_book = basic_order_book<>;

}  // namespace triarb
