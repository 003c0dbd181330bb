// replay: frames file -> the synchronous pipeline -> journal and counters.
#include "offline/replay.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <memory>
#include <stdexcept>

#include "core/build_info.h"
#include "core/frames_file.h"
#include "core/journal.h"
#include "core/journal_bridge.h"
#include "core/pipeline.h"
#include "offline/recorded_event.h"

namespace triarb {
namespace {

// The symbol a frame names in its "s" field, found without parsing (the
// parser decides validity; this only routes the line to its connection).
symbol_id named_symbol(std::string_view line, const symbol_table& t) {
  const auto at = line.find("\"s\":\"");
  if (at == std::string_view::npos) return kNoSymbol;
  const auto begin = at + 5;
  const auto end = line.find('"', begin);
  if (end == std::string_view::npos) return kNoSymbol;
  return t.find(line.substr(begin, end - begin));
}

}  // namespace

std::int64_t latency_quantile_ns(std::vector<std::int64_t>& values, std::uint32_t ppm) {
  // rank = ceil(ppm * n / 10^6), at least 1, without overflow: n = a * 10^6 + b.
  constexpr std::uint64_t kM = 1'000'000;
  const std::uint64_t n = values.size();
  const std::uint64_t rank =
      std::max<std::uint64_t>((n / kM) * ppm + ((n % kM) * ppm + kM - 1) / kM, 1);
  const auto k = static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[static_cast<std::size_t>(k)];
}

replay_report run_replay(const replay_options& o) {
  const universe u = load_exchange_info_file(o.exchange_info);
  const triangle_index idx = triangle_index::build(u, start_asset_ids(o.config, u));

  const frames_file frames(o.frames);
  const bool recorded = frames.recorded();
  evaluator_config cfg = to_evaluator_config(o.config, u);
  const auto per_connection = static_cast<std::size_t>(o.config.symbols_per_connection);
  if (!recorded) cfg.max_leg_age_ns = std::numeric_limits<std::int64_t>::max();  // logical clock
  telemetry tel;
  // One pipeline per process the recording holds: a start event (a restart)
  // begins a fresh one, with an empty book, as the new process had.
  std::unique_ptr<sync_pipeline> pipe;
  std::vector<connection_id> conn_of(u.symbols().size());
  auto fresh_pipeline = [&] {
    pipe = std::make_unique<sync_pipeline>(u, idx, cfg, tel);
    for (auto& group : split_into_connections(u.symbols().size(), per_connection)) {
      const connection_id c = pipe->feed().add_connection(group);
      for (symbol_id s : group) conn_of[s] = c;
    }
  };
  fresh_pipeline();
  // A frame goes to the connection of the symbol it names; one that names no
  // tracked symbol (garbage) to the connection of the previous frame, where
  // it would have arrived live.
  connection_id last_conn = 0;
  const std::size_t conn_count = (u.symbols().size() + per_connection - 1) / per_connection;

  std::unique_ptr<journal_writer> journal;
  if (!o.journal_path.empty()) {
    journal_options jo;
    jo.version = journal_version("replay");
    jo.config_text = o.config.decision_toml();
    jo.universe = std::to_string(u.fingerprint());
    jo.fsync.k = fsync_policy::kind::never;
    journal = std::make_unique<journal_writer>(journal_writer::open(o.journal_path, jo));
  }

  replay_report r;
  r.symbols = u.symbols().size();
  r.triangles = idx.size();
  auto sink = [&](const opportunity& op) {
    if (journal && journal->append(to_record(op, idx, u), op.decided_ns) != journal_errc::ok) {
      return false;  // counted as journal_full by the evaluator: never reported unjournaled
    }
    ++r.opportunities;
    return true;
  };
  std::vector<std::int64_t> latency;
  if (o.measure_latency) latency.reserve(1 << 20);
  const auto t0 = std::chrono::steady_clock::now();
  std::int64_t clock = 0;
  const frames_walk w = frames.for_each(conn_count, [&](const frame_line& l) {
    const auto f0 = o.measure_latency ? std::chrono::steady_clock::now()
                                      : std::chrono::steady_clock::time_point{};
    if (recorded) {
      clock = l.recv_ns;
      if (l.event == frame_event::start) {
        if (++r.sessions > 1) fresh_pipeline();
      } else {
        (void)apply_recorded(*pipe, l, frames.path(), sink);
        ++r.events[static_cast<std::size_t>(l.event)];
      }
    } else {
      const symbol_id s = named_symbol(l.view(), pipe->symbols());
      const connection_id c = s == kNoSymbol ? last_conn : conn_of[s];
      last_conn = c;
      (void)pipe->process(c, l.data, l.size, ++clock, sink);
    }
    if (o.measure_latency) latency.push_back((std::chrono::steady_clock::now() - f0).count());
    return true;
  });
  if (!latency.empty()) {
    r.latency_p50_ns = latency_quantile_ns(latency, 500'000);
    r.latency_p90_ns = latency_quantile_ns(latency, 900'000);
    r.latency_p99_ns = latency_quantile_ns(latency, 990'000);
    r.latency_p999_ns = latency_quantile_ns(latency, 999'000);
    r.latency_max_ns = *std::max_element(latency.begin(), latency.end());
  }
  if (!recorded) r.events[static_cast<std::size_t>(frame_event::frame)] = w.frames;
  r.frames = r.events[static_cast<std::size_t>(frame_event::frame)];
  r.sessions = std::max<std::uint64_t>(r.sessions, 1);
  r.empty_lines = w.empty_lines;
  r.torn_bytes = w.torn_bytes;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (journal) (void)journal->sync();
  r.telemetry_json = tel.render_json(clock);
  return r;
}

}  // namespace triarb
