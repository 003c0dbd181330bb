#!/usr/bin/env bash
# Default build (optimised, assertions on, -march=native): every test label,
# then the layering check (ci/check-layers.sh) over the same configuration.
source "$(dirname "$0")/lib.sh"
build_preset default
rc=0
test_preset default || rc=1
layers_rc=0
ci/check-layers.sh || layers_rc=1
[ -n "${TRIARB_CI_TALLY:-}" ] && echo "layers 1 $layers_rc" >> "$TRIARB_CI_TALLY"
[ $rc -eq 0 ] && [ $layers_rc -eq 0 ]
