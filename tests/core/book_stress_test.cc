// Concurrency stress of order_book + dirty_set with self-checking frames
// (ctest label `tsan`; also runs in the normal build). A feed thread applies
// millions of good frames, failed frames (invalidations), duplicates, stale
// frames and connection drops; an evaluator thread drains dirty symbols and
// also reads symbols directly. Checks, on real threads (and under
// ThreadSanitizer in the tsan build, which must report nothing):
//   - no snapshot is torn (every word derives from (symbol, update id));
//   - no snapshot ever carries a failed frame's update id, valid or not;
//   - per symbol, one reader sees versions in order: (u, valid) before
//     (u, invalid) before any later u -- so a duplicate never revalidated;
//   - no update is lost: after the feed finishes and the evaluator drains,
//     the last snapshot the evaluator took through the dirty set is the
//     book's final state of every symbol.
// The op count is fixed (no wall-clock assertion).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/dirty_set.h"
#include "core/order_book.h"

namespace triarb {
namespace {

constexpr std::uint64_t kOps = 3'000'000;  // ~0.3 s optimised, ~6 s under TSan
constexpr symbol_id kSymbols = 8;

std::uint64_t splitmix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Frame u of symbol s failed (an attributed parse error): its data must never
// reach the book.
bool failed(symbol_id s, std::uint64_t u) {
  std::uint64_t x = (u << 4) ^ s;
  return splitmix(x) % 10 == 0;
}

std::int64_t word(symbol_id s, std::uint64_t u, unsigned field) {
  return static_cast<std::int64_t>((u << 8) | (std::uint64_t{s} << 3) | field);
}

quote frame(symbol_id s, std::uint64_t u) {
  quote q;
  q.symbol = s;
  q.update_id = u;
  q.bid = fixed8::from_raw(word(s, u, 1));
  q.bid_qty = fixed8::from_raw(word(s, u, 2));
  q.ask = fixed8::from_raw(word(s, u, 3));
  q.ask_qty = fixed8::from_raw(word(s, u, 4));
  q.qty_capped = (u & 1U) != 0;
  return q;
}

bool consistent(symbol_id s, const book_snapshot& b) {
  const std::uint64_t u = b.update_id;
  if (u == 0) return !b.valid && b.bid.is_zero() && b.ask.is_zero() && b.recv_ns == 0;
  return b.bid.raw() == word(s, u, 1) && b.bid_qty.raw() == word(s, u, 2) &&
         b.ask.raw() == word(s, u, 3) && b.ask_qty.raw() == word(s, u, 4) &&
         b.recv_ns == word(s, u, 5) && b.qty_capped == ((u & 1U) != 0);
}

// Version order of one symbol: (u, valid) < (u, invalid) < (u + 1, ...).
std::uint64_t rank(const book_snapshot& b) { return b.update_id * 2 + (b.valid ? 0 : 1); }

struct reader_state {
  std::array<std::uint64_t, kSymbols> last_rank{};
  std::array<book_snapshot, kSymbols> last_drained{};
  std::uint64_t snapshots = 0;
  std::uint64_t violations = 0;
  std::string first_violation;

  void check(symbol_id s, const book_snapshot& b) {
    ++snapshots;
    const char* what = nullptr;
    if (!consistent(s, b)) {
      what = "torn snapshot";
    } else if (b.update_id != 0 && failed(s, b.update_id)) {
      what = b.valid ? "valid snapshot with a failed frame's data" : "failed frame's data";
    } else if (rank(b) < last_rank[s]) {
      what = b.valid && b.update_id * 2 + 1 == last_rank[s] ? "revalidated without a newer frame"
                                                            : "version went backwards";
    }
    if (what != nullptr) {
      if (violations++ == 0) {
        first_violation = std::string(what) + " on symbol " + std::to_string(s) + " at update id " +
                          std::to_string(b.update_id);
      }
      return;
    }
    last_rank[s] = rank(b);
  }
};

TEST(BookStress, ConcurrentWritesInvalidationsAndReadsStayConsistent) {
  order_book book(kSymbols);
  dirty_set dirty(kSymbols);
  std::atomic<bool> feed_done{false};

  struct feed_result {
    std::array<std::uint64_t, kSymbols> last_id{};  // last update id used (good or failed)
    std::array<std::uint64_t, kSymbols> last_applied{};
    std::uint64_t applied = 0, invalidated = 0, duplicates = 0, stale = 0, drops = 0;
    std::uint64_t unexpected = 0;
  } fr;

  std::thread feed([&] {
    std::uint64_t rng = 12345;
    const std::array<symbol_id, kSymbols / 2> connection{0, 2, 4, 6};
    for (std::uint64_t op = 0; op < kOps; ++op) {
      const std::uint64_t r = splitmix(rng);
      const auto s = static_cast<symbol_id>(r % kSymbols);
      const unsigned kind = static_cast<unsigned>((r >> 8) % 32);
      if (kind < 28) {  // the next frame: good, or failed
        const std::uint64_t u = ++fr.last_id[s];
        if (failed(s, u)) {
          if (book.invalidate(s) == invalidate_outcome::invalidated) {
            ++fr.invalidated;
            dirty.mark(s);
          }
        } else {
          if (book.write(frame(s, u), word(s, u, 5)) != write_outcome::applied) ++fr.unexpected;
          fr.last_applied[s] = u;
          ++fr.applied;
          dirty.mark(s);
        }
      } else if (kind < 30) {  // a duplicate of the last good frame: dropped
        const std::uint64_t u = fr.last_applied[s];
        if (u == 0) continue;
        if (book.write(frame(s, u), word(s, u, 5)) != write_outcome::duplicate_dropped) {
          ++fr.unexpected;
        }
        ++fr.duplicates;
      } else if (kind < 31) {  // an older frame: dropped
        const std::uint64_t u = fr.last_applied[s];
        if (u < 2) continue;
        if (book.write(frame(s, u - 1), word(s, u - 1, 5)) != write_outcome::stale_dropped) {
          ++fr.unexpected;
        }
        ++fr.stale;
      } else {  // the connection of the even symbols drops
        book.invalidate_all(connection);
        for (symbol_id c : connection) dirty.mark(c);
        ++fr.drops;
      }
    }
    // Release pairs with the evaluator's acquire load: every mark above is
    // visible to its final drain.
    feed_done.store(true, std::memory_order_release);
  });

  reader_state drained;  // snapshots taken through the dirty set
  reader_state direct;   // snapshots taken by direct reads
  std::thread evaluator([&] {
    std::uint64_t rng = 999;
    auto drain = [&] {
      dirty.drain([&](symbol_id s) {
        const book_snapshot b = book.read(s);
        drained.check(s, b);
        drained.last_drained[s] = b;
      });
    };
    // Acquire pairs with the feed's release store of feed_done.
    while (!feed_done.load(std::memory_order_acquire)) {
      drain();
      const auto s = static_cast<symbol_id>(splitmix(rng) % kSymbols);
      book_snapshot b;
      if (book.try_read(s, b)) direct.check(s, b);
      direct.check(s, book.read(s));
    }
    drain();
  });
  feed.join();
  evaluator.join();

  EXPECT_EQ(fr.unexpected, 0U) << "a write outcome differed from the model";
  EXPECT_GT(fr.applied, kOps / 2);
  EXPECT_GT(fr.invalidated, 1000U);
  EXPECT_GT(fr.duplicates, 1000U);
  EXPECT_GT(fr.stale, 1000U);
  EXPECT_GT(fr.drops, 1000U);
  EXPECT_EQ(drained.violations, 0U) << drained.first_violation;
  EXPECT_EQ(direct.violations, 0U) << direct.first_violation;
  EXPECT_GT(drained.snapshots, 0U);
  EXPECT_GT(direct.snapshots, 0U);
  for (symbol_id s = 0; s < kSymbols; ++s) {
    const book_snapshot final_state = book.read(s);
    EXPECT_EQ(final_state.update_id, fr.last_applied[s]) << "symbol " << s;
    EXPECT_EQ(drained.last_drained[s].update_id, final_state.update_id)
        << "lost update on symbol " << s;
    EXPECT_EQ(drained.last_drained[s].valid, final_state.valid) << "lost update on symbol " << s;
  }
}

}  // namespace
}  // namespace triarb
