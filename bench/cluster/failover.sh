#!/bin/bash
# Failover (issue 16, "Benchmarks"; bench/RESULTS-cluster.md §Failover): 3 nodes of
# scripts/cluster behind HAProxy, `pairs` sender→receiver pairs exchanging messages at RATE
# msgs/s, then SIGKILL to node 2 (parley-loadgen's `failover` scenario): the time until every
# client that lost its connection is authenticated again through HAProxy and has had its
# queue drained (QueueDrained), and the acknowledged sends that were never delivered.
#
#   bench/cluster/failover.sh      (after bench/cluster/run.sh has built build/rel)
#
# Environment: OUT_DIR (default /tmp/parley-cluster-failover), BUILD (default build/rel),
# PAIRS (200), RATE (200), WARMUP (3 s before the kill), RUNS (3).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT_DIR="${OUT_DIR:-/tmp/parley-cluster-failover}"
BUILD="${BUILD:-$ROOT/build/rel}"
PAIRS="${PAIRS:-200}" RATE="${RATE:-200}" WARMUP="${WARMUP:-3}" RUNS="${RUNS:-3}"
export PARLEY_CLUSTER_DIR="$OUT_DIR/cluster" QT_NO_GLIB=1
mkdir -p "$OUT_DIR"
: >"$OUT_DIR/failover.jsonl"
trap '"$ROOT/scripts/cluster" down >/dev/null 2>&1 || true' EXIT
# As bench/cluster/run.sh, except the rate limits: a reconnect storm through one address
# must not be refused by the relay (HAProxy's own limits are lifted with --conn-*).
relay_args=()
for a in --max-unauthenticated=0 --max-unauthenticated-per-address=0 \
    --max-connections-per-address=0 --rate-requests=off --rate-sends=off \
    --rate-registrations=off --queue-max-messages=1000000; do
    relay_args+=("--relay-arg=$a")
done
for run in $(seq "$RUNS"); do
    "$ROOT/scripts/cluster" up --nodes 3 --detach --relay-bin "$BUILD/server/parley-relay" \
        --conn-rate 1000000 --conn-max 100000 "${relay_args[@]}" >"$OUT_DIR/up.log"
    url=$(sed -n 's/^url //p' "$OUT_DIR/up.log")
    victim=$("$ROOT/scripts/cluster" status | awk '$1 == "node2" { print $4 }')
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    result=$("$BUILD/tools/loadgen/parley-loadgen" --url "$url" --relay-pid "$victim" \
        --relay-cpu -1 --driver-cpu -1 --pairs "$PAIRS" --rate "$RATE" --warmup "$WARMUP" \
        --max-seconds 60 --kill-pid "$victim" failover) || true
    echo "run $run: $result (load average $load0 -> $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "$result" >>"$OUT_DIR/failover.jsonl"
    "$ROOT/scripts/cluster" down >/dev/null 2>&1
done
