#!/usr/bin/env python3
"""Markdown tables from bench/cluster/run.sh's OUT_DIR (see bench/RESULTS-cluster.md)."""
import json
import os
import sys


def lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main():
    out = sys.argv[1]
    parts = {p["config"]: p for p in lines(os.path.join(out, "parts.jsonl"))}
    configs = [c for c in ["sqlite", "cluster1", "cluster2", "cluster3"]
               if os.path.exists(os.path.join(out, c + ".jsonl"))]
    base = None
    print("| system under test | delivered msgs/s | CPU µs per delivered msg (all processes) "
          "| ratio to SQLite | p99 at saturation | p50 / p99 at fixed rate | load avg before → after |")
    print("|---|---|---|---|---|---|---|")
    for config in configs:
        runs = lines(os.path.join(out, config + ".jsonl"))
        throughput = [r for r in runs if r.get("scenario") == "throughput"]
        rate = [r for r in runs if r.get("scenario") == "rate"]
        measured = throughput[-1] if throughput else None
        if measured is None:  # SCENARIOS=rate: the fixed-rate run's figures only
            measured = {"complete": True, "latency": {"p99_ms": float("nan")}}
            if rate:
                measured["relay_cpu_us_per_delivered"] = rate[-1]["relay_cpu_us_per_delivered"]
        cpu = measured.get("relay_cpu_us_per_delivered", 0)
        if config == "sqlite":
            base = cpu
        ratio = f"{cpu / base:.2f}×" if base else "—"
        fixed = "—"
        if rate and "latency" in rate[-1]:
            lat = rate[-1]["latency"]
            fixed = (f"{lat['p50_ms']:.1f} / {lat['p99_ms']:.1f} ms "
                     f"({rate[-1]['rate']:.0f}/s, {rate[-1]['relay_cpu_us_per_delivered']:.0f} µs/msg)")
        name = "SQLite, one relay" if config == "sqlite" else f"{config[7:]} node(s) + PG + Redis + HAProxy"
        complete = "" if measured.get("complete") else " (INCOMPLETE)"
        p = parts.get(config, {})
        print(f"| {name}{complete} | {measured.get('delivered_per_second', 0):.0f} | {cpu:.1f} | {ratio} "
              f"| {measured['latency']['p99_ms']:.1f} ms | {fixed} "
              f"| {p.get('loadavg_before', '?')} → {p.get('loadavg_after', '?')} |")
    print()
    print("CPU seconds per part over the whole loadgen run (connections, warm-up, measured run and "
          "fixed-rate run; bench/cluster/cpu.py):")
    print()
    print("| system under test | part | CPU s | share |")
    print("|---|---|---|---|")
    for config in configs:
        seconds = parts.get(config, {}).get("cpu_seconds", {})
        total = sum(seconds.values()) or 1
        for part, value in seconds.items():
            print(f"| {config} | {part} | {value:.2f} | {100 * value / total:.0f} % |")

    stats_path = os.path.join(out, "pgstats.jsonl")
    if os.path.exists(stats_path):
        print()
        print("PostgreSQL's work per message over the whole loadgen run (pg_stat_database; "
              "messages = both throughput runs + the fixed-rate run's rate × (duration + 2 s "
              "warm-up)):")
        print()
        print("| system under test | messages | commits / msg | rows inserted / msg "
              "| updated / msg | deleted / msg | fetched / msg |")
        print("|---|---|---|---|---|---|---|")
        for stats in lines(stats_path):
            runs = lines(os.path.join(out, stats["config"] + ".jsonl"))
            messages = sum(r.get("delivered", 0) for r in runs if r.get("scenario") == "throughput")
            messages += sum(r["rate"] * (r["duration"] + 2) for r in runs
                            if r.get("scenario") == "rate" and "rate" in r)
            m = messages or 1
            print(f"| {stats['config']} | {messages:.0f} | {stats['commits'] / m:.2f} "
                  f"| {stats['inserted'] / m:.2f} | {stats['updated'] / m:.2f} "
                  f"| {stats['deleted'] / m:.2f} | {stats['fetched'] / m:.2f} |")


if __name__ == "__main__":
    main()
