#!/bin/sh
# The relay's service files (packaging/relay) are valid: the systemd unit passes
# `systemd-analyze verify` with no complaint at all (it warns, but exits 0, on a value it
# ignores), and the default config file passes the relay's own --check-config with the
# loopback-only listen address it promises.
#   check-relay-service.sh UNIT_TEMPLATE CONFIG RELAY_BINARY WORK_DIR
set -eu
template=$1 config=$2 relay=$3 work=$4
mkdir -p "$work"
unit="$work/parley-relay.service"
sed -e "s|@PARLEY_RELAY_BINARY@|$relay|" -e "s|@PARLEY_RELAY_CONFIG@|$config|" \
    "$template" > "$unit"
if ! output=$(systemd-analyze verify --man=no "$unit" 2>&1) || [ -n "$output" ]; then
    echo "systemd-analyze verify complained:" >&2
    echo "$output" >&2
    exit 1
fi
checked=$("$relay" --check-config --config "$config" --data-dir "$work/data")
echo "$checked" | grep -qx 'listen = 127.0.0.1:7683  # file' || {
    echo "the default config does not listen on loopback only:" >&2
    echo "$checked" >&2
    exit 1
}
echo "unit and config OK"
