#!/usr/bin/env bash
# The test command (README): installs what is missing, then builds and runs
# every test in every configuration, and a short real libFuzzer run of each
# fuzz target. Prints one closing line: "ci: N passed, N failed".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/install-deps.sh"
export TRIARB_CI_TALLY
TRIARB_CI_TALLY=$(mktemp)
status=0
for step in default asan-ubsan tsan; do
  "$here/$step.sh" || status=1
done
"$here/fuzz.sh" --seconds "${TRIARB_FUZZ_SECONDS:-30}" || status=1
awk '{t+=$2; f+=$3} END {printf "ci: %d passed, %d failed\n", t-f, f}' "$TRIARB_CI_TALLY"
rm -f "$TRIARB_CI_TALLY"
exit $status
