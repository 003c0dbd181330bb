// order_path_schedule: the sim sender's policy (runtime/order_path_schedule.h),
// each rule on an explicit clock. Times are plain ns: recv_window 300,
// reconcile_interval 1000, started at 0 (the first account check due at 1000).
#include "runtime/order_path_schedule.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace triarb {
namespace {

using kind = order_path_step::kind;

constexpr std::int64_t kReconcile = 1000;
constexpr std::int64_t kRecvWindow = 300;
constexpr std::int64_t kNoPause = 0;

order_request order(const std::string& id) {
  order_request o;
  o.client_order_id = id;
  return o;
}

class OrderPathSchedule : public ::testing::Test {
 protected:
  order_path_schedule s{kReconcile, kRecvWindow, 0};

  void expect_send(std::int64_t now, const std::string& id, std::int64_t paused = kNoPause) {
    const order_path_step st = s.next(now, paused);
    EXPECT_EQ(st.what, kind::send) << "at " << now;
    EXPECT_EQ(st.order.client_order_id, id) << "at " << now;
  }
  void expect_query(std::int64_t now, const std::string& id, std::int64_t paused = kNoPause) {
    const order_path_step st = s.next(now, paused);
    EXPECT_EQ(st.what, kind::query) << "at " << now;
    EXPECT_EQ(st.order.client_order_id, id) << "at " << now;
  }
  void expect_account(std::int64_t now, std::int64_t paused = kNoPause) {
    EXPECT_EQ(s.next(now, paused).what, kind::check_account) << "at " << now;
  }
  void expect_wait(std::int64_t now, std::int64_t wake, std::int64_t paused = kNoPause) {
    const order_path_step st = s.next(now, paused);
    EXPECT_EQ(st.what, kind::wait) << "at " << now;
    EXPECT_EQ(st.wake_ns, wake) << "at " << now;
  }
};

TEST_F(OrderPathSchedule, NothingDueWaitsForTheFirstAccountCheck) {
  expect_wait(0, 1000);
  expect_wait(999, 1000);
  expect_account(1000);
}

TEST_F(OrderPathSchedule, OrdersGoFirstInSubmitOrderBeforeQueriesAndTheAccount) {
  s.lost(order("q"), 100);  // due 400
  s.submit(order("a"));
  s.submit(order("b"));
  s.submit(order("c"));
  s.ask_account();
  // At 1500 the query and the account check are both due: the orders first.
  expect_send(1500, "a");
  expect_send(1500, "b");
  expect_send(1500, "c");
  expect_query(1500, "q");
  expect_account(1500);
  EXPECT_FALSE(s.order_pending());
  EXPECT_EQ(s.queries_pending(), 0u);
}

TEST_F(OrderPathSchedule, OrdersAreNotHeldBackByAPause) {
  s.submit(order("a"));
  expect_send(10, "a", /*paused=*/5000);
}

TEST_F(OrderPathSchedule, ALostOrderIsQueriedOnceAtItsSendTimePlusRecvWindow) {
  s.lost(order("a"), 100);
  EXPECT_EQ(s.queries_pending(), 1u);
  expect_wait(100, 400);
  expect_wait(399, 400);
  expect_query(400, "a");
  expect_wait(400, 1000);  // never again: the account check is next
  EXPECT_EQ(s.queries_pending(), 0u);
}

TEST_F(OrderPathSchedule, QueriesGoInDueOrderTiesInTheOrderLost) {
  s.lost(order("a"), 100);
  s.lost(order("b"), 100);
  s.lost(order("c"), 200);
  s.lost(order("early"), 50);  // out of order: its due time still ranks it
  expect_wait(0, 350);
  expect_query(900, "early");
  expect_query(900, "a");
  expect_query(900, "b");
  expect_query(900, "c");
  expect_wait(900, 1000);
}

TEST_F(OrderPathSchedule, AQueryDueInsideAPauseWaitsForThePauseEndAndThoseBehindWithIt) {
  s.lost(order("a"), 100);  // due 400
  s.lost(order("b"), 150);  // due 450
  // Due at 400, paused until 700: not sent into the pause, woken at its end.
  expect_wait(400, 700, /*paused=*/700);
  expect_wait(500, 700, /*paused=*/700);
  expect_wait(699, 700, /*paused=*/700);
  expect_query(700, "a", /*paused=*/700);
  expect_query(700, "b", /*paused=*/700);
  expect_wait(700, 1000, /*paused=*/700);
}

TEST_F(OrderPathSchedule, APauseThatEndsBeforeTheDueTimeChangesNothing) {
  s.lost(order("a"), 100);  // due 400
  expect_wait(200, 400, /*paused=*/300);
  expect_query(400, "a", /*paused=*/300);
}

TEST_F(OrderPathSchedule, APauseKnownBeforeTheDueTimeWakesAtItsEnd) {
  s.lost(order("a"), 100);  // due 400
  expect_wait(200, 700, /*paused=*/700);
  expect_wait(200, 1000, /*paused=*/5000);  // the account check comes first
}

TEST_F(OrderPathSchedule, AQueryHeldByAPauseDoesNotHoldTheAccountCheck) {
  s.lost(order("a"), 100);  // due 400
  expect_account(1000, /*paused=*/1500);
  s.account_checked(1000);
  expect_wait(1000, 1500, /*paused=*/1500);
  expect_query(1500, "a", /*paused=*/1500);
}

TEST_F(OrderPathSchedule, TheAccountIsCheckedReconcileIntervalAfterThePreviousCheckEnded) {
  expect_account(1000);
  s.account_checked(1010);  // the request took 10
  expect_wait(1010, 2010);
  expect_wait(2009, 2010);
  expect_account(2010);
  s.account_checked(2010);
  expect_wait(2010, 3010);
}

TEST_F(OrderPathSchedule, WithoutAccountCheckedTheNextIsAnIntervalAfterTheCall) {
  expect_account(1200);
  EXPECT_EQ(s.next_account_ns(), 2200);
  expect_wait(1200, 2200);
}

TEST_F(OrderPathSchedule, AnAskedAccountCheckComesAtOnceAndResetsTheSchedule) {
  s.ask_account();
  EXPECT_TRUE(s.account_asked());
  expect_account(300);
  EXPECT_FALSE(s.account_asked());
  s.account_checked(300);
  expect_wait(300, 1300);  // not 1000: the periodic schedule starts again
  expect_wait(1000, 1300);
  expect_account(1300);
}

TEST_F(OrderPathSchedule, AnAskedAccountCheckWaitsForTheOrdersQueued) {
  s.submit(order("a"));
  s.ask_account();
  expect_send(300, "a");
  EXPECT_TRUE(s.account_asked());
  expect_account(310);
}

TEST_F(OrderPathSchedule, AnAskedAccountCheckComesAfterAQueryDueNow) {
  s.lost(order("a"), 0);  // due 300
  s.ask_account();
  expect_query(300, "a");
  expect_account(300);  // the ask was taken at the query's call: still due
  s.account_checked(300);
  expect_wait(300, 1300);
}

TEST_F(OrderPathSchedule, AnAskedAccountCheckIsNotHeldByAPause) {
  s.ask_account();
  expect_account(300, /*paused=*/5000);
}

TEST_F(OrderPathSchedule, TheWakeTimeIsTheEarliestThingDueAndLaterThanNow) {
  s.lost(order("a"), 500);  // due 800
  expect_wait(0, 800);
  expect_wait(0, 1000, /*paused=*/1200);  // held past the account check
  s.lost(order("b"), 600);                // due 900, behind a
  expect_wait(850, 900, /*paused=*/900);
}

}  // namespace
}  // namespace triarb
