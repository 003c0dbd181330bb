// Memory-model check (Relacy) of the production seqlock, order_book and
// dirty_set code, and of mutants of it that must fail (ctest label `model`).
//
//   book_model <variant> [iterations]
//
// exits 0 iff Relacy's verdict is the expected one: "success" for the real
// code (variants seqlock, dirty_set), a reported failure for every mutant.
// A mutant is the real code instantiated with a weakened Orders policy (a
// fence removed, an acquire/release weakened to relaxed, the evaluator-side
// exchange replaced by a plain store), so the check is shown to bite on the
// code it checks.
//
// Scenarios:
//   seqlock:   a writer thread applies frames and invalidations to one symbol
//              (with a duplicate and a stale frame after an invalidation)
//              while a reader takes try_read() snapshots. Every data word is
//              derived from the update id, so a torn snapshot does not match
//              any version; every accepted snapshot must be exactly one
//              version the writer published, and versions must be seen in
//              order (never "valid" again after the reader saw that frame's
//              invalidation: a duplicate must not revalidate, and a failed
//              frame's data is never shown as valid).
//   dirty_set: the feed thread writes two symbols three times each and marks
//              them dirty; the evaluator thread pops, then reads. After both
//              threads finish, a final drain runs; the last snapshot the
//              evaluator saw of each symbol must be the last one written (no
//              update lost). Run on a one-word seqlock_record per symbol
//              (dirty_set, and the mutants), and on the full order_book with
//              an invalidation in the middle (dirty_set_book, real code).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "core/dirty_set.h"
#include "core/order_book.h"
#include "core/seqlock.h"

// Relacy after every standard and production header: it defines macros
// (memory_order_relaxed, new, delete, assert) that must not reach them.
#include <relacy/relacy.hpp>

#include "relacy_atomics.h"

namespace triarb::model {
namespace {

// ---- mutants (compile-time variants of the production orders) ----------

struct no_writer_fence : seqlock_orders {
  static constexpr bool kWriterFence = false;
};
struct no_reader_fence : seqlock_orders {
  static constexpr bool kReaderFence = false;
};
struct write_end_relaxed : seqlock_orders {
  static constexpr std::memory_order kWriteEnd = std::memory_order::relaxed;
};
struct read_begin_relaxed : seqlock_orders {
  static constexpr std::memory_order kReadBegin = std::memory_order::relaxed;
};

struct clear_is_store : dirty_set_orders {
  static constexpr bool kClearIsExchange = false;
  static constexpr std::memory_order kClear = std::memory_order::release;
};
struct clear_relaxed : dirty_set_orders {
  static constexpr std::memory_order kClear = std::memory_order::relaxed;
};
struct mark_relaxed : dirty_set_orders {
  static constexpr std::memory_order kMark = std::memory_order::relaxed;
};

template <class Orders>
using model_book = basic_order_book<relacy_atomics, Orders, /*CheckWriter=*/false>;

// ---- self-checking frames -------------------------------------------------

// Every field of frame u is derived from u; qty_capped alternates.
quote frame(symbol_id s, std::uint64_t u) {
  quote q;
  q.symbol = s;
  q.update_id = u;
  const auto b = static_cast<std::int64_t>(u * 8);
  q.bid = fixed8::from_raw(b + 1);
  q.bid_qty = fixed8::from_raw(b + 2);
  q.ask = fixed8::from_raw(b + 3);
  q.ask_qty = fixed8::from_raw(b + 4);
  q.qty_capped = (u & 1U) != 0;
  return q;
}
std::int64_t recv_time(std::uint64_t u) { return static_cast<std::int64_t>(u * 8 + 5); }

// True iff every word of s is the one frame s.update_id would write (or the
// all-zero initial record).
bool consistent(const book_snapshot& s) {
  if (s.update_id == 0) {
    return !s.valid && !s.qty_capped && !s.reseeded && s.bid.is_zero() && s.bid_qty.is_zero() &&
           s.ask.is_zero() && s.ask_qty.is_zero() && s.recv_ns == 0;
  }
  const quote q = frame(0, s.update_id);
  return s.bid == q.bid && s.bid_qty == q.bid_qty && s.ask == q.ask && s.ask_qty == q.ask_qty &&
         s.recv_ns == recv_time(s.update_id) && s.qty_capped == q.qty_capped && !s.reseeded;
}

// ---- scenario 1: seqlock + validity ----------------------------------------

// The versions the writer below publishes, in order: (update id, valid).
struct version {
  std::uint64_t u;
  bool valid;
};
constexpr std::array<version, 7> kVersions{{
    {0, false},  // initial record
    {1, true},   // frame 1
    {2, true},   // frame 2
    {2, false},  // frame 3 failed: invalidate; then duplicate 2 and stale 1 dropped
    {4, true},   // frame 4
    {4, false},  // frame 5 failed: invalidate
    {6, true},   // frame 6
}};

int version_index(const book_snapshot& s) {
  for (std::size_t i = 0; i < kVersions.size(); ++i) {
    if (kVersions[i].u == s.update_id && kVersions[i].valid == s.valid) return static_cast<int>(i);
  }
  return -1;
}

template <class Orders>
struct seqlock_test : rl::test_suite<seqlock_test<Orders>, 2> {
  model_book<Orders> book{1};

  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(book.write(frame(0, 1), recv_time(1)) == write_outcome::applied);
      RL_ASSERT(book.write(frame(0, 2), recv_time(2)) == write_outcome::applied);
      RL_ASSERT(book.invalidate(0) == invalidate_outcome::invalidated);
      RL_ASSERT(book.write(frame(0, 2), recv_time(2)) == write_outcome::duplicate_dropped);
      RL_ASSERT(book.write(frame(0, 1), recv_time(1)) == write_outcome::stale_dropped);
      RL_ASSERT(book.write(frame(0, 4), recv_time(4)) == write_outcome::applied);
      RL_ASSERT(book.invalidate(0) == invalidate_outcome::invalidated);
      RL_ASSERT(book.write(frame(0, 6), recv_time(6)) == write_outcome::applied);
    } else {
      int last = 0;
      for (int attempt = 0; attempt < 6; ++attempt) {
        book_snapshot s;
        if (!book.try_read(0, s)) continue;
        RL_ASSERT(consistent(s));  // not torn
        const int v = version_index(s);
        RL_ASSERT(v >= 0);     // a version the writer published, validity included
        RL_ASSERT(v >= last);  // in order: never valid again after its invalidation
        last = v;
      }
    }
  }

  void after() {
    const book_snapshot s = book.read(0);
    RL_ASSERT(consistent(s) && version_index(s) == static_cast<int>(kVersions.size() - 1));
  }
};

// ---- scenario 2: dirty-set hand-off -------------------------------------------

constexpr std::uint64_t kWrites = 3;
constexpr symbol_id kSymbols = 2;

// The hand-off reads through a one-word seqlock_record per symbol holding
// the update id (the production seqlock code, width 1). The hand-off's
// correctness does not depend on the record's width (scenario 1 checks the
// full 7-word book record); with one word, a stale-but-consistent read -- the
// symptom of a lost hand-off -- is reachable in far fewer Relacy iterations
// than with seven words that must all be stale together.
template <class DirtyOrders>
struct dirty_set_test : rl::test_suite<dirty_set_test<DirtyOrders>, 2> {
  using record = seqlock_record<1, relacy_atomics>;
  // On the heap: Relacy mallocs the test object (16-byte aligned) and these
  // are alignas(64).
  std::unique_ptr<std::array<record, kSymbols>> records =
      std::make_unique<std::array<record, kSymbols>>();
  std::array<record, kSymbols>& book = *records;
  std::unique_ptr<basic_dirty_set<relacy_atomics, DirtyOrders>> dirty_owner =
      std::make_unique<basic_dirty_set<relacy_atomics, DirtyOrders>>(kSymbols);
  basic_dirty_set<relacy_atomics, DirtyOrders>& dirty = *dirty_owner;
  std::array<std::uint64_t, kSymbols> seen{};  // evaluator-owned

  // The evaluator's step: pop (the flag is cleared inside pop), then read.
  bool evaluate_one() {
    symbol_id s;
    if (!dirty.pop(s)) return false;
    const std::uint64_t u = book[s].read()[0];
    RL_ASSERT(u >= seen[s]);
    seen[s] = u;
    return true;
  }

  void thread(unsigned index) {
    if (index == 0) {  // feed
      for (std::uint64_t u = 1; u <= kWrites; ++u) {
        for (symbol_id s = 0; s < kSymbols; ++s) {
          book[s].write({u});
          dirty.mark(s);
        }
      }
    } else {  // evaluator
      for (int step = 0; step < 6; ++step) evaluate_one();
    }
  }

  void after() {
    // The evaluator's final drain (both threads are done).
    while (evaluate_one()) {
    }
    for (symbol_id s = 0; s < kSymbols; ++s) RL_ASSERT(seen[s] == kWrites);  // none lost
  }
};

// The same hand-off through the full production order_book (real code
// only: with seven data words that must all be read stale together, a lost
// hand-off is too improbable for Relacy's random scheduler to reach within
// this scenario's budget, so the mutants run on the one-word record above).
struct dirty_set_book_test : rl::test_suite<dirty_set_book_test, 2> {
  model_book<seqlock_orders> book{kSymbols};  // records on the heap
  // On the heap: Relacy mallocs the test object (16-byte aligned) and the
  // dirty set's ring counters are alignas(64).
  std::unique_ptr<basic_dirty_set<relacy_atomics>> dirty_owner =
      std::make_unique<basic_dirty_set<relacy_atomics>>(kSymbols);
  basic_dirty_set<relacy_atomics>& dirty = *dirty_owner;
  std::array<std::uint64_t, kSymbols> seen{};  // evaluator-owned: last rank

  bool evaluate_one() {
    symbol_id s;
    if (!dirty.pop(s)) return false;
    const book_snapshot snap = book.read(s);
    RL_ASSERT(consistent(snap));
    RL_ASSERT(snap.update_id != 2);  // the failed frame's data never appears
    // Versions in order: (1, valid) < (1, invalid) < (3, valid).
    const std::uint64_t rank = snap.update_id * 2 + (snap.valid ? 0U : 1U);
    RL_ASSERT(rank >= seen[s]);
    seen[s] = rank;
    return true;
  }

  void thread(unsigned index) {
    if (index == 0) {  // feed: frame 2 of every symbol fails (invalidates it)
      for (std::uint64_t u = 1; u <= kWrites; ++u) {
        for (symbol_id s = 0; s < kSymbols; ++s) {
          if (u == 2) {
            RL_ASSERT(book.invalidate(s) == invalidate_outcome::invalidated);
          } else {
            RL_ASSERT(book.write(frame(s, u), recv_time(u)) == write_outcome::applied);
          }
          dirty.mark(s);
        }
      }
    } else {  // evaluator
      for (int step = 0; step < 6; ++step) evaluate_one();
    }
  }

  void after() {
    while (evaluate_one()) {
    }
    for (symbol_id s = 0; s < kSymbols; ++s) RL_ASSERT(seen[s] == kWrites * 2);  // (3, valid)
  }
};

// ---- driver ------------------------------------------------------------------

template <class Test>
int run(std::string_view name, bool expect_failure, rl::iteration_t iterations) {
  static_assert(alignof(Test) <= alignof(std::max_align_t),
                "Relacy mallocs the test object: keep alignas(64) members on the heap");
  rl::test_params p;
  p.iteration_count = iterations;
  p.search_type = rl::random_scheduler_type;
  // Relacy's report goes to a file: it replaces the global operator new, so
  // a growing in-memory stream would mix its allocator with malloc's.
  const std::string log_path = "book_model_" + std::string(name) + ".log";
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
    // The first lines of Relacy's report: the failed check and where.
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
    std::cerr << "usage: book_model <variant> [iterations]\n";
    return 2;
  }
  const std::string_view v = argv[1];
  const rl::iteration_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200000;
  // Real code: must pass.
  if (v == "seqlock") return run<seqlock_test<triarb::seqlock_orders>>(v, false, n);
  if (v == "dirty_set") return run<dirty_set_test<triarb::dirty_set_orders>>(v, false, n);
  if (v == "dirty_set_book") return run<dirty_set_book_test>(v, false, n);
  // Mutants: must be caught.
  if (v == "no_writer_fence") return run<seqlock_test<no_writer_fence>>(v, true, n);
  if (v == "no_reader_fence") return run<seqlock_test<no_reader_fence>>(v, true, n);
  if (v == "write_end_relaxed") return run<seqlock_test<write_end_relaxed>>(v, true, n);
  if (v == "read_begin_relaxed") return run<seqlock_test<read_begin_relaxed>>(v, true, n);
  if (v == "clear_is_store") return run<dirty_set_test<clear_is_store>>(v, true, n);
  if (v == "clear_relaxed") return run<dirty_set_test<clear_relaxed>>(v, true, n);
  if (v == "mark_relaxed") return run<dirty_set_test<mark_relaxed>>(v, true, n);
  std::cerr << "unknown variant " << v << '\n';
  return 2;
}
