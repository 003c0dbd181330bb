#include "core/risk_gate.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace triarb {

std::string validate(const risk_config& cfg) {
  if (!cfg.max_notional.is_positive()) {
    return "risk.max_notional must be positive (got " + to_string(cfg.max_notional) + ")";
  }
  for (std::size_t a = 0; a < cfg.max_notional_by_asset.size(); ++a) {
    if (cfg.max_notional_by_asset[a].is_negative()) {
      return "risk.max_notional_by_asset[" + std::to_string(a) + "] must not be negative (got " +
             to_string(cfg.max_notional_by_asset[a]) + ")";
    }
  }
  if (cfg.max_open_cycles < 1 || cfg.max_open_cycles > 1000) {
    return "risk.max_open_cycles must be from 1 to 1000 (got " +
           std::to_string(cfg.max_open_cycles) + ")";
  }
  if (cfg.max_orders_per_10s < kOrdersPerCycle || cfg.max_orders_per_10s >= kExchangeOrdersPer10s) {
    return "risk.max_orders_per_10s must be from " + std::to_string(kOrdersPerCycle) + " to " +
           std::to_string(kExchangeOrdersPer10s - 1) + " (got " +
           std::to_string(cfg.max_orders_per_10s) + ")";
  }
  if (cfg.max_residual_value.is_negative()) {
    return "risk.max_residual_value must not be negative (got " +
           to_string(cfg.max_residual_value) + ")";
  }
  return {};
}

std::string_view to_string(risk_verdict v) noexcept {
  switch (v) {
    case risk_verdict::admit:
      return "admit";
    case risk_verdict::not_active:
      return "not_active";
    case risk_verdict::notional:
      return "notional";
    case risk_verdict::open_cycles:
      return "open_cycles";
    case risk_verdict::order_rate:
      return "order_rate";
    case risk_verdict::residual:
      return "residual";
    case risk_verdict::kCount:
      break;
  }
  return "?";
}

risk_gate::risk_gate(risk_config cfg, residual_valuation valuation)
    : cfg_(std::move(cfg)), valuation_(std::move(valuation)) {
  if (std::string e = validate(cfg_); !e.empty()) throw std::invalid_argument(e);
  if (!valuation_) throw std::invalid_argument("risk_gate: a residual valuation is required");
}

fixed8 risk_gate::max_notional(asset_id a) const noexcept {
  if (a < cfg_.max_notional_by_asset.size() && cfg_.max_notional_by_asset[a].is_positive()) {
    return cfg_.max_notional_by_asset[a];
  }
  return cfg_.max_notional;
}

void risk_gate::prune(std::int64_t now_ns) {
  latest_ns_ = std::max(latest_ns_, now_ns);
  // Window (latest - 10 s, latest]; no overflow: the subtraction saturates.
  std::int64_t oldest = 0;
  if (__builtin_sub_overflow(latest_ns_, kOrderWindowNs, &oldest)) oldest = INT64_MIN;
  while (!sent_.empty() && sent_.front() <= oldest) sent_.pop_front();
}

std::uint32_t risk_gate::orders_in_window(std::int64_t now_ns) {
  prune(now_ns);
  return static_cast<std::uint32_t>(sent_.size());
}

std::optional<fixed8> risk_gate::residual_value() const {
  fixed8 total = fixed8::zero();
  for (const auto& [asset, amount] : inventory_) {
    if (amount.is_zero()) continue;
    const fixed8 magnitude =
        amount.is_negative() ? saturating_sub(fixed8::zero(), amount).value : amount;
    const std::optional<fixed8> v = valuation_(asset, magnitude);
    if (!v) return std::nullopt;
    total = saturating_add(total, v->is_negative() ? saturating_sub(fixed8::zero(), *v).value : *v)
                .value;
  }
  return total;
}

risk_verdict risk_gate::admit(std::int64_t now_ns, const cycle& plan, suppress_reason verdict) {
  const risk_verdict v = [&] {
    if (verdict != suppress_reason::none) return risk_verdict::not_active;
    if (plan.notional() > max_notional(plan.start_asset())) return risk_verdict::notional;
    if (open_ >= cfg_.max_open_cycles) return risk_verdict::open_cycles;
    if (orders_in_window(now_ns) + reserved_ + kOrdersPerCycle > cfg_.max_orders_per_10s) {
      return risk_verdict::order_rate;
    }
    const std::optional<fixed8> value = residual_value();
    if (!value || *value > cfg_.max_residual_value) return risk_verdict::residual;
    return risk_verdict::admit;
  }();
  ++verdicts_[static_cast<std::size_t>(v)];
  if (v == risk_verdict::admit) {
    ++open_;
    reserved_ += kOrdersPerCycle;
  }
  return v;
}

void risk_gate::on_order_sent(std::int64_t now_ns) {
  prune(now_ns);
  sent_.push_back(latest_ns_);
  if (reserved_ == 0) {
    ++misuse_;
  } else {
    --reserved_;
  }
}

void risk_gate::on_cycle_closed(const cycle_outcome& outcome) {
  if (open_ == 0) {
    ++misuse_;
  } else {
    --open_;
  }
  const std::uint32_t unsent =
      outcome.orders_sent >= kOrdersPerCycle ? 0 : kOrdersPerCycle - outcome.orders_sent;
  reserved_ -= std::min(reserved_, unsent);
  for (const asset_amount& r : outcome.residuals) {
    fixed8& held = inventory_[r.asset];
    held = saturating_add(held, r.amount).value;
  }
}

}  // namespace triarb
