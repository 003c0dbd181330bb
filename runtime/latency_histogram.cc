// latency_histogram: see latency_histogram.h.
#include "runtime/latency_histogram.h"

#include <cmath>
#include <cstdio>

namespace triarb {

bool latency_histogram::record_decision(const book_snapshot& before,
                                        std::int64_t decided_ns) noexcept {
  if (before.reseeded) return false;
  record(decided_ns - before.recv_ns);
  return true;
}

std::int64_t latency_histogram::bound(std::size_t i) noexcept {
  return static_cast<std::int64_t>(250.0 * std::pow(2.0, static_cast<double>(i) / 4.0));
}

void latency_histogram::record(std::int64_t ns) noexcept {
  if (ns < 0) ns = 0;
  // Index: smallest i with bound(i) >= ns, via log2 (bounds are 250 * 2^(i/4)).
  std::size_t i = 0;
  if (ns > 250) {
    i = static_cast<std::size_t>(std::ceil(4.0 * std::log2(static_cast<double>(ns) / 250.0)));
    while (i > 0 && bound(i - 1) >= ns) --i;
    while (i + 1 < kBuckets && bound(i) < ns) ++i;
    if (i >= kBuckets) i = kBuckets - 1;
  }
  // Single writer: relaxed load+store increments; readers want recent values only.
  buckets_[i].store(buckets_[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  sum_.store(sum_.load(std::memory_order_relaxed) + ns, std::memory_order_relaxed);
}
std::uint64_t latency_histogram::count() const noexcept {
  return count_.load(std::memory_order_relaxed);  // display only; pairs with nothing
}
std::uint64_t latency_histogram::bucket(std::size_t i) const noexcept {
  return buckets_[i].load(std::memory_order_relaxed);  // display only; pairs with nothing
}
std::int64_t latency_histogram::sum_ns() const noexcept {
  return sum_.load(std::memory_order_relaxed);  // display only; pairs with nothing
}
std::int64_t latency_histogram::quantile_ns(double q) const noexcept {
  const std::uint64_t n = count();
  if (n == 0) return 0;
  const auto want = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(n)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i + 1 < kBuckets; ++i) {
    seen += bucket(i);
    if (seen >= want) return bound(i);
  }
  return bound(kBuckets - 2);
}
void latency_histogram::render(std::string& out, std::string_view name,
                               std::string_view help) const {
  const std::string n(name);
  out += "# HELP " + n + " " + std::string(help) + "\n# TYPE " + n + " histogram\n";
  std::uint64_t cum = 0;
  for (std::size_t i = 0; i + 1 < kBuckets; ++i) {
    cum += bucket(i);
    char le[32];
    std::snprintf(le, sizeof le, "%.9g", static_cast<double>(bound(i)) * 1e-9);
    out += n + "_bucket{le=\"" + le + "\"} " + std::to_string(cum) + "\n";
  }
  cum += bucket(kBuckets - 1);
  out += n + "_bucket{le=\"+Inf\"} " + std::to_string(cum) + "\n";
  char sum[48];
  std::snprintf(sum, sizeof sum, "%.9f", static_cast<double>(sum_ns()) * 1e-9);
  out += n + "_sum " + sum + "\n" + n + "_count " + std::to_string(cum) + "\n";
}

}  // namespace triarb
