// replay: frames file -> the synchronous pipeline -> journal and counters.
#include "offline/replay.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <variant>

#include "config/execution_plan.h"
#include "core/build_info.h"
#include "core/execution_engine.h"
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

std::string amounts(const std::map<std::string, fixed8>& m) {
  std::string out;
  for (const auto& [k, v] : m) out += " " + k + " " + to_string(v);
  return out.empty() ? " none" : out;
}

}  // namespace

std::string replay_execution::line() const {
  std::ostringstream o;
  const double capture = cycles_started == 0 ? 0.0
                                             : 100.0 * static_cast<double>(cycles_done) /
                                                   static_cast<double>(cycles_started);
  o << "execution: paper cycles " << cycles_started << " (done " << cycles_done << ", residual "
    << cycles_residual << ", missed " << cycles_missed << ") capture ";
  o.setf(std::ios::fixed);
  o.precision(1);
  o << capture << "% orders " << orders << " answers " << answers << " fills " << fills
    << " rejects " << rejects << " refused " << refused << "\n  expected P&L"
    << amounts(expected_pnl) << "; realised P&L" << amounts(realised_pnl) << "\n  residual"
    << amounts(residual) << "\n  balances" << amounts(final_balances);
  return o.str();
}

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
  const auto setup_start = std::chrono::steady_clock::now();
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
  // Paper execution: the production engine and its paper transport, on the
  // recording's clock, against this replay's book.
  std::unique_ptr<execution_engine> eng;
  std::unique_ptr<paper_transport> paper;
  std::map<std::string, order_request> sent;  // client id -> order
  std::vector<fixed8> expect;                 // start + every fill, by asset
  std::string chain = std::string(kZeroHash);
  std::uint64_t chain_seq = 0;
  replay_execution& ex = r.execution;
  const auto asset_name = [&](asset_id a) { return u.assets()[a]; };
  if (o.paper_execution) {
    const execution_plan plan = to_execution_plan(o.config, u);  // config_error
    auto read = [&pipe](symbol_id s) { return pipe->book().read(s); };
    try {
      eng = std::make_unique<execution_engine>(u, idx, plan.engine,
                                               book_valuation(u, plan.valuation, read), plan.start);
    } catch (const std::invalid_argument& e) {
      throw config_error(std::string("execution: ") + e.what());
    }
    latency_model lm;
    lm.constant_ns = o.config.execution.latency_ns;
    lm.jitter_ns = o.config.execution.jitter_ns;
    lm.seed = o.config.execution.seed;
    paper = std::make_unique<paper_transport>(
        u, o.config.fee, lm, [read](symbol_id s, std::int64_t) { return read(s); });
    expect.assign(u.assets().size(), fixed8{});
    for (const asset_balance& b : plan.start) {
      expect[b.asset] = b.balance;
      if (!b.balance.is_zero()) ex.start[asset_name(b.asset)] = b.balance;
    }
    r.executed = true;
  }
  const auto drain = [&](std::int64_t now) {
    for (const execution_record& rec : eng->take_records()) {
      ++ex.records;
      if (journal) {
        const journal_errc ec =
            std::visit([&](const auto& x) { return journal->append(x, now); }, rec);
        if (ec != journal_errc::ok) ++ex.records_failed;
      }
    }
    for (const outgoing_order& out : eng->take_orders()) {
      sent[out.order.client_order_id] = out.order;
      ++ex.orders;
      (void)paper->submit(out);
    }
    (void)eng->take_events();  // halts: the engine refuses further cycles itself
    for (const cycle_outcome& c : eng->take_closed()) {
      fixed8& e = ex.expected_pnl[asset_name(c.start)];
      e = saturating_add(e, c.expected_pnl).value;
      fixed8& g = ex.realised_pnl[asset_name(c.start)];
      g = saturating_add(g, c.realised_pnl).value;
    }
  };
  // Answers every order due at or before `until`, each at its arrival time,
  // against the book as it is now (no later event applied yet).
  const auto pump = [&](std::int64_t until) {
    if (!eng) return;
    while (const auto due = paper->next_due()) {
      if (*due > until) break;
      std::optional<paper_delivery> d = paper->pop_due(*due, eng->balances());
      if (!d) break;
      ++ex.answers;
      const order_request& req = sent.at(d->client_order_id);
      const symbol_info& si = u.symbol(req.symbol);
      if (d->result.status == order_status::rejected) ++ex.rejects;
      for (const order_fill& f : d->result.fills) {
        ++ex.fills;
        const fixed8 q = fill_quote(f.price, f.qty).value;
        const bool buy = req.dir == side::buy;
        expect[si.base] =
            (buy ? saturating_add(expect[si.base], f.qty) : saturating_sub(expect[si.base], f.qty))
                .value;
        expect[si.quote] =
            (buy ? saturating_sub(expect[si.quote], q) : saturating_add(expect[si.quote], q)).value;
        expect[f.commission_asset] = saturating_sub(expect[f.commission_asset], f.commission).value;
      }
      eng->on_result(d->client_order_id, d->result, d->at_ns);
      drain(d->at_ns);
    }
  };
  r.symbols = u.symbols().size();
  r.triangles = idx.size();
  auto sink = [&](const opportunity& op) {
    if (journal && journal->append(to_record(op, idx, u), op.decided_ns) != journal_errc::ok) {
      return false;  // counted as journal_full by the evaluator: never reported unjournaled
    }
    ++r.opportunities;
    if (eng) {
      std::string hash;
      if (journal) {
        hash = journal->last_hash();
      } else {
        (void)format_line(++chain_seq, record_body{to_record(op, idx, u)}, chain, &hash);
        chain = hash;
      }
      eng->on_decision(op, hash, suppress_reason::none, op.decided_ns);
      drain(op.decided_ns);
    }
    return true;
  };
  std::vector<std::int64_t> latency;
  if (o.measure_latency) latency.reserve(1 << 20);
  const auto t0 = std::chrono::steady_clock::now();
  r.setup_seconds = std::chrono::duration<double>(t0 - setup_start).count();
  std::int64_t clock = 0;
  const frames_walk w = frames.for_each(conn_count, [&](const frame_line& l) {
    const auto f0 = o.measure_latency ? std::chrono::steady_clock::now()
                                      : std::chrono::steady_clock::time_point{};
    if (eng) pump(recorded ? l.recv_ns : clock + 1);  // not a call per frame without execution
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
  if (eng) pump(std::numeric_limits<std::int64_t>::max());  // the orders still travelling
  // The frames' time ends here: what follows is the report (the latency
  // quantiles' sorting included), not per-frame work.
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (eng) {
    ex.decisions = eng->counter(exec_counter::decisions);
    ex.cycles_started = eng->counter(exec_counter::cycles_started);
    ex.cycles_done = eng->counter(exec_counter::cycles_done);
    ex.cycles_residual = eng->counter(exec_counter::cycles_residual);
    ex.cycles_missed = eng->counter(exec_counter::cycles_missed);
    for (const exec_counter c : kRefusalsAfterVerdict) ex.refused += eng->counter(c);
    ex.in_flight_at_end = eng->in_flight();
    for (const auto& [a, v] : eng->gate().inventory()) {
      if (!v.is_zero()) ex.residual[asset_name(a)] = v;
    }
    const auto bal = eng->balances().balances();
    for (std::size_t a = 0; a < bal.size(); ++a) {
      if (!bal[a].is_zero()) ex.final_balances[asset_name(static_cast<asset_id>(a))] = bal[a];
      if (!expect[a].is_zero()) {
        ex.start_plus_fills[asset_name(static_cast<asset_id>(a))] = expect[a];
      }
    }
  }
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
  if (journal) (void)journal->sync();
  r.telemetry_json = tel.render_json(clock);
  return r;
}

}  // namespace triarb
