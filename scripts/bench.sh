#!/bin/bash
# Benchmark (not a test): wall time of `<runtime> run` of /bin/true on the
# busybox rootfs, for nsrt, crun and runc (those installed).
#
#   scripts/bench.sh            BENCH_N=100 scripts/bench.sh
#
# The bundle is `nsrt spec` with args ["/bin/true"] and root.path the
# absolute build/rootfs.  Runs alternate between runtimes (round robin) so
# any drift of the machine hits all of them alike; one untimed warm-up run
# each comes first.  The whole loop runs in a private mount namespace
# (unshare -m) with /sys/fs/cgroup/unified unmounted there, because crun
# 1.8.1 refuses hybrid cgroup hosts; nsrt and runc run in the same namespace,
# so all three are timed alike.  Times come from bash's $EPOCHREALTIME
# (microseconds; no extra process per sample).  Not like for like: crun and
# runc also create and remove cgroups on each run, nsrt has no cgroup support.
#
# Env: BENCH_N (runs per runtime, default 40), NSRT_BIN (default
# build/bin/nsrt), NSRT_ROOTFS (default build/rootfs).
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "$0")/.." && pwd)
self="$repo/scripts/bench.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "bench: needs root (namespaces, mounts)" >&2
  exit 1
fi

# Re-run ourselves in a private mount namespace: the unmount stays there.
if [ -z "${NSRT_BENCH_INNER:-}" ]; then
  exec env NSRT_BENCH_INNER=1 unshare --mount --propagation private bash "$self" "$@"
fi

n=${BENCH_N:-40}
[[ "$n" =~ ^[1-9][0-9]*$ ]] || {
  echo "bench: BENCH_N must be a positive integer, not '$n'" >&2
  exit 1
}
nsrt_bin=${NSRT_BIN:-$repo/build/bin/nsrt}
rootfs=${NSRT_ROOTFS:-$repo/build/rootfs}

if mountpoint -q /sys/fs/cgroup/unified; then
  umount /sys/fs/cgroup/unified
fi

if [ ! -e "$rootfs/.built" ]; then
  "$repo/fixtures/rootfs/build.sh" "$rootfs"
fi
rootfs=$(realpath "$rootfs")

# ---- which runtimes ---------------------------------------------------------
runtimes=()
declare -A bin_of
if [ -x "$nsrt_bin" ]; then
  runtimes+=(nsrt)
  bin_of[nsrt]=$nsrt_bin
else
  echo "bench: skipping nsrt: $nsrt_bin not built (make)"
fi
for rt in crun runc; do
  if command -v "$rt" >/dev/null; then
    runtimes+=("$rt")
    bin_of[$rt]=$(command -v "$rt")
  else
    echo "bench: skipping $rt: not installed (scripts/deps.sh)"
  fi
done
if [ ${#runtimes[@]} -eq 0 ]; then
  echo "bench: no runtime to measure" >&2
  exit 1
fi

# ---- temp dirs, cleaned up on every exit ------------------------------------
tmp=$(mktemp -d /tmp/nsrt-bench.XXXXXX)
current_rt=
current_id=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # A run interrupted by Ctrl-C may have left its container.
  if [ -n "$current_id" ]; then
    "${bin_of[$current_rt]}" --root "$tmp/state-$current_rt" delete --force "$current_id" \
      >/dev/null 2>&1 || true
    remove_cgroups "$current_id"
  fi
  rm -rf -- "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# runc (cgroupfs driver) puts a container without cgroupsPath in
# /sys/fs/cgroup/<controller>/<id>; its delete removes them, this only
# catches what an interrupted run left.
remove_cgroups() {
  local d
  for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
    [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
  done
}

# ---- the bundle --------------------------------------------------------------
bundle="$tmp/bundle"
mkdir -p "$bundle"
if [ -x "$nsrt_bin" ]; then
  "$nsrt_bin" --root "$tmp/state-nsrt" spec --bundle "$bundle"
else
  (cd "$bundle" && "${bin_of[${runtimes[0]}]}" spec)
fi
# ociVersion 1.1.0: crun 1.8.1 rejects newer versions ("unknown version
# specified"); nsrt and runc take any 1.x.
BENCH_ROOTFS="$rootfs" perl -MJSON::PP -0777 -i -pe '
  my $json = JSON::PP->new->pretty->canonical;
  my $c = $json->decode($_);
  $c->{root} = {path => $ENV{BENCH_ROOTFS}, readonly => JSON::PP::true};
  $c->{ociVersion} = "1.1.0";
  $c->{process}{args} = ["/bin/true"];
  $c->{process}{terminal} = JSON::PP::false;
  $_ = $json->encode($c);
' "$bundle/config.json"

# ---- one run -------------------------------------------------------------------
failures=0
# Sets $elapsed_us; returns the runtime's status.
run_once() {
  local rt=$1 id=$2 t0 t1 rc
  current_rt=$rt
  current_id=$id
  t0=$EPOCHREALTIME
  "${bin_of[$rt]}" --root "$tmp/state-$rt" run --bundle "$bundle" "$id" \
    >"$tmp/out" 2>"$tmp/err" </dev/null && rc=0 || rc=$?
  t1=$EPOCHREALTIME
  elapsed_us=$((${t1//[.,]/} - ${t0//[.,]/}))
  if [ "$rc" -ne 0 ]; then
    echo "bench: $rt run $id failed with status $rc:" >&2
    sed -e 's/^/  /' "$tmp/err" "$tmp/out" >&2
    "${bin_of[$rt]}" --root "$tmp/state-$rt" delete --force "$id" >/dev/null 2>&1 || true
  fi
  remove_cgroups "$id"
  current_id=
  return "$rc"
}

working=()
for rt in "${runtimes[@]}"; do
  mkdir -p "$tmp/state-$rt"
  : >"$tmp/times-$rt"
  if run_once "$rt" "bench-$$-$rt-warmup"; then
    working+=("$rt")
  else
    echo "bench: $rt cannot run the bundle on this host; leaving it out" >&2
    failures=$((failures + 1))
  fi
done
if [ ${#working[@]} -eq 0 ]; then
  echo "bench: no runtime could run the bundle" >&2
  exit 1
fi
runtimes=("${working[@]}")

echo "bench: $n runs each of /bin/true on $rootfs (round robin: ${runtimes[*]};" \
  "crun and runc also set up cgroups, nsrt does not)"
for ((i = 0; i < n; i++)); do
  for rt in "${runtimes[@]}"; do
    if run_once "$rt" "bench-$$-$rt-$i"; then
      echo "$elapsed_us" >>"$tmp/times-$rt"
    else
      failures=$((failures + 1))
    fi
  done
done

# ---- results --------------------------------------------------------------------
declare -A median_of
for rt in "${runtimes[@]}"; do
  count=$(wc -l <"$tmp/times-$rt")
  if [ "$count" -eq 0 ]; then
    printf '%-5s no successful run\n' "$rt"
    continue
  fi
  # Nearest-rank percentiles over the sorted samples.
  read -r med p90 < <(sort -n "$tmp/times-$rt" | awk '
    { v[NR] = $1 }
    END {
      m = int((NR + 1) / 2); p = int(NR * 0.9 + 0.999999); if (p < 1) p = 1
      printf "%.1f %.1f\n", v[m] / 1000, v[p] / 1000
    }')
  median_of[$rt]=$med
  printf '%-5s median %6.1f ms  p90 %6.1f ms  (%d runs)\n' "$rt" "$med" "$p90" "$count"
done
for other in crun runc; do
  if [ -n "${median_of[nsrt]:-}" ] && [ -n "${median_of[$other]:-}" ]; then
    awk -v a="${median_of[nsrt]}" -v b="${median_of[$other]}" -v o="$other" \
      'BEGIN { printf "ratio nsrt/%s %.2f (medians)\n", o, a / b }'
  fi
done

# ---- the harness: cases per second, and its overhead per case ------------------
# The default suite against nsrt, then the same number of bare
# create/start/delete cycles of one bundle running the probe (what every case
# at least costs), so the difference is the harness's own work: observing,
# judging, leak checks, reports.  Goals: 500 cases < 60 s, overhead <= 15%.
nsconform_bin=${NSCONFORM_BIN:-$repo/build/bin/nsconform}
cases=${BENCH_CASES:-300}
if [ "${BENCH_HARNESS:-1}" = 1 ] && [ -x "$nsconform_bin" ] && [ -x "$nsrt_bin" ]; then
  s0=$EPOCHREALTIME
  "$nsconform_bin" run --runtime "$nsrt_bin" --rootfs "$rootfs" --count "$cases" \
    --out "$tmp/harness" >"$tmp/harness.log" 2>&1 || true
  s1=$EPOCHREALTIME
  total=$(grep -o '^nsconform: [0-9]* cases' "$tmp/harness.log" | grep -o '[0-9]*' || echo 0)
  # The overhead is measured on the generated cases alone: the lifecycle
  # procedures wait on purpose (hook timeouts) and negative cases never start.
  t0=$EPOCHREALTIME
  "$nsconform_bin" run --runtime "$nsrt_bin" --rootfs "$rootfs" --count "$cases" --only g0 \
    --out "$tmp/harness-g" >"$tmp/harness-g.log" 2>&1 || true
  t1=$EPOCHREALTIME
  ran=$(grep -o '^nsconform: [0-9]* cases' "$tmp/harness-g.log" | grep -o '[0-9]*' || echo 0)
  if [ "${ran:-0}" -gt 0 ]; then
    bare_bundle="$tmp/bare"
    mkdir -p "$bare_bundle"
    "$nsrt_bin" spec --bundle "$bare_bundle" >/dev/null
    sed -i -e "s|\"path\": \"rootfs\"|\"path\": \"$rootfs\"|" \
      -e 's|"sh"$|"/nsprobe"|' "$bare_bundle/config.json"
    b0=$EPOCHREALTIME
    for ((i = 0; i < ran; i++)); do
      id="bare-$$-$i"
      current_rt=nsrt current_id=$id
      "$nsrt_bin" --root "$tmp/root-nsrt" create --bundle "$bare_bundle" "$id" >/dev/null 2>&1
      "$nsrt_bin" --root "$tmp/root-nsrt" start "$id" >/dev/null 2>&1
      for ((w = 0; w < 200; w++)); do
        "$nsrt_bin" --root "$tmp/root-nsrt" state "$id" 2>/dev/null | grep -q '"stopped"' && break
      done
      "$nsrt_bin" --root "$tmp/root-nsrt" delete --force "$id" >/dev/null 2>&1
      current_id=
    done
    b1=$EPOCHREALTIME
    awk -v s0="$s0" -v s1="$s1" -v total="$total" -v h0="$t0" -v h1="$t1" -v b0="$b0" \
      -v b1="$b1" -v n="$ran" 'BEGIN {
      printf "harness: the default suite, %d cases in %.1f s (%.1f cases/s)\n", total, s1 - s0, total / (s1 - s0)
      h = (h1 - h0) / n * 1000; b = (b1 - b0) / n * 1000
      printf "harness: %d generated cases, %.1f ms per case; bare create/start/delete %.1f ms: overhead %+.0f%%\n", n, h, b, (h / b - 1) * 100
    }'
  else
    echo "bench: the harness run failed: $(tail -1 "$tmp/harness.log")" >&2
    failures=$((failures + 1))
  fi
fi

if [ "$failures" -gt 0 ]; then
  echo "bench: $failures run(s) failed" >&2
  exit 1
fi
