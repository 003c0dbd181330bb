// private_file: reading a file that holds a credential (the API keys,
// net/api_keys.h; the operator's bearer token, guard.token_file in
// runtime/live_bot.cc). One reader, so the two cannot come to disagree on
// what "only its owner may read it" means.
//
//   std::string text;
//   if (std::string why = read_private_file(path, 4096, "the token must be its owner's only",
//                                           text); !why.empty())
//     throw config_error("guard.token_file " + path + ": " + why);
//
// The file is opened with O_NOFOLLOW (a symbolic link is refused) and
// checked on the open descriptor (no check-then-open race): a regular file,
// owned by this process's effective uid, no group or other permission bits
// (mode & 077 == 0), at most max_bytes. The messages name the rule (and the
// mode, with the chmod that fixes it), never the content.
//
// Thread safety: none needed (no shared state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace triarb {

// Reads path into out and returns "" or, on any refusal, says why (out is
// then zeroed and empty: a partly read secret does not linger). owner_rule
// ends the ownership and mode messages ("the keys must be their owner's
// only"). An empty file is not refused here: each caller says what it lacks.
[[nodiscard]] std::string read_private_file(const std::string& path, std::size_t max_bytes,
                                            std::string_view owner_rule, std::string& out);

}  // namespace triarb
