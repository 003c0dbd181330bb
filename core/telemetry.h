// telemetry: a named counter for every path a frame, a symbol or a triangle
// can take (docs/design.md, contract 5: no warning is only a log line).
//
// Counters are grouped by the one thread that writes them (feed, evaluator,
// journal), each group on its own cache lines, so an increment is a relaxed
// load and store on a line no other writer touches. Any thread may read.
//
//   telemetry t;
//   t.feed.add(feed_counter::qty_capped);
//   t.parse_errors.add(frame_errc::crossed_book);
//   std::string line = t.render_json(now_ns);   // one JSON line per tick
//
// Thread safety: each counter_block has exactly one writer thread; reads are
// relaxed and may be mutually inconsistent by a few in-flight increments.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/frame_error.h"

namespace triarb {

// Written by the feed thread.
enum class feed_counter : std::uint8_t {
  frames_received,            // every frame handed to the parser
  quotes_applied,             // a quote written to the book
  control_messages,           // subscription acks, serverShutdown, ...
  attributed_errors,          // a bad frame whose symbol could be read
  unattributed_errors,        // a bad frame whose symbol could not be read
  qty_capped,                 // a quantity above fixed8::max() parsed as max()
  stale_dropped,              // update id older than the book's: dropped
  duplicate_dropped,          // update id equal to the book's: dropped
  invalidated_by_frame,       // a symbol invalidated by its own failed frame
  invalidated_by_garbage,     // symbols invalidated by an unattributed error on their connection
  invalidated_by_connection,  // symbols invalidated by a drop, stall or rotation
  kCount,
};

// Written by the evaluator thread.
enum class eval_counter : std::uint8_t {
  symbols_drained,      // dirty symbols taken from the queue
  triangles_evaluated,  // triangles whose ratio was computed
  skip_invalid_leg,     // a leg's latest frame failed, or it was invalidated
  skip_stale_leg,       // a leg older than max_leg_age
  skip_empty_side,      // a leg needs a side whose price is zero
  below_threshold,      // ratio <= 1 + min_profit
  skip_unsizable,       // profitable ratio, but no size fills every leg (lot size, depth)
  skip_no_profit,       // sized, but the rounded-down profit is not positive
  opportunities,        // emitted to the journal
  journal_full,         // an opportunity not reported because the journal queue was full
  kCount,
};

[[nodiscard]] std::string_view to_string(feed_counter c) noexcept;
[[nodiscard]] std::string_view to_string(eval_counter c) noexcept;

// One writer thread's counters, on cache lines of their own.
template <class Enum>
class alignas(64) counter_block {
 public:
  static constexpr std::size_t kSize = static_cast<std::size_t>(Enum::kCount);

  // REQUIRES: called only from this block's writer thread.
  void add(Enum c, std::uint64_t n = 1) noexcept {
    auto& a = values_[static_cast<std::size_t>(c)];
    // Single writer: a relaxed load and store is an increment no reader can
    // tear; readers only need some recent value, so relaxed is enough.
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get(Enum c) const noexcept {
    // Pairs with nothing: a monotonic counter read for display.
    return values_[static_cast<std::size_t>(c)].load(std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<std::uint64_t>, kSize> values_{};
};

struct telemetry {
  counter_block<feed_counter> feed;
  counter_block<frame_errc> parse_errors;  // indexed by frame_errc; ok stays zero
  counter_block<eval_counter> eval;

  // {"t_ns":...,"feed":{...},"parse_errors":{...},"eval":{...}} on one line,
  // every counter named, zeros included, in enum order.
  [[nodiscard]] std::string render_json(std::int64_t now_ns) const;
};

}  // namespace triarb
