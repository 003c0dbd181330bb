// RapidCheck properties of runtime/latency_histogram.h, each against a slow
// exact reference (a sorted copy of the values, counts by comparison):
//   - every quantile it reports is within 1/128 of the exact nearest-rank
//     quantile (the ceil(q * n)-th smallest value), exact below 128 ns and
//     for the minimum and the maximum, the maximum for a value out of range;
//     count, negative, overflow, sum, min and max are exact; summarize()
//     agrees with quantile_ns();
//   - the Prometheus export: each `le` bucket is the exact count of values
//     <= its bound (the label read back as seconds), +Inf and _count are
//     the count, _sum is the exact sum, and the text passes prometheus_lint.
// Values mix small ones (exact buckets), log-uniform ones over the whole
// range, powers of two and their neighbours, the export bounds and their
// neighbours, values at and above the top of the range, and negative ones.
//
// Reproduce a failure: RC_PARAMS="reproduce=<string printed on failure>"
//   build/default/properties/latency_histogram_properties
// More cases: RC_PARAMS="max_success=100000 max_size=100" (max_size at most 100)
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/latency_histogram.h"
#include "tests/runtime/prometheus_lint.h"

namespace triarb {
namespace {

using H = latency_histogram;

rc::Gen<std::int64_t> gen_value() {
  using G = rc::Gen<std::int64_t>;
  const G small = rc::gen::inRange<std::int64_t>(0, 300);
  // Log-uniform over [1, 2^37): an exponent, then a value with that top bit.
  const G log_uniform = rc::gen::mapcat(rc::gen::inRange(0, H::kTopBit), [](int e) {
    const std::int64_t lo = std::int64_t{1} << e;
    return rc::gen::inRange<std::int64_t>(lo, 2 * lo);
  });
  const G near_power = rc::gen::map(
      rc::gen::pair(rc::gen::inRange(1, H::kTopBit + 2), rc::gen::inRange<std::int64_t>(-2, 3)),
      [](std::pair<int, std::int64_t> p) { return (std::int64_t{1} << p.first) + p.second; });
  const G near_bound =
      rc::gen::map(rc::gen::pair(rc::gen::elementOf(std::vector<std::int64_t>(
                                     H::kExportBoundsNs.begin(), H::kExportBoundsNs.end())),
                                 rc::gen::inRange<std::int64_t>(-2, 3)),
                   [](std::pair<std::int64_t, std::int64_t> p) { return p.first + p.second; });
  const G over = rc::gen::inRange<std::int64_t>(H::kLimitNs - 3, 8 * H::kLimitNs);
  const G negative = rc::gen::inRange<std::int64_t>(-5'000'000, 0);
  return rc::gen::weightedOneOf<std::int64_t>(
      {{3, small}, {8, log_uniform}, {2, near_power}, {2, near_bound}, {1, over}, {1, negative}});
}

// The nearest rank of q = k / 10^6 among n values, ceil(k * n / 10^6) at
// least 1, as the header defines the quantile (the rank-th smallest value):
// in integers, not the double product the code might use (0.07 * 100 =
// 7.000000000000001 in doubles).
std::uint64_t nearest_rank(std::uint64_t k, std::size_t n) {
  return std::max<std::uint64_t>((k * n + 999'999) / 1'000'000, 1);
}

// "0.000001234" -> 1234, exactly (integer and fraction parsed apart).
std::int64_t parse_seconds_ns(std::string_view s) {
  const std::size_t dot = s.find('.');
  const std::int64_t whole = std::stoll(std::string(s.substr(0, dot)));
  std::string frac = dot == std::string_view::npos ? "" : std::string(s.substr(dot + 1));
  RC_ASSERT(frac.size() <= 9u);
  frac.resize(9, '0');
  return whole * 1'000'000'000 + std::stoll(frac);
}

RC_GTEST_PROP(LatencyHistogramProps, QuantilesWithinA128thAndTotalsExact, ()) {
  const auto values = *rc::gen::container<std::vector<std::int64_t>>(gen_value());
  const auto k_random = static_cast<std::uint64_t>(*rc::gen::inRange(0, 1'000'001));
  latency_histogram h;
  for (const std::int64_t v : values) h.record(v);

  std::vector<std::int64_t> kept;  // the distribution: negative values are not in it
  std::uint64_t negative = 0, overflow = 0;
  std::int64_t sum = 0;
  for (const std::int64_t v : values) {
    if (v < 0) {
      ++negative;
      continue;
    }
    kept.push_back(v);
    sum += v;
    overflow += v >= H::kLimitNs ? 1U : 0U;
  }
  std::sort(kept.begin(), kept.end());
  RC_ASSERT(h.count() == kept.size());
  RC_ASSERT(h.negative() == negative);
  RC_ASSERT(h.overflow() == overflow);
  RC_ASSERT(h.sum_ns() == sum);
  if (kept.empty()) {
    RC_ASSERT(h.quantile_ns(0.5) == 0);
    RC_ASSERT(h.min_ns() == 0 && h.max_ns() == 0);
    return;
  }
  RC_ASSERT(h.min_ns() == kept.front());
  RC_ASSERT(h.max_ns() == kept.back());
  for (const std::uint64_t k :
       {std::uint64_t{0}, std::uint64_t{500'000}, std::uint64_t{900'000}, std::uint64_t{990'000},
        std::uint64_t{999'000}, std::uint64_t{1'000'000}, k_random}) {
    const double q = static_cast<double>(k) / 1e6;  // q = k / 10^6
    const std::uint64_t rank = nearest_rank(k, kept.size());
    const std::int64_t exact = kept[rank - 1];
    const std::int64_t got = h.quantile_ns(q);
    RC_LOG() << "q " << q << " rank " << rank << " exact " << exact << " reported " << got << "\n";
    if (rank == 1 || rank == kept.size()) {
      RC_ASSERT(got == exact);  // the minimum and the maximum are kept exactly
    } else if (exact >= H::kLimitNs) {
      RC_ASSERT(got == kept.back());  // overflow: the maximum
    } else if (exact < 128) {
      RC_ASSERT(got == exact);
    } else {
      RC_ASSERT(std::llabs(got - exact) * 128 <= exact);
    }
  }
  RC_ASSERT(h.quantile_ns(0.0) == kept.front());
  RC_ASSERT(h.quantile_ns(1.0) == kept.back());
  const latency_histogram::stats s = h.summarize();
  RC_ASSERT(s.count == kept.size());
  RC_ASSERT(s.min_ns == kept.front() && s.max_ns == kept.back());
  RC_ASSERT(s.p50_ns == h.quantile_ns(0.5));
  RC_ASSERT(s.p90_ns == h.quantile_ns(0.9));
  RC_ASSERT(s.p99_ns == h.quantile_ns(0.99));
  RC_ASSERT(s.p999_ns == h.quantile_ns(0.999));
}

RC_GTEST_PROP(LatencyHistogramProps, PrometheusLeBucketsAreExactCountsAtOrBelowEachBound, ()) {
  const auto values = *rc::gen::container<std::vector<std::int64_t>>(gen_value());
  latency_histogram h;
  for (const std::int64_t v : values) h.record(v);
  std::string text;
  h.render(text, "p", "Property span");
  RC_ASSERT(prometheus_lint(text).empty());

  const auto count_at_or_below = [&](std::int64_t bound) {
    std::uint64_t c = 0;
    for (const std::int64_t v : values) c += v >= 0 && v <= bound ? 1U : 0U;
    return c;
  };
  std::uint64_t kept = 0;
  std::int64_t sum = 0;
  for (const std::int64_t v : values) {
    if (v >= 0) {
      ++kept;
      sum += v;
    }
  }
  std::size_t bounds_seen = 0;
  bool inf_seen = false, sum_seen = false, count_seen = false;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(line.size() + 1);
    const std::size_t sp = line.rfind(' ');
    const std::string_view value = line.substr(sp + 1);
    constexpr std::string_view kBucket = "p_seconds_bucket{le=\"";
    if (line.starts_with(kBucket)) {
      const std::string_view le =
          line.substr(kBucket.size(), line.find('"', kBucket.size()) - kBucket.size());
      const std::uint64_t n = std::stoull(std::string(value));
      if (le == "+Inf") {
        RC_ASSERT(n == kept);
        inf_seen = true;
      } else {
        const std::int64_t bound_ns = parse_seconds_ns(le);
        RC_ASSERT(bound_ns == H::kExportBoundsNs[bounds_seen]);  // the documented bounds, in order
        RC_LOG() << "le " << le << " exported " << n << " exact " << count_at_or_below(bound_ns)
                 << "\n";
        RC_ASSERT(n == count_at_or_below(bound_ns));
        ++bounds_seen;
      }
    } else if (line.starts_with("p_seconds_sum ")) {
      RC_ASSERT(parse_seconds_ns(value) == sum);
      sum_seen = true;
    } else if (line.starts_with("p_seconds_count ")) {
      RC_ASSERT(std::stoull(std::string(value)) == kept);
      count_seen = true;
    }
  }
  RC_ASSERT(bounds_seen == H::kExport);
  RC_ASSERT(inf_seen && sum_seen && count_seen);
}

}  // namespace
}  // namespace triarb
