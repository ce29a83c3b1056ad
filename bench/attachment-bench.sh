#!/bin/bash
# Attachment throughput end to end on loopback (issue 13, "Benchmarks"; bench/RESULTS-models.md
# "Attachments"): alice's parley-cli sends a file of SIZE MiB (encrypt into her profile, upload
# to a real parley-relay as a blob, send the message), bob's fetches it (download, check the
# digest, keep it encrypted, decrypt it to a path). Each side's wall time gives MB/s; in the same
# run, the baseline is one SHA-256 pass over the same file (`sha256sum`), the one thing no
# attachment pipeline can skip (the digest, C5), so the ratio holds on a noisy machine.
#
#   bench/attachment-bench.sh BUILD_DIR [SIZE_MIB (default 100)] [RUNS (default 3)]
#
# BUILD_DIR holds a Release build with the relay and the tools (tools/cli/parley-cli,
# server/parley-relay). Everything runs in a temporary directory on 127.0.0.1 and is removed.
set -euo pipefail

build=$(realpath "${1:?usage: attachment-bench.sh BUILD_DIR [SIZE_MIB] [RUNS]}")
size_mib=${2:-100}
runs=${3:-3}
cli="$build/tools/cli/parley-cli"
relay_bin="$build/server/parley-relay"
for binary in "$cli" "$relay_bin"; do
    [[ -x $binary ]] || { echo "attachment-bench: no $binary" >&2; exit 1; }
done

work=$(mktemp -d /tmp/parley-attachment-bench.XXXXXX)
relay_pid=
cleanup() {
    if [[ -n $relay_pid ]]; then
        kill "$relay_pid" 2>/dev/null || true
        wait "$relay_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# The relay on a free port: it prints the address it listens on.
"$relay_bin" --listen 127.0.0.1:0 --data-dir "$work/relay" --blob-max-size $((size_mib + 1))M \
    --blob-quota $(((size_mib + 1) * (runs + 1)))M > "$work/relay.out" 2> "$work/relay.err" &
relay_pid=$!
port=
for _ in $(seq 1 100); do
    port=$(grep -oE '127\.0\.0\.1:[0-9]+' "$work/relay.err" "$work/relay.out" 2>/dev/null |
        head -1 | sed 's/.*://') || true
    [[ -n $port ]] && break
    sleep 0.1
done
[[ -n $port ]] || { echo "attachment-bench: the relay did not start" >&2; cat "$work/relay.err" >&2; exit 1; }
url="ws://127.0.0.1:$port"

export PARLEY_PASSPHRASE="attachment benchmark passphrase"
# parley-cli's log lines go to a file, shown if a step fails.
run_cli() {
    "$cli" --relay "$url" --timeout 600000 "$@" 2>> "$work/cli.log" || {
        echo "attachment-bench: parley-cli $* failed:" >&2
        tail -20 "$work/cli.log" >&2
        exit 1
    }
}
run_cli --profile "$work/alice" --kdf interactive init alice > /dev/null
run_cli --profile "$work/bob" --kdf interactive init bob > /dev/null
run_cli --profile "$work/alice" add "bob@127.0.0.1:$port" > /dev/null
run_cli --profile "$work/bob" add "alice@127.0.0.1:$port" > /dev/null
# A first message each way, so that sessions exist before anything is timed.
run_cli --profile "$work/alice" send bob hello > /dev/null
run_cli --profile "$work/bob" recv --wait 10 > /dev/null
run_cli --profile "$work/bob" send alice hello > /dev/null
run_cli --profile "$work/alice" recv --wait 10 > /dev/null

head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/file.bin"
seconds() { date +%s.%N; }
rate() { awk -v mib="$1" -v t="$2" 'BEGIN { printf "%.1f", mib * 1.048576 / t }'; }

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "file: $size_mib MiB of random bytes; $runs runs"
for run in $(seq 1 "$runs"); do
    start=$(seconds)
    sha256sum "$work/file.bin" > /dev/null
    hashed=$(seconds)
    sent=$(run_cli --profile "$work/alice" send-file bob "$work/file.bin")
    uploaded=$(seconds)
    id=$(echo "$sent" | awk '/^file-sent/ { print $2 }')
    run_cli --profile "$work/bob" recv --wait 30 > /dev/null
    received=$(seconds)
    run_cli --profile "$work/bob" fetch-file alice "$id" "$work/out.bin" > /dev/null
    fetched=$(seconds)
    cmp -s "$work/file.bin" "$work/out.bin" || { echo "attachment-bench: the file differs" >&2; exit 1; }
    rm -f "$work/out.bin"
    t_hash=$(awk -v a="$start" -v b="$hashed" 'BEGIN { print b - a }')
    t_send=$(awk -v a="$hashed" -v b="$uploaded" 'BEGIN { print b - a }')
    t_fetch=$(awk -v a="$received" -v b="$fetched" 'BEGIN { print b - a }')
    echo "run $run: sha256sum $(rate "$size_mib" "$t_hash") MB/s; send-file $(rate "$size_mib" "$t_send") MB/s ($t_send s); fetch-file $(rate "$size_mib" "$t_fetch") MB/s ($t_fetch s)"
done
