// journal_show: `triarb journal show`, a readable table of a decision
// journal: one row per opportunity (seq, time, triangle, ratio, in/out/profit,
// legs compact, and "suppressed: <reason>" when the trading guard suppressed
// it), one summary line per genesis, checkpoint, state record (a trading
// state transition or quarantine) and execution record (order, fill,
// reject, cycle), filtered by triangle name and start time;
// with state_only, the state records and the genesis lines alone (each
// genesis's version: the build that wrote the session); with orders, each
// cycle as a block: its decision, each leg's order, answer and trades, and
// its outcome.
//
//   show_options o;  o.triangle = "USDT>BTC>ETH>USDT";
//   o.since_ns = parse_time("2024-05-01T12:00:00Z");   // or "1714564800000000000"
//   show_journal("journal.jsonl", o, std::cout);        // throws journal_error
//
// Thread safety: plain functions; no shared state.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace triarb {

struct show_options {
  // Only this triangle's opportunities and state records (its quarantines), no other rows.
  std::string triangle;
  std::optional<std::int64_t> since_ns;  // only records with time_ns >= this
  bool state_only = false;               // `--state`: only state records and genesis lines
  // `--orders`: each cycle of the execution records, with its decision, its
  // legs (order, answer, trades) and its outcome; triangle and since_ns
  // filter by the decision. Each answered leg also shows its order->answer
  // time (the answer record's time_ns minus the order's, in ms) and, when it
  // filled, its VWAP (a buy's rounded up, a sell's down, as core/cycle.h) and
  // its slippage against the decision's leg price, in quote units (exact sum
  // rounded up) and in bps of the planned notional (rounded up to 0.01; +
  // is worse than planned); then, per leg position, the median (the lower
  // middle) and worst slippage and the median and max latency.
  bool orders = false;
};

struct show_counts {
  std::uint64_t records = 0;        // in the chain
  std::uint64_t opportunities = 0;  // opportunity rows printed
  std::uint64_t suppressed = 0;     // of them, suppressed by the trading guard
  std::uint64_t states = 0;         // state lines printed
  std::uint64_t other = 0;          // genesis and checkpoint lines printed
  std::uint64_t execution = 0;      // order, fill, reject and cycle lines printed
  std::uint64_t cycles = 0;         // `--orders`: cycles shown
};

// Verifies and reads the chain at path (rotated files included) and prints the
// table. Throws journal_error with the verifier's message (file, line, reason)
// when the file is missing or the chain does not verify.
show_counts show_journal(const std::string& path, const show_options& o, std::ostream& out);

// text made safe for a terminal: backslash, the C0 controls, DEL and the C1
// controls (U+0080 to U+009F) become escapes (\\, \a \b \t \n \v \f \r,
// \xNN, \u00NN), and so does each byte that is not part of valid UTF-8
// (\xNN); every other character is unchanged. show_journal passes every line
// through it: a journal that verifies is still the writer's text; the
// binary passes its error messages through it with keep_newlines (an error
// may quote a field of a hostile file, and may span lines of its own).
[[nodiscard]] std::string terminal_safe(std::string_view text, bool keep_newlines = false);

// A time given as integer nanoseconds since the Unix epoch, or ISO-8601 UTC:
// "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fraction][Z]" (up to 9 fractional
// digits). nullopt when it is neither.
[[nodiscard]] std::optional<std::int64_t> parse_time(std::string_view text);

// ns since the Unix epoch as ISO-8601 UTC with 9 fractional digits:
// "1970-01-01T00:00:01.500000000Z".
[[nodiscard]] std::string format_time(std::int64_t ns);

}  // namespace triarb
