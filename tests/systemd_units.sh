#!/usr/bin/env bash
# Verifies the shipped systemd units with the built binary in place:
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
for unit in qbi-runner.service qbi-runner-batch.service qbi-runner-batch.timer; do
  sed "s#/usr/local/bin/qbi-runner#$bin#g" "$src/systemd/$unit" > "$work/$unit"
done
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
