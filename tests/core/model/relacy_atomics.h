// relacy_atomics: the atomic-operations traits of core/atomic_ops.h
// implemented on Relacy's rl::atomic and rl::atomic_thread_fence, so the
// memory-model checker runs the production seqlock, order_book and dirty_set
// code unchanged.
//
//   #include "core/order_book.h"          // production headers first
//   #include <relacy/relacy.hpp>     // then Relacy (it defines macros such as
//   #include "relacy_atomics.h"      // memory_order_relaxed, new, assert)
//   triarb::basic_order_book<triarb::relacy_atomics, triarb::seqlock_orders, false> book(1);
//
// Each operation records the caller's source line (std::source_location
// default argument) as Relacy's debug info, so a failing history names the
// line of seqlock.h / dirty_set.h that performed each access.
//
// Written with std::memory_order::relaxed (scoped names): relacy.hpp turns
// the unscoped std::memory_order_relaxed into "mo_relaxed, $".
//
// Thread safety: only inside rl::simulate, like every Relacy object.
#pragma once

#include <atomic>
#include <source_location>

namespace triarb {

struct relacy_atomics {
  template <class T>
  using atomic = rl::atomic<T>;

  static rl::memory_order to_rl(std::memory_order mo) {
    switch (mo) {
      case std::memory_order::relaxed:
        return rl::mo_relaxed;
      case std::memory_order::consume:
        return rl::mo_consume;
      case std::memory_order::acquire:
        return rl::mo_acquire;
      case std::memory_order::release:
        return rl::mo_release;
      case std::memory_order::acq_rel:
        return rl::mo_acq_rel;
      case std::memory_order::seq_cst:
        return rl::mo_seq_cst;
    }
    return rl::mo_seq_cst;
  }
  static rl::debug_info info(const std::source_location& l) {
    return rl::debug_info(l.function_name(), l.file_name(), l.line());
  }

  template <class T>
  static T load(const rl::atomic<T>& a, std::memory_order mo,
                std::source_location l = std::source_location::current()) {
    return a.load(to_rl(mo), info(l));
  }
  template <class T, class U>
  static void store(rl::atomic<T>& a, U v, std::memory_order mo,
                    std::source_location l = std::source_location::current()) {
    a.store(static_cast<T>(v), to_rl(mo), info(l));
  }
  template <class T, class U>
  static T exchange(rl::atomic<T>& a, U v, std::memory_order mo,
                    std::source_location l = std::source_location::current()) {
    return a.exchange(static_cast<T>(v), to_rl(mo), info(l));
  }
  static void fence(std::memory_order mo,
                    std::source_location l = std::source_location::current()) {
    rl::atomic_thread_fence(to_rl(mo), info(l));
  }
  // A retry loop gives the other thread a turn (Relacy otherwise may report
  // a spinning reader as a livelock).
  static void invariant_failed(const char* what,
                               std::source_location l = std::source_location::current()) {
    rl::ctx().fail_test(what, rl::test_result_user_assert_failed, info(l));
  }
  static void spin_pause(std::source_location l = std::source_location::current()) {
    rl::yield(1, info(l));
  }
};

}  // namespace triarb
