#!/usr/bin/env bash
# The nightly job: long libFuzzer runs of every target (ci/fuzz.sh --fork:
# corpus merged and crashes minimised into build/fuzz-corpus/<target>/), the
# RapidCheck suites with a high max_success and a logged seed, and the fault
# campaign over many seeds, in-process and through the real network path.
# Writes build/nightly/REPORT.md with the figures and
# build/nightly/campaign.svg (phantoms and recall per scenario); exits
# non-zero if anything failed. HACKING.md says how to reproduce a failure.
#
#   ci/nightly.sh [--fuzz-seconds N] [--fork J] [--rc-success N] [--seeds N] [--duration T]
#                 [--net-seeds N] [--net-duration T] [--shard K/N]
#   --shard K/N: this machine runs the K-th of N slices of both campaign
#   sweeps (ci/campaign.sh --shard); fuzzing and properties run in full.
#   defaults: 3600 s per fuzz target, fork 2, max_success 20000, 2000 seeds of
#   5 simulated s, 50 network seeds of 8 real s (11 x 50 x ~9 s: ~80 min).
source "$(dirname "$0")/lib.sh"

fuzz_seconds=3600
fork=2
rc_success=20000
seeds=2000
duration=5
net_seeds=50
net_duration=8
shard=1/1
while [ $# -gt 0 ]; do
  case "$1" in
    --fuzz-seconds) fuzz_seconds=$2; shift 2 ;;
    --fork) fork=$2; shift 2 ;;
    --rc-success) rc_success=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --net-seeds) net_seeds=$2; shift 2 ;;
    --net-duration) net_duration=$2; shift 2 ;;
    --shard) shard=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "nightly.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

dir=build/nightly
mkdir -p "$dir"
status=0
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)

# 1. Fuzzing.
fuzz_rc=0
ci/fuzz.sh --seconds "$fuzz_seconds" --fork "$fork" >"$dir/fuzz.log" 2>&1 || fuzz_rc=$?
[ $fuzz_rc -eq 0 ] || status=1

# 2. RapidCheck with a logged seed: RC_PARAMS="seed=S max_success=N" replays it.
rc_seed=${RC_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
rc_params="seed=$rc_seed max_success=$rc_success max_size=100"
echo "RC_PARAMS=\"$rc_params\"" >"$dir/rapidcheck.log"
prop_rc=0
build_preset default >>"$dir/rapidcheck.log" 2>&1 || prop_rc=$?
if [ $prop_rc -eq 0 ]; then
  RC_PARAMS="$rc_params" ctest --preset default -L property --timeout 7200 \
    >>"$dir/rapidcheck.log" 2>&1 || prop_rc=$?
fi
[ $prop_rc -eq 0 ] || status=1

# 3. The campaign.
camp_rc=0
ci/campaign.sh --seeds "$seeds" --duration "$duration" --shard "$shard" --out "$dir/campaign" \
  >"$dir/campaign.log" 2>&1 || camp_rc=$?
[ $camp_rc -eq 0 ] || status=1
net_rc=0
ci/campaign.sh --network --seeds "$net_seeds" --duration "$net_duration" --shard "$shard" \
  --out "$dir/campaign" \
  >"$dir/campaign-network.log" 2>&1 || net_rc=$?
[ $net_rc -eq 0 ] || status=1

# 4. Report: markdown + an SVG bar chart drawn by hand (no matplotlib needed).
python3 - "$dir" "$started" "$commit" "$fuzz_rc" "$prop_rc" "$camp_rc" "$rc_params" "$net_rc" <<'PY'
import csv, os, sys
d, started, commit, fuzz_rc, prop_rc, camp_rc, rc_params, net_rc = sys.argv[1:9]
def per_scenario(sub):
    per = {}
    summary = os.path.join(d, sub, "summary.tsv")
    if os.path.exists(summary):
        for r in csv.DictReader(open(summary), delimiter="\t"):
            s = per.setdefault(r["scenario"], dict(runs=0, failed=0, phantom=0, missed=0, caught=0, eligible=0))
            s["runs"] += 1
            s["failed"] += r["verdict"] != "PASS"
            for k in ("phantom", "missed", "caught", "eligible"):
                s[k] += int(r[k])
    return per
per = per_scenario("campaign")
net = per_scenario("campaign-network")
names = sorted(per)
# SVG: per scenario, a red bar for phantoms (log-ish height) and a green bar for recall.
w, h, left, bottom = 60 * max(len(names), 1) + 80, 320, 60, 230
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="10">',
       f'<text x="{left}" y="14" font-size="12">Campaign: recall % (green) and phantoms (red, count) per scenario</text>',
       f'<line x1="{left}" y1="{bottom}" x2="{w-10}" y2="{bottom}" stroke="black"/>',
       f'<line x1="{left}" y1="30" x2="{left}" y2="{bottom}" stroke="black"/>',
       f'<text x="5" y="34">100%</text><text x="5" y="{bottom}">0</text>']
for i, n in enumerate(names):
    s = per[n]
    x = left + 10 + 60 * i
    recall = 100.0 * s["caught"] / s["eligible"] if s["eligible"] else 100.0
    rh = (bottom - 30) * recall / 100.0
    ph = min(bottom - 30, 20 * s["phantom"]) if s["phantom"] else 0
    svg.append(f'<rect x="{x}" y="{bottom-rh:.1f}" width="20" height="{rh:.1f}" fill="#3a3"/>')
    svg.append(f'<rect x="{x+22}" y="{bottom-ph:.1f}" width="20" height="{ph:.1f}" fill="#c33"/>')
    svg.append(f'<text x="{x+22}" y="{bottom-ph-3:.1f}" fill="#c33">{s["phantom"]}</text>')
    svg.append(f'<text transform="translate({x+10},{bottom+8}) rotate(45)">{n}</text>')
svg.append("</svg>")
open(os.path.join(d, "campaign.svg"), "w").write("\n".join(svg) + "\n")
ok = lambda rc: "PASS" if rc == "0" else "FAIL"
md = [f"# triarb nightly {started} ({commit})", "",
      "| job | result | log |", "|---|---|---|",
      f"| libFuzzer, every target (ci/fuzz.sh --fork) | {ok(fuzz_rc)} | fuzz.log |",
      f"| RapidCheck, `RC_PARAMS=\"{rc_params}\"` | {ok(prop_rc)} | rapidcheck.log |",
      f"| campaign (ci/campaign.sh) | {ok(camp_rc)} | campaign.log, campaign/*.json |",
      f"| campaign over the network (ci/campaign.sh --network) | {ok(net_rc)} | campaign-network.log, campaign-network/*.json |"]
def table(title, p):
    out = ["", title, "", "| scenario | runs | failed | phantoms | missed | recall |", "|---|---|---|---|---|---|"]
    for n in sorted(p):
        s = p[n]
        rec = f'{100.0*s["caught"]/s["eligible"]:.2f}% ({s["caught"]}/{s["eligible"]})' if s["eligible"] else "n/a"
        out.append(f'| {n} | {s["runs"]} | {s["failed"]} | {s["phantom"]} | {s["missed"]} | {rec} |')
    return out
md += table("## Campaign per scenario (in-process, simulated time)", per)
md += ["", "![phantoms and recall per scenario](campaign.svg)"]
md += table("## Campaign per scenario (network: TLS WebSocket on loopback, real time)", net) + [""]
for rc, name in ((camp_rc, "campaign.log"), (net_rc, "campaign-network.log")):
    log = os.path.join(d, name)
    if rc != "0" and os.path.exists(log):
        md += [f"## Failed runs in {name} (each with its reproduce command)", "", "```"]
        md += [l.rstrip() for l in open(log) if l.startswith(("----", "FAIL", "reproduce:", "first "))][:200]
        md += ["```", ""]
fl = os.path.join(d, "fuzz.log")
if os.path.exists(fl):
    md += ["## Fuzzing", "", "```"] + [l.rstrip() for l in open(fl) if "fuzz.sh:" in l or l.startswith(("fuzz:", "=="))][-60:] + ["```", ""]
open(os.path.join(d, "REPORT.md"), "w").write("\n".join(md))
PY
echo "nightly: fuzz=$fuzz_rc properties=$prop_rc campaign=$camp_rc network=$net_rc; report $dir/REPORT.md"
exit $status
