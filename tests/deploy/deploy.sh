#!/usr/bin/env bash
# deploy/: the DaemonSet manifest is YAML (python3-yaml) with a consistent pod spec; the
# systemd unit passes systemd-analyze verify; and every tool command in them is one the
# tool accepts (run with --ebpf, which parses all options and --prom's directory check,
# then prints the program instead of loading it).
set -euo pipefail
. "$(dirname "$0")/../checks.sh"
: "${BIN:?}" "${SRC:?}"
python3 -c 'import yaml' 2>/dev/null || prereq "python3-yaml not installed (scripts/test.sh installs it)"
command -v systemd-analyze >/dev/null || prereq "systemd-analyze not installed (package systemd)"
T=$(mktemp -d /var/tmp/kscope-deploy.XXXXXX)
trap 'rm -rf "$T"' EXIT

# accepts TOOL ARGS...: the tool parses the command line (exit 0 with --ebpf).
accepts() { "$BIN/$1" "${@:2}" --ebpf >"$T/ebpf.out" 2>"$T/ebpf.err" && grep -q '^#define KS_PROM 1' "$T/ebpf.out"; }

# ---- Kubernetes ----
manifest=$SRC/deploy/kubernetes/kscope-daemonset.yaml
python3 - "$manifest" "$T" >"$T/k8s.out" <<'PY'
import sys, yaml
path, tmp = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(path)) if d]
def fail(msg):
    sys.exit("FAIL: " + msg)
ds = [d for d in docs if d.get("kind") == "DaemonSet"]
if len(ds) != 1 or ds[0].get("apiVersion") != "apps/v1":
    fail("one apps/v1 DaemonSet expected")
ds = ds[0]
spec = ds["spec"]
if spec["selector"]["matchLabels"].items() - spec["template"]["metadata"]["labels"].items():
    fail("the selector does not match the pod labels")
pod = spec["template"]["spec"]
volumes = {v["name"]: v for v in pod["volumes"]}
for c in pod["containers"]:
    if "command" in c:
        fail(c["name"] + ": 'command' would replace the image's entrypoint (tracefs); use args")
    if not c.get("securityContext", {}).get("privileged"):
        fail(c["name"] + ": BPF needs a privileged container")
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    for m in c["volumeMounts"]:
        if m["name"] not in volumes:
            fail(c["name"] + ": no volume " + m["name"])
    for need in ("/lib/modules", "/usr/src"):
        if need not in mounts:
            fail(c["name"] + ": kernel headers need " + need)
    args = c["args"]
    prom = args[args.index("--prom") + 1]
    d = prom.rsplit("/", 1)[0]
    if d not in mounts or volumes[mounts[d]].get("hostPath", {}).get("path") != "/var/lib/prometheus/node-exporter":
        fail(c["name"] + ": --prom must write into the host's textfile directory")
    if not prom.endswith(".prom"):
        fail(c["name"] + ": node_exporter reads only *.prom")
    # The command line for the tool test below, --prom's directory mapped to a temporary one.
    print(" ".join([tmp + "/textfile" if a == d else (tmp + "/textfile/" + a.rsplit("/", 1)[1] if a == prom else a) for a in args]))
print("ok")
PY
check "kubernetes: the manifest parses and its pod spec is consistent" test "$(tail -n 1 "$T/k8s.out")" = ok
mkdir -p "$T/textfile"
n=0
while read -r tool args; do
    [ "$tool" = ok ] && continue
    n=$((n + 1))
    # shellcheck disable=SC2086
    check "kubernetes: '$tool $args' is accepted by $tool" accepts "$tool" $args
done <"$T/k8s.out"
check "kubernetes: two containers (biolatency, syscount)" test $n = 2

# ---- systemd ----
unit=$SRC/deploy/systemd/kscope@.service
for tool in biolatency syscount; do
    # The unit as installed for this tool, with the build's binaries and a temporary
    # textfile directory instead of /usr/local/bin and /var/lib/prometheus/node-exporter.
    sed -e "s#/usr/local/bin/#$BIN/#" -e "s#/var/lib/prometheus/node-exporter#$T/textfile#g" \
        "$unit" >"$T/kscope@$tool.service"
    check "systemd: kscope@$tool verifies" systemd-analyze verify --man=no "$T/kscope@$tool.service"
    # ExecStart with %i and the default environment expanded.
    cmd=$(sed -n 's/^ExecStart=//p' "$T/kscope@$tool.service" | sed -e "s/%i/$tool/g" \
        -e 's/\$KSCOPE_ARGS//' -e 's/\$KSCOPE_INTERVAL/15/')
    # shellcheck disable=SC2086
    check "systemd: '$cmd' is accepted" accepts $(basename "${cmd%% *}") ${cmd#* }
done
check "systemd: the documented biolatency options are accepted" accepts biolatency -D --prom "$T/textfile/x.prom" 15

if [ "$FAILS" -gt 0 ]; then
    echo "$FAILS check(s) failed"
    exit 1
fi
echo "all checks passed"
