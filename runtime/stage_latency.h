// stage_latency: where a frame's receive -> decision time goes, for a sample
// of frames (`triarb run --stage-latency N`). Each sampled frame is stamped
// on the feed thread and on the evaluator's (the feed thread's in inline or
// record mode):
//   receive       ws_connection read the frame (after TLS and WebSocket
//                 decoding; the kernel's receive time is not seen)
//   handler       the bot's frame handler began
//   applied       the feed handler returned: parsed, written to the book,
//                 marked dirty (one call in core/feed_handler.h; its parse
//                 alone is timed by parsing the same bytes once more, after
//                 the frame was applied: "parse (again)", a warm-cache figure)
//   picked up     the evaluator took the symbol from the dirty set
//   decided       the evaluator returned
// and summarize() reports each stage's distribution (p50/p90/p99/max).
//
//   stage_sampler st(16);                  // every 16th frame, about
//   // feed thread, a frame applied:
//   if (st.sampled(s, u)) st.on_feed({s, u, recv, handler, applied, parse_ns});
//   // evaluator, a symbol evaluated from a frame's quote:
//   if (st.sampled(s, u)) st.on_eval({s, u, recv, picked, decided});
//   // both threads stopped:
//   for (const stage_summary& x : st.summarize()) ...
//
// Sampling is a hash of (symbol, update id), so both threads pick the same
// frames without talking. Only frames the book applied are stamped (the book
// then holds their update id and receive time); a sampled frame it dropped
// as a duplicate or stale is counted as not_applied. A sampled frame whose
// quote a later frame replaced before the evaluator took it is counted as
// coalesced, not reported.
// Samples beyond the capacity are counted as dropped. The feed's "applied"
// stamp is taken after the handler returns: a spinning evaluator may pick
// the symbol up before it (counted as picked_before_applied; that stage is
// then recorded as 0).
//
// Cost when off: the caller holds no sampler (a null pointer test per frame
// and per evaluation).
//
// Thread safety: on_feed() from one thread, on_eval() from one thread (the
// same or another); summarize() and the counters after both stopped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/quote.h"

namespace triarb {

struct stage_summary {
  std::string name;
  std::uint64_t count = 0;
  std::int64_t p50_ns = 0, p90_ns = 0, p99_ns = 0, max_ns = 0;
};

struct stage_counts {
  std::uint64_t feed_samples = 0, eval_samples = 0, matched = 0, coalesced = 0, dropped = 0,
                picked_before_applied = 0;
  // Sampled quote frames the book did not apply (a duplicate or stale update
  // id): never evaluated, so not stamped; counted here.
  std::uint64_t not_applied = 0;
};

class stage_sampler {
 public:
  struct feed_stamp {
    symbol_id symbol;
    std::uint64_t update_id;
    std::int64_t recv_ns, handler_ns, applied_ns, parse_ns;
  };
  struct eval_stamp {
    symbol_id symbol;
    std::uint64_t update_id;
    std::int64_t recv_ns, picked_ns, decided_ns;
  };

  // About one frame in `every` (>= 1); at most `capacity` samples per side.
  explicit stage_sampler(std::uint32_t every, std::size_t capacity = 1U << 17);

  [[nodiscard]] bool sampled(symbol_id s, std::uint64_t update_id) const noexcept {
    std::uint64_t x = update_id * 0x9E3779B97F4A7C15ULL ^ (std::uint64_t{s} << 32);
    x ^= x >> 29;
    return (x * 0xBF58476D1CE4E5B9ULL >> 40) % every_ == 0;
  }
  void on_feed(const feed_stamp& f) {
    if (feed_.size() < capacity_) {
      feed_.push_back(f);
    } else {
      ++feed_dropped_;
    }
  }
  // Feed thread: a sampled quote frame the book dropped (duplicate, stale).
  void on_not_applied() noexcept { ++not_applied_; }
  void on_eval(const eval_stamp& e) {
    if (eval_.size() < capacity_) {
      eval_.push_back(e);
    } else {
      ++eval_dropped_;
    }
  }

  // Per stage, over the samples both threads stamped. REQUIRES: both stopped.
  [[nodiscard]] std::vector<stage_summary> summarize(stage_counts* counts = nullptr) const;
  [[nodiscard]] std::uint32_t every() const noexcept { return every_; }

 private:
  std::uint32_t every_;
  std::size_t capacity_;
  std::vector<feed_stamp> feed_;
  std::vector<eval_stamp> eval_;
  std::uint64_t feed_dropped_ = 0, eval_dropped_ = 0, not_applied_ = 0;
};

// "stage  count  p50  p90  p99  max" in µs, one line per stage, and a line
// of the counts.
[[nodiscard]] std::string format_stages(const std::vector<stage_summary>& stages,
                                        const stage_counts& counts);

}  // namespace triarb
