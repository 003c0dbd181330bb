// executor: the live bot's driver of the execution engine (see executor.h).
#include "runtime/executor.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <thread>
#include <variant>

#include "core/decimal_text.h"
#include "runtime/sim_sender.h"

namespace triarb {

std::string_view to_string(executor_counter c) noexcept {
  switch (c) {
    case executor_counter::unsent_journal:
      return "unsent_journal";
    case executor_counter::records_written:
      return "records_written";
    case executor_counter::records_failed:
      return "records_failed";
    case executor_counter::halts_requested:
      return "halts_requested";
    case executor_counter::sim_rejected:
      return "sim_rejected";
    case executor_counter::sim_paused:
      return "sim_paused";
    case executor_counter::sim_not_sent:
      return "sim_not_sent";
    case executor_counter::sim_unknown:
      return "sim_unknown";
    case executor_counter::sim_id_mismatch:
      return "sim_id_mismatch";
    case executor_counter::sim_query_found:
      return "sim_query_found";
    case executor_counter::sim_query_not_found:
      return "sim_query_not_found";
    case executor_counter::sim_query_failed:
      return "sim_query_failed";
    case executor_counter::account_failures:
      return "account_failures";
    case executor_counter::unanswered_at_exit:
      return "unanswered_at_exit";
    case executor_counter::kCount:
      break;
  }
  return "?";
}

double execution_summary::capture_rate() const noexcept {
  const std::uint64_t started = count(exec_counter::cycles_started);
  return started == 0
             ? 0.0
             : static_cast<double>(count(exec_counter::cycles_done)) / static_cast<double>(started);
}

std::string execution_summary::line() const {
  std::string out = "execution: " + std::string(to_string(mode));
  out += " cycles " + std::to_string(count(exec_counter::cycles_started)) + " (done " +
         std::to_string(count(exec_counter::cycles_done)) + ", residual " +
         std::to_string(count(exec_counter::cycles_residual)) + ", missed " +
         std::to_string(count(exec_counter::cycles_missed) + count(exec_counter::cycles_rejected)) +
         " of which leg 1 rejected " + std::to_string(count(exec_counter::cycles_rejected)) + ")";
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f%%", 100.0 * capture_rate());
  out += " capture " + std::string(rate);
  out += " orders " + std::to_string(count(exec_counter::orders_sent)) + " rejects " +
         std::to_string(count(exec_counter::rejects)) + " timeouts " +
         std::to_string(count(exec_counter::timeouts));
  if (realised_pnl.empty()) out += " realised -";
  for (const auto& [asset, v] : realised_pnl) {
    const auto e = expected_pnl.find(asset);
    out += " realised " + asset + " " + to_string(v) + " (expected " +
           (e == expected_pnl.end() ? std::string("0") : to_string(e->second)) + ")";
  }
  std::string res;
  for (const auto& [asset, v] : residual) {
    if (!v.is_zero()) res += " " + asset + " " + to_string(v);
  }
  out += " residual" + (res.empty() ? std::string(" -") : res);
  std::uint64_t refused = 0;
  for (const exec_counter c : kRefusalsAfterVerdict) refused += count(c);
  out += " refused " + std::to_string(refused);
  if (self_halted) out += " (halted: ledger or account)";
  // Nothing is said of orders in flight while running; at the end, any left.
  if (const std::uint64_t left = count(executor_counter::unanswered_at_exit); left != 0) {
    out += " unanswered at exit " + std::to_string(left);
  }
  out += " slip bps med/worst";
  for (const leg_execution_stats& l : legs) {
    out += l.filled == 0
               ? std::string(" -/-")
               : " " + decimal_text(l.slip_median_e2, 2) + "/" + decimal_text(l.slip_worst_e2, 2);
  }
  out += " ack ms med/max";
  for (const leg_execution_stats& l : legs) {
    out += l.answered == 0 ? std::string(" -/-")
                           : " " + decimal_text(l.ack_median_ns / 1000, 3) + "/" +
                                 decimal_text(l.ack_max_ns / 1000, 3);
  }
  return out;
}

std::optional<std::int64_t> slippage_bps_e2(const leg_outcome& l) noexcept {
  if (!l.executed.is_positive()) return std::nullopt;
  const std::optional<i128> q =
      triarb::slippage_bps_e2(l.slippage_e16, l.planned_price, static_cast<i128>(l.executed.raw()));
  if (!q || *q < std::numeric_limits<std::int64_t>::min() ||
      *q > std::numeric_limits<std::int64_t>::max()) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(*q);
}

namespace {

// Appends v to a ring of at most kLegSampleWindow samples (next: the slot to overwrite once full).
void push_sample(std::vector<std::int64_t>& ring, std::size_t& next, std::int64_t v) {
  if (ring.size() < kLegSampleWindow) {
    ring.push_back(v);
    return;
  }
  ring[next] = v;
  next = (next + 1) % kLegSampleWindow;
}

// The lower middle of the samples (an even count has two middles: the smaller).
std::int64_t lower_median(std::vector<std::int64_t> v) {
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>((v.size() - 1) / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

}  // namespace

executor::executor(const bot_config& cfg, const universe& u, const triangle_index& idx,
                   trading_state initial, executor_hooks hooks, tls_context* tls,
                   std::int64_t now_ns, std::span<const triangle_id> quarantined)
    : u_(u),
      mode_(cfg.execution.mode),
      order_timeout_ns_(cfg.execution.order_timeout_ms * 1'000'000),
      recv_window_ns_(cfg.execution.recv_window_ms * 1'000'000),
      hooks_(std::move(hooks)) {
  if (mode_ == execution_mode::off) throw config_error("execution.mode is off: no executor");
  const execution_plan plan = to_execution_plan(cfg, u);  // config_error
  std::vector<asset_balance> start = plan.start;
  if (mode_ == execution_mode::sim) {
    if (tls == nullptr) throw config_error("execution.mode = \"sim\" needs a TLS context");
    sim_ = std::make_unique<sim_sender>(*tls, cfg, u, hooks_.wake);
    // The account is the exchange's: read once, before any order.
    const sim_account a = sim_->account_now();
    if (!a.ok) {
      throw std::runtime_error("execution sim: GET /api/v3/account at start-up failed (HTTP " +
                               std::to_string(a.http_status) + "): " + a.detail);
    }
    start.clear();
    for (const auto& [asset, total] : a.balances) start.push_back({asset, total});
  }
  try {
    engine_ = std::make_unique<execution_engine>(
        u, idx, plan.engine, book_valuation(u, plan.valuation, hooks_.read_book), start);
  } catch (const std::invalid_argument& e) {
    throw config_error(std::string("execution: ") + e.what());
  }
  engine_->on_trading_state(initial, now_ns);
  for (const triangle_id t : quarantined) engine_->on_trading_state(initial, now_ns, t);
  if (mode_ == execution_mode::paper) {
    latency_model lm;
    lm.constant_ns = cfg.execution.latency_ns;
    lm.jitter_ns = cfg.execution.jitter_ns;
    lm.seed = cfg.execution.seed;
    auto read = hooks_.read_book;
    paper_ = std::make_unique<paper_transport>(
        u, cfg.fee, lm, [read](symbol_id s, std::int64_t) { return read(s); });
  }
  summary_.mode = mode_;
  publish();
  if (sim_) sim_->start();
}

executor::~executor() { stop(); }

void executor::finish(const std::function<std::int64_t()>& now) {
  if (paper_) {
    // Each answer at its arrival; a cycle sends at most 3 legs, so this ends.
    for (int n = 0; n < 1'000'000; ++n) {
      const auto due = paper_->next_due();
      if (!due) break;
      poll(std::max(*due, now()));
    }
  }
  if (sim_) {
    const auto wait_until = [&](const std::function<bool()>& done, std::int64_t budget_ns) {
      const std::int64_t until = now() + budget_ns;
      while (!done() && now() < until) {
        poll(now());
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      poll(now());
    };
    // Settled: no answer travelling and every unknown order's query
    // answered (each unknown is queried at its send time + recvWindow). An
    // answer or a query's answer may send the cycle's next leg, which is
    // waited for in turn: a cycle has 3 legs, each an order and a query,
    // each request up to 2 x order_timeout (connect, then answer).
    wait_until([this] { return settled(); },
               3 * (4 * order_timeout_ns_ + recv_window_ns_) + 1'000'000'000);
    const std::uint64_t seen = accounts_seen_;
    sim_->request_account();
    wait_until([this, seen] { return accounts_seen_ > seen; }, order_timeout_ns_ + 1'000'000'000);
    sim_->stop();
    own_[static_cast<std::size_t>(executor_counter::unanswered_at_exit)] += engine_->in_flight();
  }
  publish();
}

bool executor::settled() const {
  const auto n = [this](executor_counter c) { return own_[static_cast<std::size_t>(c)]; };
  const std::uint64_t lost =
      n(executor_counter::sim_unknown) + n(executor_counter::sim_id_mismatch);
  const std::uint64_t queried = n(executor_counter::sim_query_found) +
                                n(executor_counter::sim_query_not_found) +
                                n(executor_counter::sim_query_failed);
  return engine_->in_flight() == engine_->unknown() && queried >= lost;
}

void executor::stop() {
  if (sim_) sim_->stop();
}

void executor::on_trading_state(trading_state s, std::int64_t now_ns, triangle_id quarantined) {
  engine_->on_trading_state(s, now_ns, quarantined);
  drain(now_ns);
}

void executor::on_decision(const opportunity& op, std::string_view decision_hash,
                           suppress_reason verdict, std::int64_t now_ns) {
  engine_->on_decision(op, decision_hash, verdict, now_ns);
  drain(now_ns);
}

std::optional<std::int64_t> executor::next_due() const {
  return paper_ ? paper_->next_due() : std::nullopt;
}

void executor::poll(std::int64_t now_ns) {
  if (paper_) {
    while (auto d = paper_->pop_due(now_ns, engine_->balances())) {
      engine_->on_result(d->client_order_id, d->result, d->at_ns);
      drain(now_ns);
    }
  }
  if (sim_) {
    for (sim_answer& item : sim_->take()) {
      if (item.is_account) {
        ++accounts_seen_;
        if (item.account.ok) {
          std::vector<asset_balance> acc;
          for (const auto& [asset, total] : item.account.balances) acc.push_back({asset, total});
          engine_->on_account(acc, now_ns);
        } else {
          count(executor_counter::account_failures);
        }
      } else {
        switch (item.kind) {
          case sim_answer_kind::filled:
            engine_->on_result(item.client_order_id, item.result, now_ns, item.http_status);
            break;
          case sim_answer_kind::id_mismatch:
            count(executor_counter::sim_id_mismatch);
            engine_->on_timeout(item.client_order_id, now_ns);
            break;
          case sim_answer_kind::rejected:
          case sim_answer_kind::paused:
          case sim_answer_kind::not_sent:
            count(item.kind == sim_answer_kind::rejected ? executor_counter::sim_rejected
                  : item.kind == sim_answer_kind::paused ? executor_counter::sim_paused
                                                         : executor_counter::sim_not_sent);
            // A 429/418: no cycle starts until the client sends again.
            if (item.pause_ns > 0) engine_->on_transport_paused(now_ns + item.pause_ns);
            engine_->on_result(item.client_order_id, item.result, now_ns, item.http_status);
            break;
          case sim_answer_kind::unknown:
            count(executor_counter::sim_unknown);
            engine_->on_timeout(item.client_order_id, now_ns);
            break;
          case sim_answer_kind::query_found:
            count(executor_counter::sim_query_found);
            engine_->on_reconciled(item.client_order_id, item.result, now_ns);
            break;
          case sim_answer_kind::query_not_found:
            count(executor_counter::sim_query_not_found);  // the account check resolves it
            break;
          case sim_answer_kind::query_failed:
            count(executor_counter::sim_query_failed);
            break;
        }
      }
      drain(now_ns);
    }
  }
  publish();
}

void executor::drain(std::int64_t now_ns) {
  bool ok = true;
  for (const execution_record& r : engine_->take_records()) {
    const journal_errc ec = hooks_.write(r, now_ns);
    if (ec == journal_errc::ok) {
      count(executor_counter::records_written);
    } else {
      count(executor_counter::records_failed);
      ok = false;
    }
  }
  std::vector<outgoing_order> orders = engine_->take_orders();
  if (!ok) {
    // Records before orders: none of these goes out. Each is answered as
    // not sent so its cycle closes (its own reject record may fail too).
    for (const outgoing_order& o : orders) {
      count(executor_counter::unsent_journal);
      order_result res;
      res.status = order_status::rejected;
      res.error_code = kNotSentCode;
      res.error_msg = "not sent: the journal did not take its order record";
      engine_->on_result(o.order.client_order_id, res, now_ns);
    }
    orders.clear();
    for (const execution_record& r : engine_->take_records()) {
      count(hooks_.write(r, now_ns) == journal_errc::ok ? executor_counter::records_written
                                                        : executor_counter::records_failed);
    }
    orders = engine_->take_orders();  // legs 2 and 3 of nothing: none
    for (const outgoing_order& o : orders) {
      (void)o;
      count(executor_counter::unsent_journal);
    }
    orders.clear();
  }
  for (const outgoing_order& o : orders) {
    if (paper_) {
      (void)paper_->submit(o);
    } else if (sim_) {
      sim_->submit(o.order);
    }
  }
  for (const execution_event& e : engine_->take_events()) {
    count(executor_counter::halts_requested);
    if (hooks_.halt) hooks_.halt(e);
  }
  bool closed_any = false;
  for (const cycle_outcome& c : engine_->take_closed()) {
    expected_[c.start] = saturating_add(expected_[c.start], c.expected_pnl).value;
    realised_[c.start] = saturating_add(realised_[c.start], c.realised_pnl).value;
    for (const leg_outcome& l : c.legs) {
      if (l.status != leg_status::answered || l.sent_ns == 0) continue;
      const std::int64_t d = l.answered_ns - l.sent_ns;
      ++acks_;
      ack_sum_ns_ += d;
      if (d > ack_max_ns_) ack_max_ns_ = d;
    }
    for (std::size_t k = 0; k < c.legs.size(); ++k) {
      const leg_outcome& l = c.legs[k];
      leg_execution_stats& st = legs_[k];
      if (l.executed.is_positive()) {
        if (const auto bps = slippage_bps_e2(l)) {
          ++st.filled;
          if (__builtin_add_overflow(st.slip_sum_e2, *bps, &st.slip_sum_e2)) {
            st.slip_sum_e2 = *bps > 0 ? std::numeric_limits<std::int64_t>::max()
                                      : std::numeric_limits<std::int64_t>::min();
          }
          if (st.filled == 1 || *bps > st.slip_worst_e2) st.slip_worst_e2 = *bps;
          push_sample(slip_window_[k], slip_next_[k], *bps);
        } else {
          ++st.slip_beyond;
        }
      }
      if (l.status == leg_status::answered && l.sent_ns != 0) {
        const std::int64_t d = l.answered_ns - l.sent_ns;
        ++st.answered;
        if (st.answered == 1 || d > st.ack_max_ns) st.ack_max_ns = d;
        push_sample(ack_window_[k], ack_next_[k], d);
      }
    }
    closed_any = true;
  }
  if (closed_any) {
    for (std::size_t k = 0; k < legs_.size(); ++k) {
      if (!slip_window_[k].empty()) legs_[k].slip_median_e2 = lower_median(slip_window_[k]);
      if (!ack_window_[k].empty()) legs_[k].ack_median_ns = lower_median(ack_window_[k]);
    }
  }
}

void executor::publish() {
  execution_summary s;
  s.mode = mode_;
  for (std::size_t i = 0; i < s.engine.size(); ++i) {
    s.engine[i] = engine_->counter(static_cast<exec_counter>(i));
  }
  s.own = own_;
  const auto name = [this](asset_id a) { return u_.assets()[a]; };
  for (const auto& [a, v] : expected_) s.expected_pnl[name(a)] = v;
  for (const auto& [a, v] : realised_) s.realised_pnl[name(a)] = v;
  for (const auto& [a, v] : engine_->gate().inventory()) s.residual[name(a)] = v;
  const std::span<const fixed8> held = engine_->balances().balances();
  for (asset_id a = 0; a < held.size(); ++a) {
    if (!held[a].is_zero()) s.balances[name(a)] = held[a];
  }
  s.in_flight = engine_->in_flight();
  s.unknown = engine_->unknown();
  s.open_cycles = engine_->open_cycles();
  s.self_halted = engine_->self_halted();
  s.acks = acks_;
  s.ack_sum_ns = ack_sum_ns_;
  s.ack_max_ns = ack_max_ns_;
  s.legs = legs_;
  std::lock_guard<std::mutex> lk(summary_mu_);
  summary_ = std::move(s);
}

execution_summary executor::summary() const {
  std::lock_guard<std::mutex> lk(summary_mu_);
  return summary_;
}

}  // namespace triarb
