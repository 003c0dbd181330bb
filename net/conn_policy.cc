// conn_policy: see conn_policy.h.
#include "net/conn_policy.h"

#include <algorithm>

namespace triarb {
namespace {
constexpr std::int64_t kMsNs = 1'000'000;
}  // namespace

std::string_view to_string(conn_counter c) noexcept {
  switch (c) {
    case conn_counter::connect_attempts:
      return "connect_attempts";
    case conn_counter::connects_opened:
      return "connects_opened";
    case conn_counter::connect_failures:
      return "connect_failures";
    case conn_counter::tls_verify_failures:
      return "tls_verify_failures";
    case conn_counter::http_414:
      return "http_414";
    case conn_counter::http_400:
      return "http_400";
    case conn_counter::http_429:
      return "http_429";
    case conn_counter::http_other:
      return "http_other";
    case conn_counter::drops:
      return "drops";
    case conn_counter::stalls:
      return "stalls";
    case conn_counter::quiet:
      return "quiet";
    case conn_counter::quiet_reconnects:
      return "quiet_reconnects";
    case conn_counter::rotations:
      return "rotations";
    case conn_counter::server_shutdowns:
      return "server_shutdowns";
    case conn_counter::budget_waits:
      return "budget_waits";
    case conn_counter::fatal_stops:
      return "fatal_stops";
    case conn_counter::frames:
      return "frames";
    case conn_counter::kCount:
      break;
  }
  return "?";
}

std::string_view to_string(drop_reason r) noexcept {
  switch (r) {
    case drop_reason::error:
      return "error";
    case drop_reason::stalled:
      return "stalled";
    case drop_reason::rotated:
      return "rotated";
    case drop_reason::server_shutdown:
      return "server_shutdown";
    case drop_reason::quiet:
      return "quiet";
  }
  return "?";
}

conn_policy::conn_policy(const ws_options& o, std::size_t index, connect_budget& budget,
                         conn_counters& counters)
    : o_(o), index_(index), budget_(budget), counters_(counters), rng_(o.jitter_seed + index) {}

std::int64_t conn_policy::next_backoff_ns() {
  const int n = std::min(failures_, 30);
  const std::int64_t cap =
      std::min(o_.backoff_initial_ms << n, std::max(o_.backoff_max_ms, o_.backoff_initial_ms));
  ++failures_;
  // Jitter in [cap/2, cap]. mt19937_64's output is specified exactly (a
  // standard distribution's is not), so a seed gives the same waits with any
  // standard library: the campaign's reproduce lines stay true.
  const auto span = static_cast<std::uint64_t>(cap - cap / 2 + 1);
  const std::int64_t jittered = cap / 2 + static_cast<std::int64_t>(rng_() % span);
  const std::int64_t wait = std::max(jittered * kMsNs, min_wait_ns_);
  min_wait_ns_ = 0;
  return wait;
}

conn_action conn_policy::on_timer(std::int64_t now_ns) {
  if (state_ != state::waiting) return {};
  if (!budget_.try_take(now_ns)) {
    counters_.add(conn_counter::budget_waits);
    return conn_action::of(conn_action::kind::wait, budget_.next_free_ns(now_ns) + kMsNs);
  }
  counters_.add(conn_counter::connect_attempts);
  state_ = state::connecting;
  return conn_action::of(conn_action::kind::connect, now_ns);
}

conn_action conn_policy::on_connect_failed(std::int64_t now_ns, connect_failure f, int status,
                                           std::string_view detail) {
  if (state_ != state::connecting) return {};
  counters_.add(conn_counter::connect_failures);
  const std::string d(detail);
  if (f == connect_failure::tls_verify) {
    counters_.add(conn_counter::tls_verify_failures);
    return fatal(d + ": the server certificate does not verify against the trust anchors. " +
                 "Not retried.");
  }
  if (f == connect_failure::upgrade_declined) {
    switch (status) {
      case 414:
        counters_.add(conn_counter::http_414);
        return fatal("HTTP 414 URI Too Long on upgrade: the gateway refused " + d +
                     "; lower symbols_per_connection. Not retried.");
      case 400:
        counters_.add(conn_counter::http_400);
        return fatal("HTTP 400 on upgrade (" + d +
                     "): too many or unknown streams; a configuration error. Not retried.");
      case 429:
        counters_.add(conn_counter::http_429);
        min_wait_ns_ = o_.backoff_429_ms * kMsNs;
        break;
      default:
        counters_.add(conn_counter::http_other);
        break;
    }
  }
  state_ = state::waiting;
  return conn_action::of(conn_action::kind::wait, now_ns + next_backoff_ns());
}

void conn_policy::on_open(std::int64_t now_ns) {
  if (state_ != state::connecting) return;
  counters_.add(conn_counter::connects_opened);
  state_ = state::open;
  opened_at_ns_ = last_life_ns_ = last_data_ns_ = now_ns;
  quiet_reported_ = false;
}

void conn_policy::on_data(std::int64_t now_ns) {
  if (state_ != state::open) return;
  counters_.add(conn_counter::frames);
  last_life_ns_ = last_data_ns_ = now_ns;
  quiet_reported_ = false;
}

void conn_policy::on_control(std::int64_t now_ns) {
  if (state_ == state::open) last_life_ns_ = now_ns;
}

conn_action conn_policy::on_tick(std::int64_t now_ns) {
  if (state_ != state::open) return {};
  if (now_ns - last_life_ns_ > o_.pong_deadline_ms * kMsNs) {
    counters_.add(conn_counter::stalls);
    return lose(now_ns, drop_reason::stalled);
  }
  if (o_.quiet_ms > 0) {
    const std::int64_t silent = now_ns - last_data_ns_;
    const std::int64_t give_up_ns = kQuietReconnectFactor * o_.quiet_ms * kMsNs;
    if (silent > give_up_ns) {
      if (now_ns - last_life_ns_ > give_up_ns) {
        // Not even a ping or a pong: the socket is dead, not just the stream.
        counters_.add(conn_counter::stalls);
        return lose(now_ns, drop_reason::stalled);
      }
      counters_.add(conn_counter::quiet_reconnects);
      return lose(now_ns, drop_reason::quiet);
    }
    if (!quiet_reported_ && silent > o_.quiet_ms * kMsNs) {
      quiet_reported_ = true;
      counters_.add(conn_counter::quiet);
      return conn_action::of(conn_action::kind::quiet, now_ns);
    }
  }
  if (now_ns - opened_at_ns_ >= o_.rotate_after_ms * kMsNs) {
    counters_.add(conn_counter::rotations);
    return lose(now_ns, drop_reason::rotated);
  }
  return {};
}

conn_action conn_policy::on_read_error(std::int64_t now_ns) {
  if (state_ != state::open) return {};
  counters_.add(conn_counter::drops);
  return lose(now_ns, drop_reason::error);
}

conn_action conn_policy::on_server_shutdown(std::int64_t now_ns) {
  if (state_ != state::open) return {};
  counters_.add(conn_counter::server_shutdowns);
  return lose(now_ns, drop_reason::server_shutdown);
}

conn_action conn_policy::lose(std::int64_t now_ns, drop_reason why) {
  state_ = state::waiting;
  // A connection that carried data long enough proved the path works: the
  // backoff starts over (see conn_policy.h).
  if (last_data_ns_ - opened_at_ns_ >= o_.backoff_reset_after_ms * kMsNs) failures_ = 0;
  const bool planned = why == drop_reason::rotated || why == drop_reason::server_shutdown;
  return conn_action::of(conn_action::kind::lose, planned ? now_ns : now_ns + next_backoff_ns(),
                         why);
}

conn_action conn_policy::fatal(std::string what) {
  state_ = state::failed;
  counters_.add(conn_counter::fatal_stops);
  conn_action a = conn_action::of(conn_action::kind::fatal, 0);
  a.what = std::move(what);
  return a;
}

void conn_policy::stop() noexcept {
  if (state_ != state::failed) state_ = state::stopped;
}

std::int64_t conn_policy::tick_period_ms() const noexcept {
  std::int64_t period = o_.pong_deadline_ms / 4;
  if (o_.quiet_ms > 0) period = std::min(period, o_.quiet_ms / 4);
  return std::clamp<std::int64_t>(period, 5, 1000);
}

}  // namespace triarb
