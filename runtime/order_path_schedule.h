// order_path_schedule: what the sim sender (runtime/sim_sender.h) does next
// on the order path, and when (docs/design.md, section 12). Pure: no I/O, no
// clock, no threads, no locks; times are int64 ns on one monotonic clock the
// caller reads (the sender passes steady_clock's). The sender's thread asks
// it under its mutex, does the returned request outside it, and feeds the
// results back; the unit tests and properties/order_path_schedule_properties.cc
// drive it directly on an explicit clock.
//
//   order_path_schedule s(reconcile_interval_ns, recv_window_ns, start_ns);
//   s.submit(o);                                   // an order to send
//   s.ask_account();                               // an account check now, please
//   order_path_step st = s.next(now_ns, client.paused_until_ns());
//   switch (st.what) {
//     case order_path_step::kind::send:           // POST /api/v3/order st.order;
//       ... if its answer was lost (unknown, id_mismatch): s.lost(st.order, sent_ns);
//     case order_path_step::kind::query:          // GET /api/v3/order st.order, once
//     case order_path_step::kind::check_account:  // GET /api/v3/account, then
//       s.account_checked(done_ns);
//     case order_path_step::kind::wait:           // sleep until st.wake_ns, or an event
//   }
//
// The rules, in the order next() applies them (one step per call):
//   1. An order submitted and not yet sent goes first, in submit order. A
//      429/418 pause does not hold it back: the order client answers it
//      itself as paused, without sending (net/order_client.h).
//   2. An account check asked for (ask_account) resets the periodic
//      schedule: the next check is due now (after the orders, and after a
//      query due now).
//   3. Each order whose answer was lost is queried once, at its send time +
//      recv_window (the exchange can no longer take it then), in that due
//      order (ties in the order lost() was called). A query due inside a
//      pause (now < paused_until_ns) waits for the pause's end, and those
//      behind it with it: the client sends nothing during a pause, so the
//      query would come back unsent and leave the order to the account
//      check.
//   4. The account is checked when its time has come: reconcile_interval
//      after the previous check ended (account_checked), or after start_ns
//      for the first, or at once when asked (rule 2).
//   5. Nothing due: wait until the earliest of the next account check and
//      the first query's due time (its pause's end if that is later). An
//      account check is always due eventually, so there is always a wake
//      time, and it is later than now.
//
// Thread safety: none; the sender calls it under its mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "core/order.h"

namespace triarb {

// One step of the order path.
struct order_path_step {
  enum class kind : std::uint8_t {
    send,           // place `order` (POST /api/v3/order)
    query,          // query `order` once (GET /api/v3/order)
    check_account,  // GET /api/v3/account, then account_checked(end time)
    wait,           // nothing due before wake_ns
  };
  kind what = kind::wait;
  order_request order;       // send, query
  std::int64_t wake_ns = 0;  // wait: call next() again then, or at the next event
};

class order_path_schedule {
 public:
  // reconcile_interval_ns > 0 and recv_window_ns >= 0 (config/config.h's
  // ranges are far inside); the first account check is due at start_ns +
  // reconcile_interval_ns.
  order_path_schedule(std::int64_t reconcile_interval_ns, std::int64_t recv_window_ns,
                      std::int64_t start_ns);

  void submit(order_request o);
  // The answer to `o`, sent at sent_ns, was lost: query it at sent_ns +
  // recv_window (or at the end of a pause that time falls in).
  void lost(order_request o, std::int64_t sent_ns);
  void ask_account();
  // The account check next() returned ended at done_ns: the next one is due
  // reconcile_interval later. (Without it, the next is due
  // reconcile_interval after the next() that returned the check.)
  void account_checked(std::int64_t done_ns);

  // The one step due at now_ns, paused_until_ns being the end of the order
  // client's 429/418 pause (0 or past: none); a send or a query leaves the
  // schedule with the order.
  [[nodiscard]] order_path_step next(std::int64_t now_ns, std::int64_t paused_until_ns);

  // For the sender's wait (an event that makes a step due now) and for tests.
  [[nodiscard]] bool order_pending() const noexcept { return !outbox_.empty(); }
  [[nodiscard]] bool account_asked() const noexcept { return account_asked_; }
  [[nodiscard]] std::size_t queries_pending() const noexcept { return queries_.size(); }
  [[nodiscard]] std::int64_t next_account_ns() const noexcept { return next_account_ns_; }

 private:
  struct pending_query {
    std::int64_t due_ns;
    order_request order;
  };
  std::int64_t reconcile_ns_;
  std::int64_t recv_window_ns_;
  std::int64_t next_account_ns_;
  bool account_asked_ = false;
  std::deque<order_request> outbox_;
  std::deque<pending_query> queries_;  // by due_ns, ties in lost() order
};

}  // namespace triarb
