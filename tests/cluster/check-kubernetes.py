#!/usr/bin/env python3
"""packaging/kubernetes/ is valid YAML of the expected shape, and the relay accepts every
setting it gives (docs/scaling.md §Kubernetes; label `cluster`).

    check-kubernetes.py SOURCE_DIR RELAY_BINARY

Checks: every file parses (PyYAML, safe_load_all); the Deployment, the Services, the
PodDisruptionBudget and the HorizontalPodAutoscaler select the same pods; the probes use the
admin listener's port (/readyz readiness, /healthz liveness); the grace period covers the
preStop sleep plus the relay's drain delay with room for the drain itself; relay.key comes
from a Secret, mounted in the data directory, readable through the pod's fsGroup; every PARLEY_RELAY_* variable names an option
of `parley-relay --help`, and `parley-relay --check-config` with exactly that environment
accepts it and reports each one as taken from the environment (an unknown variable would be
ignored silently by the relay, so this is where a misspelt one is caught)."""
import os
import re
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    sys.exit("check-kubernetes: python3-yaml is missing (scripts/setup-deps)")

failures = []


def check(condition, sentence):
    if not condition:
        failures.append(sentence)
    return condition


def seconds(duration):
    match = re.fullmatch(r"(\d+)([smhd]?)", duration)
    if not match:
        return None
    return int(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def main():
    source, relay = sys.argv[1], sys.argv[2]
    directory = os.path.join(source, "packaging", "kubernetes")
    documents = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(".yaml"):
            with open(os.path.join(directory, name)) as f:
                try:
                    documents += [(name, d) for d in yaml.safe_load_all(f) if d is not None]
                except yaml.YAMLError as error:
                    check(False, f"{name} is not valid YAML: {error}")
    by_kind = {}
    for name, document in documents:
        check(isinstance(document, dict) and "apiVersion" in document and "kind" in document
              and "name" in document.get("metadata", {}),
              f"{name}: a document without apiVersion, kind or metadata.name")
        by_kind.setdefault(document.get("kind"), []).append(document)
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        check(kind in by_kind, f"no {kind}")
    if failures:
        return

    deployment = by_kind["Deployment"][0]
    labels = deployment["spec"]["selector"]["matchLabels"]
    pod = deployment["spec"]["template"]
    check(all(pod["metadata"]["labels"].get(k) == v for k, v in labels.items()),
          "the Deployment's selector does not match its pod labels")
    for service in by_kind["Service"]:
        check(service["spec"]["selector"] == labels,
              f"Service {service['metadata']['name']} selects other pods")
    for budget in by_kind["PodDisruptionBudget"]:
        check(budget["spec"]["selector"]["matchLabels"] == labels,
              "the PodDisruptionBudget selects other pods")
    hpa = by_kind["HorizontalPodAutoscaler"][0]
    target = hpa["spec"]["scaleTargetRef"]
    check(hpa["apiVersion"] == "autoscaling/v2", "the HPA is not autoscaling/v2")
    check(target["kind"] == "Deployment" and target["name"] == deployment["metadata"]["name"],
          "the HPA scales something else than the Deployment")
    check(1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"], "HPA replica bounds")

    spec = pod["spec"]
    container = spec["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    check(all(isinstance(v, str) for k, v in env.items() if k.startswith("PARLEY_RELAY_")),
          "every PARLEY_RELAY_* variable needs a literal value (the check runs the relay with it)")
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    admin_port = int(env.get("PARLEY_RELAY_ADMIN_LISTEN", ":0").rsplit(":", 1)[1])
    listen_port = int(env.get("PARLEY_RELAY_LISTEN", ":0").rsplit(":", 1)[1])
    check(ports.get("admin") == admin_port, "container port `admin` is not the admin listener's")
    check(ports.get("ws") == listen_port, "container port `ws` is not the relay's listener")
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path and get.get("port") in ("admin", admin_port),
              f"{probe} is not GET {path} on the admin port")
    for service in by_kind["Service"]:
        for port in service["spec"]["ports"]:
            check(port["targetPort"] in ports or port["targetPort"] in ports.values(),
                  f"Service {service['metadata']['name']} targets an unknown port")
    client_service = [s for s in by_kind["Service"] if s["spec"].get("type") == "LoadBalancer"]
    check(client_service and all(p["targetPort"] in ("ws", listen_port)
                                 for p in client_service[0]["spec"]["ports"]),
          "the clients' Service must expose the relay's listener only, not the admin port")

    # The drain (docs/operations.md §Signals) must fit in the grace period.
    drain = seconds(env.get("PARLEY_RELAY_DRAIN_DELAY", "0"))
    command = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    check(len(command) == 2 and command[0].endswith("sleep") and command[1].isdigit(),
          "preStop is not a sleep")
    pre_stop = int(command[1]) if check(drain is not None, "drain delay unreadable") and \
        len(command) == 2 and command[1].isdigit() else 0
    grace = spec.get("terminationGracePeriodSeconds", 30)
    check(drain and drain >= 2 * container["readinessProbe"].get("periodSeconds", 10),
          "the drain delay is shorter than two readiness periods")
    check(grace >= pre_stop + (drain or 0) + 15,
          f"terminationGracePeriodSeconds {grace} < preStop {pre_stop} + drain {drain} + 15 s")

    # relay.key: a Secret, in the data directory.
    data_dir = env.get("PARLEY_RELAY_DATA_DIR", "")
    secrets = {v["name"]: v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
    key_mounts = [m for m in container["volumeMounts"]
                  if m["mountPath"] == f"{data_dir}/relay.key" and m["name"] in secrets]
    check(key_mounts and key_mounts[0].get("subPath") == "relay.key",
          "relay.key is not a Secret mounted in PARLEY_RELAY_DATA_DIR")
    # Secret files belong to root: the relay (the image's non-root user) reads relay.key
    # through the pod's fsGroup, so the mode must let the group read it, and nobody else.
    key_volume = [v for v in spec["volumes"] if key_mounts and v["name"] == key_mounts[0]["name"]]
    mode = key_volume[0]["secret"].get("defaultMode", 0o644) if key_volume else 0
    check("fsGroup" in spec.get("securityContext", {}) and mode & 0o040 and not mode & 0o007,
          "relay.key must be readable through the pod's fsGroup and by no one else")

    # Every variable is an option of the relay, and the relay accepts the whole set.
    help_text = subprocess.run([relay, "--help"], capture_output=True, text=True,
                               timeout=20).stdout
    options = set(re.findall(r"--([a-z][a-z0-9-]*)", help_text))
    relay_env = {k: v for k, v in env.items() if k.startswith("PARLEY_RELAY_") and v is not None}
    check(len(relay_env) >= 6, "the Deployment configures the relay with too few variables")
    for name in relay_env:
        option = name[len("PARLEY_RELAY_"):].lower().replace("_", "-")
        check(option in options, f"{name}: the relay has no option --{option}")
    with tempfile.TemporaryDirectory() as scratch:
        check_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": scratch}
        check_env.update(relay_env)
        check_env["PARLEY_RELAY_DATA_DIR"] = os.path.join(scratch, "data")
        result = subprocess.run([relay, "--check-config"], capture_output=True, text=True,
                                env=check_env, timeout=20)
        check(result.returncode == 0,
              f"parley-relay --check-config refused the Deployment's settings: {result.stdout}"
              f"{result.stderr}")
        from_environment = re.findall(r"^([a-z0-9-]+) = .*# environment$", result.stdout, re.M)
        for name in relay_env:
            option = name[len("PARLEY_RELAY_"):].lower().replace("_", "-")
            check(option in from_environment,
                  f"{name} is not taken from the environment by --check-config")


if __name__ == "__main__":
    main()
    for failure in failures:
        print(f"check-kubernetes: {failure}", file=sys.stderr)
    if failures:
        sys.exit(1)
    print("check-kubernetes: packaging/kubernetes/ is consistent with the relay")
