// dirty_set: the hand-off of "this symbol changed" from the feed thread to the
// evaluator thread. The feed thread marks a symbol after it writes or
// invalidates the symbol in the order book; the evaluator thread pops dirty
// symbols and reads their snapshots. A symbol marked many times before the
// evaluator gets to it is queued once, and the evaluator then reads its
// latest state: updates coalesce, none is lost.
//
//   dirty_set dirty(n_symbols);
//   // feed thread
//   if (book.write(q, recv_ns) == write_outcome::applied) dirty.mark(q.symbol);
//   // evaluator thread
//   dirty.drain([&](symbol_id s) { evaluate_triangles_of(s, book.read(s)); });
//
// Synchronous use (replay, tests): mark() and drain() from the same thread
// works the same way.
//
// Design: a per-symbol atomic flag plus a bounded single-producer
// single-consumer ring of symbol ids. A symbol is pushed only by the mark
// that flips its flag false -> true, and the flag goes back to false only
// after the symbol was popped, so each id is in the ring at most once and a
// ring of capacity >= n_symbols never overflows.
//
// Why both flag operations are read-modify-writes (acq_rel exchanges):
//   feed:      book.write(s)  ; old = flag[s].exchange(true)  ; if !old push(s)
//   evaluator: pop() -> s     ; flag[s].exchange(false)       ; book.read(s)
// The flag's modification order puts the feed's exchange(true) (call it M)
// and the evaluator's exchange(false) (call it C) in some order:
//   - C before M: M reads false (C's value or a later false) and pushes s
//     again, so the evaluator will pop s and read the new write later.
//   - M before C: C reads true from M (or from a later mark) and, being an
//     acquire RMW reading a release RMW, synchronizes with it, so
//     book.write(s) happens-before the evaluator's book.read(s) that follows
//     C: the read sees that write (or a newer one).
// Either way the write is seen. If C were a plain store, it reads nothing:
// M can read true (the previous mark, before C in modification order) and
// skip the push while the evaluator's read, not synchronized with M, returns
// the old record: the store-buffering pattern, and the update is lost until
// the symbol's next frame. tests/model/ shows the model checker finds exactly
// that.
//
// The class is a template over the atomic operations and an Orders policy,
// like seqlock_record, so the model checker runs this code and its mutants.
//
// Thread safety: mark() from one producer thread (the book's writer thread);
// pop() and drain() from one consumer thread. The two may be the same thread.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/atomic_ops.h"
#include "core/quote.h"

namespace triarb {

struct dirty_set_orders {
  // Feed side: flag exchange(true) after the book write.
  static constexpr std::memory_order kMark = std::memory_order_acq_rel;
  // Evaluator side: true = flag exchange(false) (an RMW); false = a plain
  // store (the store-buffering bug, for the model checker only).
  static constexpr bool kClearIsExchange = true;
  static constexpr std::memory_order kClear = std::memory_order_acq_rel;
};

template <class Atomics = std_atomics, class Orders = dirty_set_orders>
class basic_dirty_set {
 public:
  // REQUIRES: 0 < n_symbols < 2^31.
  explicit basic_dirty_set(std::size_t n_symbols)
      : n_(n_symbols),
        mask_(std::bit_ceil(n_symbols) - 1),
        flags_(std::make_unique<flag[]>(n_symbols)),
        slots_(std::make_unique<slot[]>(mask_ + 1)) {
    // Before the set is shared (publication is the caller's, e.g. starting
    // the threads), so relaxed; explicit because model-checker atomics start
    // uninitialised.
    for (std::size_t i = 0; i < n_; ++i) Atomics::store(flags_[i], 0U, std::memory_order_relaxed);
    for (std::size_t i = 0; i <= mask_; ++i)
      Atomics::store(slots_[i], 0U, std::memory_order_relaxed);
    Atomics::store(tail_.v, std::uint64_t{0}, std::memory_order_relaxed);
    Atomics::store(head_.v, std::uint64_t{0}, std::memory_order_relaxed);
  }

  [[nodiscard]] std::size_t size() const noexcept { return n_; }

  // Marks s dirty. Call after the book write/invalidation of s. Returns true
  // if s was queued, false if it was already queued (and not yet popped).
  // REQUIRES: producer thread; s < size().
  bool mark(symbol_id s) noexcept {
    // acq_rel RMW. Release: pairs with the evaluator's acquire exchange(false)
    // in pop(), which then sees the book write made before this mark.
    // Acquire: pairs with that exchange(false)'s release, so when this reads
    // false the evaluator's pop of s (and its slot read) happened before the
    // push below. RMW: see the file comment (must read the latest value).
    const std::uint32_t was = Atomics::exchange(flags_[s], 1U, Orders::kMark);
    if (was != 0U) return false;
    push(s);
    return true;
  }

  // Takes one dirty symbol and clears its flag; read its snapshot after this
  // returns (not before). False when nothing is dirty.
  // REQUIRES: consumer thread.
  [[nodiscard]] bool pop(symbol_id& out) noexcept {
    const std::uint64_t h = Atomics::load(head_.v, std::memory_order_relaxed);  // own variable
    if (h == tail_cache_) {
      // Acquire pairs with push()'s release store of tail_: the slot written
      // before it is visible.
      tail_cache_ = Atomics::load(tail_.v, std::memory_order_acquire);
      if (h == tail_cache_) return false;
    }
    // Relaxed: ordered by the tail_ acquire above.
    out = Atomics::load(slots_[h & mask_], std::memory_order_relaxed);
    // Release pairs with push()'s acquire load of head_: the slot is read
    // before the producer may reuse it.
    Atomics::store(head_.v, h + 1, std::memory_order_release);
    if constexpr (Orders::kClearIsExchange) {
      // acq_rel RMW, after the pop and before the caller reads the book.
      // Acquire: pairs with the release of the mark() whose value it reads,
      // so that mark's book write is visible to the caller's read. Release:
      // pairs with the next mark()'s acquire (see mark()). RMW: see the file
      // comment: a plain store here loses updates.
      Atomics::exchange(flags_[out], 0U, Orders::kClear);
    } else {
      Atomics::store(flags_[out], 0U, Orders::kClear);  // the mutant: loses updates
    }
    return true;
  }

  // pop()s until empty, calling f(symbol) for each; returns how many.
  // Symbols marked during the drain are popped in the same drain.
  // REQUIRES: consumer thread.
  template <class F>
  std::size_t drain(F&& f) {
    std::size_t n = 0;
    symbol_id s;
    while (pop(s)) {
      f(s);
      ++n;
    }
    return n;
  }

 private:
  using flag = typename Atomics::template atomic<std::uint32_t>;
  using slot = typename Atomics::template atomic<std::uint32_t>;
  struct alignas(64) counter {
    typename Atomics::template atomic<std::uint64_t> v;
  };

  void push(symbol_id s) noexcept {
    const std::uint64_t t = Atomics::load(tail_.v, std::memory_order_relaxed);  // own variable
    if (t - head_cache_ > mask_) {
      // Acquire pairs with pop()'s release store of head_: the consumer has
      // read the slot we are about to overwrite.
      head_cache_ = Atomics::load(head_.v, std::memory_order_acquire);
      if (t - head_cache_ > mask_) {
        // Cannot happen: each id is queued at most once (see the file
        // comment) and the ring holds >= size() ids.
        // (Under the model checker, the flag orders weakened to relaxed do
        // break it: the producer sees a cleared flag but a stale head_.)
        Atomics::invariant_failed("dirty_set: ring overflow (more than one producer?)");
        return;
      }
    }
    // Relaxed: published by the release store of tail_ below.
    Atomics::store(slots_[t & mask_], s, std::memory_order_relaxed);
    // Release pairs with pop()'s acquire load of tail_.
    Atomics::store(tail_.v, t + 1, std::memory_order_release);
  }

  std::size_t n_;
  std::size_t mask_;  // ring capacity - 1; capacity = bit_ceil(n) >= n
  std::unique_ptr<flag[]> flags_;
  std::unique_ptr<slot[]> slots_;
  counter tail_;                  // written by the producer
  std::uint64_t head_cache_ = 0;  // producer's view of head_
  counter head_;                  // written by the consumer
  std::uint64_t tail_cache_ = 0;  // consumer's view of tail_
};

using dirty_set = basic_dirty_set<>;

}  // namespace triarb
