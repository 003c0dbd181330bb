// trading_state_replay: the trading state (core/trading_guard.h) a journal's
// records imply, replayed record by record in chain order, with the rules a
// consistent chain follows (docs/journal-format.md, "The trading state a chain implies"). The
// audit (offline/journal_audit.h) checks a chain with it; the live bot
// replays the chain it continues at start, so a restart keeps the state and
// the quarantines it ended in (trading_guard::restore).
//
//   trading_state_tracker t;
//   for (const journal_record& r : records) {
//     if (std::string why = t.apply(r); !why.empty()) return fail(r, why);
//   }
//   guard.restore(t.state(), ids_of(t.quarantined()));
//
// Genesis records: `start` (a brand-new chain) starts active with nothing
// quarantined; `restart` and `rotation` keep what the chain says (a halt
// survives a restart: only an operator's resume leaves it). State records:
//   from           the tracked state
//   repeat         a quarantine: triangle set, from == to, by "guard", the
//                  triangle not already quarantined
//   rate, journal  to halted, from a state that is not halted, by "guard"
//   feed_health    active -> reducing or reducing -> active, by "guard"
//   manual         a halt from a state that is not halted, by anything but
//                  "guard"; or a resume to active (from any state), by
//                  anything but "guard", releasing every quarantine; its
//                  evidence's "released" and "from", when present, must be
//                  the number of quarantined triangles and the state left
// Only repeat names a triangle. Opportunity records: while the state is not
// active, or on a quarantined triangle, the record is suppressed; a
// suppressed reason must hold (halted while halted, reducing while reducing,
// quarantined for a quarantined triangle): any reason that holds, not
// necessarily the one the guard's precedence picks. Checkpoints: nothing.
//
// Thread safety: none; one caller at a time.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "core/journal_record.h"
#include "core/trading_guard.h"

namespace triarb {

// Why a record does not fit the tracked state: the field it concerns
// ("from", "to", "trigger", "by", "triangle", "suppressed"), what the record
// says there, and the rule.
struct state_violation {
  std::string field;
  std::string journal_says;
  std::string detail;
};

class trading_state_tracker {
 public:
  // Applies r (the chain's next record). Empty when r is consistent with the
  // state so far, else why not ("from: journal says halted; state active
  // (start at seq 0) (...)"); an inconsistent record changes nothing.
  std::string apply(const journal_record& r);

  [[nodiscard]] trading_state state() const noexcept { return state_; }
  // The quarantined triangles, by name ("USDT>BTC>ETH>USDT").
  [[nodiscard]] const std::set<std::string>& quarantined() const noexcept { return quarantined_; }
  // The tracked state in words, with where it comes from, for messages:
  // "halted, 1 quarantined (rate by guard at seq 2)".
  [[nodiscard]] std::string describe() const;
  // The last apply()'s finding (empty fields after a consistent record).
  [[nodiscard]] const state_violation& last_violation() const noexcept { return last_; }
  // Counts of what apply() accepted.
  [[nodiscard]] std::uint64_t state_records() const noexcept { return state_records_; }
  [[nodiscard]] std::uint64_t suppressed() const noexcept { return suppressed_; }

 private:
  std::string reject(std::string field, std::string says, std::string detail);
  std::string apply_state(std::uint64_t seq, const state_record& st);
  std::string apply_opportunity(const opportunity_record& op);

  trading_state state_ = trading_state::active;
  std::set<std::string> quarantined_;
  std::string since_ = "chain start";
  state_violation last_;
  std::uint64_t state_records_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace triarb
