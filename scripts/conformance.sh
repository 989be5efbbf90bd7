#!/usr/bin/env bash
# The conformance job until the nsconform harness lands: runs nsrt through a
# few real containers on the fixture rootfs and writes reports/latest/
# (results.json and report.tap).  Usage: conformance.sh NSRT ROOTFS
set -uo pipefail
nsrt=${1:?usage: conformance.sh NSRT ROOTFS}
rootfs=${2:?usage: conformance.sh NSRT ROOTFS}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/reports/latest"
work=$(mktemp -d /tmp/nsconform-job.XXXXXX)
root="$work/state"
trap 'for d in "$root"/*/; do [ -d "$d" ] && "$nsrt" --root "$root" delete --force "$(basename "$d")" >/dev/null 2>&1; done; rm -rf "$work"' EXIT
mkdir -p "$out" "$work/bundle"
"$nsrt" spec --bundle "$work/bundle" || exit 2
sed -i "s|\"path\": \"rootfs\"|\"path\": \"$rootfs\"|" "$work/bundle/config.json"

n=0 failed=0
tap=() results=()
# check NAME EXPECTED-OUTPUT ARGS-JSON [USERNS]
check() {
  local name=$1 want=$2 args=$3 userns=${4:-}
  n=$((n + 1))
  local cfg="$work/bundle/config.json" got status
  cp "$cfg" "$cfg.orig"
  local edit=".process.args = $args"
  [ -n "$userns" ] && edit="$edit | .linux.namespaces += [{\"type\":\"user\"}] | .linux.uidMappings = [{\"containerID\":0,\"hostID\":100000,\"size\":65536}] | .linux.gidMappings = .linux.uidMappings"
  if command -v jq >/dev/null; then jq "$edit" "$cfg.orig" >"$cfg"; else
    python3 - "$cfg.orig" "$cfg" "$args" "$userns" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["process"]["args"] = json.loads(sys.argv[3])
if sys.argv[4]:
    c["linux"]["namespaces"].append({"type": "user"})
    c["linux"]["uidMappings"] = c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
json.dump(c, open(sys.argv[2], "w"))
PY
  fi
  got=$(timeout 30 "$nsrt" --root "$root" run --bundle "$work/bundle" "job$n" 2>&1)
  status=$?
  mv "$cfg.orig" "$cfg"
  local verdict=PASS
  [ "$status" -eq 0 ] && [ "$got" = "$want" ] || { verdict=FAIL; failed=$((failed + 1)); }
  if [ $verdict = PASS ]; then tap+=("ok $n - $name"); else
    tap+=("not ok $n - $name" "  ---" "  expected: '$want'" "  actual: '$(echo "$got" | tr '\n' ' ')'" "  status: $status" "  ...")
  fi
  results+=("{\"id\":\"$name\",\"verdict\":\"$verdict\",\"expected\":$(printf '%s' "$want" | python3 -c 'import json,sys;print(json.dumps(sys.stdin.read()))'),\"actual\":$(printf '%s' "$got" | python3 -c 'import json,sys;print(json.dumps(sys.stdin.read()))')}")
}

check process.args.runs "hello" '["/bin/echo","hello"]'
check config.hostname "nsrt" '["/bin/hostname"]'
check config-linux.user-namespace.uid-map "0 100000 65536" '["/bin/sh","-c","echo $(cat /proc/self/uid_map)"]' userns
check config-linux.user-namespace.root "0" '["/bin/id","-u"]' userns
check config.process.noNewPrivileges "NoNewPrivs:	1" '["/bin/grep","NoNewPrivs","/proc/self/status"]'
check config-linux.pid-namespace "1" '["/bin/sh","-c","echo $$"]'
check config.root.readonly "ro" '["/bin/sh","-c","touch /x 2>/dev/null && echo rw || echo ro"]'

{
  echo "TAP version 13"
  echo "1..$n"
  printf '%s\n' "${tap[@]}"
} >"$out/report.tap"
{
  echo "{\"runtime\":\"$nsrt\",\"cases\":["
  (IFS=,; echo "${results[*]}")
  echo "],\"passed\":$((n - failed)),\"failed\":$failed}"
} >"$out/results.json"
echo "conformance: $((n - failed)) passed, $failed failed (reports in reports/latest/)"
[ "$failed" -eq 0 ]
