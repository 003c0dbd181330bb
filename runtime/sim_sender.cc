// sim_sender: see sim_sender.h.
#include "runtime/sim_sender.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "net/api_keys.h"
#include "net/order_client.h"

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

}  // namespace

struct sim_sender::impl {
  std::atomic<bool> stop_flag{false};
  order_client client;
  std::chrono::nanoseconds reconcile;
  std::function<void()> wake;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<order_request> outbox;
  // Sender thread only: orders whose answer was lost, each queried once at
  // its send time + recv_window_ms (the exchange can no longer take it then),
  // or at the end of a 429/418 pause that time falls in.
  std::chrono::milliseconds recv_window;
  std::deque<std::pair<std::chrono::steady_clock::time_point, order_request>> queries;
  std::vector<sim_answer> inbox;
  bool stopping = false;
  bool account_asked = false;
  std::thread sender;

  impl(tls_context& tls, const bot_config& cfg, const universe& u, std::function<void()> w)
      : client(tls, cfg.rest_url, keys_of(cfg.execution), u, options(cfg.execution)),
        reconcile(cfg.execution.reconcile_interval_ms * 1'000'000),
        wake(std::move(w)),
        recv_window(cfg.execution.recv_window_ms) {}

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

  void loop() {
    auto next_account = std::chrono::steady_clock::now() + reconcile;
    for (;;) {
      std::optional<order_request> o;
      {
        std::unique_lock<std::mutex> lk(mu);
        const auto until =
            queries.empty() ? next_account : std::min(next_account, queries.front().first);
        cv.wait_until(lk, until, [&] { return stopping || !outbox.empty() || account_asked; });
        if (stopping) return;
        if (!outbox.empty()) {
          o = std::move(outbox.front());
          outbox.pop_front();
        } else if (account_asked) {
          account_asked = false;
          next_account = std::chrono::steady_clock::now();
        }
      }
      if (o) {
        const auto sent_at = std::chrono::steady_clock::now();
        order_reply r;
        try {
          r = client.place(*o);
        } catch (const std::exception& e) {  // order_api_error: cannot be expressed, not sent
          r.outcome = order_outcome::not_sent;
          r.detail = e.what();
        }
        sim_answer a = to_answer(o->client_order_id, r);
        if (a.kind == sim_answer_kind::paused && r.pause.pause) {
          // The client's clock is steady_clock (no mono_ns given): the time left.
          const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                       std::chrono::steady_clock::now().time_since_epoch())
                                       .count();
          a.pause_ns = std::max<std::int64_t>(r.pause.until_ns - now, 0);
        }
        if (a.kind == sim_answer_kind::unknown || a.kind == sim_answer_kind::id_mismatch) {
          queries.emplace_back(sent_at + recv_window, *o);  // send times only grow
        }
        push(std::move(a));
      } else if (!queries.empty() && std::chrono::steady_clock::now() >= queries.front().first) {
        // Inside a 429/418 pause the client sends nothing (a query would come
        // back unsent, leaving the order to the account check): the query
        // waits for the pause's end, and those behind it with it.
        const std::chrono::steady_clock::time_point pause_end{
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                std::chrono::nanoseconds(client.paused_until_ns()))};
        if (pause_end > std::chrono::steady_clock::now()) {
          queries.front().first = pause_end;
          continue;
        }
        const order_request q = std::move(queries.front().second);
        queries.pop_front();
        push(query(q));
      } else if (std::chrono::steady_clock::now() >= next_account) {
        sim_answer a;
        a.is_account = true;
        a.account = to_sim_account(client.account());
        next_account = std::chrono::steady_clock::now() + reconcile;
        push(std::move(a));
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
  p_->outbox.push_back(o);
  p_->cv.notify_one();
}

void sim_sender::request_account() {
  std::lock_guard<std::mutex> lk(p_->mu);
  p_->account_asked = true;
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
