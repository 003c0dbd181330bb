#include "core/fill_model.h"

#include <algorithm>
#include <limits>
#include <string>

#include "core/int128.h"

namespace triarb {

std::string_view to_string(paper_outcome o) noexcept {
  switch (o) {
    case paper_outcome::filled:
      return "filled";
    case paper_outcome::partially_filled:
      return "partially_filled";
    case paper_outcome::rejected_filter:
      return "rejected_filter";
    case paper_outcome::bad_fee_rate:
      return "bad_fee_rate";
    case paper_outcome::invalid_leg:
      return "invalid_leg";
    case paper_outcome::empty_side:
      return "empty_side";
    case paper_outcome::not_crossed:
      return "not_crossed";
    case paper_outcome::top_below_step:
      return "top_below_step";
    case paper_outcome::fok_short:
      return "fok_short";
    case paper_outcome::overflow:
      return "overflow";
    case paper_outcome::kCount:
      break;
  }
  return "?";
}

namespace {

order_result expired(std::uint64_t& next_trade_id) {
  order_result r;
  r.status = order_status::expired;
  r.order_id = next_trade_id++;
  return r;
}

}  // namespace

order_result paper_fill(const order_request& order, const book_snapshot& top,
                        const symbol_info& info, fixed8 fee_rate, std::uint64_t& next_trade_id,
                        paper_outcome* outcome) {
  paper_outcome ignored = paper_outcome::filled;
  paper_outcome& why = outcome != nullptr ? *outcome : ignored;

  const filter_errc fe = check_filters(info.filters, order.price, order.quantity);
  if (fe != filter_errc::ok) {
    why = paper_outcome::rejected_filter;
    order_result r;
    r.status = order_status::rejected;
    r.error_code = kFilterFailureCode;
    r.error_msg = std::string(exchange_message(fe));
    return r;
  }
  if (fee_rate.is_negative() || fee_rate >= fixed8::one()) {
    why = paper_outcome::bad_fee_rate;
    return expired(next_trade_id);
  }
  if (!top.valid) {
    why = paper_outcome::invalid_leg;
    return expired(next_trade_id);
  }
  const bool buy = order.dir == side::buy;
  const fixed8 top_price = buy ? top.ask : top.bid;
  const fixed8 top_qty = buy ? top.ask_qty : top.bid_qty;
  if (!top_price.is_positive() || !top_qty.is_positive()) {
    why = paper_outcome::empty_side;
    return expired(next_trade_id);
  }
  if (buy ? top_price > order.price : top_price < order.price) {
    why = paper_outcome::not_crossed;
    return expired(next_trade_id);
  }
  const fixed8 qty = std::min(order.quantity, floor_to_step(top_qty, info.filters.step_size));
  if (order.tif == time_in_force::fok && qty < order.quantity) {
    why = paper_outcome::fok_short;
    return expired(next_trade_id);
  }
  if (!qty.is_positive()) {
    why = paper_outcome::top_below_step;
    return expired(next_trade_id);
  }
  const fixed8_result paid = fill_quote(top_price, qty);
  if (!paid.ok()) {
    why = paper_outcome::overflow;
    return expired(next_trade_id);
  }
  // received <= max and fee_rate < 1: the commission fits.
  const fixed8_result fee = fill_commission(buy ? qty : paid.value, fee_rate);
  if (!fee.ok()) {
    why = paper_outcome::overflow;
    return expired(next_trade_id);
  }

  order_result r;
  r.order_id = next_trade_id++;
  r.executed_qty = qty;
  r.cumulative_quote = paid.value;
  r.fills.push_back({.price = top_price,
                     .qty = qty,
                     .commission = fee.value,
                     .commission_asset = buy ? info.base : info.quote,
                     .trade_id = next_trade_id++});
  if (qty == order.quantity) {
    r.status = order_status::filled;
    why = paper_outcome::filled;
  } else {
    r.status = order_status::expired;
    why = paper_outcome::partially_filled;
  }
  return r;
}

std::int64_t latency_model::next_ns() noexcept {
  const std::int64_t base = std::max<std::int64_t>(constant_ns, 0);
  const std::uint64_t span = static_cast<std::uint64_t>(std::max<std::int64_t>(jitter_ns, 0));
  std::uint64_t jitter = 0;
  if (span > 0) {
    // Uniform in [0, span] by Lemire's multiply-and-reject: n = span + 1
    // values (span < 2^63, so n does not wrap), exactly uniform.
    const std::uint64_t n = span + 1;
    const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    for (;;) {
      // splitmix64, as sim/rng.h's sim_rng: state = seed + k * gamma.
      std::uint64_t z = seed + (++draws) * 0x9e3779b97f4a7c15ULL;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      z ^= z >> 31;
      const u128 m = static_cast<u128>(z) * n;
      if (static_cast<std::uint64_t>(m) >= threshold) {
        jitter = static_cast<std::uint64_t>(m >> 64);
        break;
      }
    }
  }
  constexpr std::uint64_t kMax =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  const std::uint64_t sum = static_cast<std::uint64_t>(base) + jitter;  // < 2^64: no wrap
  return static_cast<std::int64_t>(std::min(sum, kMax));
}

}  // namespace triarb
