#!/usr/bin/env bash
# Real libFuzzer runs of every fuzz target (or the ones named), built with the
# `fuzz` preset (clang-14, -fsanitize=fuzzer, ASan+UBSan). Installs nothing
# (ci/install-deps.sh does).
#
#   ci/fuzz.sh [--seconds N] [--fork J] [--jobs P] [TARGET...]
#     --seconds N  run each target for N seconds (default 30)
#     --fork J     use libFuzzer's -fork=J (J worker processes; nightly runs)
#     --jobs P     run P targets at once (default: one per core, or one at a
#                  time with --fork); each target's log is printed when it ends
#     TARGET       fuzz/<TARGET>.cc; default: every fuzz/*.cc target
#   ci/fuzz.sh --promote [TARGET...]
#     copies what earlier runs found (build/fuzz-corpus/<target>/: new coverage
#     inputs, regression-* files and their REPRODUCE-* notes) into
#     corpus/<target>/, the corpus every build replays; then commit the ones
#     worth keeping (HACKING.md, "Fuzzing").
#
# Each target runs on a scratch copy of corpus/<target>/ (plus the corpora
# fuzz/<target>.seeds names, one target a line), with fuzz/<target>.dict
# and the flags in fuzz/<target>.options (one per line, '#' comments) when they
# exist. Nothing is written to the source tree; afterwards, under
# build/fuzz-corpus/<target>/:
#   - the corpus merged with the inputs that add coverage (-merge=1; names are
#     content hashes, so new ones are the names corpus/<target>/ lacks);
#   - each crash (crash-/leak-/timeout-/oom- artifact) minimised
#     (-minimize_crash=1) into regression-<kind>-<sha1>, with a one-line note
#     REPRODUCE-regression-<kind>-<sha1>.txt. Promoted into corpus/<target>/, the
#     regression file fails the fuzz-replay ctest in every build until the bug
#     is fixed.
# Exits non-zero if any target failed to build or crashed. Appends
# "fuzz <targets run> <targets failed>" to $TRIARB_CI_TALLY when it is set
# (the same "<name> <total> <failed>" shape as test_preset in ci/lib.sh).
source "$(dirname "$0")/lib.sh"
root=$(pwd)

seconds=30
fork=0
jobs_arg=0
promote=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --fork) fork=$2; shift 2 ;;
    --jobs)
      [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --jobs needs a positive whole number, not '${2:-}'" >&2; exit 2; }
      jobs_arg=$2; shift 2 ;;
    --promote) promote=1; shift ;;
    -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

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

findings="$root/build/fuzz-corpus"

if [ "$promote" -eq 1 ]; then
  for target in "${targets[@]}"; do
    src="$findings/$target"
    [ -d "$src" ] || { echo "fuzz.sh: $target: nothing to promote ($src does not exist)" >&2; continue; }
    mkdir -p "corpus/$target"
    n=0
    for f in "$src"/*; do
      [ -f "$f" ] || continue
      [ -e "corpus/$target/$(basename "$f")" ] && continue
      cp "$f" "corpus/$target/"
      n=$((n + 1))
    done
    echo "fuzz.sh: $target: $n new files -> corpus/$target/ (review, then git add the ones worth keeping)"
  done
  exit 0
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

# Prints the other corpora fuzz/<target>.seeds names as seeds, one a line.
target_seeds() {
  local file="$root/fuzz/$1.seeds"
  [ -f "$file" ] && grep -v '^[[:space:]]*\(#\|$\)' "$file" || true
}

# minimise_crash TARGET BIN ARTIFACT: writes build/fuzz-corpus/<target>/regression-* and its note.
minimise_crash() {
  local target=$1 bin=$2 artifact=$3
  local kind sha name out
  kind=$(basename "$artifact" | cut -d- -f1)
  sha=$(sha1sum "$artifact" | cut -c1-12)
  name="regression-$kind-$sha"
  mkdir -p "$findings/$target"
  out="$findings/$target/$name"
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
  printf '%s\n' "$kind found by ci/fuzz.sh on $(date -u +%Y-%m-%d) in fuzz_$target; reproduce: cmake --preset fuzz && cmake --build --preset fuzz --target fuzz_$target && build/fuzz/fuzz/fuzz_$target corpus/$target/$name (or, any build: build/default/fuzz/fuzz_$target corpus/$target/$name); ci/fuzz.sh --promote $target puts it in corpus/" \
    > "$findings/$target/REPRODUCE-$name.txt"
  echo "fuzz.sh: $target: $kind -> build/fuzz-corpus/$target/$name (see REPRODUCE-$name.txt; ci/fuzz.sh --promote $target adds it to corpus/)" >&2
}

# run_target TARGET: one libFuzzer run, its crashes minimised, its corpus
# merged; returns 1 if it crashed. Its progress goes to stderr.
run_target() {
  local target=$1 bin work before rc crashed merged n0 n1
  local -a args opts artifacts
  bin="$bin_dir/fuzz_$target"
  mkdir -p "corpus/$target"
  work=$(mktemp -d "${TMPDIR:-/tmp}/triarb-fuzz-$target.XXXXXX")
  mkdir -p "$work/corpus" "$work/artifacts"
  find "corpus/$target" -type f ! -name 'REPRODUCE-*' ! -name '.*' -exec cp {} "$work/corpus/" \;
  while read -r seed; do
    [ -d "corpus/$seed" ] || { echo "fuzz.sh: $target: fuzz/$target.seeds: no corpus/$seed" >&2; continue; }
    find "corpus/$seed" -type f ! -name 'REPRODUCE-*' ! -name '.*' -exec cp -n {} "$work/corpus/" \;
  done < <(target_seeds "$target")

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

  # Merge into build/fuzz-corpus/<target>/ (the corpus plus what adds coverage).
  merged="$findings/$target"
  mkdir -p "$merged"
  find "corpus/$target" -type f ! -name 'REPRODUCE-*' ! -name '.*' -exec cp -n {} "$merged/" \;
  n0=$(find "corpus/$target" -type f ! -name 'REPRODUCE-*' | wc -l)
  (cd "$work" && "$bin" "${opts[@]}" -merge=1 "$merged" "$work/corpus") \
    >"$work/merge.log" 2>&1 || echo "fuzz.sh: $target: merge failed (see $work/merge.log)" >&2
  n1=$(find "$merged" -type f ! -name 'REPRODUCE-*' | wc -l)
  echo "== merge $target: corpus/$target $n0 files, build/fuzz-corpus/$target $n1 ($((n1 - n0)) new; ci/fuzz.sh --promote $target)" >&2

  if [ $crashed -eq 1 ]; then
    echo "fuzz.sh: $target: FAILED (scratch dir kept: $work)" >&2
  else
    rm -rf "$work"
  fi
  return $crashed
}

# Build every target first (one ninja run keeps both cores busy), then each
# one alone where that fails, so a broken target is named and the rest run.
valid=()
for target in "${targets[@]}"; do
  if [ -f "fuzz/$target.cc" ]; then
    valid+=("$target")
  else
    echo "fuzz.sh: no such target: fuzz/$target.cc" >&2
    failed=$((failed + 1)); failed_names+=("$target")
  fi
done
built=()
if [ ${#valid[@]} -gt 0 ] && build_preset fuzz "${valid[@]/#/fuzz_}"; then
  built=("${valid[@]}")
else
  for target in "${valid[@]}"; do
    if build_preset fuzz "fuzz_$target"; then
      built+=("$target")
    else
      echo "fuzz.sh: $target: build failed" >&2
      failed=$((failed + 1)); failed_names+=("$target")
    fi
  done
fi

# Run them --jobs at a time (default: one per core; with --fork each run
# already uses J processes, so one at a time). Each target's progress is
# kept in its own log and printed whole when it ends.
[ "$jobs_arg" -gt 0 ] && par=$jobs_arg || { [ "$fork" -gt 0 ] && par=1 || par=$jobs; }
logs=$(mktemp -d "${TMPDIR:-/tmp}/triarb-fuzz-logs.XXXXXX")
declare -A pid_of=()
finish() {  # finish TARGET PID: waits for it, prints its log, counts it
  local target=$1 rc=0
  wait "$2" || rc=$?
  cat "$logs/$target" >&2
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); failed_names+=("$target")
  fi
}
running=()
for target in "${built[@]}"; do
  while [ ${#running[@]} -ge "$par" ]; do
    finish "${running[0]}" "${pid_of[${running[0]}]}"
    running=("${running[@]:1}")
  done
  run_target "$target" 2>"$logs/$target" &
  pid_of[$target]=$!
  running+=("$target")
done
for target in "${running[@]}"; do
  finish "$target" "${pid_of[$target]}"
done
rm -rf "$logs"

total=$((passed + failed))
echo "fuzz: $passed passed, $failed failed${failed_names:+ (${failed_names[*]})}"
if [ -n "${TRIARB_CI_TALLY:-}" ]; then
  echo "fuzz $total $failed" >> "$TRIARB_CI_TALLY"
fi
[ "$failed" -eq 0 ]
