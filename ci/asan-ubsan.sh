#!/usr/bin/env bash
# ASan + UBSan build without -march (simdjson's generic kernel): everything
# but the memory-model checks and the ThreadSanitizer stress.
source "$(dirname "$0")/lib.sh"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The campaign (label campaign) on a reduced set under the sanitizers: one
# seed, one simulated second per scenario (ci/campaign.sh runs the full sweep).
export TRIARB_CAMPAIGN_SEEDS=${TRIARB_CAMPAIGN_SEEDS:-1}
export TRIARB_CAMPAIGN_DURATION_MS=${TRIARB_CAMPAIGN_DURATION_MS:-1000}
# ... and the network campaign, 3 real seconds per scenario.
export TRIARB_NET_CAMPAIGN_DURATION_MS=${TRIARB_NET_CAMPAIGN_DURATION_MS:-3000}
build_preset asan-ubsan
test_preset asan-ubsan -LE 'model|tsan'
