#!/usr/bin/env python3
"""The relay benchmark table for bench/RESULTS.md: parley-relay (parley.jsonl from
parley-loadgen) beside Prosody and ejabberd (xmpp_<server>.jsonl from
../shared/peers/xmpp_servers_bench.sh), all from one run of bench/relay/run.sh."""
import json
import os
import statistics
import sys

out_dir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/parley-relay-bench"


def records(name):
    path = os.path.join(out_dir, name)
    if not os.path.exists(path):
        return []
    rows = []
    for line in open(path):
        line = line.strip()
        if line.startswith("{"):
            rows.append(json.loads(line))
    return rows


def fmt(value, digits=1):
    return "–" if value is None else f"{value:.{digits}f}"


parley = records("parley.jsonl")
peers = {srv: records(f"xmpp_{srv}.jsonl") for srv in ("prosody", "ejabberd")}
row = {}

# Idle memory: KiB per connection at each count.
for r in parley:
    if r.get("scenario") == "idle":
        for step in r.get("steps", []):
            row.setdefault("idle", {}).setdefault(step["connections"], {})["parley"] = \
                step["kib_per_connection"]
for srv, rs in peers.items():
    for r in rs:
        if r.get("scenario") == "idle":
            for point in r.get("points", []):
                if "rss_per_conn_kib" in point:
                    row.setdefault("idle", {}).setdefault(point["n"], {})[srv] = \
                        point["rss_per_conn_kib"]

# Throughput: the median of the measured runs (the first run of each is the warm-up).
p_tp = [r for r in parley if r.get("scenario") == "throughput"][1:]
tp = {"parley": (statistics.median([r["delivered_per_second"] for r in p_tp]) if p_tp else None,
                 statistics.median([r["relay_cpu_us_per_delivered"] for r in p_tp]) if p_tp else None)}
for srv, rs in peers.items():
    runs = [r for r in rs if r.get("scenario") == "throughput" and "-r" in r.get("label", "")]
    tp[srv] = (statistics.median([r["delivered_per_s"] for r in runs]) if runs else None,
               statistics.median([r["server_cpu_us_per_msg"] for r in runs]) if runs else None)

lat = {}
for r in parley:
    if r.get("scenario") == "rate":
        lat["parley"] = (r["latency"]["p50_ms"], r["latency"]["p99_ms"])
for srv, rs in peers.items():
    for r in rs:
        if r.get("scenario") == "latency":
            lat[srv] = (r.get("p50_ms"), r.get("p99_ms"))

off = {}
for r in parley:
    if r.get("scenario") == "offline":
        off["parley"] = r["drained_per_second"]
for srv, rs in peers.items():
    for r in rs:
        if r.get("scenario") == "offline" and r.get("all_delivered_s"):
            off[srv] = r["count"] / r["all_delivered_s"]

names = ["parley", "prosody", "ejabberd"]
print("| figure | parley-relay | Prosody | ejabberd | parley ÷ ejabberd |")
print("|---|---|---|---|---|")
for n, values in sorted(row.get("idle", {}).items()):
    e = values.get("ejabberd")
    p = values.get("parley")
    print(f"| RSS per idle connection at {n}, KiB | {fmt(p)} | {fmt(values.get('prosody'))} | "
          f"{fmt(e)} | {fmt(p / e if p and e else None, 2)} |")
for i, label in ((0, "delivered msgs/s (200 pairs, window 50)"),
                 (1, "server CPU per delivered message, µs")):
    vals = [tp.get(n, (None, None))[i] for n in names]
    ratio = vals[0] / vals[2] if vals[0] and vals[2] else None
    digits = 0 if i == 0 else 1
    print(f"| {label} | {fmt(vals[0], digits)} | {fmt(vals[1], digits)} | {fmt(vals[2], digits)} | "
          f"{fmt(ratio, 2)} |")
for i, label in ((0, "p50 at 1 000 msgs/s, ms"), (1, "p99 at 1 000 msgs/s, ms")):
    vals = [lat.get(n, (None, None))[i] for n in names]
    ratio = vals[0] / vals[2] if vals[0] and vals[2] else None
    print(f"| {label} | {fmt(vals[0], 2)} | {fmt(vals[1], 2)} | {fmt(vals[2], 2)} | {fmt(ratio, 2)} |")
vals = [off.get(n) for n in names]
ratio = vals[0] / vals[2] if vals[0] and vals[2] else None
print(f"| offline drain of 10 000, msgs/s | {fmt(vals[0], 0)} | {fmt(vals[1], 0)} | "
      f"{fmt(vals[2], 0)} | {fmt(ratio, 2)} |")
print()
print("parley-relay stores and fsyncs every message before acknowledging it; Prosody and "
      "ejabberd store nothing for a recipient that is online.")
