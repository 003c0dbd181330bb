#include "core/order.h"

namespace triarb {

std::string_view to_string(time_in_force t) noexcept {
  switch (t) {
    case time_in_force::ioc:
      return "IOC";
    case time_in_force::fok:
      return "FOK";
  }
  return "?";
}

std::string_view to_string(order_status s) noexcept {
  switch (s) {
    case order_status::new_order:
      return "NEW";
    case order_status::partially_filled:
      return "PARTIALLY_FILLED";
    case order_status::filled:
      return "FILLED";
    case order_status::canceled:
      return "CANCELED";
    case order_status::rejected:
      return "REJECTED";
    case order_status::expired:
      return "EXPIRED";
    case order_status::expired_in_match:
      return "EXPIRED_IN_MATCH";
  }
  return "?";
}

std::string_view wire_side(side s) noexcept { return s == side::buy ? "BUY" : "SELL"; }

bool valid_client_order_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > kMaxClientOrderId) return false;
  for (const char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

fixed8_result fill_quote(fixed8 price, fixed8 qty) noexcept {
  return checked_mul(price, qty, rounding::down);
}

fixed8_result fill_commission(fixed8 received, fixed8 fee_rate) noexcept {
  return checked_mul(received, fee_rate, rounding::up);
}

std::string_view to_string(filter_errc e) noexcept {
  switch (e) {
    case filter_errc::ok:
      return "ok";
    case filter_errc::price_not_positive:
      return "price_not_positive";
    case filter_errc::price_tick:
      return "price_tick";
    case filter_errc::qty_not_positive:
      return "qty_not_positive";
    case filter_errc::qty_min:
      return "qty_min";
    case filter_errc::qty_max:
      return "qty_max";
    case filter_errc::qty_step:
      return "qty_step";
    case filter_errc::notional_min:
      return "notional_min";
    case filter_errc::notional_overflow:
      return "notional_overflow";
  }
  return "?";
}

std::string_view exchange_message(filter_errc e) noexcept {
  switch (e) {
    case filter_errc::ok:
      return "";
    case filter_errc::price_not_positive:
    case filter_errc::price_tick:
      return "Filter failure: PRICE_FILTER";
    case filter_errc::qty_not_positive:
    case filter_errc::qty_min:
    case filter_errc::qty_max:
    case filter_errc::qty_step:
      return "Filter failure: LOT_SIZE";
    case filter_errc::notional_min:
    case filter_errc::notional_overflow:
      return "Filter failure: NOTIONAL";
  }
  return "Filter failure";
}

filter_errc check_filters(const symbol_filters& f, fixed8 price, fixed8 quantity) noexcept {
  if (price.raw() <= 0) return filter_errc::price_not_positive;
  if (f.tick_size.raw() > 0 && price.raw() % f.tick_size.raw() != 0) return filter_errc::price_tick;
  if (quantity.raw() <= 0) return filter_errc::qty_not_positive;
  if (quantity < f.min_qty) return filter_errc::qty_min;
  if (f.max_qty.raw() > 0 && quantity > f.max_qty) return filter_errc::qty_max;
  if (f.step_size.raw() > 0 && quantity.raw() % f.step_size.raw() != 0) {
    return filter_errc::qty_step;
  }
  const fixed8_result notional = fill_quote(price, quantity);
  if (!notional.ok()) return filter_errc::notional_overflow;
  if (notional.value < f.min_notional) return filter_errc::notional_min;
  return filter_errc::ok;
}

}  // namespace triarb
