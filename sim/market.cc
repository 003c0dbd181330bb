// market: the seeded market model and its exact ground truth. See market.h.
#include "sim/market.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace triarb::sim {
namespace {

constexpr double kScale = 1e8;

fixed8 to_fixed8_floor(double x) {
  const double raw = std::floor(x * kScale);
  if (raw >= 9.2e18) return fixed8::max();
  return fixed8::from_raw(raw < 1 ? 1 : static_cast<std::int64_t>(raw));
}

std::int64_t tick_raw(const symbol_info& si) {
  return si.filters.tick_size.raw() > 0 ? si.filters.tick_size.raw() : 1;
}

}  // namespace

market::market(const universe& u, const std::vector<fixed8>& reference_price, market_params p)
    : u_(u),
      p_(p),
      rng_(p.seed),
      value_(u.assets().size(), 0.0),
      quotes_(u.symbols().size()),
      history_(u.symbols().size()),
      history_count_(u.symbols().size(), 0),
      qty_decimals_(u.symbols().size(), 8),
      disloc_left_(u.symbols().size(), 0),
      disloc_size_(u.symbols().size(), 0.0),
      disloc_open_(u.symbols().size(), 0) {
  // Asset values along a spanning tree from USDT (or asset 0), breadth first.
  const auto usdt = u.find_asset("USDT");
  const asset_id root = usdt ? *usdt : 0;
  std::vector<std::vector<symbol_id>> by_asset(u.assets().size());
  for (symbol_id s = 0; s < u.symbols().size(); ++s) {
    by_asset[u.symbol(s).base].push_back(s);
    by_asset[u.symbol(s).quote].push_back(s);
  }
  if (!value_.empty()) value_[root] = 1.0;
  std::deque<asset_id> todo{root};
  while (!todo.empty()) {
    const asset_id a = todo.front();
    todo.pop_front();
    for (symbol_id s : by_asset[a]) {
      const symbol_info& si = u.symbol(s);
      const double px = s < reference_price.size() ? reference_price[s].to_double() : 1.0;
      if (px <= 0) continue;
      const asset_id other = si.base == a ? si.quote : si.base;
      if (value_[other] != 0.0) continue;
      value_[other] = si.base == a ? value_[a] / px : value_[a] * px;
      todo.push_back(other);
    }
  }
  for (double& v : value_) {
    if (v == 0.0) v = 1.0;  // an island the tree did not reach
  }
  for (symbol_id s = 0; s < u.symbols().size(); ++s) {
    const fixed8 step = u.symbol(s).filters.step_size;
    qty_decimals_[s] = step >= fixed8::one() ? (s % 3 == 0 ? 1 : 2) : 8;
  }
}

void market::seed_all() {
  for (symbol_id s = 0; s < quotes_.size(); ++s) requote(s, 0.0);
}

market_update market::step() {
  now_ns_ += 1 + static_cast<std::int64_t>(rng_.exponential(static_cast<double>(p_.mean_step_ns)));
  // Start a dislocation now and then; a dislocated symbol is busy, so it is
  // picked often while it lasts.
  if (rng_.chance(p_.dislocation_rate)) {
    const auto s = static_cast<symbol_id>(rng_.below(quotes_.size()));
    if (disloc_left_[s] == 0) {
      disloc_left_[s] = p_.dislocation_updates;
      disloc_size_[s] = rng_.chance(0.5) ? p_.dislocation_size : -p_.dislocation_size;
      ++dislocations_;
    }
  }
  symbol_id s = static_cast<symbol_id>(rng_.below(quotes_.size()));
  if (rng_.chance(0.3)) {
    // Prefer a symbol in a dislocation, found by a short deterministic scan.
    for (int tries = 0; tries < 64; ++tries) {
      const auto c = static_cast<symbol_id>(rng_.below(quotes_.size()));
      if (disloc_left_[c] > 0) {
        s = c;
        break;
      }
    }
  }
  // Random walk of the base asset's value (USDT stays the anchor).
  const symbol_info& si = u_.symbol(s);
  const auto usdt = u_.find_asset("USDT");
  if (!usdt || si.base != *usdt) {
    const double shock =
        (rng_.uniform() - 0.5) * 3.4641016 * p_.step_volatility;  // unit variance * vol
    value_[si.base] *= std::exp(shock);
  }
  double distortion = 0.0;
  bool dislocated = false;
  if (disloc_left_[s] > 0) {
    distortion = disloc_size_[s];
    if (disloc_left_[s] == p_.dislocation_updates) {  // the episode's first quote
      disloc_open_[s] = disloc_log_.size();
      disloc_log_.push_back({s, next_update_id_, 0});
    }
    --disloc_left_[s];
    dislocated = true;
  }
  requote(s, distortion);
  if (dislocated) disloc_log_[disloc_open_[s]].last_update_id = quotes_[s].update_id;
  return {s, now_ns_, dislocated};
}

void market::requote(symbol_id s, double distortion) {
  const symbol_info& si = u_.symbol(s);
  const double mid = value_[si.base] / value_[si.quote] * (1.0 + distortion);
  const std::int64_t tick = tick_raw(si);
  const double tick_d = static_cast<double>(tick) / kScale;
  // A spread of a few ticks at least, and of half_spread on each side.
  const double spread_ticks = 1.0 + static_cast<double>(rng_.below(3));
  double bid = std::floor(mid * (1.0 - p_.half_spread) / tick_d) * tick_d;
  double ask = std::ceil(mid * (1.0 + p_.half_spread) / tick_d) * tick_d;
  if (ask - bid < spread_ticks * tick_d) ask = bid + spread_ticks * tick_d;
  true_quote& q = quotes_[s];
  fixed8 b = to_fixed8_floor(std::max(bid, tick_d));
  b = fixed8::from_raw(std::max<std::int64_t>(tick, b.raw() - b.raw() % tick));
  fixed8 a = to_fixed8_floor(ask + tick_d * 0.5);
  a = fixed8::from_raw(a.raw() - a.raw() % tick);
  if (a <= b) a = fixed8::from_raw(b.raw() + tick);
  q.bid = b;
  q.ask = a;
  // Quantities: a random notional in USDT, so micro-priced coins get huge
  // base quantities; whales on micro coins go past fixed8::max().
  const std::int64_t step_raw = std::max<std::int64_t>(si.filters.step_size.raw(), 1);
  auto qty_raw = [&](double base_value) -> u128 {
    double notional = rng_.exponential(p_.mean_notional_usdt);
    if (base_value < 0.001 && rng_.chance(0.25)) notional *= 5'000.0 + rng_.uniform() * 50'000.0;
    double raw = std::floor(notional / base_value * kScale);
    raw = std::min(raw, 1e30);
    u128 r = static_cast<u128>(std::max(raw, 0.0));
    r -= r % static_cast<u128>(step_raw);
    if (r == 0) r = static_cast<u128>(step_raw);
    return r;
  };
  q.bid_qty_raw = qty_raw(value_[si.base]);
  q.ask_qty_raw = qty_raw(value_[si.base]);
  q.update_id = next_update_id_++;
  q.present = true;
  history_[s][history_count_[s]++ % kHistory] = {q.update_id, q.bid, q.ask};
}

void market::mark_unsent(symbol_id s, std::uint64_t update_id) {
  for (std::uint32_t k = history_count_[s]; k-- > first_kept(s);) {  // newest first
    past_quote& p = history_[s][k % kHistory];
    if (p.update_id == update_id) {
      p.sent = false;
      return;
    }
    if (p.update_id < update_id) return;
  }
}

std::uint64_t market::current_until(symbol_id s, std::uint32_t k, std::uint64_t in_flight_updates,
                                    std::uint64_t unsent_updates) const {
  // Replaced by the next update: a sent one ends it within the in-flight
  // allowance; an unsent one within unsent_updates, or the next sent one.
  constexpr std::uint64_t kCurrent = std::numeric_limits<std::uint64_t>::max();
  const auto plus = [&](std::uint64_t id, std::uint64_t d) {
    return d > kCurrent - 1 - id ? kCurrent - 1 : id + d;  // id < kCurrent: never wraps
  };
  const std::uint32_t n = history_count_[s];
  std::uint64_t until = kCurrent;
  for (std::uint32_t next = k + 1; next < n; ++next) {
    const past_quote& q = history_[s][next % kHistory];
    if (q.sent) return std::min(until, plus(q.update_id, in_flight_updates));
    if (next == k + 1) until = plus(q.update_id, std::max(unsent_updates, in_flight_updates));
  }
  return until;
}

bool market::quote_current_from(symbol_id s, fixed8 bid, fixed8 ask, std::uint64_t update_id,
                                std::uint64_t m, std::uint64_t in_flight_updates,
                                std::uint64_t unsent_updates) const {
  for (std::uint32_t k = first_kept(s); k < history_count_[s]; ++k) {
    const past_quote& p = history_[s][k % kHistory];
    if (p.update_id < update_id || p.bid != bid || p.ask != ask) continue;
    // Born at or before m, or after it (a snapshot newer than m): either way
    // not yet replaced at m.
    if (m < current_until(s, k, in_flight_updates, unsent_updates)) return true;
  }
  return false;
}

market::verdict market::judge(const std::array<leg_claim, 3>& legs, fixed8 fee,
                              const exact& threshold, std::uint64_t in_flight_updates,
                              std::uint64_t unsent_updates) const {
  // For each leg, every kept quote at or after the claimed id whose price on
  // the leg's side is the claimed price: the spans [born, until) in which the
  // claimed price counts as the exchange's. (Usually one: the claimed quote itself.
  // More when the price recurred, e.g. a REST re-seed that kept an older id.)
  struct span_t {
    std::uint64_t born;
    std::uint64_t until;  // current at m < until (current_until: the allowance included)
  };
  std::array<std::array<span_t, kHistory>, 3> spans;
  std::array<std::size_t, 3> count{};
  for (std::size_t i = 0; i < 3; ++i) {
    const leg_claim& c = legs[i];
    for (std::uint32_t k = first_kept(c.symbol); k < history_count_[c.symbol]; ++k) {
      const past_quote& p = history_[c.symbol][k % kHistory];
      if (p.update_id < c.update_id) continue;
      if ((c.dir == side::buy ? p.ask : p.bid) != c.price) continue;
      spans[i][count[i]++] = {p.update_id,
                              current_until(c.symbol, k, in_flight_updates, unsent_updates)};
    }
    if (count[i] == 0) return verdict::unknown_quote;
  }
  // Simultaneous: some moment m -- the birth of one of the spans -- at which
  // every leg has a span born at or before m and not replaced more than
  // in_flight_updates before m.
  const auto current_at = [&](std::size_t i, std::uint64_t m) {
    for (std::size_t k = 0; k < count[i]; ++k) {
      const span_t& sp = spans[i][k];
      if (sp.born <= m && m < sp.until) return true;
    }
    return false;
  };
  bool simultaneous = false;
  for (std::size_t i = 0; i < 3 && !simultaneous; ++i) {
    for (std::size_t k = 0; k < count[i] && !simultaneous; ++k) {
      const std::uint64_t m = spans[i][k].born;
      simultaneous = current_at(0, m) && current_at(1, m) && current_at(2, m);
    }
  }
  if (!simultaneous) return verdict::not_simultaneous;
  const exact scale(static_cast<long long>(fixed8::kScale));
  const exact keep = exact(static_cast<long long>(fixed8::kScale - fee.raw())) / scale;
  exact ratio(1);
  for (const leg_claim& c : legs) {
    const exact p = exact(static_cast<long long>(c.price.raw())) / scale;
    if (p == 0) return verdict::not_profitable;
    ratio *= c.dir == side::sell ? exact(p * keep) : exact(keep / p);
  }
  return ratio > threshold ? verdict::real : verdict::not_profitable;
}

exact market::truth_ratio(const triangle& t, fixed8 fee) const {
  const exact scale(static_cast<long long>(fixed8::kScale));
  const exact keep = exact(static_cast<long long>(fixed8::kScale - fee.raw())) / scale;
  exact ratio(1);
  for (const leg& l : t.legs) {
    const true_quote& q = quotes_[l.symbol];
    if (!q.present) return exact(0);
    if (l.dir == side::sell) {
      if (q.bid.raw() == 0) return exact(0);
      ratio *= exact(static_cast<long long>(q.bid.raw())) / scale * keep;
    } else {
      if (q.ask.raw() == 0) return exact(0);
      ratio *= keep / (exact(static_cast<long long>(q.ask.raw())) / scale);
    }
  }
  return ratio;
}

quote market::as_quote(symbol_id s) const {
  const true_quote& t = quotes_[s];
  const u128 max = static_cast<u128>(fixed8::max().raw());
  quote q;
  q.symbol = s;
  q.update_id = t.update_id;
  q.bid = t.bid;
  q.ask = t.ask;
  q.bid_qty = fixed8::from_raw(static_cast<std::int64_t>(std::min(t.bid_qty_raw, max)));
  q.ask_qty = fixed8::from_raw(static_cast<std::int64_t>(std::min(t.ask_qty_raw, max)));
  q.qty_capped = t.bid_qty_raw > max || t.ask_qty_raw > max;
  return q;
}

std::string format_raw_qty(u128 raw, int decimals) {
  u128 ip = raw / 100'000'000;
  u128 fp = raw % 100'000'000;
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(ip % 10)));
    ip /= 10;
  } while (ip != 0);
  std::string out(digits.rbegin(), digits.rend());
  if (decimals > 0) {
    char frac[9];
    for (int i = 7; i >= 0; --i) {
      frac[i] = static_cast<char>('0' + static_cast<int>(fp % 10));
      fp /= 10;
    }
    out.push_back('.');
    out.append(frac, static_cast<std::size_t>(std::min(decimals, 8)));
  }
  return out;
}

std::string format_price8(fixed8 p) {
  std::string t = to_string(p);
  const auto dot = t.find('.');
  const std::size_t have = dot == std::string::npos ? 0 : t.size() - dot - 1;
  if (dot == std::string::npos) t.push_back('.');
  t.append(8 - have, '0');
  return t;
}

std::string encode_frame(const market& m, symbol_id s, bool combined) {
  const true_quote& q = m.quote_of(s);
  const symbol_info& si = m.universe_ref().symbol(s);
  const int dec = m.qty_decimals(s);
  const auto price = format_price8;
  std::string data = "{\"u\":" + std::to_string(q.update_id) + ",\"s\":\"" + si.name +
                     "\",\"b\":\"" + price(q.bid) + "\",\"B\":\"" +
                     format_raw_qty(q.bid_qty_raw, dec) + "\",\"a\":\"" + price(q.ask) +
                     "\",\"A\":\"" + format_raw_qty(q.ask_qty_raw, dec) + "\"}";
  if (!combined) return data;
  std::string stream = si.name;
  for (char& c : stream) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return "{\"stream\":\"" + stream + "@bookTicker\",\"data\":" + data + "}";
}

}  // namespace triarb::sim
