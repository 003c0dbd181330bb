// connect_budget: the exchange's limit on connection attempts (300 per five
// minutes per IP), as a sliding window shared by every ws_connection, so a
// reconnect storm waits instead of earning a ban.
//
//   connect_budget b(300);
//   if (b.try_take(now_ns)) connect(); else retry_at(b.next_free_ns(now_ns));
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

namespace triarb {

// Attempts in a sliding five-minute window, shared by every connection.
// Thread safety: the feed thread only.
class connect_budget {
 public:
  static constexpr std::int64_t kWindowNs = 300'000'000'000;
  explicit connect_budget(int per_5min)
      : limit_(per_5min > 0 ? static_cast<std::size_t>(per_5min) : 1U) {}
  // Takes a token at steady time now_ns; false (nothing taken) if none is left.
  bool try_take(std::int64_t now_ns);
  // When the next token frees up (now_ns if one is free).
  [[nodiscard]] std::int64_t next_free_ns(std::int64_t now_ns);
  [[nodiscard]] std::size_t used(std::int64_t now_ns);

 private:
  void expire(std::int64_t now_ns);
  std::size_t limit_;
  std::deque<std::int64_t> taken_;
};

}  // namespace triarb
