#!/usr/bin/env bash
# ThreadSanitizer build: the concurrency stress tests (ctest label tsan).
source "$(dirname "$0")/lib.sh"
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
build_preset tsan
test_preset tsan -L tsan
