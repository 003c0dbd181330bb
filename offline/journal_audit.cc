// journal_audit: replay recorded frames and check every opportunity record
// against the book and an exact-rational re-evaluation.
#include "offline/journal_audit.h"

#include <array>
#include <boost/multiprecision/cpp_int.hpp>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/cycle.h"
#include "core/frames_file.h"
#include "core/int128.h"
#include "core/journal.h"
#include "core/order.h"
#include "core/pipeline.h"
#include "core/trading_state_replay.h"
#include "core/triangle_index.h"
#include "core/universe.h"
#include "offline/recorded_event.h"

namespace triarb {
namespace {

using boost::multiprecision::cpp_int;
using boost::multiprecision::cpp_rational;

struct located_record {
  std::string file;
  std::uint64_t line = 0;
  journal_record rec;
};

// Every record of the (already verified) chain, with where it is.
std::vector<located_record> read_located(const std::string& path) {
  std::vector<located_record> out;
  for (const std::string& file : chain_files(path)) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error(file + ": cannot open the journal");
    std::string line;
    std::uint64_t n = 0;
    while (std::getline(in, line)) {
      ++n;
      record_parse_result r = parse_record(line);
      if (!r.ok()) {
        throw std::runtime_error(file + " line " + std::to_string(n) + ": " +
                                 std::string(to_string(r.ec)) + ": " + r.detail);
      }
      out.push_back({file, n, std::move(r.record)});
    }
  }
  return out;
}

cpp_rational exact(fixed8 v) { return cpp_rational(cpp_int(v.raw()), cpp_int(fixed8::kScale)); }

// "digit+ ['.' digit+]" as an exact rational; nullopt if not of that form.
std::optional<cpp_rational> parse_decimal(std::string_view s) {
  const auto dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  const std::string_view frac =
      dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  auto digits = [](std::string_view d) {
    if (d.empty()) return false;
    for (char c : d) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (!digits(whole) || (dot != std::string_view::npos && !digits(frac))) return std::nullopt;
  const cpp_int num(std::string(whole) + std::string(frac));
  cpp_int den = 1;
  for (std::size_t i = 0; i < frac.size(); ++i) den *= 10;
  return cpp_rational(num, den);
}

// x written with `digits` fractional digits, rounded toward zero (messages only).
std::string decimal(const cpp_rational& x, int digits = 24) {
  cpp_int scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  const bool neg = x < 0;
  const cpp_rational a = neg ? cpp_rational(-x) : x;
  const cpp_int v =
      boost::multiprecision::numerator(a) * scale / boost::multiprecision::denominator(a);
  std::string s = v.str();
  if (s.size() <= static_cast<std::size_t>(digits)) {
    s.insert(0, static_cast<std::size_t>(digits) + 1 - s.size(), '0');
  }
  s.insert(s.size() - static_cast<std::size_t>(digits), ".");
  return neg ? "-" + s : s;
}

std::string_view side_name(side d) { return d == side::buy ? "buy" : "sell"; }

std::string leg_text(const journal_leg& l) {
  return std::string(side_name(l.dir)) + " " + l.symbol + " price " + to_string(l.price) +
         " book_qty " + to_string(l.book_qty) + " update_id " + std::to_string(l.update_id) +
         " age_ns " + std::to_string(l.age_ns) + (l.valid ? " valid" : " invalid") +
         (l.qty_capped ? " qty_capped" : "") + (l.reseeded ? " reseeded" : "");
}

std::size_t reseeded_legs(const opportunity_record& r) {
  std::size_t n = 0;
  for (const journal_leg& l : r.legs) n += l.reseeded ? 1U : 0U;
  return n;
}

std::string book_text(const book_snapshot& b, side d, std::int64_t t) {
  const bool buy = d == side::buy;
  return std::string(buy ? "ask " : "bid ") + to_string(buy ? b.ask : b.bid) +
         (buy ? " ask_qty " : " bid_qty ") + to_string(buy ? b.ask_qty : b.bid_qty) +
         " update_id " + std::to_string(b.update_id) + " age_ns " + std::to_string(t - b.recv_ns) +
         (b.valid ? " valid" : " invalid") + (b.qty_capped ? " qty_capped" : "");
}

struct finding {
  audit_result result = audit_result::leg;
  int leg = -1;
  std::string field;
  std::string journal_says;
  std::string book_held;
  std::string detail;
};

class auditor {
 public:
  // reseeds_recorded: the recording holds every re-seed (v2), so the book
  // replays re-seeded legs exactly and they are checked like any other.
  auditor(const audit_options& o, const evaluator_config& e, const universe& u,
          const triangle_index& idx, bool reseeds_recorded)
      : o_(o),
        e_(e),
        u_(u),
        idx_(idx),
        threshold_(1 + exact(e.min_profit)),
        reseeds_recorded_(reseeds_recorded) {}

  // Check 1: the legs against the book as it is now, at time t.
  std::optional<finding> check_legs(const opportunity_record& r, const order_book& book,
                                    std::int64_t t) const {
    if (r.triangle >= idx_.size()) {
      return finding{audit_result::leg,
                     -1,
                     "triangle_id",
                     std::to_string(r.triangle),
                     std::to_string(idx_.size()) + " triangles",
                     "no such triangle for these start assets"};
    }
    const std::string name = idx_.name(r.triangle, u_);
    if (name != r.triangle_name) {
      return finding{audit_result::leg,
                     -1,
                     "triangle",
                     r.triangle_name,
                     name,
                     "triangle_id " + std::to_string(r.triangle) + " is another triangle"};
    }
    const triangle& tri = idx_.triangle_at(r.triangle);
    for (int i = 0; i < 3; ++i) {
      const journal_leg& j = r.legs[static_cast<std::size_t>(i)];
      const leg& l = tri.legs[static_cast<std::size_t>(i)];
      const std::string& sym = u_.symbol(l.symbol).name;
      auto bad = [&](std::string field, std::string says, std::string held) {
        return finding{audit_result::leg, i, std::move(field), std::move(says),
                       std::move(held),   ""};
      };
      if (j.symbol != sym) return bad("symbol", j.symbol, sym);
      if (j.dir != l.dir) {
        return bad("side", std::string(side_name(j.dir)), std::string(side_name(l.dir)));
      }
      const book_snapshot b = book.read(l.symbol);
      if (j.reseeded && !reseeds_recorded_) {
        // Re-seeded from REST (not replayable): the quote is a REST snapshot
        // the recorded frames do not hold, and update_id only names the last
        // frame before it, so the replayed book cannot confirm it. Check what
        // the record alone can show; check 2 still re-evaluates its price.
        std::optional<finding> f;
        if (!j.valid) {
          f = bad("valid", "invalid", "an emitted opportunity needs three valid legs");
        } else if (j.age_ns < 0 || j.age_ns >= e_.max_leg_age_ns) {
          f = bad("age_ns", std::to_string(j.age_ns),
                  "max_leg_age_ns " + std::to_string(e_.max_leg_age_ns));
        } else if (j.fill_qty > j.book_qty || j.fill_qty <= fixed8::zero()) {
          f = bad("fill_qty", to_string(j.fill_qty), "book_qty " + to_string(j.book_qty));
        }
        if (f) {
          f->journal_says = leg_text(j);
          f->detail = "re-seeded from REST (not replayable)";
          return f;
        }
        continue;
      }
      const bool buy = l.dir == side::buy;
      const fixed8 price = buy ? b.ask : b.bid;
      const fixed8 qty = buy ? b.ask_qty : b.bid_qty;
      std::optional<finding> f;
      if (!j.valid) {
        f = bad("valid", "invalid", "an emitted opportunity needs three valid legs");
      } else if (!b.valid) {
        f = bad("valid", "valid", "invalid");
      } else if (j.update_id != b.update_id) {
        f = bad("update_id", "", "");
      } else if (j.price != price) {
        f = bad("price", "", "");
      } else if (j.book_qty != qty) {
        f = bad("book_qty", "", "");
      } else if (j.age_ns != t - b.recv_ns) {
        f = bad("age_ns", "", "");
      } else if (j.age_ns < 0 || j.age_ns >= e_.max_leg_age_ns) {
        f = bad("age_ns", std::to_string(j.age_ns),
                "max_leg_age_ns " + std::to_string(e_.max_leg_age_ns));
      } else if (j.reseeded != b.reseeded) {
        f = bad("reseeded", j.reseeded ? "true" : "false", b.reseeded ? "true" : "false");
      } else if (j.qty_capped != b.qty_capped) {
        f = bad("qty_capped", j.qty_capped ? "true" : "false", b.qty_capped ? "true" : "false");
      } else if (j.fill_qty > j.book_qty || j.fill_qty <= fixed8::zero()) {
        f = bad("fill_qty", to_string(j.fill_qty), "book_qty " + to_string(j.book_qty));
      }
      if (f) {
        if (f->journal_says.empty()) f->journal_says = leg_text(j);
        if (f->book_held.empty()) f->book_held = book_text(b, l.dir, t);
        return f;
      }
    }
    return std::nullopt;
  }

  // Check 2: the decision, re-evaluated exactly from the recorded legs.
  std::optional<finding> check_decision(const opportunity_record& r) const {
    auto bad = [](std::string field, std::string says, std::string exact_value,
                  std::string detail) {
      return finding{audit_result::decision, -1,
                     std::move(field),       std::move(says),
                     std::move(exact_value), std::move(detail)};
    };
    cpp_rational ratio = 1;
    for (const journal_leg& l : r.legs) {
      const symbol_id s = u_.find_symbol(l.symbol);
      const fixed8 fee =
          s != kNoSymbol && s < e_.fee_by_symbol.size() ? e_.fee_by_symbol[s] : e_.default_fee;
      const cpp_rational keep = 1 - exact(fee);
      if (l.price <= fixed8::zero()) return bad("price", to_string(l.price), "> 0", "");
      ratio *= l.dir == side::sell ? exact(l.price) * keep : keep / exact(l.price);
    }
    const std::optional<cpp_rational> said = parse_decimal(r.ratio);
    if (!said) return bad("ratio", r.ratio, decimal(ratio), "not a decimal");
    if (*said > ratio) {
      return bad("ratio", r.ratio, decimal(ratio),
                 "overstated: the recorded ratio is above the exact ratio of its legs");
    }
    if (ratio - *said > cpp_rational(1, 1'000'000)) {
      return bad("ratio", r.ratio, decimal(ratio), "more than 1e-6 below the exact ratio");
    }
    if (!(ratio > threshold_)) {
      return bad("ratio", r.ratio, decimal(ratio),
                 "the exact ratio does not beat 1 + min_profit = " + decimal(threshold_, 8));
    }
    if (!(*said > threshold_)) {
      return bad("ratio", r.ratio, decimal(ratio),
                 "the recorded ratio does not beat 1 + min_profit = " + decimal(threshold_, 8));
    }
    if (r.rounding != "against_trade") return bad("rounding", r.rounding, "against_trade", "");
    const cpp_rational in = exact(r.amount_in), out = exact(r.amount_out);
    if (exact(r.profit) != out - in || !(r.profit > fixed8::zero())) {
      return bad("profit", to_string(r.profit), decimal(out - in, 8),
                 "profit must be amount_out - amount_in and positive");
    }
    if (!(in > 0) || out > in * ratio) {
      return bad("amount_out", to_string(r.amount_out), decimal(in * ratio, 8),
                 "more than amount_in times the exact ratio");
    }
    return std::nullopt;
  }

 private:
  const audit_options& o_;
  const evaluator_config& e_;
  const universe& u_;
  const triangle_index& idx_;
  cpp_rational threshold_;
  bool reseeds_recorded_;
};

audit_report fail(audit_report r, const located_record& at, finding f) {
  r.result = f.result;
  r.file = at.file;
  r.line = at.line;
  r.seq = at.rec.seq;
  r.leg = f.leg;
  r.field = std::move(f.field);
  r.journal_says = std::move(f.journal_says);
  r.book_held = std::move(f.book_held);
  r.detail = std::move(f.detail);
  return r;
}

// ---------------------------------------------------------------------------
// Execution records (issue 15): orders, their answers, cycles
// ---------------------------------------------------------------------------

std::string side_word(side d) { return d == side::buy ? "buy" : "sell"; }

// "USDT>BTC>ETH>USDT" -> {USDT, BTC, ETH, USDT}; empty when not of that form.
std::vector<std::string> triangle_path(std::string_view name) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t gt = name.find('>', pos);
    out.emplace_back(name.substr(pos, gt - pos));
    if (gt == std::string_view::npos) break;
    pos = gt + 1;
  }
  if (out.size() != 4 || out.front() != out.back()) return {};
  for (const std::string& a : out) {
    if (a.empty()) return {};
  }
  return out;
}

std::string residual_text(const std::map<std::string, i128>& m) {
  std::string s = "{";
  for (const auto& [asset, v] : m) {
    if (s.size() > 1) s += ',';
    s += asset + ":" + to_string(fixed8::from_raw(static_cast<std::int64_t>(v)));
  }
  return s + "}";
}

std::string residual_text(const std::map<std::string, fixed8>& m) {
  std::string s = "{";
  for (const auto& [asset, v] : m) {
    if (s.size() > 1) s += ',';
    s += asset + ":" + to_string(v);
  }
  return s + "}";
}

// Leg 3 only after leg 2's answer with a fill (offline/journal_audit.h,
// "Sequential legs"): core/cycle.h sends leg 3 only after leg 2's answer,
// sized from leg 2's actual fill.
inline constexpr bool kLeg3AfterLeg2Answer = true;

// What the execution checks take from the exchange info and configuration.
struct plan_rules {
  const universe* u = nullptr;
  evaluator_config cfg;  // the fee per symbol ([strategy] fee and its overrides)
  std::uint32_t max_slippage_bps = 10;
  [[nodiscard]] fixed8 fee(symbol_id s) const {
    return s < cfg.fee_by_symbol.size() ? cfg.fee_by_symbol[s] : cfg.default_fee;
  }
};

// Checks the execution records of a chain in chain order (the rules are in
// offline/journal_audit.h). One instance per chain; apply() each record
// after the trading-state tracker has taken it.
class execution_checker {
 public:
  explicit execution_checker(const plan_rules* rules) : rules_(rules) {}

  std::optional<finding> apply(const located_record& at, const trading_state_tracker& tracker) {
    const journal_record& r = at.rec;
    if (const auto* g = std::get_if<genesis_record>(&r.body)) {
      if (g->reason != genesis_reason::rotation) {  // a new writer session
        unanswered_ += count_unanswered();
        open_cycles_ += count_open();
        orders_.clear();
        cycles_.clear();
      }
      return std::nullopt;
    }
    if (const auto* op = std::get_if<opportunity_record>(&r.body)) {
      decisions_[r.hash] = {r.seq, op};
      return std::nullopt;
    }
    if (const auto* o = std::get_if<order_record>(&r.body)) return on_order(r.seq, *o, tracker);
    if (const auto* f = std::get_if<fill_record>(&r.body)) return on_fill(r.seq, *f);
    if (const auto* j = std::get_if<reject_record>(&r.body)) return on_reject(r.seq, *j);
    if (const auto* c = std::get_if<cycle_record>(&r.body)) return on_cycle(r.seq, *c);
    return std::nullopt;
  }

  void finish(audit_report& rep) const {
    rep.orders = orders_seen_;
    rep.fills = fills_;
    rep.rejects = rejects_;
    rep.cycles = cycles_closed_;
    rep.unanswered_orders = unanswered_ + count_unanswered();
    rep.open_cycles = open_cycles_ + count_open();
  }

 private:
  struct decision_info {
    std::uint64_t seq = 0;
    const opportunity_record* op = nullptr;
  };
  struct order_info {
    std::uint64_t seq = 0;
    const order_record* order = nullptr;
    std::optional<std::uint64_t> answer_seq;
    const fill_record* fill = nullptr;  // when the answer is a fill
  };
  struct cycle_info {
    std::string decision;
    decision_info d;
    std::array<std::string, 3> legs;  // client order ids, empty when not sent
    std::optional<std::uint64_t> closed_seq;
  };

  static finding bad(std::string field, std::string says, std::string held, std::string detail) {
    return finding{audit_result::execution, -1, std::move(field), std::move(says), std::move(held),
                   std::move(detail)};
  }

  std::uint64_t count_unanswered() const {
    std::uint64_t n = 0;
    for (const auto& [id, o] : orders_) n += o.answer_seq ? 0U : 1U;
    return n;
  }
  std::uint64_t count_open() const {
    std::uint64_t n = 0;
    for (const auto& [id, c] : cycles_) n += c.closed_seq ? 0U : 1U;
    return n;
  }

  std::optional<finding> on_order(std::uint64_t seq, const order_record& o,
                                  const trading_state_tracker& tracker) {
    const auto d = decisions_.find(o.decision);
    if (d == decisions_.end()) {
      return bad("decision", o.decision, "no earlier opportunity record has this hash",
                 "every order cites the opportunity record that caused it");
    }
    const opportunity_record& op = *d->second.op;
    if (op.suppressed != suppress_reason::none) {
      return bad("decision", o.decision,
                 "the opportunity at seq " + std::to_string(d->second.seq) + " is suppressed (" +
                     std::string(journal_name(op.suppressed)) + ")",
                 "an order follows only an actionable decision");
    }
    if (tracker.state() != trading_state::active) {
      return bad("state",
                 "order " + o.client_order_id + " (cycle " + std::to_string(o.cycle) + " leg " +
                     std::to_string(o.leg) + ")",
                 "state " + tracker.describe(), "no order while the trading state is not active");
    }
    if (tracker.quarantined().count(op.triangle_name) != 0) {
      return bad("state", "order " + o.client_order_id,
                 "triangle " + op.triangle_name + " quarantined (" + tracker.describe() + ")",
                 "no order on a quarantined triangle");
    }
    auto [c, fresh] = cycles_.try_emplace(o.cycle);
    if (fresh) {
      c->second.decision = o.decision;
      c->second.d = d->second;
    } else if (c->second.decision != o.decision) {
      return bad("decision", o.decision,
                 "cycle " + std::to_string(o.cycle) + "'s orders cite the decision at seq " +
                     std::to_string(c->second.d.seq),
                 "a cycle carries out one decision");
    }
    if (c->second.closed_seq) {
      return bad("cycle", std::to_string(o.cycle),
                 "its cycle record is at seq " + std::to_string(*c->second.closed_seq),
                 "no order after its cycle's record");
    }
    std::string& slot = c->second.legs[o.leg - 1U];
    if (!slot.empty()) {
      return bad("leg", std::to_string(o.leg),
                 "cycle " + std::to_string(o.cycle) + " already sent leg " + std::to_string(o.leg) +
                     " at seq " + std::to_string(orders_.at(slot).seq),
                 "one order per leg of a cycle");
    }
    if (const auto prev = orders_.find(o.client_order_id); prev != orders_.end()) {
      return bad("client_order_id", o.client_order_id,
                 "the order at seq " + std::to_string(prev->second.seq) + " has it",
                 "client order ids are unique within a writer session");
    }
    const journal_leg& l = op.legs[o.leg - 1U];
    const std::string planned = "decision seq " + std::to_string(d->second.seq) + " leg " +
                                std::to_string(o.leg) + ": " + side_word(l.dir) + " " + l.symbol +
                                " price " + to_string(l.price) + " fill_qty " +
                                to_string(l.fill_qty);
    const std::string sent = side_word(o.dir) + " " + o.symbol + " price " + to_string(o.price) +
                             " quantity " + to_string(o.quantity);
    if (o.symbol != l.symbol || o.dir != l.dir) {
      return bad(o.symbol != l.symbol ? "symbol" : "side", sent, planned,
                 "an order trades its decision's leg");
    }
    if (o.leg == 1 && (o.price != l.price || o.quantity != l.fill_qty)) {
      return bad(o.price != l.price ? "price" : "quantity", sent, planned,
                 "leg 1 is the decision's price and fill_qty");
    }
    if (o.leg > 1) {
      const std::string& first = c->second.legs[0];
      const order_info* l1 = first.empty() ? nullptr : &orders_.at(first);
      if (l1 == nullptr || l1->fill == nullptr || !l1->fill->executed_qty.is_positive()) {
        return bad("leg", std::to_string(o.leg),
                   l1 == nullptr ? "cycle " + std::to_string(o.cycle) + " has no leg 1"
                   : !l1->answer_seq
                       ? "leg 1 (seq " + std::to_string(l1->seq) + ") has no answer yet"
                       : "leg 1 (seq " + std::to_string(l1->seq) + ") filled nothing",
                   "leg 2 is sized from leg 1's fill, leg 3 from leg 2's");
      }
    }
    if (auto f = check_plan(o, op, c->second, sent, planned)) return f;
    slot = o.client_order_id;
    orders_[o.client_order_id] = {seq, &o, std::nullopt, nullptr};
    ++orders_seen_;
    return std::nullopt;
  }

  // o's spend of its from-asset at worst: a buy pays fill_quote(price,
  // quantity) at most, a sell sells quantity (10^-8 units, exact).
  static std::optional<i128> spend(const order_record& o) {
    if (o.dir == side::sell) return i128{o.quantity.raw()};
    const fixed8_result q = fill_quote(o.price, o.quantity);
    if (!q.ok()) return std::nullopt;
    return i128{q.value.raw()};
  }

  // What an answered order delivered of asset `to`, net of the commissions
  // charged in it (10^-8 units, exact; 0 for a reject).
  static i128 delivered(const order_info& oi, const std::string& to) {
    if (oi.fill == nullptr) return 0;
    i128 n = 0;
    for (const journal_fill& t : oi.fill->fills) {
      n += oi.order->dir == side::buy ? i128{t.qty.raw()}
                                      : i128{fill_quote(t.price, t.qty).value.raw()};
      if (t.commission_asset == to) n -= t.commission.raw();
    }
    return n;
  }

  // The plan's rules for o (offline/journal_audit.h): filters, caps, sizes.
  std::optional<finding> check_plan(const order_record& o, const opportunity_record& op,
                                    const cycle_info& ci, const std::string& sent,
                                    const std::string& planned) const {
    symbol_id sym = kNoSymbol;
    if (rules_ != nullptr) {
      sym = rules_->u->find_symbol(o.symbol);
      if (sym == kNoSymbol) {
        return bad("symbol", sent, "the exchange info does not trade " + o.symbol,
                   "every order is on a symbol of the run's exchange info");
      }
      const symbol_filters& fl = rules_->u->symbol(sym).filters;
      if (const filter_errc e = check_filters(fl, o.price, o.quantity); e != filter_errc::ok) {
        return bad("filters", sent,
                   std::string(to_string(e)) + " (" + std::string(exchange_message(e)) +
                       "): tick " + to_string(fl.tick_size) + " step " + to_string(fl.step_size) +
                       " min_qty " + to_string(fl.min_qty) + " min_notional " +
                       to_string(fl.min_notional),
                   "every order passes its symbol's filters (core/order.h check_filters)");
      }
      if (o.leg > 1) {
        const journal_leg& l = op.legs[o.leg - 1U];
        const fixed8_result cap =
            cycle::protective_cap(l.dir, l.price, fl.tick_size, rules_->max_slippage_bps);
        if (!cap.ok()) {
          return bad("price", sent, planned + ": its protective cap overflows",
                     "legs 2 and 3 are limited by their protective cap");
        }
        const bool beyond = o.dir == side::buy ? o.price > cap.value : o.price < cap.value;
        if (beyond) {
          return bad("price", sent,
                     "protective cap " + to_string(cap.value) + " (" + planned + ", " +
                         std::to_string(rules_->max_slippage_bps) + " bps, tick " +
                         to_string(fl.tick_size) + ")",
                     "legs 2 and 3 are never beyond their protective cap (core/cycle.h)");
        }
      }
    }
    if (o.leg == 1) return std::nullopt;
    const std::vector<std::string> path = triangle_path(op.triangle_name);
    if (path.empty()) {
      return bad("decision", op.triangle_name, "not a triangle name A>B>C>A",
                 "an order's assets come from its decision's triangle");
    }
    const std::optional<i128> spends = spend(o);
    if (!spends) {
      return bad("quantity", sent, "price x quantity does not fit in fixed8",
                 "fill_quote overflows");
    }
    if (ci.legs[o.leg - 2U].empty()) {  // leg 1 is checked above
      return bad("leg", std::to_string(o.leg), "cycle " + std::to_string(o.cycle) + " has no leg 2",
                 "leg 3 follows leg 2");
    }
    const order_info& prev = orders_.at(ci.legs[o.leg - 2U]);
    const std::string& held_asset = path[o.leg - 1U];
    const std::string prev_name =
        "leg " + std::to_string(o.leg - 1U) + " (seq " + std::to_string(prev.seq) + ")";
    if (o.leg == 3 && kLeg3AfterLeg2Answer &&
        (prev.fill == nullptr || !prev.fill->executed_qty.is_positive())) {
      return bad(
          "leg", "3",
          !prev.answer_seq ? prev_name + " has no answer yet" : prev_name + " filled nothing",
          "leg 3 is sent after leg 2's answer with a fill, sized from it");
    }
    std::optional<i128> bound;
    std::string bound_text;
    if (prev.answer_seq) {
      bound = delivered(prev, held_asset);
      bound_text =
          prev_name + " delivered " + i128_text(*bound) + " " + held_asset + " net of commission";
    } else if (rules_ != nullptr) {  // leg 2 unanswered (only with kLeg3AfterLeg2Answer off)
      const order_record& p = *prev.order;
      const fixed8_result w =
          worst_output(p.dir, p.quantity, p.price, rules_->fee(rules_->u->find_symbol(p.symbol)));
      if (!w.ok()) {
        return bad("quantity", sent, prev_name + "'s worst-case output overflows",
                   "core/cycle.h worst_output");
      }
      bound = w.value.raw();
      bound_text = prev_name + " (unanswered) delivers at worst " + to_string(w.value) + " " +
                   held_asset + " filled in full at its limit";
    }
    if (bound && *spends > *bound) {
      return bad("quantity", sent + " (spends " + i128_text(*spends) + " " + held_asset + ")",
                 bound_text,
                 "leg " + std::to_string(o.leg) + " never spends more than leg " +
                     std::to_string(o.leg - 1U) + " delivered");
    }
    return std::nullopt;
  }

  // The order an answer answers, or a finding.
  std::optional<finding> answered(std::uint64_t seq, const std::string& id, order_info*& out) {
    const auto it = orders_.find(id);
    if (it == orders_.end()) {
      return bad("client_order_id", id, "no earlier order in this session has it",
                 "every answer follows its order");
    }
    if (it->second.answer_seq) {
      return bad("client_order_id", id,
                 "the order at seq " + std::to_string(it->second.seq) + " was answered at seq " +
                     std::to_string(*it->second.answer_seq),
                 "every order has at most one answer");
    }
    it->second.answer_seq = seq;
    out = &it->second;
    return std::nullopt;
  }

  std::optional<finding> on_fill(std::uint64_t seq, const fill_record& f) {
    order_info* oi = nullptr;
    if (auto bad_answer = answered(seq, f.client_order_id, oi)) return bad_answer;
    oi->fill = &f;
    ++fills_;
    const order_record& o = *oi->order;
    const std::string order_at = "the order at seq " + std::to_string(oi->seq);
    i128 qty = 0, quote = 0;
    for (std::size_t i = 0; i < f.fills.size(); ++i) {
      const journal_fill& t = f.fills[i];
      const bool beyond = o.dir == side::buy ? t.price > o.price : t.price < o.price;
      if (beyond) {
        return bad("fills[" + std::to_string(i) + "].price", to_string(t.price),
                   order_at + " " + side_word(o.dir) + "s at limit " + to_string(o.price),
                   "a fill never beyond the order's limit");
      }
      const fixed8_result q = fill_quote(t.price, t.qty);
      if (!q.ok()) {
        return bad("fills[" + std::to_string(i) + "]",
                   to_string(t.price) + " x " + to_string(t.qty), "does not fit in fixed8",
                   "fill_quote overflows");
      }
      qty += t.qty.raw();
      quote += q.value.raw();
      if (auto bad_fee = check_commission(o, i, t, q.value)) return bad_fee;
    }
    if (qty != f.executed_qty.raw()) {
      return bad("executed_qty", to_string(f.executed_qty), "its fills sum to " + i128_text(qty),
                 "executed_qty is the sum of the fills' qty");
    }
    if (quote != f.cumulative_quote.raw()) {
      return bad("cumulative_quote", to_string(f.cumulative_quote),
                 "its fills' fill_quote sum to " + i128_text(quote),
                 "cumulative_quote is the sum of fill_quote(price, qty) (core/order.h)");
    }
    if (f.executed_qty > o.quantity) {
      return bad("executed_qty", to_string(f.executed_qty),
                 order_at + " asked for " + to_string(o.quantity),
                 "an answer never fills more than ordered");
    }
    if (f.status == order_status::filled && f.executed_qty != o.quantity) {
      return bad("status", "FILLED with executed_qty " + to_string(f.executed_qty),
                 order_at + " asked for " + to_string(o.quantity), "FILLED is the whole quantity");
    }
    return std::nullopt;
  }

  // With the configuration: trade i's commission is fill_commission of what
  // the order received, at its symbol's fee, in the received asset.
  std::optional<finding> check_commission(const order_record& o, std::size_t i,
                                          const journal_fill& t, fixed8 quote) const {
    if (rules_ == nullptr) return std::nullopt;
    const symbol_id sym = rules_->u->find_symbol(o.symbol);  // on_order: traded
    const symbol_info& si = rules_->u->symbol(sym);
    const bool buy = o.dir == side::buy;
    const std::string received_asset = rules_->u->assets()[buy ? si.base : si.quote];
    const fixed8 received = buy ? t.qty : quote;
    const fixed8 fee = rules_->fee(sym);
    const fixed8_result due = fill_commission(received, fee);
    const std::string field = "fills[" + std::to_string(i) + "].commission";
    if (t.commission_asset != received_asset) {
      return bad(field, to_string(t.commission) + " " + t.commission_asset,
                 "the order received " + received_asset,
                 "a commission is charged in the asset the order received");
    }
    if (!due.ok() || t.commission != due.value) {
      return bad(field, to_string(t.commission) + " " + t.commission_asset,
                 "fill_commission(" + to_string(received) + ", " + to_string(fee) + ") is " +
                     (due.ok() ? to_string(due.value) : std::string("an overflow")),
                 "the commission is the configured fee on what the order received");
    }
    return std::nullopt;
  }

  std::optional<finding> on_reject(std::uint64_t seq, const reject_record& j) {
    order_info* oi = nullptr;
    if (auto bad_answer = answered(seq, j.client_order_id, oi)) return bad_answer;
    ++rejects_;
    return std::nullopt;
  }

  static std::string i128_text(i128 v) {
    if (v > std::numeric_limits<std::int64_t>::max() ||
        v < std::numeric_limits<std::int64_t>::min()) {
      return "(beyond fixed8)";
    }
    return to_string(fixed8::from_raw(static_cast<std::int64_t>(v)));
  }

  std::optional<finding> on_cycle(std::uint64_t seq, const cycle_record& c) {
    const auto it = cycles_.find(c.cycle);
    if (it == cycles_.end()) {
      return bad("cycle", std::to_string(c.cycle), "no order of this session is in this cycle",
                 "a cycle record closes a cycle its orders opened");
    }
    cycle_info& ci = it->second;
    if (ci.closed_seq) {
      return bad("cycle", std::to_string(c.cycle),
                 "its cycle record is at seq " + std::to_string(*ci.closed_seq),
                 "one cycle record per cycle");
    }
    ci.closed_seq = seq;
    ++cycles_closed_;
    if (c.decision != ci.decision) {
      return bad("decision", c.decision,
                 "its orders cite the decision at seq " + std::to_string(ci.d.seq) + " (" +
                     ci.decision + ")",
                 "a cycle record names its orders' decision");
    }
    const opportunity_record& op = *ci.d.op;
    const std::vector<std::string> path = triangle_path(op.triangle_name);
    if (path.empty()) {
      return bad("decision", op.triangle_name, "not a triangle name A>B>C>A",
                 "the cycle's assets come from its decision's triangle");
    }
    if (c.start_asset != path[0]) {
      return bad("start_asset", c.start_asset, "the decision's triangle starts at " + path[0], "");
    }
    if (c.expected_profit != op.profit) {
      return bad(
          "expected_profit", to_string(c.expected_profit),
          "the decision at seq " + std::to_string(ci.d.seq) + " says " + to_string(op.profit),
          "expected is the decision's profit");
    }
    // The ledger of the cycle: every fill's effect, by core/order.h's rule
    // (the quote by fill_quote, the commission as charged, in its asset).
    std::map<std::string, i128> net;
    std::array<const order_info*, 3> legs{};
    for (std::size_t k = 0; k < 3; ++k) {
      if (ci.legs[k].empty()) continue;
      const order_info& oi = orders_.at(ci.legs[k]);
      legs[k] = &oi;
      if (!oi.answer_seq) {
        return bad(
            "cycle", std::to_string(c.cycle),
            "leg " + std::to_string(k + 1) + " (seq " + std::to_string(oi.seq) + ") has no answer",
            "a cycle record comes after every answer of its orders");
      }
      if (oi.fill == nullptr) continue;  // rejected: nothing moved
      const std::string& from = path[k];
      const std::string& to = path[k + 1];
      const bool buy = oi.order->dir == side::buy;
      for (const journal_fill& t : oi.fill->fills) {
        const i128 q = fill_quote(t.price, t.qty).value.raw();  // checked in on_fill
        net[buy ? to : from] += buy ? i128{t.qty.raw()} : -i128{t.qty.raw()};
        net[buy ? from : to] += buy ? -q : q;
        net[t.commission_asset] -= t.commission.raw();
      }
    }
    const i128 realised = net[path[0]];
    if (realised != c.realised_profit.raw()) {
      return bad("realised_profit", to_string(c.realised_profit),
                 "its fills and fees say " + i128_text(realised),
                 "the start asset's net over every fill and commission of the cycle");
    }
    std::map<std::string, i128> residual;
    for (const auto& [asset, v] : net) {
      if (asset != path[0] && v != 0) residual[asset] = v;
    }
    bool same = residual.size() == c.residual.size();
    for (const auto& [asset, v] : c.residual) {
      const auto r = residual.find(asset);
      same = same && r != residual.end() && r->second == v.raw();
    }
    if (!same) {
      return bad("residual", residual_text(c.residual),
                 "its fills and fees say " + residual_text(residual),
                 "every other asset's net over the cycle's fills and commissions");
    }
    // The outcome the legs show (core/cycle.h's final states).
    const auto executed = [&](std::size_t k) {
      return legs[k] != nullptr && legs[k]->fill != nullptr ? legs[k]->fill->executed_qty
                                                            : fixed8::zero();
    };
    const auto full = [&](std::size_t k) {
      return legs[k] != nullptr && legs[k]->fill != nullptr &&
             legs[k]->fill->executed_qty == legs[k]->order->quantity;
    };
    if (c.outcome == cycle_end::done && !(executed(0).is_positive() && full(1) && full(2))) {
      return bad("outcome", "done", "legs 2 and 3 did not both fill their whole quantity",
                 "done is leg 1 filled and legs 2 and 3 filled in full");
    }
    if (c.outcome == cycle_end::missed &&
        (executed(0).is_positive() || legs[1] != nullptr || legs[2] != nullptr)) {
      return bad("outcome", "missed", "leg 1 filled " + to_string(executed(0)),
                 "missed is leg 1 filling nothing, no other leg sent");
    }
    return std::nullopt;
  }

  const plan_rules* rules_ = nullptr;  // null: no exchange info (audit_states(journal))
  std::unordered_map<std::string, decision_info> decisions_;  // opportunity hash -> record
  std::unordered_map<std::string, order_info> orders_;        // this session's, by client id
  std::unordered_map<std::uint64_t, cycle_info> cycles_;      // this session's
  std::uint64_t orders_seen_ = 0, fills_ = 0, rejects_ = 0, cycles_closed_ = 0;
  std::uint64_t unanswered_ = 0, open_cycles_ = 0;  // of earlier sessions
};

// Layer four: replays the chain's records through the trading-state tracker
// (core/trading_state_replay.h), the same replay the live bot restores its
// state with. Fills geneses, state_records and suppressed; on the first
// violation returns the report failed (audit_result::state).
//
// The execution records go through execution_checker in the same pass, with
// the tracked state at each order (offline/journal_audit.h lists the rules).
std::optional<audit_report> check_states(audit_report& rep, const std::vector<located_record>& recs,
                                         const plan_rules* rules) {
  trading_state_tracker tracker;
  execution_checker execution(rules);
  rep.plan_checked = rules != nullptr;
  for (const located_record& at : recs) {
    if (const auto* g = std::get_if<genesis_record>(&at.rec.body)) {
      rep.geneses.push_back({at.rec.seq, std::string(to_string(g->reason)), g->version});
    }
    const std::string tracked = tracker.describe();
    if (std::string why = tracker.apply(at.rec); !why.empty()) {
      state_violation v = tracker.last_violation();
      rep.state_records = tracker.state_records();
      rep.suppressed = tracker.suppressed();
      execution.finish(rep);
      return fail(rep, at,
                  finding{audit_result::state, -1, std::move(v.field), std::move(v.journal_says),
                          tracked, std::move(v.detail)});
    }
    if (std::optional<finding> f = execution.apply(at, tracker)) {
      rep.state_records = tracker.state_records();
      rep.suppressed = tracker.suppressed();
      execution.finish(rep);
      return fail(rep, at, std::move(*f));
    }
  }
  rep.state_records = tracker.state_records();
  rep.suppressed = tracker.suppressed();
  execution.finish(rep);
  return std::nullopt;
}

}  // namespace

std::string audit_report::execution_text() const {
  if (orders == 0 && cycles == 0 && fills == 0 && rejects == 0) return {};  // as before
  std::string m = "; " + std::to_string(orders) + (orders == 1 ? " order" : " orders") + " (" +
                  std::to_string(fills) + (fills == 1 ? " fill, " : " fills, ") +
                  std::to_string(rejects) + (rejects == 1 ? " reject" : " rejects");
  if (unanswered_orders > 0) m += ", " + std::to_string(unanswered_orders) + " unanswered";
  m += ") and " + std::to_string(cycles) + (cycles == 1 ? " cycle" : " cycles");
  if (open_cycles > 0) m += " (" + std::to_string(open_cycles) + " more without a cycle record)";
  m += " consistent";
  if (plan_checked) m += " with the exchange info and configuration";
  return m;
}

std::string audit_report::message() const {
  switch (result) {
    case audit_result::ok: {
      if (states_only) {
        return std::to_string(state_records) +
               (state_records == 1 ? " state record and " : " state records and ") +
               std::to_string(suppressed) + " suppressed " +
               (suppressed == 1 ? "opportunity" : "opportunities") + " consistent, " +
               std::to_string(geneses.size()) + (geneses.size() == 1 ? " genesis" : " geneses") +
               " (trading state only: frames not replayed)" + execution_text();
      }
      std::string m = std::to_string(records) + " records audited OK (" + std::to_string(sessions) +
                      (sessions == 1 ? " session, " : " sessions, ") + std::to_string(frames) +
                      " frames replayed, " + std::to_string(checkpoints) + " checkpoints)";
      if (reseeded_legs > 0) {  // absent when there are none: such audits print as before
        m += "; " + std::to_string(reseeded_legs) + (reseeded_legs == 1 ? " leg" : " legs") +
             " in " + std::to_string(reseeded_records) +
             (reseeded_records == 1 ? " record" : " records") +
             " re-seeded from REST (not replayable): decision checked, quote not compared "
             "with the book";
      }
      if (unrecorded_sessions > 0) {
        m += "; " + std::to_string(unrecorded_sessions) +
             (unrecorded_sessions == 1 ? " session" : " sessions") + " with " +
             std::to_string(unrecorded_records) + " records not audited (not recorded)";
      }
      if (state_records > 0 || suppressed > 0) {  // absent when none: older audits print as before
        m += "; " + std::to_string(state_records) +
             (state_records == 1 ? " state record" : " state records") + " and " +
             std::to_string(suppressed) + " suppressed " +
             (suppressed == 1 ? "opportunity" : "opportunities") + " consistent";
      }
      m += execution_text();
      if (unjournaled_processes > 0) {
        m += "; " + std::to_string(unjournaled_processes) +
             (unjournaled_processes == 1 ? " recorded process" : " recorded processes") +
             " with no journal session";
      }
      return m;
    }
    case audit_result::chain:
      return "chain: " + detail;
    case audit_result::leg:
    case audit_result::decision:
    case audit_result::state:
    case audit_result::execution:
      break;
  }
  std::string m = file + " line " + std::to_string(line) + " (seq " + std::to_string(seq) + "): ";
  if (leg >= 0) m += "leg " + std::to_string(leg) + ": ";
  m += field + ": journal says " + journal_says;
  m += result == audit_result::leg        ? "; book held "
       : result == audit_result::decision ? "; exact "
       : result == audit_result::state    ? "; state "
                                          : "; ";
  m += book_held;
  if (!detail.empty()) m += " (" + detail + ")";
  return m;
}

audit_report run_audit(const audit_options& o) {
  audit_report rep;
  const verify_report v = verify_journal(o.journal, {});
  if (!v.ok()) {
    rep.result = audit_result::chain;
    rep.file = v.file;
    rep.line = v.line;
    rep.seq = v.bad_seq.value_or(0);
    rep.detail = v.message();
    return rep;
  }
  const std::vector<located_record> recs = read_located(o.journal);
  const universe u = load_exchange_info_file(o.exchange_info);
  const evaluator_config cfg = to_evaluator_config(o.config, u);  // config_error on a typo
  const plan_rules rules{&u, cfg, o.config.execution.max_slippage_bps};
  if (auto bad = check_states(rep, recs, &rules)) return *bad;
  const triangle_index idx = triangle_index::build(u, start_asset_ids(o.config, u));
  const frames_file frames(o.frames);
  if (!frames.recorded()) {
    throw std::runtime_error(o.frames + ": not recorded frames (no '" +
                             std::string(kRecordedFramesHeader) +
                             "' header): an audit needs each frame's receive time and connection");
  }
  const std::size_t per_connection = static_cast<std::size_t>(o.config.symbols_per_connection);
  if (per_connection == 0) throw std::runtime_error("symbols_per_connection is 0");

  // Sessions: each start/restart genesis begins one; its opportunity records follow.
  std::vector<std::vector<const located_record*>> sessions;
  std::vector<std::int64_t> session_start;  // its genesis time_ns
  for (const located_record& r : recs) {
    if (const auto* g = std::get_if<genesis_record>(&r.rec.body)) {
      if (g->reason != genesis_reason::rotation) {
        sessions.emplace_back();
        session_start.push_back(g->time_ns);
      }
    } else if (std::holds_alternative<checkpoint_record>(r.rec.body)) {
      ++rep.checkpoints;
    } else if (std::holds_alternative<opportunity_record>(r.rec.body) && !sessions.empty()) {
      sessions.back().push_back(&r);  // state records: checked by check_states only
    }
  }

  const bool v2 = frames.version() >= 2;
  const auditor check(o, cfg, u, idx, v2);
  const std::size_t conn_count = (u.symbols().size() + per_connection - 1) / per_connection;

  // The recording's processes (start events, v2). The live bot writes each
  // with its journal genesis's time, so a session replays the process that
  // started when it did; a session with none was not recorded, a process
  // with none was not journaled (both counted). A recording whose starts
  // match no session (v1 has none; a simulation starts at 0) is one process
  // that serves every session: a restarted simulation replays its seed from
  // the start.
  std::vector<std::int64_t> process_start;
  if (v2) {
    (void)frames.for_each(conn_count, [&](const frame_line& l) {
      if (l.event == frame_event::start) process_start.push_back(l.recv_ns);
      return true;
    });
  }
  std::vector<std::optional<std::size_t>> process_of(sessions.size());
  std::vector<char> journaled(process_start.size(), 0);
  bool by_time = false;
  for (std::size_t si = 0; si < sessions.size(); ++si) {
    for (std::size_t k = 0; k < process_start.size(); ++k) {
      if (!journaled[k] && process_start[k] == session_start[si]) {
        process_of[si] = k;
        journaled[k] = 1;
        by_time = true;
        break;
      }
    }
  }
  if (!by_time) {
    if (process_start.size() > 1) {
      throw std::runtime_error(o.frames + ": its " + std::to_string(process_start.size()) +
                               " recorded processes started at times no session of " + o.journal +
                               " began at: not this journal's recording");
    }
    for (auto& p : process_of) p = 0;
  } else {
    for (const char j : journaled) rep.unjournaled_processes += j ? 0U : 1U;
  }
  for (std::size_t si = 0; si < sessions.size(); ++si) {
    const auto& session = sessions[si];
    if (!process_of[si]) {
      ++rep.unrecorded_sessions;
      rep.unrecorded_records += session.size();
      continue;
    }
    const std::size_t process = *process_of[si];
    ++rep.sessions;
    if (session.empty()) continue;
    telemetry tel;
    sync_pipeline p(u, idx, cfg, tel);
    for (auto& group : split_into_connections(u.symbols().size(), per_connection)) {
      (void)p.feed().add_connection(group);
    }
    auto count = [&](const opportunity&) {
      ++rep.replay_opportunities;
      return true;
    };
    std::size_t k = 0;
    std::optional<finding> pending;  // why session[k] did not match the book so far
    std::optional<audit_report> bad;
    // Check 2 and the counts for session[k], whose legs matched; false if bad.
    auto accept = [&](const located_record& at, const opportunity_record& r) {
      if (auto f = check.check_decision(r)) {
        bad = fail(rep, at, std::move(*f));
        return false;
      }
      if (const std::size_t n = v2 ? 0 : reseeded_legs(r); n > 0) {  // v2: compared in full
        rep.reseeded_legs += n;
        ++rep.reseeded_records;
      }
      pending.reset();
      ++rep.records;
      ++k;
      return true;
    };
    // A record with a re-seeded leg may have been decided when the REST
    // snapshot was applied, between frames: once every frame received at or
    // before its time has been applied (the next frame is later), check it
    // against the book as it stands, at its own time. Records without a
    // re-seeded leg never come here. False if bad.
    auto settle_reseeded = [&](std::int64_t next_recv_ns) {
      while (k < session.size()) {
        const located_record& at = *session[k];
        const auto& r = std::get<opportunity_record>(at.rec.body);
        if (r.time_ns >= next_recv_ns || reseeded_legs(r) == 0) return true;
        if (auto f = check.check_legs(r, p.book(), r.time_ns)) {
          bad = fail(rep, at, std::move(*f));
          return false;
        }
        if (!accept(at, r)) return false;
      }
      return true;
    };
    std::size_t seen = 0;  // start events seen
    std::uint64_t replayed = 0;
    (void)frames.for_each(conn_count, [&](const frame_line& l) {
      if (l.event == frame_event::start) {
        ++seen;
        return !by_time || seen <= process + 1;  // paired: stop at the next process
      }
      if (by_time && seen != process + 1) return true;  // an earlier process's
      if (!v2 && !settle_reseeded(l.recv_ns)) return false;
      (void)apply_recorded(p, l, frames.path(), count);
      replayed += l.event == frame_event::frame ? 1U : 0U;
      while (k < session.size()) {
        const located_record& at = *session[k];
        const auto& r = std::get<opportunity_record>(at.rec.body);
        if (r.time_ns < l.recv_ns) {
          // Every frame received at its time has passed without a match.
          bad = fail(rep, at,
                     pending ? *pending
                             : finding{audit_result::leg, -1, "time_ns", std::to_string(r.time_ns),
                                       "no frame received at that time", ""});
          return false;
        }
        if (r.time_ns > l.recv_ns) break;
        if (auto f = check.check_legs(r, p.book(), l.recv_ns)) {
          pending = std::move(f);  // a later frame with the same time may still match
          break;
        }
        if (!accept(at, r)) return false;
      }
      return k < session.size();
    });
    if (!bad && !v2) (void)settle_reseeded(std::numeric_limits<std::int64_t>::max());
    rep.frames += replayed;
    if (bad) {
      bad->frames = rep.frames;
      return *bad;
    }
    if (k < session.size()) {
      const auto& r = std::get<opportunity_record>(session[k]->rec.body);
      return fail(rep, *session[k],
                  pending ? *pending
                          : finding{audit_result::leg, -1, "time_ns", std::to_string(r.time_ns),
                                    "no frame received at that time (after the last frame)", ""});
    }
  }
  return rep;
}

namespace {
audit_report states_audit(const std::string& journal, const plan_rules* rules) {
  audit_report rep;
  rep.states_only = true;
  const verify_report v = verify_journal(journal, {});
  if (!v.ok()) {
    rep.result = audit_result::chain;
    rep.file = v.file;
    rep.line = v.line;
    rep.seq = v.bad_seq.value_or(0);
    rep.detail = v.message();
    return rep;
  }
  const std::vector<located_record> recs = read_located(journal);
  for (const located_record& r : recs) {
    rep.checkpoints += std::holds_alternative<checkpoint_record>(r.rec.body) ? 1U : 0U;
  }
  if (auto bad = check_states(rep, recs, rules)) return *bad;
  return rep;
}
}  // namespace

audit_report audit_states(const std::string& journal) { return states_audit(journal, nullptr); }

audit_report audit_states(const std::string& journal, const universe& u, const bot_config& config) {
  (void)start_asset_ids(config, u);  // config_error for a start asset u does not trade
  const plan_rules rules{&u, to_evaluator_config(config, u), config.execution.max_slippage_bps};
  return states_audit(journal, &rules);
}

}  // namespace triarb
