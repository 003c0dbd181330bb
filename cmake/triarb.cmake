# Shared flags and the small helpers that keep per-folder CMakeLists short:
#   triarb_test(layer/name [LABELS l...] [LIBS lib...])   tests/<layer>/<name>.cc -> ctest <name>
#   triarb_fuzzer(name [LIBS lib...])               fuzz/<name>.cc -> replay test or libFuzzer binary
#   triarb_beast_sources(file...)                   files that instantiate Beast's streams

add_library(triarb_flags INTERFACE)
# Includes name their layer ("core/order_book.h", "net/ws_connection.h"):
# the one include root is the source tree.
target_include_directories(triarb_flags INTERFACE ${PROJECT_SOURCE_DIR})
target_compile_options(triarb_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wnull-dereference
  -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # ThreadSanitizer ignores standalone fences; the seqlock's fences are
  # checked by the Relacy model tests instead (see HACKING.md).
  target_compile_options(triarb_flags INTERFACE -Wno-tsan)
endif()
if(TRIARB_MARCH AND NOT TRIARB_SANITIZE)
  target_compile_options(triarb_flags INTERFACE -march=${TRIARB_MARCH})
endif()
if(TRIARB_SANITIZE)
  target_compile_options(triarb_flags INTERFACE
    -fsanitize=${TRIARB_SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(triarb_flags INTERFACE -fsanitize=${TRIARB_SANITIZE})
endif()
if(TRIARB_FUZZ)
  target_compile_options(triarb_flags INTERFACE -fsanitize=fuzzer-no-link)
endif()

# Files that instantiate Beast's TLS and WebSocket streams: the slowest of
# the build by far (one took 273 s under ASan + UBSan). Asio/libstdc++ give
# -Wnull-dereference false positives in them at -O2. Under the sanitizers
# they keep ASan but not UBSan, whose checks of Beast's templates doubled
# their compile time (measured: 117 s -> 62 s for net/ws_connection.cc);
# the decisions they carry out are conn_policy's and the re-seed tracker's,
# compiled with both.
function(triarb_beast_sources)
  set(opts -Wno-null-dereference)
  if(TRIARB_SANITIZE MATCHES "undefined")
    list(APPEND opts -fno-sanitize=undefined)
  endif()
  set_source_files_properties(${ARGN} DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
                              PROPERTIES COMPILE_OPTIONS "${opts}")
endfunction()

set(TRIARB_TEST_TMPDIR ${PROJECT_BINARY_DIR}/test-tmp)
file(MAKE_DIRECTORY ${TRIARB_TEST_TMPDIR})

function(triarb_test path)
  cmake_parse_arguments(T "" "" "LABELS;LIBS;SOURCES" ${ARGN})
  if(TRIARB_TEST_SCOPE STREQUAL "tsan" AND NOT "tsan" IN_LIST T_LABELS)
    return()
  endif()
  get_filename_component(name ${path} NAME)
  add_executable(${name} ${path}.cc ${T_SOURCES})
  target_link_libraries(${name} PRIVATE triarb_core GTest::gtest_main ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  # ::testing::TempDir() is this build's own folder, so the same test run from
  # two builds at once (default and asan-ubsan, say) never shares its files.
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT 600
                       ENVIRONMENT "TEST_TMPDIR=${TRIARB_TEST_TMPDIR}")
endfunction()

function(triarb_fuzzer name)
  cmake_parse_arguments(F "" "" "LIBS" ${ARGN})
  if(TRIARB_TEST_SCOPE STREQUAL "tsan")
    return()
  endif()
  add_executable(fuzz_${name} ${name}.cc)
  target_link_libraries(fuzz_${name} PRIVATE triarb_core triarb_fuzz_support ${F_LIBS})
  if(TRIARB_FUZZ)
    # The engine: libFuzzer here; OSS-Fuzz passes its $LIB_FUZZING_ENGINE
    # (ci/oss-fuzz-build.sh), a flag or a library path.
    separate_arguments(engine UNIX_COMMAND "${TRIARB_FUZZ_ENGINE}")
    target_link_options(fuzz_${name} PRIVATE ${engine})
  else()
    target_sources(fuzz_${name} PRIVATE replay_main.cc)
    # fuzz/<name>.seeds: other targets' corpora that are seeds here too (one
    # name a line, '#' comments); replayed after corpus/<name>/, as ci/fuzz.sh
    # and ci/oss-fuzz-build.sh feed them.
    set(corpora ${PROJECT_SOURCE_DIR}/corpus/${name})
    set(seeds_file ${CMAKE_CURRENT_SOURCE_DIR}/${name}.seeds)
    if(EXISTS ${seeds_file})
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${seeds_file})
      file(STRINGS ${seeds_file} extra REGEX "^[^#]")
      foreach(seed IN LISTS extra)
        string(STRIP "${seed}" seed)
        if(seed)
          list(APPEND corpora ${PROJECT_SOURCE_DIR}/corpus/${seed})
        endif()
      endforeach()
    endif()
    add_test(NAME fuzz_replay_${name} COMMAND fuzz_${name} ${corpora})
    set_tests_properties(fuzz_replay_${name} PROPERTIES LABELS fuzz-replay TIMEOUT 600)
  endif()
endfunction()
