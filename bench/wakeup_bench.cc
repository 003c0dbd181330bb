// wakeup_bench: what it costs this machine to hand a frame from one thread to
// another, the floor under `triarb run --evaluator block` (docs/design.md,
// "The evaluator's wake-up"). Three families, in the same binary so each
// is read against the others:
//   BM_PingPong/{std,futex}/pin:  two threads ping-pong, each blocking
//       (std::atomic<uint32_t>::wait/notify_one, or the runtime's own futex
//       calls, futex_atomics); one-way = round trip / 2. pin 0: unpinned;
//       1: the two threads on CPUs 0 and 1 (every hop wakes the other,
//       idle, CPU); 2: both on CPU 0 (a hop is a context switch, no
//       cross-CPU wake-up).
//   BM_SpinThenWait/S/G/sleep:  a notifier sends one frame (a store and
//       notify_one) G us after the waiter took the previous one; the waiter
//       polls for S us, then waits (std::atomic wait). S > G catches the
//       frame while polling; S < G parks and pays the wake-up. sleep 0: the
//       notifier busy-waits the gap (its CPU stays busy); 1: it sleeps it
//       (clock_nanosleep; both CPUs may go idle, as the feed thread does in
//       epoll between frames; the gap then overshoots by the timer's
//       latency).
//   BM_EvalWakeup/S/G/sleep:  the same with runtime/eval_wakeup.h and the
//       production dirty_set, as the evaluator and the feed thread use them
//       (the feed stamps, marks, notify(); the evaluator's wait_for_work pops
//       and stamps). S = -1: the spin policy (never parks).
//   BM_EvalWakeupBurst/S/K/G:  eval_wakeup as the bot meets sim-exchange:
//       a burst of K frames ~1 us apart every G us (the feed sleeps the gap);
//       every frame's latency is sampled.
// Each iteration is one frame; its time (manual time) is the frame's
// one-way latency, sender's stamp before the store -> receiver's stamp
// after it saw the frame (steady_clock: the TSC here, one clock for both
// CPUs). Counters: p50_us, p90_us, p99_us, max_us of the one-way latency;
// notify_us, the sender's p50 cost of the store and notify (the feed
// thread's cost); parked, the fraction of frames the receiver was parked
// for (futex wait); for BM_EvalWakeup the eval_wakeup counters per frame.
//   build/default/bench/wakeup_bench                 (about four minutes)
//   build/default/bench/wakeup_bench --benchmark_filter='EvalWakeup/.*/200/'
// A fixed iteration count (kFrames) per case, so a case's wall time is
// about kFrames x (G + latency).
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <thread>
#include <vector>

#include "core/dirty_set.h"
#include "core/quote.h"
#include "runtime/eval_wakeup.h"

namespace triarb {
namespace {

constexpr int kFrames = 4000;
constexpr std::uint32_t kStop = 0xFFFFFFFFU;

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Pins the calling thread to cpu (-1: every CPU of the process at start).
// Returns false if the pin failed (the case then skips itself).
bool pin_self(int cpu) {
  static const cpu_set_t all = [] {
    cpu_set_t s;
    CPU_ZERO(&s);
    (void)sched_getaffinity(0, sizeof s, &s);
    return s;
  }();
  cpu_set_t s;
  if (cpu < 0) {
    s = all;
  } else {
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
  }
  return pthread_setaffinity_np(pthread_self(), sizeof s, &s) == 0;
}

// The gap before the next frame: busy (the sender's CPU stays busy) or
// asleep (the sender's CPU may halt, as the feed thread's does in epoll).
void gap(std::int64_t from_ns, std::int64_t gap_ns, bool sleep) {
  const std::int64_t until = from_ns + gap_ns;
  if (sleep) {
    timespec ts{static_cast<time_t>(until / 1'000'000'000),
                static_cast<long>(until % 1'000'000'000)};
    // steady_clock is CLOCK_MONOTONIC on Linux.
    while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) != 0) {
    }
    return;
  }
  while (now_ns() < until) pause();
}

double quantile_us(std::vector<std::int64_t>& v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]) / 1e3;
}

// The one-way latencies' distribution, and the sender's cost, as counters.
void report(benchmark::State& state, std::vector<std::int64_t>& lat,
            std::vector<std::int64_t>& notify_cost) {
  state.counters["p50_us"] = quantile_us(lat, 0.50);
  state.counters["p90_us"] = quantile_us(lat, 0.90);
  state.counters["p99_us"] = quantile_us(lat, 0.99);
  state.counters["max_us"] = quantile_us(lat, 1.0);
  if (!notify_cost.empty()) state.counters["notify_us"] = quantile_us(notify_cost, 0.50);
}

// ---- (a) ping-pong, both sides blocking

struct std_wait {
  static void wait(std::atomic<std::uint32_t>& a, std::uint32_t old) { a.wait(old); }
  static void notify(std::atomic<std::uint32_t>& a) { a.notify_one(); }
};
struct raw_futex {
  static void wait(std::atomic<std::uint32_t>& a, std::uint32_t old) {
    (void)futex_atomics::wait(a, old, 1'000'000'000);
  }
  static void notify(std::atomic<std::uint32_t>& a) { futex_atomics::notify_one(a); }
};

template <class W>
void BM_PingPong(benchmark::State& state) {
  const auto pin = state.range(0);
  const int peer_cpu = pin == 1 ? 1 : pin == 2 ? 0 : -1;
  const int own_cpu = pin == 0 ? -1 : 0;
  if (pin != 0 && std::thread::hardware_concurrency() < 2) {
    state.SkipWithError("needs two CPUs");
    return;
  }
  alignas(64) std::atomic<std::uint32_t> ping{0};
  alignas(64) std::atomic<std::uint32_t> pong{0};
  std::thread peer([&] {
    (void)pin_self(peer_cpu);
    std::uint32_t seen = 0;
    for (;;) {
      while (ping.load(std::memory_order_acquire) == seen) W::wait(ping, seen);
      seen = ping.load(std::memory_order_acquire);
      if (seen == kStop) return;
      pong.store(seen, std::memory_order_release);
      W::notify(pong);
    }
  });
  (void)pin_self(own_cpu);
  std::vector<std::int64_t> lat;
  std::vector<std::int64_t> none;
  lat.reserve(kFrames);
  std::uint32_t n = 0;
  for (auto _ : state) {
    ++n;
    const std::int64_t t0 = now_ns();
    ping.store(n, std::memory_order_release);
    W::notify(ping);
    while (pong.load(std::memory_order_acquire) != n) W::wait(pong, n - 1);
    const std::int64_t one_way = (now_ns() - t0) / 2;
    lat.push_back(one_way);
    state.SetIterationTime(static_cast<double>(one_way) / 1e9);
  }
  ping.store(kStop, std::memory_order_release);
  W::notify(ping);
  peer.join();
  (void)pin_self(-1);
  report(state, lat, none);
}
BENCHMARK(BM_PingPong<std_wait>)
    ->Name("BM_PingPong/std")
    ->ArgName("pin")
    ->DenseRange(0, 2)
    ->Iterations(kFrames)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PingPong<raw_futex>)
    ->Name("BM_PingPong/futex")
    ->ArgName("pin")
    ->DenseRange(0, 2)
    ->Iterations(kFrames)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// The frame's hand-back: the receiver's latency and an acknowledgement the
// sender spins on before the gap (so the gap is the receiver's idle time).
struct handback {
  alignas(64) std::atomic<std::int64_t> sent_at{0};  // sender: before the frame's store
  alignas(64) std::atomic<std::int64_t> latency{0};  // receiver: before ack
  std::atomic<std::uint32_t> ack{0};
  std::atomic<std::uint64_t> parked{0};  // receiver's frames that waited (futex)
};

std::int64_t spin_until_ack(const handback& h, std::uint32_t n) {
  while (h.ack.load(std::memory_order_acquire) != n) pause();
  return now_ns();
}

// ---- (b) poll S us, then std::atomic wait; the sender stores and notifies

void BM_SpinThenWait(benchmark::State& state) {
  const std::int64_t spin_ns = state.range(0) * 1000;
  const std::int64_t gap_ns = state.range(1) * 1000;
  const bool sleep = state.range(2) != 0;
  alignas(64) std::atomic<std::uint32_t> seq{0};
  handback h;
  std::thread receiver([&] {
    std::uint32_t seen = 0;
    for (;;) {
      std::uint32_t v = seq.load(std::memory_order_acquire);
      const std::int64_t until = now_ns() + spin_ns;
      for (unsigned i = 1; v == seen; ++i) {
        pause();
        v = seq.load(std::memory_order_acquire);
        if ((i & 63U) == 0 && now_ns() >= until) break;
      }
      if (v == seen) {
        h.parked.store(h.parked.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        while ((v = seq.load(std::memory_order_acquire)) == seen) seq.wait(seen);
      }
      const std::int64_t t1 = now_ns();
      if (v == kStop) return;
      h.latency.store(t1 - h.sent_at.load(std::memory_order_relaxed), std::memory_order_relaxed);
      h.ack.store(v, std::memory_order_release);
      seen = v;
    }
  });
  std::vector<std::int64_t> lat;
  std::vector<std::int64_t> cost;
  lat.reserve(kFrames);
  cost.reserve(kFrames);
  std::uint32_t n = 0;
  std::int64_t acked = now_ns();
  for (auto _ : state) {
    gap(acked, gap_ns, sleep);
    ++n;
    const std::int64_t t0 = now_ns();
    h.sent_at.store(t0, std::memory_order_relaxed);
    seq.store(n, std::memory_order_release);
    seq.notify_one();
    cost.push_back(now_ns() - t0);
    acked = spin_until_ack(h, n);
    const std::int64_t l = h.latency.load(std::memory_order_relaxed);
    lat.push_back(l);
    state.SetIterationTime(static_cast<double>(l) / 1e9);
  }
  seq.store(kStop, std::memory_order_release);
  seq.notify_one();
  receiver.join();
  report(state, lat, cost);
  state.counters["parked"] =
      static_cast<double>(h.parked.load()) / static_cast<double>(std::max<std::uint32_t>(n, 1));
}

void wake_args(benchmark::internal::Benchmark* b, bool with_spin_policy) {
  b->ArgNames({"spin_us", "gap_us", "sleep"});
  for (const int sleep : {0, 1}) {
    for (const int g : {10, 50, 200}) {
      if (with_spin_policy) b->Args({-1, g, sleep});
      for (const int s : {0, 5, 20, 50, 100}) b->Args({s, g, sleep});
    }
  }
}
BENCHMARK(BM_SpinThenWait)
    ->Apply([](benchmark::internal::Benchmark* b) { wake_args(b, false); })
    ->Iterations(kFrames)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// ---- (c) runtime/eval_wakeup.h with the production dirty_set

void BM_EvalWakeup(benchmark::State& state) {
  const bool spin_policy = state.range(0) < 0;
  const std::int64_t spin_ns = spin_policy ? 0 : state.range(0) * 1000;
  const std::int64_t gap_ns = state.range(1) * 1000;
  const bool sleep = state.range(2) != 0;
  constexpr symbol_id kSymbols = 64;
  dirty_set dirty(kSymbols);
  eval_wakeup w(spin_policy ? wake_policy::spin : wake_policy::block, spin_ns,
                100'000'000);  // the live bot's safety net (100 ms)
  handback h;
  std::thread evaluator([&] {
    symbol_id s = 0;
    std::uint32_t taken = 0;
    while (w.wait_for_work([&] { return dirty.pop(s); })) {
      const std::int64_t t1 = now_ns();
      // The mark (a release exchange) ordered the stamp before it; pop's
      // acquire exchange made it visible (as the book's receive time).
      h.latency.store(t1 - h.sent_at.load(std::memory_order_relaxed), std::memory_order_relaxed);
      h.ack.store(++taken, std::memory_order_release);
    }
  });
  std::vector<std::int64_t> lat;
  std::vector<std::int64_t> cost;
  lat.reserve(kFrames);
  cost.reserve(kFrames);
  std::uint32_t n = 0;
  std::int64_t acked = now_ns();
  for (auto _ : state) {
    gap(acked, gap_ns, sleep);
    ++n;
    const std::int64_t t0 = now_ns();
    h.sent_at.store(t0, std::memory_order_relaxed);
    (void)dirty.mark(static_cast<symbol_id>(n % kSymbols));
    w.notify();
    cost.push_back(now_ns() - t0);
    acked = spin_until_ack(h, n);
    const std::int64_t l = h.latency.load(std::memory_order_relaxed);
    lat.push_back(l);
    state.SetIterationTime(static_cast<double>(l) / 1e9);
  }
  w.stop();
  evaluator.join();
  report(state, lat, cost);
  const eval_wakeup_counters& c = w.counters();
  const double frames = std::max<std::uint32_t>(n, 1);
  state.counters["parked"] = static_cast<double>(c.waits.load()) / frames;
  state.counters["spin_found"] = static_cast<double>(c.spin_found.load()) / frames;
  state.counters["notifies"] = static_cast<double>(c.notifies.load()) / frames;
  state.counters["missed"] = static_cast<double>(c.missed_wakeups.load());
}
BENCHMARK(BM_EvalWakeup)
    ->Apply([](benchmark::internal::Benchmark* b) { wake_args(b, true); })
    ->Iterations(kFrames)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// ---- (d) bursts, as sim-exchange sends: K frames 1 us apart every gap

// The exchange's market thread steps every ~1 ms and sends that step's
// updates as one batch (20 at 20,000 updates/s), so the bot's feed thread
// reads a burst of frames back to back, then idles. Here the feed sleeps
// the gap, then marks and notifies K distinct symbols, each after ~1 us of
// work (a frame's parse and book write); the latency of every frame of the
// burst is sampled (time: their mean per burst). notify_mean_us: the feed's
// mean cost of mark + notify per frame (a futex wake is paid while the
// evaluator is announced: notifies per frame).
void BM_EvalWakeupBurst(benchmark::State& state) {
  const bool spin_policy = state.range(0) < 0;
  const std::int64_t spin_ns = spin_policy ? 0 : state.range(0) * 1000;
  const auto k = static_cast<symbol_id>(state.range(1));
  const std::int64_t gap_ns = state.range(2) * 1000;
  constexpr symbol_id kSymbols = 64;
  constexpr std::int64_t kFrameWorkNs = 1000;
  dirty_set dirty(kSymbols);
  eval_wakeup w(spin_policy ? wake_policy::spin : wake_policy::block, spin_ns, 100'000'000);
  std::array<std::atomic<std::int64_t>, kSymbols> sent_at{};
  std::array<std::atomic<std::int64_t>, kSymbols> latency{};
  alignas(64) std::atomic<std::uint32_t> taken{0};
  std::thread evaluator([&] {
    symbol_id s = 0;
    std::uint32_t n = 0;
    while (w.wait_for_work([&] { return dirty.pop(s); })) {
      const std::int64_t t1 = now_ns();
      latency[s].store(t1 - sent_at[s].load(std::memory_order_relaxed), std::memory_order_relaxed);
      taken.store(++n, std::memory_order_release);
    }
  });
  std::vector<std::int64_t> lat;
  std::int64_t cost_sum = 0;
  lat.reserve(static_cast<std::size_t>(state.max_iterations) * k);
  std::uint32_t sent = 0;
  std::int64_t acked = now_ns();
  for (auto _ : state) {
    gap(acked, gap_ns, true);
    for (symbol_id s = 0; s < k; ++s) {
      const std::int64_t t0 = now_ns();
      sent_at[s].store(t0, std::memory_order_relaxed);
      (void)dirty.mark(s);
      w.notify();
      const std::int64_t t = now_ns();
      cost_sum += t - t0;
      while (now_ns() < t + kFrameWorkNs) pause();
    }
    sent += k;
    while (taken.load(std::memory_order_acquire) != sent) pause();
    acked = now_ns();
    std::int64_t sum = 0;
    for (symbol_id s = 0; s < k; ++s) {
      const std::int64_t l = latency[s].load(std::memory_order_relaxed);
      lat.push_back(l);
      sum += l;
    }
    state.SetIterationTime(static_cast<double>(sum) / static_cast<double>(k) / 1e9);
  }
  w.stop();
  evaluator.join();
  std::vector<std::int64_t> none;
  report(state, lat, none);
  const eval_wakeup_counters& c = w.counters();
  const double frames = std::max<std::uint32_t>(sent, 1);
  state.counters["notify_mean_us"] = static_cast<double>(cost_sum) / frames / 1e3;
  state.counters["parked"] = static_cast<double>(c.waits.load()) / frames;
  state.counters["notifies"] = static_cast<double>(c.notifies.load()) / frames;
  state.counters["missed"] = static_cast<double>(c.missed_wakeups.load());
}
BENCHMARK(BM_EvalWakeupBurst)
    ->ArgNames({"spin_us", "burst", "gap_us"})
    ->ArgsProduct({{-1, 0, 50, 200, 1000, 2000}, {20}, {1000}})
    ->Iterations(kFrames / 4)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace triarb
