// RapidCheck property of runtime/order_path_schedule.h, the sim sender's
// order-path policy, driven as the sender drives it but on an explicit clock:
// generated sequences of submits (each order's answer lost or not, and how
// long its POST takes), account asks, 429/418 pauses (the client's pause end
// only grows, as net/order_client.h keeps it), time advances, and calls to
// next() whose step is "performed" (a send that lost its answer goes back as
// lost(order, send time); an account check takes a generated time and ends
// with account_checked). Checked against the generated inputs at every call:
//   - a send is the oldest submitted order not yet sent: every order is sent
//     exactly once, in submit order, and no query or account check is
//     returned while an order waits;
//   - a query is of a lost order not yet queried, the one due first (send
//     time + recv_window; ties in the order lost), never before its due time
//     and never while now < the pause's end;
//   - an account check comes only when due (reconcile_interval after the
//     previous one ended, or asked since the last), never while a query is
//     ready; when it is due and nothing is ahead of it (no order waiting, no
//     query ready), next() returns it: right after ask_account at the next
//     call with no order waiting and no query ready;
//   - a wait is returned only when nothing is due; its wake time is later
//     than now and no later than the next account check and the first
//     query's due time (its pause's end if later);
// and at the end, calling next() at each wake time: every lost order is
// queried exactly once, and the account is then checked every
// reconcile_interval exactly.
//
// RapidCheck prints its seed at start ("Using configuration: seed=...").
// Reproduce a failure: RC_PARAMS="reproduce=<string printed on failure>"
//   build/default/properties/order_path_schedule_properties
// More cases: RC_PARAMS="max_success=10000 max_size=100" (max_size at most 100)
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "runtime/order_path_schedule.h"

namespace triarb {
namespace {

enum class ev_kind : std::uint8_t { submit, ask, pause, advance, step, step_to_wake };

struct ev {
  ev_kind k = ev_kind::step;
  std::int64_t a = 0;  // submit: the POST's duration; pause: its length from now;
                       // advance: the time; step: an account check's duration
  bool lost = false;   // submit: its answer is lost
};

std::ostream& operator<<(std::ostream& os, const ev& e) {
  static constexpr const char* kNames[] = {"submit",  "ask",  "pause",
                                           "advance", "step", "step_to_wake"};
  os << kNames[static_cast<int>(e.k)] << "(" << e.a;
  if (e.k == ev_kind::submit) os << (e.lost ? ", lost" : ", answered");
  return os << ")";
}

rc::Gen<ev> gen_event() {
  using G = rc::Gen<ev>;
  const G submit = rc::gen::map(
      rc::gen::pair(rc::gen::inRange<std::int64_t>(0, 200), rc::gen::arbitrary<bool>()),
      [](std::pair<std::int64_t, bool> p) {
        return ev{ev_kind::submit, p.first, p.second};
      });
  const G ask = rc::gen::just(ev{ev_kind::ask, 0, false});
  const G pause = rc::gen::map(rc::gen::inRange<std::int64_t>(0, 3000), [](std::int64_t d) {
    return ev{ev_kind::pause, d, false};
  });
  const G advance = rc::gen::map(rc::gen::inRange<std::int64_t>(0, 1500), [](std::int64_t d) {
    return ev{ev_kind::advance, d, false};
  });
  const G step = rc::gen::map(rc::gen::inRange<std::int64_t>(0, 50), [](std::int64_t d) {
    return ev{ev_kind::step, d, false};
  });
  const G step_to_wake = rc::gen::map(rc::gen::inRange<std::int64_t>(0, 50), [](std::int64_t d) {
    return ev{ev_kind::step_to_wake, d, false};
  });
  return rc::gen::weightedOneOf<ev>(
      {{4, submit}, {1, ask}, {2, pause}, {3, advance}, {6, step}, {3, step_to_wake}});
}

// The generated inputs, as a caller sees them, and the checks on each step.
struct driver {
  std::int64_t reconcile;
  std::int64_t recv_window;
  order_path_schedule s;
  std::int64_t now;
  std::int64_t paused_until = 0;
  int submitted = 0;
  std::deque<int> waiting;    // submitted, not yet sent, in submit order
  std::vector<bool> lost_of;  // by order number: its answer is lost
  std::vector<std::int64_t> place_ns;
  struct lost_order {
    int id;
    std::int64_t due;
    int seq;  // the order lost() was called in
  };
  std::vector<lost_order> unqueried;
  int lost_calls = 0;
  std::set<int> sent, queried;
  bool asked = false;  // ask_account since the last account check returned
  std::int64_t last_account_end;
  std::int64_t last_query_due = -1;  // queries in due order (no pause can reorder them)
  int sends = 0, queries = 0, checks = 0, paused_holds = 0;

  driver(std::int64_t rec, std::int64_t rw, std::int64_t start)
      : reconcile(rec), recv_window(rw), s(rec, rw, start), now(start), last_account_end(start) {}

  static std::string name(int id) { return "o" + std::to_string(id); }
  static int id_of(const order_request& o) { return std::stoi(o.client_order_id.substr(1)); }

  void submit(std::int64_t place, bool lost) {
    order_request o;
    o.client_order_id = name(submitted);
    lost_of.push_back(lost);
    place_ns.push_back(place);
    waiting.push_back(submitted++);
    s.submit(o);
  }

  // The first lost order by due time, ties by lost() order.
  const lost_order* first_query() const {
    const lost_order* best = nullptr;
    for (const lost_order& q : unqueried) {
      if (best == nullptr || q.due < best->due || (q.due == best->due && q.seq < best->seq)) {
        best = &q;
      }
    }
    return best;
  }
  bool query_ready() const {
    const lost_order* f = first_query();
    return f != nullptr && f->due <= now && now >= paused_until;
  }
  bool account_due() const { return asked || now >= last_account_end + reconcile; }

  // next() once, its step checked and performed; a wait's wake time.
  std::optional<std::int64_t> step(std::int64_t check_ns) {
    if (const lost_order* f = first_query(); f != nullptr && f->due <= now && now < paused_until) {
      ++paused_holds;  // a query due inside a pause: held
    }
    const order_path_step st = s.next(now, paused_until);
    switch (st.what) {
      case order_path_step::kind::send: {
        RC_ASSERT(!waiting.empty());
        const int id = id_of(st.order);
        RC_ASSERT(id == waiting.front());
        RC_ASSERT(sent.insert(id).second);
        waiting.pop_front();
        ++sends;
        const std::int64_t sent_ns = now;
        now += place_ns[static_cast<std::size_t>(id)];
        if (lost_of[static_cast<std::size_t>(id)]) {
          s.lost(st.order, sent_ns);
          unqueried.push_back({id, sent_ns + recv_window, lost_calls++});
        }
        return std::nullopt;
      }
      case order_path_step::kind::query: {
        RC_ASSERT(waiting.empty());
        const lost_order* f = first_query();
        RC_ASSERT(f != nullptr);
        const int id = id_of(st.order);
        RC_ASSERT(id == f->id);
        RC_ASSERT(now >= f->due);
        RC_ASSERT(now >= paused_until);
        RC_ASSERT(f->due >= last_query_due);
        RC_ASSERT(queried.insert(id).second);
        last_query_due = f->due;
        unqueried.erase(unqueried.begin() + (f - unqueried.data()));
        ++queries;
        return std::nullopt;
      }
      case order_path_step::kind::check_account:
        RC_ASSERT(waiting.empty());
        RC_ASSERT(!query_ready());
        RC_ASSERT(account_due());
        asked = false;
        now += check_ns;
        s.account_checked(now);
        last_account_end = now;
        ++checks;
        return std::nullopt;
      case order_path_step::kind::wait: {
        RC_ASSERT(waiting.empty());
        RC_ASSERT(!query_ready());
        // Asked, or its time come, with nothing ahead: the check, not a wait.
        RC_ASSERT(!account_due());
        RC_ASSERT(st.wake_ns > now);
        RC_ASSERT(st.wake_ns <= last_account_end + reconcile);
        if (const lost_order* f = first_query()) {
          RC_ASSERT(st.wake_ns <= std::max(f->due, paused_until));
        }
        return st.wake_ns;
      }
    }
    RC_FAIL("next() returned no step kind");
    return std::nullopt;
  }
};

RC_GTEST_PROP(OrderPathScheduleProps, EveryOrderSentOnceQueriedOnceAccountOnTime, ()) {
  const std::int64_t reconcile = *rc::gen::inRange<std::int64_t>(50, 2000);
  const std::int64_t recv_window = *rc::gen::inRange<std::int64_t>(0, 1500);
  const std::int64_t start = *rc::gen::inRange<std::int64_t>(0, 1'000'000);
  const auto events = *rc::gen::container<std::vector<ev>>(gen_event());

  driver d(reconcile, recv_window, start);
  for (const ev& e : events) {
    switch (e.k) {
      case ev_kind::submit:
        d.submit(e.a, e.lost);
        break;
      case ev_kind::ask:
        d.s.ask_account();
        d.asked = true;
        break;
      case ev_kind::pause:
        d.paused_until = std::max(d.paused_until, d.now + e.a);
        break;
      case ev_kind::advance:
        d.now += e.a;
        break;
      case ev_kind::step:
        d.step(e.a);
        break;
      case ev_kind::step_to_wake:
        if (const auto wake = d.step(e.a)) d.now = *wake;
        break;
    }
  }

  // Drain: next() at each wake time until every order is sent and every
  // lost one queried (the pause ends, the account checks go on meanwhile).
  // Bounded: the last due time or pause end is at most a few thousand ns
  // away and a check comes every reconcile_interval >= 50.
  for (int i = 0; i < 100'000 && (!d.waiting.empty() || !d.unqueried.empty()); ++i) {
    if (const auto wake = d.step(0)) d.now = *wake;
  }
  RC_ASSERT(d.waiting.empty());
  RC_ASSERT(d.unqueried.empty());
  RC_ASSERT(d.sends == d.submitted);
  RC_ASSERT(static_cast<int>(d.queried.size()) == d.lost_calls);
  RC_ASSERT(d.s.queries_pending() == 0u);

  // Then, called at each wake time with nothing else to do, the account is
  // checked every reconcile_interval exactly (the first at once if it is
  // asked or overdue: the drain's sends take time).
  const auto next_check = [&] {
    const int checks = d.checks;
    for (int i = 0; i < 2 && d.checks == checks; ++i) {
      if (const auto wake = d.step(0)) d.now = *wake;
    }
    RC_ASSERT(d.checks == checks + 1);
  };
  next_check();
  for (int n = 0; n < 5; ++n) {
    const std::int64_t before = d.last_account_end;
    next_check();
    RC_ASSERT(d.last_account_end - before == reconcile);
  }

  RC_TAG(d.paused_holds > 0 ? "a query held by a pause" : "no query held");
  RC_TAG(d.lost_calls > 0 ? "lost answers" : "no lost answer");
  RC_TAG(d.submitted > 0 ? "orders" : "no order");
}

}  // namespace
}  // namespace triarb
