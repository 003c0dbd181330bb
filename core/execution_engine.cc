#include "core/execution_engine.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace triarb {

namespace {

constexpr asset_id kNoAssetId = static_cast<asset_id>(-1);

bool is_decision_hash(std::string_view h) noexcept {
  if (h.size() != 64) return false;
  return std::all_of(h.begin(), h.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string asset_name(const universe& u, asset_id a) {
  if (a < u.assets().size()) return u.assets()[a];
  return "asset#" + std::to_string(a);
}

// Both assets an order touches: its symbol's base and quote (none if unknown).
std::array<asset_id, 2> order_assets(const universe& u, const order_request& o) {
  if (o.symbol >= u.symbols().size()) return {kNoAssetId, kNoAssetId};
  const symbol_info& s = u.symbol(o.symbol);
  return {s.base, s.quote};
}

cycle_end journal_end(const cycle_outcome& o) noexcept {
  switch (o.state) {
    case cycle_state::done:
      return cycle_end::done;
    case cycle_state::missed:
      return cycle_end::missed;
    default:
      return cycle_end::residual;
  }
}

std::string reason_text(const cycle_outcome& o) {
  if (o.state == cycle_state::done) return {};
  std::string s(to_string(o.reason));
  if (o.reason == cycle_reason::filters || o.reason == cycle_reason::short_fill ||
      o.reason == cycle_reason::inconsistent_result) {
    s += ": leg " + std::to_string(o.reason_leg + 1);
    if (o.reason == cycle_reason::filters) s += " " + std::string(to_string(o.filter));
  }
  if (s.empty()) s = "?";
  return s;
}

}  // namespace

record_body to_record_body(const execution_record& r) {
  return std::visit([](const auto& rec) { return record_body{rec}; }, r);
}

std::string_view to_string(execution_event_kind k) noexcept {
  switch (k) {
    case execution_event_kind::ledger_refused:
      return "ledger_refused";
    case execution_event_kind::account_mismatch:
      return "account_mismatch";
  }
  return "?";
}

std::string_view to_string(exec_counter c) noexcept {
  static constexpr std::array<std::string_view, static_cast<std::size_t>(exec_counter::kCount)>
      kNames = {"decisions",
                "refused_suppressed",
                "refused_bad_decision",
                "refused_not_active",
                "refused_paused",
                "refused_plan",
                "refused_balance",
                "refused_gate",
                "cycles_started",
                "orders_sent",
                "legs_held_not_active",
                "results",
                "results_unknown_id",
                "results_duplicate",
                "results_late",
                "fills",
                "rejects",
                "timeouts",
                "timeouts_ignored",
                "reconciled",
                "reconciled_from_account",
                "ledger_refused",
                "ledger_deferred",
                "account_checks",
                "account_pending",
                "account_mismatches",
                "cycles_done",
                "cycles_residual",
                "cycles_missed",
                "cycles_rejected",
                "rejected_with_fills"};
  const auto i = static_cast<std::size_t>(c);
  return i < kNames.size() ? kNames[i] : "?";
}

// ---------------------------------------------------------------------------
// execution_engine
// ---------------------------------------------------------------------------

namespace {

const execution_config& checked(const execution_config& cfg) {
  if (std::string e = validate(cfg.cycle); !e.empty()) throw std::invalid_argument(e);
  if (std::string e = validate(cfg.risk); !e.empty()) throw std::invalid_argument(e);
  if (cfg.recv_window_ms < 1 || cfg.recv_window_ms > 60'000) {
    throw std::invalid_argument("execution.recv_window_ms must be from 1 to 60000 (got " +
                                std::to_string(cfg.recv_window_ms) + ")");
  }
  if (cfg.unknown_grace_ms < 0 || cfg.unknown_grace_ms > 600'000) {
    throw std::invalid_argument("execution.unknown_grace_ms must be from 0 to 600000 (got " +
                                std::to_string(cfg.unknown_grace_ms) + ")");
  }
  return cfg;
}

}  // namespace

execution_engine::execution_engine(const universe& u, const triangle_index& idx,
                                   execution_config cfg, residual_valuation valuation,
                                   std::span<const asset_balance> start)
    : u_(u),
      idx_(idx),
      cfg_(checked(cfg)),
      ledger_(u.assets().size(), start),
      gate_(cfg_.risk, std::move(valuation)),
      committed_(u.assets().size()) {}

suppress_reason execution_engine::verdict_now() const noexcept {
  if (self_halted_) return suppress_reason::halted;
  switch (state_) {
    case trading_state::active:
      return suppress_reason::none;
    case trading_state::reducing:
      return suppress_reason::reducing;
    case trading_state::halted:
      return suppress_reason::halted;
  }
  return suppress_reason::halted;
}

std::size_t execution_engine::unknown() const noexcept {
  std::size_t n = 0;
  for (const auto& [id, f] : in_flight_) n += f.unknown ? 1 : 0;
  return n;
}

void execution_engine::on_trading_state(trading_state s, std::int64_t /*now_ns*/,
                                        triangle_id quarantined) {
  state_ = s;
  if (quarantined != kNoTriangle) {
    quarantined_.insert(quarantined);
  } else if (s == trading_state::active) {
    // Only an operator's resume leads to active without a triangle: it
    // releases every quarantine.
    quarantined_.clear();
  }
  // Only a state given after the self-halt ends it: the caller turned the
  // halt event into the guard's halt, and an operator resumed.
  if (s == trading_state::active) self_halted_ = false;
}

void execution_engine::on_transport_paused(std::int64_t until_ns) noexcept {
  paused_until_ns_ = std::max(paused_until_ns_, until_ns);
}

void execution_engine::on_decision(const opportunity& op, std::string_view decision_hash,
                                   suppress_reason verdict, std::int64_t now_ns) {
  count(exec_counter::decisions);
  if (verdict != suppress_reason::none) {
    count(exec_counter::refused_suppressed);
    return;
  }
  if (!is_decision_hash(decision_hash) || op.triangle >= idx_.size()) {
    count(exec_counter::refused_bad_decision);
    return;
  }
  if (verdict_now() != suppress_reason::none || quarantined_.contains(op.triangle)) {
    count(exec_counter::refused_not_active);
    return;
  }
  if (now_ns < paused_until_ns_) {
    count(exec_counter::refused_paused);
    return;
  }
  // The id is taken only when the cycle starts: started cycles are numbered 1, 2, ...
  const std::uint64_t id = next_cycle_;
  cycle_plan_result plan = cycle::plan(id, op, idx_.triangle_at(op.triangle), u_, cfg_.cycle);
  if (!plan.ok()) {
    count(exec_counter::refused_plan);
    last_refusal_ = "plan: " + plan.error;
    return;
  }
  const asset_id start = plan.value->start_asset();
  const fixed8 notional = plan.value->notional();
  const fixed8 available =
      saturating_sub(ledger_.balance(start),
                     start < committed_.size() ? committed_[start] : fixed8::zero())
          .value;
  if (available < notional) {
    count(exec_counter::refused_balance);
    last_refusal_ = "balance: " + asset_name(u_, start) + " available " + to_string(available) +
                    " below notional " + to_string(notional);
    return;
  }
  const risk_verdict v = gate_.admit(now_ns, *plan.value, suppress_reason::none);
  if (v != risk_verdict::admit) {
    count(exec_counter::refused_gate);
    last_refusal_ = "risk_gate: " + std::string(to_string(v));
    return;
  }
  ++next_cycle_;
  count(exec_counter::cycles_started);
  auto [it, inserted] =
      cycles_.emplace(id, open_cycle{std::move(*plan.value), std::string(decision_hash), false});
  committed_[start] = saturating_add(committed_[start], notional).value;
  const order_request leg1 = it->second.c.start(now_ns);
  emit(it->second, 0, leg1, now_ns);
}

void execution_engine::emit(open_cycle& oc, std::size_t leg, const order_request& o,
                            std::int64_t now_ns) {
  order_record rec;
  rec.time_ns = now_ns;
  rec.cycle = oc.c.id();
  rec.leg = static_cast<std::uint8_t>(leg + 1);
  rec.client_order_id = o.client_order_id;
  rec.symbol = u_.symbol(o.symbol).name;
  rec.dir = o.dir;
  rec.tif = o.tif;
  rec.price = o.price;
  rec.quantity = o.quantity;
  rec.decision = oc.decision;
  records_.emplace_back(std::move(rec));
  orders_.push_back({.order = o,
                     .send_ns = now_ns,
                     .cycle = oc.c.id(),
                     .leg = static_cast<std::uint8_t>(leg + 1)});
  in_flight_[o.client_order_id] =
      flight{.cycle = oc.c.id(), .leg = leg, .order = o, .sent_ns = now_ns};
  gate_.on_order_sent(now_ns);
  count(exec_counter::orders_sent);
}

void execution_engine::halt(execution_event_kind k, std::string detail, std::int64_t now_ns) {
  self_halted_ = true;
  events_.push_back({.time_ns = now_ns, .kind = k, .detail = std::move(detail)});
}

void execution_engine::on_result(std::string_view client_order_id, const order_result& r,
                                 std::int64_t now_ns, std::int32_t http_status) {
  answer(client_order_id, r, now_ns, http_status, false);
}

void execution_engine::on_reconciled(std::string_view client_order_id, const order_result& r,
                                     std::int64_t now_ns) {
  answer(client_order_id, r, now_ns, 0, true);
}

void execution_engine::answer(std::string_view client_order_id, const order_result& r,
                              std::int64_t now_ns, std::int32_t http_status, bool reconciliation) {
  const auto it = in_flight_.find(std::string(client_order_id));
  if (it == in_flight_.end()) {
    count(answered_.contains(std::string(client_order_id)) ? exec_counter::results_duplicate
                                                           : exec_counter::results_unknown_id);
    return;
  }
  const flight f = std::move(it->second);
  in_flight_.erase(it);
  answered_.emplace(f.order.client_order_id, f.cycle);
  count(exec_counter::results);
  if (reconciliation) {
    count(exec_counter::reconciled);
  } else if (f.unknown) {
    count(exec_counter::results_late);
  }

  // The ledger first: the balances are what every later check reads. Each
  // leg is sent after the answer of the leg it spends from, so no answer
  // can wait for another: any refusal (an overdraft included) is a fault.
  const ledger_errc e = ledger_.apply(f.order, r, u_, cfg_.cycle.fee_rate);
  if (e != ledger_errc::ok) {
    count(exec_counter::ledger_refused);
    halt(execution_event_kind::ledger_refused,
         "ledger refused " + f.order.client_order_id + ": " + std::string(to_string(e)), now_ns);
  }

  // The answer's record.
  if (r.status == order_status::rejected) {
    count(exec_counter::rejects);
    // The fills of a rejected answer are not journaled (nor counted by the
    // cycle): an inconsistent answer, counted.
    if (!r.fills.empty() || !r.executed_qty.is_zero() || !r.cumulative_quote.is_zero()) {
      count(exec_counter::rejected_with_fills);
    }
    reject_record rec;
    rec.time_ns = now_ns;
    rec.client_order_id = f.order.client_order_id;
    rec.code = r.error_code;
    rec.msg = journal_text(r.error_msg);
    rec.http_status = http_status;
    records_.emplace_back(std::move(rec));
  } else {
    counters_[static_cast<std::size_t>(exec_counter::fills)] += r.fills.size();
    fill_record rec;
    rec.time_ns = now_ns;
    rec.client_order_id = f.order.client_order_id;
    rec.status = r.status;
    rec.order_id = r.order_id;
    rec.executed_qty = r.executed_qty;
    rec.cumulative_quote = r.cumulative_quote;
    rec.fills.reserve(r.fills.size());
    for (const order_fill& x : r.fills) {
      rec.fills.push_back({.price = x.price,
                           .qty = x.qty,
                           .commission = x.commission,
                           .commission_asset = asset_name(u_, x.commission_asset),
                           .trade_id = x.trade_id});
    }
    records_.emplace_back(std::move(rec));
  }

  // The cycle.
  const auto ci = cycles_.find(f.cycle);
  if (ci == cycles_.end()) return;  // cannot happen: a flight's cycle is open until answered
  open_cycle& oc = ci->second;
  if (f.leg == 0 && !oc.leg1_answered) {
    oc.leg1_answered = true;
    const asset_id start = oc.c.start_asset();
    committed_[start] = saturating_sub(committed_[start], oc.c.notional()).value;
  }
  suppress_reason v = verdict_now();
  if (v == suppress_reason::none && quarantined_.contains(oc.c.triangle_of())) {
    v = suppress_reason::quarantined;  // the next leg is held
  }
  const std::vector<order_request> next =
      f.unknown ? oc.c.on_reconciled(now_ns, f.leg, r, v) : oc.c.on_result(now_ns, f.leg, r, v);
  for (const order_request& o : next) emit(oc, f.leg + 1, o, now_ns);
  close_if_done(f.cycle, now_ns);
}

void execution_engine::close_if_done(std::uint64_t id, std::int64_t now_ns) {
  const auto it = cycles_.find(id);
  if (it == cycles_.end() || !it->second.c.closed()) return;
  const cycle_outcome out = it->second.c.outcome();
  gate_.on_cycle_closed(out);
  switch (out.state) {
    case cycle_state::done:
      count(exec_counter::cycles_done);
      break;
    case cycle_state::missed:
      count(out.reason == cycle_reason::leg1_rejected ? exec_counter::cycles_rejected
                                                      : exec_counter::cycles_missed);
      break;
    default:
      count(exec_counter::cycles_residual);
      if (out.reason == cycle_reason::not_active) count(exec_counter::legs_held_not_active);
      break;
  }
  cycle_record rec;
  rec.time_ns = now_ns;
  rec.cycle = id;
  rec.decision = it->second.decision;
  rec.outcome = journal_end(out);
  rec.start_asset = asset_name(u_, out.start);
  rec.expected_profit = out.expected_pnl;
  rec.realised_profit = out.realised_pnl;
  for (const asset_amount& a : out.residuals) {
    if (!a.amount.is_zero()) rec.residual[asset_name(u_, a.asset)] = a.amount;
  }
  rec.reason = journal_text(reason_text(out));
  records_.emplace_back(std::move(rec));
  // A late answer for one of its orders now counts as results_unknown_id.
  for (std::size_t k = 0; k < 3; ++k) answered_.erase(it->second.c.order(k).client_order_id);
  closed_.push_back(out);
  cycles_.erase(it);
}

void execution_engine::on_timeout(std::string_view client_order_id, std::int64_t now_ns) {
  const auto it = in_flight_.find(std::string(client_order_id));
  if (it == in_flight_.end() || it->second.unknown) {
    count(exec_counter::timeouts_ignored);
    return;
  }
  it->second.unknown = true;
  count(exec_counter::timeouts);
  const auto ci = cycles_.find(it->second.cycle);
  if (ci != cycles_.end()) ci->second.c.on_unknown(now_ns, it->second.leg);
}

void execution_engine::on_account(std::span<const asset_balance> account, std::int64_t now_ns) {
  count(exec_counter::account_checks);
  const std::vector<balance_mismatch> mismatches = ledger_.reconcile(account);
  const auto differs = [&](asset_id a) {
    return std::any_of(mismatches.begin(), mismatches.end(),
                       [a](const balance_mismatch& m) { return m.asset == a; });
  };
  const std::int64_t window_ns = cfg_.recv_window_ms * 1'000'000;
  const std::int64_t grace_ns = cfg_.unknown_grace_ms * 1'000'000;
  // How many unanswered orders touch each asset (all), and how many of them
  // still excuse a difference (pending): every order in flight, except an
  // unknown one past its send time + recvWindow + grace (the caller had
  // that long to query it and call on_reconciled).
  std::map<asset_id, std::size_t> touching;
  std::map<asset_id, std::size_t> pending_on;
  std::vector<std::string> stale;
  for (const auto& [id, f] : in_flight_) {
    const bool expired = f.unknown && now_ns - f.sent_ns > window_ns + grace_ns;
    if (expired) stale.push_back(id);
    for (const asset_id a : order_assets(u_, f.order)) {
      if (a == kNoAssetId) continue;
      ++touching[a];
      if (!expired) ++pending_on[a];
    }
  }
  // An unknown order alone on two assets that agree did nothing, once the
  // exchange can no longer execute it (its send time + recvWindow).
  std::vector<std::string> did_nothing;
  for (const auto& [id, f] : in_flight_) {
    if (!f.unknown || now_ns - f.sent_ns < window_ns) continue;
    const std::array<asset_id, 2> as = order_assets(u_, f.order);
    if (as[0] == kNoAssetId) continue;
    if (touching[as[0]] == 1 && touching[as[1]] == 1 && !differs(as[0]) && !differs(as[1])) {
      did_nothing.push_back(id);
    }
  }
  std::sort(did_nothing.begin(), did_nothing.end());  // a stable order for the journal
  std::sort(stale.begin(), stale.end());
  bool pending = false;
  std::string detail;
  std::size_t listed = 0;
  std::size_t real = 0;
  for (const balance_mismatch& m : mismatches) {
    if (pending_on.contains(m.asset)) {
      pending = true;
      continue;
    }
    ++real;
    if (listed < 4) {
      detail += (listed == 0 ? "account mismatch: " : "; ") + asset_name(u_, m.asset) + " ours " +
                to_string(m.ours) + " theirs " + to_string(m.theirs);
      ++listed;
    }
  }
  if (pending) count(exec_counter::account_pending);
  if (real > 0) {
    if (real > listed) detail += "; " + std::to_string(real) + " assets in all";
    for (const std::string& id : stale) {
      detail += "; unknown order " + id + " unresolved past recvWindow " +
                std::to_string(cfg_.recv_window_ms) + " ms + grace " +
                std::to_string(cfg_.unknown_grace_ms) + " ms";
    }
    count(exec_counter::account_mismatches);
    halt(execution_event_kind::account_mismatch, std::move(detail), now_ns);
  }
  for (const std::string& id : did_nothing) {
    order_result r;
    r.status = order_status::expired;
    count(exec_counter::reconciled_from_account);
    answer(id, r, now_ns, 0, true);
  }
}

std::vector<execution_record> execution_engine::take_records() {
  return std::exchange(records_, {});
}
std::vector<outgoing_order> execution_engine::take_orders() { return std::exchange(orders_, {}); }
std::vector<execution_event> execution_engine::take_events() { return std::exchange(events_, {}); }
std::vector<cycle_outcome> execution_engine::take_closed() { return std::exchange(closed_, {}); }

// ---------------------------------------------------------------------------
// paper_transport
// ---------------------------------------------------------------------------

paper_transport::paper_transport(const universe& u, fixed8 fee_rate, latency_model latency,
                                 book_reader read_book, std::uint64_t first_trade_id)
    : u_(u),
      fee_(fee_rate),
      latency_(latency),
      read_book_(std::move(read_book)),
      next_trade_id_(first_trade_id) {
  if (!read_book_) throw std::invalid_argument("paper_transport: read_book is empty");
}

std::int64_t paper_transport::submit(const outgoing_order& o) {
  std::int64_t arrival = 0;
  if (__builtin_add_overflow(o.send_ns, latency_.next_ns(), &arrival)) arrival = INT64_MAX;
  pending_.emplace(std::pair{arrival, next_seq_++}, o.order);
  return arrival;
}

std::optional<std::int64_t> paper_transport::next_due() const {
  if (pending_.empty()) return std::nullopt;
  return pending_.begin()->first.first;
}

std::optional<paper_delivery> paper_transport::pop_due(std::int64_t now_ns, const ledger& account) {
  if (pending_.empty() || pending_.begin()->first.first > now_ns) return std::nullopt;
  const auto node = pending_.extract(pending_.begin());
  const order_request& o = node.mapped();
  paper_delivery d;
  d.client_order_id = o.client_order_id;
  d.at_ns = node.key().first;
  if (o.symbol >= u_.symbols().size()) {
    d.result.status = order_status::rejected;
    d.result.error_code = -1121;
    d.result.error_msg = "Invalid symbol.";
    d.outcome = paper_outcome::rejected_filter;
    return d;
  }
  const symbol_info& info = u_.symbol(o.symbol);
  if (check_filters(info.filters, o.price, o.quantity) == filter_errc::ok) {
    // The balance at arrival, as the exchange checks it after the filters.
    const bool buy = o.dir == side::buy;
    const fixed8_result need =
        buy ? checked_mul(o.price, o.quantity, rounding::up) : fixed8_result{o.quantity};
    const asset_id pay = buy ? info.quote : info.base;
    if (!need.ok() || account.balance(pay) < need.value) {
      ++insufficient_;
      d.insufficient_balance = true;
      d.result.status = order_status::rejected;
      d.result.error_code = kInsufficientBalanceCode;
      d.result.error_msg = std::string(kInsufficientBalanceMsg);
      return d;
    }
  }
  d.result = paper_fill(o, read_book_(o.symbol, d.at_ns), info, fee_, next_trade_id_, &d.outcome);
  ++outcomes_[static_cast<std::size_t>(d.outcome)];
  return d;
}

residual_valuation book_valuation(const universe& u, asset_id ref,
                                  std::function<book_snapshot(symbol_id)> read) {
  return [&u, ref, read = std::move(read)](asset_id a, fixed8 amount) -> std::optional<fixed8> {
    if (a == ref || amount.is_zero()) return amount;
    const symbol_id s = u.symbol_between(a, ref);
    if (s == kNoSymbol) return std::nullopt;
    const symbol_info& si = u.symbol(s);
    const book_snapshot b = read(s);
    if (!b.valid) return std::nullopt;
    if (si.base == a && b.bid.is_positive()) {
      const fixed8_result v = checked_mul(amount, b.bid, rounding::down);
      if (v.ok()) return v.value;
    } else if (si.quote == a && b.ask.is_positive()) {
      const fixed8_result v = checked_div(amount, b.ask, rounding::down);
      if (v.ok()) return v.value;
    }
    return std::nullopt;
  };
}

}  // namespace triarb
