# Writes the build directory's build_info.cc (core/build_info.h) at build
# time: `cmake -P` from the triarb_build_info_gen target (core/CMakeLists.txt),
# which runs on every build. The file is rewritten only when its content
# changes, so a new commit (or a tree turning dirty or clean) recompiles one
# small file and an unchanged one rebuilds nothing.
#
#   cmake -DOUT=<file> -DSOURCE_DIR=<dir> -DGIT=<git or empty> -DVERSION=0.1.0
#         -DCOMPILER=GNU-12.2.0 -DBUILD_TYPE=Release "-DFLAGS=-O2 ..." -P build_info.cmake
cmake_minimum_required(VERSION 3.25)
foreach(v OUT SOURCE_DIR VERSION COMPILER)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "build_info.cmake: -D${v}=... is required")
  endif()
endforeach()

# The commit: HEAD's short hash when SOURCE_DIR is the top of a git work
# tree (not a tarball unpacked inside some other repository), "-dirty" when a
# tracked file differs from HEAD; "unknown" otherwise (no git, no checkout, a
# repository git refuses to read).
set(commit unknown)
if(GIT)
  # Read-only: no index refresh, which would take .git/index.lock under
  # whoever else is using the work tree.
  set(ENV{GIT_OPTIONAL_LOCKS} 0)
  execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" rev-parse --show-toplevel
                  OUTPUT_VARIABLE top RESULT_VARIABLE rc ERROR_QUIET
                  OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc EQUAL 0)
    file(REAL_PATH "${top}" top)
    file(REAL_PATH "${SOURCE_DIR}" src)
  endif()
  if(rc EQUAL 0 AND top STREQUAL src)
    execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" rev-parse --short HEAD
                    OUTPUT_VARIABLE hash RESULT_VARIABLE rc ERROR_QUIET
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(rc EQUAL 0 AND hash MATCHES "^[0-9a-f]+$")
      set(commit "${hash}")
      execute_process(COMMAND "${GIT}" -C "${SOURCE_DIR}" status --porcelain
                              --untracked-files=no
                      OUTPUT_VARIABLE changes RESULT_VARIABLE rc ERROR_QUIET)
      if(NOT rc EQUAL 0 OR NOT changes STREQUAL "")
        string(APPEND commit "-dirty")
      endif()
    endif()
  endif()
endif()

if("${BUILD_TYPE}" STREQUAL "")
  set(BUILD_TYPE none)
endif()
string(REGEX REPLACE "[ \t\r\n]+" " " FLAGS "${FLAGS}")
string(STRIP "${FLAGS}" FLAGS)

# A C++ string literal's body.
function(cxx_literal out text)
  string(REPLACE "\\" "\\\\" text "${text}")
  string(REPLACE "\"" "\\\"" text "${text}")
  set(${out} "\"${text}\"" PARENT_SCOPE)
endfunction()
set(identity
    "triarb ${VERSION} commit=${commit} compiler=${COMPILER} build=${BUILD_TYPE} flags=${FLAGS}")
foreach(v VERSION commit COMPILER BUILD_TYPE FLAGS identity)
  cxx_literal(lit_${v} "${${v}}")
endforeach()

set(content "// Generated at build time by cmake/build_info.cmake: do not edit.
#include \"core/build_info.h\"

namespace triarb {
namespace {
constexpr build_info kBuild{${lit_VERSION}, ${lit_commit}, ${lit_COMPILER}, ${lit_BUILD_TYPE},
                           ${lit_FLAGS}};
constexpr std::string_view kIdentity = ${lit_identity};
}  // namespace

const build_info& this_build() noexcept { return kBuild; }
std::string_view build_identity() noexcept { return kIdentity; }

}  // namespace triarb
")

set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL content)
  file(WRITE "${OUT}" "${content}")
  message(STATUS "build_info: ${identity}")
endif()
