// Memory-model check (Relacy) of the evaluator's wake-up protocol
// (runtime/eval_wakeup.h), the production code on Relacy's atomics, and of
// mutants of it that must fail (ctest label `model`).
//
//   eval_wakeup_model <variant> [iterations]
//
// exits 0 iff Relacy's verdict is the expected one: "success" for the real
// code (variants wakeup, wakeup_stop), a reported failure for every mutant.
// The futex is Relacy's: the wait compares the word after a seq_cst fence
// and parks the thread until a wake (no timeout, so a lost wake-up leaves
// the evaluator parked for ever: Relacy reports a deadlock once the feed
// thread is done).
//
// Scenarios (block policy, no spinning: the evaluator announces itself at
// once, the most exposed case):
//   wakeup:      the feed thread writes two symbols three times each (a
//                one-word seqlock record per symbol, the update id), marks
//                each in the production dirty_set and calls notify(); the
//                evaluator pops and reads until it has seen the last write
//                of both, waiting through wait_for_work() whenever nothing
//                is dirty. It can finish only if no wake-up is lost.
//   wakeup_stop: the same feed, then stop(); the evaluator runs until
//                wait_for_work() returns false, then drains once more: it
//                must have seen the last writes, and stop() must wake it.
// Mutants: no_recheck (the re-check after announcing removed),
// announce_relaxed, see_waiter_relaxed, bump_relaxed, read_epoch_acquire
// (L acquire: A's store and L's load may reorder), take_announcement (the
// feed exchanges the announcement to 0 instead of reading it: it can take a
// newer announcement whose epoch already includes its bump).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "core/dirty_set.h"
#include "core/seqlock.h"
#include "runtime/eval_wakeup.h"

// Relacy after every standard and production header (see book_model.cc).
#include <relacy/relacy.hpp>

#include "relacy_atomics.h"

namespace triarb::model {
namespace {

// relacy_atomics plus the futex, modelled as Relacy models FUTEX_WAIT and
// FUTEX_WAKE (relacy/stdlib/pthread.hpp): a seq_cst fence, then the
// comparison and the park with preemption disabled; the wake after a seq_cst
// fence. The timeout is not modelled: a wait ends only by a wake (or a
// spurious wake-up, which Relacy may inject and the protocol tolerates).
struct relacy_wait_atomics : relacy_atomics {
  static wait_status wait(rl::atomic<std::uint32_t>& a, std::uint32_t old,
                          std::int64_t /*timeout_ns*/,
                          std::source_location l = std::source_location::current()) {
    rl::context& c = rl::ctx();
    c.sched();
    c.atomic_thread_fence_seq_cst();
    std::uint32_t v = 0;
    {
      rl::preemption_disabler pd(c);
      v = a.load(rl::mo_acquire, info(l));
    }
    if (v != old) return wait_status::woken;
    (void)a.wait(c, /*is_timed=*/false, /*allow_spurious_wakeup=*/true, info(l));
    return wait_status::woken;
  }
  static void notify_one(rl::atomic<std::uint32_t>& a,
                         std::source_location l = std::source_location::current()) {
    rl::context& c = rl::ctx();
    c.sched();
    c.atomic_thread_fence_seq_cst();
    (void)a.wake(c, 1, info(l));
  }
};

// ---- mutants (compile-time variants of the production protocol) ----------

struct no_recheck : eval_wakeup_orders {
  static constexpr bool kRecheck = false;
};
struct announce_relaxed : eval_wakeup_orders {
  static constexpr std::memory_order kAnnounce = std::memory_order::relaxed;
};
struct see_waiter_relaxed : eval_wakeup_orders {
  static constexpr std::memory_order kSeeWaiter = std::memory_order::relaxed;
};
struct bump_relaxed : eval_wakeup_orders {
  static constexpr std::memory_order kBump = std::memory_order::relaxed;
};
struct read_epoch_acquire : eval_wakeup_orders {
  static constexpr std::memory_order kReadEpoch = std::memory_order::acquire;
};
struct take_announcement : eval_wakeup_orders {
  static constexpr bool kTakeAnnouncement = true;
};

constexpr std::uint64_t kWrites = 3;
constexpr symbol_id kSymbols = 2;

template <class Orders, bool Stop>
struct wakeup_test : rl::test_suite<wakeup_test<Orders, Stop>, 2> {
  using record = seqlock_record<1, relacy_atomics>;
  using wakeup = basic_eval_wakeup<relacy_wait_atomics, Orders>;
  // On the heap: Relacy mallocs the test object (16-byte aligned) and these
  // are alignas(64).
  std::unique_ptr<std::array<record, kSymbols>> records =
      std::make_unique<std::array<record, kSymbols>>();
  std::array<record, kSymbols>& book = *records;
  std::unique_ptr<basic_dirty_set<relacy_atomics>> dirty_owner =
      std::make_unique<basic_dirty_set<relacy_atomics>>(kSymbols);
  basic_dirty_set<relacy_atomics>& dirty = *dirty_owner;
  std::unique_ptr<wakeup> wake_owner =
      std::make_unique<wakeup>(wake_policy::block, /*spin_ns=*/0, /*timeout_ns=*/1);
  wakeup& wake = *wake_owner;
  std::array<std::uint64_t, kSymbols> seen{};  // evaluator-owned

  bool evaluate_one() {
    symbol_id s;
    if (!dirty.pop(s)) return false;
    const std::uint64_t u = book[s].read()[0];
    RL_ASSERT(u >= seen[s]);
    seen[s] = u;
    return true;
  }
  bool all_seen() const {
    for (symbol_id s = 0; s < kSymbols; ++s) {
      if (seen[s] != kWrites) return false;
    }
    return true;
  }

  void thread(unsigned index) {
    if (index == 0) {  // feed
      for (std::uint64_t u = 1; u <= kWrites; ++u) {
        for (symbol_id s = 0; s < kSymbols; ++s) {
          book[s].write({u});
          dirty.mark(s);
          wake.notify();
        }
      }
      if constexpr (Stop) wake.stop();
    } else if constexpr (Stop) {  // evaluator until stopped
      while (wake.wait_for_work([&] { return evaluate_one(); })) {
      }
    } else {  // evaluator until it saw every last write
      while (!all_seen()) {
        (void)wake.wait_for_work([&] { return evaluate_one(); });
      }
    }
  }

  void after() {
    while (evaluate_one()) {  // the final drain (the live bot's too)
    }
    RL_ASSERT(all_seen());  // none lost
    // (No check of missed_wakeups: the modelled wait has no timeout, so it
    // cannot count one; a lost wake-up shows as the evaluator parked for
    // ever, a deadlock.)
  }
};

template <class Test>
int run(std::string_view name, bool expect_failure, rl::iteration_t iterations) {
  static_assert(alignof(Test) <= alignof(std::max_align_t),
                "Relacy mallocs the test object: keep alignas(64) members on the heap");
  rl::test_params p;
  p.iteration_count = iterations;
  p.search_type = rl::random_scheduler_type;
  // Relacy's report goes to a file (see book_model.cc).
  const std::string log_path = "eval_wakeup_model_" + std::string(name) + ".log";
  {
    std::ofstream log(log_path);
    p.output_stream = &log;
    p.progress_stream = &log;
    rl::simulate<Test>(p);
  }
  const bool failed = p.test_result != rl::test_result_success;
  std::cout << name << ": relacy says " << rl::test_result_str(p.test_result) << " after "
            << (failed ? p.stop_iteration : iterations) << " of " << iterations
            << " iterations (random scheduler); expected "
            << (expect_failure ? "a failure" : "success") << '\n';
  if (failed) {
    std::cout << "  (full history in " << log_path << ")\n";
    std::ifstream report(log_path);
    std::string line;
    for (int i = 0; i < 3 && std::getline(report, line); ++i) std::cout << "  | " << line << '\n';
  }
  const bool as_expected = failed == expect_failure;
  std::cout << (as_expected ? "OK" : "UNEXPECTED") << '\n';
  return as_expected ? 0 : 1;
}

}  // namespace
}  // namespace triarb::model

int main(int argc, char** argv) {
  using namespace triarb::model;
  if (argc < 2) {
    std::cerr << "usage: eval_wakeup_model <variant> [iterations]\n";
    return 2;
  }
  const std::string_view v = argv[1];
  const rl::iteration_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200000;
  using real = triarb::eval_wakeup_orders;
  if (v == "wakeup") return run<wakeup_test<real, false>>(v, false, n);
  if (v == "wakeup_stop") return run<wakeup_test<real, true>>(v, false, n);
  if (v == "no_recheck") return run<wakeup_test<no_recheck, false>>(v, true, n);
  if (v == "announce_relaxed") return run<wakeup_test<announce_relaxed, false>>(v, true, n);
  if (v == "see_waiter_relaxed") return run<wakeup_test<see_waiter_relaxed, false>>(v, true, n);
  if (v == "bump_relaxed") return run<wakeup_test<bump_relaxed, false>>(v, true, n);
  if (v == "read_epoch_acquire") return run<wakeup_test<read_epoch_acquire, false>>(v, true, n);
  if (v == "take_announcement") return run<wakeup_test<take_announcement, false>>(v, true, n);
  std::cerr << "unknown variant " << v << '\n';
  return 2;
}
