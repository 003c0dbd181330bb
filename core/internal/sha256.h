// internal/sha256: the journal's SHA-256 (OpenSSL EVP), writing lower-case
// hex straight into a caller's buffer. Not part of the public API: the public
// entry point is sha256_hex (core/journal_record.h); this is the
// allocation-free form that journal_record.cc and journal_writer.cc hash
// record lines with.
//
//   char hex[64];
//   internal::sha256_hex_to(line, hex);   // throws journal_error if OpenSSL fails
//
// Thread safety: safe from any thread (each thread keeps its own SHA-256
// implementation and context in thread_local storage).
#pragma once

#include <string_view>

namespace triarb::internal {

// Writes the 64 lower-case hex digits of the SHA-256 of bytes to out64[0, 64)
// (no terminator). Throws journal_error only on allocation failure or an
// OpenSSL without SHA-256.
void sha256_hex_to(std::string_view bytes, char* out64);

}  // namespace triarb::internal
