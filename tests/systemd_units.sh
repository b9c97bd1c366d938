#!/usr/bin/env bash
# Verifies the shipped systemd units with the built binary in place, as CMake configures them
# (cmake/SystemdUnits.cmake, here with the built binary's folder and a /opt/qbi prefix):
#   ExecStart= and Documentation= follow the prefix (nothing left at /usr/local);
#   no core dumps (LimitCORE=0); the batch does not conflict with (stop) the daemon;
#   the batch writes its metrics file into a runtime folder of its own;
#   systemd-analyze verify --recursive-errors=yes (syntax, binary present, dependencies)
#   systemd-analyze security --offline=true with an exposure threshold of 2.0
# (systemd 252 takes the threshold in tenths: 20 means an exposure of 2.0.)
# Usage: systemd_units.sh SOURCE_DIR QBI_RUNNER_BINARY
set -euo pipefail
src=$1
bin=$2
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze is not installed (apt-get install systemd)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
docdir=/opt/qbi/share/doc/qbi-runner
cmake -DSOURCE_DIR="$src" -DOUTPUT_DIR="$work" -DBINDIR="$(dirname "$bin")" -DDOCDIR="$docdir" \
  -P "$src/cmake/SystemdUnits.cmake"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
for unit in qbi-runner.service qbi-runner-batch.service qbi-runner-batch.timer; do
  ! grep -n /usr/local "$work/$unit" || fail "$unit still names /usr/local"
done
for unit in qbi-runner.service qbi-runner-batch.service; do
  grep -qx "Documentation=file://$docdir/README.md" "$work/$unit" ||
    fail "$unit: Documentation= does not follow the prefix"
  grep -qx "ExecStart=$bin .*" "$work/$unit" || fail "$unit: ExecStart= is not $bin"
  grep -qx "LimitCORE=0" "$work/$unit" || fail "$unit: no LimitCORE=0"
done
! grep -n "^Conflicts=" "$work/qbi-runner-batch.service" ||
  fail "the batch would stop the daemon (Conflicts=)"
grep -qx "ExecStart=$bin batch --metrics-file /run/qbi-runner-metrics/qbi-runner.prom" \
  "$work/qbi-runner-batch.service" || fail "the batch writes no metrics file (--metrics-file)"
grep -qx "RuntimeDirectory=qbi-runner-metrics" "$work/qbi-runner-batch.service" ||
  fail "the batch's metrics folder is not made (RuntimeDirectory=)"
grep -qx "SuccessExitStatus=1 75" "$work/qbi-runner-batch.service" ||
  fail "the batch fails when the daemon holds the queue (SuccessExitStatus=)"
cd "$work"
# verify needs the units it names to be findable: point it at this directory.
export SYSTEMD_UNIT_PATH="$work:"
systemd-analyze verify --recursive-errors=yes qbi-runner.service qbi-runner-batch.service \
  qbi-runner-batch.timer
for unit in qbi-runner.service qbi-runner-batch.service; do
  out=$(systemd-analyze security --offline=true --threshold=20 "$work/$unit" 2>&1) || {
    echo "$out" | tail -25
    echo "FAIL: $unit exposure above 2.0" >&2
    exit 1
  }
  echo "$out" | tail -1
done
echo "systemd units verified"
