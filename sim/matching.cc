// STUB: the API of sim/matching.h compiles; the implementation is being
// written. Until then place() refuses every order and ideal_cycle() fails.
#include "sim/matching.h"

#include <stdexcept>

namespace triarb::sim {

depth_side depth_of(const depth_params&, symbol_id, const symbol_filters&, const true_quote&,
                    side) noexcept {
  return {};  // STUB
}

matching_engine::matching_engine(const universe& u, matching_params p) : u_(u), p_(p) {
  taken_.resize(u_.symbols().size());
}

account_id matching_engine::add_account(std::string api_key, std::string secret,
                                        const std::vector<std::pair<asset_id, fixed8>>& balances) {
  account acc{std::move(api_key), std::move(secret), std::vector<fixed8>(u_.assets().size())};
  for (const auto& [asset, amount] : balances) acc.balance.at(asset) = amount;
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

place_outcome matching_engine::place(account_id, const order_request&, const true_quote&,
                                     std::int64_t) {
  place_outcome out;  // STUB
  out.error = exchange_error{500, -1000, "matching engine not implemented yet (stub)"};
  out.result.error_code = -1000;
  out.result.error_msg = out.error->msg;
  return out;
}

std::pair<std::uint32_t, std::uint32_t> matching_engine::order_counts(account_id,
                                                                      std::int64_t) const {
  return {0, 0};  // STUB
}

depth_side matching_engine::remaining(symbol_id, const true_quote&, side) const {
  return {};  // STUB
}

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

ideal_result ideal_cycle(const universe&, const triangle&, fixed8 start_amount,
                         const std::array<true_quote, 3>&, fixed8, const depth_params&) {
  ideal_result r;  // STUB
  r.ec = ideal_errc::no_liquidity;
  r.start_amount = start_amount;
  return r;
}

ideal_result ideal_cycle(const universe&, const std::array<std::pair<symbol_id, side>, 3>&,
                         fixed8 start_amount, const std::array<true_quote, 3>&, fixed8,
                         const depth_params&) {
  ideal_result r;  // STUB
  r.ec = ideal_errc::no_liquidity;
  r.start_amount = start_amount;
  return r;
}

}  // namespace triarb::sim
