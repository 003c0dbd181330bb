// RapidCheck property of core/execution_engine.h, driven as the runtime
// drives it: over generated books on USDT>BTC>ETH>USDT and its reverse (the
// real evaluator decides, a real trading guard judges, halts and resumes),
// generated start balances, risk knobs and budgets, and a paper transport
// with seeded latency whose answers are sometimes lost (a timeout, then the
// account and a reconciliation resolve the leg), and pauses (a 429's
// Retry-After: on_transport_paused):
//   - the ledger is exact: start balances plus every journaled fill (buy:
//     base += qty, quote -= price x qty truncated; sell: the reverse;
//     commission -= in its asset), in cpp_int, equal the engine's ledger
//     and the exchange's account (the transport's), asset by asset; no
//     ledger refusal, no account mismatch;
//   - no order is emitted while the state last given is not active, none
//     beyond the gate (open cycles, orders per 10 s, leg 1's notional) or
//     its symbol's filters, no leg 1 inside a pause;
//   - each decision is counted once and either starts a cycle or is
//     refused under one name (kDecisionRefusals);
//   - every order and cycle record cites the decision hash its cycle was
//     started with, the opportunity record's real hash in the chain;
//   - the whole chain (genesis, opportunity and state records, the emitted
//     records, in order, chained with format_line) passes the journal's
//     audit (offline/journal_audit.h, audit_states: its execution checks).
//
// RapidCheck prints its seed at start ("Using configuration: seed=...").
// Reproduce a failure: RC_PARAMS="reproduce=<string printed on failure>"
//   build/default/properties/execution_engine_properties
// More cases: RC_PARAMS="max_success=2000 max_size=100" (max_size at most 100)
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/execution_engine.h"
#include "core/journal_bridge.h"
#include "core/telemetry.h"
#include "offline/journal_audit.h"

namespace triarb {
namespace {

using boost::multiprecision::cpp_int;

fixed8 f(const char* s) { return parse_fixed8(s).value; }

symbol_filters filters(const char* tick, const char* step, const char* min_notional) {
  return {.tick_size = f(tick),
          .min_qty = f(step),
          .max_qty = f("9000"),
          .step_size = f(step),
          .min_notional = f(min_notional)};
}

// One symbol's quote: bid = base + k ticks, ask = bid + spread ticks.
struct gen_quote {
  std::int64_t k = 0;
  std::int64_t spread = 1;
  std::int64_t bid_qty_steps = 0;
  std::int64_t ask_qty_steps = 0;
};

enum class op_kind : std::uint8_t { book, advance, halt, resume, account, pause };

struct op {
  op_kind kind = op_kind::book;
  std::int64_t dt_us = 0;
  std::array<gen_quote, 3> q{};
  bool frozen = false;        // book: ETHBTC and ETHUSDT keep their update ids (the repeat guard)
  std::int64_t pause_us = 0;  // pause: the transport sends nothing for this long (a 429)
};

void showValue(const op& o, std::ostream& os) {
  static constexpr const char* kNames[] = {"book", "advance", "halt", "resume", "account", "pause"};
  os << kNames[static_cast<int>(o.kind)] << " dt=" << o.dt_us << "us";
  if (o.kind == op_kind::pause) os << " for " << o.pause_us << "us";
  if (o.kind == op_kind::book) {
    if (o.frozen) os << " frozen";
    for (const gen_quote& g : o.q) {
      os << " [" << g.k << "," << g.spread << "," << g.bid_qty_steps << "," << g.ask_qty_steps
         << "]";
    }
  }
}

rc::Gen<gen_quote> gen_quote_of() {
  const auto qty = rc::gen::weightedOneOf<std::int64_t>({
      {1, rc::gen::inRange<std::int64_t>(0, 3)},              // nothing, or dust
      {2, rc::gen::inRange<std::int64_t>(3, 3000)},           // thin
      {4, rc::gen::inRange<std::int64_t>(3000, 20'000'000)},  // plenty
  });
  return rc::gen::map(
      rc::gen::tuple(rc::gen::inRange<std::int64_t>(-40, 41), rc::gen::inRange<std::int64_t>(1, 4),
                     qty, qty),
      [](const auto& t) {
        return gen_quote{std::get<0>(t), std::get<1>(t), std::get<2>(t), std::get<3>(t)};
      });
}

rc::Gen<op> gen_op() {
  const auto dt = rc::gen::inRange<std::int64_t>(0, 20'000);  // up to 20 ms
  const auto book = rc::gen::map(rc::gen::tuple(dt, gen_quote_of(), gen_quote_of(), gen_quote_of()),
                                 [](const auto& t) {
                                   op o;
                                   o.kind = op_kind::book;
                                   o.dt_us = std::get<0>(t);
                                   o.q = {std::get<1>(t), std::get<2>(t), std::get<3>(t)};
                                   return o;
                                 });
  const auto simple = [&](op_kind k) {
    return rc::gen::map(dt, [k](std::int64_t d) {
      op o;
      o.kind = k;
      o.dt_us = d;
      return o;
    });
  };
  const auto advance = rc::gen::map(rc::gen::inRange<std::int64_t>(0, 3'000'000), [](auto d) {
    op o;
    o.kind = op_kind::advance;
    o.dt_us = d;  // up to 3 s: rate windows and timeouts pass
    return o;
  });
  const auto frozen_book = rc::gen::map(book, [](op o) {
    o.frozen = true;
    return o;
  });
  const auto pause = rc::gen::map(rc::gen::tuple(dt, rc::gen::inRange<std::int64_t>(0, 2'000'000)),
                                  [](const auto& t) {
                                    op o;
                                    o.kind = op_kind::pause;
                                    o.dt_us = std::get<0>(t);
                                    o.pause_us = std::get<1>(t);  // up to 2 s
                                    return o;
                                  });
  return rc::gen::weightedOneOf<op>({{12, book},
                                     {3, frozen_book},
                                     {4, advance},
                                     {1, simple(op_kind::halt)},
                                     {2, simple(op_kind::resume)},
                                     {2, simple(op_kind::account)},
                                     {1, pause}});
}

cpp_int raw(fixed8 x) { return cpp_int(x.raw()); }

// The world: three symbols, two triangles from USDT.
struct world {
  universe u{{{"BTCUSDT", "BTC", "USDT", filters("0.01", "0.00001", "5")},
              {"ETHBTC", "ETH", "BTC", filters("0.00001", "0.0001", "0.0001")},
              {"ETHUSDT", "ETH", "USDT", filters("0.01", "0.0001", "5")}}};
  asset_id usdt = *u.find_asset("USDT");
  std::vector<asset_id> starts{usdt};
  triangle_index idx = triangle_index::build(u, starts);
};

// Base quotes: the forward triangle 2600 / (50000 x 0.05) = 1.04 before
// fees; the generated k moves each price by k ticks, so both directions
// cross the threshold now and then.
constexpr std::array<std::int64_t, 3> kBaseBidRaw = {4'999'000'000'000, 4'999'000, 260'000'000'000};
constexpr std::array<std::int64_t, 3> kTickRaw = {1'000'000, 1'000, 1'000'000};
constexpr std::array<std::int64_t, 3> kStepRaw = {1'000, 10'000, 10'000};
constexpr std::array<std::int64_t, 3> kTickScale = {5'000, 5, 260};  // ticks per k: ~0.1 %

struct chain {
  std::vector<record_body> bodies;
  std::string prev{kZeroHash};
  std::string add(record_body b) {
    std::string hash;
    (void)format_line(bodies.size(), b, prev, &hash);
    prev = hash;
    bodies.emplace_back(std::move(b));
    return hash;
  }
};

std::string write_chain(const chain& c) {
  const char* dir = std::getenv("TMPDIR");
  std::string path = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") +
                     "/execution_engine_properties_" + std::to_string(::getpid()) + ".jsonl";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string prev(kZeroHash);
  std::string hash;
  for (std::size_t i = 0; i < c.bodies.size(); ++i) {
    out << format_line(i, c.bodies[i], prev, &hash);
    prev = hash;
  }
  return path;
}

RC_GTEST_PROP(ExecutionEngineProps, LedgerExactOrdersGatedAndTheChainAudits, ()) {
  world w;
  const auto ops = *rc::gen::container<std::vector<op>>(gen_op());
  const std::int64_t budget = *rc::gen::inRange<std::int64_t>(50, 3000);
  execution_config cfg;
  cfg.risk.max_notional = fixed8::from_units(*rc::gen::inRange<std::int64_t>(100, 3000));
  cfg.risk.max_open_cycles = *rc::gen::inRange<std::uint32_t>(1, 4);
  cfg.risk.max_orders_per_10s = *rc::gen::inRange<std::uint32_t>(3, 20);
  cfg.risk.max_residual_value = fixed8::from_units(*rc::gen::inRange<std::int64_t>(0, 2000));
  const std::int64_t usdt_start = *rc::gen::inRange<std::int64_t>(0, 8000);
  const latency_model lat{.constant_ns = *rc::gen::inRange<std::int64_t>(0, 5'000'000),
                          .jitter_ns = *rc::gen::inRange<std::int64_t>(0, 5'000'000),
                          .seed = *rc::gen::arbitrary<std::uint64_t>()};
  const std::uint32_t drop_every = *rc::gen::element<std::uint32_t>(0, 0, 2, 3, 5);

  evaluator_config ecfg;
  ecfg.default_budget = fixed8::from_units(budget);
  telemetry tel;
  evaluator ev(w.u, w.idx, ecfg, tel);
  guard_config gcfg;
  // Sometimes the repeat guard quarantines a triangle (frozen books) while
  // one of its cycles is out: the engine must hold its next leg.
  gcfg.repeat_reports = *rc::gen::element<std::uint32_t>(1'000'000, 2, 3);
  gcfg.rate_floor = 1'000'000'000;
  trading_guard guard(gcfg);

  const std::vector<asset_balance> start = {{w.usdt, fixed8::from_units(usdt_start)}};
  // The residual's value: the amount itself (units of whatever asset).
  const residual_valuation value = [](asset_id, fixed8 a) -> std::optional<fixed8> { return a; };
  execution_engine eng(w.u, w.idx, cfg, value, start);
  ledger exchange(w.u.assets().size(), start);  // the paper exchange's account

  // The book's history: what the transport reads at an arrival time.
  std::map<std::int64_t, std::array<book_snapshot, 3>> history;
  struct book_view {
    std::array<book_snapshot, 3> snaps;
    [[nodiscard]] book_snapshot read(symbol_id s) const { return snaps.at(s); }
  } book;
  paper_transport pt(w.u, cfg.cycle.fee_rate, lat, [&](symbol_id s, std::int64_t at) {
    auto it = history.upper_bound(at);
    if (it == history.begin()) return book_snapshot{};
    return std::prev(it)->second.at(s);
  });

  chain c;
  {
    genesis_record g;
    g.version = "execution_engine_properties";
    g.config = "x = 1\n";
    g.config_sha256 = sha256_hex(g.config);
    c.add(g);
  }

  std::int64_t now = 1'000'000'000'000;
  trading_state given = trading_state::active;
  std::map<std::string, order_request> sent;    // client id -> order
  std::map<std::string, std::int64_t> sent_at;  // client id -> send time
  std::map<std::uint64_t, std::string> cited;   // cycle -> the hash it started with
  std::deque<std::int64_t> send_times;
  struct lost {
    std::string id;
    order_result result;
    std::int64_t timeout_ns = 0;
    bool timed_out = false;
    bool queried = false;
  };
  std::vector<lost> dropped;
  std::uint64_t deliveries = 0;
  std::uint64_t quarantines = 0;
  std::uint64_t decisions_given = 0;
  std::int64_t paused_until = 0;  // the latest pause's end given (pauses only extend)

  // Drains the engine after an input: records into the chain (checking
  // each order), orders to the transport, events (none may come).
  const auto drain = [&](std::string_view decision_hash) {
    for (const execution_record& r : eng.take_records()) {
      if (const auto* o = std::get_if<order_record>(&r)) {
        if (o->leg == 1) {
          RC_ASSERT(o->decision == std::string(decision_hash));
          cited[o->cycle] = o->decision;
        }
        RC_ASSERT(cited.contains(o->cycle));
        RC_ASSERT(o->decision == cited[o->cycle]);
      }
      if (const auto* cr = std::get_if<cycle_record>(&r)) {
        RC_ASSERT(cited.contains(cr->cycle));
        RC_ASSERT(cr->decision == cited[cr->cycle]);
      }
      c.add(to_record_body(r));
    }
    for (const outgoing_order& o : eng.take_orders()) {
      // Never while not active; within the filters; leg 1 within the notional.
      RC_ASSERT(given == trading_state::active);
      RC_ASSERT(!eng.self_halted());
      const symbol_info& info = w.u.symbol(o.order.symbol);
      RC_ASSERT(check_filters(info.filters, o.order.price, o.order.quantity) == filter_errc::ok);
      if (o.leg == 1) {
        RC_ASSERT(o.send_ns >= paused_until);  // no cycle starts inside a pause
        RC_ASSERT(o.order.dir == side::buy);   // both triangles buy first with USDT
        const fixed8_result spend = checked_mul(o.order.price, o.order.quantity, rounding::up);
        RC_ASSERT(spend.ok());
        RC_ASSERT(spend.value <= cfg.risk.max_notional);
      }
      send_times.push_back(o.send_ns);
      while (send_times.front() <= o.send_ns - kOrderWindowNs) send_times.pop_front();
      RC_ASSERT(send_times.size() <= cfg.risk.max_orders_per_10s);
      sent[o.order.client_order_id] = o.order;
      sent_at[o.order.client_order_id] = o.send_ns;
      pt.submit(o);
    }
    RC_ASSERT(eng.open_cycles() <= cfg.risk.max_open_cycles);
    for (const execution_event& e : eng.take_events()) {
      RC_FAIL(std::string(to_string(e.kind)) + ": " + e.detail);
    }
  };
  const auto journal_guard = [&](const std::vector<guard_event>& events) {
    for (const guard_event& e : events) {
      c.add(to_record(e, w.idx, w.u));
      given = e.to;
      eng.on_trading_state(e.to, e.time_ns, e.triangle);
      drain("");
    }
  };
  // Answers what arrived by `until`, one at a time; every drop_every-th
  // answer is lost (its order executed at the exchange all the same).
  const auto deliver = [&](std::int64_t until) {
    while (std::optional<paper_delivery> d = pt.pop_due(until, exchange)) {
      RC_ASSERT(exchange.apply(sent.at(d->client_order_id), d->result, w.u, cfg.cycle.fee_rate) ==
                ledger_errc::ok);
      ++deliveries;
      if (drop_every != 0 && deliveries % drop_every == 0) {
        dropped.push_back({d->client_order_id, d->result, d->at_ns + 100'000'000, false});
        continue;
      }
      eng.on_result(d->client_order_id, d->result, d->at_ns);
      drain("");
    }
    for (lost& l : dropped) {
      if (!l.timed_out && l.timeout_ns <= until) {
        l.timed_out = true;
        eng.on_timeout(l.id, l.timeout_ns);
        drain("");
      }
    }
  };
  // As the runtime does before an account check: an unknown order about to
  // pass its send time + recvWindow + grace is queried (the exchange's
  // answer is the lost one) and reconciled; younger ones are left to the
  // account check (pending, or "did nothing" past recvWindow).
  const std::int64_t stale_ns = (cfg.recv_window_ms + cfg.unknown_grace_ms) * 1'000'000;
  const auto query_old = [&](std::int64_t at) {
    for (lost& l : dropped) {
      if (l.timed_out && !l.queried && sent_at.at(l.id) + stale_ns <= at + 1'000'000'000) {
        l.queried = true;
        eng.on_reconciled(l.id, l.result, at);  // already resolved: counted, ignored
        drain("");
      }
    }
  };
  const auto exchange_account = [&] {
    std::vector<asset_balance> a;
    for (asset_id k = 0; k < exchange.asset_count(); ++k) a.push_back({k, exchange.balance(k)});
    return a;
  };

  for (const op& o : ops) {
    now += o.dt_us * 1000;
    deliver(now);
    switch (o.kind) {
      case op_kind::book: {
        for (std::size_t s = 0; s < 3; ++s) {
          const gen_quote& g = o.q[s];
          book_snapshot b;
          b.bid = fixed8::from_raw(kBaseBidRaw[s] + g.k * kTickScale[s] * kTickRaw[s]);
          b.ask = fixed8::from_raw(b.bid.raw() + g.spread * kTickRaw[s]);
          b.bid_qty = fixed8::from_raw(g.bid_qty_steps * kStepRaw[s]);
          b.ask_qty = fixed8::from_raw(g.ask_qty_steps * kStepRaw[s]);
          b.update_id = static_cast<std::uint64_t>(now);
          if (o.frozen && s > 0 && book.snaps[s].valid) b.update_id = book.snaps[s].update_id;
          b.recv_ns = now;
          b.valid = true;
          book.snaps[s] = b;
        }
        history[now] = book.snaps;
        std::vector<opportunity> got;
        ev.on_symbol(book, 0, now, [&](const opportunity& op_) {
          got.push_back(op_);
          return true;
        });
        for (const opportunity& op_ : got) {
          std::vector<guard_event> events;
          const suppress_reason verdict = guard.on_opportunity(op_, events);
          for (const guard_event& e : events) {
            RC_ASSERT(e.trigger == guard_trigger::repeat);  // the rate guard is off
            ++quarantines;
          }
          journal_guard(events);  // the state record before the opportunity it judged
          const std::string hash = c.add(to_record(op_, w.idx, w.u, verdict));
          std::array<std::uint64_t, kDecisionRefusals.size() + 1> before{};
          for (std::size_t k = 0; k < kDecisionRefusals.size(); ++k) {
            before[k] = eng.counter(kDecisionRefusals[k]);
          }
          before.back() = eng.counter(exec_counter::cycles_started);
          eng.on_decision(op_, hash, verdict, now);
          ++decisions_given;
          // Exactly one of the refusals or cycles_started moved, by one; in a
          // pause, never past the pause's check (not plan, balance, gate, a start).
          std::size_t moved = 0, which = 0;
          for (std::size_t k = 0; k <= kDecisionRefusals.size(); ++k) {
            const std::uint64_t after = k < kDecisionRefusals.size()
                                            ? eng.counter(kDecisionRefusals[k])
                                            : eng.counter(exec_counter::cycles_started);
            if (after != before[k]) {
              RC_ASSERT(after == before[k] + 1);
              ++moved;
              which = k;
            }
          }
          RC_ASSERT(moved == 1U);
          static_assert(kDecisionRefusals[3] == exec_counter::refused_paused);
          if (now < paused_until) RC_ASSERT(which <= 3U);  // suppressed .. refused_paused
          drain(hash);
        }
        break;
      }
      case op_kind::advance:
        break;
      case op_kind::pause:
        paused_until = std::max(paused_until, now + o.pause_us * 1000);
        eng.on_transport_paused(now + o.pause_us * 1000);
        drain("");
        break;
      case op_kind::halt: {
        std::vector<guard_event> events;
        guard.halt(now, "http", "property", events);
        journal_guard(events);
        break;
      }
      case op_kind::resume: {
        std::vector<guard_event> events;
        (void)guard.resume(now, "http", events);
        journal_guard(events);
        break;
      }
      case op_kind::account: {
        query_old(now);
        const std::vector<asset_balance> a = exchange_account();
        eng.on_account(a, now);
        drain("");
        break;
      }
    }
  }

  // The end: everything arrives, every lost answer times out, the account
  // resolves what did nothing and the caller reconciles the rest.
  for (int round = 0; round < 8; ++round) {
    now += 10'000'000'000;
    deliver(now);
    query_old(now);
    const std::vector<asset_balance> a = exchange_account();
    eng.on_account(a, now);
    drain("");
    if (pt.pending() == 0 && eng.in_flight() == 0) break;
  }
  RC_ASSERT(pt.pending() == 0U);
  RC_ASSERT(eng.in_flight() == 0U);
  RC_ASSERT(eng.open_cycles() == 0U);
  RC_ASSERT(eng.counter(exec_counter::ledger_refused) == 0U);
  RC_ASSERT(eng.counter(exec_counter::account_mismatches) == 0U);
  // Each decision counted once, then started or refused under one name.
  std::uint64_t refusals = 0;
  for (const exec_counter k : kDecisionRefusals) refusals += eng.counter(k);
  RC_ASSERT(eng.counter(exec_counter::decisions) == decisions_given);
  RC_ASSERT(eng.counter(exec_counter::cycles_started) + refusals == decisions_given);

  // The ledger against the journaled fills, exactly.
  std::vector<cpp_int> expect(w.u.assets().size());
  for (const asset_balance& b : start) expect[b.asset] += raw(b.balance);
  std::map<std::string, const order_record*> orders;
  std::uint64_t fills = 0;
  for (const record_body& b : c.bodies) {
    if (const auto* o = std::get_if<order_record>(&b)) orders[o->client_order_id] = o;
    const auto* fr = std::get_if<fill_record>(&b);
    if (fr == nullptr) continue;
    const order_record& o = *orders.at(fr->client_order_id);
    const symbol_info& info = w.u.symbol(w.u.find_symbol(o.symbol));
    for (const journal_fill& x : fr->fills) {
      ++fills;
      const cpp_int quote = raw(x.price) * raw(x.qty) / fixed8::kScale;  // truncated
      if (o.dir == side::buy) {
        expect[info.base] += raw(x.qty);
        expect[info.quote] -= quote;
      } else {
        expect[info.base] -= raw(x.qty);
        expect[info.quote] += quote;
      }
      expect[*w.u.find_asset(x.commission_asset)] -= raw(x.commission);
    }
  }
  for (asset_id a = 0; a < w.u.assets().size(); ++a) {
    RC_ASSERT(expect[a] == raw(eng.balances().balance(a)));
    RC_ASSERT(expect[a] == raw(exchange.balance(a)));
  }
  RC_TAG(fills > 0 ? "filled" : "no fill");
  RC_TAG(eng.counter(exec_counter::cycles_done) > 0 ? "a cycle done" : "none done");
  RC_TAG(eng.counter(exec_counter::timeouts) > 0 ? "timeouts" : "no timeout");
  RC_TAG(eng.counter(exec_counter::refused_gate) > 0 ? "gate refused" : "gate admitted all");
  RC_TAG(eng.counter(exec_counter::refused_paused) > 0 ? "refused in a pause" : "none in a pause");
  RC_TAG(quarantines > 0 ? "quarantined" : "no quarantine");
  RC_TAG(quarantines > 0 && eng.counter(exec_counter::legs_held_not_active) > 0
             ? "a leg held (quarantine or state)"
             : "no leg held by a quarantine");
  // Leg 3 goes only after leg 2's answer, sized from what leg 2 delivered:
  // no leg 3 is refused -2010 before leg 2's answer (asserted).
  std::string leg3 = "no leg 3 -2010";
  std::map<std::uint64_t, bool> leg2_answered;  // cycle -> leg 2's answer seen
  for (const record_body& b : c.bodies) {
    std::string id;
    if (const auto* fr = std::get_if<fill_record>(&b)) id = fr->client_order_id;
    const auto* rj = std::get_if<reject_record>(&b);
    if (rj != nullptr) id = rj->client_order_id;
    if (id.empty()) continue;
    const order_record& o = *orders.at(id);
    if (o.leg == 2) leg2_answered[o.cycle] = true;
    if (rj != nullptr && rj->code == kInsufficientBalanceCode && o.leg == 3) {
      RC_ASSERT(leg2_answered[o.cycle]);
      if (!leg2_answered[o.cycle]) {
        leg3 = "leg 3 -2010 before leg 2";
      } else if (leg3 == "no leg 3 -2010") {
        leg3 = "leg 3 -2010 after leg 2";
      }
    }
  }
  RC_TAG(leg3);

  // The whole chain audits.
  const std::string path = write_chain(c);
  const audit_report rep = audit_states(path);
  std::remove(path.c_str());
  if (!rep.ok()) RC_FAIL(rep.message());
  RC_ASSERT(rep.orders == eng.counter(exec_counter::orders_sent));
}

}  // namespace
}  // namespace triarb
