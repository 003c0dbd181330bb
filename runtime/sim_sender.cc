// sim_sender: see sim_sender.h.
#include "runtime/sim_sender.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "net/api_keys.h"
#include "net/order_client.h"
#include "runtime/order_path_schedule.h"

namespace triarb {
namespace {

api_keys keys_of(const execution_settings& e) {
  api_key_source src;
  src.key_env = e.api_key_env;
  src.secret_env = e.api_secret_env;
  src.file = e.key_file;
  return load_api_keys(src);
}

sim_account to_sim_account(const account_reply& a) {
  sim_account out;
  out.ok = a.ok;
  out.http_status = a.http_status;
  out.detail = a.detail;
  for (const account_balance& b : a.balances.balances) {
    const fixed8_result total = checked_add(b.free, b.locked);
    if (!total.ok()) {
      out.ok = false;
      out.detail = "free + locked overflows";
      return out;
    }
    out.balances.emplace_back(b.asset, total.value);
  }
  return out;
}

sim_answer to_answer(const std::string& id, const order_reply& r) {
  sim_answer a;
  a.client_order_id = id;
  a.http_status = r.http_status;
  switch (r.outcome) {
    case order_outcome::accepted:
      if (r.response.client_order_id != id) {
        a.kind = sim_answer_kind::id_mismatch;
        return a;
      }
      a.kind = sim_answer_kind::filled;
      a.result = r.response.result;
      return a;
    case order_outcome::unknown:
      a.kind = sim_answer_kind::unknown;
      return a;
    case order_outcome::rejected:
    case order_outcome::paused:
    case order_outcome::not_sent:
      a.kind = r.outcome == order_outcome::rejected ? sim_answer_kind::rejected
               : r.outcome == order_outcome::paused ? sim_answer_kind::paused
                                                    : sim_answer_kind::not_sent;
      a.result.status = order_status::rejected;
      a.result.error_code = r.error.code != 0 ? r.error.code : kNotSentCode;
      a.result.error_msg = !r.error.msg.empty()      ? r.error.msg
                           : !r.pause.reason.empty() ? "not sent: " + r.pause.reason
                                                     : "not sent: " + r.detail;
      if (a.result.error_msg.size() > 200) a.result.error_msg.resize(200);
      return a;
  }
  return a;
}

// The sender thread's clock: steady_clock in ns (the order client's own, as
// its paused_until_ns() is).
std::int64_t steady_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::chrono::steady_clock::time_point steady_at(std::int64_t ns) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::nanoseconds(ns)));
}

}  // namespace

struct sim_sender::impl {
  std::atomic<bool> stop_flag{false};
  order_client client;
  std::function<void()> wake;
  std::mutex mu;
  std::condition_variable cv;
  // What the sender does next and when: the outbox, the lost answers'
  // queries, the account checks (runtime/order_path_schedule.h).
  order_path_schedule schedule;
  std::vector<sim_answer> inbox;
  bool stopping = false;
  std::thread sender;

  impl(tls_context& tls, const bot_config& cfg, const universe& u, std::function<void()> w)
      : client(tls, cfg.rest_url, keys_of(cfg.execution), u, options(cfg.execution)),
        wake(std::move(w)),
        schedule(std::int64_t{cfg.execution.reconcile_interval_ms} * 1'000'000,
                 std::int64_t{cfg.execution.recv_window_ms} * 1'000'000, steady_now_ns()) {}

  order_client_options options(const execution_settings& e) {
    order_client_options o;
    o.recv_window_ms = e.recv_window_ms;
    o.rest.connect_timeout = std::chrono::milliseconds(e.order_timeout_ms);
    o.rest.request_timeout = std::chrono::milliseconds(e.order_timeout_ms);
    o.rest.stop = [this] { return stop_flag.load(std::memory_order_relaxed); };
    return o;
  }

  void push(sim_answer a) {
    {
      std::lock_guard<std::mutex> lk(mu);
      inbox.push_back(std::move(a));
    }
    if (wake) wake();
  }

  // POST /api/v3/order, once; a lost answer (unknown, id_mismatch) goes back
  // to the schedule, which has it queried.
  void send(const order_request& o) {
    const std::int64_t sent_at = steady_now_ns();
    order_reply r;
    try {
      r = client.place(o);
    } catch (const std::exception& e) {  // order_api_error: cannot be expressed, not sent
      r.outcome = order_outcome::not_sent;
      r.detail = e.what();
    }
    sim_answer a = to_answer(o.client_order_id, r);
    if (a.kind == sim_answer_kind::paused && r.pause.pause) {
      // The client's clock is steady_clock (no mono_ns given): the time left.
      a.pause_ns = std::max<std::int64_t>(r.pause.until_ns - steady_now_ns(), 0);
    }
    {
      std::lock_guard<std::mutex> lk(mu);
      if (a.kind == sim_answer_kind::unknown || a.kind == sim_answer_kind::id_mismatch) {
        schedule.lost(o, sent_at);
      }
      inbox.push_back(std::move(a));
    }
    if (wake) wake();
  }

  // GET /api/v3/order, once: found -> its result; not found or no answer ->
  // the account check resolves it (core/execution_engine.h).
  sim_answer query(const order_request& q) {
    sim_answer a;
    a.client_order_id = q.client_order_id;
    query_reply r;
    try {
      r = client.query_order(q);
    } catch (const std::exception&) {  // order_api_error: nothing sent
      r.outcome = query_outcome::unknown;
    }
    a.http_status = r.http_status;
    if (r.outcome == query_outcome::found && r.response.client_order_id == q.client_order_id) {
      a.kind = sim_answer_kind::query_found;
      a.result = r.response.result;
    } else {
      a.kind = r.outcome == query_outcome::not_found ? sim_answer_kind::query_not_found
                                                     : sim_answer_kind::query_failed;
    }
    return a;
  }

  // GET /api/v3/account; the next periodic check is due reconcile_interval_ms
  // after this one ends.
  void check_account() {
    sim_answer a;
    a.is_account = true;
    a.account = to_sim_account(client.account());
    {
      std::lock_guard<std::mutex> lk(mu);
      schedule.account_checked(steady_now_ns());
      inbox.push_back(std::move(a));
    }
    if (wake) wake();
  }

  // The shell: under the mutex ask the schedule for the step due now (or
  // sleep until its wake time, woken early by submit, request_account and
  // stop), then do the step's request outside the mutex.
  void loop() {
    {
      // The period starts with the thread: the first periodic check is
      // reconcile_interval_ms after start() (account_now read the start).
      std::lock_guard<std::mutex> lk(mu);
      schedule.account_checked(steady_now_ns());
    }
    for (;;) {
      order_path_step st;
      {
        std::unique_lock<std::mutex> lk(mu);
        for (;;) {
          if (stopping) return;
          st = schedule.next(steady_now_ns(), client.paused_until_ns());
          if (st.what != order_path_step::kind::wait) break;
          cv.wait_until(lk, steady_at(st.wake_ns), [&] {
            return stopping || schedule.order_pending() || schedule.account_asked();
          });
        }
      }
      switch (st.what) {
        case order_path_step::kind::send:
          send(st.order);
          break;
        case order_path_step::kind::query:
          push(query(st.order));
          break;
        case order_path_step::kind::check_account:
          check_account();
          break;
        case order_path_step::kind::wait:
          break;
      }
    }
  }
};

sim_sender::sim_sender(tls_context& tls, const bot_config& cfg, const universe& u,
                       std::function<void()> wake)
    : p_(std::make_unique<impl>(tls, cfg, u, std::move(wake))) {}

sim_sender::~sim_sender() { stop(); }

sim_account sim_sender::account_now() { return to_sim_account(p_->client.account()); }

void sim_sender::start() {
  p_->sender = std::thread([this] { p_->loop(); });
}

void sim_sender::submit(const order_request& o) {
  std::lock_guard<std::mutex> lk(p_->mu);
  p_->schedule.submit(o);
  p_->cv.notify_one();
}

void sim_sender::request_account() {
  std::lock_guard<std::mutex> lk(p_->mu);
  p_->schedule.ask_account();
  p_->cv.notify_one();
}

std::vector<sim_answer> sim_sender::take() {
  std::lock_guard<std::mutex> lk(p_->mu);
  std::vector<sim_answer> out;
  out.swap(p_->inbox);
  return out;
}

void sim_sender::stop() {
  {
    std::lock_guard<std::mutex> lk(p_->mu);
    p_->stopping = true;
    p_->cv.notify_all();
  }
  p_->stop_flag.store(true, std::memory_order_relaxed);
  if (p_->sender.joinable()) p_->sender.join();
}

}  // namespace triarb
