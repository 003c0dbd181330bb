// seqlock: a single-writer sequence lock over N 64-bit words, the record the
// order book keeps per symbol. Readers never block the writer and never see a
// torn record: a read either returns all N words of one write, or fails and
// is retried.
//
// The protocol is abseil's absl/flags/internal/sequence_lock.h (after Boehm,
// "Can seqlocks get along with programming language memory models?"): the
// data words are relaxed atomics (so there is no data race, and TSan is
// clean), the counter is written with release and read with acquire, and the
// reader has an acquire fence before it re-checks the counter. NOT a plain
// memcpy between compiler fences (a data race in C++).
//
//   seqlock_record<7> r;                       // alignas(64): one cache line
//   r.write({1, 2, 3, 4, 5, 6, 7});            // the one writer thread
//   std::array<std::uint64_t, 7> w = r.read();  // any thread; never torn
//
// The class is a template over the atomic operations (Atomics, see
// atomic_ops.h) so the memory-model checker runs this exact code on Relacy's
// atomics, and over an Orders policy (the memory order of each operation and
// whether each fence is present) so the checker's mutants (a fence removed,
// an acquire/release weakened to relaxed) are compile-time variants of this
// code, not copies of it. Production uses the defaults.
//
// Thread safety: write() and writer_word() from one thread at a time (the
// caller guarantees a single writer; order_book checks it in debug builds).
// read() and try_read() from any number of threads, concurrently with the
// writer.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "core/atomic_ops.h"

namespace triarb {

// The memory orders of the seqlock protocol. Every field is a knob for the
// model checker's mutants; production uses exactly these values.
struct seqlock_orders {
  // Writer: counter -> odd. Relaxed: what orders it before the data stores is
  // the release fence below, not the store itself (a release store would
  // order earlier accesses before it, not the later data stores).
  static constexpr std::memory_order kWriteBegin = std::memory_order_relaxed;
  // Writer: release fence between the odd counter and the data stores.
  static constexpr bool kWriterFence = true;
  // Writer: counter -> even, after the data stores.
  static constexpr std::memory_order kWriteEnd = std::memory_order_release;
  // Reader: first load of the counter.
  static constexpr std::memory_order kReadBegin = std::memory_order_acquire;
  // Reader: acquire fence between the data loads and the re-check.
  static constexpr bool kReaderFence = true;
};

template <std::size_t N, class Atomics = std_atomics, class Orders = seqlock_orders>
class alignas(64) seqlock_record {
 public:
  static_assert(N >= 1, "a record has at least one data word");
  static constexpr std::size_t kWords = N;
  using words = std::array<std::uint64_t, N>;

  // All words zero, counter zero (even: readable).
  seqlock_record() noexcept {
    // Construction happens before the record is shared (the owner publishes
    // it, e.g. by starting the threads), so relaxed stores suffice; they are
    // explicit because a model checker's atomics start uninitialised.
    Atomics::store(seq_, std::uint64_t{0}, std::memory_order_relaxed);
    for (auto& w : data_) Atomics::store(w, std::uint64_t{0}, std::memory_order_relaxed);
  }
  seqlock_record(const seqlock_record&) = delete;
  seqlock_record& operator=(const seqlock_record&) = delete;

  // Publishes w as one unit.
  // REQUIRES: called only by the record's single writer thread.
  void write(const words& w) noexcept {
    // Only this thread stores seq_, so a relaxed load sees its own last store.
    const std::uint64_t s = Atomics::load(seq_, std::memory_order_relaxed);
    // Counter -> odd: "a write is in progress". Pairs with the reader's
    // re-load of seq_ (via the fence pair below): a reader that sees any data
    // word of this write is guaranteed to see this odd value or later.
    Atomics::store(seq_, s + 1, Orders::kWriteBegin);
    if constexpr (Orders::kWriterFence) {
      // Release fence: pairs with the reader's acquire fence. If a reader's
      // relaxed data load reads a word stored below, this fence
      // synchronizes-with the reader's fence, so the odd store above
      // happens-before the reader's re-load of seq_, which then cannot
      // return the old even value: the reader retries.
      Atomics::fence(std::memory_order_release);
    }
    // Relaxed: ordered by the fence above (against readers' re-checks) and
    // by the release store below (against readers' first loads).
    for_each_word(
        [&](std::size_t i) { Atomics::store(data_[i], w[i], std::memory_order_relaxed); });
    // Counter -> even: "write complete". Release pairs with the reader's
    // acquire first load: a reader that reads s + 2 sees every data word
    // stored above (and nothing older).
    Atomics::store(seq_, s + 2, Orders::kWriteEnd);
  }

  // Word i as the writer last wrote it.
  // REQUIRES: called only by the writer thread (it reads its own stores), i < N.
  [[nodiscard]] std::uint64_t writer_word(std::size_t i) const noexcept {
    // Pairs with nothing: only this thread stores data_[i], and a thread
    // always reads its own latest store.
    return Atomics::load(data_[i], std::memory_order_relaxed);
  }

  // One attempt: true and out = one write's words, or false (a write was in
  // progress or completed during the attempt; out is then garbage).
  [[nodiscard, gnu::always_inline]] bool try_read(words& out) const noexcept {
    // Acquire pairs with the writer's release end store: if s0 is the even
    // value of write k, every data word of write k is visible below.
    const std::uint64_t s0 = Atomics::load(seq_, Orders::kReadBegin);
    if (s0 & 1U) return false;
    // Relaxed: may read a word of a later, concurrent write; the re-check
    // below detects that.
    for_each_word(
        [&](std::size_t i) { out[i] = Atomics::load(data_[i], std::memory_order_relaxed); });
    if constexpr (Orders::kReaderFence) {
      // Acquire fence: pairs with the writer's release fence. Keeps the data
      // loads above before the re-load below, and makes the odd store of any
      // write whose data we read visible to the re-load.
      Atomics::fence(std::memory_order_acquire);
    }
    // Relaxed: ordered after the data loads by the fence above. If any data
    // load returned a word of a write that began after s0, the fence pair
    // makes that write's odd store visible here, so s1 != s0. Equal means
    // every word came from the write that published s0: out is untorn.
    const std::uint64_t s1 = Atomics::load(seq_, std::memory_order_relaxed);
    return s0 == s1;
  }

  // Retries try_read until it succeeds. Lock-free, not wait-free: a reader
  // can retry while writes keep coming, and waits while the writer is
  // mid-write (a write is N + 2 stores, never blocking).
  [[nodiscard, gnu::always_inline]] words read() const noexcept {
    words out;
    while (!try_read(out)) Atomics::spin_pause();
    return out;
  }

 private:
  // f(0), f(1), ..., f(N - 1), in that order, written out in full: the same
  // accesses in the same order as a loop. GCC -O2 kept the loops as loops,
  // and a reader copied the record through the stack a word per iteration
  // (about 6 instructions a word); unrolled, and with read() inlined, the
  // words a caller uses stay in registers.
  template <class F, std::size_t... I>
  static void for_each_word(F& f, std::index_sequence<I...>) noexcept {
    (f(I), ...);  // a comma fold: left to right
  }
  template <class F>
  static void for_each_word(F&& f) noexcept {
    for_each_word(f, std::make_index_sequence<N>{});
  }

  typename Atomics::template atomic<std::uint64_t> seq_;
  std::array<typename Atomics::template atomic<std::uint64_t>, N> data_;
};

// One symbol's record is one cache line: counter + 7 data words.
static_assert(sizeof(seqlock_record<7>) == 64, "seqlock_record<7> must fill one cache line");
static_assert(alignof(seqlock_record<7>) == 64);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

}  // namespace triarb
