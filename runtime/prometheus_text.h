// prometheus_text: the text exposition format's escaping, shared by every
// renderer of /metrics (metrics_server.cc, latency_histogram.cc).
//
//   out += "# HELP " + name + " " + escape_help(help) + "\n";
//
// Thread safety: none needed (pure).
#pragma once

#include <string>
#include <string_view>

namespace triarb {

// HELP text: a backslash and a newline escaped, as the format requires
// (anything else is written as it is).
[[nodiscard]] inline std::string escape_help(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    if (ch == '\\') {
      out += "\\\\";
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace triarb
