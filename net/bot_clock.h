// bot_clock: the live bot's one clock for receive times, leg ages and
// decision times. It reads like wall time (nanoseconds since the epoch, so
// journal records and recordings keep their meaning) but it is monotonic:
// the wall clock is read once, at construction, and steady_clock measures
// everything after. A wall-clock step (NTP, an operator, a VM resume) cannot
// make a frozen leg look younger or a fresh one older.
//
//   bot_clock clock;                         // anchored now
//   std::int64_t recv = clock.now_ns();      // stamp a frame
//   std::int64_t age = clock.now_ns() - recv;
//
// jump() exists for the fault campaign (harness/campaign.h, clock-jump over the
// network): it moves every later reading forward by delta, as time passing
// in one go would (a paused process or VM). Production code never calls it.
//
// Thread safety: now_ns() and jump() from any thread. The offset is a relaxed
// atomic: it publishes nothing else, and a reader seeing the jump one reading
// late is what a real clock step looks like anyway.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace triarb {

class bot_clock {
 public:
  bot_clock() noexcept : wall0_(wall_now()), steady0_(steady_now()) {}

  [[nodiscard]] std::int64_t now_ns() const noexcept {
    return wall0_ + (steady_now() - steady0_) + offset_.load(std::memory_order_relaxed);
  }
  // REQUIRES: delta_ns >= 0 (a monotonic clock never steps back; a negative
  // delta is ignored).
  void jump(std::int64_t delta_ns) noexcept {
    if (delta_ns > 0) offset_.fetch_add(delta_ns, std::memory_order_relaxed);  // see Thread safety
  }

  // A process-wide clock for callers given none.
  [[nodiscard]] static const bot_clock& process() noexcept {
    static const bot_clock c;
    return c;
  }

 private:
  static std::int64_t wall_now() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static std::int64_t steady_now() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  std::int64_t wall0_;
  std::int64_t steady0_;
  std::atomic<std::int64_t> offset_{0};
};

}  // namespace triarb
