// trading_state_replay: the trading state a journal's records imply (rules
// in the header).
#include "core/trading_state_replay.h"

#include <simdjson.h>

#include <utility>
#include <variant>

namespace triarb {
namespace {

std::string name(trading_state s) { return std::string(journal_name(s)); }

}  // namespace

std::string trading_state_tracker::describe() const {
  std::string t = name(state_);
  if (!quarantined_.empty()) t += ", " + std::to_string(quarantined_.size()) + " quarantined";
  return t + " (" + since_ + ")";
}

std::string trading_state_tracker::reject(std::string field, std::string says, std::string detail) {
  last_ = {std::move(field), std::move(says), std::move(detail)};
  return last_.field + ": journal says " + last_.journal_says + "; state " + describe() + " (" +
         last_.detail + ")";
}

std::string trading_state_tracker::apply(const journal_record& r) {
  last_ = {};
  const std::string seq = std::to_string(r.seq);
  if (const auto* g = std::get_if<genesis_record>(&r.body)) {
    if (g->reason == genesis_reason::start) {  // a brand-new chain: active, nothing quarantined
      state_ = trading_state::active;
      quarantined_.clear();
      since_ = "start at seq " + seq;
    } else if (g->reason == genesis_reason::restart) {
      since_ += ", kept by the restart at seq " + seq;
    }
    return {};
  }
  if (const auto* st = std::get_if<state_record>(&r.body)) return apply_state(r.seq, *st);
  if (const auto* op = std::get_if<opportunity_record>(&r.body)) return apply_opportunity(*op);
  return {};
}

std::string trading_state_tracker::apply_state(std::uint64_t seq, const state_record& st) {
  const std::string transition = name(st.from) + " -> " + name(st.to);
  const bool by_guard = st.by == "guard";
  if (st.from != state_) {
    return reject("from", name(st.from), "a state record starts from the state the chain is in");
  }
  if (st.trigger == guard_trigger::repeat) {
    if (st.triangle_name.empty()) {
      return reject("triangle", "none", "a repeat quarantine names its triangle");
    }
    if (st.from != st.to) {
      return reject("to", name(st.to),
                    "a quarantine (triangle " + st.triangle_name + ") keeps the state: from == to");
    }
    if (!by_guard) return reject("by", st.by, "only the guard quarantines (by \"guard\")");
    if (quarantined_.count(st.triangle_name) != 0) {
      return reject("triangle", st.triangle_name, "the triangle is already quarantined");
    }
  } else if (!st.triangle_name.empty()) {
    return reject("triangle", st.triangle_name, "only a repeat quarantine names a triangle");
  } else if (st.trigger == guard_trigger::rate || st.trigger == guard_trigger::journal) {
    if (st.from == trading_state::halted) {
      return reject("trigger", std::string(journal_name(st.trigger)) + " " + transition,
                    "only an operator's resume (trigger manual, to active) leaves halted");
    }
    if (st.to != trading_state::halted) {
      return reject("to", name(st.to), "the rate and journal guards only halt");
    }
    if (!by_guard) return reject("by", st.by, "the rate and journal guards halt by \"guard\"");
  } else if (st.trigger == guard_trigger::feed_health) {
    if (st.from == trading_state::halted) {
      return reject("trigger", std::string(journal_name(st.trigger)) + " " + transition,
                    "only an operator's resume (trigger manual, to active) leaves halted");
    }
    if (st.to == st.from || st.to == trading_state::halted) {
      return reject("to", name(st.to),
                    "feed health only moves active -> reducing or reducing -> active");
    }
    if (!by_guard) return reject("by", st.by, "feed health moves the state by \"guard\"");
  } else {  // manual
    if (st.to == trading_state::reducing) {
      return reject("trigger", "manual " + transition,
                    "an operator halts, or resumes to active; only the guard reduces");
    }
    if (st.to == trading_state::halted && st.from == trading_state::halted) {
      return reject("to", name(st.to), "a halt starts from a state that is not halted");
    }
    if (by_guard) {
      return reject("by", st.by, "an operator's halt or resume names its channel, not \"guard\"");
    }
    if (st.to == trading_state::active) {
      // The guard's resume evidence says what it released and from where:
      // when present, it must be what the chain says (a dropped quarantine
      // or transition shows here).
      thread_local simdjson::dom::parser parser;
      simdjson::dom::object ev;
      if (parser.parse(st.evidence_json).get(ev) == simdjson::SUCCESS) {
        std::uint64_t released = 0;
        if (ev["released"].get(released) == simdjson::SUCCESS && released != quarantined_.size()) {
          return reject("evidence", "released " + std::to_string(released),
                        "a resume releases every quarantined triangle");
        }
        std::string_view from;
        if (ev["from"].get(from) == simdjson::SUCCESS && from != journal_name(st.from)) {
          return reject("evidence", "from " + std::string(from),
                        "a resume's evidence names the state it left");
        }
      }
      quarantined_.clear();  // a resume releases every one
    }
  }
  if (!st.triangle_name.empty()) quarantined_.insert(st.triangle_name);
  state_ = st.to;
  since_ =
      std::string(journal_name(st.trigger)) + " by " + st.by + " at seq " + std::to_string(seq);
  ++state_records_;
  return {};
}

std::string trading_state_tracker::apply_opportunity(const opportunity_record& op) {
  const bool q = quarantined_.count(op.triangle_name) != 0;
  if (op.suppressed == suppress_reason::none) {
    if (state_ != trading_state::active || q) {
      return reject("suppressed", "actionable (no \"suppressed\")",
                    q ? "an opportunity on a quarantined triangle (" + op.triangle_name +
                            ") must be suppressed"
                      : "an opportunity while the trading state is not active must be "
                        "suppressed");
    }
    return {};
  }
  bool holds = false;
  switch (op.suppressed) {
    case suppress_reason::halted:
      holds = state_ == trading_state::halted;
      break;
    case suppress_reason::reducing:
      holds = state_ == trading_state::reducing;
      break;
    case suppress_reason::quarantined:
      holds = q;
      break;
    default:
      break;
  }
  if (!holds) {
    return reject("suppressed", std::string(journal_name(op.suppressed)),
                  "the reason does not hold for " + op.triangle_name);
  }
  ++suppressed_;
  return {};
}

}  // namespace triarb
