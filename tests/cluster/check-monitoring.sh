#!/bin/sh
# packaging/monitoring/ and packaging/cluster/ are valid, and name only metrics the relay
# has: promtool checks the Prometheus configuration and the alert rules and runs the rules'
# unit tests; haproxy checks its configuration; then a real relay is started and every
# parley_relay_* name in the Grafana dashboard and in the alert rules must be in its /metrics
# (docs/operations.md §Running a cluster).
#
#   check-monitoring.sh SOURCE_DIR RELAY_BINARY WORK_DIR
set -eu

source_dir=$1
relay=$2
work=$3
monitoring=$source_dir/packaging/monitoring

fail() { echo "check-monitoring: $*" >&2; exit 1; }

command -v promtool >/dev/null || fail "promtool missing (package prometheus: scripts/setup-deps)"
command -v haproxy >/dev/null || fail "haproxy missing (scripts/setup-deps)"

promtool check config "$monitoring/prometheus.yml" || fail "prometheus.yml is invalid"
promtool check rules "$monitoring/alerts.yml" || fail "alerts.yml is invalid"
# promtool resolves rule_files relative to the test file.
promtool test rules "$monitoring/alerts-test.yml" || fail "alert rule unit tests failed"
haproxy -c -f "$source_dir/packaging/cluster/haproxy.cfg" || fail "haproxy.cfg is invalid"

rm -rf "$work"
mkdir -p "$work"
"$relay" --data-dir "$work/data" --listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 \
    >"$work/relay.log" 2>&1 &
relay_pid=$!
trap 'kill "$relay_pid" 2>/dev/null || true; wait "$relay_pid" 2>/dev/null || true' EXIT

# The relay prints its admin address once it serves it (bounded wait: 20 s).
i=0
while ! grep -q '^parley-relay admin on ' "$work/relay.log"; do
    i=$((i + 1))
    [ "$i" -le 200 ] || fail "the relay did not start: $(cat "$work/relay.log")"
    kill -0 "$relay_pid" 2>/dev/null || fail "the relay exited: $(cat "$work/relay.log")"
    sleep 0.1
done
admin=$(sed -n 's|^parley-relay admin on http://\(127\.0\.0\.1:[0-9]*\).*|\1|p' "$work/relay.log")

python3 - "$admin" "$monitoring/grafana-dashboard.json" "$monitoring/alerts.yml" <<'PYTHON'
import json, re, socket, sys

admin, dashboard_path, alerts_path = sys.argv[1:4]
host, port = admin.split(":")
with socket.create_connection((host, int(port)), timeout=10) as s:
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: relay\r\n\r\n")
    response = b""
    while chunk := s.recv(65536):
        response += chunk
head, _, body = response.decode().partition("\r\n\r\n")
if not head.startswith("HTTP/1.1 200"):
    sys.exit("check-monitoring: /metrics answered " + head.splitlines()[0])
exposed = {re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
           for line in body.splitlines() if line and not line.startswith("#")}
if len(exposed) < 30:
    sys.exit("check-monitoring: /metrics has only %d series names" % len(exposed))

name = re.compile(r"\bparley_relay_[a-z0-9_]+")
dashboard = json.load(open(dashboard_path))
used = set()
panels = dashboard["panels"]
if len(panels) < 10:
    sys.exit("check-monitoring: the dashboard has only %d panels" % len(panels))
for panel in panels:
    if not panel.get("targets"):
        sys.exit("check-monitoring: panel %r has no query" % panel.get("title"))
    for target in panel["targets"]:
        used.update(name.findall(target["expr"]))
for variable in dashboard["templating"]["list"]:
    if variable["type"] == "query":
        used.update(name.findall(variable["definition"]))
missing = sorted(used - exposed)
if missing:
    sys.exit("check-monitoring: the dashboard uses metrics the relay does not have: " +
             ", ".join(missing))

# The alert rules too.
rules = set(name.findall(open(alerts_path).read()))
missing = sorted(rules - exposed)
if missing:
    sys.exit("check-monitoring: alerts.yml uses metrics the relay does not have: " +
             ", ".join(missing))
print("check-monitoring: %d dashboard and %d alert metric names found in /metrics"
      % (len(used), len(rules)))
PYTHON
