// Model-based property of the synchronous pipeline (contracts 1, 2 and 4 of
// docs/design.md together): no opportunity ever uses an invalid or stale leg, and
// every cycle that is really profitable is reported.
//
// Universe: USDT, BTC, ETH, BNB, LUNC with 8 symbols (LUNCUSDT ~0.000089,
// LUNCBNB ~0.00000178) on two connections; 8 triangles start at USDT.
// Commands (a generated, shrinkable sequence of up to 100): good frames (raw
// or combined shape, newer / duplicate / older update id, prices near a
// consistent fair value or dislocated by up to 3% so cycles become truly
// profitable, sometimes an empty side), frames with a 13- to 24-digit
// quantity (applied with the quantity capped at fixed8::max()), attributed
// bad frames, unattributed garbage, unknown symbols and control messages on a
// connection, connection loss, time passing (sometimes past max_leg_age) and
// evaluation of a symbol's triangles at the current time.
// Model: per symbol, the last applied quote (exact raw decimals), its receive
// time, its update id and validity.
// Checked after every command, on everything the sink saw in that step:
//   (a) every opportunity's legs are the model's current quotes (price, book
//       quantity, update id, capped flag, age) and the model says each is
//       valid and no older than max_leg_age; its exact ratio beats 1 + min_profit;
//   (b) hence no leg whose latest frame failed, that was invalidated, or that
//       is stale is ever used;
//   (c) completeness: every triangle of the evaluated symbol that the model
//       finds profitable by exact rational arithmetic by more than the
//       rounding margin, ratio > (1 + min_profit)(1 + 2e-6), with every leg
//       valid and fresh, is reported. The evaluator also sizes the trade; the
//       model universe makes sizing non-binding instead of replicating it:
//       step and tick 0.00000001, no min/max qty or notional, budget 100,000
//       USDT, and every book quantity worth >= 300,000 USDT, so the start
//       amount is the whole budget and the fixed8 rounding losses (< 0.01
//       USDT) are far below the >= 0.2 USDT profit the margin implies.
// The previous bot's failure (a capped-quantity LUNC frame dropped, the leg
// frozen while the others move) is an always-run example, and a mutant
// pipeline that drops capped frames and ignores validity is shown to fail
// the same property, both on that example and under RapidCheck with a fixed
// seed (with the shrunk counterexample printed).
//
// Reproduce a failure: RC_PARAMS="reproduce=<string printed on failure>"
//   build/default/properties/pipeline_model_properties
// More cases: RC_PARAMS="max_success=2000" build/default/properties/pipeline_model_properties
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <iostream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/int128.h"
#include "core/pipeline.h"

namespace triarb {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

constexpr std::int64_t kMaxRaw = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMaxLegAgeNs = 5'000'000'000;  // 5 s
constexpr std::int64_t kStartNs = 1'000'000'000'000;
constexpr std::uint64_t kFirstUpdateId = 1000;  // base for the first frame's id

// ------------------------------------------------------------------ fixture

struct symbol_def {
  const char* name;
  const char* base;
  const char* quote;
  std::int64_t fair_raw;     // fair price, fixed8 raw
  std::int64_t min_qty_raw;  // base quantity worth 300,000 USDT, fixed8 raw
  std::uint32_t connection;
};

// Fair values in USDT: BTC 30,000, ETH 2,000, BNB 50, LUNC 0.000089.
constexpr std::array<symbol_def, 8> kDefs{{
    {"BTCUSDT", "BTC", "USDT", 3'000'000'000'000, 1'000'000'000, 0},
    {"ETHUSDT", "ETH", "USDT", 200'000'000'000, 15'000'000'000, 1},
    {"BNBUSDT", "BNB", "USDT", 5'000'000'000, 600'000'000'000, 0},
    {"LUNCUSDT", "LUNC", "USDT", 8'900, 337'078'651'685'393'258, 1},
    {"ETHBTC", "ETH", "BTC", 6'666'667, 15'000'000'000, 0},
    {"BNBBTC", "BNB", "BTC", 166'667, 600'000'000'000, 1},
    {"BNBETH", "BNB", "ETH", 2'500'000, 600'000'000'000, 1},
    {"LUNCBNB", "LUNC", "BNB", 178, 337'078'651'685'393'258, 0},
}};
constexpr std::size_t kSymbols = kDefs.size();
constexpr std::uint32_t kConnections = 2;

struct fixture {
  universe u;
  triangle_index idx;
  evaluator_config cfg;
  std::array<symbol_id, kSymbols> id{};  // kDefs index -> universe symbol id
  std::vector<std::size_t> def_of;       // universe symbol id -> kDefs index
  std::array<std::vector<std::size_t>, kConnections> conn_defs;  // kDefs indices
  cpp_rational one_minus_fee{999, 1000};
  cpp_rational min_profit{1, 10'000};
  cpp_rational margin;  // (1 + min_profit)(1 + 2e-6)

  fixture() {
    std::vector<symbol_spec> specs;
    symbol_filters f;
    f.tick_size = fixed8::from_raw(1);
    f.step_size = fixed8::from_raw(1);
    for (const symbol_def& d : kDefs) specs.push_back({d.name, d.base, d.quote, f});
    u = universe(std::move(specs));
    const asset_id usdt = *u.find_asset("USDT");
    idx = triangle_index::build(u, std::span<const asset_id>(&usdt, 1));
    cfg.min_profit = fixed8::from_raw(10'000);  // 0.0001
    cfg.default_budget = fixed8::from_units(100'000);
    cfg.max_leg_age_ns = kMaxLegAgeNs;
    def_of.assign(kSymbols, 0);
    for (std::size_t i = 0; i < kSymbols; ++i) {
      id[i] = u.find_symbol(kDefs[i].name);
      def_of.at(id[i]) = i;
      conn_defs[kDefs[i].connection].push_back(i);
    }
    margin = (1 + min_profit) * cpp_rational(1'000'002, 1'000'000);
  }

  std::vector<symbol_id> connection_symbols(std::uint32_t c) const {
    std::vector<symbol_id> out;
    for (std::size_t i : conn_defs[c]) out.push_back(id[i]);
    return out;
  }
};

const fixture& fx() {
  static const fixture f;
  return f;
}

// ---------------------------------------------------------- systems under test

using sink_log = std::vector<opportunity>;

// The sink: records every opportunity it is offered and accepts it.
struct recorder {
  sink_log& out;
  bool operator()(const opportunity& o) const {
    out.push_back(o);
    return true;
  }
};

class system_under_test {
 public:
  virtual ~system_under_test() = default;
  virtual frame_result process(connection_id c, const frame_buffer& buf, std::int64_t now,
                               sink_log& out) = 0;
  virtual void lose(connection_id c, std::int64_t now, sink_log& out) = 0;
  virtual void evaluate(symbol_id s, std::int64_t now, sink_log& out) = 0;
};

// The real thing: sync_pipeline as replay and the benchmarks use it.
class real_system final : public system_under_test {
 public:
  real_system() : p_(fx().u, fx().idx, fx().cfg, tel_) {
    for (std::uint32_t c = 0; c < kConnections; ++c) {
      (void)p_.feed().add_connection(fx().connection_symbols(c));
    }
  }
  frame_result process(connection_id c, const frame_buffer& buf, std::int64_t now,
                       sink_log& out) override {
    return p_.process(c, buf.data(), buf.size(), now, recorder{out});
  }
  void lose(connection_id c, std::int64_t now, sink_log& out) override {
    (void)p_.feed().on_connection_lost(c);
    (void)p_.evaluate_dirty(now, recorder{out});
  }
  void evaluate(symbol_id s, std::int64_t now, sink_log& out) override {
    (void)p_.evaluate_dirty(now, recorder{out});
    (void)p_.eval().on_symbol(p_.book(), s, now, recorder{out});
  }

 private:
  telemetry tel_;
  sync_pipeline p_;
};

// The old bot's behaviour, as a book wrapper: a frame whose quantity was
// capped is dropped (neither applied nor invalidating) and, if IgnoreValidity,
// invalidation does nothing and every snapshot claims to be valid.
template <bool IgnoreValidity>
class mutant_book {
 public:
  explicit mutant_book(std::size_t n) : inner_(n) {}
  [[nodiscard]] write_outcome write(const quote& q, std::int64_t recv_ns) noexcept {
    if (q.qty_capped) return write_outcome::stale_dropped;
    return inner_.write(q, recv_ns);
  }
  invalidate_outcome invalidate(symbol_id s) noexcept {
    if (IgnoreValidity) return invalidate_outcome::already_invalid;
    return inner_.invalidate(s);
  }
  invalidate_outcome invalidate(symbol_id s, std::uint64_t failed_update_id) noexcept {
    if (IgnoreValidity) return invalidate_outcome::already_invalid;
    return inner_.invalidate(s, failed_update_id);
  }
  std::size_t invalidate_all(std::span<const symbol_id> symbols) noexcept {
    if (IgnoreValidity) return 0;
    return inner_.invalidate_all(symbols);
  }
  [[nodiscard]] book_snapshot read(symbol_id s) const noexcept {
    book_snapshot b = inner_.read(s);
    if (IgnoreValidity) b.valid = true;
    return b;
  }

 private:
  order_book inner_;
};

template <bool IgnoreValidity>
class mutant_system final : public system_under_test {
 public:
  mutant_system()
      : symbols_(make_symbol_table(fx().u)),
        book_(kSymbols),
        dirty_(kSymbols),
        feed_(symbols_, book_, dirty_, tel_),
        eval_(fx().u, fx().idx, fx().cfg, tel_) {
    for (std::uint32_t c = 0; c < kConnections; ++c) {
      (void)feed_.add_connection(fx().connection_symbols(c));
    }
  }
  frame_result process(connection_id c, const frame_buffer& buf, std::int64_t now,
                       sink_log& out) override {
    const frame_result r = feed_.on_frame(c, buf, now);
    drain(now, out);
    return r;
  }
  void lose(connection_id c, std::int64_t now, sink_log& out) override {
    (void)feed_.on_connection_lost(c);
    drain(now, out);
  }
  void evaluate(symbol_id s, std::int64_t now, sink_log& out) override {
    drain(now, out);
    (void)eval_.on_symbol(book_, s, now, recorder{out});
  }

 private:
  void drain(std::int64_t now, sink_log& out) {
    (void)dirty_.drain([&](symbol_id s) { (void)eval_.on_symbol(book_, s, now, recorder{out}); });
  }
  telemetry tel_;
  symbol_table symbols_;
  mutant_book<IgnoreValidity> book_;
  dirty_set dirty_;
  basic_feed_handler<mutant_book<IgnoreValidity>, dirty_set> feed_;
  evaluator eval_;
};

// ----------------------------------------------------------------- commands

enum class op : std::uint8_t { good, huge_qty, bad, garbage, lose, advance, evaluate };

// One step. Update ids are relative to the model's last applied id, so a
// command keeps its meaning ("newer", "duplicate", "older") when shrinking
// removes the commands before it.
struct command {
  op kind = op::advance;
  std::uint32_t sym = 0;       // kDefs index: good, huge_qty, bad, evaluate
  std::uint32_t conn = 0;      // garbage, lose
  std::uint32_t uid_mode = 0;  // 0 newer, 1 duplicate, 2 older
  std::uint32_t uid_step = 1;
  std::int32_t jitter_ppm = 0;  // mid = fair * (1 + jitter)
  std::int32_t spread_ppm = 0;  // bid/ask = mid * (1 -/+ spread)
  std::int32_t bid_qty_pm = 0;  // book qty = min_qty * (1 + pm / 1000)
  std::int32_t ask_qty_pm = 0;
  bool combined = false;
  bool trimmed = false;  // "1.5" instead of "1.50000000"
  bool empty_bid = false;
  bool empty_ask = false;
  bool cap_bid = false;  // huge_qty: which quantities are huge (at least one)
  bool cap_ask = false;
  std::uint32_t huge_lead = 1;  // huge quantity text: lead, then huge_zeros zeros
  std::int32_t huge_zeros = 12;
  std::int32_t variant = 0;   // bad: kind of error; garbage: kind of garbage
  std::int32_t cut_pm = 500;  // garbage truncation point, per mille
  std::int64_t dt_ns = 0;     // advance
};

constexpr const char* kOpNames[] = {"good", "huge_qty", "bad",     "garbage",
                                    "lose", "advance",  "evaluate"};
constexpr const char* kBadNames[] = {"exponent",      "crossed",        "negative_qty",
                                     "nine_decimals", "price_overflow", "missing_A",
                                     "negative_u",    "zero_price",     "number_not_string"};
constexpr const char* kGarbageNames[] = {"truncated",       "not_json",        "missing_s",
                                         "stream_mismatch", "unknown_message", "trailing",
                                         "unknown_symbol",  "control"};
constexpr const char* kUidModes[] = {"newer", "duplicate", "older"};

void showValue(const command& c, std::ostream& os) {
  os << kOpNames[static_cast<int>(c.kind)];
  switch (c.kind) {
    case op::good:
    case op::huge_qty:
      os << ' ' << kDefs[c.sym].name << " u=" << kUidModes[c.uid_mode] << '/' << c.uid_step
         << " jitter=" << c.jitter_ppm << "ppm spread=" << c.spread_ppm
         << "ppm qty_pm=" << c.bid_qty_pm << '/' << c.ask_qty_pm
         << (c.combined ? " combined" : " raw") << (c.trimmed ? " trimmed" : "")
         << (c.empty_bid ? " empty_bid" : "") << (c.empty_ask ? " empty_ask" : "");
      if (c.kind == op::huge_qty) {
        os << " huge=" << c.huge_lead << "e" << c.huge_zeros << (c.cap_bid ? " B" : "")
           << (c.cap_ask ? " A" : "");
      }
      break;
    case op::bad:
      os << ' ' << kDefs[c.sym].name << ' ' << kBadNames[c.variant]
         << (c.combined ? " combined" : " raw");
      break;
    case op::garbage:
      os << " conn=" << c.conn << ' ' << kGarbageNames[c.variant] << " sym#" << c.sym
         << " cut=" << c.cut_pm << "pm";
      break;
    case op::lose:
      os << " conn=" << c.conn;
      break;
    case op::advance:
      os << ' ' << c.dt_ns << "ns";
      break;
    case op::evaluate:
      os << ' ' << kDefs[c.sym].name;
      break;
  }
}

std::ostream& operator<<(std::ostream& os, const command& c) {
  showValue(c, os);
  return os;
}

rc::Gen<command> gen_quote_command(op kind) {
  return rc::gen::exec([kind] {
    command c;
    c.kind = kind;
    c.sym = *rc::gen::inRange<std::uint32_t>(0, kSymbols);
    c.uid_mode = *rc::gen::weightedElement<std::uint32_t>({{8, 0}, {1, 1}, {1, 2}});
    c.uid_step = *rc::gen::inRange<std::uint32_t>(1, 1000);
    c.jitter_ppm = *rc::gen::weightedOneOf<std::int32_t>({
        {2, rc::gen::inRange<std::int32_t>(-500, 501)},
        {1, rc::gen::inRange<std::int32_t>(-30'000, 30'001)},  // dislocated
    });
    c.spread_ppm = *rc::gen::inRange<std::int32_t>(0, 300);
    c.bid_qty_pm = *rc::gen::inRange<std::int32_t>(0, 2000);
    c.ask_qty_pm = *rc::gen::inRange<std::int32_t>(0, 2000);
    c.combined = *rc::gen::arbitrary<bool>();
    c.trimmed = *rc::gen::arbitrary<bool>();
    c.empty_bid = *rc::gen::weightedElement<bool>({{30, false}, {1, true}});
    c.empty_ask = *rc::gen::weightedElement<bool>({{30, false}, {1, true}});
    if (kind == op::huge_qty) {
      const int which = *rc::gen::inRange(0, 3);
      c.cap_bid = which != 1;
      c.cap_ask = which != 0;
      c.empty_bid = c.empty_bid && !c.cap_bid;
      c.empty_ask = c.empty_ask && !c.cap_ask;
      c.huge_lead = *rc::gen::inRange<std::uint32_t>(1, 100'000);
      c.huge_zeros = *rc::gen::inRange<std::int32_t>(12, 20);
    }
    return c;
  });
}

rc::Gen<command> gen_command() {
  return rc::gen::weightedOneOf<command>({
      {10, gen_quote_command(op::good)},
      {2, gen_quote_command(op::huge_qty)},
      {2, rc::gen::exec([] {
         command c;
         c.kind = op::bad;
         c.sym = *rc::gen::inRange<std::uint32_t>(0, kSymbols);
         c.variant = *rc::gen::inRange<std::int32_t>(0, 9);
         c.uid_step = *rc::gen::inRange<std::uint32_t>(1, 1000);
         c.combined = *rc::gen::arbitrary<bool>();
         return c;
       })},
      {1, rc::gen::exec([] {
         command c;
         c.kind = op::garbage;
         c.conn = *rc::gen::inRange<std::uint32_t>(0, kConnections);
         c.sym = *rc::gen::inRange<std::uint32_t>(0, 4);  // index within the connection
         c.variant = *rc::gen::inRange<std::int32_t>(0, 8);
         c.cut_pm = *rc::gen::inRange<std::int32_t>(1, 1000);
         return c;
       })},
      {1, rc::gen::exec([] {
         command c;
         c.kind = op::lose;
         c.conn = *rc::gen::inRange<std::uint32_t>(0, kConnections);
         return c;
       })},
      {2, rc::gen::exec([] {
         command c;
         c.kind = op::advance;
         c.dt_ns = *rc::gen::weightedOneOf<std::int64_t>({
             {5, rc::gen::inRange<std::int64_t>(1'000'000, 1'000'000'000)},
             {1, rc::gen::inRange<std::int64_t>(kMaxLegAgeNs - 1'000'000, 3 * kMaxLegAgeNs)},
         });
         return c;
       })},
      {2, rc::gen::exec([] {
         command c;
         c.kind = op::evaluate;
         c.sym = *rc::gen::inRange<std::uint32_t>(0, kSymbols);
         return c;
       })},
  });
}

// -------------------------------------------------------------------- model

struct model_symbol {
  bool has_frame = false;
  bool valid = false;
  bool qty_capped = false;
  std::uint64_t update_id = 0;
  std::int64_t recv_ns = 0;
  std::int64_t bid = 0, bid_qty = 0, ask = 0, ask_qty = 0;  // exact decimals, fixed8 raw
};

struct model {
  std::int64_t now = kStartNs;
  std::array<model_symbol, kSymbols> sym{};  // by kDefs index

  std::uint64_t last_id(std::size_t d) const {
    return sym[d].has_frame ? sym[d].update_id : kFirstUpdateId;
  }
  std::uint64_t frame_id(std::size_t d, std::uint32_t mode, std::uint32_t step) const {
    const std::uint64_t last = last_id(d);
    if (mode == 1) return last;
    if (mode == 2) return last - std::min<std::uint64_t>(step, last);
    return last + step;
  }
  void invalidate_connection(std::uint32_t c) {
    for (std::size_t d : fx().conn_defs[c]) sym[d].valid = false;
  }
};

// --------------------------------------------------------------- frame text

std::string decimal(std::int64_t raw, bool trimmed) {
  std::string frac = std::to_string(raw % 100'000'000);
  frac.insert(0, 8 - frac.size(), '0');
  if (trimmed) {
    while (frac.size() > 1 && frac.back() == '0') frac.pop_back();
  }
  return std::to_string(raw / 100'000'000) + "." + frac;
}

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

struct quote_text {
  std::string u, s, b, bq, a, aq;
  bool u_is_text = false;  // u written verbatim (already JSON)
  bool omit_aq = false;
  bool b_as_number = false;
};

std::string render(const quote_text& q, bool combined, const std::string& stream_sym) {
  std::string body = "{\"u\":" + q.u + ",\"s\":\"" + q.s + "\",\"b\":";
  body += q.b_as_number ? q.b : "\"" + q.b + "\"";
  body += ",\"B\":\"" + q.bq + "\",\"a\":\"" + q.a + "\"";
  if (!q.omit_aq) body += ",\"A\":\"" + q.aq + "\"";
  body += "}";
  if (!combined) return body;
  return "{\"stream\":\"" + lower(stream_sym) + "@bookTicker\",\"data\":" + body + "}";
}

// The quote a good or huge_qty command sends (exact raw values).
struct planned_quote {
  std::int64_t bid = 0, bid_qty = 0, ask = 0, ask_qty = 0;
  quote_text text;
};

planned_quote plan_quote(const command& c, std::uint64_t uid) {
  const symbol_def& d = kDefs[c.sym];
  const i128 mid = static_cast<i128>(d.fair_raw) * (1'000'000 + c.jitter_ppm) / 1'000'000;
  const i128 spread = mid * c.spread_ppm / 1'000'000;
  planned_quote p;
  p.bid = std::max<std::int64_t>(1, static_cast<std::int64_t>(mid - spread));
  p.ask = std::max<std::int64_t>(p.bid, static_cast<std::int64_t>(mid + spread));
  p.bid_qty =
      static_cast<std::int64_t>(static_cast<i128>(d.min_qty_raw) * (1000 + c.bid_qty_pm) / 1000);
  p.ask_qty =
      static_cast<std::int64_t>(static_cast<i128>(d.min_qty_raw) * (1000 + c.ask_qty_pm) / 1000);
  if (c.empty_bid) p.bid = p.bid_qty = 0;
  if (c.empty_ask) p.ask = p.ask_qty = 0;
  p.text.u = std::to_string(uid);
  p.text.s = d.name;
  p.text.b = decimal(p.bid, c.trimmed);
  p.text.bq = decimal(p.bid_qty, c.trimmed);
  p.text.a = decimal(p.ask, c.trimmed);
  p.text.aq = decimal(p.ask_qty, c.trimmed);
  if (c.kind == op::huge_qty) {
    const std::string huge = std::to_string(c.huge_lead) + std::string(c.huge_zeros, '0') +
                             (c.trimmed ? "" : ".00000000");
    if (c.cap_bid) {
      p.bid_qty = kMaxRaw;
      p.text.bq = huge;
    }
    if (c.cap_ask) {
      p.ask_qty = kMaxRaw;
      p.text.aq = huge;
    }
  }
  return p;
}

// ------------------------------------------------------------------ checker

cpp_rational exact(std::int64_t raw) { return cpp_rational(cpp_int(raw), cpp_int(100'000'000)); }

// The exact ratio of triangle t on the model's stored quotes, or nullopt when
// a leg has no frame or an empty needed side.
std::optional<cpp_rational> exact_ratio(const model& m, const triangle& t) {
  cpp_rational r = 1;
  for (const leg& l : t.legs) {
    const model_symbol& q = m.sym[fx().def_of[l.symbol]];
    if (!q.has_frame) return std::nullopt;
    if (l.dir == side::buy) {
      if (q.ask <= 0) return std::nullopt;
      r *= fx().one_minus_fee / exact(q.ask);
    } else {
      if (q.bid <= 0) return std::nullopt;
      r *= exact(q.bid) * fx().one_minus_fee;
    }
  }
  return r;
}

bool usable(const model& m, const triangle& t, bool* stale_only) {
  bool all_valid = true;
  bool all_fresh = true;
  for (const leg& l : t.legs) {
    const model_symbol& q = m.sym[fx().def_of[l.symbol]];
    all_valid = all_valid && q.valid;
    all_fresh = all_fresh && m.now - q.recv_ns < kMaxLegAgeNs;  // younger than
  }
  if (stale_only != nullptr) *stale_only = all_valid && !all_fresh;
  return all_valid && all_fresh;
}

struct run_stats {
  std::size_t opportunities = 0;
  std::size_t capped_applied = 0;
  std::size_t capped_legs_reported = 0;
  std::size_t withheld_invalid = 0;  // profitable on stored data, a leg invalid
  std::size_t withheld_stale = 0;    // profitable on stored data, valid but a leg stale
  std::size_t dropped_frames = 0;
};

std::string describe(const opportunity& o) {
  std::ostringstream os;
  os << fx().idx.name(o.triangle, fx().u) << " at " << o.decided_ns << ':';
  for (const leg_decision& d : o.legs) {
    os << ' ' << fx().u.symbol(d.symbol).name << (d.dir == side::buy ? " buy " : " sell ")
       << d.price.raw() << "e-8 qty " << d.book_qty.raw() << "e-8 u=" << d.update_id
       << " age=" << d.age_ns << (d.valid ? "" : " INVALID");
  }
  return os.str();
}

// (a) for one reported opportunity; returns the problem, or empty.
std::string check_opportunity(const model& m, const opportunity& o) {
  const triangle& t = fx().idx.triangle_at(o.triangle);
  if (o.decided_ns != m.now) return "decided_ns is not the step's time";
  for (std::size_t k = 0; k < 3; ++k) {
    const leg_decision& d = o.legs[k];
    if (d.symbol != t.legs[k].symbol || d.dir != t.legs[k].dir) return "leg is not the triangle's";
    const std::size_t def = fx().def_of[d.symbol];
    const model_symbol& q = m.sym[def];
    const std::string who = std::string("leg ") + kDefs[def].name + ": ";
    if (!q.has_frame) return who + "no good frame was ever applied";
    if (!q.valid) return who + "the model says INVALID (latest frame failed or invalidated)";
    if (m.now - q.recv_ns >= kMaxLegAgeNs) return who + "STALE (not younger than max_leg_age)";
    const bool buy = d.dir == side::buy;
    if (d.price.raw() != (buy ? q.ask : q.bid)) {
      return who + "price " + std::to_string(d.price.raw()) + "e-8 but the model's is " +
             std::to_string(buy ? q.ask : q.bid) + "e-8";
    }
    if (d.book_qty.raw() != (buy ? q.ask_qty : q.bid_qty)) {
      return who + "book qty " + std::to_string(d.book_qty.raw()) + "e-8 but the model's is " +
             std::to_string(buy ? q.ask_qty : q.bid_qty) + "e-8";
    }
    if (d.update_id != q.update_id) {
      return who + "update id " + std::to_string(d.update_id) + " but the model's is " +
             std::to_string(q.update_id);
    }
    if (!d.valid) return who + "record says invalid";
    if (d.age_ns != m.now - q.recv_ns) return who + "age differs from the model's";
    if (d.qty_capped != q.qty_capped) return who + "qty_capped differs from the model's";
  }
  const std::optional<cpp_rational> r = exact_ratio(m, t);
  if (!r || !(*r > 1 + fx().min_profit))
    return "phantom: the exact ratio does not beat 1 + min_profit";
  if (!o.profit.is_positive()) return "profit is not positive";
  return {};
}

// (c) for the triangles of evaluated symbol d; returns the problem, or empty.
std::string check_complete(const model& m, std::size_t d, const sink_log& seen, run_stats& st) {
  for (const leg_ref& r : fx().idx.touching(fx().id[d])) {
    const triangle& t = fx().idx.triangle_at(r.triangle);
    const std::optional<cpp_rational> ratio = exact_ratio(m, t);
    if (!ratio || !(*ratio > fx().margin)) continue;
    bool stale_only = false;
    if (!usable(m, t, &stale_only)) {
      ++(stale_only ? st.withheld_stale : st.withheld_invalid);
      continue;
    }
    const bool reported = std::any_of(
        seen.begin(), seen.end(), [&](const opportunity& o) { return o.triangle == r.triangle; });
    if (!reported) {
      return "missed: " + fx().idx.name(r.triangle, fx().u) + " is profitable (exact ratio " +
             std::to_string(ratio->convert_to<double>()) +
             ") with valid fresh legs but was not reported";
    }
  }
  return {};
}

// Runs cmds against sys and the model; returns the first violation with the
// trace of frames that led to it, or nullopt.
std::optional<std::string> run(const std::vector<command>& cmds, system_under_test& sys,
                               run_stats& st) {
  model m;
  std::vector<std::string> trace;
  frame_buffer buf;
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    const command& c = cmds[i];
    sink_log seen;
    std::optional<std::size_t> evaluated;  // kDefs index whose triangles were evaluated
    std::string frame;
    std::string problem;
    std::ostringstream line;
    line << '#' << i << ' ' << c;

    switch (c.kind) {
      case op::good:
      case op::huge_qty: {
        model_symbol& q = m.sym[c.sym];
        const std::uint64_t uid = m.frame_id(c.sym, c.uid_mode, c.uid_step);
        const planned_quote p = plan_quote(c, uid);
        frame = render(p.text, c.combined, kDefs[c.sym].name);
        buf.assign(frame);
        const frame_result r = sys.process(kDefs[c.sym].connection, buf, m.now, seen);
        if (r.kind != frame_kind::quote || r.symbol != fx().id[c.sym] || r.q.bid.raw() != p.bid ||
            r.q.ask.raw() != p.ask || r.q.bid_qty.raw() != p.bid_qty ||
            r.q.ask_qty.raw() != p.ask_qty || r.q.update_id != uid ||
            r.q.qty_capped != (c.kind == op::huge_qty)) {
          problem = "parser: not the quote that was sent (" + std::string(to_string(r.error)) + ")";
          break;
        }
        if (q.has_frame && uid <= q.update_id) {
          ++st.dropped_frames;  // older or duplicate: nothing changes, nothing evaluated
          break;
        }
        q = {true, true, c.kind == op::huge_qty, uid, m.now, p.bid, p.bid_qty, p.ask, p.ask_qty};
        if (q.qty_capped) ++st.capped_applied;
        evaluated = c.sym;
        break;
      }
      case op::bad: {
        const std::uint64_t uid = m.frame_id(c.sym, 0, c.uid_step);
        command g = c;
        g.kind = op::good;
        g.spread_ppm = 100;
        planned_quote p = plan_quote(g, uid);
        static constexpr frame_errc kExpected[] = {
            frame_errc::bad_number,    frame_errc::crossed_book,   frame_errc::negative_number,
            frame_errc::bad_number,    frame_errc::price_overflow, frame_errc::missing_field,
            frame_errc::bad_update_id, frame_errc::zero_price,     frame_errc::wrong_type};
        switch (c.variant) {
          case 0:
            p.text.b = "3e4";
            break;
          case 1:
            p.text.b = decimal(p.ask + 1 + p.ask / 100, false);
            break;
          case 2:
            p.text.bq = "-1.50000000";
            break;
          case 3:
            p.text.a = "1.123456789";
            break;
          case 4:
            p.text.a = "100000000000.00000000";
            break;
          case 5:
            p.text.omit_aq = true;
            break;
          case 6:
            p.text.u = "-5";
            break;
          case 7:
            p.text.b = "0.00000000";
            break;
          default:
            p.text.b = "123.4";
            p.text.b_as_number = true;
            break;
        }
        frame = render(p.text, c.combined, kDefs[c.sym].name);
        buf.assign(frame);
        const frame_result r = sys.process(kDefs[c.sym].connection, buf, m.now, seen);
        if (r.kind != frame_kind::attributed_error || r.symbol != fx().id[c.sym] ||
            r.error != kExpected[c.variant]) {
          problem = "parser: expected attributed " + std::string(to_string(kExpected[c.variant])) +
                    ", got " + std::string(to_string(r.kind)) + "/" +
                    std::string(to_string(r.error));
          break;
        }
        // Rules 10-12 fail after "u" was read (all but the missing field and
        // the bad update id): that id, and any older one, is spent.
        const bool id_read = c.variant != 5 && c.variant != 6;
        if (r.update_id_known != id_read || (id_read && r.failed_update_id != uid)) {
          problem = "parser: failed update id " + std::to_string(r.failed_update_id) +
                    (r.update_id_known ? " (known)" : " (unknown)") + ", sent " +
                    std::to_string(uid);
          break;
        }
        model_symbol& q = m.sym[c.sym];
        if (id_read && (!q.has_frame || uid > q.update_id)) {
          q.update_id = uid;
          q.has_frame = true;
        }
        q.valid = false;
        break;
      }
      case op::garbage: {
        const auto& defs = fx().conn_defs[c.conn];
        const std::size_t d = defs[c.sym % defs.size()];
        command g;
        g.kind = op::good;
        g.sym = static_cast<std::uint32_t>(d);
        g.spread_ppm = 100;
        const planned_quote p = plan_quote(g, m.frame_id(d, 0, 1));
        const std::string good = render(p.text, false, kDefs[d].name);
        frame_kind want_kind = frame_kind::unattributed_error;
        frame_errc want = frame_errc::not_json;
        bool invalidates = true;
        switch (c.variant) {
          case 0: {
            const std::size_t cut = std::clamp<std::size_t>(
                good.size() * static_cast<std::size_t>(c.cut_pm) / 1000, 1, good.size() - 1);
            frame = good.substr(0, cut);
            break;
          }
          case 1:
            frame = "hello";
            break;
          case 2:
            frame = "{\"u\":7,\"b\":\"1.0\",\"B\":\"1.0\",\"a\":\"1.0\",\"A\":\"1.0\"}";
            want = frame_errc::missing_field;
            break;
          case 3: {
            const std::size_t other = defs[(c.sym + 1) % defs.size()];
            frame = render(p.text, true, kDefs[other].name);
            want = frame_errc::stream_mismatch;
            break;
          }
          case 4:
            frame = "{\"e\":\"trade\",\"x\":1}";
            want = frame_errc::unknown_message;
            break;
          case 5:
            frame = good + " x";
            want = frame_errc::trailing_content;
            break;
          case 6: {
            quote_text q = p.text;
            q.s = "DOGEUSDT";
            frame = render(q, false, q.s);
            want = frame_errc::unknown_symbol;
            invalidates = false;
            break;
          }
          default:
            frame = "{\"result\":null,\"id\":7}";
            want_kind = frame_kind::control;
            want = frame_errc::ok;
            invalidates = false;
            break;
        }
        buf.assign(frame);
        const frame_result r = sys.process(c.conn, buf, m.now, seen);
        if (r.kind != want_kind || r.error != want) {
          problem = "parser: expected " + std::string(to_string(want_kind)) + "/" +
                    std::string(to_string(want)) + ", got " + std::string(to_string(r.kind)) + "/" +
                    std::string(to_string(r.error));
          break;
        }
        if (invalidates) m.invalidate_connection(c.conn);
        break;
      }
      case op::lose:
        sys.lose(c.conn, m.now, seen);
        m.invalidate_connection(c.conn);
        break;
      case op::advance:
        m.now += c.dt_ns;
        break;
      case op::evaluate:
        sys.evaluate(fx().id[c.sym], m.now, seen);
        evaluated = c.sym;
        break;
    }
    if (!frame.empty()) line << "  frame " << frame;
    trace.push_back(line.str());

    if (problem.empty()) {
      for (const opportunity& o : seen) {
        trace.push_back("    opportunity " + describe(o));
        ++st.opportunities;
        for (const leg_decision& d : o.legs) st.capped_legs_reported += d.qty_capped ? 1 : 0;
        problem = check_opportunity(m, o);
        if (!problem.empty()) {
          problem = "(a) " + problem + "\n    in " + describe(o);
          break;
        }
      }
    }
    if (problem.empty() && evaluated) {
      problem = check_complete(m, *evaluated, seen, st);
      if (!problem.empty()) problem = "(c) " + problem;
    }
    if (!problem.empty()) {
      std::ostringstream os;
      os << "step " << i << ": " << problem << "\ntrace:\n";
      const std::size_t from = trace.size() > 40 ? trace.size() - 40 : 0;
      for (std::size_t k = from; k < trace.size(); ++k) os << "  " << trace[k] << '\n';
      return os.str();
    }
  }
  return std::nullopt;
}

// The property, parameterised over the system under test.
template <class System>
void pipeline_matches_model() {
  const auto cmds = *rc::gen::container<std::vector<command>>(gen_command());
  System sys;
  run_stats st;
  const std::optional<std::string> failure = run(cmds, sys, st);
  RC_CLASSIFY(st.opportunities > 0, "opportunity reported");
  RC_CLASSIFY(st.capped_legs_reported > 0, "reported with a capped-qty leg");
  RC_CLASSIFY(st.withheld_invalid > 0, "profitable but an invalid leg withheld it");
  RC_CLASSIFY(st.withheld_stale > 0, "profitable but a stale leg withheld it");
  if (failure) RC_FAIL(*failure);
}

// ---------------------------------------------------------- explicit examples

command good(std::size_t sym, std::int32_t jitter_ppm) {
  command c;
  c.kind = op::good;
  c.sym = static_cast<std::uint32_t>(sym);
  c.uid_step = 1;
  c.jitter_ppm = jitter_ppm;
  c.spread_ppm = 100;
  c.bid_qty_pm = 500;
  c.ask_qty_pm = 500;
  return c;
}

std::size_t def_index(std::string_view name) {
  for (std::size_t i = 0; i < kSymbols; ++i) {
    if (kDefs[i].name == name) return i;
  }
  throw std::invalid_argument("no such symbol");
}

command advance(std::int64_t dt_ns) {
  command c;
  c.kind = op::advance;
  c.dt_ns = dt_ns;
  return c;
}

command huge_qty(std::size_t sym, std::int32_t jitter_ppm) {
  command c = good(sym, jitter_ppm);
  c.kind = op::huge_qty;
  c.cap_bid = true;
  c.cap_ask = true;
  c.huge_lead = 1;
  c.huge_zeros = 12;  // "1000000000000.00000000", as the real frame
  return c;
}

// Every leg booted at its fair price.
std::vector<command> boot() {
  std::vector<command> cmds;
  for (std::size_t i = 0; i < kSymbols; ++i) cmds.push_back(good(i, 0));
  return cmds;
}

// The previous bot's failure: LUNC rises with BNB in steps of 0.2% against
// USDT, BTC and ETH (LUNCBNB stays put; BTC moves 0.01% a step), so no cycle
// is ever really profitable (the market is consistent after each step, and a
// step is below the 0.3% of fees); every LUNC/USDT frame carries a
// twelve-zero quantity, and the other legs move too. A bot that drops the capped frames freezes
// LUNC/USDT at its boot price and, from the second step on, reports
// USDT>LUNC>BNB>USDT.
std::vector<command> lunc_sequence() {
  std::vector<command> cmds = boot();
  for (std::int32_t k = 1; k <= 4; ++k) {
    cmds.push_back(advance(10'000'000));
    cmds.push_back(huge_qty(def_index("LUNCUSDT"), 2000 * k));
    cmds.push_back(good(def_index("BTCUSDT"), 100 * k));
    cmds.push_back(good(def_index("BNBUSDT"), 2000 * k));
    cmds.push_back(good(def_index("BNBBTC"), 1900 * k));
    cmds.push_back(good(def_index("BNBETH"), 2000 * k));
  }
  command eval;
  eval.kind = op::evaluate;
  eval.sym = static_cast<std::uint32_t>(def_index("LUNCUSDT"));
  cmds.push_back(eval);
  return cmds;
}

// A capped LUNC/USDT frame that makes LUNC 3% cheaper there: a real
// opportunity, whose first leg carries the capped quantity.
std::vector<command> lunc_jump_sequence() {
  std::vector<command> cmds = boot();
  cmds.push_back(advance(10'000'000));
  cmds.push_back(huge_qty(def_index("LUNCUSDT"), -30'000));
  return cmds;
}

// ------------------------------------------------------------------- tests

class silent_listener final : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

TEST(PipelineModel, UniverseHasEightTrianglesFromUsdt) {
  EXPECT_EQ(fx().idx.size(), 8U);
  EXPECT_EQ(fx().idx.touching(fx().id[def_index("LUNCUSDT")]).size(), 2U);
}

TEST(PipelineModel, PreviousBotLuncSequenceAppliesCappedFramesAndReportsNothing) {
  real_system sys;
  run_stats st;
  const std::optional<std::string> failure = run(lunc_sequence(), sys, st);
  EXPECT_FALSE(failure) << *failure;
  EXPECT_EQ(st.capped_applied, 4U);
  EXPECT_EQ(st.opportunities, 0U);
}

TEST(PipelineModel, CappedFrameThatOpensARealCycleIsReportedWithTheCappedLeg) {
  real_system sys;
  run_stats st;
  const std::optional<std::string> failure = run(lunc_jump_sequence(), sys, st);
  EXPECT_FALSE(failure) << *failure;
  EXPECT_EQ(st.capped_applied, 1U);
  EXPECT_GE(st.opportunities, 1U);
  EXPECT_GE(st.capped_legs_reported, 1U);
}

TEST(PipelineModel, MutantFailsOnPreviousBotLuncSequence) {
  mutant_system<true> sys;
  run_stats st;
  const std::optional<std::string> failure = run(lunc_sequence(), sys, st);
  ASSERT_TRUE(failure.has_value());
  std::cout << "mutant on the LUNC sequence:\n" << *failure;
  // A phantom USDT>LUNC>BNB>USDT on the frozen LUNC/USDT leg.
  EXPECT_NE(failure->find("(a) leg LUNCUSDT: price"), std::string::npos);
}

RC_GTEST_PROP(PipelineModel, OpportunitiesUseExactlyTheModelsValidFreshQuotesAndNoneIsMissed, ()) {
  pipeline_matches_model<real_system>();
}

// Runs the property on System with a fixed seed; returns the failure.
template <class System>
std::optional<rc::detail::FailureResult> check_with_fixed_seed(const char* id) {
  rc::detail::TestParams params;
  params.seed = 20240611;  // fixed: the outcome does not depend on the run
  params.maxSuccess = 100;
  params.maxSize = 100;
  rc::detail::TestMetadata meta;
  meta.id = id;
  meta.description = id;
  // A listener of our own: the expected failure is not reported as a
  // RapidCheck failure to reproduce at exit.
  silent_listener listener;
  const rc::detail::TestResult result = rc::detail::checkProperty(
      rc::detail::toProperty([] { pipeline_matches_model<System>(); }), meta, params, listener);
  if (!result.is<rc::detail::FailureResult>()) return std::nullopt;
  const auto& failure = result.get<rc::detail::FailureResult>();
  std::cout << id << " caught after " << failure.numSuccess << " passing cases; shrunk to:\n";
  for (const auto& [type, value] : failure.counterExample) std::cout << value << '\n';
  std::cout << failure.description << '\n';
  return failure;
}

TEST(PipelineModel, MutantThatDropsCappedFramesAndIgnoresValidityFailsTheProperty) {
  EXPECT_TRUE(check_with_fixed_seed<mutant_system<true>>("mutant(drop capped, ignore validity)"));
}

TEST(PipelineModel, MutantThatOnlyDropsCappedFramesFailsTheProperty) {
  const auto failure = check_with_fixed_seed<mutant_system<false>>("mutant(drop capped)");
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(failure->description.find("huge_qty"), std::string::npos);
}

}  // namespace
}  // namespace triarb
