#!/usr/bin/env bash
# One table of the latency and throughput goals: every benchmark of a build,
# the bot alone against the simulated exchange (two processes), and the
# replay against the Python pipeline, each figure beside its goal and the
# baseline measured in the same run. Measurements, never tests.
#
#   bench/report.sh [--build DIR] [--quick]
#     --build DIR  the build to measure (default build/default); any build
#                  with bench/ and apps/triarb/triarb, e.g. an older commit's
#     --quick      fewer repetitions and shorter runs: a smoke run
#
# Progress goes to stderr, the table to stdout; the raw outputs (benchmark
# JSON, each run's stdout and stderr, the table) under
# build/bench-report/<build>/. A row whose benchmark or option the build
# lacks prints n/a. Run it on an otherwise idle machine: the bot-alone runs
# use two cores (the exchange and the bot, the evaluator pinned to the last
# CPU in the pinned row).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

build=build/default
quick=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=${2:?--build needs a directory}; shift 2 ;;
    --quick) quick=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "report: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
build=$(cd "$build" 2>/dev/null && pwd) || { echo "report: no build directory $build" >&2; exit 2; }
triarb=$build/apps/triarb/triarb
label=$(printf '%s' "$build" | sed 's|^/||; s|[^A-Za-z0-9._-]|_|g')
out=$root/build/bench-report/$label
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.log "$out"/*.txt "$out"/*.md
rm -rf "$out"/bot-*

if [ "$quick" = 1 ]; then
  reps=3; min_time=0.05; bot_seconds=4; replay_seconds=2
else
  reps=5; min_time=0.5; bot_seconds=10; replay_seconds=10
fi
say() { echo "report: $*" >&2; }
say "build $build, raw outputs in $out ($([ "$quick" = 1 ] && echo quick || echo full))"

# ---- every benchmark: medians of $reps repetitions, JSON per binary
for b in "$build"/bench/*; do
  [ -f "$b" ] && [ -x "$b" ] || continue
  name=$(basename "$b")
  if [ "$name" = wakeup_bench ]; then  # fixed frame counts, ~4 minutes a run: not repeated here
    say "benchmark $name skipped (run it alone: $b)"
    continue
  fi
  say "benchmark $name ($reps repetitions)"
  if ! "$b" --benchmark_repetitions="$reps" --benchmark_min_time="$min_time" \
      --benchmark_report_aggregates_only=true --benchmark_out="$out/$name.json" \
      --benchmark_out_format=json > "$out/$name.log" 2>&1; then
    say "  $name failed (see $out/$name.log); its rows print n/a"
  fi
done

# ---- the bot alone: sim-exchange in one process, triarb run in another
# Each mode gets a fresh exchange and directory (journal, config, outputs).
bot_run() {  # bot_run MODE ARGS... -> $out/bot-MODE/run.out
  local mode=$1; shift
  local dir=$out/bot-$mode
  mkdir -p "$dir"
  [ -x "$triarb" ] || { say "bot $mode: no $triarb"; return 0; }
  say "bot alone, $mode: ${bot_seconds} s (triarb run $*)"
  "$triarb" sim-exchange --port 0 --ca-out "$dir/ca.pem" > "$dir/exchange.out" 2> "$dir/exchange.err" &
  local ex=$!
  local url=""
  for _ in $(seq 100); do
    url=$(sed -n 's|^ *rest *\(https://[^ ]*\).*|\1|p' "$dir/exchange.out" 2>/dev/null | head -1)
    [ -n "$url" ] && [ -s "$dir/ca.pem" ] && break
    kill -0 "$ex" 2>/dev/null || break
    sleep 0.2
  done
  if [ -z "$url" ]; then
    say "bot $mode: the exchange did not start (see $dir/exchange.err)"
    kill "$ex" 2>/dev/null || true; wait "$ex" 2>/dev/null || true
    return 0
  fi
  printf '[exchange]\nrest_url = "%s"\nws_url = "%s"\n' "$url" "${url/https:/wss:}" > "$dir/bot.toml"
  (cd "$dir" && timeout $((bot_seconds + 60)) "$triarb" run --config bot.toml --ca-file ca.pem \
      --duration "$bot_seconds" "$@" > run.out 2> run.err) ||
    say "bot $mode: triarb run exited $? (see $dir/run.err)"
  kill "$ex" 2>/dev/null || true
  wait "$ex" 2>/dev/null || true
}
has_option() { [ -x "$triarb" ] && "$triarb" run --help 2>&1 | grep -q -- "$1"; }
last_cpu=$(($(nproc) - 1))
if has_option '--evaluator '; then
  bot_run pinned --pin-evaluator "$last_cpu" --evaluator spin
  bot_run block --evaluator block
  bot_run inline --evaluator inline
else
  # A build from before the evaluator's wake-up modes: the pinned row only
  # (its evaluator sleeps between polls); the others print n/a.
  bot_run pinned --pin-evaluator "$last_cpu"
fi

# ---- replay throughput and the Python pipeline (bench/replay_compare.sh)
say "replay vs Python: bench/replay_compare.sh $replay_seconds 1"
if [ -x "$triarb" ]; then
  TRIARB_BIN=$triarb bench/replay_compare.sh "$replay_seconds" 1 > "$out/replay_compare.txt" \
    2> "$out/replay_compare.err" || say "replay_compare.sh failed (see $out/replay_compare.err)"
fi

# ---- the table
say "table"
python3 - "$out" "$quick" "$build" <<'PY' | tee "$out/table.md"
import json, os, re, statistics, sys

out, quick, build = sys.argv[1], sys.argv[2] == "1", sys.argv[3]

def bench(binary):
    """run_name -> median entry of binary's JSON output (or {})."""
    try:
        with open(os.path.join(out, binary + ".json")) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return {b["run_name"]: b for b in data.get("benchmarks", [])
            if b.get("aggregate_name") == "median"}

def ns(entry):
    """The entry's CPU time in ns."""
    scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[entry.get("time_unit", "ns")]
    return entry["cpu_time"] * scale

def first(table, *names):
    for n in names:
        if n in table:
            return table[n]
    return None

def fmt(v, unit, digits=1):
    return "n/a" if v is None else f"{v:,.{digits}f} {unit}".strip()

def bot(mode):
    """(p50, p99) in us from the last counters line of the run, or None."""
    try:
        with open(os.path.join(out, f"bot-{mode}", "run.out")) as f:
            lines = [l for l in f if l.startswith("counters: ")]
        lat = json.loads(lines[-1][len("counters: "):])["latency_us"]
        return float(lat["p50"]), float(lat["p99"])
    except (OSError, ValueError, KeyError, IndexError):
        return None

rows = []
def row(what, figure, goal, baseline):
    rows.append((what, figure, goal, baseline))

for mode, what, goal in [
        ("pinned", "receive->decision, bot alone vs sim-exchange, pinned evaluator",
         "p50 <= 5 us, p99 <= 50 us"),
        ("block", "same, not pinned (futex wait)", "p50 <= 20 us"),
        ("inline", "same, inline on the feed thread", "(for the choice)")]:
    r = bot(mode)
    row(what, "n/a" if r is None else f"p50 {r[0]:g} us, p99 {r[1]:g} us", goal, "")

fp = bench("frame_parser_bench")
for shape, old in [("Raw", "BM_ParseRawFrame"), ("Combined", "BM_ParseCombinedFrame"),
                   ("Mixed", None)]:
    ours = first(fp, f"BM_FrameParse_{shape}", *([old] if old else []))
    base = fp.get(f"BM_SimdjsonOnDemand_{shape}")
    ratio = (f"{ns(ours) / ns(base):.2f}x ({ns(ours):.1f} / {ns(base):.1f} ns)"
             if ours and base else
             (f"n/a (parse {ns(ours):.1f} ns)" if ours else "n/a"))
    row(f"frame parse / simdjson fields, {shape.lower()} frame", ratio, "<= 1.0x",
        f"simdjson On-Demand {fmt(ns(base) if base else None, 'ns')}")

ev = bench("evaluator_bench")
naive = ev.get("BM_RatioUncached")
naive_txt = f"naive three-division {fmt(ns(naive) if naive else None, 'ns')}"
def per_triangle(name):
    e = ev.get(name)
    if not e or "ns_per_triangle" not in e:
        return None
    v = e["ns_per_triangle"]
    return v * 1e9 if v < 1e-3 else v  # a kIsRate|kInvert counter is in seconds
row("one triangle, cached rates", fmt(per_triangle("BM_EvaluateTouching_steady"), "ns", 2),
    "<= 6 ns", naive_txt)
row("one triangle, with update", fmt(per_triangle("BM_EvaluateTouching_with_update"), "ns", 2),
    "<= 10 ns", naive_txt)

runs, py, invalid = [], None, False
try:
    with open(os.path.join(out, "replay_compare.txt")) as f:
        for line in f:
            m = re.match(r"triarb replay run \d+: ([0-9.e+]+) frames/s", line)
            if m:
                runs.append(float(m.group(1)))
            if line.startswith("WARNING: "):
                invalid = True
            if line.startswith("python: "):
                py = float(json.loads(line[len("python: "):])["frames_per_s"])
except (OSError, ValueError, KeyError):
    pass
rep = statistics.median(runs) if runs else None
row("replay throughput, one core (replay_compare.sh, median of 3)",
    "n/a" if rep is None else f"{rep / 1e6:.2f} M frames/s", ">= 6 M frames/s",
    "" if py is None else f"Python {py / 1e3:,.0f} k frames/s")
row("replay vs the Python pipeline, same frames",
    "n/a" if rep is None or not py else
    ("INVALID (counts differ, see replay_compare.txt)" if invalid else f"{rep / py:.0f}x"),
    ">= 40x",
    "" if py is None else f"Python {py / 1e3:,.0f} k frames/s")

print(f"build: {build}{' (quick)' if quick else ''}")
print()
print("| what | measured | goal | baseline, same run |")
print("|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
PY
say "done: $out/table.md"
