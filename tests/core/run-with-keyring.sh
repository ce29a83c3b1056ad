#!/bin/sh
# Runs a test against a real Secret Service: a private D-Bus session bus and an unlocked
# gnome-keyring, in a fresh HOME and XDG_RUNTIME_DIR, so QtKeychain never reaches the
# developer's own keyring. Both daemons are this script's children; they are stopped and
# waited for before it exits, whatever the test does.
#
#   run-with-keyring.sh TEST-BINARY [ARGS...]
set -eu

[ $# -ge 1 ] || { echo "usage: $0 TEST-BINARY [ARGS...]" >&2; exit 64; }
for tool in dbus-daemon gnome-keyring-daemon dbus-send; do
    command -v "$tool" >/dev/null 2>&1 ||
        { echo "$0: $tool is missing; run scripts/setup-deps" >&2; exit 1; }
done

scratch=$(mktemp -d)
bus="" keyring=""
stop() {
    for pid in $keyring $bus; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$scratch"
}
trap stop EXIT
trap 'exit 130' INT TERM
mkdir -m 700 "$scratch/home" "$scratch/runtime"
export HOME="$scratch/home" XDG_RUNTIME_DIR="$scratch/runtime" PARLEY_KEYRING_SESSION=1
export DBUS_SESSION_BUS_ADDRESS="unix:path=$scratch/runtime/bus"

# Bounded wait for a condition, failing with the daemons' logs.
wait_for() { # description command...
    what=$1; shift
    tries=0
    until "$@" >/dev/null 2>&1; do
        tries=$((tries + 1))
        if [ "$tries" -gt 100 ]; then
            echo "run-with-keyring: $what did not come up:" >&2
            cat "$scratch/home/"*.log >&2 || true
            exit 1
        fi
        sleep 0.1
    done
}

dbus-daemon --session --nofork --nopidfile --address="$DBUS_SESSION_BUS_ADDRESS" \
    >"$HOME/dbus.log" 2>&1 &
bus=$!
wait_for "the session bus" dbus-send --session --print-reply --dest=org.freedesktop.DBus \
    /org/freedesktop/DBus org.freedesktop.DBus.GetId

# --foreground keeps the keyring our own child, so it can be stopped and waited for.
printf %s parley-test | gnome-keyring-daemon --foreground --unlock --components=secrets \
    >"$HOME/keyring.log" 2>&1 &
keyring=$!
has_secrets() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets | grep -q "boolean true"
}
wait_for "gnome-keyring" has_secrets

status=0
"$@" || status=$?
exit "$status"
