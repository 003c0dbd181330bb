#!/usr/bin/env bash
# Real libFuzzer runs of every fuzz target (or the ones named), built with the
# `fuzz` preset (clang-14, -fsanitize=fuzzer, ASan+UBSan). Installs nothing
# (ci/install-deps.sh does).
#
#   ci/fuzz.sh [--seconds N] [--fork J] [--merge] [TARGET...]
#     --seconds N  run each target for N seconds (default 30)
#     --fork J     use libFuzzer's -fork=J (J worker processes; nightly runs)
#     --merge      merge new coverage into corpus/<target>/ even when $CI is set
#     TARGET       fuzz/<TARGET>.cc; default: every fuzz/*.cc target
#
# Each target runs on a scratch copy of corpus/<target>/, with fuzz/<target>.dict
# and the flags in fuzz/<target>.options (one per line, '#' comments) when they
# exist. Afterwards:
#   - inputs that add coverage are merged back into corpus/<target>/ (-merge=1),
#     only outside CI ($CI unset) or with --merge, so CI never dirties the checkout;
#   - each crash (crash-/leak-/timeout-/oom- artifact) is minimised
#     (-minimize_crash=1) into corpus/<target>/regression-<kind>-<sha1>, with a
#     one-line note corpus/<target>/REPRODUCE-regression-<kind>-<sha1>.txt. The
#     regression file then fails the fuzz-replay ctest until the bug is fixed.
# Exits non-zero if any target failed to build or crashed. Appends
# "fuzz <targets run> <targets failed>" to $TRIARB_CI_TALLY when it is set
# (the same "<name> <total> <failed>" shape as test_preset in ci/lib.sh).
source "$(dirname "$0")/lib.sh"
root=$(pwd)

seconds=30
fork=0
merge=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --fork) fork=$2; shift 2 ;;
    --merge) merge=1; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ -z "${CI:-}" ]; then merge=1; fi

if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*.cc; do
    name=$(basename "$f" .cc)
    [ "$name" = replay_main ] && continue
    grep -q 'LLVMFuzzerTestOneInput' "$f" && targets+=("$name")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets found" >&2
  exit 1
fi

bin_dir="$root/build/fuzz/fuzz"
passed=0
failed=0
failed_names=()

# Prints the libFuzzer flags from fuzz/<target>.options, one per line.
target_options() {
  local file="$root/fuzz/$1.options"
  [ -f "$file" ] && grep -v '^[[:space:]]*\(#\|$\)' "$file" || true
}

# minimise_crash TARGET BIN ARTIFACT: writes corpus/<target>/regression-* and its note.
minimise_crash() {
  local target=$1 bin=$2 artifact=$3
  local kind sha name out
  kind=$(basename "$artifact" | cut -d- -f1)
  sha=$(sha1sum "$artifact" | cut -c1-12)
  name="regression-$kind-$sha"
  out="$root/corpus/$target/$name"
  local -a opts
  mapfile -t opts < <(target_options "$target")
  local min_secs=$(( seconds < 60 ? (seconds < 10 ? 10 : seconds) : 60 ))
  if [ "$kind" = crash ]; then
    echo "== minimise $target: $(basename "$artifact") (${min_secs}s)" >&2
    (cd "$(dirname "$artifact")" &&
      "$bin" "${opts[@]}" -minimize_crash=1 -max_total_time="$min_secs" \
        -exact_artifact_path="$out.min" "$artifact" >"$out.minlog" 2>&1) || true
  fi
  # Keep the minimised input only if it still fails; otherwise the original.
  if [ -s "$out.min" ] && ! "$bin" "${opts[@]}" -runs=1 "$out.min" >/dev/null 2>&1; then
    mv "$out.min" "$out"
  else
    cp "$artifact" "$out"
    rm -f "$out.min"
  fi
  rm -f "$out.minlog"
  printf '%s\n' "$kind found by ci/fuzz.sh on $(date -u +%Y-%m-%d) in fuzz_$target; reproduce: cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_$target && build/fuzz/fuzz/fuzz_$target corpus/$target/$name (or, any build: build/default/fuzz/fuzz_$target corpus/$target/$name)" \
    > "$root/corpus/$target/REPRODUCE-$name.txt"
  echo "fuzz.sh: $target: $kind -> corpus/$target/$name (see REPRODUCE-$name.txt)" >&2
}

for target in "${targets[@]}"; do
  if [ ! -f "fuzz/$target.cc" ]; then
    echo "fuzz.sh: no such target: fuzz/$target.cc" >&2
    failed=$((failed + 1)); failed_names+=("$target"); continue
  fi
  if ! build_preset fuzz "fuzz_$target"; then
    echo "fuzz.sh: $target: build failed" >&2
    failed=$((failed + 1)); failed_names+=("$target"); continue
  fi
  bin="$bin_dir/fuzz_$target"
  mkdir -p "corpus/$target"
  work=$(mktemp -d "${TMPDIR:-/tmp}/triarb-fuzz-$target.XXXXXX")
  mkdir -p "$work/corpus" "$work/artifacts"
  find "corpus/$target" -type f ! -name 'REPRODUCE-*' ! -name '.*' -exec cp {} "$work/corpus/" \;

  args=(-max_total_time="$seconds" -artifact_prefix="$work/artifacts/" -print_final_stats=1)
  [ -f "fuzz/$target.dict" ] && args+=(-dict="$root/fuzz/$target.dict")
  mapfile -t opts < <(target_options "$target")
  args+=("${opts[@]}")
  [ "$fork" -gt 0 ] && args+=(-fork="$fork")

  before=$(find "$work/corpus" -type f | wc -l)
  echo "== fuzz $target: ${seconds}s, $before seed inputs, fork=$fork" >&2
  rc=0
  (cd "$work" && "$bin" "${args[@]}" "$work/corpus") >"$work/log" 2>&1 || rc=$?
  { grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs|stat::number_of_executed_units|stat::new_units_added|INFO: exiting)' "$work/log"
    grep -E '^#[0-9]+: cov:' "$work/log" | tail -n 1; } >&2 || true  # the last line is -fork's summary

  crashed=0
  shopt -s nullglob
  artifacts=("$work/artifacts"/crash-* "$work/artifacts"/leak-* "$work/artifacts"/timeout-* "$work/artifacts"/oom-*)
  shopt -u nullglob
  if [ $rc -ne 0 ] || [ ${#artifacts[@]} -gt 0 ]; then
    crashed=1
    echo "fuzz.sh: $target: libFuzzer exited $rc; last lines of its log:" >&2
    tail -n 40 "$work/log" >&2
    for a in "${artifacts[@]}"; do minimise_crash "$target" "$bin" "$a"; done
  fi

  if [ "$merge" -eq 1 ]; then
    n0=$(find "corpus/$target" -type f ! -name 'REPRODUCE-*' | wc -l)
    (cd "$work" && "$bin" "${opts[@]}" -merge=1 "$root/corpus/$target" "$work/corpus") \
      >"$work/merge.log" 2>&1 || echo "fuzz.sh: $target: merge failed (see $work/merge.log)" >&2
    n1=$(find "corpus/$target" -type f ! -name 'REPRODUCE-*' | wc -l)
    echo "== merge $target: corpus/$target $n0 -> $n1 files" >&2
  fi

  if [ $crashed -eq 1 ]; then
    failed=$((failed + 1)); failed_names+=("$target")
    echo "fuzz.sh: $target: FAILED (scratch dir kept: $work)" >&2
  else
    passed=$((passed + 1))
    rm -rf "$work"
  fi
done

total=$((passed + failed))
echo "fuzz: $passed passed, $failed failed${failed_names:+ (${failed_names[*]})}"
if [ -n "${TRIARB_CI_TALLY:-}" ]; then
  echo "fuzz $total $failed" >> "$TRIARB_CI_TALLY"
fi
[ "$failed" -eq 0 ]
