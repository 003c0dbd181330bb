#!/usr/bin/env bash
# ASan + UBSan build without -march (simdjson's generic kernel): everything
# but the memory-model checks and the ThreadSanitizer stress.
source "$(dirname "$0")/lib.sh"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
build_preset asan-ubsan
test_preset asan-ubsan -LE 'model|tsan'
