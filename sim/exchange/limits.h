// limits: the simulated exchange's fixed limits, the ones no test tunes.
// Private to sim/exchange/ (included by its .cc files only); used on the I/O
// thread, where every connection runs.
//
// The tunable limits of the real gateway are sim_exchange_options defaults in
// the public header (sim/exchange/sim_exchange.h), where tests and the
// campaign set them: request target length -> HTTP 414 (max_target_bytes,
// 8192), streams per connection (max_streams, 1,024), connection attempts
// per IP per kConnectWindow (max_connects_per_5min, 300), incoming messages
// per second (max_incoming_per_s, 5), ping interval / pong deadline
// (ping_interval_ms 20 s, pong_deadline_ms 60 s), connection lifetime
// (lifetime_ms, 24 h), send queue (max_queued_frames) and the handshake
// timeout (handshake_timeout_ms).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace triarb::sim_exchange_internal {

// Largest HTTP request body accepted (an order's form body is ~300 bytes).
inline constexpr std::size_t kMaxRestBody = 1024;
// Largest WebSocket message accepted from a client.
inline constexpr std::size_t kMaxIncomingMessage = 64 * 1024;
// How long a kept-alive HTTP connection may wait for its next request.
inline constexpr std::int64_t kRestIdleTimeoutMs = 30'000;
// The sliding window of max_connects_per_5min.
inline constexpr auto kConnectWindow = std::chrono::minutes(5);

// The signed endpoints (order_routes.h), as the exchange defines them:
// recvWindow's default and largest value, how far a timestamp may run ahead
// of the server's clock, the REQUEST_WEIGHT window (sliding, per IP) and
// the weights of POST /api/v3/order and GET /api/v3/account.
inline constexpr std::int64_t kDefaultRecvWindowMs = 5000;
inline constexpr std::int64_t kMaxRecvWindowMs = 60000;
inline constexpr std::int64_t kTimestampAheadMs = 1000;
inline constexpr auto kWeightWindow = std::chrono::minutes(1);
inline constexpr int kOrderWeight = 1;
inline constexpr int kAccountWeight = 20;

}  // namespace triarb::sim_exchange_internal
