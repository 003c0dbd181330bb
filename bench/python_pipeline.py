#!/usr/bin/env python3
"""The same pipeline as `triarb replay`, written the way the bot triarb
replaces was written: `json` + `Decimal`, one process, one thread.

It loads an exchangeInfo document, indexes the triangles of the start assets,
then for each frame of a plain, recorded v1 or recorded v2 frames file
(lost/quiet connections, re-seeds and restarts of v2 applied too) parses it, updates
the book and evaluates every triangle that uses the symbol, with exact
decimals. It prints frames, triangles evaluated, triangles whose ratio beat
1 + min_profit (triarb's opportunities + skip_unsizable + skip_no_profit +
journal_full: sizing is not modelled here) and frames/s as one JSON line, so bench/replay_compare.sh can put it next to triarb's figures
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


def read_frames(path):
    """Every event of a frames file, in order: ("frame", connection, bytes),
    ("lost", connection) for lost and quiet, ("reseed", symbol, update_id,
    (bid, bid_qty, ask, ask_qty)) or ("start",). Plain files (one frame per
    line), recorded v1 (time TAB connection TAB frame) and recorded v2 (time
    TAB connection TAB kind [TAB fields], core/frames_file.h) are read; a v2
    file's last line without its newline is torn and skipped, as triarb does."""
    with open(path, "rb") as f:
        text = f.read()
    lines = text.split(b"\n")
    torn = lines.pop()  # b"" when the file ends with a newline
    events = []
    if lines and lines[0].rstrip(b"\r") == b"#triarb-frames v1":
        for line in lines[1:] + ([torn] if torn else []):
            line = line.rstrip(b"\r")
            if line:
                _, conn, frame = line.split(b"\t", 2)
                events.append(("frame", int(conn), frame))
    elif lines and lines[0] == b"#triarb-frames v2":
        for line in lines[1:]:
            if not line:
                continue
            parts = line.split(b"\t", 3)
            conn, kind = int(parts[1]), parts[2]
            if kind == b"frame":
                events.append(("frame", conn, parts[3]))
            elif kind == b"frame-hex":
                events.append(("frame", conn, bytes.fromhex(parts[3].decode())))
            elif kind in (b"lost", b"quiet"):
                events.append(("lost", conn))
            elif kind == b"start":
                events.append(("start",))
            elif kind == b"reseed":
                f = parts[3].split(b"\t")
                quote = tuple(Decimal(x.decode()) for x in f[3:7])
                events.append(("reseed", f[0].decode(), int(f[2]), quote))
            else:
                raise ValueError(f"{path}: unknown event {kind!r}")
    else:
        for line in lines + ([torn] if torn else []):
            line = line.rstrip(b"\r")
            if line:
                events.append(("frame", 0, line))
    return events


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exchange-info", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--start-assets", default="USDT")
    ap.add_argument("--fee", default="0.001")
    ap.add_argument("--min-profit", default="0")
    ap.add_argument("--symbols-per-connection", type=int, default=200)
    args = ap.parse_args()

    symbols = load_universe(args.exchange_info)
    triangles, touching = build_triangles(symbols, args.start_assets.split(","))
    events = read_frames(args.frames)
    # Connections as the bot splits them: symbols in exchangeInfo order,
    # --symbols-per-connection to a connection (lost/quiet invalidate one).
    names = list(symbols)
    per = args.symbols_per_connection
    on_conn = {}
    for i, name in enumerate(names):
        on_conn.setdefault(i // per, []).append(name)

    fee = Decimal(args.fee)
    keep = Decimal(1) - fee
    threshold = Decimal(1) + Decimal(args.min_profit)
    book = {}  # symbol -> (update_id, bid, bid_qty, ask, ask_qty); absent: invalid
    last_id = {}  # symbol -> the last update id applied (kept across invalidation)
    frames = evaluated = above = errors = other_events = 0
    t0 = time.perf_counter()

    def evaluate(name):
        nonlocal evaluated, above
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
                above += 1

    for ev in events:
        kind = ev[0]
        if kind != "frame":
            other_events += 1
            if kind == "start":
                book.clear()
                last_id.clear()
            elif kind == "lost":
                for name in on_conn.get(ev[1], ()):
                    book.pop(name, None)
            elif kind == "reseed":
                name, u, quote = ev[1], ev[2], ev[3]
                if name in symbols and name not in book:
                    book[name] = (u,) + quote
                    last_id[name] = u
                    evaluate(name)
            continue
        frames += 1
        try:
            msg = json.loads(ev[2])
            data = msg["data"] if "data" in msg else msg
            name = data["s"]
            u = int(data["u"])
            quote = (u, Decimal(data["b"]), Decimal(data["B"]), Decimal(data["a"]), Decimal(data["A"]))
        except (ValueError, KeyError, TypeError):
            errors += 1
            continue
        if name not in symbols:
            continue
        if last_id.get(name, -1) >= u:
            continue
        book[name] = quote
        last_id[name] = u
        evaluate(name)
    elapsed = time.perf_counter() - t0
    print(json.dumps({
        "impl": "python-json-decimal",
        "frames": frames,
        "other_events": other_events,
        "parse_errors": errors,
        "triangles": len(triangles),
        "triangles_evaluated": evaluated,
        "ratio_above_threshold": above,
        "seconds": round(elapsed, 6),
        "frames_per_s": round(frames / elapsed, 1) if elapsed > 0 else None,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
