// sim_sender: execution's sim transport (runtime/executor.h): a sender
// thread with net/order_client.h posting each order to the simulated
// exchange's order API (loopback https only) and checking the account every
// reconcile_interval_ms; the answers wait in an inbox the owner drains. What
// it does next and when (orders, lost answers' queries, account checks) is
// runtime/order_path_schedule.h, pure; the thread only does the I/O.
//
// Its own translation unit: the order client's types stay out of the
// executor (balances cross as (asset, free + locked) pairs).
//
// Thread safety: submit, request_account, take and stop from the owner
// thread (account_now before start); the wake hook runs on the sender thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "core/order.h"
#include "core/universe.h"
#include "net/tls_client.h"

namespace triarb {

// An order the transport could not place and no exchange code says why.
inline constexpr int kNotSentCode = -1;

struct sim_account {
  bool ok = false;
  int http_status = 0;
  std::vector<std::pair<asset_id, fixed8>> balances;  // free + locked, per asset
  std::string detail;                                 // why not ok (never a key)
};

enum class sim_answer_kind : std::uint8_t {
  filled,       // a FULL answer (FILLED, EXPIRED, ...): result holds it
  rejected,     // the exchange's error shape: result is rejected with its code and msg
  paused,       // 429/418 or inside an earlier pause: not placed (result rejected)
  not_sent,     // failed before sending (result rejected, kNotSentCode unless a code came)
  unknown,      // timed out or answer lost after sending: reconcile from the account
  id_mismatch,  // a 200 for another client order id: as unknown
  // An unknown (or id_mismatch) order queried once (GET /api/v3/order) when
  // its send time + recv_window_ms had passed (or, if a 429/418 pause held
  // then, when the pause ended: runtime/order_path_schedule.h):
  query_found,      // the exchange's answer: result holds it (-> on_reconciled)
  query_not_found,  // -2013, it never took it: left to the account check
  query_failed,     // no readable final answer: left to the account check
};

struct sim_answer {
  bool is_account = false;
  sim_account account;  // is_account
  std::string client_order_id;
  sim_answer_kind kind = sim_answer_kind::unknown;
  order_result result;
  int http_status = 0;
  // paused: how long from this answer the client sends nothing (its
  // Retry-After, net/order_api.h's stop-sending-until), ns; 0 otherwise.
  std::int64_t pause_ns = 0;
};

class sim_sender {
 public:
  // Throws api_key_error (the keys), order_client_error (not loopback https).
  sim_sender(tls_context& tls, const bot_config& cfg, const universe& u,
             std::function<void()> wake);
  ~sim_sender();
  sim_sender(const sim_sender&) = delete;
  sim_sender& operator=(const sim_sender&) = delete;

  // GET /api/v3/account now, on the calling thread (start-up, before start()).
  [[nodiscard]] sim_account account_now();
  void start();
  void submit(const order_request& o);
  // Asks the sender for an account check now (after the orders queued).
  void request_account();
  [[nodiscard]] std::vector<sim_answer> take();
  void stop();  // idempotent; a request in progress ends at once

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace triarb
