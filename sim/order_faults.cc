// order_faults: see order_faults.h.
#include "sim/order_faults.h"

#include <cstdio>

namespace triarb::sim {

std::string_view to_string(order_fault f) noexcept {
  switch (f) {
    case order_fault::none:
      return "none";
    case order_fault::reject:
      return "reject";
    case order_fault::rate_limited:
      return "rate_limited";
    case order_fault::timeout:
      return "timeout";
    case order_fault::partial:
      return "partial";
    case order_fault::dropped:
      return "dropped";
  }
  return "?";
}

namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::string validate(const order_fault_rates& r) {
  const std::array<std::pair<std::string_view, double>, 5> rates = {
      {{"reject", r.reject},
       {"rate_limited", r.rate_limited},
       {"timeout", r.timeout},
       {"partial", r.partial},
       {"dropped", r.dropped}}};
  double sum = 0;
  for (const auto& [name, p] : rates) {
    if (!(p >= 0 && p <= 1)) {
      return "order fault rate " + std::string(name) + " must be in [0, 1] (got " + number(p) + ")";
    }
    sum += p;
  }
  if (sum > 1) return "order fault rates sum above 1 (got " + number(sum) + ")";
  return {};
}

order_fault draw_order_fault(const order_fault_rates& r, sim_rng& rng) {
  const double u = rng.uniform();
  double acc = 0;
  for (const auto& [p, kind] :
       {std::pair{r.reject, order_fault::reject},
        std::pair{r.rate_limited, order_fault::rate_limited},
        std::pair{r.timeout, order_fault::timeout}, std::pair{r.partial, order_fault::partial},
        std::pair{r.dropped, order_fault::dropped}}) {
    acc += p;
    if (u < acc) return kind;
  }
  return order_fault::none;
}

std::optional<fixed8> partial_quantity(const symbol_filters& f, const order_request& req,
                                       sim_rng& rng) {
  if (req.tif != time_in_force::ioc) return std::nullopt;
  if (check_filters(f, req.price, req.quantity) != filter_errc::ok) return std::nullopt;
  const std::int64_t permille = 100 + static_cast<std::int64_t>(rng.below(801));
  const fixed8_result part =
      checked_mul(req.quantity, fixed8::from_raw(permille * 100'000), rounding::down);
  if (!part.ok()) return std::nullopt;
  const fixed8 cap = floor_to_step(part.value, f.step_size);
  if (cap >= req.quantity || check_filters(f, req.price, cap) != filter_errc::ok) {
    return std::nullopt;
  }
  return cap;
}

void expire_partial(order_result& r, const order_request& req) noexcept {
  if (r.status == order_status::filled && r.executed_qty < req.quantity) {
    r.status = order_status::expired;
  }
}

}  // namespace triarb::sim
