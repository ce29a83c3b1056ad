#!/bin/bash
# The cluster benchmark of issue 16 (bench/RESULTS-cluster.md): parley-loadgen through HAProxy
# against 1, 2 and 3 relay nodes on one PostgreSQL and one Redis (scripts/cluster), beside the
# single-node SQLite relay IN THE SAME RUN, so that the figure that matters, the ratio of CPU
# per delivered durable message, is measured side by side on the same loaded machine.
#
#   bench/cluster/run.sh
#
# Environment: OUT_DIR (default /tmp/parley-cluster-bench), BUILD (default build/rel, a
# Release build configured here if missing), NODES (default "1 2 3"), PAIRS (200), WINDOW (50),
# TOTAL (100000 messages per throughput run), RATE (1000 msgs/s) and DURATION (10 s) of the
# fixed-rate latency run, SCENARIOS (default "throughput throughput rate": parley-loadgen's
# scenarios, run in one process against each system under test), PG_SETTINGS (default empty:
# scripts/cluster's throwaway PostgreSQL, fsync=off; e.g. "fsync=on full_page_writes=on"),
# RELAY_BIN and LOADGEN_BIN (both set: these binaries, nothing is built — e.g. copies of an
# earlier build, to measure before and after under the same conditions).
#
# Nothing is pinned: the cluster's processes share both cores with the load generator, so
# every rate here is CPU-bound on this machine. The CPU figures are summed over every process
# of the system under test with its descendants (nodes, PostgreSQL and all its backends,
# Redis, HAProxy; for SQLite the one relay): in the measured window by parley-loadgen
# (--relay-pid repeated), and per part around the whole loadgen run by bench/cluster/cpu.py.
# Loopback only; every phase is bounded by the tools themselves.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT_DIR="${OUT_DIR:-/tmp/parley-cluster-bench}"
BUILD="${BUILD:-$ROOT/build/rel}"
NODES="${NODES:-1 2 3}"
PAIRS="${PAIRS:-200}" WINDOW="${WINDOW:-50}" TOTAL="${TOTAL:-100000}"
RATE="${RATE:-1000}" DURATION="${DURATION:-10}"
export PARLEY_CLUSTER_DIR="$OUT_DIR/cluster"
export QT_NO_GLIB=1 # as parley-loadgen starts a relay: Qt's own event loop, not GLib's
mkdir -p "$OUT_DIR"
rm -f "$OUT_DIR"/*.jsonl

if [ -z "${RELAY_BIN:-}" ] || [ -z "${LOADGEN_BIN:-}" ]; then
    if [ ! -f "$BUILD/CMakeCache.txt" ]; then
        cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARLEY_BUILD_APP=OFF \
            -DPARLEY_BUILD_TESTS=OFF -DPARLEY_BUILD_TOOLS=ON -DCMAKE_C_COMPILER_LAUNCHER=ccache \
            -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
    fi
    nice -n 19 cmake --build "$BUILD" -j1 --target parley-relay parley-loadgen >/dev/null
fi
relay="${RELAY_BIN:-$BUILD/server/parley-relay}"
loadgen="${LOADGEN_BIN:-$BUILD/tools/loadgen/parley-loadgen}"

# The relay under the same settings parley-loadgen gives a relay it starts itself: admission
# and rate limits off, a deep queue, so that the load is measured and not refused.
open_args=(--max-unauthenticated=0 --max-unauthenticated-per-address=0
    --max-connections-per-address=0 --rate-requests=off --rate-sends=off
    --rate-registrations=off --queue-max-messages=1000000)
# A warm-up throughput run, a measured one, then latency at a fixed rate (fresh users each).
read -r -a scenarios <<<"${SCENARIOS:-throughput throughput rate}"

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# measure CONFIG URL NAME=PIDS...: one loadgen run against URL; its JSON lines go to
# OUT_DIR/CONFIG.jsonl, the CPU per part and the load averages to OUT_DIR/parts.jsonl.
measure() {
    local config=$1 url=$2
    shift 2
    local pids
    pids=$(printf '%s\n' "$@" | sed 's/^[^=]*=//' | paste -sd, -)
    local load0 before
    load0=$(loadavg)
    before=$(python3 "$ROOT/bench/cluster/cpu.py" "$@")
    "$loadgen" --url "$url" --relay-pid "$pids" --relay-cpu -1 --driver-cpu -1 \
        --pairs "$PAIRS" --window "$WINDOW" --total "$TOTAL" --rate "$RATE" \
        --duration "$DURATION" "${scenarios[@]}" | tee "$OUT_DIR/$config.jsonl"
    local after
    after=$(python3 "$ROOT/bench/cluster/cpu.py" "$@")
    python3 - "$config" "$before" "$after" "$load0" "$(loadavg)" >>"$OUT_DIR/parts.jsonl" <<'PY'
import json, sys
config, before, after, load0, load1 = sys.argv[1:]
before, after = json.loads(before), json.loads(after)
print(json.dumps({"config": config, "loadavg_before": load0, "loadavg_after": load1,
                  "cpu_seconds": {k: round(after[k] - before[k], 2) for k in after}}))
PY
}

# --- the single-node SQLite relay ---------------------------------------------------------
sqlite_dir=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench-sqlite.XXXXXX")
sqlite_pid=""
cleanup() {
    [ -z "$sqlite_pid" ] || kill -TERM "$sqlite_pid" 2>/dev/null || true
    "$ROOT/scripts/cluster" down >/dev/null 2>&1 || true
    rm -rf "$sqlite_dir"
}
trap cleanup EXIT
"$relay" --listen 127.0.0.1:0 --admin-listen none --data-dir "$sqlite_dir/data" \
    "${open_args[@]}" >"$OUT_DIR/sqlite.log" 2>&1 &
sqlite_pid=$!
port=""
for _ in $(seq 150); do
    port=$(sed -n 's|.*listening on ws://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$OUT_DIR/sqlite.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$OUT_DIR/sqlite.log" >&2; exit 1; }
echo "== sqlite: one relay, ws://127.0.0.1:$port" >&2
measure sqlite "ws://127.0.0.1:$port" "relay=$sqlite_pid"
kill -TERM "$sqlite_pid"
wait "$sqlite_pid" || true
sqlite_pid=""

# --- the cluster with N nodes -------------------------------------------------------------
for n in $NODES; do
    relay_args=()
    for a in "${open_args[@]}"; do relay_args+=("--relay-arg=$a"); done
    for setting in ${PG_SETTINGS:-}; do relay_args+=("--pg-setting=$setting"); done
    "$ROOT/scripts/cluster" up --nodes "$n" --detach --relay-bin "$relay" \
        --conn-rate 1000000 --conn-max 100000 "${relay_args[@]}" >"$OUT_DIR/cluster-up-$n.log"
    url=$(sed -n 's/^url //p' "$OUT_DIR/cluster-up-$n.log")
    status=$("$ROOT/scripts/cluster" status)
    part() { echo "$status" | awk -v n="$1" '$1 ~ n && $2 == "running" { print $4 }' | paste -sd, -; }
    echo "== cluster: $n node(s), $url" >&2
    pg_port=$(sed -n 's/^pg_port=//p' "$PARLEY_CLUSTER_DIR/cluster.state" | tail -1)
    pgstat() { # the database's work, for where the CPU goes: transactions and rows
        psql -tA -F' ' -h 127.0.0.1 -p "$pg_port" -U parley -d parley -c "SELECT xact_commit, \
            tup_inserted, tup_updated, tup_deleted, tup_fetched, tup_returned FROM \
            pg_stat_database WHERE datname = 'parley'"
    }
    pg0=$(pgstat)
    measure "cluster$n" "$url" "nodes=$(part '^node[0-9]+$')" "postgresql=$(part '^postgres$')" \
        "redis=$(part '^redis$')" "haproxy=$(part '^haproxy$')"
    sleep 1 # PostgreSQL publishes its statistics at most once a second
    echo "$pg0 $(pgstat)" | awk -v config="cluster$n" '{ printf "{\"config\": \"%s\", \"commits\": %d, \"inserted\": %d, \"updated\": %d, \"deleted\": %d, \"fetched\": %d, \"returned\": %d}\n", config, $7-$1, $8-$2, $9-$3, $10-$4, $11-$5, $12-$6 }' >>"$OUT_DIR/pgstats.jsonl"
    "$ROOT/scripts/cluster" down >/dev/null 2>&1
done

python3 "$ROOT/bench/cluster/summary.py" "$OUT_DIR" | tee "$OUT_DIR/summary.md"
