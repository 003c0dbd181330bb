// The simulated exchange's matching engine. See matching.h for the contracts.
#include "sim/matching.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "core/int128.h"
#include "sim/rng.h"

namespace triarb::sim {

namespace {

constexpr std::int64_t kTenSecondsNs = 10'000'000'000;
constexpr std::int64_t kDayNs = 86'400'000'000'000;
constexpr std::int64_t kSecondNs = 1'000'000'000;
constexpr std::int64_t kMaxRaw = std::numeric_limits<std::int64_t>::max();

// splitmix64's finaliser: a well-mixed 64-bit value of h.
constexpr std::uint64_t mix(std::uint64_t h) noexcept {
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

std::uint64_t depth_seed(std::uint64_t seed, symbol_id s, std::uint64_t update_id,
                         side taker) noexcept {
  std::uint64_t h = mix(seed);
  h = mix(h ^ s);
  h = mix(h ^ update_id);
  return mix(h ^ (taker == side::buy ? 0x62ULL : 0x73ULL));
}

// An exact raw quantity capped to fixed8::max() and floored to the step.
fixed8 cap_floor(u128 raw, fixed8 step) noexcept {
  const std::int64_t v =
      raw > static_cast<u128>(kMaxRaw) ? kMaxRaw : static_cast<std::int64_t>(raw);
  return floor_to_step(fixed8::from_raw(v), step);
}

// Floor division for a time that may be negative (a day before the epoch).
std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::int64_t ceil_seconds(std::int64_t ns) noexcept {
  if (ns <= 0) return 1;
  return std::max<std::int64_t>(1, (ns + kSecondNs - 1) / kSecondNs);
}

std::size_t side_index(side s) noexcept { return s == side::buy ? 0 : 1; }

bool within_limit(side dir, fixed8 level_price, fixed8 limit) noexcept {
  return dir == side::buy ? level_price <= limit : level_price >= limit;
}

exchange_error rejected(int http, int code, std::string msg) {
  return exchange_error{http, code, std::move(msg)};
}

}  // namespace

// ---------------------------------------------------------------------------
// depth
// ---------------------------------------------------------------------------

depth_side depth_of(const depth_params& p, symbol_id s, const symbol_filters& f,
                    const true_quote& q, side taker) noexcept {
  depth_side d;
  if (!q.present) return d;
  const fixed8 top = taker == side::buy ? q.ask : q.bid;
  const u128 top_qty = taker == side::buy ? q.ask_qty_raw : q.bid_qty_raw;
  if (top.raw() <= 0 || top_qty == 0) return d;
  const int levels = std::clamp(p.levels, 1, kMaxDepthLevels);
  const std::uint64_t max_gap = static_cast<std::uint64_t>(std::max(1, p.max_gap_ticks));
  const i128 tick = f.tick_size.raw() > 0 ? f.tick_size.raw() : 1;
  sim_rng rng(depth_seed(p.seed, s, q.update_id, taker));
  i128 price = top.raw();
  u128 grown = top_qty;
  // Growth stops mattering far above fixed8's range; this keeps u128 exact.
  constexpr u128 kGrowthCeiling = static_cast<u128>(1) << 100;
  for (int k = 0; k < levels; ++k) {
    if (k > 0) {
      const std::uint64_t gap = 1 + rng.below(max_gap);
      const std::uint64_t grow = 1 + rng.below(4);
      const i128 move = static_cast<i128>(gap) * tick;
      const i128 next = taker == side::buy ? price + move : price - move;
      if (next <= 0 || next > kMaxRaw) break;
      price = next;
      if (grown < kGrowthCeiling) grown = grown * (4 + grow) / 4;
    }
    d.level[k] = depth_level{fixed8::from_raw(static_cast<std::int64_t>(price)),
                             cap_floor(grown, f.step_size)};
    d.count = k + 1;
  }
  return d;
}

// ---------------------------------------------------------------------------
// the engine
// ---------------------------------------------------------------------------

matching_engine::matching_engine(const universe& u, matching_params p) : u_(u), p_(p) {
  if (p_.depth.levels < 1 || p_.depth.levels > kMaxDepthLevels) {
    throw std::invalid_argument("matching_engine: depth levels " + std::to_string(p_.depth.levels) +
                                " outside 1.." + std::to_string(kMaxDepthLevels));
  }
  if (p_.depth.max_gap_ticks < 1) {
    throw std::invalid_argument("matching_engine: max_gap_ticks " +
                                std::to_string(p_.depth.max_gap_ticks) + " below 1");
  }
  if (p_.fee_rate.is_negative() || p_.fee_rate >= fixed8::one()) {
    throw std::invalid_argument("matching_engine: fee_rate " + to_string(p_.fee_rate) +
                                " outside [0, 1)");
  }
  taken_.resize(u_.symbols().size());
}

account_id matching_engine::add_account(std::string api_key, std::string secret,
                                        const std::vector<std::pair<asset_id, fixed8>>& balances) {
  if (find_account(api_key).has_value()) {
    throw std::invalid_argument("matching_engine: api key given twice");
  }
  account acc{std::move(api_key), std::move(secret), std::vector<fixed8>(u_.assets().size())};
  for (const auto& [asset, amount] : balances) {
    if (asset >= acc.balance.size()) {
      throw std::invalid_argument("matching_engine: asset id " + std::to_string(asset) +
                                  " outside the universe's " + std::to_string(acc.balance.size()) +
                                  " assets");
    }
    acc.balance[asset] = amount;
  }
  accounts_.push_back(std::move(acc));
  rates_.emplace_back();
  return static_cast<account_id>(accounts_.size() - 1);
}

std::optional<account_id> matching_engine::find_account(std::string_view api_key) const noexcept {
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    if (accounts_[i].api_key == api_key) return static_cast<account_id>(i);
  }
  return std::nullopt;
}

const account& matching_engine::account_at(account_id a) const { return accounts_.at(a); }

void matching_engine::set_balance(account_id a, asset_id asset, fixed8 amount) {
  accounts_.at(a).balance.at(asset) = amount;
}

std::pair<std::uint32_t, std::uint32_t> matching_engine::order_counts(account_id a,
                                                                      std::int64_t now_ns) const {
  const rate_state& rs = rates_.at(a);
  const std::int64_t from = now_ns - kTenSecondsNs;  // the window is (from, now_ns]
  const auto in_window = std::count_if(rs.recent.begin(), rs.recent.end(),
                                       [&](std::int64_t t) { return t > from && t <= now_ns; });
  const std::uint32_t day = rs.day == floor_div(now_ns, kDayNs) ? rs.day_count : 0;
  return {static_cast<std::uint32_t>(in_window), day};
}

depth_side matching_engine::remaining(symbol_id s, const true_quote& q, side taker) const {
  if (s >= u_.symbols().size()) return {};
  depth_side d = depth_of(p_.depth, s, u_.symbol(s).filters, q, taker);
  const taken_state& t = taken_[s][side_index(taker)];
  if (t.used && t.update_id == q.update_id) {
    for (int k = 0; k < d.count; ++k) {
      d.level[k].qty = fixed8::from_raw(d.level[k].qty.raw() - t.taken[k].raw());
    }
  }
  return d;
}

place_outcome matching_engine::place(account_id a, const order_request& req,
                                     const true_quote& at_arrival, std::int64_t now_ns) {
  place_outcome out;
  account& acc = accounts_.at(a);
  rate_state& rs = rates_.at(a);
  const auto refuse = [&](exchange_error e) {
    out.result = order_result{};
    out.result.status = order_status::rejected;
    out.result.error_code = e.code;
    out.result.error_msg = e.msg;
    out.error = std::move(e);
    return out;
  };

  // 1. The ORDERS rate limits: a sliding 10 s window and the UTC day.
  while (!rs.recent.empty() && rs.recent.front() <= now_ns - kTenSecondsNs) rs.recent.pop_front();
  const std::int64_t day = floor_div(now_ns, kDayNs);
  if (day != rs.day) {
    rs.day = day;
    rs.day_count = 0;
  }
  out.order_count_10s = static_cast<std::uint32_t>(rs.recent.size());
  out.order_count_1d = rs.day_count;
  if (rs.recent.size() >= p_.orders_per_10s) {
    out.retry_after_s =
        rs.recent.empty() ? 10 : ceil_seconds(rs.recent.front() + kTenSecondsNs - now_ns);
    return refuse(rejected(429, kErrTooManyOrders,
                           "Too many new orders; current limit is " +
                               std::to_string(p_.orders_per_10s) + " orders per 10 SECOND."));
  }
  if (rs.day_count >= p_.orders_per_day) {
    out.retry_after_s = ceil_seconds((day + 1) * kDayNs - now_ns);
    return refuse(rejected(429, kErrTooManyOrders,
                           "Too many new orders; current limit is " +
                               std::to_string(p_.orders_per_day) + " orders per 1 DAY."));
  }

  // 2. The symbol.
  if (req.symbol >= u_.symbols().size()) {
    return refuse(rejected(400, kErrBadSymbol, std::string(kMsgBadSymbol)));
  }
  const symbol_info& info = u_.symbol(req.symbol);

  // 3. The filters.
  if (const filter_errc fe = check_filters(info.filters, req.price, req.quantity);
      fe != filter_errc::ok) {
    return refuse(rejected(400, kErrFilter, std::string(exchange_message(fe))));
  }

  // 4. The balance: the most the order can spend.
  fixed8& base = acc.balance.at(info.base);
  fixed8& quote = acc.balance.at(info.quote);
  if (req.dir == side::buy) {
    const fixed8_result need = checked_mul(req.price, req.quantity, rounding::up);
    if (!need.ok() || quote < need.value) {
      return refuse(rejected(400, kErrRejected, std::string(kMsgInsufficientBalance)));
    }
  } else if (base < req.quantity) {
    return refuse(rejected(400, kErrRejected, std::string(kMsgInsufficientBalance)));
  }

  // Matching: what the order would take, level by level, before anything moves.
  const depth_side book = remaining(req.symbol, at_arrival, req.dir);
  std::array<fixed8, kMaxDepthLevels> take{};
  std::int64_t left = req.quantity.raw();
  for (int k = 0; k < book.count && left > 0; ++k) {
    if (!within_limit(req.dir, book.level[k].price, req.price)) break;
    const std::int64_t t = std::min(left, book.level[k].qty.raw());
    take[k] = fixed8::from_raw(t);
    left -= t;
  }
  if (req.tif == time_in_force::fok && left > 0) take.fill(fixed8::zero());

  // The fills and the balances they leave, checked before anything moves.
  const asset_id received_asset = req.dir == side::buy ? info.base : info.quote;
  std::vector<order_fill> fills;
  fixed8 new_base = base;
  fixed8 new_quote = quote;
  fixed8 executed;
  fixed8 cum_quote;
  const auto overflow = [&](asset_id asset) {
    return refuse(rejected(400, kErrRejected,
                           "Balance overflow: the account's " + u_.assets()[asset] +
                               " would leave the range of fixed8 (max 92233720368.54775807)"));
  };
  for (int k = 0; k < book.count; ++k) {
    if (take[k].is_zero()) continue;
    const fixed8 px = book.level[k].price;
    const fixed8 qty = take[k];
    const fixed8_result q = fill_quote(px, qty);
    if (!q.ok()) return overflow(info.quote);
    const fixed8 received = req.dir == side::buy ? qty : q.value;
    const fixed8_result fee = fill_commission(received, p_.fee_rate);
    if (!fee.ok()) return overflow(received_asset);
    fixed8_result nb, nq;
    if (req.dir == side::buy) {
      nb = checked_add(new_base, fixed8::from_raw(qty.raw() - fee.value.raw()));
      nq = checked_sub(new_quote, q.value);
    } else {
      nb = checked_sub(new_base, qty);
      nq = checked_add(new_quote, fixed8::from_raw(q.value.raw() - fee.value.raw()));
    }
    if (!nb.ok()) return overflow(info.base);
    if (!nq.ok()) return overflow(info.quote);
    const fixed8_result ce = checked_add(executed, qty);
    const fixed8_result cq = checked_add(cum_quote, q.value);
    if (!ce.ok() || !cq.ok()) return overflow(info.quote);
    new_base = nb.value;
    new_quote = nq.value;
    executed = ce.value;
    cum_quote = cq.value;
    fills.push_back(order_fill{px, qty, fee.value, received_asset, 0});
  }

  // Commit: balances, the liquidity taken, ids.
  base = new_base;
  quote = new_quote;
  taken_state& ts = taken_[req.symbol][side_index(req.dir)];
  if (!ts.used || ts.update_id != at_arrival.update_id) {
    ts = taken_state{};
    ts.used = true;
    ts.update_id = at_arrival.update_id;
  }
  for (int k = 0; k < book.count; ++k) {
    ts.taken[k] = fixed8::from_raw(ts.taken[k].raw() + take[k].raw());
  }
  for (order_fill& f : fills) f.trade_id = next_trade_id_++;
  out.result.status = executed == req.quantity ? order_status::filled : order_status::expired;
  out.result.order_id = next_order_id_++;
  out.result.executed_qty = executed;
  out.result.cumulative_quote = cum_quote;
  out.result.fills = std::move(fills);
  // The unfilled order count (matching.h, check 1): the order adds one, its
  // first fill takes it off again, so only an order without fills counts.
  if (out.result.fills.empty()) {
    rs.recent.push_back(now_ns);
    ++rs.day_count;
  }
  out.order_count_10s = static_cast<std::uint32_t>(rs.recent.size());
  out.order_count_1d = rs.day_count;
  return out;
}

// ---------------------------------------------------------------------------
// the ground truth
// ---------------------------------------------------------------------------

std::string_view to_string(ideal_errc e) noexcept {
  switch (e) {
    case ideal_errc::ok:
      return "ok";
    case ideal_errc::not_a_cycle:
      return "not_a_cycle";
    case ideal_errc::unknown_symbol:
      return "unknown_symbol";
    case ideal_errc::no_liquidity:
      return "no_liquidity";
    case ideal_errc::filter:
      return "filter";
    case ideal_errc::overflow:
      return "overflow";
  }
  return "?";
}

namespace {

// The largest multiple k * step of base (k >= 0) with fill_quote(price, k *
// step) <= budget, i.e. floor(P * k * S / 10^8) <= B, i.e. P * k * S <=
// (B + 1) * 10^8 - 1. All raw; price, step > 0, budget >= 0.
std::int64_t max_affordable(std::int64_t price, std::int64_t step, std::int64_t budget) noexcept {
  const u128 lim = (static_cast<u128>(budget) + 1) * static_cast<u128>(fixed8::kScale) - 1;
  const u128 k = lim / (static_cast<u128>(price) * static_cast<u128>(step));
  const u128 q = k * static_cast<u128>(step);
  return q > static_cast<u128>(kMaxRaw) ? kMaxRaw - kMaxRaw % step : static_cast<std::int64_t>(q);
}

}  // namespace

ideal_result ideal_cycle(const universe& u, const triangle& t, fixed8 start_amount,
                         const std::array<true_quote, 3>& quotes, fixed8 fee_rate,
                         const depth_params& depth) {
  ideal_result r;
  r.start_amount = start_amount;
  const auto fail = [&](ideal_errc ec, int leg) {
    r.ec = ec;
    r.failed_leg = leg;
    r.end_amount = fixed8::zero();
    r.profit = fixed8::zero();
    return r;
  };
  // The chain: start -> legs[0] -> legs[1] -> legs[2] -> start, each leg
  // spending its symbol's quote (buy) or base (sell).
  for (int i = 0; i < 3; ++i) {
    const leg& l = t.legs[i];
    if (l.symbol >= u.symbols().size()) return fail(ideal_errc::unknown_symbol, i);
    const symbol_info& info = u.symbol(l.symbol);
    const asset_id from = l.dir == side::buy ? info.quote : info.base;
    const asset_id to = l.dir == side::buy ? info.base : info.quote;
    const asset_id expected_from = i == 0 ? t.start : t.legs[i - 1].to;
    if (l.from != from || l.to != to || from != expected_from) {
      return fail(ideal_errc::not_a_cycle, i);
    }
  }
  if (t.legs[2].to != t.start) return fail(ideal_errc::not_a_cycle, 2);

  fixed8 available = start_amount;
  for (int i = 0; i < 3; ++i) {
    const leg& l = t.legs[i];
    const symbol_filters& f = u.symbol(l.symbol).filters;
    ideal_leg_result& lr = r.legs[i];
    lr.symbol = l.symbol;
    lr.dir = l.dir;
    lr.from = l.from;
    lr.to = l.to;
    lr.available = available;
    const depth_side d = depth_of(depth, l.symbol, f, quotes[i], l.dir);
    bool any = false;
    for (int k = 0; k < d.count; ++k) any = any || d.level[k].qty.is_positive();
    if (!any) return fail(ideal_errc::no_liquidity, i);
    const std::int64_t step = f.step_size.raw() > 0 ? f.step_size.raw() : 1;
    // The most the order may be for: max_qty (a multiple of the step), or unbounded.
    std::int64_t cap = f.max_qty.is_positive() ? f.max_qty.raw() - f.max_qty.raw() % step : kMaxRaw;
    if (l.dir == side::sell) {
      cap = std::min(cap, available.is_positive() ? available.raw() - available.raw() % step : 0);
    }
    std::int64_t budget = available.raw();  // quote left, for a buy
    fixed8 qty, quote_sum, commission, received;
    for (int k = 0; k < d.count && cap > 0; ++k) {
      const fixed8 px = d.level[k].price;
      std::int64_t take = std::min(cap, d.level[k].qty.raw());
      if (l.dir == side::buy) {
        take = std::min(take, max_affordable(px.raw(), step, budget));
      }
      if (take <= 0) {
        if (l.dir == side::buy && d.level[k].qty.is_positive()) break;  // the budget ran out
        continue;
      }
      const fixed8_result q = fill_quote(px, fixed8::from_raw(take));
      if (!q.ok()) return fail(ideal_errc::overflow, i);
      const fixed8 got = l.dir == side::buy ? fixed8::from_raw(take) : q.value;
      const fixed8_result fee = fill_commission(got, fee_rate);
      if (!fee.ok()) return fail(ideal_errc::overflow, i);
      const fixed8_result nq = checked_add(qty, fixed8::from_raw(take));
      const fixed8_result ns = checked_add(quote_sum, q.value);
      const fixed8_result nc = checked_add(commission, fee.value);
      const fixed8_result nr = checked_add(received, fixed8::from_raw(got.raw() - fee.value.raw()));
      if (!nq.ok() || !ns.ok() || !nc.ok() || !nr.ok()) return fail(ideal_errc::overflow, i);
      qty = nq.value;
      quote_sum = ns.value;
      commission = nc.value;
      received = nr.value;
      cap -= take;
      if (l.dir == side::buy) budget -= q.value.raw();
      ++lr.levels_touched;
      if (take < d.level[k].qty.raw()) break;  // the order is done within this level
    }
    lr.qty = qty;
    lr.quote = quote_sum;
    lr.spent = l.dir == side::buy ? quote_sum : qty;
    lr.commission = commission;
    lr.received = received;
    lr.left_over = fixed8::from_raw(available.raw() - lr.spent.raw());
    if (!qty.is_positive()) {
      lr.filter = filter_errc::qty_not_positive;
      return fail(ideal_errc::filter, i);
    }
    if (qty < f.min_qty) {
      lr.filter = filter_errc::qty_min;
      return fail(ideal_errc::filter, i);
    }
    if (quote_sum < f.min_notional) {
      lr.filter = filter_errc::notional_min;
      return fail(ideal_errc::filter, i);
    }
    available = received;
  }
  r.end_amount = available;
  const fixed8_result p = checked_sub(r.end_amount, start_amount);
  if (!p.ok()) return fail(ideal_errc::overflow, 2);
  r.profit = p.value;
  return r;
}

ideal_result ideal_cycle(const universe& u, const std::array<std::pair<symbol_id, side>, 3>& legs,
                         fixed8 start_amount, const std::array<true_quote, 3>& quotes,
                         fixed8 fee_rate, const depth_params& depth) {
  triangle t;
  for (int i = 0; i < 3; ++i) {
    const auto [s, dir] = legs[i];
    if (s >= u.symbols().size()) {
      ideal_result r;
      r.start_amount = start_amount;
      r.ec = ideal_errc::unknown_symbol;
      r.failed_leg = i;
      return r;
    }
    const symbol_info& info = u.symbol(s);
    t.legs[i] = leg{s, dir, dir == side::buy ? info.quote : info.base,
                    dir == side::buy ? info.base : info.quote};
  }
  t.start = t.legs[0].from;
  return ideal_cycle(u, t, start_amount, quotes, fee_rate, depth);
}

}  // namespace triarb::sim
