// campaign_plan: what each named scenario (campaign.h) turns on, shared by
// the in-process run (simulated time) and the network run (real time over
// TLS WebSocket, net_campaign.h), so "the same scenario" means the same
// fault mix in both. Rates are per market update (frame faults) or per
// second (connection events) of the run's own clock.
#pragma once

#include <cstdint>

#include "config/config.h"
#include "harness/campaign.h"
#include "sim/frame_faults.h"

namespace triarb::harness_internal {

// What a scenario turns on.
struct plan {
  bool calm = false;
  std::uint32_t symbols_per_connection = kDefaultSymbolsPerConnection;
  sim::frame_fault_rates frames;  // oversized_qty stays 0: `lunc` overflows one symbol
  bool lunc = false;
  double stalls_per_s = 0;
  double data_stalls_per_s = 0;  // frames stop, pings go on
  double drops_per_s = 0;
  double shutdowns_per_s = 0;
  int halts = 0;
  double clock_jumps_per_s = 0;
  // In-process: a connection attempt fails with this probability, and a
  // REST snapshot takes [rest_min_ms, rest_max_ms] (taken by the exchange at
  // a uniform moment in between). Over the network connect_fail_p is unused
  // and the delay applies with race_truncated (below).
  double connect_fail_p = 0;
  std::int64_t rest_min_ms = 2;
  std::int64_t rest_max_ms = 20;
  // While a REST snapshot has been taken and not yet answered, each frame
  // (in-process: of its connection) is cut short with this probability (the
  // race a re-seed must not lose: an update newer than the snapshot, lost on
  // the feed). Over the network the exchange delays its snapshots by
  // [rest_min_ms, rest_max_ms] then (sim_exchange::set_rest_race).
  double race_truncated = 0;
};

inline plan plan_for(scenario s) {
  plan p;
  switch (s) {
    case scenario::lunc_overflow:
      p.lunc = true;
      break;
    case scenario::garbage_frames:
      p.frames.garbage = 0.002;
      break;
    case scenario::truncated_frames:
      p.frames.truncated = 0.002;
      break;
    case scenario::duplicate_and_reordered:
      p.frames.duplicate = p.frames.reorder = 0.01;
      break;
    case scenario::stall:
      p.calm = true;
      p.stalls_per_s = 1.0;
      break;
    case scenario::disconnect_storm:
      p.drops_per_s = 4.0;
      p.connect_fail_p = 0.3;  // the backoff grows
      break;
    case scenario::server_shutdown:
      p.shutdowns_per_s = 0.4;
      break;
    case scenario::url_too_long:
      p.symbols_per_connection = kMaxStreamsPerConnection;
      break;
    case scenario::symbol_halted:
      p.calm = true;
      p.halts = 3;
      break;
    case scenario::clock_jump:
      // Halted symbols and stalls make legs that really are stale, so a
      // clock that jumps back could pass them as fresh.
      p.calm = true;
      p.clock_jumps_per_s = 1.0;
      p.halts = 2;
      p.stalls_per_s = 0.5;
      break;
    case scenario::mixed:
      p.calm = true;
      p.frames.garbage = p.frames.truncated = p.frames.bad_price = 0.0005;
      p.frames.duplicate = p.frames.reorder = 0.002;
      p.lunc = true;
      p.stalls_per_s = 0.3;
      p.drops_per_s = 1.0;
      p.shutdowns_per_s = 0.1;
      p.halts = 1;
      p.clock_jumps_per_s = 0.3;
      break;
    case scenario::data_stall:
      p.calm = true;
      p.data_stalls_per_s = 1.0;
      break;
    case scenario::reseed_race:
      // Re-seeds often, each in flight long enough for frames of its
      // symbols to arrive meanwhile, some of them cut short: a snapshot
      // applied over such a frame would revalidate an old price.
      p.drops_per_s = 6.0;
      p.frames.truncated = 0.0005;
      p.rest_min_ms = 50;
      p.rest_max_ms = 200;
      p.race_truncated = 0.01;
      break;
    case scenario::kCount:
      break;
  }
  return p;
}

}  // namespace triarb::harness_internal
