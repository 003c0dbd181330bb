// trading_guard: the trading state, the repeat, rate and feed-health guards,
// the quarantine and the verdicts (semantics in the header).
#include "core/trading_guard.h"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/int128.h"
#include "core/journal_record.h"

namespace triarb {
namespace {

constexpr std::uint32_t kMaxRepeatReports = 1'000'000;

void add_field(std::string& out, std::string_view name, std::string_view value_json) {
  out += out.size() == 1 ? "\"" : ",\"";
  out += name;
  out += "\":";
  out += value_json;
}

template <class Int>
void add_int(std::string& out, std::string_view name, Int v) {
  add_field(out, name, std::to_string(v));
}

// The length of the valid UTF-8 sequence at s[i], or 0 if none starts there.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](std::size_t k, unsigned lo, unsigned hi) {
    return i + k < s.size() && b(k) >= lo && b(k) <= hi;
  };
  const unsigned c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1, 0x80, 0xBF) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    const unsigned lo = c == 0xE0 ? 0xA0 : 0x80;  // no overlong form
    const unsigned hi = c == 0xED ? 0x9F : 0xBF;  // no surrogate
    return cont(1, lo, hi) && cont(2, 0x80, 0xBF) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    const unsigned lo = c == 0xF0 ? 0x90 : 0x80;  // no overlong form
    const unsigned hi = c == 0xF4 ? 0x8F : 0xBF;  // at most U+10FFFF
    return cont(1, lo, hi) && cont(2, 0x80, 0xBF) && cont(3, 0x80, 0xBF) ? 4 : 0;
  }
  return 0;
}

// A text field of the evidence: valid UTF-8 (each byte that starts no valid
// sequence becomes U+FFFD), so the journal, which takes only one valid JSON
// object, can always record the event an operator's reason or an error's text
// explains.
void add_str(std::string& out, std::string_view name, std::string_view v) {
  std::string clean;
  clean.reserve(v.size());
  for (std::size_t i = 0; i < v.size();) {
    const std::size_t n = utf8_length(v, i);
    if (n == 0) {
      clean += "\xEF\xBF\xBD";
      ++i;
    } else {
      clean.append(v.substr(i, n));
      i += n;
    }
  }
  std::string s;
  append_json_string(s, clean);
  add_field(out, name, s);
}

std::string bad(std::string_view knob, std::string_view rule, std::string_view got) {
  std::string m = "guard.";
  m += knob;
  m += " must be ";
  m += rule;
  m += " (got ";
  m += got;
  m += ")";
  return m;
}

// h is poor when invalid / symbols > permille / 1000.
bool poor(std::uint32_t symbols, std::uint32_t invalid, std::uint32_t permille) {
  return std::uint64_t{invalid} * 1000 > std::uint64_t{permille} * symbols;
}

}  // namespace

std::string_view to_string(trading_state s) noexcept {
  switch (s) {
    case trading_state::active:
      return "active";
    case trading_state::reducing:
      return "reducing";
    case trading_state::halted:
      return "halted";
  }
  return "unknown";
}

std::string_view to_string(guard_trigger t) noexcept {
  switch (t) {
    case guard_trigger::repeat:
      return "repeat";
    case guard_trigger::rate:
      return "rate";
    case guard_trigger::feed_health:
      return "feed_health";
    case guard_trigger::journal:
      return "journal";
    case guard_trigger::manual:
      return "manual";
    case guard_trigger::kCount:
      break;
  }
  return "unknown";
}

std::string_view to_string(suppress_reason r) noexcept {
  switch (r) {
    case suppress_reason::none:
      return "";
    case suppress_reason::reducing:
      return "reducing";
    case suppress_reason::halted:
      return "halted";
    case suppress_reason::quarantined:
      return "quarantined";
    case suppress_reason::kCount:
      break;
  }
  return "unknown";
}

std::string validate(const guard_config& cfg) {
  if (cfg.repeat_reports < 2 || cfg.repeat_reports > kMaxRepeatReports) {
    return bad("repeat_reports", "from 2 to 1000000", std::to_string(cfg.repeat_reports));
  }
  if (cfg.repeat_window_ns <= 0) {
    return bad("repeat_window_ns", "> 0", std::to_string(cfg.repeat_window_ns));
  }
  if (cfg.rate_window_ns <= 0) {
    return bad("rate_window_ns", "> 0", std::to_string(cfg.rate_window_ns));
  }
  if (cfg.rate_factor < 1) return bad("rate_factor", ">= 1", std::to_string(cfg.rate_factor));
  if (cfg.rate_floor < 1) return bad("rate_floor", ">= 1", std::to_string(cfg.rate_floor));
  if (cfg.rate_warmup_windows < 1) {
    return bad("rate_warmup_windows", ">= 1", std::to_string(cfg.rate_warmup_windows));
  }
  if (cfg.feed_invalid_max_permille < 1 || cfg.feed_invalid_max_permille > 1000) {
    return bad("feed_invalid_max_permille", "from 1 to 1000",
               std::to_string(cfg.feed_invalid_max_permille));
  }
  if (cfg.feed_resume_permille >= cfg.feed_invalid_max_permille) {
    return bad(
        "feed_resume_permille",
        "below feed_invalid_max_permille (" + std::to_string(cfg.feed_invalid_max_permille) + ")",
        std::to_string(cfg.feed_resume_permille));
  }
  return {};
}

trading_guard::trading_guard(guard_config cfg) : cfg_(cfg) {
  if (std::string m = validate(cfg_); !m.empty()) throw std::invalid_argument(m);
  if (cfg_.start_ns != INT64_MIN) {
    rate_started_ = true;
    window_start_ = cfg_.start_ns;
  }
}

bool trading_guard::quarantined(triangle_id t) const {
  const auto it = triangles_.find(t);
  return it != triangles_.end() && it->second.quarantined;
}

void trading_guard::restore(trading_state s, std::span<const triangle_id> quarantined) {
  state_ = s;
  for (auto& [id, ts] : triangles_) ts.quarantined = false;
  quarantined_n_ = 0;
  for (const triangle_id t : quarantined) {
    triangle_state& ts = triangles_[t];
    if (!ts.quarantined) {
      ts.quarantined = true;
      ++quarantined_n_;
    }
  }
}

void trading_guard::transition(std::int64_t now_ns, trading_state to, guard_trigger t,
                               std::string_view by, std::string evidence,
                               std::vector<guard_event>& out) {
  guard_event e;
  e.time_ns = now_ns;
  e.from = state_;
  e.to = to;
  e.trigger = t;
  e.by = std::string(by);
  e.evidence = std::move(evidence);
  out.push_back(std::move(e));
  state_ = to;
  ++transitions_[static_cast<std::size_t>(t)];
}

suppress_reason trading_guard::on_opportunity(const opportunity& o, std::vector<guard_event>& out) {
  const std::int64_t now = o.decided_ns;
  bool quarantined_now = false;
  bool halted_now = false;

  // Repeat guard: every leg's run takes the report; the first leg whose run
  // holds repeat_reports reports after now - window quarantines.
  triangle_state& ts = triangles_[o.triangle];
  const i128 horizon = i128{now} - cfg_.repeat_window_ns;  // t counts iff t > horizon
  int hit_leg = -1;
  for (std::size_t i = 0; i < ts.legs.size(); ++i) {
    leg_run& run = ts.legs[i];
    const std::uint64_t id = o.legs[i].update_id;
    if (!run.started || run.update_id != id) {
      run.started = true;
      run.update_id = id;
      run.times.clear();
      run.length = 0;
    }
    ++run.length;
    if (run.times.size() < cfg_.repeat_reports) {
      run.times.push_back(now);
      std::push_heap(run.times.begin(), run.times.end(), std::greater<>());
    } else if (now > run.times.front()) {
      std::pop_heap(run.times.begin(), run.times.end(), std::greater<>());
      run.times.back() = now;
      std::push_heap(run.times.begin(), run.times.end(), std::greater<>());
    }
    if (hit_leg < 0 && run.times.size() == cfg_.repeat_reports &&
        i128{run.times.front()} > horizon) {
      hit_leg = static_cast<int>(i);
    }
  }
  if (hit_leg >= 0 && !ts.quarantined) {
    const leg_run& run = ts.legs[static_cast<std::size_t>(hit_leg)];
    std::string ev = "{";
    add_int(ev, "leg", hit_leg);
    add_int(ev, "symbol", o.legs[static_cast<std::size_t>(hit_leg)].symbol);
    add_int(ev, "update_id", run.update_id);
    add_int(ev, "reports", cfg_.repeat_reports);
    add_int(ev, "first_ns", run.times.front());
    add_int(ev, "window_ns", cfg_.repeat_window_ns);
    add_int(ev, "run", run.length);
    ev += '}';
    ts.quarantined = true;
    ++quarantined_n_;
    quarantined_now = true;
    guard_event e;
    e.time_ns = now;
    e.from = state_;
    e.to = state_;
    e.trigger = guard_trigger::repeat;
    e.by = "guard";
    e.triangle = o.triangle;
    e.evidence = std::move(ev);
    out.push_back(std::move(e));
    ++transitions_[static_cast<std::size_t>(guard_trigger::repeat)];
  }

  // Rate guard: close the windows that ended before now (an earlier time
  // stays in the current window), then count this opportunity.
  if (!rate_started_) {
    rate_started_ = true;
    window_start_ = now;
  }
  const auto w = static_cast<std::uint64_t>(cfg_.rate_window_ns);
  if (now > window_start_) {
    // The distance fits in 64 unsigned bits whatever the two times are.
    const std::uint64_t d =
        static_cast<std::uint64_t>(now) - static_cast<std::uint64_t>(window_start_);
    const std::uint64_t k = d / w;
    if (k > 0) {
      past_sum_ += window_count_;
      past_windows_ += k;
      window_count_ = 0;
      // start + k w <= now: no overflow in int64 once back from unsigned.
      window_start_ = static_cast<std::int64_t>(static_cast<std::uint64_t>(window_start_) + k * w);
    }
  }
  ++window_count_;
  if (state_ != trading_state::halted) {
    const std::uint64_t c = window_count_;
    const std::uint64_t n = past_windows_;
    const bool over = c > cfg_.rate_floor && (n < cfg_.rate_warmup_windows ||
                                              u128{c} * n > u128{cfg_.rate_factor} * past_sum_);
    if (over) {
      std::string ev = "{";
      add_int(ev, "window_start_ns", window_start_);
      add_int(ev, "count", c);
      add_int(ev, "past_windows", n);
      add_int(ev, "past_sum", past_sum_);
      add_int(ev, "factor", cfg_.rate_factor);
      add_int(ev, "floor", cfg_.rate_floor);
      add_int(ev, "warmup_windows", cfg_.rate_warmup_windows);
      ev += '}';
      transition(now, trading_state::halted, guard_trigger::rate, "guard", std::move(ev), out);
      halted_now = true;
    }
  }

  suppress_reason r = suppress_reason::none;
  if (halted_now) {
    r = suppress_reason::halted;
  } else if (quarantined_now) {
    r = suppress_reason::quarantined;
  } else if (state_ == trading_state::halted) {
    r = suppress_reason::halted;
  } else if (state_ == trading_state::reducing) {
    r = suppress_reason::reducing;
  } else if (ts.quarantined) {
    r = suppress_reason::quarantined;
  }
  ++verdicts_[static_cast<std::size_t>(r)];
  return r;
}

void trading_guard::on_feed_health(std::int64_t now_ns, const feed_health& h,
                                   std::vector<guard_event>& out) {
  const std::uint32_t pm = cfg_.feed_invalid_max_permille;
  std::string ev;
  if (poor(h.symbols, h.invalid, pm)) {
    ev = "{";
    add_int(ev, "symbols", h.symbols);
    add_int(ev, "invalid", h.invalid);
    ev += '}';
  } else {
    for (const feed_health::group& g : h.start_assets) {
      if (poor(g.symbols, g.invalid, pm)) {
        ev = "{";
        add_int(ev, "symbols", g.symbols);
        add_int(ev, "invalid", g.invalid);
        add_int(ev, "asset", g.asset);
        ev += '}';
        break;
      }
    }
  }
  const bool is_poor = !ev.empty();
  const bool good = !is_poor && h.symbols > 0;
  if (!feed_armed_) {
    feed_armed_ = good;
    return;
  }
  // Recovered: at or below the resume level everywhere (hysteresis).
  const auto recovered = [&] {
    if (h.symbols == 0 || poor(h.symbols, h.invalid, cfg_.feed_resume_permille)) return false;
    for (const feed_health::group& g : h.start_assets) {
      if (poor(g.symbols, g.invalid, cfg_.feed_resume_permille)) return false;
    }
    return true;
  };
  if (is_poor && state_ == trading_state::active) {
    transition(now_ns, trading_state::reducing, guard_trigger::feed_health, "guard", std::move(ev),
               out);
  } else if (state_ == trading_state::reducing && cfg_.feed_auto_resume && recovered()) {
    ev = "{";
    add_int(ev, "symbols", h.symbols);
    add_int(ev, "invalid", h.invalid);
    ev += '}';
    transition(now_ns, trading_state::active, guard_trigger::feed_health, "guard", std::move(ev),
               out);
  }
}

void trading_guard::on_journal_failure(std::int64_t now_ns, std::string_view what,
                                       std::vector<guard_event>& out) {
  if (state_ == trading_state::halted) return;
  std::string ev = "{";
  add_str(ev, "what", what);
  ev += '}';
  transition(now_ns, trading_state::halted, guard_trigger::journal, "guard", std::move(ev), out);
}

void trading_guard::halt(std::int64_t now_ns, std::string_view by, std::string_view reason,
                         std::vector<guard_event>& out) {
  if (state_ == trading_state::halted) return;
  std::string ev = "{";
  add_str(ev, "reason", reason);
  ev += '}';
  transition(now_ns, trading_state::halted, guard_trigger::manual, by, std::move(ev), out);
}

bool trading_guard::resume(std::int64_t now_ns, std::string_view by,
                           std::vector<guard_event>& out) {
  if (state_ == trading_state::active && quarantined_n_ == 0) return false;
  const std::size_t released = quarantined_n_;
  for (auto& [id, ts] : triangles_) ts.quarantined = false;
  quarantined_n_ = 0;
  std::string ev = "{";
  add_int(ev, "released", released);
  add_str(ev, "from", to_string(state_));
  ev += '}';
  transition(now_ns, trading_state::active, guard_trigger::manual, by, std::move(ev), out);
  return true;
}

}  // namespace triarb
