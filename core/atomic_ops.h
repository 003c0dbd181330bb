// atomic_ops: the atomic operations triarb's lock-free structures are written
// against, as a traits type, so that the same code runs on std::atomic in
// production and on Relacy's rl::atomic under the memory-model checker
// (tests/model/relacy_atomics.h provides the other implementation).
//
//   template <class Atomics = std_atomics>
//   struct counter {
//     typename Atomics::template atomic<std::uint64_t> v;
//     std::uint64_t get() const { return Atomics::load(v, std::memory_order_acquire); }
//   };
//
// A traits type provides:
//   template <class T> using atomic = ...;              default-constructible
//   T    load(const atomic<T>&, std::memory_order)
//   void store(atomic<T>&, T, std::memory_order)
//   T    exchange(atomic<T>&, T, std::memory_order)
//   void fence(std::memory_order)                        std::atomic_thread_fence
//   void spin_pause()                                    inside a retry loop
//   void invariant_failed(const char* what)              an invariant that only a
//                                                        memory-ordering bug can
//                                                        break; production aborts,
//                                                        a model checker reports
// Memory orders are always std::memory_order; a model-checker traits type
// translates them. Callers never rely on an atomic's initial value: they store
// one explicitly (Relacy reports a load of a never-stored atomic).
//
// Thread safety: stateless; each operation has the guarantees of std::atomic.
#pragma once

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace triarb {

struct std_atomics {
  template <class T>
  using atomic = std::atomic<T>;

  template <class T>
  [[nodiscard]] static T load(const std::atomic<T>& a, std::memory_order mo) noexcept {
    return a.load(mo);
  }
  template <class T>
  static void store(std::atomic<T>& a, T v, std::memory_order mo) noexcept {
    a.store(v, mo);
  }
  template <class T>
  static T exchange(std::atomic<T>& a, T v, std::memory_order mo) noexcept {
    return a.exchange(v, mo);
  }
  static void fence(std::memory_order mo) noexcept { std::atomic_thread_fence(mo); }
  static void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  [[noreturn]] static void invariant_failed(const char* what) noexcept {
    std::fputs(what, stderr);
    std::fputc('\n', stderr);
    std::abort();
  }
};

}  // namespace triarb
