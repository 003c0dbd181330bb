// order_faults: the one order-path fault injector. Every driver that injects
// faults between the bot's execution engine and the matching engine (the
// in-process campaign on simulated time, the simulated exchange's order
// routes over the network) draws and applies them here, the same way, so a
// fault kind means the same thing wherever it is injected (as
// sim/frame_faults.h is for frames).
//
//   order_fault_rates r;  r.reject = r.timeout = 0.01;
//   if (std::string bad = validate(r); !bad.empty()) throw std::invalid_argument(bad);
//   order_fault f = draw_order_fault(r, rng);           // one draw per order
//   order_request placed = req;
//   if (f == order_fault::partial) {
//     if (auto cap = partial_quantity(filters, req, rng)) placed.quantity = *cap;
//     else f = order_fault::none;                          // nothing to cap: not applied
//   }
//   place_outcome out = matching.place(a, placed, quote, now);   // unless reject / rate_limited
//   if (f == order_fault::partial) expire_partial(out.result, req);
//
// The kinds, per order that reached the exchange (at most one each):
//   reject        refused, HTTP 400 -2010 "New order rejected."; not executed
//   rate_limited  refused, HTTP 429 -1003 with Retry-After; not executed (the
//                 client must send nothing until Retry-After has passed)
//   timeout       executed; the answer is held past the client's timeout (it
//                 may still arrive, late)
//   partial       an IOC's quantity capped to a seeded fraction before
//                 matching; the answer says EXPIRED with the partial fill
//   dropped       executed; no answer at all (the connection closes)
// A timed-out or dropped order is unknown to the client: the exchange may
// have executed it; the client reconciles it from the account or the order.
//
// Draws: one uniform per order (draw_order_fault), whatever the rates and
// the outcome, so the stream does not depend on what the orders did; the
// kinds are cumulative in the order above. partial_quantity draws one more
// only when the order can be capped (IOC, within its filters).
//
// Thread safety: pure functions of their arguments; the rng is the caller's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/fixed8.h"
#include "core/order.h"
#include "core/universe.h"
#include "sim/rng.h"

namespace triarb::sim {

// Probability of each fault per order (each in [0, 1], summing to at most 1).
struct order_fault_rates {
  double reject = 0;
  double rate_limited = 0;
  double timeout = 0;
  double partial = 0;
  double dropped = 0;
};

enum class order_fault : std::uint8_t { none, reject, rate_limited, timeout, partial, dropped };
inline constexpr std::size_t kOrderFaultKinds = 6;
// "none", "reject", "rate_limited", "timeout", "partial", "dropped".
[[nodiscard]] std::string_view to_string(order_fault f) noexcept;

// The reject fault's answer: HTTP 400, this code and message.
inline constexpr int kFaultRejectCode = -2010;
inline constexpr std::string_view kFaultRejectMsg = "New order rejected.";
// The rate_limited fault's answer: HTTP 429, this code (the request-weight
// limit's), a Retry-After header.
inline constexpr int kFaultRateLimitCode = -1003;

// Empty if r is usable, else what is wrong, naming the rate and its value:
// "order fault rate timeout must be in [0, 1] (got 1.5)" or
// "order fault rates sum above 1 (got 1.2)".
[[nodiscard]] std::string validate(const order_fault_rates& r);

// The fault for one order: one uniform u, the first kind whose cumulative
// rate (reject, rate_limited, timeout, partial, dropped) exceeds u, else none.
[[nodiscard]] order_fault draw_order_fault(const order_fault_rates& r, sim_rng& rng);

// The quantity a partial fault lets an IOC order fill: a seeded fraction in
// [10 %, 90 %] of its quantity (one draw), floored to the step. nullopt
// without drawing if the order is not IOC or fails its filters; nullopt
// after drawing if the cap would not be below the quantity or fails the
// filters (min_qty, min_notional): the fault is then not applied.
[[nodiscard]] std::optional<fixed8> partial_quantity(const symbol_filters& f,
                                                     const order_request& req, sim_rng& rng);

// After matching the capped order: an answer that executed less than the
// quantity asked (req, as the client sent it) says EXPIRED, as an IOC that
// could not fill does. Any other answer is left as it is.
void expire_partial(order_result& r, const order_request& req) noexcept;

}  // namespace triarb::sim
