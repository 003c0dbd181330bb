#!/usr/bin/env bash
# The fault campaign over many seeds: every scenario of `triarb sim
# --scenario` (harness/campaign.h) on seeds 1..N, judged by the simulator's
# ground truth (phantom, missed, recall, stale legs). Nightly: thousands.
#
#   ci/campaign.sh [--seeds N] [--duration T] [--network] [--preset P] [--out DIR]
#                  [--shard K/N] [SCENARIO...]
#     --seeds N     seeds 1..N per scenario (default 20)
#     --duration T  seconds per run (default 5; simulated, or real with --network)
#     --network     through the real TLS WebSocket path on 127.0.0.1 (one run
#                   at a time: each uses both cores; reports in DIR-network)
#     --preset P    build preset whose triarb runs (default: default)
#     --out DIR     where reports go (default build/campaign-report)
#     --shard K/N   run only the K-th of N equal slices of the (scenario, seed)
#                   runs (K = 1..N; run i, counted from 0 in scenario-then-seed
#                   order, belongs to slice i mod N + 1), so N machines or a CI
#                   matrix split one sweep; each shard reports its own runs
#     SCENARIO      default: every scenario
#
# Writes DIR/<scenario>-<seed>.json per run, DIR/summary.tsv (one line per
# run: scenario seed verdict phantom missed recall caught eligible), and
# prints, per failed run, its verdict and the one command that reproduces it.
# Exits non-zero if any run failed. Appends "campaign <runs> <failed>" to
# $TRIARB_CI_TALLY when it is set.
source "$(dirname "$0")/lib.sh"

seeds=20
duration=5
preset=default
out=build/campaign-report
scenarios=()
network=()
shard_k=1
shard_n=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --network) network=(--network); shift ;;
    --preset) preset=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --shard)
      if ! [[ $2 =~ ^([0-9]+)/([0-9]+)$ ]] || [ "${BASH_REMATCH[2]}" -lt 1 ] ||
         [ "${BASH_REMATCH[1]}" -lt 1 ] || [ "${BASH_REMATCH[1]}" -gt "${BASH_REMATCH[2]}" ]; then
        echo "campaign.sh: --shard takes K/N with 1 <= K <= N (got '$2')" >&2; exit 2
      fi
      shard_k=${BASH_REMATCH[1]}; shard_n=${BASH_REMATCH[2]}; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    -*) echo "campaign.sh: unknown option $1" >&2; exit 2 ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
if [ ${#scenarios[@]} -eq 0 ]; then
  scenarios=(lunc-overflow garbage-frames truncated-frames duplicate-and-reordered stall
             disconnect-storm server-shutdown url-too-long symbol-halted clock-jump mixed
             data-stall reseed-race)
fi

par=$jobs
mode="simulated"
if [ ${#network[@]} -gt 0 ]; then
  par=1
  mode="real (network)"
  out="$out-network"
fi

build_preset "$preset" triarb
bin="build/$preset/apps/triarb/triarb"
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.verdict

# One run: writes <out>/<sc>-<seed>.json and .verdict (verdict + reproduce lines).
run_one() {
  local sc=$1 seed=$2
  local rc=0
  TRIARB_PRESET="$preset" "$bin" sim --seed "$seed" --scenario "$sc" --duration "$duration" \
    $network_flag --report "$out/$sc-$seed.json" >"$out/$sc-$seed.verdict" 2>&1 || rc=$?
  if ! grep -qE '^(PASS|FAIL) ' "$out/$sc-$seed.verdict"; then
    echo "CRASH $sc seed=$seed exit=$rc" >>"$out/$sc-$seed.verdict"
    echo "reproduce: $bin sim --seed $seed --scenario $sc --duration $duration $network_flag" \
      >>"$out/$sc-$seed.verdict"
  fi
}
export -f run_one
network_flag="${network[*]}"
export bin out duration preset network_flag

echo "== campaign: ${#scenarios[@]} scenarios x $seeds seeds, ${duration}s $mode each" \
  "(shard $shard_k/$shard_n)" >&2
i=0
for sc in "${scenarios[@]}"; do
  for seed in $(seq 1 "$seeds"); do
    [ $((i % shard_n + 1)) -eq "$shard_k" ] && echo "$sc $seed"
    i=$((i + 1))
  done
done | xargs -r -P "$par" -n 2 bash -c 'run_one "$0" "$1"'

python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
rows = []
for name in sorted(os.listdir(out)):
    if not name.endswith(".json") or name == "summary.json":
        continue
    with open(os.path.join(out, name)) as f:
        d = json.load(f)
    rows.append((d["scenario"], d["seed"], d["verdict"], d["phantom"], d["missed"],
                 d["recall"], d["episodes_caught"], d["episodes_eligible"]))
rows.sort(key=lambda r: (r[0], r[1]))
with open(os.path.join(out, "summary.tsv"), "w") as f:
    f.write("scenario\tseed\tverdict\tphantom\tmissed\trecall\tcaught\teligible\n")
    for r in rows:
        f.write("\t".join(str(x) for x in r) + "\n")
PY

runs=$(find "$out" -name '*.verdict' | wc -l)
failed=0
shopt -s nullglob
for v in "$out"/*.verdict; do
  if ! grep -m 1 -E "^(PASS|FAIL) " "$v" | grep -q "^PASS "; then
    failed=$((failed + 1))
    echo "---- $(basename "$v" .verdict)"; cat "$v"
  fi
done
for sc in "${scenarios[@]}"; do
  awk -v sc="$sc" -F'\t' '$1 == sc { n++; p += $4; m += $5; c += $7; e += $8; if ($3 != "PASS") f++ }
    END { printf "%-24s runs=%d failed=%d phantoms=%d missed=%d recall=%s\n", sc, n, f, p, m,
          (e > 0 ? sprintf("%.2f%% (%d/%d)", 100 * c / e, c, e) : "n/a") }' "$out/summary.tsv"
done
label="campaign"
[ ${#network[@]} -gt 0 ] && label="campaign-network"
echo "$label: $runs runs, $failed failed (shard $shard_k/$shard_n; reports in $out)"
if [ -n "${TRIARB_CI_TALLY:-}" ]; then echo "$label $runs $failed" >> "$TRIARB_CI_TALLY"; fi
[ "$failed" -eq 0 ]
