#!/bin/bash
# The relay benchmarks of issue 11: parley-relay under parley-loadgen, and Prosody and
# ejabberd under ../shared/peers/xmpp_servers_bench.sh, IN THE SAME RUN, with the same
# pinning (server on CPU 0, driver on CPU 1) and the same scenario sizes, so that the
# figures in bench/RESULTS.md are ratios measured side by side.
#
#   bench/relay/run.sh [parley] [peers]      (default: both)
#
# Environment: OUT_DIR (default /tmp/parley-relay-bench), PEERS_DIR (default
# ../shared/peers beside the repository), IDLE_COUNTS (default 2000,5000,10000).
# Installs prosody and ejabberd with apt if missing (their services are not started).
# Loopback only; every phase is bounded by the tools themselves.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT_DIR="${OUT_DIR:-/tmp/parley-relay-bench}"
PEERS_DIR="${PEERS_DIR:-$(cd "$ROOT/.." && pwd)/shared/peers}"
IDLE_COUNTS="${IDLE_COUNTS:-2000,5000,10000}"
BUILD="$ROOT/build/relay-bench"
phases=("$@")
[ ${#phases[@]} -eq 0 ] && phases=(parley peers)
mkdir -p "$OUT_DIR"

run_parley() {
    "$ROOT/scripts/setup-deps"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPARLEY_BUILD_APP=OFF \
        -DPARLEY_BUILD_TESTS=OFF -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
    cmake --build "$BUILD" --target parley-relay parley-loadgen parley-relay-floor
    local lg=("$BUILD/tools/loadgen/parley-loadgen" --relay-bin "$BUILD/server/parley-relay"
              --relay-cpu 0 --driver-cpu 1)
    local out="$OUT_DIR/parley.jsonl"
    : > "$out"
    # Each line starts a fresh relay with a fresh data directory. The sizes are the peers'.
    "${lg[@]}" --connections "$IDLE_COUNTS" idle | tee -a "$out"
    # A warm-up run, then three measured ones, on one relay (as the peers' "traffic" phase).
    "${lg[@]}" --pairs 200 --window 50 --total 200000 \
        throughput throughput throughput throughput | tee -a "$out"
    "${lg[@]}" --pairs 200 --rate 1000 --duration 20 rate | tee -a "$out"
    "${lg[@]}" --count 10000 offline | tee -a "$out"
    "${lg[@]}" --group 50 --total 200000 --window 50 fanout | tee -a "$out"
    "${lg[@]}" --connections 10000 reconnect | tee -a "$out"
    # The floor beside it: a bare QWebSocket echo and the queue's SQL, same machine, same run
    # (bench/RESULTS.md §Relay CPU per message).
    local floor="$BUILD/tools/loadgen/parley-relay-floor"
    "$floor" echo --server-cpu 0 --driver-cpu 1 --connections 200 --window 50 --total 200000 \
        --payload-bytes 600 | tee -a "$out"
    "$floor" sql --server-cpu 0 --rows 200000 --rows-per-commit 1000 --payload-bytes 600 \
        | tee -a "$out"
}

run_peers() {
    if ! command -v prosody >/dev/null || ! command -v ejabberdctl >/dev/null; then
        local prc=/usr/sbin/policy-rc.d
        if [ ! -e "$prc" ]; then
            printf '#!/bin/sh\nexit 101\n' > "$prc"; chmod +x "$prc"
            trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            prosody ejabberd python3 python3-uvloop util-linux iproute2 >/dev/null
    fi
    rm -f "$OUT_DIR"/xmpp_prosody.jsonl "$OUT_DIR"/xmpp_ejabberd.jsonl
    OUT_DIR="$OUT_DIR" IDLE_COUNTS="$IDLE_COUNTS" "$PEERS_DIR/xmpp_servers_bench.sh" prosody \
        register idle traffic
    OUT_DIR="$OUT_DIR" IDLE_COUNTS="$IDLE_COUNTS" "$PEERS_DIR/xmpp_servers_bench.sh" ejabberd \
        register idle traffic
}

for phase in "${phases[@]}"; do
    case $phase in
        parley) run_parley ;;
        peers) run_peers ;;
        *) echo "usage: $0 [parley] [peers]" >&2; exit 64 ;;
    esac
done
python3 "$ROOT/bench/relay/summary.py" "$OUT_DIR" | tee "$OUT_DIR/summary.md"
