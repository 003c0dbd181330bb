// network_demo: `triarb demo` (see network_demo.h).
#include "harness/network_demo.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "core/build_info.h"
#include "core/decimal_text.h"
#include "core/journal_verify.h"
#include "harness/sim_driver.h"
#include "offline/journal_audit.h"
#include "runtime/live_bot.h"
#include "sim/exchange/sim_exchange.h"
#include "sim/market.h"

namespace triarb {
namespace {

// The demo's temporary directory and what it holds: made by mkdtemp under
// $TMPDIR (else /tmp), so that no other process shares it. It holds the
// journal (journal.jsonl, unless a path was given) and, in sim mode, the
// demo account's API key file (owner-only, the bot reads it as
// net/api_keys.h says). The destructor removes the key file always, the
// journal's chain files unless kept, then the directory if it is empty.
class demo_files {
 public:
  demo_files(const network_demo_options& d, std::ostream& ticks) : ticks_(ticks) {
    const bool need_dir = d.journal_path.empty() || d.execution == execution_mode::sim;
    if (need_dir) {
      const char* env = std::getenv("TMPDIR");
      const std::string base = env != nullptr && *env != '\0' ? env : "/tmp";
      std::string dir = base + "/triarb-demo-XXXXXX";
      if (::mkdtemp(dir.data()) == nullptr) {
        throw std::runtime_error("demo: cannot make a temporary directory under " + base +
                                 " ($TMPDIR): " + std::strerror(errno) +
                                 (d.journal_path.empty() ? " (or give --journal PATH)" : ""));
      }
      dir_ = dir;
    }
    if (!d.journal_path.empty()) {
      path_ = d.journal_path;
    } else {
      path_ = dir_ + "/journal.jsonl";
      temporary_journal_ = true;
      keep_ = d.keep_journal;
    }
  }
  demo_files(const demo_files&) = delete;
  demo_files& operator=(const demo_files&) = delete;
  ~demo_files() {
    if (dir_.empty()) return;
    try {
      std::error_code ec;
      if (!key_file_.empty() && !std::filesystem::remove(key_file_, ec) && ec) {
        ticks_ << "triarb demo: cannot remove the API key file " << key_file_ << ": "
               << ec.message() << "\n";
      }
      if (temporary_journal_ && keep_) return;  // the directory stays with the journal
      if (temporary_journal_) {
        for (const std::string& f : chain_files(path_)) std::filesystem::remove(f, ec);
      }
      if (!std::filesystem::remove(dir_, ec) && ec) {
        ticks_ << "triarb demo: cannot remove the temporary directory " << dir_ << ": "
               << ec.message() << "\n";
      }
    } catch (const std::exception& e) {  // a destructor: say so, never throw
      ticks_ << "triarb demo: cannot remove the temporary files in " << dir_ << ": " << e.what()
             << "\n";
    }
  }

  // Writes the key on line 1 and the secret on line 2 to a new file in the
  // directory, created owner-only (0600, O_EXCL, no symbolic link
  // followed): net/api_keys.h's file rules. Returns its path. Throws
  // std::runtime_error naming the file (never its content).
  const std::string& write_key_file(std::string_view key, std::string_view secret) {
    const std::string path = dir_ + "/api-keys";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                          S_IRUSR | S_IWUSR);
    if (fd < 0) {
      throw std::runtime_error("demo: cannot create the API key file " + path + ": " +
                               std::strerror(errno));
    }
    key_file_ = path;  // removed at the end from now on
    std::string text;
    text.reserve(key.size() + secret.size() + 2);
    text.append(key).append("\n").append(secret).append("\n");
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = errno;
        ::close(fd);
        std::fill(text.begin(), text.end(), '\0');
        throw std::runtime_error("demo: cannot write the API key file " + path + ": " +
                                 std::strerror(err));
      }
      done += static_cast<std::size_t>(n);
    }
    std::fill(text.begin(), text.end(), '\0');
    if (::close(fd) != 0) {
      throw std::runtime_error("demo: cannot write the API key file " + path + ": " +
                               std::strerror(errno));
    }
    return key_file_;
  }

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] bool temporary() const noexcept { return temporary_journal_; }
  [[nodiscard]] bool removed_at_end() const noexcept { return temporary_journal_ && !keep_; }
  void keep() noexcept { keep_ = true; }

 private:
  std::ostream& ticks_;
  std::string path_;
  std::string dir_;       // non-empty: the demo's temporary directory
  std::string key_file_;  // non-empty: written, removed at the end
  bool temporary_journal_ = false;
  bool keep_ = true;
};

std::string percent(std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return "-";
  std::ostringstream os;
  os << std::fixed << std::setprecision(1)
     << 100.0 * static_cast<double>(part) / static_cast<double>(whole) << "%";
  return os.str();
}

// "ETH 0.5, USDT -1" (zeros left out), or "none".
std::string amounts(const std::map<std::string, fixed8>& m) {
  if (std::all_of(m.begin(), m.end(), [](const auto& kv) { return kv.second.is_zero(); })) {
    return "none";
  }
  std::string out;
  for (const auto& [asset, v] : m) {
    if (v.is_zero()) continue;
    if (!out.empty()) out += ", ";
    out += asset + " " + to_string(v);
  }
  return out;
}

struct execution_check {
  bool ok = true;  // false: the ledger differs from the exchange's account (sim)
};

// The summary's execution lines (paper or sim): cycles by outcome, capture
// rate, expected against realised P&L, residual inventory, and in sim mode
// the ledger check: the bot's ledger against the demo account as the
// exchange holds it, asset by asset, exactly (every asset either side holds
// a non-zero amount of).
execution_check execution_lines(
    const live_report& r, const execution_settings& cfg,
    const std::optional<std::vector<std::pair<std::string, fixed8>>>& account, std::ostream& out) {
  execution_check check;
  if (!r.execution) {
    out << "  execution          off (detection only)\n";
    return check;
  }
  const execution_summary& e = *r.execution;
  const std::uint64_t started = e.count(exec_counter::cycles_started);
  const std::uint64_t done = e.count(exec_counter::cycles_done);
  const std::uint64_t missed =
      e.count(exec_counter::cycles_missed) + e.count(exec_counter::cycles_rejected);
  std::uint64_t refused = 0;
  for (const exec_counter c : kDecisionRefusals) refused += e.count(c);
  out << "  execution          " << to_string(e.mode) << ": cycles attempted " << started
      << ", done " << done << ", residual " << e.count(exec_counter::cycles_residual) << ", missed "
      << missed << " (" << e.count(exec_counter::cycles_rejected) << " with leg 1 rejected)";
  if (e.open_cycles > 0) out << ", " << e.open_cycles << " still open";
  out << "; of " << e.count(exec_counter::decisions) << " decisions " << refused
      << " not attempted (suppressed " << e.count(exec_counter::refused_suppressed)
      << ", bad decision " << e.count(exec_counter::refused_bad_decision) << ", not active "
      << e.count(exec_counter::refused_not_active) << ", paused (429/418) "
      << e.count(exec_counter::refused_paused) << ", plan " << e.count(exec_counter::refused_plan)
      << ", balance " << e.count(exec_counter::refused_balance) << ", risk gate "
      << e.count(exec_counter::refused_gate) << ")\n"
      << "  orders             " << e.count(exec_counter::orders_sent) << " sent, "
      << e.count(exec_counter::results) << " answered ("
      << e.count(exec_counter::results) - e.count(exec_counter::rejects) << " accepted with "
      << e.count(exec_counter::fills) << " trades, " << e.count(exec_counter::rejects)
      << " rejected), " << e.count(exec_counter::timeouts) << " timed out ("
      << e.count(exec_counter::reconciled) << " reconciled); " << e.in_flight
      << " unanswered at the end";
  if (e.acks > 0) {
    std::ostringstream ms;
    ms << std::fixed << std::setprecision(3)
       << static_cast<double>(e.ack_sum_ns) / static_cast<double>(e.acks) / 1e6 << " ms, max "
       << static_cast<double>(e.ack_max_ns) / 1e6 << " ms";
    out << "; send -> answer mean " << ms.str();
  }
  // Per leg position over the closed cycles: slippage against the planned
  // price (bps of the planned notional, + is worse) and send -> answer time.
  out << "\n  slippage          ";
  for (std::size_t k = 0; k < e.legs.size(); ++k) {
    const leg_execution_stats& l = e.legs[k];
    out << (k == 0 ? " " : "; ") << "leg " << k + 1 << " ";
    if (l.filled == 0) {
      out << "none filled";
    } else {
      out << "median " << decimal_text(l.slip_median_e2, 2) << " bps, worst "
          << decimal_text(l.slip_worst_e2, 2) << " (" << l.filled << " filled)";
    }
    if (l.answered > 0) {
      out << ", answer median " << decimal_text(l.ack_median_ns / 1000, 3) << " ms, max "
          << decimal_text(l.ack_max_ns / 1000, 3) << " ms";
    }
  }
  out << "\n"
      << "  capture rate       " << percent(done, started) << " of cycles attempted (" << done
      << " of " << started << " done), " << percent(done, r.opportunities) << " of the "
      << r.opportunities << " opportunities detected\n";
  std::set<std::string> assets;
  for (const auto& [a, v] : e.expected_pnl) assets.insert(a);
  for (const auto& [a, v] : e.realised_pnl) assets.insert(a);
  out << "  P&L                ";
  if (assets.empty()) out << "no cycle closed";
  bool first = true;
  for (const std::string& a : assets) {
    const auto ex = e.expected_pnl.find(a);
    const auto re = e.realised_pnl.find(a);
    out << (first ? "" : "; ") << a << " expected "
        << (ex == e.expected_pnl.end() ? "0" : to_string(ex->second)) << ", realised "
        << (re == e.realised_pnl.end() ? "0" : to_string(re->second));
    first = false;
  }
  out << " (closed cycles, exact)\n"
      << "  residual inventory " << amounts(e.residual) << " (the risk gate admits no cycle while "
      << "its value exceeds execution.max_residual_value, " << to_string(cfg.max_residual_value)
      << " " << cfg.valuation_asset << ")\n";
  if (e.mode != execution_mode::sim) {
    out << "  ledger check       paper: the ledger is the account (" << amounts(e.balances)
        << ")\n";
    return check;
  }
  if (!account) {
    check.ok = false;
    out << "  ledger check       FAILED: the exchange has no demo account\n";
    return check;
  }
  std::map<std::string, fixed8> theirs;
  for (const auto& [a, v] : *account) {
    if (!v.is_zero()) theirs[a] = v;
  }
  std::set<std::string> all;
  for (const auto& [a, v] : theirs) all.insert(a);
  for (const auto& [a, v] : e.balances) all.insert(a);
  std::string diff;
  for (const std::string& a : all) {
    const auto o = e.balances.find(a);
    const auto t = theirs.find(a);
    const fixed8 ours = o == e.balances.end() ? fixed8::zero() : o->second;
    const fixed8 exch = t == theirs.end() ? fixed8::zero() : t->second;
    if (ours != exch) {
      diff += (diff.empty() ? "" : "; ") + a + " ours " + to_string(ours) + ", exchange's " +
              to_string(exch);
    }
  }
  check.ok = diff.empty();
  if (check.ok) {
    out << "  ledger check       equal: the bot's ledger is the exchange's account, asset by "
           "asset ("
        << all.size() << " assets: " << amounts(theirs) << ")\n";
  } else {
    out << "  ledger check       NOT equal: " << diff;
    if (e.in_flight > 0 || e.unknown > 0) {
      out << " (" << e.in_flight << " orders unanswered, " << e.unknown << " unknown at the end)";
    }
    out << "\n";
  }
  return check;
}

}  // namespace

int run_network_demo(const network_demo_options& d, std::ostream& out, std::ostream& ticks) {
  live_options o;
  sim_exchange_options xo;
  xo.seed = d.seed;
  // The demo account: kDemoStartBalance of each start asset (its balances
  // are what the bot's ledger starts from in sim mode; paper starts from
  // the same amounts).
  sim_account_spec account{std::string(kDemoApiKey), std::string(kDemoApiSecret), {}};
  for (const std::string& a : o.cfg.start_assets) {
    account.balances.emplace_back(a, kDemoStartBalance);
    o.cfg.execution.balances[a] = kDemoStartBalance;
  }
  xo.accounts.push_back(std::move(account));
  sim_exchange ex(xo);
  ex.start();
  if (d.fault_rate > 0) {
    ex.set_fault_rates(d.fault_rate, d.fault_rate, d.fault_rate, d.fault_rate, d.fault_rate);
  }
  if (!d.exchange_info_out.empty()) write_exchange_info(d.exchange_info_out, ex.exchange_info());
  demo_files journal(d, ticks);
  o.cfg.execution.mode = d.execution;
  // Each opportunity is sized (strategy.budget) within what the risk gate
  // lets leg 1 spend (execution.max_notional): with the library's budget of
  // 1,000 against its 100, the gate refused all but 1 of 1,446 decisions of
  // a 3 s demo on notional.
  o.cfg.budget = o.cfg.execution.max_notional;
  // The residual inventory the gate tolerates: 10 % of the demo account
  // (the library's 100 USDT, one leg 1's notional, stopped every cycle after
  // the first residual one, within the first 100 ms of a 30 s demo).
  o.cfg.execution.max_residual_value = fixed8::from_units(1'000);
  if (d.execution == execution_mode::sim) {
    o.cfg.execution.key_file = journal.write_key_file(kDemoApiKey, kDemoApiSecret);
  }
  o.cfg.rest_url = ex.rest_url();
  o.cfg.ws_url = ex.ws_url();
  o.cfg.metrics_address.clear();
  o.cfg.telemetry_interval_ms =
      std::max<std::int64_t>(100, static_cast<std::int64_t>(d.tick_s * 1000));
  o.tls.ca_pem = ex.ca_pem();
  o.duration_ms = static_cast<std::int64_t>(d.duration_s * 1000);
  o.ticks = &ticks;
  o.record_path = d.record_path;
  // A demo is one process against an exchange of its own: its recording
  // starts over (a restarted `triarb record` continues its file).
  o.record_mode = frames_recorder::open_mode::start_over;
  o.journal = true;
  o.new_journal = d.new_journal;
  o.cfg.journal_path = journal.path();
  o.cfg.journal_fsync = d.journal_fsync;
  // The guard's knobs for this simulated market (the library defaults are
  // for a live exchange's pace: their rate guard halted the demo in its
  // first second, and their repeat guard quarantined genuine triangles).
  // Measured with `triarb demo --duration 20`, seeds 1, 2, 3 (the guard's
  // verdicts aside, every opportunity judged real; the journal's records):
  // opportunities per 1 s window peak 1,115 / 936 / 1,283 (means 638 / 514
  // / 576); the longest run of one triangle's reports with a leg's update id
  // unchanged 20 / 20 / 19 (a slowly updating symbol, within the 10 s
  // window). Margins: the rate floor 3,000 (over twice the peak 1,283; the
  // factor 20 after warm-up stays, the peak being ~2.2 times the mean); the
  // repeat guard at 60 reports (three times 20). A frozen leg, which repeats
  // on every frame of its other legs, still passes 60 within seconds.
  o.cfg.guard.rate_floor = 3'000;
  o.cfg.guard.repeat_reports = 60;
  const fixed8 fee = o.cfg.fee;
  const sim::exact threshold = 1 + sim::exact(static_cast<long long>(o.cfg.min_profit.raw())) /
                                       sim::exact(static_cast<long long>(fixed8::kScale));
  // Two judgements: the strict one (profitable on the exchange's quotes at
  // the moment of decision, frames in flight notwithstanding) and the one
  // the bot answers for (its legs were quotes the exchange really sent, all
  // current when the newest was sent, and profitable on them).
  // Frames of different connections may pass each other: a leg replaced at
  // most kInFlightMs of exchange updates before the newest leg was sent is
  // still current. A frozen leg (the bug this bot exists to prevent) lags by
  // far more: it is still judged.
  constexpr double kInFlightMs = 100;
  const auto in_flight_updates =
      static_cast<std::uint64_t>(xo.updates_per_second * kInFlightMs / 1000);
  std::atomic<std::uint64_t> still_real{0}, real{0}, phantom{0}, not_simultaneous{0},
      unknown_quote{0};
  // Split by the guard's verdict (on_verdict, same thread, right after
  // on_opportunity for the same opportunity): actionable or suppressed.
  std::atomic<std::uint64_t> real_suppressed{0}, phantom_actionable{0}, phantom_suppressed{0};
  bool last_real = false;  // the sink's thread only: on_opportunity's judgement
  o.on_verdict = [&](const opportunity&, suppress_reason why) {
    const bool actionable = why == suppress_reason::none;
    if (last_real) {
      if (!actionable) ++real_suppressed;
    } else {
      ++(actionable ? phantom_actionable : phantom_suppressed);
    }
  };
  o.on_opportunity = [&](const opportunity& op, const triangle& t) {
    last_real = false;
    if (ex.truth_ratio(t, fee) > threshold) ++still_real;
    std::array<sim::market::leg_claim, 3> claims;
    for (std::size_t i = 0; i < 3; ++i) {
      claims[i] = {op.legs[i].symbol, op.legs[i].dir, op.legs[i].price, op.legs[i].update_id};
    }
    switch (ex.judge(claims, fee, threshold, in_flight_updates)) {
      case sim::market::verdict::real:
        ++real;
        last_real = true;
        break;
      case sim::market::verdict::not_profitable:
        ++phantom;
        break;
      case sim::market::verdict::not_simultaneous:
        ++phantom;
        ++not_simultaneous;
        break;
      case sim::market::verdict::unknown_quote:
        ++phantom;
        ++unknown_quote;
        break;
    }
  };
  ticks << "triarb demo: " << build_identity() << "\n"
        << "triarb demo: journal " << journal.path()
        << (!journal.temporary()       ? ""
            : journal.removed_at_end() ? " (temporary: removed at the end; --keep-journal keeps it)"
                                       : " (temporary, kept: --keep-journal)")
        << "\n";
  ticks << "triarb demo: simulated exchange on " << ex.rest_url() << " (seed " << d.seed
        << ", fault rate " << d.fault_rate << " per kind), bot over TLS + WebSocket for "
        << d.duration_s << " s; Ctrl-C stops\n";
  const execution_settings exec_cfg = o.cfg.execution;
  live_bot bot(std::move(o));
  const stop_signals signals = install_stop_signals(bot);  // goes before the bot
  const live_report r = bot.run();
  const sim_exchange::stats xs = ex.get_stats();
  // The demo account as the exchange holds it (its ground truth), read after
  // the bot stopped: the executor took every answer due before run() returned.
  const auto demo_account = ex.balances(kDemoApiKey);
  ex.stop();
  if (!r.stopped_during_startup.empty()) {
    out << "triarb demo: stopped during start-up, before any connection: "
        << r.stopped_during_startup << "\n";
    return 1;
  }

  out << "summary (network demo)\n"
      << "  symbols            " << r.symbols << " over " << r.assets << " assets\n"
      << "  connections        " << r.connections << " (" << xs.connections_accepted
      << " accepted by the exchange)\n"
      << "  triangles          " << r.triangles << " (start asset USDT)\n"
      << "  frames             " << r.frames << " received in " << std::fixed
      << std::setprecision(1) << r.seconds << " s ("
      << static_cast<double>(r.frames) / std::max(r.seconds, 1e-9) << " /s); exchange sent "
      << xs.frames_sent << ", " << xs.faults_injected << " with faults\n"
      << "  re-seeds           " << r.reseeds << " REST snapshots, " << r.reseeded_symbols
      << " symbols re-seeded\n"
      << "  evaluator          " << r.evaluator
      << (r.evaluator == "inline" ? " (on the feed thread)" : " (its own thread)") << "\n"
      << "  latency            frame receive -> decision " << r.latency.text() << "\n"
      << "  opportunities      " << r.opportunities << ": " << real.load() << " ("
      << real.load() - real_suppressed.load() << " actionable, " << real_suppressed.load()
      << " suppressed) real (legs the exchange sent, current together, profitable), "
      << phantom.load() << " (" << phantom_actionable.load() << " actionable, "
      << phantom_suppressed.load() << " suppressed) phantom (" << not_simultaneous.load()
      << " with a leg replaced over " << kInFlightMs << " ms before the newest, "
      << unknown_quote.load() << " with a quote it cannot vouch for); " << still_real.load()
      << " still profitable at the exchange at decision time; the exit status counts actionable "
         "phantoms only (a suppressed one, e.g. a quarantined frozen leg, is the guard working)\n"
      << "  " << r.trading_summary() << "\n";
  const execution_check xc = execution_lines(r, exec_cfg, demo_account, out);
  out << "  journal            " << r.journal_written << " written, " << r.journal_full
      << " refused (queue full); " << journal.path()
      << (journal.removed_at_end() ? " (temporary: removed at the end)" : "") << "\n"
      << "  memory             VmHWM " << static_cast<double>(vm_hwm_kb()) / 1024.0
      << " MB (exchange included)\n"
      << "  counters           " << r.telemetry_json << "\n";
  for (const std::string& e : r.fatal_errors) out << "  error              " << e << "\n";
  // As `run`: a demo that watched nothing, or not every symbol, did not show
  // what it claims.
  const std::vector<std::string> unwatched = r.unwatched();
  for (const std::string& u : unwatched) out << "  error              " << u << "\n";
  // The chain the run wrote (all of it, with a --journal that continued an
  // older one) must verify end to end.
  const verify_report v = verify_journal(journal.path(), {});
  bool audited = true;
  if (v.ok()) {
    out << "journal: " << v.records << " records, chain verified (" << journal.path() << ")\n";
    if (r.execution) {
      // The execution records against the decisions and the trading state
      // they cite (offline/journal_audit.h; no frames needed).
      const audit_report a = audit_states(journal.path());
      audited = a.ok();
      if (audited && a.orders == 0 && a.cycles == 0) {
        out << "journal audit: no execution records (no cycle started)\n";
      } else if (audited) {
        out << "journal audit: execution records" << a.execution_text().substr(1) << "\n";
      } else {
        if (journal.temporary()) journal.keep();
        out << "journal audit: FAILED: " << a.message() << " (" << journal.path()
            << (journal.temporary() ? ", kept" : "") << ")\n";
      }
    }
  } else {
    if (journal.temporary()) journal.keep();  // the evidence stays
    out << "journal: the chain does NOT verify: " << v.message() << " (" << journal.path()
        << (journal.temporary() ? ", kept" : "") << ")\n";
  }
  return r.fatal_errors.empty() && phantom_actionable.load() == 0 && unwatched.empty() && v.ok() &&
                 audited && xc.ok
             ? 0
             : 1;
}

}  // namespace triarb
