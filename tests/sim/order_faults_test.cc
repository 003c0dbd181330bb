// sim/order_faults.h, the one order-path fault injector: rates refused by
// name, the draw's kinds and determinism, the partial fault's cap, and the
// EXPIRED answer of a capped fill.
#include "sim/order_faults.h"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>

namespace triarb::sim {
namespace {

fixed8 f(const char* s) { return parse_fixed8(s).value; }

TEST(OrderFaults, RatesAreRefusedByName) {
  EXPECT_EQ(validate(order_fault_rates{}), "");
  order_fault_rates r;
  r.timeout = 1.5;
  EXPECT_EQ(validate(r), "order fault rate timeout must be in [0, 1] (got 1.5)");
  r = {};
  r.reject = -0.1;
  EXPECT_EQ(validate(r), "order fault rate reject must be in [0, 1] (got -0.1)");
  r = {};
  r.partial = 0.7;
  r.dropped = 0.5;
  EXPECT_EQ(validate(r), "order fault rates sum above 1 (got 1.2)");
}

TEST(OrderFaults, OneDrawPerOrderInTheOrderOfTheKinds) {
  // A rate of 1 is always that kind; zero rates never fault; each draw takes
  // one number from the stream whatever the rates.
  const std::array<order_fault, 5> kinds = {order_fault::reject, order_fault::rate_limited,
                                            order_fault::timeout, order_fault::partial,
                                            order_fault::dropped};
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    order_fault_rates r;
    double* p[] = {&r.reject, &r.rate_limited, &r.timeout, &r.partial, &r.dropped};
    *p[k] = 1;
    sim_rng rng(7);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(draw_order_fault(r, rng), kinds[k]);
  }
  sim_rng a(9), b(9);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(draw_order_fault(order_fault_rates{}, a), order_fault::none);
  for (int i = 0; i < 20; ++i) (void)b.next();
  EXPECT_EQ(a.next(), b.next());
  // Mixed rates: each kind about its share of 20,000 draws, deterministic per seed.
  order_fault_rates r{
      .reject = 0.1, .rate_limited = 0.1, .timeout = 0.1, .partial = 0.1, .dropped = 0.1};
  std::array<int, kOrderFaultKinds> n{};
  sim_rng c(3), d(3);
  for (int i = 0; i < 20'000; ++i) {
    const order_fault x = draw_order_fault(r, c);
    EXPECT_EQ(x, draw_order_fault(r, d));
    ++n[static_cast<std::size_t>(x)];
  }
  for (std::size_t k = 1; k < n.size(); ++k) {
    EXPECT_GT(n[k], 1700) << to_string(static_cast<order_fault>(k));
    EXPECT_LT(n[k], 2300) << to_string(static_cast<order_fault>(k));
  }
}

TEST(OrderFaults, APartialCapIsASeededTenToNinetyPercentOnTheStep) {
  const symbol_filters flt{.tick_size = f("0.01"),
                           .min_qty = f("0.001"),
                           .max_qty = f("9000"),
                           .step_size = f("0.001"),
                           .min_notional = f("5")};
  order_request req;
  req.price = f("100");
  req.quantity = f("2");
  sim_rng rng(11);
  for (int i = 0; i < 500; ++i) {
    const std::optional<fixed8> cap = partial_quantity(flt, req, rng);
    ASSERT_TRUE(cap.has_value());
    EXPECT_GE(*cap, f("0.2"));
    EXPECT_LE(*cap, f("1.8"));
    EXPECT_EQ(floor_to_step(*cap, flt.step_size), *cap);
  }
  // Not applied, without drawing: a FOK, or an order off its filters.
  sim_rng x(5), y(5);
  req.tif = time_in_force::fok;
  EXPECT_FALSE(partial_quantity(flt, req, x).has_value());
  req.tif = time_in_force::ioc;
  req.quantity = f("2.0005");  // off the step
  EXPECT_FALSE(partial_quantity(flt, req, x).has_value());
  EXPECT_EQ(x.next(), y.next());
  // Not applied after drawing: no cap passes min_notional (0.06 x 100 = 6; 90 % is 5.4, 10 % 0.6).
  req.quantity = f("0.06");
  int none = 0;
  for (int i = 0; i < 200; ++i) none += partial_quantity(flt, req, x).has_value() ? 0 : 1;
  EXPECT_GT(none, 0);
}

TEST(OrderFaults, ACappedFillSaysExpired) {
  order_request req;
  req.quantity = f("2");
  order_result r;
  r.status = order_status::filled;
  r.executed_qty = f("1.5");
  expire_partial(r, req);
  EXPECT_EQ(r.status, order_status::expired);
  r.status = order_status::filled;
  r.executed_qty = f("2");
  expire_partial(r, req);
  EXPECT_EQ(r.status, order_status::filled);
  r.status = order_status::rejected;
  r.executed_qty = fixed8::zero();
  expire_partial(r, req);
  EXPECT_EQ(r.status, order_status::rejected);
}

}  // namespace
}  // namespace triarb::sim
