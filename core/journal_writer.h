// journal_writer: the durable appender of the decision journal -- opens (or
// verifies and continues) a chain, moves a torn last line aside, appends
// records with the chosen fsync policy and rotates to <path>.1, <path>.2, ...
// (docs/journal-format.md). Records and their format are journal_record.h;
// journal.h includes both.
//
//   journal_options opt;
//   opt.version = "triarb 0.1.0";
//   opt.config_text = read_file("bot.toml");     // hashed as given
//   opt.universe = "fingerprint:0123456789abcdef";
//   opt.start_ns = now_ns();
//   journal_writer w = journal_writer::open("journal.jsonl", opt);  // throws journal_error
//   if (w.append(rec, now_ns()) != journal_errc::ok) ...   // counted in w.stats()
//
// Thread safety: a journal_writer is single-threaded (the bot's journal writer
// thread owns it); different writers must not share a chain. It starts no
// thread and prints nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/journal_record.h"

namespace triarb {

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
  // invalid_record when invalid_reason(r) is not empty (core/journal_record.h;
  // the reader refuses the same as malformed), nothing written.
  [[nodiscard]] journal_errc append(const opportunity_record& r, std::int64_t now_ns);
  [[nodiscard]] journal_errc append(const checkpoint_record& r, std::int64_t now_ns);
  // A trading-state change.
  [[nodiscard]] journal_errc append(const state_record& r, std::int64_t now_ns);
  // The execution records (core/journal_record.h, "Execution records"). An
  // order names its decision: append the opportunity record, and when that
  // append returns ok, last_hash() is its hash, the order's `decision`.
  [[nodiscard]] journal_errc append(const order_record& r, std::int64_t now_ns);
  [[nodiscard]] journal_errc append(const fill_record& r, std::int64_t now_ns);
  [[nodiscard]] journal_errc append(const reject_record& r, std::int64_t now_ns);
  [[nodiscard]] journal_errc append(const cycle_record& r, std::int64_t now_ns);
  // fdatasync now (if anything was written since the last one).
  [[nodiscard]] journal_errc sync();
  // For idle moments of the interval policy: fdatasync if records are waiting
  // and interval_ns has passed since the last fdatasync. Otherwise a no-op.
  [[nodiscard]] journal_errc tick(std::int64_t now_ns);

  [[nodiscard]] const journal_stats& stats() const noexcept { return stats_; }
  // The hash of the last record written (after a successful append: that
  // record's, e.g. the decision an order cites); the chain's last hash after open.
  [[nodiscard]] const std::string& last_hash() const noexcept { return last_hash_; }
  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_seq_; }
  [[nodiscard]] const std::string& current_file() const noexcept { return file_; }
  [[nodiscard]] const std::string& config_sha256() const noexcept { return config_sha256_; }

 private:
  journal_writer() = default;
  template <class Rec>
  journal_errc append_impl(const Rec& r, std::int64_t now_ns);  // defined in journal_writer.cc
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
