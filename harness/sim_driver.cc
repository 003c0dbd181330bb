// sim_driver: deterministic simulation of market + bot, judged by ground truth.
#include "harness/sim_driver.h"

#include <charconv>
#include <chrono>
#include <fstream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/build_info.h"
#include "core/journal.h"
#include "core/journal_bridge.h"
#include "core/pipeline.h"
#include "offline/replay.h"
#include "sim/market.h"
#include "sim/rng.h"
#include "sim/universe_gen.h"

namespace triarb {
namespace {

// The journal writer's clock for the interval fsync policy: durability is
// about real time, not simulated time (record times stay simulated).
std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string fixed8_text(fixed8 v) {
  std::string out = "\"";
  out += to_string(v);
  out += '"';
  return out;
}

std::string double_text(double d) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest round-trip form
  return std::string(buf, r.ptr);
}

}  // namespace

std::string sim_config_text(const sim_options& o) {
  std::string t = "# triarb sim\n";
  auto line = [&](std::string_view key, const std::string& value) {
    t.append(key).append(" = ").append(value).append("\n");
  };
  line("seed", std::to_string(o.seed));
  line("duration_ns", std::to_string(o.duration_ns));
  line("tick_interval_ns", std::to_string(o.tick_interval_ns));
  line("symbols_per_connection", std::to_string(o.symbols_per_connection));
  line("combined_stream", o.combined_stream ? "true" : "false");
  line("faults.garbage", double_text(o.faults.garbage));
  line("faults.truncated", double_text(o.faults.truncated));
  line("faults.bad_price", double_text(o.faults.bad_price));
  line("faults.duplicate", double_text(o.faults.duplicate));
  line("faults.reorder", double_text(o.faults.reorder));
  line("faults.mutant_drop_capped", o.faults.mutant_drop_capped ? "true" : "false");
  line("fee", fixed8_text(o.eval.default_fee));
  for (std::size_t s = 0; s < o.eval.fee_by_symbol.size(); ++s) {
    line("fee_by_symbol." + std::to_string(s), fixed8_text(o.eval.fee_by_symbol[s]));
  }
  line("min_profit", fixed8_text(o.eval.min_profit));
  line("budget", fixed8_text(o.eval.default_budget));
  for (std::size_t a = 0; a < o.eval.budget_by_asset.size(); ++a) {
    line("budget_by_asset." + std::to_string(a), fixed8_text(o.eval.budget_by_asset[a]));
  }
  line("max_leg_age_ns", std::to_string(o.eval.max_leg_age_ns));
  return t;
}

void write_exchange_info(const std::string& path, std::string_view json) {
  std::ofstream out(path, std::ios::binary);
  out << json;
  if (!out) throw std::runtime_error(path + ": cannot write");
}

sim_report run_sim(const sim_options& o, std::ostream& ticks) {
  const sim::generated_universe gen = sim::generate_universe({}, o.seed);
  const universe u = load_exchange_info(gen.exchange_info_json);
  if (!o.exchange_info_out.empty())
    write_exchange_info(o.exchange_info_out, gen.exchange_info_json);
  const auto usdt = u.find_asset("USDT");
  if (!usdt) throw std::runtime_error("generated universe has no USDT");
  const asset_id starts[] = {*usdt};
  const triangle_index idx = triangle_index::build(u, starts);

  sim::market_params mp;
  mp.seed = o.seed * 0x9e3779b97f4a7c15ULL + 1;
  sim::market m(u, sim::reference_prices(gen), mp);
  m.seed_all();
  sim::sim_rng fault_rng(o.seed ^ 0xfa017ULL);

  telemetry tel;
  sync_pipeline p(u, idx, o.eval, tel);
  const std::size_t n = u.symbols().size();
  std::vector<connection_id> conn_of(n);
  const auto groups = split_into_connections(n, o.symbols_per_connection);
  for (const std::vector<symbol_id>& group : groups) {
    const connection_id c = p.feed().add_connection(group);
    for (symbol_id s : group) conn_of[s] = c;
  }

  std::unique_ptr<journal_writer> journal;
  if (!o.journal_path.empty()) {
    journal_options jo;
    jo.version = journal_version("sim");
    // The genesis's time is the wall clock's (the recording's start event is
    // at simulated time 0, so the audit never pairs them by time: the one
    // simulated process serves every session, restarts included).
    jo.start_ns = wall_ns();
    jo.config_text = sim_config_text(o);
    jo.universe = std::to_string(u.fingerprint());
    jo.fsync = o.journal_fsync;
    jo.start_new_on_broken = o.new_journal;
    journal = std::make_unique<journal_writer>(journal_writer::open(o.journal_path, jo));
  }
  // A simulated run is one process: its recording starts over with one
  // start event.
  std::unique_ptr<frames_recorder> frames_out;
  if (!o.frames_out.empty()) {
    frames_out =
        std::make_unique<frames_recorder>(o.frames_out, frames_recorder::open_mode::start_over);
    frames_out->start(0);
  }

  sim_report r;
  r.symbols = n;
  r.assets = u.assets().size();
  r.triangles = idx.size();
  r.connections = p.feed().symbols_of(0).empty()
                      ? 0
                      : (n + o.symbols_per_connection - 1) / o.symbols_per_connection;
  const sim::exact threshold = 1 + sim::exact(static_cast<long long>(o.eval.min_profit.raw())) /
                                       sim::exact(static_cast<long long>(fixed8::kScale));
  frame_buffer buf;
  std::vector<std::string> last_frame(n);

  auto sink = [&](const opportunity& op) {
    ++r.opportunities;
    const triangle& t = idx.triangle_at(op.triangle);
    if (m.truth_ratio(t, o.eval.default_fee) > threshold) {
      ++r.real;
    } else {
      ++r.phantom;
    }
    if (journal) {
      const journal_errc ec = journal->append(to_record(op, idx, u), wall_ns());
      if (ec != journal_errc::ok) return false;
    }
    return true;
  };
  auto deliver = [&](const std::string& frame, symbol_id s, std::int64_t now) {
    ++r.frames;
    if (frames_out) frames_out->frame(now, conn_of[s], frame.data(), frame.size());
    buf.assign(frame);
    (void)p.process(conn_of[s], buf.data(), buf.size(), now, sink);
  };
  auto emit = [&](symbol_id s, std::int64_t now) {
    std::string frame = sim::encode_frame(m, s, o.combined_stream);
    if (o.faults.mutant_drop_capped && m.as_quote(s).qty_capped) {
      return;  // the old bug: a capped quantity dropped the frame, nothing invalidated
    }
    const std::string clean = frame;
    if (sim::corrupt_frame(frame, o.faults, fault_rng) != sim::frame_fault::none) {
      ++r.faults_injected;
    }
    deliver(frame, s, now);
    const sim::repeat_faults rep = sim::draw_repeats(o.faults, !last_frame[s].empty(), fault_rng);
    if (rep.duplicate) {
      ++r.faults_injected;
      deliver(frame, s, now);
    }
    if (rep.reorder) {
      ++r.faults_injected;
      deliver(last_frame[s], s, now);  // older update id: must be dropped
    }
    last_frame[s] = clean;
  };

  for (symbol_id s = 0; s < n; ++s) emit(s, 0);
  std::int64_t next_tick = o.tick_interval_ns;
  while (m.now_ns() < o.duration_ns) {
    const sim::market_update up = m.step();
    emit(up.symbol, up.time_ns);
    if (up.time_ns >= next_tick) {
      ticks << tel.render_json(up.time_ns) << '\n';
      if (journal)
        (void)journal->append(checkpoint_record{up.time_ns, tel.render_json(up.time_ns)},
                              wall_ns());
      next_tick += o.tick_interval_ns;
    }
  }
  r.dislocations = m.dislocations();
  r.telemetry_json = tel.render_json(m.now_ns());
  if (journal) (void)journal->sync();
  if (frames_out && !frames_out->flush()) {
    throw std::runtime_error(o.frames_out + ": " + std::to_string(frames_out->write_failures()) +
                             " events could not be written");
  }
  return r;
}

void print_summary(const sim_report& r, std::ostream& out) {
  out << "summary\n"
      << "  symbols            " << r.symbols << " over " << r.assets << " assets\n"
      << "  connections        " << r.connections << "\n"
      << "  triangles          " << r.triangles << " (start asset USDT)\n"
      << "  frames             " << r.frames << " (" << r.faults_injected << " with faults)\n"
      << "  dislocations       " << r.dislocations << " injected\n"
      << "  opportunities      " << r.opportunities << ": " << r.real << " real, " << r.phantom
      << " phantom (by the simulator's true quotes)\n"
      << "  counters           " << r.telemetry_json << "\n";
}

}  // namespace triarb
