#!/usr/bin/env bash
# The fault campaign over many seeds: every scenario of `triarb sim
# --scenario` (harness/campaign.h) on seeds 1..N, judged by the simulator's
# ground truth (phantom, missed, recall, stale legs). Nightly: thousands.
#
#   ci/campaign.sh [--seeds N] [--duration T] [--network] [--execution] [--preset P]
#                  [--out DIR] [--shard K/N] [--mutant M]... [--binary B] [SCENARIO...]
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
#     --execution   in-process: every run also executes (triarb sim --execution:
#                   the execution engine's orders matched by the simulated
#                   exchange through order-path faults); the sweep then
#                   prints cycles attempted/done/residual/missed, the capture
#                   rate, expected vs realised vs ideal P&L (exact sums),
#                   residual by asset and fault counts (DIR/execution.txt)
#     --mutant M    pass --mutant M to every run (repeatable; e.g. drop-capped
#                   and no-validity on lunc-overflow: the trading guard check)
#     --binary B    run this triarb as it is (no build; e.g. a copy, so a
#                   rebuild during a long sweep cannot change it)
#     SCENARIO      default: every scenario
#
# Writes DIR/<scenario>-<seed>.json per run, DIR/summary.tsv (one line per
# run: scenario seed verdict phantom missed recall caught eligible, then the
# trading guard's figures: actionable, guard halts, quarantines, feed-health
# reducing transitions, the longest benign-signature repeat run, the largest
# rate window against its baseline, and for the guard check the worst frozen
# run, the frozen-leg actionable reports and their bound B), and
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
mutants=()
execution=
binary=
shard_k=1
shard_n=1
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --network) network=(--network); shift ;;
    --execution) execution=--execution; shift ;;
    --preset) preset=$2; shift 2 ;;
    --mutant) mutants+=(--mutant "$2"); shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --shard)
      if ! [[ $2 =~ ^([0-9]+)/([0-9]+)$ ]] || [ "${BASH_REMATCH[2]}" -lt 1 ] ||
         [ "${BASH_REMATCH[1]}" -lt 1 ] || [ "${BASH_REMATCH[1]}" -gt "${BASH_REMATCH[2]}" ]; then
        echo "campaign.sh: --shard takes K/N with 1 <= K <= N (got '$2')" >&2; exit 2
      fi
      shard_k=${BASH_REMATCH[1]}; shard_n=${BASH_REMATCH[2]}; shift 2 ;;
    -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
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

if [ -n "$binary" ]; then
  bin=$binary
else
  build_preset "$preset" triarb
  bin="build/$preset/apps/triarb/triarb"
fi
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.verdict

# One run: writes <out>/<sc>-<seed>.json and .verdict (verdict + reproduce lines).
run_one() {
  local sc=$1 seed=$2
  local rc=0
  TRIARB_PRESET="$preset" "$bin" sim --seed "$seed" --scenario "$sc" --duration "$duration" \
    $network_flag $execution $mutant_flags --report "$out/$sc-$seed.json" >"$out/$sc-$seed.verdict" 2>&1 || rc=$?
  if ! grep -qE '^(PASS|FAIL) ' "$out/$sc-$seed.verdict"; then
    echo "CRASH $sc seed=$seed exit=$rc" >>"$out/$sc-$seed.verdict"
    echo "reproduce: $bin sim --seed $seed --scenario $sc --duration $duration $network_flag $execution $mutant_flags" \
      >>"$out/$sc-$seed.verdict"
  fi
}
export -f run_one
network_flag="${network[*]}"
mutant_flags="${mutants[*]}"
export bin out duration preset network_flag mutant_flags execution

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
    g = d.get("guard")
    ratio = 0.0  # the largest window after warm-up against the mean before it
    if g:
        w = d["rate_windows"]
        for k in range(g["rate_warmup_windows"], len(w)):
            past = sum(w[:k])
            if w[k] > 0:
                ratio = max(ratio, w[k] * k / past if past else 1e18)
    rows.append((d["scenario"], d["seed"], d["verdict"], d["phantom"], d["missed"],
                 d["recall"], d["episodes_caught"], d["episodes_eligible"],
                 d.get("actionable", 0), d.get("guard_halts", 0), d.get("guard_quarantines", 0),
                 d.get("feed_reducing", 0), d.get("repeat_run_max", 0),
                 max(d.get("rate_windows", [0]) or [0]), "%.2f" % ratio,
                 d.get("frozen_run_actionable_max", 0), d.get("frozen_actionable", 0),
                 d.get("guard_bound", 0)))
rows.sort(key=lambda r: (r[0], r[1]))
with open(os.path.join(out, "summary.tsv"), "w") as f:
    f.write("scenario\tseed\tverdict\tphantom\tmissed\trecall\tcaught\teligible\tactionable"
            "\tguard_halts\tquarantines\tfeed_reducing\trepeat_run_max\trate_window_max"
            "\trate_ratio_max\tfrozen_run_max\tfrozen_actionable\tbound\n")
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
  awk -v sc="$sc" -F'\t' '$1 == sc { n++; p += $4; m += $5; c += $7; e += $8; if ($3 != "PASS") f++
      h += $10; q += $11; r += $12; if ($13 > rr) rr = $13; if ($14 > rw) rw = $14
      if ($15 > rq) rq = $15; if ($16 > fr) fr = $16 }
    END { printf "%-24s runs=%d failed=%d phantoms=%d missed=%d recall=%s guard_halts=%d" \
          " quarantines=%d feed_reducing=%d max_repeat_run=%d max_rate_window=%d" \
          " max_rate_ratio=%s max_frozen_run=%d\n", sc, n, f, p, m,
          (e > 0 ? sprintf("%.2f%% (%d/%d)", 100 * c / e, c, e) : "n/a"), h, q, r, rr, rw, rq, fr
        }' "$out/summary.tsv"
done
if [ -n "$execution" ]; then
  # Exact sums of the runs' decimals (the reports carry them as strings).
  python3 - "$out" <<'PY' | tee "$out/execution.txt"
import json, os, sys
from decimal import Decimal
out = sys.argv[1]
keys = ["cycles_attempted", "cycles_done", "cycles_residual", "cycles_missed", "orders",
        "fills", "rejects", "orders_unanswered", "paused", "timeouts", "late_answers",
        "order_queries", "reconciled", "reconciled_from_account", "account_checks",
        "account_mismatches", "ideal_ok", "ideal_failed", "refused_gate", "refused_balance"]
tot = {k: 0 for k in keys}
pnl = {k: Decimal(0) for k in ("expected_pnl", "realised_pnl", "ideal_pnl")}
faults, residual = {}, {}
runs = ledger_ok = audit_ok = 0
for name in sorted(os.listdir(out)):
    if not name.endswith(".json") or name == "summary.json":
        continue
    with open(os.path.join(out, name)) as f:
        x = json.load(f).get("execution")
    if x is None:
        continue
    runs += 1
    ledger_ok += x["ledger_equal"]
    audit_ok += x["audit_ok"]
    for k in keys:
        tot[k] += x[k]
    for k in pnl:
        pnl[k] += Decimal(x[k])
    for k, v in x["faults"].items():
        faults[k] = faults.get(k, 0) + v
    for k, v in x["residual_by_asset"].items():
        residual[k] = residual.get(k, Decimal(0)) + Decimal(v)
a = tot["cycles_attempted"]
print("execution: %d runs; ledger equal to the exchange's account in %d, audit OK in %d"
      % (runs, ledger_ok, audit_ok))
print("cycles attempted=%d done=%d residual=%d missed=%d capture=%s"
      % (a, tot["cycles_done"], tot["cycles_residual"], tot["cycles_missed"],
         "%.2f%%" % (100.0 * tot["cycles_done"] / a) if a else "n/a"))
print("P&L (USDT, exact sums) expected=%s realised=%s ideal=%s (ideal ok %d, failed %d)"
      % (pnl["expected_pnl"], pnl["realised_pnl"], pnl["ideal_pnl"], tot["ideal_ok"],
         tot["ideal_failed"]))
print("residual by asset: " + (" ".join("%s=%s" % (k, residual[k]) for k in sorted(residual))
                               or "none"))
print("order faults: " + " ".join("%s=%d" % (k, faults[k]) for k in sorted(faults)))
print("orders=%d fills=%d rejects=%d unanswered=%d paused=%d timeouts=%d late=%d queries=%d"
      " reconciled=%d (from account %d) account_checks=%d mismatches=%d refused_gate=%d"
      " refused_balance=%d"
      % (tot["orders"], tot["fills"], tot["rejects"], tot["orders_unanswered"], tot["paused"],
         tot["timeouts"], tot["late_answers"], tot["order_queries"], tot["reconciled"],
         tot["reconciled_from_account"], tot["account_checks"], tot["account_mismatches"],
         tot["refused_gate"], tot["refused_balance"]))
PY
fi
label="campaign"
[ ${#network[@]} -gt 0 ] && label="campaign-network"
echo "$label: $runs runs, $failed failed (shard $shard_k/$shard_n; reports in $out)"
if [ -n "${TRIARB_CI_TALLY:-}" ]; then echo "$label $runs $failed" >> "$TRIARB_CI_TALLY"; fi
[ "$failed" -eq 0 ]
