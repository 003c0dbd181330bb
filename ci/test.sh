#!/usr/bin/env bash
# The test command (README): installs what is missing, then builds and runs
# every test in every configuration, and a short real libFuzzer run of each
# fuzz target. Prints one closing line: "ci: N passed, N failed".
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/install-deps.sh"
export TRIARB_CI_TALLY
TRIARB_CI_TALLY=$(mktemp)
# What the working tree looks like before: the run must not change it.
tree_state() { git -C "$here/.." status --porcelain --untracked-files=all 2>/dev/null || true; }
tree_before=$(tree_state)
status=0
for step in default asan-ubsan tsan; do
  "$here/$step.sh" || status=1
done
"$here/fuzz.sh" --seconds "${TRIARB_FUZZ_SECONDS:-15}" || status=1
# The test command leaves the working tree as it found it: everything it
# writes goes under build/ (counted as one more check).
tree_after=$(tree_state)
if [ "$tree_before" != "$tree_after" ]; then
  echo "ci: the test command changed the working tree (git status before/after):" >&2
  diff <(echo "$tree_before") <(echo "$tree_after") | head -20 >&2 || true
  echo "clean-tree 1 1" >> "$TRIARB_CI_TALLY"
  status=1
else
  echo "clean-tree 1 0" >> "$TRIARB_CI_TALLY"
fi
awk '{t+=$2; f+=$3} END {printf "ci: %d passed, %d failed\n", t-f, f}' "$TRIARB_CI_TALLY"
rm -f "$TRIARB_CI_TALLY"
exit $status
