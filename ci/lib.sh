# Sourced by the ci/ scripts: build one preset and run some of its tests.
# Every ctest run appends "<preset> <total> <failed>" to $TRIARB_CI_TALLY
# (when set), so ci/test.sh can print one closing line for the whole run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=$(nproc 2>/dev/null || echo 2)

# build_preset PRESET [TARGET...]
build_preset() {
  local preset=$1; shift
  echo "== configure+build: $preset" >&2
  cmake --preset "$preset" >/dev/null
  if [ $# -gt 0 ]; then
    cmake --build --preset "$preset" -j "$jobs" --target "$@"
  else
    cmake --build --preset "$preset" -j "$jobs"
  fi
}

# test_preset PRESET [CTEST ARGS...]
test_preset() {
  local preset=$1; shift
  echo "== test: $preset $*" >&2
  local log rc=0
  log=$(mktemp)
  ctest --preset "$preset" -j "$jobs" "$@" 2>&1 | tee "$log" || rc=$?
  if [ -n "${TRIARB_CI_TALLY:-}" ]; then
    local total failed
    total=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2/p' "$log" | tail -1)
    failed=$(sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
    echo "$preset ${total:-0} ${failed:-0}" >> "$TRIARB_CI_TALLY"
  fi
  rm -f "$log"
  return $rc
}
