// latency_histogram: see latency_histogram.h.
#include "runtime/latency_histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "runtime/prometheus_text.h"

namespace triarb {
namespace {

using H = latency_histogram;

// For each fine bucket (and the overflow bucket), the first export bound at
// or above its lower edge. A fine bucket is narrower (<= 1/64 of its lower
// edge) than the gap between two export bounds (>= x2), so at most that one
// bound cuts it: record() steps past it when the value is above it.
constexpr std::array<std::uint8_t, H::kBuckets + 1> make_export_of() {
  std::array<std::uint8_t, H::kBuckets + 1> t{};
  for (std::size_t i = 0; i <= H::kBuckets; ++i) {
    const std::int64_t lo = i < H::kBuckets ? H::lower_ns(i) : H::kLimitNs;
    std::size_t k = 0;
    while (k < H::kExport && H::kExportBoundsNs[k] < lo) ++k;
    t[i] = static_cast<std::uint8_t>(k);
  }
  return t;
}
constexpr std::array<std::uint8_t, H::kBuckets + 1> kExportOf = make_export_of();

// The export bounds with +Inf: the comparison in record() needs no branch.
constexpr std::array<std::int64_t, H::kExport + 1> make_bounds_inf() {
  std::array<std::int64_t, H::kExport + 1> b{};
  for (std::size_t k = 0; k < H::kExport; ++k) b[k] = H::kExportBoundsNs[k];
  b[H::kExport] = std::numeric_limits<std::int64_t>::max();
  return b;
}
constexpr std::array<std::int64_t, H::kExport + 1> kBoundsInf = make_bounds_inf();

// The scheme's claims, checked at compile time.
static_assert(H::kBuckets == 2048);
static_assert(H::index_of(0) == 0 && H::index_of(127) == 127 && H::index_of(128) == 128);
static_assert(H::index_of(H::kLimitNs - 1) == H::kBuckets - 1);
static_assert(H::lower_ns(H::index_of(1'000'003)) <= 1'000'003 &&
              H::upper_ns(H::index_of(1'000'003)) >= 1'000'003);
static_assert(H::kExportBoundsNs.back() < H::kLimitNs);
static_assert(H::kExport < 255);

// Single writer: a load and a store, no read-modify-write. Relaxed: readers
// want a recent value only; no other data is published through it.
inline void bump(std::atomic<std::uint64_t>& a) noexcept {
  a.store(a.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// ns as seconds, exactly ("0.000001234", "12.5"): integers only, no double.
std::string seconds_text(std::int64_t ns) {
  const bool neg = ns < 0;
  const std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s%llu.%09llu", neg ? "-" : "",
                static_cast<unsigned long long>(u / 1'000'000'000),
                static_cast<unsigned long long>(u % 1'000'000'000));
  std::string s(buf);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

bool latency_histogram::record_decision(const book_snapshot& before,
                                        std::int64_t decided_ns) noexcept {
  if (before.reseeded) return false;
  // Unsigned difference: defined for any two clock values (wraps instead of
  // overflowing), then back to signed: a receive time after the decision is
  // negative and counted as such.
  record(static_cast<std::int64_t>(static_cast<std::uint64_t>(decided_ns) -
                                   static_cast<std::uint64_t>(before.recv_ns)));
  return true;
}

void latency_histogram::record(std::int64_t ns) noexcept {
  if (ns < 0) {
    bump(negative_);
    return;
  }
  const std::size_t i = ns < kLimitNs ? index_of(ns) : kOverflow;
  std::size_t k = kExportOf[i];
  k += static_cast<std::size_t>(ns > kBoundsInf[k]);
  bump(buckets_[i]);
  bump(export_[k]);
  bump(count_);
  // Relaxed, single writer: as bump().
  const std::int64_t s = sum_.load(std::memory_order_relaxed);
  sum_.store(s > std::numeric_limits<std::int64_t>::max() - ns
                 ? std::numeric_limits<std::int64_t>::max()
                 : s + ns,
             std::memory_order_relaxed);
  if (ns < min_.load(std::memory_order_relaxed)) min_.store(ns, std::memory_order_relaxed);
  if (ns > max_.load(std::memory_order_relaxed)) max_.store(ns, std::memory_order_relaxed);
}

// Readers: display only, relaxed, pair with nothing (see the header).
std::uint64_t latency_histogram::count() const noexcept {
  return count_.load(std::memory_order_relaxed);
}
std::uint64_t latency_histogram::bucket(std::size_t i) const noexcept {
  return buckets_[i].load(std::memory_order_relaxed);
}
std::uint64_t latency_histogram::negative() const noexcept {
  return negative_.load(std::memory_order_relaxed);
}
std::int64_t latency_histogram::sum_ns() const noexcept {
  return sum_.load(std::memory_order_relaxed);
}
std::int64_t latency_histogram::min_ns() const noexcept {
  const std::int64_t m = min_.load(std::memory_order_relaxed);
  return m == std::numeric_limits<std::int64_t>::max() ? 0 : m;
}
std::int64_t latency_histogram::max_ns() const noexcept {
  return std::max<std::int64_t>(max_.load(std::memory_order_relaxed), 0);
}
std::uint64_t latency_histogram::cumulative_at_export(std::size_t k) const noexcept {
  std::uint64_t c = 0;
  for (std::size_t j = 0; j <= k; ++j) c += export_[j].load(std::memory_order_relaxed);
  return c;
}

std::uint64_t latency_histogram::rank_of(double q, std::uint64_t n) noexcept {
  if (n == 0) return 0;
  q = std::isnan(q) ? 0.0 : std::clamp(q, 0.0, 1.0);
  // q = k / 10^6 (0.5, 0.99, 0.07...): the rank in integers, since the double
  // product is not exact (0.07 * 100 = 7.000000000000001 would be rank 8).
  const double scaled = q * 1e6;
  const auto k = static_cast<std::uint64_t>(std::llround(scaled));
  if (static_cast<double>(k) / 1e6 == q) {
    // ceil(k * n / 10^6) without overflow: n = a * 10^6 + b.
    constexpr std::uint64_t kM = 1'000'000;
    const std::uint64_t r = (n / kM) * k + ((n % kM) * k + kM - 1) / kM;
    return std::max<std::uint64_t>(r, 1);
  }
  const double r = std::ceil(q * static_cast<double>(n));
  if (r >= static_cast<double>(n)) return n;
  return r < 1 ? 1 : static_cast<std::uint64_t>(r);
}

latency_histogram::view latency_histogram::read(const double (&qs)[kQuantiles],
                                                std::int64_t (&out)[kQuantiles]) const noexcept {
  // Every bucket read once; n is their sum, so each rank is found in them.
  // The single writer stores bucket, min, max in turn, relaxed: a reader may
  // see a value in a bucket before its min or max (or max still unset), so
  // max is raised to the lower edge of the highest bucket seen and min kept
  // at or below max: then every quantile lies in [min, max], in order.
  view v;
  std::array<std::uint64_t, kBuckets + 1> b;
  std::size_t bottom = kBuckets + 1, top = 0;
  for (std::size_t i = 0; i <= kBuckets; ++i) {
    b[i] = buckets_[i].load(std::memory_order_relaxed);
    if (b[i] == 0) continue;
    v.n += b[i];
    bottom = std::min(bottom, i);
    top = i;
  }
  if (v.n == 0) {
    for (std::int64_t& o : out) o = 0;
    return v;
  }
  const std::int64_t top_lo = top == kOverflow ? kLimitNs : lower_ns(top);
  v.max = std::max(max_.load(std::memory_order_relaxed), top_lo);
  const std::int64_t bottom_hi = bottom == kOverflow ? v.max : upper_ns(bottom);
  v.min = std::min({min_.load(std::memory_order_relaxed), bottom_hi, v.max});
  v.overflow = b[kOverflow];
  for (std::size_t j = 0; j < kQuantiles; ++j) {
    const std::uint64_t rank = rank_of(qs[j], v.n);
    if (rank == 1 || rank == v.n) {  // the smallest and the largest value are kept exactly
      out[j] = rank == v.n ? v.max : v.min;
      continue;
    }
    std::uint64_t seen = 0;
    std::size_t i = bottom;
    for (; i < kBuckets; ++i) {
      seen += b[i];
      if (seen >= rank) break;
    }
    if (i == kBuckets) {  // in the overflow bucket: the maximum
      out[j] = v.max;
      continue;
    }
    const std::int64_t mid = lower_ns(i) + ((upper_ns(i) - lower_ns(i) + 1) >> 1);
    out[j] = std::clamp(mid, v.min, v.max);
  }
  return v;
}

std::int64_t latency_histogram::quantile_ns(double q) const noexcept {
  const double qs[kQuantiles] = {q, q, q, q, q};
  std::int64_t out[kQuantiles];
  (void)read(qs, out);
  return out[0];
}

latency_histogram::stats latency_histogram::summarize() const noexcept {
  static constexpr double kQs[kQuantiles] = {0.5, 0.9, 0.99, 0.999, 1.0};
  std::int64_t q[kQuantiles];
  const view v = read(kQs, q);
  stats s;
  s.count = v.n;
  s.negative = negative();
  s.overflow = v.overflow;
  s.min_ns = v.min;
  s.p50_ns = q[0];
  s.p90_ns = q[1];
  s.p99_ns = q[2];
  s.p999_ns = q[3];
  s.max_ns = v.max;
  return s;
}

std::string latency_histogram::micros_text(std::int64_t ns) {
  const bool neg = ns < 0;
  const std::uint64_t u = neg ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%llu.%03llu", neg ? "-" : "",
                static_cast<unsigned long long>(u / 1000),
                static_cast<unsigned long long>(u % 1000));
  return buf;
}

std::string latency_histogram::stats::text() const {
  std::string t = "p50 " + micros_text(p50_ns) + " us, p90 " + micros_text(p90_ns) + " us, p99 " +
                  micros_text(p99_ns) + " us, p99.9 " + micros_text(p999_ns) + " us, max " +
                  micros_text(max_ns) + " us (" + std::to_string(count) + " values";
  if (negative > 0) t += ", " + std::to_string(negative) + " negative (clock fault)";
  if (overflow > 0) t += ", " + std::to_string(overflow) + " over 137 s";
  return t + ")";
}

std::string latency_histogram::stats::json_us() const {
  return "{\"p50\":" + micros_text(p50_ns) + ",\"p90\":" + micros_text(p90_ns) +
         ",\"p99\":" + micros_text(p99_ns) + ",\"p999\":" + micros_text(p999_ns) +
         ",\"max\":" + micros_text(max_ns) + "}";
}

void latency_histogram::render(std::string& out, std::string_view prefix,
                               std::string_view what) const {
  const std::string p(prefix), w = escape_help(what);
  const std::string h = p + "_seconds";
  out += "# HELP " + h + " " + w +
         ", seconds. le bounds 1-2-5 per decade from 100 ns to 10 s, each an exact count of "
         "values <= it; negative spans are not in it (see _negative_total).\n# TYPE " +
         h + " histogram\n";
  std::uint64_t cum = 0;
  for (std::size_t k = 0; k < kExport; ++k) {
    cum += export_[k].load(std::memory_order_relaxed);
    out += h + "_bucket{le=\"" + seconds_text(kExportBoundsNs[k]) + "\"} " + std::to_string(cum) +
           "\n";
  }
  cum += export_[kExport].load(std::memory_order_relaxed);
  out += h + "_bucket{le=\"+Inf\"} " + std::to_string(cum) + "\n";
  // _count is the +Inf bucket, read once (count_ may be a record ahead).
  out += h + "_sum " + seconds_text(sum_ns()) + "\n" + h + "_count " + std::to_string(cum) + "\n";

  // A summary (the `quantile` label is a summary's): its quantiles, _count
  // and max from one read of the fine buckets.
  const std::string g = p + "_quantile_seconds";
  static constexpr double kQs[kQuantiles] = {0.5, 0.9, 0.99, 0.999, 1.0};
  static constexpr const char* kLabels[kQuantiles] = {"0.5", "0.9", "0.99", "0.999", "1"};
  std::int64_t q[kQuantiles];
  const view v = read(kQs, q);
  out += "# HELP " + g + " " + w +
         " since start (not over a sliding window), seconds: the nearest-rank quantile within "
         "0.78125 % (the fine histogram's bucket midpoint); quantile 1 is the exact maximum; 0 "
         "before the first value.\n# TYPE " +
         g + " summary\n";
  for (std::size_t j = 0; j < kQuantiles; ++j) {
    out += g + "{quantile=\"" + kLabels[j] + "\"} " + seconds_text(q[j]) + "\n";
  }
  out += g + "_sum " + seconds_text(sum_ns()) + "\n" + g + "_count " + std::to_string(v.n) + "\n";
  out += "# HELP " + p + "_negative_total " + w +
         ": negative spans (received after the decision: a clock fault), not in the "
         "histogram.\n# TYPE " +
         p + "_negative_total counter\n" + p + "_negative_total " + std::to_string(negative()) +
         "\n";
  out += "# HELP " + p + "_overflow_total " + w +
         ": spans of 2^37 ns (137 s) or more, in the +Inf bucket; a quantile there reports the "
         "maximum.\n# TYPE " +
         p + "_overflow_total counter\n" + p + "_overflow_total " + std::to_string(v.overflow) +
         "\n";
}

}  // namespace triarb
