#!/bin/sh
# Runs a test under a real system tray host, headless: its own X server (Xvfb, on a display
# number it picks itself), a private D-Bus session bus (run-with-session-bus.sh), and on that
# bus a StatusNotifierItem watcher (status-notifier-watcher, Debian package
# haskell-status-notifier-item-utils) with a host registered. With a host present Qt 6 on xcb
# makes every QSystemTrayIcon a StatusNotifierItem on the bus, as under KDE, GNOME with the
# AppIndicator extension, or a panel such as waybar: the test reads the item's tooltip over
# D-Bus and clicks it with Activate. Everything started here is stopped and waited for before
# the script exits, whatever the test does.
#
#   run-with-tray-host.sh TEST-BINARY [ARGS...]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" != "--on-bus" ]; then
    [ $# -ge 1 ] || { echo "usage: $0 TEST-BINARY [ARGS...]" >&2; exit 64; }
    for tool in Xvfb status-notifier-watcher; do
        command -v "$tool" >/dev/null 2>&1 ||
            { echo "$0: $tool is missing; run scripts/setup-deps" >&2; exit 1; }
    done
    scratch=$(mktemp -d)
    xvfb=""
    stop() {
        if [ -n "$xvfb" ]; then
            kill "$xvfb" 2>/dev/null || true
            wait "$xvfb" 2>/dev/null || true
        fi
        rm -rf "$scratch"
    }
    trap stop EXIT
    trap 'exit 130' INT TERM
    # -displayfd: the server picks a free display number and writes it once it accepts clients.
    Xvfb -displayfd 3 -nolisten tcp -screen 0 1280x800x24 3>"$scratch/display" \
        >"$scratch/xvfb.log" 2>&1 &
    xvfb=$!
    tries=0
    until [ -s "$scratch/display" ]; do
        tries=$((tries + 1))
        if [ "$tries" -gt 100 ] || ! kill -0 "$xvfb" 2>/dev/null; then
            echo "run-with-tray-host: Xvfb did not come up:" >&2
            cat "$scratch/xvfb.log" >&2 || true
            exit 1
        fi
        sleep 0.1
    done
    DISPLAY=":$(cat "$scratch/display")"
    export DISPLAY
    unset WAYLAND_DISPLAY
    status=0
    "$here/run-with-session-bus.sh" "$0" --on-bus "$@" || status=$?
    exit "$status"
fi

# On the private bus: the watcher, then a host, then the test on xcb.
shift
watcher=""
stopWatcher() {
    if [ -n "$watcher" ]; then
        kill "$watcher" 2>/dev/null || true
        wait "$watcher" 2>/dev/null || true
    fi
}
trap stopWatcher EXIT
trap 'exit 130' INT TERM
status-notifier-watcher >"$HOME/watcher.log" 2>&1 &
watcher=$!
busCall() {
    dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher /StatusNotifierWatcher "$@"
}
tries=0
# The host registers only once the watcher answers; Qt asks IsStatusNotifierHostRegistered
# when the first tray icon is made, so the test starts only once it is true.
until busCall org.kde.StatusNotifierWatcher.RegisterStatusNotifierHost \
    string:org.kde.StatusNotifierHost-parley-test >/dev/null 2>&1 &&
    busCall org.freedesktop.DBus.Properties.Get string:org.kde.StatusNotifierWatcher \
        string:IsStatusNotifierHostRegistered 2>/dev/null | grep -q 'boolean true'; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$watcher" 2>/dev/null; then
        echo "run-with-tray-host: the StatusNotifierItem watcher did not come up:" >&2
        cat "$HOME/watcher.log" >&2 || true
        exit 1
    fi
    sleep 0.1
done

export QT_QPA_PLATFORM=xcb
status=0
"$@" || status=$?
exit "$status"
