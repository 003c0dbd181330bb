// stage_latency: see stage_latency.h.
#include "runtime/stage_latency.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "runtime/latency_histogram.h"

namespace triarb {

stage_sampler::stage_sampler(std::uint32_t every, std::size_t capacity)
    : every_(std::max<std::uint32_t>(every, 1)), capacity_(capacity) {
  feed_.reserve(capacity_);  // no allocation on the hot path
  eval_.reserve(capacity_);
}

std::vector<stage_summary> stage_sampler::summarize(stage_counts* counts) const {
  const auto key = [](symbol_id s, std::uint64_t u) {
    return (std::uint64_t{s} << 44) ^ u;  // update ids stay far below 2^44 in practice
  };
  std::unordered_map<std::uint64_t, const feed_stamp*> by_key;
  by_key.reserve(feed_.size());
  for (const feed_stamp& f : feed_) by_key[key(f.symbol, f.update_id)] = &f;

  enum { kHandlerIn, kApplied, kParse, kPickup, kEval, kTotal, kStages };
  static const char* const kNames[kStages] = {
      "receive -> handler",   "handler: parse + book write + mark", "  parse (again, same bytes)",
      "applied -> picked up", "picked up -> decided (evaluation)",  "receive -> decided"};
  std::vector<latency_histogram> h(kStages);
  std::vector<std::int64_t> max(kStages, 0);
  stage_counts c;
  c.feed_samples = feed_.size();
  c.eval_samples = eval_.size();
  c.dropped = feed_dropped_ + eval_dropped_;
  c.not_applied = not_applied_;
  const auto put = [&](int i, std::int64_t ns) {
    ns = std::max<std::int64_t>(ns, 0);
    h[i].record(ns);
    max[i] = std::max(max[i], ns);
  };
  for (const eval_stamp& e : eval_) {
    const auto it = by_key.find(key(e.symbol, e.update_id));
    if (it == by_key.end() || it->second->recv_ns != e.recv_ns) continue;
    const feed_stamp& f = *it->second;
    ++c.matched;
    put(kHandlerIn, f.handler_ns - f.recv_ns);
    put(kApplied, f.applied_ns - f.handler_ns);
    put(kParse, f.parse_ns);
    if (e.picked_ns < f.applied_ns) ++c.picked_before_applied;
    put(kPickup, e.picked_ns - f.applied_ns);
    put(kEval, e.decided_ns - e.picked_ns);
    put(kTotal, e.decided_ns - f.recv_ns);
  }
  c.coalesced = c.feed_samples - std::min(c.feed_samples, c.matched);
  std::vector<stage_summary> out;
  for (int i = 0; i < kStages; ++i) {
    stage_summary s;
    s.name = kNames[i];
    s.count = h[i].count();
    s.p50_ns = h[i].quantile_ns(0.5);
    s.p90_ns = h[i].quantile_ns(0.9);
    s.p99_ns = h[i].quantile_ns(0.99);
    s.max_ns = max[i];
    out.push_back(std::move(s));
  }
  if (counts != nullptr) *counts = c;
  return out;
}

std::string format_stages(const std::vector<stage_summary>& stages, const stage_counts& c) {
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "  %-38s %8s %9s %9s %9s %9s\n", "stage (us)", "count", "p50",
                "p90", "p99", "max");
  out += line;
  for (const stage_summary& s : stages) {
    std::snprintf(line, sizeof line, "  %-38s %8llu %9.2f %9.2f %9.2f %9.2f\n", s.name.c_str(),
                  static_cast<unsigned long long>(s.count), static_cast<double>(s.p50_ns) / 1e3,
                  static_cast<double>(s.p90_ns) / 1e3, static_cast<double>(s.p99_ns) / 1e3,
                  static_cast<double>(s.max_ns) / 1e3);
    out += line;
  }
  std::snprintf(
      line, sizeof line,
      "  samples: feed %llu, evaluator %llu, matched %llu, coalesced %llu, dropped "
      "%llu, picked up before the handler returned %llu, not applied (duplicate, stale) %llu\n",
      static_cast<unsigned long long>(c.feed_samples),
      static_cast<unsigned long long>(c.eval_samples), static_cast<unsigned long long>(c.matched),
      static_cast<unsigned long long>(c.coalesced), static_cast<unsigned long long>(c.dropped),
      static_cast<unsigned long long>(c.picked_before_applied),
      static_cast<unsigned long long>(c.not_applied));
  out += line;
  return out;
}

}  // namespace triarb
