// journal_record: one record of the decision journal and its line format --
// the record types, the error codes, canonical serialisation, hashing and
// parsing of a single line (docs/journal-format.md). Chains of records are
// checked by journal_verify.h and written by journal_writer.h; journal.h
// includes all three.
//
//   std::string hash;
//   std::string line = format_line(0, record_body{genesis}, kZeroHash, &hash);
//   record_parse_result r = parse_record(line);   // r.ok(), r.record == what was written
//
// Thread safety: every function here is safe to call from any thread (each
// thread keeps its own simdjson parser and SHA-256 context in thread_local
// storage). Nothing here starts a thread or prints.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/fixed8.h"
#include "core/order.h"
#include "core/quote.h"
#include "core/trading_guard.h"
#include "core/triangle_index.h"

namespace triarb {

// ---------------------------------------------------------------------------
// Records (what the writer takes and the reader gives back)
// ---------------------------------------------------------------------------

// Why a genesis record was written.
enum class genesis_reason : std::uint8_t {
  start,     // the first record of a new chain
  restart,   // a writer reopened an existing chain and continues it
  rotation,  // the first record of the next rotated file
};

struct genesis_record {
  std::int64_t time_ns = 0;  // writer start time (Unix ns)
  genesis_reason reason = genesis_reason::start;
  std::string version;        // binary version string
  std::string config_sha256;  // lower-case hex SHA-256 of config's bytes
  std::string config;         // the configuration text, exactly as given
  std::string universe;       // the universe fingerprint/hash, as the caller gives it
  friend bool operator==(const genesis_record&, const genesis_record&) = default;
};

// One leg as the evaluator saw it (mirrors leg_decision, with the symbol's name).
struct journal_leg {
  std::string symbol;  // "BTCUSDT"
  side dir = side::buy;
  fixed8 price;
  fixed8 book_qty;
  fixed8 fill_qty;
  std::uint64_t update_id = 0;
  std::int64_t age_ns = 0;
  bool valid = false;
  bool qty_capped = false;
  // The quote came from a REST re-seed, not from frame update_id. Written as
  // "reseeded":true after qty_capped only when set; absent means false (so
  // records written before the key existed stay valid and canonical).
  bool reseeded = false;
  friend bool operator==(const journal_leg&, const journal_leg&) = default;
};

struct opportunity_record {
  std::int64_t time_ns = 0;  // opportunity::decided_ns
  triangle_id triangle = 0;
  std::string triangle_name;  // "USDT>BTC>ETH>USDT"
  std::array<journal_leg, 3> legs;
  std::string ratio;  // exact decimal string: digit+ ['.' digit+]
  fixed8 amount_in;
  fixed8 amount_out;
  fixed8 profit;
  std::string rounding = "against_trade";  // the rounding direction the evaluator used
  // Why the opportunity was not actionable (core/trading_guard.h). Written as
  // "suppressed":"halted" after rounding only when not none; absent means
  // actionable (so records written before the key existed stay canonical).
  suppress_reason suppressed = suppress_reason::none;
  friend bool operator==(const opportunity_record&, const opportunity_record&) = default;
};

struct checkpoint_record {
  std::int64_t time_ns = 0;
  std::string counters_json;  // one compact JSON object (telemetry::render_json), embedded verbatim
  friend bool operator==(const checkpoint_record&, const checkpoint_record&) = default;
};

// A trading-state transition, or a quarantine (from == to, triangle_name
// set): a guard_event as the journal records it (core/journal_bridge.h).
struct state_record {
  std::int64_t time_ns = 0;
  trading_state from = trading_state::active;
  trading_state to = trading_state::active;
  guard_trigger trigger = guard_trigger::manual;
  std::string by;             // "guard", or the operator's channel ("http", "signal", ...)
  std::string triangle_name;  // the quarantined triangle; empty: the key is omitted
  std::string
      evidence_json;  // one JSON object (no CR or LF), embedded verbatim, like counters_json
  friend bool operator==(const state_record&, const state_record&) = default;
};

// ---------------------------------------------------------------------------
// Execution records (docs/design.md, section 12; docs/journal-format.md)
// ---------------------------------------------------------------------------
//
// A cycle is written as: its decision (the opportunity record), then for each
// leg an order record and, once the exchange (or the paper fill model) has
// answered, exactly one answer: a fill record (it traded, or expired with
// nothing: an empty fills list) or a reject record (the exchange's error);
// then one cycle record, its outcome and its ledger. Every order names its
// decision by that opportunity record's hash: the thread that owns the
// journal_writer appends the opportunity and, right after the append returns
// ok, reads journal_writer::last_hash(), the hash of the line just written
// (core/journal_writer.h). `journal audit` checks the links
// (offline/journal_audit.h).

// Bounds the writer and the reader share (invalid_reason below): a symbol or
// asset name, a reject's msg and a cycle's reason, in bytes; a fill
// record's fills and a cycle record's residual assets, in entries.
inline constexpr std::size_t kMaxJournalName = 64;
inline constexpr std::size_t kMaxJournalMessage = 512;
inline constexpr std::size_t kMaxJournalFills = 10'000;
inline constexpr std::size_t kMaxJournalResidual = 1'000;

// An order as it was sent (or handed to the paper fill model): a LIMIT order
// of one leg of one cycle.
struct order_record {
  std::int64_t time_ns = 0;     // when it was sent
  std::uint64_t cycle = 0;      // the cycle's number, unique within a writer session
  std::uint8_t leg = 1;         // 1..3, in trading order
  std::string client_order_id;  // valid_client_order_id (core/order.h); unique within a session
  std::string symbol;           // the exchange symbol ("BTCUSDT")
  side dir = side::buy;
  time_in_force tif = time_in_force::ioc;
  fixed8 price;          // the limit (> 0)
  fixed8 quantity;       // base units (> 0)
  std::string decision;  // 64 lower-case hex: the hash of the opportunity record that caused it
  friend bool operator==(const order_record&, const order_record&) = default;
};

// One trade of an answered order, the asset by name.
struct journal_fill {
  fixed8 price;       // > 0
  fixed8 qty;         // base units, > 0
  fixed8 commission;  // >= 0, in commission_asset
  std::string commission_asset;
  std::uint64_t trade_id = 0;
  friend bool operator==(const journal_fill&, const journal_fill&) = default;
};

// The answer to an order that the exchange took: what became of it. An IOC
// or FOK that could not trade is status EXPIRED with executed_qty 0 and no
// fills. (order_result in core/order.h, with names instead of ids.)
struct fill_record {
  std::int64_t time_ns = 0;  // when the answer arrived
  std::string client_order_id;
  order_status status = order_status::filled;
  std::uint64_t order_id = 0;  // the exchange's id
  fixed8 executed_qty;         // >= 0; the audit checks it is the fills' sum
  fixed8 cumulative_quote;     // >= 0; the audit checks it is the sum of fill_quote
  std::vector<journal_fill> fills;
  friend bool operator==(const fill_record&, const fill_record&) = default;
};

// The answer to an order that the exchange refused: its error, as it said it.
struct reject_record {
  std::int64_t time_ns = 0;
  std::string client_order_id;
  std::int32_t code = 0;         // the exchange's code (-1013, -2010, ...)
  std::string msg;               // UTF-8, at most kMaxJournalMessage bytes (see journal_text)
  std::int32_t http_status = 0;  // 100..599, or 0: no HTTP answer (paper, or not sent: code -1)
  friend bool operator==(const reject_record&, const reject_record&) = default;
};

// How a cycle ended (core/cycle.h's final states).
enum class cycle_end : std::uint8_t {
  done,      // legs 2 and 3 each filled their whole quantity (leg 1 may have filled in part)
  residual,  // stopped part-way (a short fill, a leg not sent, an inconsistent answer)
  missed,    // leg 1 filled nothing (rejected, or expired empty): no other leg sent
  kCount,
};

// A cycle's end: its outcome and its ledger, from its orders' fills (the
// cycle_outcome of core/cycle.h, with names). expected_profit is the
// decision's profit; realised_profit the start asset's net over every fill
// and commission of the cycle (signed); residual every other asset's net
// (received - paid - commissions charged in it), only the non-zero ones (a
// zero entry is refused: leave it out), by name (a std::map: written in byte
// order); reason why it is not done (core/cycle.h's cycle_reason name, e.g.
// "short_fill", with any detail after it).
struct cycle_record {
  std::int64_t time_ns = 0;
  std::uint64_t cycle = 0;
  std::string decision;  // 64 lower-case hex, as its orders'
  cycle_end outcome = cycle_end::done;
  std::string start_asset;
  fixed8 expected_profit;  // what the plan expected, in the start asset
  fixed8 realised_profit;  // signed
  std::map<std::string, fixed8> residual;
  std::string reason;  // empty (and not written) exactly when done
  friend bool operator==(const cycle_record&, const cycle_record&) = default;
};

using record_body =
    std::variant<genesis_record, opportunity_record, checkpoint_record, state_record, order_record,
                 fill_record, reject_record, cycle_record>;

// A record as it is stored: the body plus the chain fields.
struct journal_record {
  std::uint64_t seq = 0;
  record_body body;
  std::string prev_hash;  // 64 lower-case hex digits
  std::string hash;       // 64 lower-case hex digits
};

// The longest line a record may have, its '\n' excluded: 4 MiB, far above
// any record the writer makes (a genesis carries the decision configuration,
// a few KB). Verification never holds more than this (plus one read chunk)
// of a line, so a file with a huge or endless line fails with bounded memory
// (journal_errc::line_too_long), naming the file, the line and this limit.
inline constexpr std::size_t kMaxRecordLine = std::size_t{4} << 20;

inline constexpr std::string_view kZeroHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

enum class journal_errc : std::uint8_t {
  ok = 0,
  // Verification: the first bad record and why.
  io_error,         // a file could not be opened or read
  empty,            // the file has no records at all
  truncated_tail,   // the last line has no newline (a torn write or a cut file)
  line_too_long,    // a line longer than kMaxRecordLine (its '\n' excluded)
  garbage,          // a line without the `,"hash":"<64 hex>"}` ending, or not JSON
  malformed,        // JSON with the hash ending, but fields missing, misordered or invalid
  edited,           // the hash does not match the line's bytes
  not_canonical,    // the hash matches, but the line is not in canonical form
  no_genesis,       // the first record is not a genesis record with seq 0 and zero prev_hash
  deleted,          // seq jumps forward and the missing seq is nowhere later
  reordered,        // seq jumps forward and the missing seq comes later
  inserted,         // seq goes backwards (a copied or injected record)
  chain_broken,     // seq is right but prev_hash is not the previous record's hash
  config_mismatch,  // a genesis record's config_sha256 is not the expected one
  // Appending (per-record errors, returned as values and counted).
  invalid_record,  // a string that is not UTF-8, counters that are not one JSON object, ...
  write_failed,    // write/fsync failed; the record is not in the journal
  writer_failed,   // an earlier failure left the file in an unknown state; nothing is written
};

// A short, stable name ("truncated_tail").
[[nodiscard]] std::string_view to_string(journal_errc ec) noexcept;

// The journal's spelling of layer four's enums (docs/journal-format.md):
// "active", "reducing", "halted"; "repeat", "rate", "feed_health",
// "journal", "manual"; "" (none), "reducing", "halted", "quarantined".
// A genesis reason as the journal spells it ("start", "restart", "rotation").
[[nodiscard]] std::string_view to_string(genesis_reason r) noexcept;
[[nodiscard]] std::string_view journal_name(trading_state s) noexcept;
[[nodiscard]] std::string_view journal_name(guard_trigger t) noexcept;
[[nodiscard]] std::string_view journal_name(suppress_reason r) noexcept;

// Empty when a writer may append r, else why not, naming the field: by and
// triangle_name must be UTF-8, evidence_json exactly one JSON object with no
// CR or LF (the rule checkpoint counters follow), the enums in range.
[[nodiscard]] std::string invalid_reason(const state_record& r);
// Likewise: counters_json exactly one JSON object with no CR or LF.
[[nodiscard]] std::string invalid_reason(const checkpoint_record& r);
// Likewise: the names and rounding UTF-8, ratio an exact decimal, suppressed in range.
[[nodiscard]] std::string invalid_reason(const opportunity_record& r);
// Likewise for the execution records: client_order_id valid
// (valid_client_order_id), names UTF-8 of 1..kMaxJournalName bytes, hashes 64
// lower-case hex, enums in range; an order's leg 1..3, price and quantity >
// 0; a fill's amounts >= 0, each trade's price and qty > 0, at most
// kMaxJournalFills trades; a reject's msg UTF-8 of at most kMaxJournalMessage
// bytes, http_status 0 or 100..599; a cycle's reason empty exactly when
// done, else UTF-8 of 1..kMaxJournalMessage bytes, its residual at most
// kMaxJournalResidual assets, none zero.
[[nodiscard]] std::string invalid_reason(const order_record& r);
[[nodiscard]] std::string invalid_reason(const fill_record& r);
[[nodiscard]] std::string invalid_reason(const reject_record& r);
[[nodiscard]] std::string invalid_reason(const cycle_record& r);

// A cycle's end as the journal spells it ("done", "residual", "missed"; ""
// out of range).
[[nodiscard]] std::string_view journal_name(cycle_end o) noexcept;

// Text from outside (an exchange's error message) made fit for a reject's
// msg or a cycle's reason: each byte that is not part of valid UTF-8 becomes
// '?', then it is cut to at most max_bytes at a character boundary.
[[nodiscard]] std::string journal_text(std::string_view raw,
                                       std::size_t max_bytes = kMaxJournalMessage);

// Start-up errors (open, recovery, rotation set-up): what and where.
class journal_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------
// Format
// ---------------------------------------------------------------------------

// Lower-case hex SHA-256 (OpenSSL EVP) of bytes.
[[nodiscard]] std::string sha256_hex(std::string_view bytes);

// The JSON string literal for s, quotes included: '"' and '\\' escaped, control
// characters as \n \r \t \b \f or \u00XX, everything else (UTF-8) as is.
void append_json_string(std::string& out, std::string_view s);

// The canonical bytes that are hashed: the whole line up to and including
// `"prev_hash":"<hex>"`, then '}'. REQUIRES: prev_hash is 64 hex digits.
[[nodiscard]] std::string canonical_body(std::uint64_t seq, const record_body& body,
                                         std::string_view prev_hash);
// The full line, '\n' included: canonical body with `,"hash":"<hex>"` before the final '}'.
[[nodiscard]] std::string format_line(std::uint64_t seq, const record_body& body,
                                      std::string_view prev_hash, std::string* hash_out = nullptr);

struct [[nodiscard]] record_parse_result {
  journal_record record;
  journal_errc ec = journal_errc::ok;  // ok, garbage, malformed, edited or not_canonical
  std::string detail;                  // what was wrong, for messages
  [[nodiscard]] bool ok() const noexcept { return ec == journal_errc::ok; }
};

// Parses one line (with or without its trailing '\n') and checks its own hash
// and canonical form (not its links to neighbours; verify_journal does that).
record_parse_result parse_record(std::string_view line);

}  // namespace triarb
