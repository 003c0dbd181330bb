#!/usr/bin/env bash
# Builds every fuzz target the way OSS-Fuzz / ClusterFuzzLite expect
# (their build.sh calls this), so fuzzing can scale out to a cluster:
#   inputs  $CC $CXX $CFLAGS $CXXFLAGS (sanitizer + coverage flags chosen by
#           the platform), $LIB_FUZZING_ENGINE (the engine's main, e.g.
#           -fsanitize=fuzzer), $OUT (where binaries go), $WORK (scratch)
#   outputs $OUT/fuzz_<target>, $OUT/fuzz_<target>_seed_corpus.zip (corpus/<target>/
#           and the corpora fuzz/<target>.seeds names),
#           $OUT/fuzz_<target>.dict (fuzz/<target>.dict), $OUT/fuzz_<target>.options
#           (fuzz/<target>.options turned into a [libfuzzer] section)
# Every target is built by CMake (TRIARB_FUZZ, without the bot's other
# layers: the fuzz targets build the config and net libraries they need)
# with the platform's flags and its engine (TRIARB_FUZZ_ENGINE).
#
# Locally:
#   CC=clang-14 CXX=clang++-14 CFLAGS="-fsanitize=address,fuzzer-no-link" \
#   CXXFLAGS="-fsanitize=address,fuzzer-no-link" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#   OUT=/tmp/out ci/oss-fuzz-build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CC:?set CC}" "${CXX:?set CXX}" "${OUT:?set OUT}" "${LIB_FUZZING_ENGINE:?set LIB_FUZZING_ENGINE}"
CFLAGS=${CFLAGS:--fsanitize=address,fuzzer-no-link}
CXXFLAGS=${CXXFLAGS:--fsanitize=address,fuzzer-no-link}
WORK=${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/triarb-ossfuzz.XXXXXX")}
build="$WORK/triarb-build"
mkdir -p "$OUT"

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" -DCMAKE_CXX_FLAGS_RELEASE="-O1 -g" \
  -DTRIARB_FUZZ=ON -DTRIARB_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DTRIARB_MARCH= -DTRIARB_BUILD_BENCH=OFF -DTRIARB_BUILD_BOT=OFF -DBUILD_TESTING=OFF >/dev/null

built=0
for src in fuzz/*.cc; do
  target=$(basename "$src" .cc)
  [ "$target" = replay_main ] && continue
  grep -q 'LLVMFuzzerTestOneInput' "$src" || continue
  name="fuzz_$target"
  cmake --build "$build" --target "$name"
  cp "$build/fuzz/$name" "$OUT/$name"
  rm -f "$OUT/${name}_seed_corpus.zip"
  seeds="$WORK/seeds-$target"
  rm -rf "$seeds" && mkdir -p "$seeds"
  corpora=("corpus/$target")
  if [ -f "fuzz/$target.seeds" ]; then
    while read -r seed; do corpora+=("corpus/$seed"); done \
      < <(grep -v '^[[:space:]]*\(#\|$\)' "fuzz/$target.seeds")
  fi
  for dir in "${corpora[@]}"; do
    if [ -d "$dir" ]; then
      find "$dir" -type f ! -name 'REPRODUCE-*' ! -name '.*' -exec cp -n {} "$seeds/" \;
    fi
  done
  if [ -n "$(ls -A "$seeds")" ]; then
    (cd "$seeds" && find . -type f -print | zip -q -j "$OUT/${name}_seed_corpus.zip" -@)
  fi
  [ -f "fuzz/$target.dict" ] && cp "fuzz/$target.dict" "$OUT/$name.dict"
  if [ -f "fuzz/$target.options" ]; then
    { echo "[libfuzzer]"
      grep -v '^[[:space:]]*\(#\|$\)' "fuzz/$target.options" | sed 's/^-//'
      [ -f "fuzz/$target.dict" ] && echo "dict = $name.dict"
    } | sed 's/^\([a-z_]*\)=\(.*\)$/\1 = \2/' >"$OUT/$name.options"
  fi
  built=$((built + 1))
  echo "oss-fuzz-build: $OUT/$name" >&2
done
echo "oss-fuzz-build: $built targets in $OUT"
[ "$built" -gt 0 ]
