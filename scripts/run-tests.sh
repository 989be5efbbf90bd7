#!/bin/bash
# Run criterion test binaries and sum their results.
#
#   scripts/run-tests.sh LABEL [criterion flags...] -- BIN...
#
# Each binary runs with the flags; its "Synthesis: Tested: N | Passing: P |
# Failing: F | Crashing: C" line is summed (criterion's Failing already counts
# crashes and time-outs).  The last line printed is exactly
#   LABEL: P passed, F failed
# Exit 1 when any binary failed, exited non-zero, or printed no synthesis line
# (it died before reporting: counted as one failure).
#
# VALGRIND=1 runs every binary under memcheck.  Criterion runs each test in a
# worker that it re-executes from its own binary, so --trace-children=yes is
# needed to check the tests and not only the runner.  A worker's valgrind exit
# code does not change the test's verdict, so each process logs to its own
# file and any non-empty log counts as one failure.
#
# RUN_TESTS_TIMEOUT (seconds, default 1800) bounds each binary.
set -uo pipefail

usage() {
  echo "usage: $0 LABEL [criterion flags...] -- BIN..." >&2
  exit 2
}

[ $# -ge 1 ] || usage
label=$1
shift
flags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  flags+=("$1")
  shift
done
[ $# -gt 0 ] || usage
shift # --
[ $# -gt 0 ] || {
  echo "$label: no test binaries given" >&2
  usage
}

here=$(cd "$(dirname "$0")/.." && pwd)
timeout_s=${RUN_TESTS_TIMEOUT:-1800}
workdir=$(mktemp -d /tmp/run-tests.XXXXXX)
trap 'rm -rf -- "$workdir"' EXIT

valgrind_cmd=()
if [ "${VALGRIND:-0}" = 1 ]; then
  command -v valgrind >/dev/null || {
    echo "$label: VALGRIND=1 but valgrind is not installed (scripts/deps.sh)" >&2
    exit 1
  }
  # --vgdb=no: no gdb-server FIFOs left behind in /tmp.  nsprobe is not
  # followed: it is static, and memcheck misreads static glibc's own start-up.
  valgrind_cmd=(valgrind --quiet --trace-children=yes --trace-children-skip='*/nsprobe' --vgdb=no
    --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --track-fds=no)
  if [ -f "$here/tests/valgrind.supp" ]; then
    valgrind_cmd+=("--suppressions=$here/tests/valgrind.supp")
  fi
fi

total_pass=0
total_fail=0
any_failed=0
failed_bins=()

for bin in "$@"; do
  name=${bin##*/}
  log="$workdir/$name.out"
  if [ ! -x "$bin" ]; then
    echo "$label: $bin: not an executable file" >&2
    total_fail=$((total_fail + 1))
    any_failed=1
    failed_bins+=("$name (missing)")
    continue
  fi

  cmd=("$bin")
  vgdir=
  if [ ${#valgrind_cmd[@]} -gt 0 ]; then
    vgdir="$workdir/vg.$name"
    mkdir -p "$vgdir"
    cmd=("${valgrind_cmd[@]}" "--log-file=$vgdir/%p.log" "$bin")
  fi

  # --foreground keeps the tests in the terminal's process group so Ctrl-C
  # reaches them; the runner's workers die with it.
  timeout --foreground -k 10 "$timeout_s" "${cmd[@]}" "${flags[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}

  # Criterion only colours a terminal, but strip escapes in case --color=always.
  synth=$(sed -e 's/\x1b\[[0-9;]*m//g' "$log" | grep -E 'Synthesis: Tested: [0-9]+' | tail -n 1)
  if [ -z "$synth" ]; then
    why="exit status $rc"
    if [ "$rc" -eq 124 ]; then
      why="timed out after ${timeout_s}s"
    elif [ "$rc" -gt 128 ]; then
      why="killed by signal $((rc - 128))"
    fi
    echo "$label: $name: no synthesis line ($why)" >&2
    total_fail=$((total_fail + 1))
    any_failed=1
    failed_bins+=("$name (no synthesis)")
    continue
  fi

  tested=$(sed -E 's/.*Tested: ([0-9]+).*/\1/' <<<"$synth")
  passing=$(sed -E 's/.*Passing: ([0-9]+).*/\1/' <<<"$synth")
  failing=$(sed -E 's/.*Failing: ([0-9]+).*/\1/' <<<"$synth")
  # Failing includes crashes; anything tested and not passing is a failure.
  [ $((tested - passing)) -gt "$failing" ] && failing=$((tested - passing))

  bin_failed=0
  [ "$failing" -gt 0 ] && bin_failed=1
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 99 ] && [ "$failing" -eq 0 ]; then
    echo "$label: $name: exit status $rc although no test failed" >&2
    bin_failed=1
  fi

  if [ -n "$vgdir" ]; then
    vg_errors=0
    for f in "$vgdir"/*.log; do
      [ -s "$f" ] || continue
      # "==PID==" lines are memcheck's findings; "--PID--" lines are notes
      # from valgrind itself (e.g. a syscall it does not know, which then
      # fails with ENOSYS: the test's own result shows whether that matters).
      # Valgrind 3.19 also prints, as "==PID==" lines, a three-line warning
      # for an ioctl it has no wrapper for (NS_GET_NSTYPE): a limit of the
      # tool, noted below like an unknown syscall, not a memcheck finding.
      if grep -v -E 'Warning: noted but unhandled ioctl|This could cause spurious value errors|See README_MISSING_SYSCALL_OR_IOCTL' "$f" |
        grep -q '^==[0-9]*=='; then
        vg_errors=$((vg_errors + 1))
        echo "$label: $name: valgrind reported errors in process ${f##*/}:" >&2
        sed -e 's/^/  /' "$f" >&2
      else
        grep -h -o -E 'unhandled [a-z0-9_-]* syscall: [0-9]*|unhandled ioctl 0x[0-9a-f]*' "$f" \
          >>"$vgdir/notes" || true
      fi
    done
    if [ -s "$vgdir/notes" ]; then
      sort "$vgdir/notes" | uniq -c | while read -r count note; do
        echo "$label: $name: valgrind: $note (in $count processes; valgrind does not know it)" >&2
      done
    fi
    if [ "$vg_errors" -gt 0 ] || [ "$rc" -eq 99 ]; then
      [ "$vg_errors" -eq 0 ] && vg_errors=1
      failing=$((failing + vg_errors))
      bin_failed=1
    fi
  elif [ "$rc" -eq 99 ] && [ "$failing" -eq 0 ]; then
    echo "$label: $name: exit status 99 although no test failed" >&2
    bin_failed=1
  fi

  total_pass=$((total_pass + passing))
  total_fail=$((total_fail + failing))
  if [ "$bin_failed" -eq 1 ]; then
    any_failed=1
    # A binary that failed without a failing test still shows in the count.
    [ "$failing" -eq 0 ] && total_fail=$((total_fail + 1))
    failed_bins+=("$name")
  fi
done

# The failed tests' messages once more, last: a CI log is often read from
# its end, and a binary's output scrolls by long before the summary.
for name in "${failed_bins[@]}"; do
  log="$workdir/${name%% *}.out"
  [ -f "$log" ] || continue
  echo "$label: $name, its failures again:" >&2
  sed -e 's/\x1b\[[0-9;]*m//g' "$log" |
    awk '/Assertion Failed|\[FAIL\]|\[ERR \]|Timed out|CRASH/ { show = 1 }
         /\[PASS\]|\[RUN \]/ { show = 0 }
         show { print "  " $0; if (++n >= 80) exit }' >&2
done
if [ ${#failed_bins[@]} -gt 0 ]; then
  echo "$label: failed: ${failed_bins[*]}" >&2
fi
echo "$label: $total_pass passed, $total_fail failed"
exit "$any_failed"
