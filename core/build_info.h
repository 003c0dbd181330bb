// build_info: which build this binary is -- the deployment identity that
// `triarb --version` prints, the start-up lines of `run` and `demo` show and
// every journal genesis records (its `version` field), so an old build
// running somewhere is visible in its output and in its journal.
//
//   std::cout << triarb::build_identity() << "\n";
//   // triarb 0.1.0 commit=abc1234 compiler=GNU-12.2.0 build=RelWithDebInfo flags=-O2 -g1 ...
//   jo.version = triarb::journal_version("live");   // "live: triarb 0.1.0 commit=..."
//
// The values are generated at build time, not at configure time
// (cmake/build_info.cmake writes the build directory's build_info.cc on every
// build, rewriting it only when a value changed): a new commit shows without
// reconfiguring, and an unchanged one rebuilds nothing.
//
// Thread safety: every function here is safe from any thread (constants).
#pragma once

#include <string>
#include <string_view>

namespace triarb {

struct build_info {
  std::string_view version;     // the CMake project version, "0.1.0"
  std::string_view commit;      // short hash of HEAD, "-dirty" appended when tracked files
                                // differed from it; "unknown" outside a git checkout
  std::string_view compiler;    // compiler id and version, "GNU-12.2.0"
  std::string_view build_type;  // CMAKE_BUILD_TYPE ("none" when unset)
  std::string_view flags;       // the C++ flags every triarb file is compiled with: the
                                // build type's, the language standard and the project's
};

[[nodiscard]] const build_info& this_build() noexcept;

// One line: "triarb <version> commit=<commit> compiler=<compiler>
// build=<build_type> flags=<flags>" (flags last: they contain spaces).
[[nodiscard]] std::string_view build_identity() noexcept;

// A journal genesis's `version`: who wrote it (live, sim, campaign, replay)
// and the build: "<role>: " + build_identity().
[[nodiscard]] inline std::string journal_version(std::string_view role) {
  std::string v(role);
  v += ": ";
  v += build_identity();
  return v;
}

}  // namespace triarb
