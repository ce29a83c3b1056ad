#!/bin/bash
# Before/after comparison of parley-app-bench (bench/RESULTS-app.md): runs two builds of it
# alternately, ROUNDS times each (A B A B …), under Xvfb, and prints each run's load average
# and its summary lines, so that both see the same machine. Copy the "before" binary aside
# before rebuilding (it is self-contained: the project's libraries are static).
#
#   bench/app-bench-ab.sh BEFORE_BIN AFTER_BIN [ROUNDS] [-- bench options]
#   e.g. bench/app-bench-ab.sh /tmp/before/parley-app-bench build/rel/bench/parley-app-bench 3 \
#            -- --messages 10000 --scroll-messages 100000
set -euo pipefail
before=$1
after=$2
rounds=${3:-3}
shift $(($# < 3 ? $# : 3))
[ "${1:-}" = "--" ] && shift
options=("$@")
[ ${#options[@]} -eq 0 ] && options=(--messages 10000 --scroll-messages 100000)
for round in $(seq 1 "$rounds"); do
    for which in before after; do
        bin=$before
        [ "$which" = after ] && bin=$after
        echo "== round $round, $which ($bin), $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
        QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x800x24" "$bin" "${options[@]}" 2>/dev/null |
            grep -E '^(scrolling|  |main window|bare)'
    done
done
echo "== done $(date -u +%H:%M:%S) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
