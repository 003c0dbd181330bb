#!/usr/bin/env bash
# Frames/s of `triarb replay` next to a plain Python pipeline (json +
# Decimal: the kind of bot triarb replaces) on the same frames, in one run.
#   bench/replay_compare.sh [SIM_SECONDS] [SEED]
# Needs the default build (cmake --preset default && cmake --build --preset default).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
seed=${2:-1}
bin=${TRIARB_BIN:-build/default/apps/triarb/triarb}
[ -x "$bin" ] || { echo "replay_compare: build first: cmake --build --preset default" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" sim --seed "$seed" --duration "$seconds" --tick 3600 \
  --frames-out "$dir/frames.txt" --exchange-info-out "$dir/exchange_info.json" >/dev/null 2>&1
echo "frames: $(($(wc -l < "$dir/frames.txt") - 1)) from $seconds simulated seconds (seed $seed)"
best=0
for i in 1 2 3; do
  fps=$("$bin" replay --exchange-info "$dir/exchange_info.json" --frames "$dir/frames.txt" \
        | sed -n 's/.* \([0-9.e+]*\) frames\/s$/\1/p')
  echo "triarb replay run $i: $fps frames/s"
  best=$(python3 -c "print(max($best, $fps))")
done
py=$(python3 bench/python_pipeline.py --exchange-info "$dir/exchange_info.json" --frames "$dir/frames.txt")
echo "python: $py"
pyfps=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['frames_per_s'])" "$py")
python3 -c "print(f'triarb best {float($best):,.0f} frames/s, python {float($pyfps):,.0f} frames/s, ratio {float($best)/float($pyfps):,.0f}x')"
