#!/usr/bin/env bash
# Frames/s of `triarb replay` next to a plain Python pipeline (json +
# Decimal: the kind of bot triarb replaces) on the same frames, in one run.
# Both must report the same frame and decision counts; if not, a loud
# WARNING, "ratio INVALID" and exit 3.
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
echo "frames: $(awk -F'\t' '$3 == "frame" || $3 == "frame-hex"' "$dir/frames.txt" | wc -l)" \
  "from $seconds simulated seconds (seed $seed)"
best=0
for i in 1 2 3; do
  fps=$("$bin" replay --exchange-info "$dir/exchange_info.json" --frames "$dir/frames.txt" \
        --summary "$dir/summary.json" | sed -n 's/.* \([0-9.e+]*\) frames\/s$/\1/p')
  echo "triarb replay run $i: $fps frames/s"
  best=$(python3 -c "print(max($best, $fps))")
done
py=$(python3 bench/python_pipeline.py --exchange-info "$dir/exchange_info.json" --frames "$dir/frames.txt")
echo "python: $py"
# Like for like only if both sides read the same frames and decided the same:
# frames, triangles evaluated, and ratios above 1 + min_profit (triarb's
# opportunities + skip_unsizable + skip_no_profit + journal_full; the Python
# side does not size).
python3 - "$dir/summary.json" "$py" "$best" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
p = json.loads(sys.argv[2])
e = t["counters"]["eval"]
ours = {"frames": t["frames"], "triangles": t["triangles"],
        "triangles_evaluated": e["triangles_evaluated"],
        "ratio_above_threshold": e["opportunities"] + e["skip_unsizable"] + e["skip_no_profit"]
                                 + e["journal_full"]}
diff = {k: (v, p.get(k)) for k, v in ours.items() if p.get(k) != v}
print("counts: triarb " + ", ".join(f"{k} {v}" for k, v in ours.items()))
best, pyfps = float(sys.argv[3]), float(p["frames_per_s"])
if diff:
    print("WARNING: triarb and Python disagree, the ratio below is INVALID (not like for like): "
          + ", ".join(f"{k}: triarb {a} python {b}" for k, (a, b) in diff.items()))
    print(f"triarb best {best:,.0f} frames/s, python {pyfps:,.0f} frames/s, ratio INVALID")
    sys.exit(3)
print("counts: python the same")
print(f"triarb best {best:,.0f} frames/s, python {pyfps:,.0f} frames/s, ratio {best / pyfps:,.0f}x")
PY
