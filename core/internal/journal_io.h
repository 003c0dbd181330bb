// internal/journal_io: the helpers that more than one of the journal's .cc
// files needs (journal_record.cc, journal_verify.cc, journal_writer.cc). Not
// part of the public API; include core/journal.h (or one of its three parts)
// instead. Helpers used by one file stay in that file.
//
// Thread safety: every function here is safe to call from any thread.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "core/journal_record.h"

namespace triarb::internal {

// ---------------------------------------------------------------------------
// Line format (defined in journal_record.cc; the writer builds its lines with
// them without going through a record_body)
// ---------------------------------------------------------------------------

// What comes between the canonical body and the hash: `,"hash":"`.
inline constexpr std::string_view kHashKey = ",\"hash\":\"";

// digit+ ['.' digit+]
bool is_decimal(std::string_view s) noexcept;

// Appends the canonical body of rec (see canonical_body) to out. Instantiated
// in journal_record.cc for every record_body alternative (genesis,
// opportunity, checkpoint, state, order, fill, reject, cycle).
template <class Rec>
void canonical_body_to(std::string& out, std::uint64_t seq, const Rec& rec,
                       std::string_view prev_hash);

// ---------------------------------------------------------------------------
// Files (defined in journal_io.cc)
// ---------------------------------------------------------------------------

// Reads a whole stream in chunks (istreambuf_iterator trips -Wnull-dereference).
std::string read_stream(std::istream& in);

// The whole file's bytes; ok is false if it cannot be opened or read.
std::string read_whole_file(const std::string& path, bool& ok);

bool file_exists(const std::string& path);

// strerror(e) as a string.
std::string errno_text(int e);

// What a file that is not regular is, for an error: "a FIFO", "a directory",
// "a character device", "a block device", "a socket" (st_mode from stat).
std::string_view file_kind(unsigned mode) noexcept;

}  // namespace triarb::internal
