// RapidCheck property of core/trading_guard.h against a slow reference that
// keeps every report and recomputes each verdict from scratch:
//   - repeat guard: for each leg, walk back over the triangle's earlier
//     reports while the leg's update id is the same and count those (and the
//     report itself) with t > now - repeat_window_ns; repeat_reports of them
//     quarantine the triangle, once, until resume();
//   - rate guard: every opportunity's window index is recomputed from all
//     the times (an earlier time stays in the window already reached), and
//     c, n and sum counted from them; it halts on the header's formula;
//   - the trading state, halts, journal failures, feed health (universe and
//     one start-asset group, with arming) and resume, from the header's
//     table.
// Over generated sequences (three triangles, update ids in 0..2 so runs
// happen, times mostly increasing with equal and backward steps, small
// knobs: repeat_reports 2..6, windows of a few ns, factor 1..4, floor
// 1..6, warm-up 1..4), every call's events (time, states, trigger, by,
// triangle and evidence) and every verdict must be the reference's, and the
// counters, state and quarantines after each call.
//
// Reproduce a failure: RC_PARAMS="reproduce=<string printed on failure>"
//   build/default/properties/trading_guard_properties
// More cases: RC_PARAMS="max_success=100000 max_size=100" (max_size at most 100)
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/int128.h"
#include "core/journal_bridge.h"
#include "core/trading_guard.h"
#include "core/trading_state_replay.h"
#include "core/universe.h"

namespace triarb {
namespace {

enum class op_kind : std::uint8_t { opportunity, halt, journal, resume, feed };

struct op {
  op_kind kind = op_kind::opportunity;
  std::int64_t dt = 0;  // time step from the previous op
  triangle_id triangle = 0;
  std::array<std::uint64_t, 3> ids{};
  std::uint32_t symbols = 0;  // feed: the universe
  std::uint32_t invalid = 0;
  std::uint32_t group_symbols = 0;  // feed: one start asset's group
  std::uint32_t group_invalid = 0;
};

void showValue(const op& o, std::ostream& os) {
  static constexpr const char* kNames[] = {"opportunity", "halt", "journal", "resume", "feed"};
  os << kNames[static_cast<int>(o.kind)] << " dt=" << o.dt;
  if (o.kind == op_kind::opportunity) {
    os << " t" << o.triangle << " ids=" << o.ids[0] << "," << o.ids[1] << "," << o.ids[2];
  } else if (o.kind == op_kind::feed) {
    os << " " << o.invalid << "/" << o.symbols << " group " << o.group_invalid << "/"
       << o.group_symbols;
  }
}

rc::Gen<op> gen_op() {
  const auto dt = rc::gen::weightedOneOf<std::int64_t>({
      {6, rc::gen::inRange<std::int64_t>(0, 4)},   // forward, often equal
      {1, rc::gen::inRange<std::int64_t>(4, 25)},  // a gap: windows pass
      {1, rc::gen::inRange<std::int64_t>(-8, 0)},  // backward
  });
  const auto id = rc::gen::inRange<std::uint64_t>(0, 3);
  const auto opportunity = rc::gen::map(
      rc::gen::tuple(dt, rc::gen::inRange<triangle_id>(0, 3), id, id, id), [](const auto& t) {
        op o;
        o.kind = op_kind::opportunity;
        o.dt = std::get<0>(t);
        o.triangle = std::get<1>(t);
        o.ids = {std::get<2>(t), std::get<3>(t), std::get<4>(t)};
        return o;
      });
  const auto n = rc::gen::inRange<std::uint32_t>(0, 5);
  const auto feed = rc::gen::map(rc::gen::tuple(dt, n, n, n, n), [](const auto& t) {
    op o;
    o.kind = op_kind::feed;
    o.dt = std::get<0>(t);
    o.symbols = std::get<1>(t);
    o.invalid = std::get<2>(t);
    o.group_symbols = std::get<3>(t);
    o.group_invalid = std::get<4>(t);
    return o;
  });
  const auto simple = [dt](op_kind k) {
    return rc::gen::map(dt, [k](std::int64_t d) {
      op o;
      o.kind = k;
      o.dt = d;
      return o;
    });
  };
  return rc::gen::weightedOneOf<op>({{30, opportunity},
                                     {3, feed},
                                     {3, simple(op_kind::resume)},
                                     {1, simple(op_kind::halt)},
                                     {1, simple(op_kind::journal)}});
}

// ---------------------------------------------------------------- the reference

struct report {
  triangle_id triangle;
  std::int64_t t;
  std::array<std::uint64_t, 3> ids;
};

struct reference {
  guard_config cfg;
  trading_state state = trading_state::active;
  std::set<triangle_id> quarantined;
  bool feed_armed = false;
  std::vector<report> reports;  // every opportunity, in call order
  std::array<std::uint64_t, static_cast<std::size_t>(guard_trigger::kCount)> transitions{};
  std::array<std::uint64_t, static_cast<std::size_t>(suppress_reason::kCount)> verdicts{};

  void move(std::int64_t now, trading_state to, guard_trigger t, std::string by,
            std::string evidence, std::vector<guard_event>& out) {
    out.push_back({now, state, to, t, std::move(by), kNoTriangle, std::move(evidence)});
    state = to;
    ++transitions[static_cast<std::size_t>(t)];
  }

  suppress_reason on_opportunity(const report& r, std::vector<guard_event>& out) {
    reports.push_back(r);
    const std::size_t j = reports.size() - 1;
    const std::int64_t now = r.t;
    bool quarantined_now = false;
    bool halted_now = false;
    // Repeat: walk back over the triangle's reports while the leg's id holds.
    for (std::size_t leg = 0; leg < 3; ++leg) {
      std::vector<std::int64_t> run_times;  // the whole run, this report included
      for (std::size_t i = j + 1; i-- > 0;) {
        if (reports[i].triangle != r.triangle) continue;
        if (reports[i].ids[leg] != r.ids[leg]) break;
        run_times.push_back(reports[i].t);
      }
      std::uint64_t in_window = 0;
      for (std::int64_t t : run_times) in_window += t > now - cfg.repeat_window_ns ? 1 : 0;
      if (in_window < cfg.repeat_reports) continue;
      if (!quarantined.contains(r.triangle)) {
        std::vector<std::int64_t> latest = run_times;
        std::sort(latest.begin(), latest.end(), std::greater<>());
        const std::string ev = "{\"leg\":" + std::to_string(leg) +
                               ",\"symbol\":" + std::to_string(20 + leg) +
                               ",\"update_id\":" + std::to_string(r.ids[leg]) +
                               ",\"reports\":" + std::to_string(cfg.repeat_reports) +
                               ",\"first_ns\":" + std::to_string(latest[cfg.repeat_reports - 1]) +
                               ",\"window_ns\":" + std::to_string(cfg.repeat_window_ns) +
                               ",\"run\":" + std::to_string(run_times.size()) + "}";
        out.push_back({now, state, state, guard_trigger::repeat, "guard", r.triangle, ev});
        ++transitions[static_cast<std::size_t>(guard_trigger::repeat)];
        quarantined.insert(r.triangle);
        quarantined_now = true;
      }
      break;  // the lowest leg that qualifies
    }
    // Rate: every window index from scratch.
    const std::int64_t start = cfg.start_ns != INT64_MIN ? cfg.start_ns : reports[0].t;
    const std::int64_t w = cfg.rate_window_ns;
    std::vector<std::int64_t> k(j + 1);
    for (std::size_t i = 0; i <= j; ++i) {
      const std::int64_t d = reports[i].t - start;
      const std::int64_t raw = d < 0 ? 0 : d / w;
      k[i] = i == 0 ? raw : std::max(k[i - 1], raw);
    }
    const std::int64_t cur = k[j];
    std::uint64_t c = 0;
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i <= j; ++i) (k[i] == cur ? c : sum) += 1;
    const auto n = static_cast<std::uint64_t>(cur);
    if (state != trading_state::halted && c > cfg.rate_floor &&
        (n < cfg.rate_warmup_windows || u128{c} * n > u128{cfg.rate_factor} * sum)) {
      const std::string ev = "{\"window_start_ns\":" + std::to_string(start + cur * w) +
                             ",\"count\":" + std::to_string(c) +
                             ",\"past_windows\":" + std::to_string(n) +
                             ",\"past_sum\":" + std::to_string(sum) +
                             ",\"factor\":" + std::to_string(cfg.rate_factor) +
                             ",\"floor\":" + std::to_string(cfg.rate_floor) +
                             ",\"warmup_windows\":" + std::to_string(cfg.rate_warmup_windows) + "}";
      move(now, trading_state::halted, guard_trigger::rate, "guard", ev, out);
      halted_now = true;
    }
    suppress_reason v = suppress_reason::none;
    // The report's own trigger first (a halt over a quarantine), then the state.
    if (halted_now) {
      v = suppress_reason::halted;
    } else if (quarantined_now) {
      v = suppress_reason::quarantined;
    } else if (state == trading_state::halted) {
      v = suppress_reason::halted;
    } else if (state == trading_state::reducing) {
      v = suppress_reason::reducing;
    } else if (quarantined.contains(r.triangle)) {
      v = suppress_reason::quarantined;
    }
    ++verdicts[static_cast<std::size_t>(v)];
    return v;
  }

  bool poor(std::uint32_t symbols, std::uint32_t invalid) const {
    return invalid * 1000 > cfg.feed_invalid_max_permille * symbols;
  }
  // Hysteresis: recovered only at or below the resume level, universe and group.
  bool recovered(const op& o) const {
    return o.symbols > 0 && o.invalid * 1000 <= cfg.feed_resume_permille * o.symbols &&
           o.group_invalid * 1000 <= cfg.feed_resume_permille * o.group_symbols;
  }

  void on_feed(std::int64_t now, const op& o, std::vector<guard_event>& out) {
    const bool universe_poor = poor(o.symbols, o.invalid);
    const bool group_poor = poor(o.group_symbols, o.group_invalid);
    const bool good = !universe_poor && !group_poor && o.symbols > 0;
    if (!feed_armed) {
      feed_armed = good;
      return;
    }
    if ((universe_poor || group_poor) && state == trading_state::active) {
      const std::string ev = universe_poor ? "{\"symbols\":" + std::to_string(o.symbols) +
                                                 ",\"invalid\":" + std::to_string(o.invalid) + "}"
                                           : "{\"symbols\":" + std::to_string(o.group_symbols) +
                                                 ",\"invalid\":" + std::to_string(o.group_invalid) +
                                                 ",\"asset\":7}";
      move(now, trading_state::reducing, guard_trigger::feed_health, "guard", ev, out);
    } else if (recovered(o) && state == trading_state::reducing && cfg.feed_auto_resume) {
      move(now, trading_state::active, guard_trigger::feed_health, "guard",
           "{\"symbols\":" + std::to_string(o.symbols) +
               ",\"invalid\":" + std::to_string(o.invalid) + "}",
           out);
    }
  }

  bool resume(std::int64_t now, std::vector<guard_event>& out) {
    if (state == trading_state::active && quarantined.empty()) return false;
    const std::string ev = "{\"released\":" + std::to_string(quarantined.size()) + ",\"from\":\"" +
                           std::string(to_string(state)) + "\"}";
    quarantined.clear();
    move(now, trading_state::active, guard_trigger::manual, "http", ev, out);
    return true;
  }
};

RC_GTEST_PROP(TradingGuardProps, RepeatAndRateGuardsAgreeWithAFromScratchReference, ()) {
  guard_config cfg;
  cfg.repeat_reports = *rc::gen::inRange<std::uint32_t>(2, 7);
  cfg.repeat_window_ns = *rc::gen::inRange<std::int64_t>(1, 21);
  cfg.rate_window_ns = *rc::gen::inRange<std::int64_t>(1, 11);
  cfg.rate_factor = *rc::gen::inRange<std::uint64_t>(1, 5);
  cfg.rate_floor = *rc::gen::inRange<std::uint64_t>(1, 7);
  cfg.rate_warmup_windows = *rc::gen::inRange<std::uint64_t>(1, 5);
  cfg.feed_invalid_max_permille = *rc::gen::inRange<std::uint32_t>(1, 1001);
  cfg.feed_resume_permille = *rc::gen::inRange<std::uint32_t>(0, cfg.feed_invalid_max_permille);
  cfg.feed_auto_resume = *rc::gen::arbitrary<bool>();
  if (*rc::gen::arbitrary<bool>()) cfg.start_ns = *rc::gen::inRange<std::int64_t>(-10, 11);
  std::int64_t now = *rc::gen::inRange<std::int64_t>(-10, 11);
  const auto ops = *rc::gen::container<std::vector<op>>(gen_op());

  trading_guard g(cfg);
  reference ref;
  ref.cfg = cfg;
  std::size_t events = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const op& o = ops[i];
    now += o.dt;
    std::vector<guard_event> got;
    std::vector<guard_event> want;
    switch (o.kind) {
      case op_kind::opportunity: {
        opportunity x;
        x.triangle = o.triangle;
        x.decided_ns = now;
        for (std::size_t leg = 0; leg < 3; ++leg) {
          x.legs[leg].symbol = static_cast<symbol_id>(20 + leg);
          x.legs[leg].update_id = o.ids[leg];
        }
        const suppress_reason v = g.on_opportunity(x, got);
        const suppress_reason rv = ref.on_opportunity({o.triangle, now, o.ids}, want);
        RC_ASSERT(to_string(v) == to_string(rv));
        break;
      }
      case op_kind::halt:
        g.halt(now, "http", "test", got);
        if (ref.state != trading_state::halted) {
          ref.move(now, trading_state::halted, guard_trigger::manual, "http",
                   "{\"reason\":\"test\"}", want);
        }
        break;
      case op_kind::journal:
        g.on_journal_failure(now, "journal_full", got);
        if (ref.state != trading_state::halted) {
          ref.move(now, trading_state::halted, guard_trigger::journal, "guard",
                   "{\"what\":\"journal_full\"}", want);
        }
        break;
      case op_kind::resume:
        RC_ASSERT(g.resume(now, "http", got) == ref.resume(now, want));
        break;
      case op_kind::feed: {
        feed_health h;
        h.symbols = o.symbols;
        h.invalid = o.invalid;
        h.start_assets.push_back({7, o.group_symbols, o.group_invalid});
        g.on_feed_health(now, h, got);
        ref.on_feed(now, o, want);
        break;
      }
    }
    if (got != want) {
      RC_LOG() << "op " << i << ": got " << got.size() << " events, want " << want.size() << "\n";
      for (const guard_event& e : got) {
        RC_LOG() << "  got  " << to_string(e.trigger) << " " << e.triangle << " " << e.evidence
                 << "\n";
      }
      for (const guard_event& e : want) {
        RC_LOG() << "  want " << to_string(e.trigger) << " " << e.triangle << " " << e.evidence
                 << "\n";
      }
    }
    RC_ASSERT(got == want);
    events += got.size();
    RC_ASSERT(g.state() == ref.state);
    RC_ASSERT(g.quarantined_count() == ref.quarantined.size());
    for (triangle_id t = 0; t < 3; ++t) RC_ASSERT(g.quarantined(t) == ref.quarantined.contains(t));
  }
  for (std::size_t t = 0; t < ref.transitions.size(); ++t) {
    RC_ASSERT(g.transitions(static_cast<guard_trigger>(t)) == ref.transitions[t]);
  }
  for (std::size_t r = 0; r < ref.verdicts.size(); ++r) {
    RC_ASSERT(g.verdicts(static_cast<suppress_reason>(r)) == ref.verdicts[r]);
  }
  RC_TAG(ref.transitions[static_cast<std::size_t>(guard_trigger::repeat)] > 0 ? "quarantine"
                                                                              : "no quarantine");
  RC_TAG(ref.transitions[static_cast<std::size_t>(guard_trigger::rate)] > 0 ? "rate halt"
                                                                            : "no rate halt");
  RC_TAG(events > 3 ? "more than 3 events" : "3 events or fewer");
}

// ---------------------------------------------------------------- the journal seam
//
// The real guard, driven by the same generated sequences, its events and
// verdicts turned into records by journal_bridge's to_record in the
// producer's order (the events, then the opportunity), chained with
// format_line and read back with parse_record: trading_state_tracker (the
// audit's and the restart's replay) must accept the chain, and end in the
// guard's state and quarantines. Dropping any one state record must be
// refused, or leave the replay in a state that is not the guard's (what a
// restart would restore). Changing a suppressed reason (or removing it) is
// refused exactly when the new reason does not hold for the guard's state
// and quarantines at that point.

struct seam_universe {
  universe u{{{"BTCUSDT", "BTC", "USDT", {}},
              {"ETHBTC", "ETH", "BTC", {}},
              {"ETHUSDT", "ETH", "USDT", {}},
              {"BNBBTC", "BNB", "BTC", {}},
              {"BNBUSDT", "BNB", "USDT", {}}}};
  triangle_index idx = build();
  triangle_index build() const {
    const asset_id usdt = *u.find_asset("USDT");
    return triangle_index::build(u, std::span<const asset_id>(&usdt, 1));
  }
};

const seam_universe& seam() {
  static const seam_universe s;
  return s;
}

// What held when an opportunity record was made: the guard's state and
// whether its triangle was quarantined.
struct held {
  trading_state state = trading_state::active;
  bool quarantined = false;
};

bool holds(suppress_reason r, const held& h) {
  switch (r) {
    case suppress_reason::none:
      return h.state == trading_state::active && !h.quarantined;
    case suppress_reason::reducing:
      return h.state == trading_state::reducing;
    case suppress_reason::halted:
      return h.state == trading_state::halted;
    case suppress_reason::quarantined:
      return h.quarantined;
    case suppress_reason::kCount:
      break;
  }
  return false;
}

// "" when the tracker accepts every record, else the first refusal.
std::string replay(const std::vector<journal_record>& recs, trading_state_tracker& t) {
  for (const journal_record& r : recs) {
    if (std::string why = t.apply(r); !why.empty()) return why;
  }
  return {};
}

RC_GTEST_PROP(TradingGuardProps, TheJournalOfTheRealGuardReplaysToItsState, ()) {
  const seam_universe& su = seam();
  RC_PRE(su.idx.size() >= 3);
  guard_config cfg;
  cfg.repeat_reports = *rc::gen::inRange<std::uint32_t>(2, 5);
  cfg.repeat_window_ns = *rc::gen::inRange<std::int64_t>(1, 21);
  cfg.rate_window_ns = *rc::gen::inRange<std::int64_t>(1, 11);
  cfg.rate_factor = *rc::gen::inRange<std::uint64_t>(1, 5);
  cfg.rate_floor = *rc::gen::inRange<std::uint64_t>(1, 7);
  cfg.rate_warmup_windows = *rc::gen::inRange<std::uint64_t>(1, 5);
  cfg.feed_invalid_max_permille = *rc::gen::inRange<std::uint32_t>(1, 1001);
  cfg.feed_resume_permille = *rc::gen::inRange<std::uint32_t>(0, cfg.feed_invalid_max_permille);
  cfg.feed_auto_resume = *rc::gen::arbitrary<bool>();
  std::int64_t now = *rc::gen::inRange<std::int64_t>(0, 11);
  const auto ops = *rc::gen::container<std::vector<op>>(gen_op());

  trading_guard g(cfg);
  std::vector<record_body> bodies;
  std::vector<std::optional<held>> at;  // per body: what held, for opportunities
  genesis_record gen;
  gen.config = "x = 1\n";
  gen.config_sha256 = sha256_hex(gen.config);
  bodies.emplace_back(gen);
  at.emplace_back();
  for (const op& o : ops) {
    now += o.dt;
    std::vector<guard_event> ev;
    std::optional<opportunity_record> rec;
    std::optional<held> h;
    switch (o.kind) {
      case op_kind::opportunity: {
        opportunity x;
        x.triangle = o.triangle;
        x.decided_ns = now;
        for (std::size_t leg = 0; leg < 3; ++leg) {
          x.legs[leg].symbol = su.idx.triangle_at(o.triangle).legs[leg].symbol;
          x.legs[leg].update_id = o.ids[leg];
        }
        const suppress_reason v = g.on_opportunity(x, ev);
        rec = to_record(x, su.idx, su.u, v);
        h = held{g.state(), g.quarantined(o.triangle)};
        break;
      }
      case op_kind::halt:
        g.halt(now, "http", "test", ev);
        break;
      case op_kind::journal:
        g.on_journal_failure(now, "journal_full", ev);
        break;
      case op_kind::resume:
        (void)g.resume(now, "http", ev);
        break;
      case op_kind::feed: {
        feed_health fh;
        fh.symbols = o.symbols;
        fh.invalid = o.invalid;
        fh.start_assets.push_back({7, o.group_symbols, o.group_invalid});
        g.on_feed_health(now, fh, ev);
        break;
      }
    }
    for (const guard_event& e : ev) {  // the producer's order: events first
      bodies.emplace_back(to_record(e, su.idx, su.u));
      at.emplace_back();
    }
    if (rec) {
      bodies.emplace_back(std::move(*rec));
      at.push_back(h);
    }
  }

  // Chained, and read back as a reader would.
  std::vector<journal_record> recs;
  std::string prev(kZeroHash);
  std::string hash;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    const record_parse_result r = parse_record(format_line(i, bodies[i], prev, &hash));
    RC_ASSERT(r.ok());
    recs.push_back(r.record);
    prev = hash;
  }
  std::set<std::string> guard_quarantined;
  for (triangle_id t = 0; t < 3; ++t) {
    if (g.quarantined(t)) guard_quarantined.insert(su.idx.name(t, su.u));
  }
  const auto same_as_guard = [&](const trading_state_tracker& t) {
    return t.state() == g.state() && t.quarantined() == guard_quarantined;
  };

  trading_state_tracker whole;
  const std::string why = replay(recs, whole);
  if (!why.empty()) RC_LOG() << why << "\n";
  RC_ASSERT(why.empty());
  RC_ASSERT(same_as_guard(whole));

  std::size_t state_records = 0;
  std::size_t mutations = 0;
  trading_state_tracker prefix;  // the records before i, applied
  for (std::size_t i = 0; i < recs.size(); ++i) {
    if (std::holds_alternative<state_record>(recs[i].body)) {
      ++state_records;
      std::vector<journal_record> dropped = recs;
      dropped.erase(dropped.begin() + static_cast<std::ptrdiff_t>(i));
      trading_state_tracker t;
      const bool refused = !replay(dropped, t).empty();
      if (!refused && same_as_guard(t)) RC_LOG() << "dropping record " << i << " went unseen\n";
      RC_ASSERT(refused || !same_as_guard(t));
    } else if (at[i]) {
      const auto& op = std::get<opportunity_record>(recs[i].body);
      for (std::size_t r = 0; r < static_cast<std::size_t>(suppress_reason::kCount); ++r) {
        const auto other = static_cast<suppress_reason>(r);
        if (other == op.suppressed) continue;
        journal_record changed = recs[i];
        std::get<opportunity_record>(changed.body).suppressed = other;
        trading_state_tracker t = prefix;
        const bool refused = !t.apply(changed).empty();
        RC_ASSERT(refused == !holds(other, *at[i]));
        ++mutations;
      }
    }
    RC_ASSERT(prefix.apply(recs[i]).empty());
  }
  RC_TAG(state_records > 3 ? "more than 3 state records" : "3 state records or fewer");
  RC_TAG(mutations > 0 ? "reasons changed" : "no opportunity");
}

}  // namespace
}  // namespace triarb
