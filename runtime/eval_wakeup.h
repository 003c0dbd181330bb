// eval_wakeup: how the evaluator thread waits for a dirty symbol, and how the
// feed thread wakes it. Two policies (docs/design.md, "The evaluator's
// wake-up"):
//   spin:  the evaluator busy-polls with a pause instruction and never
//          sleeps: one core at 100 % for the whole run; the feed thread pays
//          nothing (notify() returns at once). For a pinned evaluator.
//   block: the evaluator polls for spin_ns, then announces itself, re-checks
//          and blocks on a futex over the epoch word; the feed thread wakes
//          it. Idle, it costs no CPU; a wake-up costs a futex wake on the
//          feed thread and a scheduler wake-up on the evaluator's.
//
//   eval_wakeup w(wake_policy::block, 50'000, 100'000'000);
//   // feed thread, after each event that may have marked a symbol dirty:
//   dirty.mark(s);  w.notify();
//   // evaluator thread:
//   symbol_id s;
//   while (w.wait_for_work([&] { return dirty.pop(s); })) evaluate(s);
//   // shutdown (the feed thread): w.stop();  then a final drain.
//
// The protocol (an eventcount):
//   feed:       mark dirty (the dirty set's release operations)
//               B: epoch <- epoch + 1                      seq_cst
//               R: if waiting != 0: futex_wake(epoch)       seq_cst load
//   evaluator:  A: waiting <- 1                            seq_cst
//               L: e <- epoch                              seq_cst
//               C: re-check: try_take()                    acquire
//               W: futex_wait(epoch, e)  (sleeps iff epoch == e)
//               waiting <- 0
// Why no wake-up is lost. A, L, B and R are seq_cst, so they have one
// total order S, consistent with program order. Take a mark the re-check C
// did not see.
//   - L reads B's value (or later): L, an acquire load of a release store,
//     synchronizes with B, so the mark (sequenced before B) happens before C
//     and C sees it. Contradiction: this case cannot happen.
//   - L reads a value before B: then L precedes B in S, so A < L < B < R in
//     S and R reads A's 1: the feed calls futex_wake. The kernel orders
//     the wake against the wait's comparison under its hash-bucket lock: W
//     either sees epoch != e and returns, or is queued before the wake and
//     is woken.
// Remove the re-check C and the first case loses the wake-up: the feed's B
// and R ran before A (R read 0: no wake), L reads B's value, and W sleeps on
// an epoch that will not move. tests/runtime/model/eval_wakeup_model.cc
// runs this code under the Relacy memory-model checker, with that mutant and
// weakened orders, each of which it must catch.
//
// The feed thread's cost: spin policy, none. Block policy: a seq_cst store
// (B; on x86 an xchg, ~20 cycles) and a load of `waiting` per call; a
// futex_wake syscall only when the evaluator announced itself (parked, or
// about to park), never while it polls.
//
// The safety net: W has a timeout (timeout_ns). A timeout counts as a
// missed wake-up (missed_wakeups, which must stay 0) only if the evaluator
// then finds work AND the epoch is still e, the value it slept on, when read
// after finding it. Why that is the real miss: every mark is followed by a
// bump. If the epoch moved since L, the feed bumped after the evaluator
// read e: had the evaluator still been asleep, that bump's R would have
// woken it (or W would have returned at once on the changed word), so the
// work is merely the benign race of a timeout that fired just before an
// event (timeout; the feed marks, bumps, sees waiting 1 or 0 and wakes
// nobody; the evaluator finds the work) -- not counted. If the epoch is
// still e, the work was marked and either its bump came before L (so C
// should have seen the mark, or R the announcement: the protocol failed),
// or the bump has not come yet (the feed is between a mark and its notify
// at the instant the timeout ends: a window of the few instructions from
// dirty_set::mark to notify(), once per idle timeout_ns). Futex errors
// other than a timeout, EAGAIN or EINTR (EINVAL, EFAULT: a bug) are counted
// as wait_errors; the wait then ends as if woken (the loop re-checks).
//
// Template over the atomic operations (Atomics: core/atomic_ops.h's, plus
// wait(atomic<uint32_t>&, old, timeout_ns) -> wait_status, and
// notify_one(atomic<uint32_t>&)) and an Orders policy, like core/seqlock.h,
// so the model checker runs this code and its mutants.
//
// Thread safety: notify() and stop() from one thread (the feed thread: the
// epoch has one writer); wait_for_work() from one thread (the evaluator);
// counters() from any thread (relaxed).
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <string_view>

#include "core/atomic_ops.h"

namespace triarb {

enum class wake_policy : std::uint8_t { spin, block };
[[nodiscard]] constexpr std::string_view to_string(wake_policy p) noexcept {
  return p == wake_policy::spin ? "spin" : "block";
}

// How a wait ended: woken (or the word had changed already, or a spurious
// wake-up), the timeout expired, or the wait failed (the error is a bug:
// counted as wait_errors).
enum class wait_status : std::uint8_t { woken, timed_out, failed };

// std_atomics plus a futex wait with a timeout and a wake, on a 32-bit word.
struct futex_atomics : std_atomics {
  static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                std::atomic<std::uint32_t>::is_always_lock_free);
  // Sleeps while a == old, at most timeout_ns (> 0). Returns woken at once if
  // a != old already, and may return woken early (a spurious wake-up); a
  // signal (EINTR: a profiler's SIGPROF, any handler) does not end it: the
  // wait resumes to the same absolute CLOCK_MONOTONIC deadline.
  static wait_status wait(std::atomic<std::uint32_t>& a, std::uint32_t old,
                          std::int64_t timeout_ns) noexcept {
    timespec deadline{};
    if (::clock_gettime(CLOCK_MONOTONIC, &deadline) != 0) return wait_status::failed;
    const std::int64_t end_ns =
        deadline.tv_sec * std::int64_t{1'000'000'000} + deadline.tv_nsec + timeout_ns;
    deadline.tv_sec = static_cast<time_t>(end_ns / 1'000'000'000);
    deadline.tv_nsec = static_cast<long>(end_ns % 1'000'000'000);
    for (;;) {
      // The kernel compares *a with old under its hash-bucket lock, after a
      // full barrier: a wake after the value changed cannot slip in between.
      // WAIT_BITSET: the timeout is absolute (CLOCK_MONOTONIC), so a wait
      // resumed after a signal keeps its deadline.
      const long r =
          ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&a), FUTEX_WAIT_BITSET_PRIVATE, old,
                    &deadline, nullptr, FUTEX_BITSET_MATCH_ANY);
      if (r == 0) return wait_status::woken;
      switch (errno) {
        case EINTR:
          continue;
        case EAGAIN:  // a != old already
          return wait_status::woken;
        case ETIMEDOUT:
          return wait_status::timed_out;
        default:
          return wait_status::failed;
      }
    }
  }
  static void notify_one(std::atomic<std::uint32_t>& a) noexcept {
    (void)::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&a), FUTEX_WAKE_PRIVATE, 1, nullptr,
                    nullptr, 0);
  }
};

// The memory orders and steps of the protocol. Every field is a knob for the
// model checker's mutants; production uses exactly these values.
struct eval_wakeup_orders {
  static constexpr std::memory_order kBump = std::memory_order_seq_cst;       // feed: B
  static constexpr std::memory_order kSeeWaiter = std::memory_order_seq_cst;  // feed: R
  static constexpr std::memory_order kAnnounce = std::memory_order_seq_cst;   // evaluator: A
  static constexpr std::memory_order kReadEpoch = std::memory_order_seq_cst;  // evaluator: L
  static constexpr bool kRecheck = true;  // evaluator: C (false: the lost wake-up)
  // feed: R as an exchange of the announcement to 0 (one wake per wait):
  // loses wake-ups (see bump_and_wake); a knob for the model's mutant only.
  static constexpr bool kTakeAnnouncement = false;
};

// Counters: each written by one thread, read by any (relaxed).
struct eval_wakeup_counters {
  std::atomic<std::uint64_t> spin_found{0};     // polls (before blocking) that found work
  std::atomic<std::uint64_t> recheck_found{0};  // announced, then the re-check found work
  std::atomic<std::uint64_t> waits{0};          // futex waits entered
  std::atomic<std::uint64_t> wakeups{0};        // waits that returned before the timeout
  std::atomic<std::uint64_t> timeouts{0};       // waits that hit the safety-net timeout
  // Timeouts that found work with the epoch unchanged since the wait
  // began (see the file comment): must stay 0.
  std::atomic<std::uint64_t> missed_wakeups{0};
  std::atomic<std::uint64_t> wait_errors{0};  // futex waits that failed (EINVAL, EFAULT...)
  // The feed thread's counter, on a line of its own: the evaluator's
  // counters above are written while the feed thread runs.
  alignas(64) std::atomic<std::uint64_t> notifies{0};  // futex wakes the feed thread made
};

template <class Atomics = futex_atomics, class Orders = eval_wakeup_orders>
class basic_eval_wakeup {
 public:
  // spin_ns: block policy, how long to poll before blocking (0: block at
  // once). timeout_ns: the safety net of each wait.
  // REQUIRES: timeout_ns > 0, spin_ns >= 0.
  basic_eval_wakeup(wake_policy p, std::int64_t spin_ns, std::int64_t timeout_ns) noexcept
      : policy_(p), spin_ns_(spin_ns), timeout_ns_(timeout_ns) {
    // Before the object is shared (the caller starts the threads after), so
    // relaxed; explicit because model-checker atomics start uninitialised.
    Atomics::store(epoch_, std::uint32_t{0}, std::memory_order_relaxed);
    Atomics::store(waiting_, std::uint32_t{0}, std::memory_order_relaxed);
    Atomics::store(stop_, std::uint32_t{0}, std::memory_order_relaxed);
  }
  basic_eval_wakeup(const basic_eval_wakeup&) = delete;
  basic_eval_wakeup& operator=(const basic_eval_wakeup&) = delete;

  [[nodiscard]] wake_policy policy() const noexcept { return policy_; }
  [[nodiscard]] const eval_wakeup_counters& counters() const noexcept { return counters_; }

  // Feed thread, after marking dirty (or setting anything else the
  // evaluator's try_take() looks at). Spin policy: nothing to do.
  void notify() noexcept {
    if (policy_ == wake_policy::spin) return;
    bump_and_wake();
  }

  // Feed thread: wait_for_work() returns false from now on (once it has no
  // work left to take); wakes the evaluator if it is parked.
  void stop() noexcept {
    // Seq_cst like A: the re-check (which reads it) sees it, or the bump
    // below sees the announcement; same argument as for a mark.
    Atomics::store(stop_, std::uint32_t{1}, std::memory_order_seq_cst);
    bump_and_wake();
  }

  // Evaluator thread: returns true as soon as try_take() returns true
  // (tried first, at once), false when stop() was called and try_take()
  // found nothing.
  template <class TryTake>
  bool wait_for_work(TryTake&& try_take) {
    if (try_take()) return true;
    const bool spin_only = policy_ == wake_policy::spin;
    if (spin_only || spin_ns_ > 0) {
      if (poll(try_take, spin_only)) {
        count_one(counters_.spin_found);
        return true;
      }
      if (stopped()) return false;
    }
    for (;;) {
      // A: announce. Pairs (in S) with the feed's R.
      Atomics::store(waiting_, std::uint32_t{1}, Orders::kAnnounce);
      // L: the epoch to sleep on. Seq_cst: see the file comment (if it reads
      // the bump of a mark, it synchronizes with it and C sees the mark).
      const std::uint32_t e = Atomics::load(epoch_, Orders::kReadEpoch);
      if constexpr (Orders::kRecheck) {
        // C: work that arrived before the feed could see the announcement.
        if (try_take()) {
          unannounce();
          count_one(counters_.recheck_found);
          return true;
        }
        if (stopped()) {
          unannounce();
          return false;
        }
      }
      count_one(counters_.waits);
      const wait_status ws = Atomics::wait(epoch_, e, timeout_ns_);
      unannounce();
      count_one(ws == wait_status::woken       ? counters_.wakeups
                : ws == wait_status::timed_out ? counters_.timeouts
                                               : counters_.wait_errors);
      if (try_take()) {
        // A miss only if no bump came since L (see the file comment).
        if (ws == wait_status::timed_out && Atomics::load(epoch_, std::memory_order_seq_cst) == e) {
          count_one(counters_.missed_wakeups);
        }
        return true;
      }
      if (stopped()) return false;
    }
  }

 private:
  template <class TryTake>
  bool poll(TryTake& try_take, bool forever) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(spin_ns_);
    for (unsigned i = 1;; ++i) {
      Atomics::spin_pause();
      if (try_take()) return true;
      // The clock every 64 polls (a vDSO call, ~20 ns; a pause is 10-150
      // cycles depending on the CPU).
      if ((i & 63U) == 0) {
        if (stopped()) return false;
        if (!forever && std::chrono::steady_clock::now() >= until) return false;
      }
    }
  }

  void bump_and_wake() noexcept {
    // B: only this thread stores the epoch (relaxed read of its own value).
    // Seq_cst: see the file comment; it also releases the mark before it.
    const std::uint32_t e = Atomics::load(epoch_, std::memory_order_relaxed);
    Atomics::store(epoch_, e + 1, Orders::kBump);
    // R: a waiter that announced itself before B (in S) is seen here. Until
    // the woken evaluator runs and withdraws, each event wakes again (one
    // syscall per event for a scheduler latency). Taking the announcement
    // here instead (an exchange to 0) loses wake-ups: it can take a newer
    // announcement whose epoch already includes this bump, and the next bump
    // then sees no waiter (the model and the stress test both catch it).
    const bool announced =
        Orders::kTakeAnnouncement
            ? Atomics::exchange(waiting_, std::uint32_t{0}, Orders::kSeeWaiter) != 0
            : Atomics::load(waiting_, Orders::kSeeWaiter) != 0;
    if (announced) {
      Atomics::notify_one(epoch_);
      count_one(counters_.notifies);
    }
  }

  void unannounce() noexcept {
    // Relaxed: a stale 1 seen by the feed costs one needless wake, nothing
    // more; a new announcement is seq_cst again.
    Atomics::store(waiting_, std::uint32_t{0}, std::memory_order_relaxed);
  }

  [[nodiscard]] bool stopped() const noexcept {
    // Seq_cst: pairs with stop()'s store like C with a mark (see stop()).
    return Atomics::load(stop_, std::memory_order_seq_cst) != 0;
  }

  // Each counter has one writer thread (the evaluator's, or the feed's for
  // notifies): a load and a store, no read-modify-write.
  static void count_one(std::atomic<std::uint64_t>& c) noexcept {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  using word = typename Atomics::template atomic<std::uint32_t>;
  wake_policy policy_;
  std::int64_t spin_ns_;
  std::int64_t timeout_ns_;
  // One cache line per writer: the feed thread writes epoch_ (every notify)
  // and stop_ (once); the evaluator writes waiting_ (each announcement) and
  // its counters, which begin on waiting_'s line; the feed's one counter,
  // notifies, has a line of its own (alignas in eval_wakeup_counters). So a
  // feed notify never takes the line the evaluator is writing, and back.
  alignas(64) word epoch_;
  word stop_;
  alignas(64) word waiting_;
  eval_wakeup_counters counters_;
};

using eval_wakeup = basic_eval_wakeup<>;

}  // namespace triarb
