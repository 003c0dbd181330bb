#!/usr/bin/env python3
"""The same pipeline as `triarb replay`, written the way the bot triarb
replaces was written: `json` + `Decimal`, one process, one thread.

It loads an exchangeInfo document, indexes the triangles of the start assets,
then for each frame (one raw WebSocket text frame per line) parses it, updates
the book and evaluates every triangle that uses the symbol, with exact
decimals. It prints frames, triangles evaluated, opportunities and frames/s as
one JSON line, so bench/replay_compare.sh can put it next to triarb's figures
measured in the same run.

    python3 bench/python_pipeline.py --exchange-info X.json --frames F.txt [--start-assets USDT]
"""
import argparse
import json
import sys
import time
from decimal import Decimal, getcontext

getcontext().prec = 40


def load_universe(path):
    with open(path, "rb") as f:
        doc = json.load(f)
    symbols = {}
    for s in doc["symbols"]:
        if s.get("status") != "TRADING":
            continue
        step = Decimal(0)
        for flt in s.get("filters", []):
            if flt.get("filterType") == "LOT_SIZE":
                step = Decimal(flt["stepSize"])
        symbols[s["symbol"]] = (s["baseAsset"], s["quoteAsset"], step)
    return symbols


def build_triangles(symbols, start_assets):
    between = {}
    neighbours = {}
    for name in sorted(symbols):
        base, quote, _ = symbols[name]
        key = (min(base, quote), max(base, quote))
        between.setdefault(key, name)
        neighbours.setdefault(base, set()).add(quote)
        neighbours.setdefault(quote, set()).add(base)

    def hop(a, b):
        name = between.get((min(a, b), max(a, b)))
        if name is None:
            return None
        base, _, _ = symbols[name]
        return (name, "buy" if base == b else "sell")

    triangles = []
    for s in start_assets:
        for x in sorted(neighbours.get(s, ())):
            if x == s:
                continue
            for y in sorted(neighbours.get(x, ())):
                if y in (s, x):
                    continue
                legs = (hop(s, x), hop(x, y), hop(y, s))
                if None not in legs:
                    triangles.append((s, legs))
    touching = {}
    for i, (_, legs) in enumerate(triangles):
        for name, _ in legs:
            touching.setdefault(name, []).append(i)
    return triangles, touching


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exchange-info", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--start-assets", default="USDT")
    ap.add_argument("--fee", default="0.001")
    ap.add_argument("--min-profit", default="0")
    args = ap.parse_args()

    symbols = load_universe(args.exchange_info)
    triangles, touching = build_triangles(symbols, args.start_assets.split(","))
    with open(args.frames, "rb") as f:
        frames = f.read().splitlines()
    if frames and frames[0] == b"#triarb-frames v1":  # recorded: time TAB connection TAB frame
        frames = [line.split(b"\t", 2)[2] for line in frames[1:]]

    fee = Decimal(args.fee)
    keep = Decimal(1) - fee
    threshold = Decimal(1) + Decimal(args.min_profit)
    book = {}  # symbol -> (update_id, bid, bid_qty, ask, ask_qty)
    evaluated = opportunities = errors = 0
    t0 = time.perf_counter()
    for raw in frames:
        try:
            msg = json.loads(raw)
            data = msg["data"] if "data" in msg else msg
            name = data["s"]
            u = int(data["u"])
            quote = (u, Decimal(data["b"]), Decimal(data["B"]), Decimal(data["a"]), Decimal(data["A"]))
        except (ValueError, KeyError, TypeError):
            errors += 1
            continue
        if name not in symbols:
            continue
        old = book.get(name)
        if old is not None and old[0] >= u:
            continue
        book[name] = quote
        for t in touching.get(name, ()):
            _, legs = triangles[t]
            ratio = Decimal(1)
            ok = True
            for leg_name, side in legs:
                q = book.get(leg_name)
                if q is None:
                    ok = False
                    break
                if side == "sell":
                    if q[1] == 0:
                        ok = False
                        break
                    ratio *= q[1] * keep
                else:
                    if q[3] == 0:
                        ok = False
                        break
                    ratio *= keep / q[3]
            if not ok:
                continue
            evaluated += 1
            if ratio > threshold:
                opportunities += 1
    elapsed = time.perf_counter() - t0
    print(json.dumps({
        "impl": "python-json-decimal",
        "frames": len(frames),
        "parse_errors": errors,
        "triangles": len(triangles),
        "triangles_evaluated": evaluated,
        "opportunities": opportunities,
        "seconds": round(elapsed, 6),
        "frames_per_s": round(len(frames) / elapsed, 1) if elapsed > 0 else None,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
