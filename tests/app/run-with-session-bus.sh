#!/bin/sh
# Runs a test on a private D-Bus session bus, in a fresh HOME and XDG_RUNTIME_DIR, so it never
# reaches the developer's own desktop (its notification server, its tray). The bus is this
# script's child; it is stopped and waited for before the script exits, whatever the test does.
#
#   run-with-session-bus.sh TEST-BINARY [ARGS...]
set -eu

[ $# -ge 1 ] || { echo "usage: $0 TEST-BINARY [ARGS...]" >&2; exit 64; }
for tool in dbus-daemon dbus-send; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "$0: $tool is missing; run scripts/setup-deps" >&2; exit 1; }
done

scratch=$(mktemp -d)
bus=""
stop() {
    if [ -n "$bus" ]; then
        kill "$bus" 2>/dev/null || true
        wait "$bus" 2>/dev/null || true
    fi
    rm -rf "$scratch"
}
trap stop EXIT
trap 'exit 130' INT TERM
mkdir -m 700 "$scratch/home" "$scratch/runtime"
export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/runtime"
export DBUS_SESSION_BUS_ADDRESS="unix:path=$scratch/runtime/bus"

dbus-daemon --session --nofork --nopidfile --address="$DBUS_SESSION_BUS_ADDRESS" \
    >"$HOME/dbus.log" 2>&1 &
bus=$!
tries=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetId >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
        echo "run-with-session-bus: the session bus did not come up:" >&2
        cat "$HOME/dbus.log" >&2 || true
        exit 1
    fi
    sleep 0.1
done

status=0
"$@" || status=$?
exit "$status"
