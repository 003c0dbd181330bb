// journal_show: the journal as a table; times in and out.
#include "offline/journal_show.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <limits>
#include <ostream>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/cycle.h"
#include "core/decimal_text.h"
#include "core/int128.h"
#include "core/journal.h"
#include "core/triangle_index.h"

namespace triarb {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

// Reads exactly n digits at s[pos] as a number.
bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

// The counters object flattened to "eval.opportunities=3 feed.frames=10 ..."
// (numbers that are not zero; "t_ns" left out). The object is the canonical
// compact JSON telemetry writes: no whitespace, keys without escapes.
std::string summarise_counters(std::string_view json) {
  std::string out;
  std::vector<std::string> path;
  std::string key;
  std::size_t zeros = 0;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') {
      const std::size_t end = json.find('"', i + 1);
      if (end == std::string_view::npos) break;
      key.assign(json.substr(i + 1, end - i - 1));
      i = end;
    } else if (c == '{') {
      if (!key.empty()) path.push_back(key);
      key.clear();
    } else if (c == '}') {
      if (!path.empty()) path.pop_back();
      key.clear();
    } else if (c == ':' && i + 1 < json.size() &&
               (json[i + 1] == '-' || (json[i + 1] >= '0' && json[i + 1] <= '9'))) {
      std::size_t end = i + 1;
      while (end < json.size() && json[end] != ',' && json[end] != '}') ++end;
      const std::string_view value = json.substr(i + 1, end - i - 1);
      if (key != "t_ns") {
        if (value == "0") {
          ++zeros;
        } else {
          if (!out.empty()) out += ' ';
          for (const std::string& p : path) out += p + '.';
          out += key + '=' + std::string(value);
        }
      }
      key.clear();
      i = end - 1;
    }
  }
  out += (out.empty() ? "" : " ") + std::string("(") + std::to_string(zeros) + " counters at 0)";
  return out;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// A ratio for reading: at most 10 fractional digits, cut (never rounded up).
std::string short_ratio(const std::string& r) {
  const auto dot = r.find('.');
  return dot == std::string::npos || r.size() <= dot + 11 ? r : r.substr(0, dot + 11);
}

// The length of the valid UTF-8 sequence at s[i] (1 to 4), or 0 when the
// byte there does not start one (overlong forms and surrogates are invalid).
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string terminal_safe(std::string_view text, bool keep_newlines) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  const auto hex_byte = [&](const char* prefix, unsigned char c) {
    out += prefix;
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = utf8_length(text, i);
    if (n == 0) {
      hex_byte("\\x", c);
      ++i;
      continue;
    }
    if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      hex_byte("\\u00", static_cast<unsigned char>(text[i + 1]));  // C1 control
    } else if (n > 1) {
      out.append(text.substr(i, n));
    } else if (c == '\n' && keep_newlines) {
      out += '\n';
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x07 && c <= 0x0D) {
      out += '\\';
      out += "abtnvfr"[c - 0x07];
    } else if (c < 0x20 || c == 0x7F) {
      hex_byte("\\x", c);
    } else {
      out += static_cast<char>(c);
    }
    i += n;
  }
  return out;
}

std::optional<std::int64_t> parse_time(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.find('-') == std::string_view::npos) {
    std::int64_t ns = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), ns);
    if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
    return ns;
  }
  if (!s.empty() && (s.back() == 'Z' || s.back() == 'z')) s.remove_suffix(1);
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return std::nullopt;
  }
  std::int64_t frac_ns = 0;
  if (s.size() > 10) {
    if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s.size() < 19 || !digits(s, 11, 2, h) ||
        s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se) || h > 23 ||
        mi > 59 || se > 60) {
      return std::nullopt;
    }
    if (s.size() > 19) {
      if (s[19] != '.' || s.size() == 20 || s.size() > 29) return std::nullopt;
      unsigned f = 0;
      const std::size_t n = s.size() - 20;
      if (!digits(s, 20, n, f)) return std::nullopt;
      frac_ns = f;
      for (std::size_t i = n; i < 9; ++i) frac_ns *= 10;
    }
  }
  const std::int64_t days = days_from_civil(y, mo, d);
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + se;
  if (secs > 9'223'372'035 || secs < -9'223'372'035) return std::nullopt;
  return secs * 1'000'000'000 + frac_ns;
}

std::string format_time(std::int64_t ns) {
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%09lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(frac));
  return buf;
}

namespace {

std::string order_text(const order_record& o) {
  return std::string(o.dir == side::buy ? "buy " : "sell ") + o.symbol + " " +
         std::string(to_string(o.tif)) + " " + to_string(o.quantity) + " @ " + to_string(o.price) +
         " (" + o.client_order_id + ")";
}

std::string fill_text(const fill_record& f) {
  return std::string(to_string(f.status)) + " order " + std::to_string(f.order_id) + ": executed " +
         to_string(f.executed_qty) + ", quote " + to_string(f.cumulative_quote) + ", " +
         std::to_string(f.fills.size()) + (f.fills.size() == 1 ? " trade" : " trades");
}

std::string trade_text(const journal_fill& t) {
  return "trade " + to_string(t.qty) + " @ " + to_string(t.price) + ", fee " +
         to_string(t.commission) + " " + t.commission_asset + ", #" + std::to_string(t.trade_id);
}

std::string reject_text(const reject_record& r) {
  std::string s = "REJECTED " + std::to_string(r.code) + " \"" + r.msg + "\"";
  s += r.http_status == 0 ? " (no HTTP answer)" : " (http " + std::to_string(r.http_status) + ")";
  return s;
}

std::string cycle_text(const cycle_record& c) {
  std::string s = std::string(journal_name(c.outcome)) + ": realised " +
                  to_string(c.realised_profit) + " " + c.start_asset + " (expected " +
                  to_string(c.expected_profit) + "), residual ";
  if (c.residual.empty()) s += "none";
  bool first = true;
  for (const auto& [asset, amount] : c.residual) {
    if (!first) s += ", ";
    first = false;
    s += asset + " " + to_string(amount);
  }
  if (!c.reason.empty()) s += ", reason \"" + c.reason + "\"";
  return s;
}

// `--orders`: a leg's fills against its planned price, as core/cycle.h's
// leg_outcome computes them (exact i128 sums of raw fixed8 products).
struct leg_figures {
  bool ok = true;         // false: a sum left i128 (a hostile file)
  i128 qty = 0;           // sum of the fills' qty, raw fixed8
  i128 notional_e16 = 0;  // sum of price x qty, 10^-16 quote units
  i128 slip_e16 = 0;      // sum of (price - planned) x qty (a sell: planned - price); + is worse
};

leg_figures figure_leg(const fill_record& f, side dir, fixed8 planned) {
  leg_figures g;
  for (const journal_fill& t : f.fills) {
    const i128 pq = static_cast<i128>(t.price.raw()) * t.qty.raw();
    const i128 plan = static_cast<i128>(planned.raw()) * t.qty.raw();
    const i128 d = dir == side::buy ? pq - plan : plan - pq;
    if (__builtin_add_overflow(g.qty, static_cast<i128>(t.qty.raw()), &g.qty) ||
        __builtin_add_overflow(g.notional_e16, pq, &g.notional_e16) ||
        __builtin_add_overflow(g.slip_e16, d, &g.slip_e16)) {
      g.ok = false;
    }
  }
  return g;
}

// raw fixed8 units in fixed8's canonical form ("0.02"), or all 8 decimals
// when beyond fixed8's range.
std::string amount_text(i128 raw) {
  if (raw >= std::numeric_limits<std::int64_t>::min() &&
      raw <= std::numeric_limits<std::int64_t>::max()) {
    return to_string(fixed8::from_raw(static_cast<std::int64_t>(raw)));
  }
  return decimal_text(raw, 8);
}

// ns as milliseconds with 6 decimals (exact): 800000 is "0.800000".
std::string ms_text(i128 ns) { return decimal_text(ns, 6); }

// The lower middle of the sorted samples (an even count has two middles: the smaller).
i128 median_of(std::vector<i128> v) {
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

// `--orders`: the figures of a leg that filled: its VWAP rounded against us
// (a buy's up, a sell's down, as core/cycle.h), the planned price (the
// decision's leg), the slippage in quote units (exact sum rounded up, never
// understated) and in bps of the planned notional (rounded up to 0.01 bps;
// appended to bps). Ends with ", " for the latency that follows.
std::string leg_slippage_text(const fill_record& f, const order_record& ord,
                              const opportunity_record* op, std::size_t k, std::vector<i128>& bps) {
  std::string s = "vwap ";
  const leg_figures any = figure_leg(f, ord.dir, fixed8::zero());
  if (!any.ok || any.qty <= 0) return "vwap: the fills do not add up, ";
  const i128 vwap = ord.dir == side::buy ? ceil_div(any.notional_e16, any.qty)
                                         : floor_div(any.notional_e16, any.qty);
  s += amount_text(vwap) + (ord.dir == side::buy ? " (rounded up)" : " (rounded down)");
  if (op == nullptr) return s + ", no decision to plan against, ";
  const journal_leg& plan = op->legs[k];
  if (plan.symbol != ord.symbol) {
    return s + ", the decision's leg " + std::to_string(k + 1) + " is " + plan.symbol +
           ": no planned price, ";
  }
  const leg_figures g = figure_leg(f, ord.dir, plan.price);
  s += ", planned " + to_string(plan.price) + ": slippage " +
       amount_text(ceil_div(g.slip_e16, fixed8::kScale)) + " quote (rounded up)";
  const std::optional<i128> e2 =
      g.ok ? slippage_bps_e2(g.slip_e16, plan.price, g.qty) : std::nullopt;
  if (!e2) return s + ", bps beyond range, ";
  bps.push_back(*e2);
  return s + ", " + decimal_text(*e2, 2) + " bps (rounded up), ";
}

// `--orders`: the cycles of the execution records, each with its decision,
// legs and outcome. Cycle numbers and client ids are a writer session's (a
// start or restart genesis begins one), as the audit scopes them.
void show_orders(const std::vector<journal_record>& recs, const show_options& o, std::ostream& out,
                 show_counts& n) {
  struct leg_view {
    const journal_record* order = nullptr;
    const journal_record* answer = nullptr;
  };
  struct cycle_view {
    std::uint64_t number = 0;
    std::string decision;
    std::array<leg_view, 3> legs;
    const journal_record* end = nullptr;
  };
  std::unordered_map<std::string, const journal_record*> decisions;
  std::vector<cycle_view> cycles;                            // in the order their first order came
  std::unordered_map<std::uint64_t, std::size_t> by_number;  // this session's
  std::unordered_map<std::string, std::pair<std::size_t, std::size_t>> by_id;  // cycle, leg
  for (const journal_record& r : recs) {
    if (const auto* g = std::get_if<genesis_record>(&r.body)) {
      if (g->reason != genesis_reason::rotation) {
        by_number.clear();
        by_id.clear();
      }
    } else if (std::holds_alternative<opportunity_record>(r.body)) {
      decisions[r.hash] = &r;
    } else if (const auto* ord = std::get_if<order_record>(&r.body)) {
      auto [it, fresh] = by_number.try_emplace(ord->cycle, cycles.size());
      if (fresh) cycles.push_back({ord->cycle, ord->decision, {}, nullptr});
      cycle_view& c = cycles[it->second];
      const std::size_t leg = ord->leg - 1U;
      if (c.legs[leg].order == nullptr) c.legs[leg].order = &r;
      by_id.try_emplace(ord->client_order_id, it->second, leg);
    } else if (const auto* c = std::get_if<cycle_record>(&r.body)) {
      auto [it, fresh] = by_number.try_emplace(c->cycle, cycles.size());
      if (fresh) cycles.push_back({c->cycle, c->decision, {}, nullptr});
      if (cycles[it->second].end == nullptr) cycles[it->second].end = &r;
    } else {
      const std::string* id = nullptr;
      if (const auto* f = std::get_if<fill_record>(&r.body)) id = &f->client_order_id;
      if (const auto* j = std::get_if<reject_record>(&r.body)) id = &j->client_order_id;
      if (id == nullptr) continue;
      const auto it = by_id.find(*id);
      if (it == by_id.end()) continue;  // answers no order: the audit says so
      leg_view& l = cycles[it->second.first].legs[it->second.second];
      if (l.answer == nullptr) l.answer = &r;
    }
  }
  out << pad("seq", 8) << "cycle: decision, legs (order, answer, trades), outcome\n";
  std::uint64_t done = 0, residual = 0, missed = 0, open = 0;
  const std::string indent(8, ' ');
  std::array<std::vector<i128>, 3> slippage_bps;  // 10^-2 bps, per leg position, legs that filled
  std::array<std::vector<i128>, 3> latency_ns;    // order -> answer, per leg position
  for (const cycle_view& c : cycles) {
    const auto d = decisions.find(c.decision);
    const opportunity_record* op =
        d == decisions.end() ? nullptr : &std::get<opportunity_record>(d->second->body);
    if (!o.triangle.empty() && (op == nullptr || op->triangle_name != o.triangle)) continue;
    if (o.since_ns && (op == nullptr || op->time_ns < *o.since_ns)) continue;
    std::string head = "cycle " + std::to_string(c.number) + ", decision ";
    if (op == nullptr) {
      head += c.decision.substr(0, 12) + " (no opportunity record with this hash)";
    } else {
      head += "seq " + std::to_string(d->second->seq) + " " + format_time(op->time_ns) + " " +
              op->triangle_name + ": in " + to_string(op->amount_in) + ", out " +
              to_string(op->amount_out) + ", profit " + to_string(op->profit);
      if (op->suppressed != suppress_reason::none) {
        head += "  SUPPRESSED " + std::string(journal_name(op->suppressed));
      }
    }
    out << terminal_safe(pad(op == nullptr ? "" : std::to_string(d->second->seq), 8) + head)
        << '\n';
    for (std::size_t k = 0; k < 3; ++k) {
      const leg_view& l = c.legs[k];
      if (l.order == nullptr) continue;
      const auto& ord = std::get<order_record>(l.order->body);
      out << terminal_safe(pad(std::to_string(l.order->seq), 8) + "  leg " + std::to_string(k + 1) +
                           " " + format_time(ord.time_ns) + " " + order_text(ord))
          << '\n';
      if (l.answer == nullptr) {
        out << indent << "    (no answer)\n";
        continue;
      }
      std::string a = pad(std::to_string(l.answer->seq), 8) + "    ";
      std::int64_t answered_ns = 0;
      std::string figures;
      if (const auto* f = std::get_if<fill_record>(&l.answer->body)) {
        out << terminal_safe(a + fill_text(*f)) << '\n';
        for (const journal_fill& t : f->fills) {
          out << terminal_safe(indent + "      " + trade_text(t)) << '\n';
        }
        answered_ns = f->time_ns;
        if (!f->fills.empty()) figures = leg_slippage_text(*f, ord, op, k, slippage_bps[k]);
      } else {
        const auto& rej = std::get<reject_record>(l.answer->body);
        out << terminal_safe(a + reject_text(rej)) << '\n';
        answered_ns = rej.time_ns;
      }
      const i128 latency = static_cast<i128>(answered_ns) - ord.time_ns;
      latency_ns[k].push_back(latency);
      out << terminal_safe(indent + "      " + figures + "answered after " + ms_text(latency) +
                           " ms")
          << '\n';
    }
    if (c.end == nullptr) {
      out << indent << "  outcome: (no cycle record)\n";
      ++open;
    } else {
      const auto& end = std::get<cycle_record>(c.end->body);
      out << terminal_safe(pad(std::to_string(c.end->seq), 8) + "  outcome " + cycle_text(end))
          << '\n';
      done += end.outcome == cycle_end::done ? 1U : 0U;
      residual += end.outcome == cycle_end::residual ? 1U : 0U;
      missed += end.outcome == cycle_end::missed ? 1U : 0U;
    }
    ++n.cycles;
  }
  out << "per leg over the cycles shown: slippage in bps (+ is worse than planned), order->answer "
         "latency in ms; a median is the lower middle\n";
  for (std::size_t k = 0; k < 3; ++k) {
    out << "  leg " << k + 1 << ": slippage ";
    if (slippage_bps[k].empty()) {
      out << "none filled";
    } else {
      out << "median " << decimal_text(median_of(slippage_bps[k]), 2) << ", worst "
          << decimal_text(*std::max_element(slippage_bps[k].begin(), slippage_bps[k].end()), 2)
          << " (" << slippage_bps[k].size() << " filled)";
    }
    out << "; latency ";
    if (latency_ns[k].empty()) {
      out << "none answered\n";
    } else {
      out << "median " << ms_text(median_of(latency_ns[k])) << ", max "
          << ms_text(*std::max_element(latency_ns[k].begin(), latency_ns[k].end())) << " ("
          << latency_ns[k].size() << " answered)\n";
    }
  }
  out << n.cycles << (n.cycles == 1 ? " cycle" : " cycles") << " shown (" << done << " done, "
      << residual << " residual, " << missed << " missed, " << open << " without a cycle record)";
  if (!o.triangle.empty()) out << " for " << terminal_safe(o.triangle);
  if (o.since_ns) out << " since " << format_time(*o.since_ns);
  out << "; chain of " << n.records << " records verified OK\n";
}

}  // namespace

show_counts show_journal(const std::string& path, const show_options& o, std::ostream& out) {
  const std::vector<journal_record> recs = read_journal(path);  // throws journal_error
  show_counts n;
  n.records = recs.size();
  if (o.orders) {
    show_orders(recs, o, out, n);
    return n;
  }
  if (o.state_only) {
    out << pad("seq", 8) << pad("time (UTC)", 32)
        << "state change (from -> to, trigger, by, triangle, evidence) or genesis\n";
  } else {
    out << pad("seq", 8) << pad("time (UTC)", 32) << pad("triangle", 26) << pad("ratio", 14)
        << pad("in", 14) << pad("out", 14) << pad("profit", 12)
        << "legs (side symbol price #update)\n";
  }
  for (const journal_record& r : recs) {
    std::string row = pad(std::to_string(r.seq), 8);
    if (const auto* op = std::get_if<opportunity_record>(&r.body)) {
      if (o.state_only) continue;
      if (!o.triangle.empty() && op->triangle_name != o.triangle) continue;
      if (o.since_ns && op->time_ns < *o.since_ns) continue;
      row += pad(format_time(op->time_ns), 32) + pad(op->triangle_name, 26) +
             pad(short_ratio(op->ratio), 14) + pad(to_string(op->amount_in), 14) +
             pad(to_string(op->amount_out), 14) + pad(to_string(op->profit), 12);
      for (std::size_t i = 0; i < 3; ++i) {
        const journal_leg& l = op->legs[i];
        if (i > 0) row += " | ";
        row += (l.dir == side::buy ? "buy " : "sell ") + l.symbol + " " + to_string(l.price) +
               " #" + std::to_string(l.update_id);
        if (!l.valid) row += " INVALID";
        if (l.qty_capped) row += " capped";
        if (l.reseeded) row += " reseeded";  // the price is a REST snapshot's, not frame #id's
      }
      if (op->suppressed != suppress_reason::none) {  // not actionable: the guard said why
        row += "  SUPPRESSED ";
        row += journal_name(op->suppressed);
        ++n.suppressed;
      }
      ++n.opportunities;
    } else if (const auto* st = std::get_if<state_record>(&r.body)) {
      if (!o.triangle.empty() && st->triangle_name != o.triangle) continue;
      if (o.since_ns && st->time_ns < *o.since_ns) continue;
      row += pad(format_time(st->time_ns), 32) + "state " + std::string(journal_name(st->from)) +
             " -> " + std::string(journal_name(st->to)) + ", trigger " +
             std::string(journal_name(st->trigger)) + ", by " + st->by;
      if (!st->triangle_name.empty()) row += ", quarantine " + st->triangle_name;
      row += ", evidence " + st->evidence_json;
      ++n.states;
    } else if (!o.triangle.empty()) {
      continue;
    } else if (const auto* ord = std::get_if<order_record>(&r.body)) {
      if (o.state_only || (o.since_ns && ord->time_ns < *o.since_ns)) continue;
      row += pad(format_time(ord->time_ns), 32) + "order cycle " + std::to_string(ord->cycle) +
             " leg " + std::to_string(ord->leg) + ": " + order_text(*ord) + ", decision " +
             ord->decision.substr(0, 12);
      ++n.execution;
    } else if (const auto* f = std::get_if<fill_record>(&r.body)) {
      if (o.state_only || (o.since_ns && f->time_ns < *o.since_ns)) continue;
      row += pad(format_time(f->time_ns), 32) + "fill " + f->client_order_id + ": " + fill_text(*f);
      ++n.execution;
    } else if (const auto* j = std::get_if<reject_record>(&r.body)) {
      if (o.state_only || (o.since_ns && j->time_ns < *o.since_ns)) continue;
      row += pad(format_time(j->time_ns), 32) + "reject " + j->client_order_id + ": " +
             reject_text(*j);
      ++n.execution;
    } else if (const auto* cy = std::get_if<cycle_record>(&r.body)) {
      if (o.state_only || (o.since_ns && cy->time_ns < *o.since_ns)) continue;
      row += pad(format_time(cy->time_ns), 32) + "cycle " + std::to_string(cy->cycle) + " " +
             cycle_text(*cy);
      ++n.execution;
    } else if (const auto* g = std::get_if<genesis_record>(&r.body)) {
      if (o.since_ns && g->time_ns < *o.since_ns) continue;
      const char* reason = g->reason == genesis_reason::start     ? "start"
                           : g->reason == genesis_reason::restart ? "restart"
                                                                  : "rotation";
      row += pad(format_time(g->time_ns), 32) + "genesis (" + reason + "): " + g->version +
             ", config " + g->config_sha256.substr(0, 12) + ", universe " + g->universe;
      ++n.other;
    } else if (const auto* c = std::get_if<checkpoint_record>(&r.body)) {
      if (o.state_only) continue;
      if (o.since_ns && c->time_ns < *o.since_ns) continue;
      row +=
          pad(format_time(c->time_ns), 32) + "checkpoint: " + summarise_counters(c->counters_json);
      ++n.other;
    }
    out << terminal_safe(row) << '\n';
  }
  if (o.state_only) {
    out << n.states << " state records shown";
  } else {
    out << n.opportunities << " opportunities shown";
    if (n.suppressed > 0) out << " (" << n.suppressed << " suppressed)";
    if (n.states > 0) out << ", " << n.states << " state records";
    if (n.execution > 0) out << ", " << n.execution << " execution records";
  }
  if (!o.triangle.empty()) out << " for " << terminal_safe(o.triangle);
  if (o.since_ns) out << " since " << format_time(*o.since_ns);
  out << "; chain of " << n.records << " records verified OK\n";
  return n;
}

}  // namespace triarb
