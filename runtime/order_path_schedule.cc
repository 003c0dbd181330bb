// order_path_schedule: see order_path_schedule.h.
#include "runtime/order_path_schedule.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace triarb {
namespace {

// a + b for b >= 0, at most int64's maximum (a time that never comes).
std::int64_t later(std::int64_t a, std::int64_t b) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  return a > kMax - b ? kMax : a + b;
}

}  // namespace

order_path_schedule::order_path_schedule(std::int64_t reconcile_interval_ns,
                                         std::int64_t recv_window_ns, std::int64_t start_ns)
    : reconcile_ns_(std::max<std::int64_t>(reconcile_interval_ns, 1)),
      recv_window_ns_(std::max<std::int64_t>(recv_window_ns, 0)),
      next_account_ns_(later(start_ns, reconcile_ns_)) {}

void order_path_schedule::submit(order_request o) { outbox_.push_back(std::move(o)); }

void order_path_schedule::lost(order_request o, std::int64_t sent_ns) {
  const std::int64_t due = later(sent_ns, recv_window_ns_);
  // Send times only grow on the sender's clock, so this is an append; the
  // search keeps the due order for any caller.
  const auto at =
      std::upper_bound(queries_.begin(), queries_.end(), due,
                       [](std::int64_t d, const pending_query& q) { return d < q.due_ns; });
  queries_.insert(at, pending_query{due, std::move(o)});
}

void order_path_schedule::ask_account() { account_asked_ = true; }

void order_path_schedule::account_checked(std::int64_t done_ns) {
  next_account_ns_ = later(done_ns, reconcile_ns_);
}

order_path_step order_path_schedule::next(std::int64_t now_ns, std::int64_t paused_until_ns) {
  order_path_step st;
  if (!outbox_.empty()) {
    st.what = order_path_step::kind::send;
    st.order = std::move(outbox_.front());
    outbox_.pop_front();
    return st;
  }
  if (account_asked_) {
    account_asked_ = false;
    next_account_ns_ = now_ns;
  }
  if (!queries_.empty() && now_ns >= queries_.front().due_ns && now_ns >= paused_until_ns) {
    st.what = order_path_step::kind::query;
    st.order = std::move(queries_.front().order);
    queries_.pop_front();
    return st;
  }
  if (now_ns >= next_account_ns_) {
    st.what = order_path_step::kind::check_account;
    next_account_ns_ = later(now_ns, reconcile_ns_);
    return st;
  }
  st.what = order_path_step::kind::wait;
  st.wake_ns = next_account_ns_;
  if (!queries_.empty()) {
    st.wake_ns = std::min(st.wake_ns, std::max(queries_.front().due_ns, paused_until_ns));
  }
  return st;
}

}  // namespace triarb
