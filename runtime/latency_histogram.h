// latency_histogram: the frame-receive -> decision latency of the live bot,
// log-spaced buckets, exported to Prometheus by metrics_server.
//
//   latency_histogram h;
//   h.record(done_ns - recv_ns);               // the single writer thread
//   std::int64_t p99 = h.quantile_ns(0.99);   // any thread
//
// Thread safety: record() from one writer thread; every reader from any
// thread (relaxed atomics: a reader may see a count and a sum one record
// apart, which a scrape tolerates).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/book_snapshot.h"

namespace triarb {

// Bucket i holds values <= bound(i) ns; bounds grow by 2^(1/4) from 250 ns
// to ~70 s; the last bucket is +Inf.
class latency_histogram {
 public:
  static constexpr std::size_t kBuckets = 116;
  [[nodiscard]] static std::int64_t bound(std::size_t i) noexcept;  // REQUIRES: i + 1 < kBuckets
  // REQUIRES: the single writer thread.
  void record(std::int64_t ns) noexcept;
  // Frame receive -> decision: records decided_ns - before.recv_ns, where
  // `before` is the symbol's book as read before the evaluator ran (a frame
  // applied meanwhile must not shorten the span). A quote from a REST
  // re-seed is not a frame -- its receive time is when the request was sent,
  // so the span would be a REST round trip -- and is not recorded. Returns
  // whether it recorded. REQUIRES: the single writer thread.
  bool record_decision(const book_snapshot& before, std::int64_t decided_ns) noexcept;
  [[nodiscard]] std::uint64_t count() const noexcept;
  [[nodiscard]] std::uint64_t bucket(std::size_t i) const noexcept;
  [[nodiscard]] std::int64_t sum_ns() const noexcept;
  // Upper bound of the bucket holding quantile q (0..1); 0 if empty.
  [[nodiscard]] std::int64_t quantile_ns(double q) const noexcept;
  // `name_bucket{le=...}`, `name_sum`, `name_count` in seconds.
  void render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::int64_t> sum_{0};
};

}  // namespace triarb
