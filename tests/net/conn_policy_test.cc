// conn_policy (net/conn_policy.h): the connection lifecycle's decisions on an
// explicit clock, with no socket. Each rule has a test that a plausible
// mistake in it fails: backoff that does not grow or never starts over,
// jitter outside [cap/2, cap], a budget that is not asked, pings counted as
// data, a quiet stream never reconnected, rotation that never comes, fatal
// statuses retried.
#include "net/conn_policy.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

namespace triarb {
namespace {

constexpr std::int64_t kMs = 1'000'000;

ws_options opts() {
  ws_options o;
  o.pong_deadline_ms = 3'000;
  o.quiet_ms = 100;
  o.rotate_after_ms = 60'000;
  o.backoff_initial_ms = 100;
  o.backoff_max_ms = 1'600;
  o.backoff_429_ms = 5'000;
  o.backoff_reset_after_ms = 1'000;
  o.jitter_seed = 42;
  return o;
}

struct fixture {
  explicit fixture(const ws_options& o = opts(), int budget_per_5min = 300)
      : budget(budget_per_5min), p(o, 0, budget, counters) {}
  std::uint64_t n(conn_counter c) const { return counters.get(c); }
  // Connects at `now` and opens. REQUIRES: a token is free.
  void open_at(std::int64_t now) {
    ASSERT_EQ(p.on_timer(now).k, conn_action::kind::connect);
    p.on_open(now);
    ASSERT_TRUE(p.open());
  }
  // Open, no data: ticks every 10 ms (with a ping before each if `pings`)
  // until the policy gives the connection up, or 1 s. Sets the time in t_ms.
  conn_action tick_until_lost(bool pings, std::int64_t& t_ms) {
    conn_action a;
    for (t_ms = 10; t_ms <= 1'000; t_ms += 10) {
      if (pings) p.on_control(t_ms * kMs);
      a = p.on_tick(t_ms * kMs);
      if (a.k == conn_action::kind::lose) break;
    }
    return a;
  }
  connect_budget budget;
  conn_counters counters;
  conn_policy p;
};

TEST(ConnPolicy, FirstTimerConnectsAndTakesABudgetToken) {
  fixture f;
  const conn_action a = f.p.on_timer(0);
  EXPECT_EQ(a.k, conn_action::kind::connect);
  EXPECT_EQ(f.n(conn_counter::connect_attempts), 1U);
  EXPECT_EQ(f.budget.used(0), 1U);
  EXPECT_EQ(f.p.current(), conn_policy::state::connecting);
  EXPECT_EQ(f.p.on_timer(0).k, conn_action::kind::none) << "an attempt is already in flight";
}

TEST(ConnPolicy, BackoffDoublesToItsCapWithJitterInTheUpperHalf) {
  fixture f;
  std::int64_t now = 0;
  std::int64_t cap = 100;
  for (int i = 0; i < 8; ++i) {
    ASSERT_EQ(f.p.on_timer(now).k, conn_action::kind::connect);
    const conn_action a = f.p.on_connect_failed(now, connect_failure::transport, 0, "tcp");
    ASSERT_EQ(a.k, conn_action::kind::wait);
    const std::int64_t wait = a.at_ns - now;
    EXPECT_GE(wait, cap / 2 * kMs) << "failure " << i;
    EXPECT_LE(wait, cap * kMs) << "failure " << i;
    now = a.at_ns;
    cap = std::min<std::int64_t>(cap * 2, 1'600);
  }
  EXPECT_EQ(f.n(conn_counter::connect_failures), 8U);
  EXPECT_EQ(f.p.failures(), 8);
}

TEST(ConnPolicy, JitterVariesBetweenDrawsAndConnections) {
  // Many connections reconnecting after one outage must not retry together.
  std::set<std::int64_t> waits;
  connect_budget budget(300);
  conn_counters counters;
  for (std::size_t c = 0; c < 8; ++c) {
    conn_policy p(opts(), c, budget, counters);
    ASSERT_EQ(p.on_timer(0).k, conn_action::kind::connect);
    p.on_open(0);
    waits.insert(p.on_read_error(10 * kMs).at_ns);
  }
  EXPECT_GE(waits.size(), 6U) << "eight connections, (nearly) eight different reconnect times";
}

TEST(ConnPolicy, BackoffStartsOverOnlyAfterAConnectionCarriedData) {
  fixture f;
  std::int64_t now = 0;
  // Accepted, then dropped at once, again and again: the backoff grows.
  for (int i = 0; i < 4; ++i) {
    f.open_at(now);
    const conn_action a = f.p.on_read_error(now + 10 * kMs);
    ASSERT_EQ(a.k, conn_action::kind::lose);
    now = a.at_ns;
  }
  EXPECT_EQ(f.p.failures(), 4);
  // Open and silent for long (no data): still growing.
  f.open_at(now);
  conn_action a = f.p.on_read_error(now + 5'000 * kMs);
  EXPECT_EQ(f.p.failures(), 5);
  now = a.at_ns;
  // Data for backoff_reset_after_ms: the path works, the next loss starts over.
  f.open_at(now);
  f.p.on_data(now + 1'200 * kMs);
  a = f.p.on_read_error(now + 1'300 * kMs);
  EXPECT_EQ(f.p.failures(), 1);
  EXPECT_LE(a.at_ns - (now + 1'300 * kMs), 100 * kMs) << "the first step again";
}

TEST(ConnPolicy, NoTokenLeftMeansWaitUntilOneFreesUp) {
  fixture f(opts(), 2);
  std::int64_t now = 0;
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(f.p.on_timer(now).k, conn_action::kind::connect);
    now = f.p.on_connect_failed(now, connect_failure::transport, 0, "tcp").at_ns;
  }
  const conn_action a = f.p.on_timer(now);
  ASSERT_EQ(a.k, conn_action::kind::wait);
  EXPECT_EQ(f.n(conn_counter::budget_waits), 1U);
  EXPECT_EQ(f.n(conn_counter::connect_attempts), 2U) << "no attempt without a token";
  EXPECT_GE(a.at_ns, connect_budget::kWindowNs) << "the first token frees five minutes on";
  EXPECT_EQ(f.p.on_timer(a.at_ns).k, conn_action::kind::connect);
}

TEST(ConnPolicy, Http429WaitsAtLeastItsOwnBackoff) {
  fixture f;
  ASSERT_EQ(f.p.on_timer(0).k, conn_action::kind::connect);
  const conn_action a = f.p.on_connect_failed(0, connect_failure::upgrade_declined, 429, "");
  ASSERT_EQ(a.k, conn_action::kind::wait);
  EXPECT_GE(a.at_ns, 5'000 * kMs);
  EXPECT_EQ(f.n(conn_counter::http_429), 1U);
  // Only the next wait: the one after is the plain backoff again.
  ASSERT_EQ(f.p.on_timer(a.at_ns).k, conn_action::kind::connect);
  const conn_action b = f.p.on_connect_failed(a.at_ns, connect_failure::transport, 0, "tcp");
  EXPECT_LE(b.at_ns - a.at_ns, 400 * kMs);
}

TEST(ConnPolicy, ConfigurationAndTrustFailuresAreFatalNotRetried) {
  struct tc {
    connect_failure f;
    int status;
    conn_counter counter;
    const char* says;
  };
  for (const tc& c :
       {tc{connect_failure::upgrade_declined, 414, conn_counter::http_414, "414"},
        tc{connect_failure::upgrade_declined, 400, conn_counter::http_400, "400"},
        tc{connect_failure::tls_verify, 0, conn_counter::tls_verify_failures, "does not verify"}}) {
    fixture f;
    ASSERT_EQ(f.p.on_timer(0).k, conn_action::kind::connect);
    const conn_action a = f.p.on_connect_failed(0, c.f, c.status, "detail");
    EXPECT_EQ(a.k, conn_action::kind::fatal) << c.says;
    EXPECT_NE(a.what.find(c.says), std::string::npos) << a.what;
    EXPECT_NE(a.what.find("detail"), std::string::npos) << a.what;
    EXPECT_EQ(f.n(c.counter), 1U);
    EXPECT_EQ(f.n(conn_counter::fatal_stops), 1U);
    EXPECT_EQ(f.p.current(), conn_policy::state::failed);
    EXPECT_EQ(f.p.on_timer(1'000'000 * kMs).k, conn_action::kind::none) << "never again";
  }
  fixture other;
  ASSERT_EQ(other.p.on_timer(0).k, conn_action::kind::connect);
  EXPECT_EQ(other.p.on_connect_failed(0, connect_failure::upgrade_declined, 503, "").k,
            conn_action::kind::wait);
  EXPECT_EQ(other.n(conn_counter::http_other), 1U);
}

TEST(ConnPolicy, PingsKeepTheConnectionAliveButAreNotData) {
  // The failure the quiet detector exists for: data stops, pings go on.
  fixture f;
  f.open_at(0);
  std::vector<conn_action::kind> seen;
  for (std::int64_t t = 10; t <= 350; t += 10) {
    f.p.on_control(t * kMs);  // a ping every 10 ms
    const conn_action a = f.p.on_tick(t * kMs);
    if (a.k != conn_action::kind::none) seen.push_back(a.k);
  }
  ASSERT_EQ(seen.size(), 1U) << "quiet once, still open";
  EXPECT_EQ(seen[0], conn_action::kind::quiet);
  EXPECT_TRUE(f.p.open());
  EXPECT_EQ(f.n(conn_counter::quiet), 1U);
  EXPECT_EQ(f.n(conn_counter::stalls), 0U) << "pings answered: not stalled";
  // Data again: quiet can be reported again later.
  f.p.on_data(360 * kMs);
  EXPECT_EQ(f.p.on_tick(400 * kMs).k, conn_action::kind::none);
  EXPECT_EQ(f.p.on_tick(470 * kMs).k, conn_action::kind::quiet);
}

TEST(ConnPolicy, AStreamStillSilentAfterItWentQuietIsReconnected) {
  fixture f;
  f.open_at(0);
  std::int64_t t = 0;
  const conn_action a = f.tick_until_lost(/*pings=*/true, t);
  ASSERT_EQ(a.k, conn_action::kind::lose) << "a data-silent stream must not stay open forever";
  EXPECT_EQ(a.why, drop_reason::quiet);
  EXPECT_GT(t, kQuietReconnectFactor * 100);
  EXPECT_LE(t, kQuietReconnectFactor * 100 + 10);
  EXPECT_GT(a.at_ns, t * kMs) << "after a backoff";
  EXPECT_EQ(f.n(conn_counter::quiet_reconnects), 1U);
  EXPECT_FALSE(f.p.open());
}

TEST(ConnPolicy, NoFrameAtAllPastFourQuietIsAStallNotAQuietReconnect) {
  // Not even a ping: the socket is dead, whatever the pong deadline says.
  fixture f;
  f.open_at(0);
  std::int64_t t = 0;
  const conn_action a = f.tick_until_lost(/*pings=*/false, t);
  ASSERT_EQ(a.k, conn_action::kind::lose);
  EXPECT_EQ(a.why, drop_reason::stalled);
  EXPECT_LE(t, kQuietReconnectFactor * 100 + 10);
  EXPECT_EQ(f.n(conn_counter::stalls), 1U);
  EXPECT_EQ(f.n(conn_counter::quiet_reconnects), 0U);
}

TEST(ConnPolicy, JitterDrawsArePinnedForASeed) {
  // The campaign's reproduce lines depend on these: mt19937_64 and plain
  // arithmetic, no standard distribution (whose output is not specified).
  fixture a, b;
  std::vector<std::int64_t> first, second;
  std::int64_t now = 0;
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(a.p.on_timer(now).k, conn_action::kind::connect);
    ASSERT_EQ(b.p.on_timer(now).k, conn_action::kind::connect);
    const std::int64_t wa = a.p.on_connect_failed(now, connect_failure::transport, 0, "").at_ns;
    const std::int64_t wb = b.p.on_connect_failed(now, connect_failure::transport, 0, "").at_ns;
    first.push_back(wa - now);
    second.push_back(wb - now);
    now = wa;
  }
  EXPECT_EQ(first, second);
  std::mt19937_64 rng(42);  // jitter_seed 42 + index 0
  std::int64_t cap = 100;
  for (std::size_t i = 0; i < first.size(); ++i) {
    const auto span = static_cast<std::uint64_t>(cap - cap / 2 + 1);
    EXPECT_EQ(first[i], (cap / 2 + static_cast<std::int64_t>(rng() % span)) * kMs) << i;
    cap = std::min<std::int64_t>(cap * 2, 1'600);
  }
}

TEST(ConnPolicy, SilencePastThePongDeadlineIsAStall) {
  ws_options o = opts();
  o.quiet_ms = 0;  // off: only the pong deadline
  fixture f(o);
  f.open_at(0);
  f.p.on_data(1'000 * kMs);
  EXPECT_EQ(f.p.on_tick(4'000 * kMs).k, conn_action::kind::none) << "exactly the deadline";
  const conn_action a = f.p.on_tick(4'001 * kMs);
  ASSERT_EQ(a.k, conn_action::kind::lose);
  EXPECT_EQ(a.why, drop_reason::stalled);
  EXPECT_GT(a.at_ns, 4'001 * kMs);
  EXPECT_EQ(f.n(conn_counter::stalls), 1U);
}

TEST(ConnPolicy, RotationComesOnTimeAndReconnectsAtOnce) {
  fixture f;
  f.open_at(0);
  for (std::int64_t t = 20; t < 60'000; t += 20) {
    f.p.on_data(t * kMs);
    ASSERT_EQ(f.p.on_tick(t * kMs).k, conn_action::kind::none) << t;
  }
  f.p.on_data(60'000 * kMs);
  const conn_action a = f.p.on_tick(60'000 * kMs);
  ASSERT_EQ(a.k, conn_action::kind::lose);
  EXPECT_EQ(a.why, drop_reason::rotated);
  EXPECT_EQ(a.at_ns, 60'000 * kMs) << "planned: no backoff";
  EXPECT_EQ(f.n(conn_counter::rotations), 1U);
}

TEST(ConnPolicy, ServerShutdownReconnectsAtOnce) {
  fixture f;
  f.open_at(0);
  f.p.on_data(5 * kMs);
  const conn_action a = f.p.on_server_shutdown(6 * kMs);
  ASSERT_EQ(a.k, conn_action::kind::lose);
  EXPECT_EQ(a.why, drop_reason::server_shutdown);
  EXPECT_EQ(a.at_ns, 6 * kMs);
  EXPECT_EQ(f.n(conn_counter::server_shutdowns), 1U);
  EXPECT_EQ(f.n(conn_counter::drops), 0U);
}

TEST(ConnPolicy, StopEndsEverything) {
  fixture f;
  f.open_at(0);
  f.p.stop();
  EXPECT_EQ(f.p.on_tick(10'000 * kMs).k, conn_action::kind::none);
  EXPECT_EQ(f.p.on_read_error(10'000 * kMs).k, conn_action::kind::none);
  EXPECT_EQ(f.p.on_timer(10'000 * kMs).k, conn_action::kind::none);
}

TEST(ConnPolicy, TickPeriodFollowsTheShortestDeadline) {
  fixture f;
  EXPECT_EQ(f.p.tick_period_ms(), 25);  // quiet_ms / 4
  ws_options o = opts();
  o.quiet_ms = 0;
  fixture g(o);
  EXPECT_EQ(g.p.tick_period_ms(), 750);  // pong_deadline_ms / 4
}

}  // namespace
}  // namespace triarb
