// journal_verify: checking a whole chain of journal records -- seq order,
// prev_hash links, genesis and rotation rules, the expected configuration --
// across the rotated files <path>, <path>.1, <path>.2, ... and reading a
// verified chain back (docs/journal-format.md). Single records are
// journal_record.h; journal.h includes both.
//
//   verify_report r = verify_journal("journal.jsonl", {});
//   if (!r.ok()) std::puts(r.message().c_str());   // "journal.jsonl line 7 (seq 6): edited: ..."
//
// Thread safety: every function here is safe to call from any thread (each
// thread keeps its own simdjson parser and SHA-256 context in thread_local
// storage). Nothing here starts a thread or prints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/journal_record.h"

namespace triarb {

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

// Verifies the chain starting at path (and its rotated successors). Every
// file must be a regular file: a FIFO, a device or a directory is refused
// unread (io_error). Files are read line by line: a line longer than
// kMaxRecordLine is line_too_long, and no more than that (plus one read
// chunk) of any line is held, whatever the file holds.
[[nodiscard]] verify_report verify_journal(const std::string& path, const verify_options& opt);
// Verifies one stream as a whole chain, line by line as above; name is used
// in messages.
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

}  // namespace triarb
