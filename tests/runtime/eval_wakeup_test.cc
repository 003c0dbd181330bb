// The evaluator's wake-up (runtime/eval_wakeup.h) on real threads and the
// real futex (labels unit and tsan: under ThreadSanitizer it must report
// nothing). The protocol itself is model-checked by
// tests/runtime/model/eval_wakeup_model.cc; here:
//   - the counters and stop() on one thread, deterministic;
//   - a stress: a feed thread marks symbols of the production dirty_set in
//     bursts with pauses (so the evaluator parks often) and notifies; the
//     evaluator blocks whenever nothing is dirty. Every write must reach the
//     evaluator, the safety-net timeout must never find work (a missed
//     wake-up), and the evaluator must really have parked. Every 32nd burst
//     the feed stops notifying and polls (a bounded count) until the
//     evaluator has seen every write: a lost wake-up would leave it parked,
//     where the next burst's notify would otherwise rescue it unseen;
//   - spin policy: the evaluator never parks and the feed never makes a
//     futex call.
// Bounded by operation count; no wall-clock assertion (the timeouts only
// bound a lost wake-up).
#include "runtime/eval_wakeup.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>

#include "core/dirty_set.h"
#include "core/seqlock.h"

namespace triarb {
namespace {

constexpr std::int64_t kMs = 1'000'000;

TEST(EvalWakeup, TakesWorkAtOnceWithoutWaiting) {
  eval_wakeup w(wake_policy::block, 0, 1000 * kMs);
  EXPECT_TRUE(w.wait_for_work([] { return true; }));
  EXPECT_EQ(w.counters().waits.load(), 0U);
}

TEST(EvalWakeup, NotifyWithoutWaiterMakesNoWake) {
  eval_wakeup w(wake_policy::block, 0, 1000 * kMs);
  for (int i = 0; i < 100; ++i) w.notify();
  EXPECT_EQ(w.counters().notifies.load(), 0U);
}

TEST(EvalWakeup, ReturnsFalseOnceStoppedAndIdle) {
  eval_wakeup w(wake_policy::block, 0, 1000 * kMs);
  w.stop();
  EXPECT_FALSE(w.wait_for_work([] { return false; }));
  eval_wakeup s(wake_policy::spin, 0, 1000 * kMs);
  s.stop();
  EXPECT_FALSE(s.wait_for_work([] { return false; }));
}

TEST(EvalWakeup, RecheckAfterAnnouncingFindsWork) {
  eval_wakeup w(wake_policy::block, 0, 1000 * kMs);
  int calls = 0;
  // Nothing on the first look; work on the re-check after announcing.
  EXPECT_TRUE(w.wait_for_work([&] { return ++calls == 2; }));
  EXPECT_EQ(w.counters().recheck_found.load(), 1U);
  EXPECT_EQ(w.counters().waits.load(), 0U);
}

TEST(EvalWakeup, TimeoutThatFindsWorkCountsAMissedWakeup) {
  // Work appears without a notify (what a lost wake-up looks like): the
  // safety net's timeout finds it and counts it.
  eval_wakeup w(wake_policy::block, 0, 1 * kMs);
  int calls = 0;
  EXPECT_TRUE(w.wait_for_work([&] { return ++calls == 3; }));
  EXPECT_EQ(w.counters().waits.load(), 1U);
  EXPECT_EQ(w.counters().timeouts.load(), 1U);
  EXPECT_EQ(w.counters().missed_wakeups.load(), 1U);
}

TEST(EvalWakeup, TimeoutAfterWhichTheFeedBumpedIsNoMissedWakeup) {
  // The benign race: the timeout fires, then (before the evaluator looks)
  // the feed marks and notifies; its bump moved the epoch, so the feed did
  // its part: a timeout, but no missed wake-up.
  eval_wakeup w(wake_policy::block, 0, 1 * kMs);
  int calls = 0;
  EXPECT_TRUE(w.wait_for_work([&] {
    if (++calls < 3) return false;
    w.notify();  // the feed's mark + notify, just after the timeout
    return true;
  }));
  EXPECT_EQ(w.counters().timeouts.load(), 1U);
  EXPECT_EQ(w.counters().missed_wakeups.load(), 0U);
  EXPECT_EQ(w.counters().wait_errors.load(), 0U);
}

extern "C" void ignore_signal(int) {}

TEST(EvalWakeup, SignalsDoNotCutTheWaitShort) {
  // A profiler's signals (EINTR) arrive while the evaluator waits: the wait
  // must still end by its timeout, not as a wake-up. Another thread sends
  // SIGUSR1 (an empty handler, no SA_RESTART) to this one until the wait
  // returned.
  struct sigaction sa {
  }, old{};
  sa.sa_handler = ignore_signal;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);
  eval_wakeup w(wake_policy::block, 0, 20 * kMs);
  const pthread_t me = pthread_self();
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> sent{0};
  std::thread pester([&] {
    while (!done.load()) {
      // Only once the wait began (waits is counted just before the futex).
      if (w.counters().waits.load() > 0) {
        (void)pthread_kill(me, SIGUSR1);
        sent.fetch_add(1);
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  int calls = 0;
  const bool took = w.wait_for_work([&] { return ++calls == 3; });
  done.store(true);
  pester.join();
  sigaction(SIGUSR1, &old, nullptr);
  EXPECT_TRUE(took);
  EXPECT_GT(sent.load(), 0U);
  EXPECT_EQ(w.counters().waits.load(), 1U);
  EXPECT_EQ(w.counters().timeouts.load(), 1U) << "signals sent: " << sent.load();
  EXPECT_EQ(w.counters().wakeups.load(), 0U);
  EXPECT_EQ(w.counters().missed_wakeups.load(), 1U);
}

// Whether thread `tid` is blocked in the futex system call (Linux:
// /proc/self/task/<tid>/syscall starts with the syscall's number while the
// thread sleeps in it).
bool in_futex(pid_t tid) {
  std::ifstream f("/proc/self/task/" + std::to_string(tid) + "/syscall");
  long nr = -1;
  f >> nr;
  return f && nr == SYS_futex;
}

TEST(EvalWakeup, StopWakesAParkedEvaluator) {
  eval_wakeup w(wake_policy::block, 0, 60'000 * kMs);  // only stop() can end the wait
  std::atomic<pid_t> tid{0};
  std::thread eval([&] {
    tid.store(static_cast<pid_t>(::syscall(SYS_gettid)));
    EXPECT_FALSE(w.wait_for_work([] { return false; }));
  });
  while (w.counters().waits.load() == 0) std::this_thread::yield();
  // waits is counted just before the syscall: wait until the thread really
  // sleeps in it (bounded by a count of polls; a parked thread stays put).
  bool parked = false;
  for (int i = 0; i < 100'000 && !parked; ++i) {
    parked = in_futex(tid.load());
    if (!parked) std::this_thread::yield();
  }
  EXPECT_TRUE(parked) << "the evaluator never slept in the futex";
  w.stop();
  eval.join();
  EXPECT_EQ(w.counters().timeouts.load(), 0U);
  EXPECT_GE(w.counters().wakeups.load(), 1U);  // stop()'s (a spurious one may precede it)
}

constexpr symbol_id kSymbols = 16;

struct stress_result {
  std::uint64_t lost = 0, regressions = 0;
  // Catch-up phases: the feed stopped notifying and polled until the
  // evaluator had seen every write; stalls: phases in which it had not
  // after kCatchUpPolls polls (a wake-up lost, the evaluator parked).
  std::uint64_t catch_ups = 0, stalls = 0;
};

// A bound on a catch-up phase by a count of polls of 50 us each (over a
// second), far below the stress tests' safety-net timeout (20 s), so a
// parked evaluator is found stalled before the timeout could rescue it.
constexpr int kCatchUpPolls = 20'000;

// The feed writes `bursts` bursts of up to 8 writes (symbol, update id in a
// one-word seqlock record), marking and notifying after each, and pauses
// between bursts (yield or a short sleep) so the evaluator runs dry and
// parks; every 32nd burst it then waits, without notifying again, until the
// evaluator has seen every write: a lost wake-up leaves it parked (the
// next notify would hide it). Then stop(). The evaluator takes dirty
// symbols through wait_for_work until stopped, then drains.
template <class Wakeup>
stress_result stress(Wakeup& w, int bursts) {
  std::array<seqlock_record<1>, kSymbols> book;
  dirty_set dirty(kSymbols);
  std::array<std::uint64_t, kSymbols> last{};
  std::array<std::atomic<std::uint64_t>, kSymbols> seen{};  // evaluator writes, feed reads
  stress_result r;
  const auto take = [&] {
    symbol_id s;
    if (!dirty.pop(s)) return false;
    const std::uint64_t u = book[s].read()[0];
    if (u < seen[s].load(std::memory_order_relaxed)) ++r.regressions;
    seen[s].store(u, std::memory_order_release);
    return true;
  };
  const auto caught_up = [&] {
    for (symbol_id s = 0; s < kSymbols; ++s) {
      if (seen[s].load(std::memory_order_acquire) != last[s]) return false;
    }
    return true;
  };
  std::thread eval([&] {
    while (w.wait_for_work(take)) {
    }
  });
  std::uint64_t x = 12345;
  for (int b = 0; b < bursts; ++b) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const unsigned n = 1 + static_cast<unsigned>((x >> 33) % 8);
    for (unsigned i = 0; i < n; ++i) {
      const auto s = static_cast<symbol_id>((x >> (40 + i)) % kSymbols);
      book[s].write({++last[s]});
      dirty.mark(s);
      w.notify();
    }
    if (b % 32 == 31) {
      ++r.catch_ups;
      int polls = 0;
      while (!caught_up() && polls < kCatchUpPolls) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
        ++polls;
      }
      if (!caught_up()) ++r.stalls;
      continue;
    }
    switch ((x >> 20) % 4) {
      case 0:
        std::this_thread::sleep_for(std::chrono::microseconds(20));
        break;
      case 1:
        std::this_thread::yield();
        break;
      default:
        break;  // back to back
    }
  }
  w.stop();
  eval.join();
  while (take()) {
  }
  for (symbol_id s = 0; s < kSymbols; ++s) r.lost += seen[s].load() != last[s] ? 1 : 0;
  return r;
}

TEST(EvalWakeup, BlockStressLosesNoWakeup) {
  // A lost wake-up leaves the evaluator parked: a catch-up phase finds it
  // stalled (the 20 s safety net is far off), and if a timeout ever ran out
  // it shows as timeouts and missed_wakeups.
  eval_wakeup w(wake_policy::block, 0, 20'000 * kMs);
  const stress_result r = stress(w, 20'000);
  const eval_wakeup_counters& c = w.counters();
  EXPECT_EQ(r.lost, 0U);
  EXPECT_EQ(r.regressions, 0U);
  EXPECT_GT(r.catch_ups, 0U);
  EXPECT_EQ(r.stalls, 0U);
  EXPECT_EQ(c.timeouts.load(), 0U);
  EXPECT_EQ(c.missed_wakeups.load(), 0U);
  EXPECT_GT(c.waits.load(), 0U);     // the evaluator really parked
  EXPECT_GT(c.notifies.load(), 0U);  // and was woken by the feed
  std::printf("block: catch-ups %llu stalls %llu\n", static_cast<unsigned long long>(r.catch_ups),
              static_cast<unsigned long long>(r.stalls));
  std::printf("block: waits %llu wakeups %llu notifies %llu recheck_found %llu timeouts %llu\n",
              static_cast<unsigned long long>(c.waits.load()),
              static_cast<unsigned long long>(c.wakeups.load()),
              static_cast<unsigned long long>(c.notifies.load()),
              static_cast<unsigned long long>(c.recheck_found.load()),
              static_cast<unsigned long long>(c.timeouts.load()));
}

// The protocol's windows widened: a yield after every other seq_cst store
// of a word (the evaluator's announcement A, before it reads the epoch; the
// feed's bump B, before it looks for a waiter), so the interleavings a lost
// wake-up needs happen often on real threads (as the model explores them).
struct widened_atomics : futex_atomics {
  template <class T>
  static void store(std::atomic<T>& a, T v, std::memory_order mo) noexcept {
    futex_atomics::store(a, v, mo);
    thread_local unsigned n = 0;
    if (mo == std::memory_order_seq_cst && (++n & 1U) == 0) std::this_thread::yield();
  }
};

TEST(EvalWakeup, BlockStressWithWidenedWindowsLosesNoWakeup) {
  basic_eval_wakeup<widened_atomics> w(wake_policy::block, 0, 20'000 * kMs);
  const stress_result r = stress(w, 10'000);
  EXPECT_EQ(r.lost, 0U);
  EXPECT_EQ(r.regressions, 0U);
  EXPECT_EQ(r.stalls, 0U);
  EXPECT_EQ(w.counters().timeouts.load(), 0U);
  EXPECT_GT(w.counters().waits.load(), 0U);
}

TEST(EvalWakeup, BlockWithSpinStressLosesNoWakeup) {
  eval_wakeup w(wake_policy::block, 5'000, 20'000 * kMs);  // polls 5 us before parking
  const stress_result r = stress(w, 20'000);
  EXPECT_EQ(r.lost, 0U);
  EXPECT_EQ(r.regressions, 0U);
  EXPECT_EQ(r.stalls, 0U);
  EXPECT_EQ(w.counters().timeouts.load(), 0U);
  EXPECT_EQ(w.counters().missed_wakeups.load(), 0U);
}

TEST(EvalWakeup, SpinNeverParksAndFeedNeverWakes) {
  eval_wakeup w(wake_policy::spin, 0, 20 * kMs);
  const stress_result r = stress(w, 5'000);
  EXPECT_EQ(r.lost, 0U);
  EXPECT_EQ(r.regressions, 0U);
  EXPECT_EQ(r.stalls, 0U);
  EXPECT_EQ(w.counters().waits.load(), 0U);
  EXPECT_EQ(w.counters().notifies.load(), 0U);  // no futex call from the feed thread
}

}  // namespace
}  // namespace triarb
