#!/bin/bash
# Per-connection cost of a cluster node beside the single SQLite relay, in the same run
# (bench/RESULTS-cluster.md §Per connection): parley-loadgen's `idle` scenario (authenticated
# idle connections; RSS of the node or relay per connection, connects/s, idle CPU) against a
# single SQLite relay and then through HAProxy against one node of scripts/cluster, while
# HAProxy's and Redis's RSS and Redis's channel count are sampled every 2 s.
#
#   bench/cluster/idle.sh          (after bench/cluster/run.sh has built build/rel)
#
# Environment: OUT_DIR (default /tmp/parley-cluster-idle), BUILD (default build/rel),
# CONNECTIONS (default 1000,3000: scripts/cluster caps HAProxy at 4096 connections).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT_DIR="${OUT_DIR:-/tmp/parley-cluster-idle}"
BUILD="${BUILD:-$ROOT/build/rel}"
CONNECTIONS="${CONNECTIONS:-1000,3000}"
export PARLEY_CLUSTER_DIR="$OUT_DIR/cluster" QT_NO_GLIB=1
mkdir -p "$OUT_DIR"
relay="$BUILD/server/parley-relay"
loadgen="$BUILD/tools/loadgen/parley-loadgen"
open_args=(--max-unauthenticated=0 --max-unauthenticated-per-address=0
    --max-connections-per-address=0 --rate-requests=off --rate-sends=off
    --rate-registrations=off --queue-max-messages=1000000)
rss() { awk '/^Rss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

data=$(mktemp -d "${TMPDIR:-/tmp}/parley-bench-idle.XXXXXX")
relay_pid=""
cleanup() {
    [ -z "$relay_pid" ] || kill -TERM "$relay_pid" 2>/dev/null || true
    "$ROOT/scripts/cluster" down >/dev/null 2>&1 || true
    rm -rf "$data"
}
trap cleanup EXIT

"$relay" --listen 127.0.0.1:0 --admin-listen none --data-dir "$data/relay" "${open_args[@]}" \
    >"$OUT_DIR/sqlite.log" 2>&1 &
relay_pid=$!
port=""
for _ in $(seq 150); do
    port=$(sed -n 's|.*listening on ws://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$OUT_DIR/sqlite.log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$OUT_DIR/sqlite.log" >&2; exit 1; }
echo "sqlite: load average $(loadavg)"
"$loadgen" --url "ws://127.0.0.1:$port" --relay-pid "$relay_pid" --relay-cpu -1 --driver-cpu -1 \
    --connections "$CONNECTIONS" idle
kill -TERM "$relay_pid"
wait "$relay_pid" || true
relay_pid=""

relay_args=()
for a in "${open_args[@]}"; do relay_args+=("--relay-arg=$a"); done
"$ROOT/scripts/cluster" up --nodes 1 --detach --relay-bin "$relay" --conn-rate 1000000 \
    --conn-max 100000 "${relay_args[@]}" >"$OUT_DIR/up.log"
url=$(sed -n 's/^url //p' "$OUT_DIR/up.log")
status=$("$ROOT/scripts/cluster" status)
pid_of() { echo "$status" | awk -v part="$1" '$1 == part { print $4 }'; }
node=$(pid_of node1) haproxy=$(pid_of haproxy) redis=$(pid_of redis)
redis_port=$(sed -n 's/^redis_port=//p' "$PARLEY_CLUSTER_DIR/cluster.state" | tail -1)
echo "cluster, 1 node: load average $(loadavg); before: HAProxy $(rss "$haproxy") KiB, Redis $(rss "$redis") KiB"
"$loadgen" --url "$url" --relay-pid "$node" --relay-cpu -1 --driver-cpu -1 \
    --connections "$CONNECTIONS" idle &
loadgen_pid=$!
while kill -0 "$loadgen_pid" 2>/dev/null; do
    echo "during: HAProxy $(rss "$haproxy") KiB, Redis $(rss "$redis") KiB," \
        "$(redis-cli -p "$redis_port" pubsub channels | wc -l) channels"
    sleep 2
done
wait "$loadgen_pid"
echo "load average after: $(loadavg)"
