#!/usr/bin/env python3
"""CPU seconds of named process trees, for bench/cluster/run.sh.

    cpu.py NAME=PID[,PID...] ...   ->  one JSON object {NAME: seconds, ...} on stdout

Each PID counts with all its descendants: a live process's utime + stime + cutime + cstime
(its own time and that of the children it reaped), so PostgreSQL's backends count whether
they still run or have exited (proc(5), fields 14-17)."""
import json
import os
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def read_all():
    procs = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                text = f.read()
        except OSError:
            continue
        fields = text[text.rindex(b")") + 2:].split()
        procs[int(entry)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    return procs


def main():
    procs = read_all()
    children = {}
    for pid, (parent, _) in procs.items():
        children.setdefault(parent, []).append(pid)
    result = {}
    for argument in sys.argv[1:]:
        name, _, pids = argument.partition("=")
        pending = [int(p) for p in pids.split(",") if p]
        seen, ticks = set(), 0
        while pending:
            pid = pending.pop()
            if pid in seen or pid not in procs:
                continue
            seen.add(pid)
            ticks += procs[pid][1]
            pending.extend(children.get(pid, []))
        result[name] = ticks / TICKS
    print(json.dumps(result))


if __name__ == "__main__":
    main()
