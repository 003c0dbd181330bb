// journal: the decision journal, a hash-chained JSON Lines file that records
// every opportunity (what each leg looked like to the evaluator and what it
// decided), survives crashes, and shows any later edit. The format is
// specified in docs/journal-format.md; this header is the C++ side of it.
//
// Every line is one record. The first record of a chain is a genesis record;
// then opportunity and checkpoint records follow, and every writer session
// (restart) and every rotated file starts with another genesis record that
// links to the previous record. Each record carries "seq" (0, 1, 2, ... across
// the whole chain), "prev_hash" (the previous record's hash, 64 zeros for the
// very first) and, always last, "hash": the SHA-256 of the line's bytes with
// the `,"hash":"<64 hex>"` part removed.
//
//   journal_options opt;
//   opt.version = "triarb 0.1.0";
//   opt.config_text = read_file("bot.toml");     // hashed as given
//   opt.universe = "fingerprint:0123456789abcdef";
//   opt.start_ns = now_ns();
//   journal_writer w = journal_writer::open("journal.jsonl", opt);  // throws journal_error
//   if (w.append(rec, now_ns()) != journal_errc::ok) ...   // counted in w.stats()
//   verify_report r = verify_journal("journal.jsonl", {});
//   if (!r.ok()) std::puts(r.message().c_str());   // "journal.jsonl line 7 (seq 6): edited: ..."
//
// Thread safety: journal_writer is single-threaded (the bot's journal writer
// thread owns it). verify_journal, parse_record and the format functions are
// safe to call from any thread (each thread keeps its own simdjson parser and
// SHA-256 context in thread_local storage). No function here starts a thread
// or prints.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/fixed8.h"
#include "core/quote.h"
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
  friend bool operator==(const opportunity_record&, const opportunity_record&) = default;
};

struct checkpoint_record {
  std::int64_t time_ns = 0;
  std::string counters_json;  // one compact JSON object (telemetry::render_json), embedded verbatim
  friend bool operator==(const checkpoint_record&, const checkpoint_record&) = default;
};

using record_body = std::variant<genesis_record, opportunity_record, checkpoint_record>;

// A record as it is stored: the body plus the chain fields.
struct journal_record {
  std::uint64_t seq = 0;
  record_body body;
  std::string prev_hash;  // 64 lower-case hex digits
  std::string hash;       // 64 lower-case hex digits
};

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

// ---------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------

struct verify_options {
  // When set, every genesis record must carry this config_sha256.
  std::optional<std::string> expected_config_sha256;
  // Follow rotated files <path>.1, <path>.2, ... (verify_journal(path) only).
  bool follow_rotation = true;
};

struct verify_report {
  journal_errc reason = journal_errc::ok;
  std::uint64_t records = 0;              // records that verified before the first bad one
  std::size_t files = 0;                  // files read
  std::string last_hash{kZeroHash};       // hash of the last good record
  std::optional<std::uint64_t> last_seq;  // seq of the last good record
  // Where the first bad record is (when !ok()).
  std::string file;
  std::uint64_t line = 0;                // 1-based line number in file
  std::optional<std::uint64_t> bad_seq;  // its seq, when it could be read
  std::uint64_t bad_offset = 0;          // byte offset of the bad line in file
  std::string detail;

  [[nodiscard]] bool ok() const noexcept { return reason == journal_errc::ok; }
  // "12 records OK (2 files)" or
  // "journal.jsonl line 7 (seq 6): edited: hash does not match the line (expected ..., line says
  // ...)"
  [[nodiscard]] std::string message() const;
};

// Verifies the chain starting at path (and its rotated successors).
[[nodiscard]] verify_report verify_journal(const std::string& path, const verify_options& opt);
// Verifies one stream as a whole chain; name is used in messages.
[[nodiscard]] verify_report verify_journal_stream(std::istream& in, std::string_view name,
                                                  const verify_options& opt);
// Verifies bytes (one file's contents) as one whole chain; name is used in messages.
[[nodiscard]] verify_report verify_journal_bytes(std::string_view bytes, std::string_view name,
                                                 const verify_options& opt);

// The files of the chain starting at path: path, path.1, path.2, ... as long as they exist.
[[nodiscard]] std::vector<std::string> chain_files(const std::string& path);

// Reads every record of the chain at path (for `journal show`). Throws
// journal_error with verify_report::message() if the chain does not verify.
[[nodiscard]] std::vector<journal_record> read_journal(const std::string& path);

// ---------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------

struct fsync_policy {
  enum class kind : std::uint8_t {
    every_record,  // fdatasync after each record
    interval,      // fdatasync when interval_ns has passed since the last one (caller's clock)
    every_n,       // fdatasync after every n records
    never,         // only the page cache (tests, benchmarks); still survives a process kill
  };
  kind k = kind::every_record;
  std::int64_t interval_ns = 100'000'000;
  std::uint32_t n = 100;
};

struct journal_options {
  std::string version;      // binary version string
  std::string config_text;  // configuration as given; must be valid UTF-8
  std::string universe;     // universe fingerprint/hash
  std::int64_t start_ns = 0;
  fsync_policy fsync;
  // Rotate to the next file once the current one reaches this many bytes; 0: never.
  std::uint64_t rotate_bytes = 0;
  // If the existing chain does not verify (or has another configuration):
  // false: throw journal_error, touch nothing;
  // true: rename every file of it to <file>.broken-<n> (kept) and start a new chain.
  bool start_new_on_broken = false;
};

struct journal_stats {
  std::uint64_t records_written = 0;  // including genesis records
  std::uint64_t append_errors = 0;    // appends that returned an error
  std::uint64_t fsyncs = 0;
  std::uint64_t rotations = 0;
  std::uint64_t rotation_failures = 0;  // the next file could not be created; kept appending
  std::uint64_t torn_moved = 0;         // torn tails moved aside at open
  std::uint64_t chains_set_aside = 0;   // broken chains renamed at open
  std::uint64_t records_recovered = 0;  // records of the existing chain at open
};

class journal_writer {
 public:
  // Opens (creating, or verifying and continuing) the chain at path and
  // writes a genesis record. For an existing chain: a torn last line (no
  // newline) of the last file is moved to <file>.torn-<n> and the chain
  // continues from the last good hash; any other failure (including another
  // configuration) throws journal_error unless start_new_on_broken. An
  // existing file is never overwritten or truncated except for the torn tail.
  // config_text, version and universe must be valid UTF-8 (journal_error otherwise).
  // The genesis record is fdatasynced whatever the policy.
  [[nodiscard]] static journal_writer open(const std::string& path, const journal_options& opt);

  journal_writer(journal_writer&& o) noexcept;
  journal_writer& operator=(journal_writer&& o) noexcept;
  journal_writer(const journal_writer&) = delete;
  journal_writer& operator=(const journal_writer&) = delete;
  ~journal_writer();  // fdatasyncs and closes (errors ignored: call sync() first to see them)

  // Appends one record. now_ns drives the interval fsync policy. Errors are
  // values, counted in stats().append_errors; on a failed write the file is
  // cut back to the last good record (or the writer stops: writer_failed).
  [[nodiscard]] journal_errc append(const opportunity_record& r, std::int64_t now_ns);
  [[nodiscard]] journal_errc append(const checkpoint_record& r, std::int64_t now_ns);
  // fdatasync now (if anything was written since the last one).
  [[nodiscard]] journal_errc sync();
  // For idle moments of the interval policy: fdatasync if records are waiting
  // and interval_ns has passed since the last fdatasync. Otherwise a no-op.
  [[nodiscard]] journal_errc tick(std::int64_t now_ns);

  [[nodiscard]] const journal_stats& stats() const noexcept { return stats_; }
  [[nodiscard]] const std::string& last_hash() const noexcept { return last_hash_; }
  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_seq_; }
  [[nodiscard]] const std::string& current_file() const noexcept { return file_; }
  [[nodiscard]] const std::string& config_sha256() const noexcept { return config_sha256_; }

 private:
  journal_writer() = default;
  template <class Rec>
  journal_errc append_impl(const Rec& r, std::int64_t now_ns);  // defined in journal.cc
  journal_errc write_line(const std::string& line);
  void open_file_for_append(const std::string& file, bool create);
  bool rotate(std::int64_t now_ns);
  journal_errc write_genesis(genesis_reason reason, std::int64_t time_ns);
  void close_fd() noexcept;

  std::string path_;            // the chain's first file
  std::string file_;            // the file being appended to
  std::size_t file_index_ = 0;  // 0: path_, k: path_.k
  int fd_ = -1;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t next_seq_ = 0;
  std::string last_hash_{kZeroHash};
  std::string config_sha256_;
  journal_options opt_;
  std::int64_t last_sync_ns_ = 0;
  std::uint32_t since_sync_ = 0;
  bool failed_ = false;
  journal_stats stats_;
  std::string line_;  // reused buffer
};

}  // namespace triarb
