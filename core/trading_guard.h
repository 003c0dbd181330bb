// trading_guard: layer four (docs/design.md, "Layer four"): the trading
// state (active / reducing / halted), the anomaly guards that move it, and
// the per-triangle quarantine. Pure and sans-I/O: no clock, no threads, no
// printing; every input carries its time (ns, the bot's clock) and every
// transition comes back as a guard_event for the caller to journal, count
// and show. The live bot, the deterministic campaign and the properties
// drive this same class.
//
//   trading_guard g(cfg);                          // throws std::invalid_argument
//   std::vector<guard_event> ev;
//   suppress_reason r = g.on_opportunity(op, ev);  // none: actionable
//   for (const guard_event& e : ev) journal(e);    // in order, before op's record
//
// States and who moves them:
//   active   -> reducing  feed health poor (trigger feed_health, by "guard")
//   reducing -> active    feed health good again, only if cfg.feed_auto_resume
//   any      -> halted    rate guard, journal failure, operator halt
//   halted   -> active    only resume() (an operator's act; never automatic,
//                         not by a restart either: restore() the journal's state)
//   reducing -> active    also by resume()
// A halted guard stays halted whatever else happens (feed health never
// moves it). The repeat guard does not change the state: it quarantines one
// triangle (an event with from == to and triangle set) until resume().
//
// Opportunities while not active, or on a quarantined triangle, are
// suppressed (the reason says why); nothing downstream may act on them, the
// journal records them with the reason. Every opportunity still counts in
// the repeat and rate guards' inputs, whatever the verdict. The reason: the
// report that triggers a halt is "halted", one that triggers a quarantine
// (and no halt) "quarantined"; otherwise halted, then reducing, then
// quarantined. A report that triggers both makes the quarantine event first.
//
// Repeat guard (the seed's signature: a cycle quoting itself). Per triangle
// and leg, the "run" is the triangle's consecutive reports in which that
// leg's update id stayed the same. When a report makes a run hold at least
// repeat_reports reports whose times t satisfy t > now - repeat_window_ns
// (now: this report's decided_ns), the triangle is quarantined, by this
// report (which is itself suppressed). Once quarantined, no further repeat
// events for it. Reports out of time order count with their own time. The
// event names the lowest-numbered leg whose run qualifies.
//
// Rate guard. Windows are [start_ns + k w, start_ns + (k+1) w), w =
// rate_window_ns, k >= 0, start_ns the constructor's (the first
// opportunity's time if cfg.start_ns is unset). Let c be the opportunities
// in the current window, including this one, and sum / n the count and
// number of the windows before it (empty ones included). While not halted,
// the guard halts when
//   c > rate_floor  and  (n < rate_warmup_windows  or  c * n > rate_factor * sum)
// i.e. above the floor during warm-up, above the floor and K times the mean
// per window after it (products in 128 bits: no overflow). An opportunity
// with a time before the current window (or before start_ns) counts in the
// current window (clocks are not trusted to be monotonic here; the caller's
// order is the order).
//
// Feed health. on_feed_health(now, h): poor when h.invalid * 1000 >
// feed_invalid_max_permille * h.symbols for the whole universe, or for any
// start asset's group (the symbols in its triangles); recovered when
// h.symbols > 0 and invalid * 1000 <= feed_resume_permille * symbols for the
// universe and every group (hysteresis: between the two levels nothing
// moves). Start-up is not poor health: the trigger arms the first time
// health is good (not poor and h.symbols > 0); before that, samples only
// arm it. Armed: a poor sample moves active to reducing; a recovered one
// moves reducing back to active if cfg.feed_auto_resume; halted never moves.
//
// resume() releases quarantines and the state, not the guards' inputs: a run
// or a rate window still over its limit triggers again at its next report.
//
// Thread safety: none; one caller at a time (the live bot holds a mutex).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/evaluator.h"
#include "core/quote.h"

namespace triarb {

enum class trading_state : std::uint8_t { active, reducing, halted };
inline constexpr std::size_t kTradingStates = 3;

enum class guard_trigger : std::uint8_t {
  repeat,       // a triangle reported again and again with a leg's update id frozen: quarantine
  rate,         // opportunities per window far above the run's baseline: halt
  feed_health,  // too many invalid symbols: reducing (auto-resume if allowed)
  journal,      // a decision could not be recorded: halt
  manual,       // an operator: halt or resume (guard_event::by says how)
  kCount,
};

// Why an opportunity is not actionable.
enum class suppress_reason : std::uint8_t { none, reducing, halted, quarantined, kCount };

[[nodiscard]] std::string_view to_string(trading_state s) noexcept;    // "active"
[[nodiscard]] std::string_view to_string(guard_trigger t) noexcept;    // "feed_health"
[[nodiscard]] std::string_view to_string(suppress_reason r) noexcept;  // "", "halted", ...

inline constexpr triangle_id kNoTriangle = static_cast<triangle_id>(-1);

struct guard_config {
  // Repeat guard: quarantine at this many reports (2..1,000,000) within the window (> 0).
  std::uint32_t repeat_reports = 20;
  std::int64_t repeat_window_ns = 10'000'000'000;  // 10 s
  // Rate guard: window (> 0), factor K (>= 1), floor (>= 1), warm-up windows (>= 1).
  std::int64_t rate_window_ns = 1'000'000'000;  // 1 s
  std::uint64_t rate_factor = 20;
  std::uint64_t rate_floor = 200;
  std::uint64_t rate_warmup_windows = 30;
  // Feed health: poor above this share of invalid symbols, per mille (1..1000);
  // recovered (reducing -> active) only at or below feed_resume_permille
  // (0 .. feed_invalid_max_permille - 1; the configuration's default is half
  // of feed_invalid_max_permille): a share wandering around the threshold
  // does not flap.
  std::uint32_t feed_invalid_max_permille = 500;
  std::uint32_t feed_resume_permille = 250;
  bool feed_auto_resume = true;
  // Rate windows start here; INT64_MIN: at the first opportunity's time.
  std::int64_t start_ns = INT64_MIN;
};

// Empty if cfg is usable, else what is wrong, naming the knob and the value
// ("guard.repeat_reports must be from 2 to 1000000 (got 1)").
[[nodiscard]] std::string validate(const guard_config& cfg);

// One feed-health sample: the whole universe and each start asset's group.
struct feed_health {
  std::uint32_t symbols = 0;  // in the universe
  std::uint32_t invalid = 0;  // of them, not valid
  struct group {
    asset_id asset = 0;
    std::uint32_t symbols = 0;  // symbols in the asset's triangles
    std::uint32_t invalid = 0;
  };
  std::vector<group> start_assets;
};

// A transition (or a quarantine, from == to), for the caller to journal,
// count and show, in the order the guard made them.
struct guard_event {
  std::int64_t time_ns = 0;
  trading_state from = trading_state::active;
  trading_state to = trading_state::active;
  guard_trigger trigger = guard_trigger::manual;
  std::string by;  // "guard", or the operator's channel ("http", "signal", "halt_file", ...)
  triangle_id triangle = kNoTriangle;  // repeat: the quarantined triangle
  // One compact JSON object, the numbers that triggered it (docs/design.md, "Layer four"):
  // repeat {"leg","symbol","update_id","reports","first_ns","window_ns","run"}, rate
  // {"window_start_ns","count","past_windows","past_sum","factor","floor","warmup_windows"},
  // feed_health {"symbols","invalid"[,"asset"]}, journal {"what"}, halt {"reason"},
  // resume {"released","from"}. Valid UTF-8 whatever the inputs (a byte of a
  // reason or `what` that starts no valid sequence becomes U+FFFD), so the
  // journal can always record it.
  std::string evidence;
  friend bool operator==(const guard_event&, const guard_event&) = default;
};

class trading_guard {
 public:
  // Throws std::invalid_argument with validate()'s message.
  explicit trading_guard(guard_config cfg);

  // Judges one opportunity at o.decided_ns; appends the transitions it
  // caused (a quarantine, a rate halt) to out, before returning.
  suppress_reason on_opportunity(const opportunity& o, std::vector<guard_event>& out);

  // A feed-health sample at now_ns.
  void on_feed_health(std::int64_t now_ns, const feed_health& h, std::vector<guard_event>& out);

  // A decision that could not be recorded (queue full, write or sync
  // error): halt. what names it ("journal_full", "write_failed: ...").
  // Already halted: nothing (no event).
  void on_journal_failure(std::int64_t now_ns, std::string_view what,
                          std::vector<guard_event>& out);

  // Operator halt through channel `by` ("http", "signal", "halt_file",
  // "startup"), with a free-text reason (evidence {"reason":...}).
  // Already halted: nothing (no event).
  void halt(std::int64_t now_ns, std::string_view by, std::string_view reason,
            std::vector<guard_event>& out);

  // Operator resume: to active from reducing or halted, releasing every
  // quarantine (one event; evidence lists how many were released). Active
  // with nothing quarantined: returns false, no event.
  bool resume(std::int64_t now_ns, std::string_view by, std::vector<guard_event>& out);

  // The state a continued journal ended in (trading_state_tracker replays
  // it): sets the state to s and the quarantine to exactly `quarantined`
  // (ids of this guard's triangle index; duplicates count once). No event,
  // no transition counted, no verdict; the guards' inputs (runs, rate
  // windows, feed-health arming) are untouched. A restart thus stays halted
  // until an operator's resume(). Call it before the first input.
  void restore(trading_state s, std::span<const triangle_id> quarantined);

  [[nodiscard]] trading_state state() const noexcept { return state_; }
  [[nodiscard]] bool quarantined(triangle_id t) const;
  [[nodiscard]] std::size_t quarantined_count() const noexcept { return quarantined_n_; }
  [[nodiscard]] const guard_config& config() const noexcept { return cfg_; }

  // Counters (the caller exports them): transitions by trigger (quarantines
  // under repeat), and opportunities by verdict (none = actionable).
  [[nodiscard]] std::uint64_t transitions(guard_trigger t) const noexcept {
    return transitions_[static_cast<std::size_t>(t)];
  }
  [[nodiscard]] std::uint64_t verdicts(suppress_reason r) const noexcept {
    return verdicts_[static_cast<std::size_t>(r)];
  }

 private:
  struct leg_run {
    std::uint64_t update_id = 0;
    bool started = false;
    // The run's repeat_reports latest report times (by time, not by arrival), a
    // min-heap: front() is the repeat_reports-th latest. The run holds
    // repeat_reports reports after now - window iff it is full and front() is.
    std::vector<std::int64_t> times;
    std::uint64_t length = 0;  // reports in the run
  };
  struct triangle_state {
    std::array<leg_run, 3> legs;
    bool quarantined = false;
  };

  void transition(std::int64_t now_ns, trading_state to, guard_trigger t, std::string_view by,
                  std::string evidence, std::vector<guard_event>& out);

  guard_config cfg_;
  trading_state state_ = trading_state::active;
  std::unordered_map<triangle_id, triangle_state> triangles_;  // only triangles reported
  std::size_t quarantined_n_ = 0;
  // Rate guard.
  bool rate_started_ = false;
  std::int64_t window_start_ = 0;
  std::uint64_t window_count_ = 0;
  std::uint64_t past_sum_ = 0;
  std::uint64_t past_windows_ = 0;
  // Feed health.
  bool feed_armed_ = false;
  std::array<std::uint64_t, static_cast<std::size_t>(guard_trigger::kCount)> transitions_{};
  std::array<std::uint64_t, static_cast<std::size_t>(suppress_reason::kCount)> verdicts_{};
};

}  // namespace triarb
